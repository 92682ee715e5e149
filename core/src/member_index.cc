#include "coco-admit/core/member_index.h"

namespace coco_admit {

member_index::member_index(const value* obj) : obj_(obj != nullptr && obj->is_object() ? obj : nullptr) {
  if (obj_ == nullptr || obj_->size() <= linear_limit) return;
  hashed_.reserve(obj_->size());
  // The first member with a key wins, as with value::find.
  for (const member& m : obj_->as_object()) hashed_.emplace(m.key, &m.val);
}

const value* member_index::find(std::string_view key) const {
  if (obj_ == nullptr) return nullptr;
  if (obj_->size() <= linear_limit) return obj_->find(key);
  auto it = hashed_.find(key);
  return it == hashed_.end() ? nullptr : it->second;
}

}  // namespace coco_admit
