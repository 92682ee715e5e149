// value_view: a read-only look at a value that reads the lazy levels of a parsed request where they lie, in the
// parser's document, instead of converting them.
//
// A validate pattern reads a few fields of each level it enters, and looking up one member of a lazy level
// (value::find) converts the whole level: a vector of members, each key copied. A view of a lazy value answers
// find() and walks arrays on simdjson's tape instead, copying and allocating nothing. A view of any other value
// reads that value. A child of either is again a view, so one walk can pass from levels that were converted (a
// mutation changed them, or a JMESPath query looked into them) into levels that are still lazy.
//
// A view reads what the value would read: a repeated key reads as its last value (as conversion keeps it), an
// integer beyond int64 as a double, and to_value() of a scalar is the scalar the conversion would make, a string
// as a view of the document (value::as_string_view). A view must not outlive the value it looks at, nor that
// value's parser.
//
//   value_view pod(resource);
//   value_view spec;
//   if (pod.find("spec", spec) && spec.is_object()) { ... }
//   value_view::items it(containers);
//   for (value_view c; it.next(c);) { ... }
#pragma once

#include <cstddef>
#include <string_view>

#include "coco-admit/core/value.h"

namespace coco_admit {

struct value_view_access;

class value_view {
 public:
  value_view() noexcept = default;
  explicit value_view(const value& v) noexcept;

  value::kind type() const noexcept { return kind_; }
  bool is_null() const noexcept { return kind_ == value::kind::null; }
  bool is_object() const noexcept { return kind_ == value::kind::object; }
  bool is_array() const noexcept { return kind_ == value::kind::array; }

  /// The member `key` of an object (the last one, if the document repeats it) into `out`; false when this is not
  /// an object or has no such member.
  bool find(std::string_view key, value_view& out) const noexcept;
  /// The text of a string (a view of the document, or of the value); empty for anything else.
  std::string_view string() const noexcept;
  /// Number of elements of an array; 0 for anything else.
  std::size_t size() const noexcept;

  /// The value looked at, when it is not in the document; nullptr for a view into the document.
  const value* as_value() const noexcept { return in_document_ ? nullptr : value_; }
  /// The value as a value of its own: a scalar without copying a string's text, an array or object of the
  /// document as a lazy value (converted when something looks inside), anything else copied.
  value to_value() const;

  /// The elements of an array, in order.
  class items {
   public:
    explicit items(const value_view& array) noexcept;
    /// The next element into `out`; false at the end.
    bool next(value_view& out) noexcept;

   private:
    const value* values_ = nullptr;  // a converted array's elements
    std::size_t index_ = 0;
    std::size_t end_ = 0;
    const void* document_ = nullptr;  // a document's array: its tape from index_ to end_
  };

 private:
  friend class items;
  friend struct value_view_access;  // value_view.cc: builds views into the document
  value::kind kind_ = value::kind::null;
  bool in_document_ = false;
  const value* value_ = nullptr;
  /// In the document: its simdjson element, held as bytes (as lazy_element does).
  alignas(8) unsigned char element_[16] = {};
};

}  // namespace coco_admit
