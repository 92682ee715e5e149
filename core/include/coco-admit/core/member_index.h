// member_index: finds the members of one object by key, for code that looks
// up every key of one object in another (merges, diffs).
//
// value::find is a linear scan, right for the tens of keys Kubernetes maps
// hold. A request can carry far more (3 MiB of annotations is 200,000 keys),
// and n lookups of n members each took minutes. Past `linear_limit` members
// the index hashes the keys once; below it, it scans like value::find.
//
//   member_index in_b(b);
//   for (const member& m : a.as_object()) if (const value* twin = in_b.find(m.key)) ...
//
// The index borrows `obj`: it must outlive the index and stay unchanged.
#pragma once

#include <cstddef>
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

}  // namespace coco_admit
