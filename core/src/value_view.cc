#include "coco-admit/core/value_view.h"

#include <cstring>

#include <simdjson.h>

#include "bytes_equal.h"
#include "lazy_access.h"

namespace coco_admit {
namespace {

using element_type = simdjson::dom::element_type;

simdjson::dom::element element_in(const unsigned char (&bytes)[16]) {
  simdjson::dom::element e;
  std::memcpy(static_cast<void*>(&e), bytes, sizeof e);
  return e;
}

// The kind convert() (json.cc) gives the element: numbers beyond int64 become doubles.
value::kind kind_of(const simdjson::dom::element& e) noexcept {
  switch (e.type()) {
    case element_type::ARRAY: return value::kind::array;
    case element_type::OBJECT: return value::kind::object;
    case element_type::INT64: return value::kind::integer;
    case element_type::UINT64:
    case element_type::DOUBLE: return value::kind::number;
    case element_type::STRING: return value::kind::string;
    case element_type::BOOL: return value::kind::boolean;
    case element_type::NULL_VALUE: return value::kind::null;
  }
  return value::kind::null;
}

value_view view_of(const simdjson::dom::element& e);

// The tape index of the value of member `key` of the object that starts at `object`, read off the tape words
// (lazy_access.h): patterns look members up by the dozen, and the object iterator's steps cost several times this
// loop. Every member is looked at: a repeated key reads as its last value, as the conversion keeps it.
bool member_on_tape(const simdjson::internal::tape_ref& object, std::string_view key, std::size_t& at) noexcept {
  // Everything the loop reads is in locals, and the answer is written once at the end: a store through `at` in the
  // loop would make the compiler load the tape and the string buffer again for every member.
  const std::uint64_t* const tape = object.doc->tape.get();
  const std::uint8_t* const strings = object.doc->string_buf.get();
  const std::size_t close = json::detail::closing_word(tape, object.json_index);
  const char* const wanted = key.data();
  const std::size_t size = key.size();
  std::size_t found = 0;  // no member's value is at index 0 (the root word)
  for (std::size_t i = object.json_index + 1; i < close; i = json::detail::after_value(tape, i + 1)) {
    const std::uint8_t* text = strings + (tape[i] & simdjson::internal::JSON_VALUE_MASK);
    std::uint32_t length;
    std::memcpy(&length, text, sizeof length);
    if (length == size && detail::short_bytes_equal(reinterpret_cast<const char*>(text + sizeof length), wanted, size)) {
      found = i + 1;
    }
  }
  if (found == 0) return false;
  at = found;
  return true;
}

}  // namespace

// Builds the views into the document (value_view's constructor takes a value).
struct value_view_access {
  static value_view in_document(const simdjson::dom::element& e) {
    value_view v;
    v.kind_ = kind_of(e);
    v.in_document_ = true;
    std::memcpy(v.element_, &e, sizeof v.element_);
    return v;
  }
};

namespace {
value_view view_of(const simdjson::dom::element& e) { return value_view_access::in_document(e); }
}  // namespace

value_view::value_view(const value& v) noexcept : kind_(v.type()), value_(&v) {
  if (const lazy_element* l = v.lazy()) {
    in_document_ = true;
    std::memcpy(element_, l->element, sizeof element_);
  }
}

bool value_view::find(std::string_view key, value_view& out) const noexcept {
  if (kind_ != value::kind::object) return false;
  if (!in_document_) {
    const value* found = value_->find(key);
    if (found == nullptr) return false;
    out = value_view(*found);
    return true;
  }
  const simdjson::internal::tape_ref object = json::detail::tape_of(element_in(element_));
  std::size_t at = 0;
  if (!member_on_tape(object, key, at)) return false;
  out = view_of(json::detail::element_at(simdjson::internal::tape_ref(object.doc, at)));
  return true;
}

std::string_view value_view::string() const noexcept {
  if (kind_ != value::kind::string) return {};
  if (!in_document_) return value_->as_string_view();
  return element_in(element_).get_string().value_unsafe();
}

std::size_t value_view::size() const noexcept {
  if (kind_ != value::kind::array) return 0;
  if (!in_document_) return value_->as_array().size();
  const simdjson::dom::array a = element_in(element_).get_array().value_unsafe();
  const std::size_t counted = a.size();
  // The tape's count saturates at JSON_COUNT_MASK elements: past that they are counted one by one.
  if (counted < simdjson::internal::JSON_COUNT_MASK) return counted;
  std::size_t n = 0;
  for (auto it = a.begin(); it != a.end(); ++it) ++n;
  return n;
}

value value_view::to_value() const {
  if (!in_document_) return *value_;
  const simdjson::dom::element e = element_in(element_);
  switch (e.type()) {
    case element_type::ARRAY:
    case element_type::OBJECT: return value(json::detail::lazy_of(e, e.type() == element_type::OBJECT));
    case element_type::INT64: return value(static_cast<long long>(e.get_int64().value_unsafe()));
    case element_type::UINT64: return value(static_cast<double>(e.get_uint64().value_unsafe()));
    case element_type::DOUBLE: return value(e.get_double().value_unsafe());
    case element_type::STRING: {
      const std::string_view s = e.get_string().value_unsafe();
      return value(lazy_string{s.data(), s.size()});
    }
    case element_type::BOOL: return value(bool(e.get_bool().value_unsafe()));
    case element_type::NULL_VALUE: return value();
  }
  return value();
}

value_view::items::items(const value_view& array) noexcept {
  if (array.kind_ != value::kind::array) return;
  if (!array.in_document_) {
    const value::array_t& a = array.value_->as_array();
    values_ = a.data();
    end_ = a.size();
    return;
  }
  const simdjson::internal::tape_ref ref = json::detail::tape_of(element_in(array.element_));
  document_ = ref.doc;
  index_ = ref.json_index + 1;         // the first element, as dom::array::begin()
  end_ = ref.after_element() - 1;      // the closing bracket, as dom::array::end()
}

bool value_view::items::next(value_view& out) noexcept {
  if (index_ >= end_) return false;
  if (document_ == nullptr) {
    out = value_view(values_[index_++]);
    return true;
  }
  const simdjson::internal::tape_ref ref(static_cast<const simdjson::dom::document*>(document_), index_);
  out = view_of(json::detail::element_at(ref));
  index_ = ref.after_element();
  return true;
}

}  // namespace coco_admit
