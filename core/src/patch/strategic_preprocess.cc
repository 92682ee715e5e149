// Kyverno strategicPreprocessing (pkg/engine/mutate/patch/strategicPreprocessing.go) over our value model.
//
// Walks the overlay alongside the resource:
//   - in a map, global `<(k)` then conditional `(k)` anchors are checked against the resource's value at `k`
//     with the validate-pattern matcher (a missing key fails); then `+(k)` entries are dropped when the resource
//     has `k` and unwrapped otherwise; then child maps/lists are walked with the resource's child (or nothing);
//   - in a list whose first element is a map, an element holding conditional/global anchors (anywhere below it)
//     is a template: ONE mutable copy of it is walked against every resource element in turn (so a `+(k)`
//     resolved against one element stays resolved for the next, Kyverno issue #6686), and for each element
//     that passes a conditional template an anchor-free copy carrying that element's `name` is appended to
//     the list. A global template only gates: if no element passes, the whole rule is skipped;
//   - a conditional failure inside a map propagates to the nearest enclosing list template (that element is
//     skipped) or, at the top, empties the whole overlay (rule skip);
//   - finally condition/global keys and template elements are deleted, and maps/lists emptied by that deletion
//     disappear.
// Our choice where Kyverno's behaviour is not observable from its tests: an anchor-free list element that holds
// `+(k)` keys is resolved against the resource element with the same `name` (or none).
#include <string_view>
#include <vector>

#include "coco-admit/core/json.h"
#include "coco-admit/core/strategic_merge.h"

namespace coco_admit::strategic_merge {
namespace {

enum class anchor_kind { none, condition, global, add, equality, negation, existence };

struct anchor {
  anchor_kind kind = anchor_kind::none;
  std::string_view key;
};

// Kyverno's anchor regex: ^([+<=X^])?\((.+)\)$
anchor parse_anchor(std::string_view k) {
  if (k.size() >= 3 && k.front() == '(' && k.back() == ')') return {anchor_kind::condition, k.substr(1, k.size() - 2)};
  if (k.size() >= 4 && k[1] == '(' && k.back() == ')') {
    std::string_view inner = k.substr(2, k.size() - 3);
    switch (k[0]) {
      case '<': return {anchor_kind::global, inner};
      case '+': return {anchor_kind::add, inner};
      case '=': return {anchor_kind::equality, inner};
      case 'X': return {anchor_kind::negation, inner};
      case '^': return {anchor_kind::existence, inner};
      default: break;
    }
  }
  return {};
}

bool is_condition_like(anchor_kind k) { return k == anchor_kind::condition || k == anchor_kind::global; }

template <class Pred>
bool has_anchors(const value& v, Pred pred, int depth = 0) {
  if (depth > max_depth) return false;
  if (v.is_object()) {
    for (const member& m : v.as_object()) {
      if (pred(parse_anchor(m.key).kind)) return true;
      if (has_anchors(m.val, pred, depth + 1)) return true;
    }
  } else if (v.is_array()) {
    for (const value& e : v.as_array()) {
      if (has_anchors(e, pred, depth + 1)) return true;
    }
  }
  return false;
}

status reject_validate_anchors(const value& v, const std::string& path, int depth) {
  if (depth > max_depth) return error::budget("overlay nesting exceeds " + std::to_string(max_depth) + " at " + path);
  if (v.is_object()) {
    for (const member& m : v.as_object()) {
      anchor a = parse_anchor(m.key);
      if (a.kind == anchor_kind::equality || a.kind == anchor_kind::negation || a.kind == anchor_kind::existence) {
        return error::unsupported("anchor \"" + m.key + "\" at " + path + "/" + json::escape_pointer_token(m.key) +
                                  " is only valid in validate patterns, not in a mutate overlay");
      }
      COCO_ADMIT_TRY(reject_validate_anchors(m.val, path + "/" + json::escape_pointer_token(m.key), depth + 1));
    }
  } else if (v.is_array()) {
    std::size_t i = 0;
    for (const value& e : v.as_array()) {
      COCO_ADMIT_TRY(reject_validate_anchors(e, path + "/" + std::to_string(i++), depth + 1));
    }
  }
  return {};
}

// Whether reject_validate_anchors would pass `v`, without building the pointers its errors name.
bool plain_of_validate_anchors(const value& v, int depth) {
  if (depth > max_depth) return false;
  if (v.is_object()) {
    for (const member& m : v.as_object()) {
      const anchor_kind k = parse_anchor(m.key).kind;
      if (k == anchor_kind::equality || k == anchor_kind::negation || k == anchor_kind::existence) return false;
      if (!plain_of_validate_anchors(m.val, depth + 1)) return false;
    }
  } else if (v.is_array()) {
    for (const value& e : v.as_array()) {
      if (!plain_of_validate_anchors(e, depth + 1)) return false;
    }
  }
  return true;
}

enum class verdict { pass, condition_failed, global_failed };
struct outcome {
  verdict v = verdict::pass;
  std::string reason;
};

class preprocessor {
 public:
  explicit preprocessor(matcher m) : m_(m) {}

