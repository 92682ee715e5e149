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

void object_builder::set(std::string_view key, value v) {
  if (index_.empty()) {
    for (member& m : members_) {
      if (m.key == key) {
        m.val = std::move(v);
        return;
      }
    }
    members_.push_back(member{std::string(key), std::move(v)});
    if (members_.size() > member_index::linear_limit) {
      for (std::size_t i = 0; i < members_.size(); ++i) index_.emplace(members_[i].key, i);
    }
    return;
  }
  auto [it, fresh] = index_.emplace(std::string(key), members_.size());
  if (!fresh) {
    members_[it->second].val = std::move(v);
    return;
  }
  members_.push_back(member{std::string(key), std::move(v)});
}

value object_builder::take() && { return value(std::move(members_)); }

}  // namespace coco_admit
