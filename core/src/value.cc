#include "coco-admit/core/value.h"

#include <algorithm>
#include <cstring>

#include "bytes_equal.h"
#include "coco-admit/core/member_index.h"

namespace coco_admit {

void value::own_string() const {
  const lazy_string l = *std::get_if<lazy_string_index>(&v_);
  v_ = std::string(l.data, l.size);
}

const value* value::find(std::string_view key) const noexcept {
  if (!is_object()) return nullptr;
  // Keys of one length are common ("name", "kind", "spec"): a first byte tells most apart before memcmp's call.
  const std::size_t n = key.size();
  for (const member& m : as_object()) {
    if (m.key.size() == n && (n == 0 || (m.key[0] == key[0] && detail::short_bytes_equal(m.key.data(), key.data(), n)))) {
      return &m.val;
    }
  }
  return nullptr;
}

value* value::find(std::string_view key) noexcept {
  return const_cast<value*>(static_cast<const value*>(this)->find(key));
}

value& value::operator[](std::string_view key) {
  if (is_null()) v_ = object_t{};
  object_t& o = as_object();
  for (member& m : o) {
    if (m.key == key) return m.val;
  }
  o.emplace_back(std::string(key), value());
  return o.back().val;
}

void value::set(std::string_view key, value v) { (*this)[key] = std::move(v); }

bool value::erase(std::string_view key) {
  if (!is_object()) return false;
  object_t& o = as_object();
  auto it = std::find_if(o.begin(), o.end(), [&](const member& m) { return m.key == key; });
  if (it == o.end()) return false;
  o.erase(it);
  return true;
}

void value::push_back(value v) {
  if (is_null()) v_ = array_t{};
  as_array().push_back(std::move(v));
}

std::size_t value::size() const noexcept {
  switch (type()) {
    case kind::array: return as_array().size();
    case kind::object: return as_object().size();
    case kind::string: return as_string_view().size();
    default: return 0;
  }
}

bool operator==(const value& a, const value& b) noexcept {
  if (a.is_number() && b.is_number()) {
    if (a.is_integer() && b.is_integer()) return a.as_int() == b.as_int();
    return a.as_double() == b.as_double();
  }
  if (a.type() != b.type()) return false;
  // Two lazy values of the same element: the same bytes of the same document.
  if (const lazy_element *la = a.lazy(), *lb = b.lazy(); la != nullptr && lb != nullptr) {
    if (std::memcmp(la->element, lb->element, sizeof la->element) == 0) return true;
  }
  switch (a.type()) {
    case value::kind::null: return true;
    case value::kind::boolean: return a.as_bool() == b.as_bool();
    case value::kind::string: return a.as_string_view() == b.as_string_view();
    case value::kind::array: return a.as_array() == b.as_array();
    case value::kind::object: {
      const auto& ao = a.as_object();
      const auto& bo = b.as_object();
      if (ao.size() != bo.size()) return false;
      // Usually both sides list keys in the same order: compare pairwise, and
      // only look keys up once the orders diverge.
      std::size_t i = 0;
      for (; i < ao.size() && ao[i].key == bo[i].key; ++i) {
        if (!(ao[i].val == bo[i].val)) return false;
      }
      if (i == ao.size()) return true;
      const member_index in_b(&b);
      for (; i < ao.size(); ++i) {
        const value* other = in_b.find(ao[i].key);
        if (other == nullptr || !(ao[i].val == *other)) return false;
      }
      return true;
    }
    default: return false;
  }
}

const char* kind_name(value::kind k) noexcept {
  switch (k) {
    case value::kind::null: return "null";
    case value::kind::boolean: return "boolean";
    case value::kind::integer:
    case value::kind::number: return "number";
    case value::kind::string: return "string";
    case value::kind::array: return "array";
    case value::kind::object: return "object";
  }
  return "unknown";
}

}  // namespace coco_admit