  result<outcome> walk(value& pattern, const value* resource, const std::string& path, int depth) {
    if (depth > max_depth) return error::budget("overlay nesting exceeds " + std::to_string(max_depth) + " at " + path);
    if (pattern.is_object()) return walk_map(pattern, resource, path, depth);
    if (pattern.is_array()) return walk_list(pattern, resource, path, depth);
    return outcome{};
  }

 private:
  bool satisfies(const value& resource_value, const value& pattern) const {
    if (m_.fn == nullptr) return resource_value == pattern;
    return m_.fn(resource_value, pattern, m_.ctx);
  }

  outcome check_conditions(const value& pattern, const value* resource, const std::string& path, anchor_kind want) {
    for (const member& m : pattern.as_object()) {
      anchor a = parse_anchor(m.key);
      if (a.kind != want) continue;
      const verdict fail = want == anchor_kind::global ? verdict::global_failed : verdict::condition_failed;
      const char* what = want == anchor_kind::global ? "global anchor " : "conditional anchor ";
      const value* rv = (resource != nullptr && resource->is_object()) ? resource->find(a.key) : nullptr;
      if (rv == nullptr) {
        return outcome{fail, std::string(what) + m.key + ": key \"" + std::string(a.key) + "\" not found in the resource at " +
                                 path + "/" + json::escape_pointer_token(a.key)};
      }
      if (!satisfies(*rv, m.val)) {
        return outcome{fail, std::string(what) + m.key + " does not match the resource value at " + path + "/" +
                                 json::escape_pointer_token(a.key)};
      }
    }
    return outcome{};
  }

  result<outcome> walk_map(value& pattern, const value* resource, const std::string& path, int depth) {
    outcome o = check_conditions(pattern, resource, path, anchor_kind::global);
    if (o.v != verdict::pass) return o;
    o = check_conditions(pattern, resource, path, anchor_kind::condition);
    if (o.v != verdict::pass) return o;

    const value* res_map = (resource != nullptr && resource->is_object()) ? resource : nullptr;
    auto& members = pattern.as_object();
    for (std::size_t i = 0; i < members.size();) {
      anchor a = parse_anchor(members[i].key);
      if (a.kind != anchor_kind::add) {
        ++i;
        continue;
      }
      const bool present = res_map != nullptr && res_map->find(a.key) != nullptr;
      if (present || pattern.find(a.key) != nullptr) {
        members.erase(members.begin() + static_cast<std::ptrdiff_t>(i));
        continue;
      }
      members[i].key = std::string(a.key);
      ++i;
    }

    for (member& m : members) {
      if (is_condition_like(parse_anchor(m.key).kind)) continue;
      if (!m.val.is_object() && !m.val.is_array()) continue;
      const value* child = res_map != nullptr ? res_map->find(m.key) : nullptr;
      auto r = walk(m.val, child, path + "/" + json::escape_pointer_token(m.key), depth + 1);
      if (!r.ok() || r->v != verdict::pass) return r;
    }
    return outcome{};
  }

  result<outcome> walk_list(value& pattern, const value* resource, const std::string& path, int depth) {
    auto& elems = pattern.as_array();
    if (elems.empty() || !elems.front().is_object()) return outcome{};
    static const value::array_t no_elements;
    const value::array_t& res_elems =
        (resource != nullptr && resource->is_array()) ? resource->as_array() : no_elements;
    const auto is_cond = [](anchor_kind k) { return is_condition_like(k); };
    const auto is_global = [](anchor_kind k) { return k == anchor_kind::global; };
    const auto is_add = [](anchor_kind k) { return k == anchor_kind::add; };

    const std::size_t original = elems.size();
    for (std::size_t i = 0; i < original; ++i) {
      if (!elems[i].is_object()) continue;
      const std::string elem_path = path + "/" + std::to_string(i);
      if (has_anchors(elems[i], is_cond)) {
        const bool global = has_anchors(elems[i], is_global);
        value copy = elems[i];
        bool global_passed = false;
        outcome last_global;
        for (const value& re : res_elems) {
          auto r = walk(copy, &re, elem_path, depth + 1);
          if (!r.ok()) return r;
          if (r->v == verdict::condition_failed) continue;
          if (r->v == verdict::global_failed) {
            last_global = std::move(*r);
            continue;
          }
          if (global) {
            global_passed = true;
          } else {
            append_named_copy(pattern, copy, re);
          }
        }
        if (global && !global_passed) {
          if (last_global.v == verdict::pass) {
            last_global = outcome{verdict::global_failed,
                                  "global anchor in " + elem_path + ": the resource has no elements to match"};
          }
          return last_global;
        }
      } else if (has_anchors(elems[i], is_add)) {
        const value* twin = nullptr;
        if (const value* name = elems[i].find("name")) {
          for (const value& re : res_elems) {
            const value* rn = re.is_object() ? re.find("name") : nullptr;
            if (rn != nullptr && *rn == *name) {
              twin = &re;
              break;
            }
          }
        }
        auto r = walk(elems[i], twin, elem_path, depth + 1);
        if (!r.ok() || r->v != verdict::pass) return r;
      }
    }
    return outcome{};
  }

