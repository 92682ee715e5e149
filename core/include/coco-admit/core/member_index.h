// member_index and object_builder: key lookups and object building that stay
// linear on objects with very many keys.
//
// value::find and value::set scan the members, right for the tens of keys
// Kubernetes maps hold. A request can carry far more (3 MiB of annotations
// is 200,000 keys; a pod can list 80,000 containers), and n lookups or
// inserts of n members each took minutes. Past `linear_limit` members both
// hash the keys; below it they scan, as value does.
//
//   member_index in_b(b);      // borrows b: it must outlive the index, unchanged
//   for (const member& m : a.as_object()) if (const value* twin = in_b.find(m.key)) ...
//
//   object_builder out;        // value::set semantics: a repeated key keeps
//   out.set("k", v);           // its first position and takes the last value
//   value obj = std::move(out).take();
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "coco-admit/core/value.h"

namespace coco_admit {

class member_index {
 public:
  static constexpr std::size_t linear_limit = 32;

  /// `obj` may be null or not an object: nothing is found then.
  explicit member_index(const value* obj);
  const value* find(std::string_view key) const;

 private:
  const value* obj_;
  std::unordered_map<std::string_view, const value*> hashed_;  ///< filled past linear_limit only
};

class object_builder {
 public:
  void set(std::string_view key, value v);
  value take() &&;

 private:
  value::object_t members_;
  std::unordered_map<std::string, std::size_t> index_;  ///< key -> position, past linear_limit only
};

}  // namespace coco_admit
