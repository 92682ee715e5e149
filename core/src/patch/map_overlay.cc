#include "coco-admit/core/map_overlay.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <utility>

#include "coco-admit/core/json.h"

namespace coco_admit {
namespace {

using field = map_overlay::field;

// Kyverno's anchor regex, ^([+<=X^])?\((.+)\)$: a key of that shape is not a plain key.
bool anchor_shaped(std::string_view k) {
  if (k.size() >= 3 && k.front() == '(' && k.back() == ')') return true;
  return k.size() >= 4 && k[1] == '(' && k.back() == ')' && std::string_view("+<=X^").find(k[0]) != std::string_view::npos;
}

// A leaf the general merge sets as it is: not null (a deletion), not a map or list (merged), not a NaN or an
// infinity (which the merge treats as unequal to itself).
bool plain_scalar(const value& v) {
  switch (v.type()) {
    case value::kind::string:
    case value::kind::boolean:
    case value::kind::integer: return true;
    case value::kind::number: return std::isfinite(v.as_double());
    default: return false;
  }
}

// Only literals and compiled variables: a nested or runtime form may re-scan into anything.
bool simple_template(const template_string& ts) {
  return std::all_of(ts.segments.begin(), ts.segments.end(), [](const template_segment& s) {
    return s.what == template_segment::kind::literal || (s.what == template_segment::kind::variable && s.expr);
  });
}

class compiler {
 public:
  compiler(const tmpl& t, map_overlay& out) : t_(t), out_(out) {}

  bool map(const value& m, std::vector<field>& fields, std::size_t depth) {
    if (depth > json::max_depth || !m.is_object() || m.as_object().empty()) return false;
    for (const member& mem : m.as_object()) {
      std::string_view key = mem.key;
      if (t_.strings->count(mem.key) != 0) return false;  // a variable in a key
      field f;
      if (key.size() >= 4 && key[0] == '+' && key[1] == '(' && key.back() == ')') {
        f.add_if_absent = true;
        key = key.substr(2, key.size() - 3);
      }
      if (key.empty() || key.front() == '$' || anchor_shaped(key)) return false;
      f.name = std::string(key);
      // `+(k)` next to `k` (or a key twice) is preprocessing's business.
      for (const field& other : fields) {
        if (other.name == f.name) return false;
      }
      path_.push_back(mem.key);
      const bool ok = leaf_or_map(mem.val, f, depth);
      path_.pop_back();
      if (!ok) return false;
      fields.push_back(std::move(f));
    }
    return true;
  }

 private:
  bool leaf_or_map(const value& v, field& f, std::size_t depth) {
    if (v.is_object()) {
      f.is_map = true;
      return map(v, f.fields, depth + 1);
    }
    if (v.is_string()) {
      auto it = t_.strings->find(v.as_string());
      if (it != t_.strings->end()) {
        if (!simple_template(it->second)) return false;
        f.tmpl = &it->second;
        f.hole = out_.holes.size();
        out_.holes.push_back(map_overlay::hole{&it->second, path_});
        return true;
      }
    }
    if (!plain_scalar(v)) return false;
    f.constant = v;
    return true;
  }

  const tmpl& t_;
  map_overlay& out_;
  std::vector<std::string> path_;
};

const value& leaf_value(const field& f, const std::vector<value>& holes) {
  return f.tmpl != nullptr ? holes[f.hole] : f.constant;
}

// Whether the general way would do just what apply() does, checked before anything changes. `node` is the
// resource's map at this level, or nullptr where the overlay creates it.
bool applies(const std::vector<field>& fields, const value* node, const std::vector<value>& holes) {
  for (const field& f : fields) {
    const value* existing = node != nullptr ? node->find(f.name) : nullptr;
    if (existing != nullptr && f.add_if_absent) continue;  // dropped by preprocessing: its value is never read
    if (f.is_map) {
      if (existing != nullptr && !existing->is_object()) return false;  // a kind mismatch: the merge's error
      if (!applies(f.fields, existing, holes)) return false;
      continue;
    }
    const value& v = leaf_value(f, holes);
    if (!plain_scalar(v)) return false;
    if (existing == nullptr) continue;
    if (existing->is_object() || existing->is_array()) return false;
    // 1 and 1.0 are equal but serialise apart: which one the merge keeps is not this code's call.
    if (existing->is_number() && v.is_number() && existing->type() != v.type()) return false;
  }
  return true;
}

value build(const field& f, const std::vector<value>& holes) {
  if (!f.is_map) return leaf_value(f, holes);
  value::object_t members;
  members.reserve(f.fields.size());
  for (const field& child : f.fields) members.push_back(member{child.name, build(child, holes)});
  return value(std::move(members));
}

bool apply(const std::vector<field>& fields, value& node, const std::vector<value>& holes) {
  bool changed = false;
  std::vector<std::pair<std::string_view, const field*>> fresh;
  for (const field& f : fields) {
    value* existing = node.find(f.name);
    if (existing == nullptr) {
      fresh.emplace_back(f.name, &f);
    } else if (f.add_if_absent) {
      continue;
    } else if (f.is_map) {
      changed = apply(f.fields, *existing, holes) || changed;
    } else if (const value& v = leaf_value(f, holes); !(*existing == v)) {
      *existing = v;
      changed = true;
    }
  }
  // kyaml appends the fields a map lacks after its own, in sorted order.
  std::sort(fresh.begin(), fresh.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [name, f] : fresh) node.as_object().push_back(member{std::string(name), build(*f, holes)});
  return changed || !fresh.empty();
}

std::size_t count_leaves(const std::vector<field>& fields) {
  std::size_t n = 0;
  for (const field& f : fields) n += f.is_map ? count_leaves(f.fields) : 1;
  return n;
}

}  // namespace

std::optional<map_overlay> compile_map_overlay(const tmpl& overlay) {
  if (overlay.has_references || overlay.strings == nullptr) return std::nullopt;
  map_overlay out;
  out.strings = overlay.strings;
  compiler c(overlay, out);
  if (!c.map(overlay.raw, out.fields, 0)) return std::nullopt;
  return out;
}

std::optional<bool> apply_map_overlay(const map_overlay& overlay, const std::vector<value>& holes, value& resource) {
  if (!resource.is_object() || holes.size() != overlay.holes.size()) return std::nullopt;
  if (!applies(overlay.fields, &resource, holes)) return std::nullopt;
  return apply(overlay.fields, resource, holes);
}

std::string describe(const map_overlay& overlay) {
  return "leaves " + std::to_string(count_leaves(overlay.fields)) + ", variables " + std::to_string(overlay.holes.size());
}

}  // namespace coco_admit