  // Kyverno handlePatternName: an anchor-free copy targeted at the resource element by its `name`.
  static void append_named_copy(value& list, const value& tmpl, const value& resource_element) {
    const value* name = resource_element.is_object() ? resource_element.find("name") : nullptr;
    if (name == nullptr || name->is_null()) return;
    value copy = tmpl;
    delete_anchors(copy, 0);
    if (copy.is_object() && copy.size() == 0) return;
    copy.set("name", *name);
    list.push_back(std::move(copy));
  }

 public:
  // Removes condition/global keys and anchored list elements; true when that left `v` empty.
  static bool delete_anchors(value& v, int depth) {
    if (depth > max_depth) return false;
    bool removed = false;
    if (v.is_object()) {
      auto& members = v.as_object();
      for (std::size_t i = 0; i < members.size();) {
        if (is_condition_like(parse_anchor(members[i].key).kind) || delete_anchors(members[i].val, depth + 1)) {
          members.erase(members.begin() + static_cast<std::ptrdiff_t>(i));
          removed = true;
        } else {
          ++i;
        }
      }
    } else if (v.is_array()) {
      auto& elems = v.as_array();
      const auto is_cond = [](anchor_kind k) { return is_condition_like(k); };
      for (std::size_t i = 0; i < elems.size();) {
        if (elems[i].is_object() && has_anchors(elems[i], is_cond)) {
          elems.erase(elems.begin() + static_cast<std::ptrdiff_t>(i));
          removed = true;
        } else {
          if (delete_anchors(elems[i], depth + 1)) {
            elems.erase(elems.begin() + static_cast<std::ptrdiff_t>(i));
            removed = true;
            continue;
          }
          ++i;
        }
      }
    } else {
      return false;
    }
    return removed && v.size() == 0;
  }

 private:
  matcher m_;
};

// Whether any key below `v` is an anchor, or the nesting passes the budget
// (which the full walk reports as an error). Most overlays are plain: for
// them the walk is the identity and is skipped.
bool plain_overlay(const value& v, int depth) {
  if (depth > max_depth) return false;
  if (v.is_object()) {
    for (const member& m : v.as_object()) {
      if (parse_anchor(m.key).kind != anchor_kind::none || !plain_overlay(m.val, depth + 1)) return false;
    }
  } else if (v.is_array()) {
    for (const value& e : v.as_array()) {
      if (!plain_overlay(e, depth + 1)) return false;
    }
  }
  return true;
}

}  // namespace

result<preprocess_result> preprocess(const value& resource, const value& overlay, matcher m) {
  return preprocess(resource, value(overlay), m);
}

result<preprocess_result> preprocess(const value& resource, value&& overlay, matcher m) {
  if (!overlay.is_object()) {
    return error::invalid(std::string("patchStrategicMerge overlay must be an object, got ") + kind_name(overlay.type()));
  }
  preprocess_result out;
  if (plain_overlay(overlay, 0)) {
    out.overlay = std::move(overlay);
    return out;
  }
  // The pointers in the error are built only once there is an error to report.
  if (!plain_of_validate_anchors(overlay, 0)) COCO_ADMIT_TRY(reject_validate_anchors(overlay, "", 0));
  out.overlay = std::move(overlay);
  preprocessor p(m);
  auto r = p.walk(out.overlay, &resource, "", 0);
  if (!r.ok()) return std::move(r).err();
  if (r->v != verdict::pass) {
    out.skip = true;
    out.skip_reason = std::move(r->reason);
    out.overlay = value::object();
    return out;
  }
  preprocessor::delete_anchors(out.overlay, 0);
  return out;
}

}  // namespace coco_admit::strategic_merge
