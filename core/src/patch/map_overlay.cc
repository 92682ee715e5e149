#include "coco-admit/core/map_overlay.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <span>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "coco-admit/core/json.h"
#include "coco-admit/core/strategic_merge.h"

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

// A constant list of scalars: a leaf too.
bool plain_leaf(const value& v) {
  if (!v.is_array()) return plain_scalar(v);
  return std::all_of(v.as_array().begin(), v.as_array().end(), plain_scalar);
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

  /// `in_list`: inside a list element, where preprocessing resolves `+(k)` against the resource element with
  /// the same `name`, not the same merge key: left to it.
  bool map(const value& m, std::vector<field>& fields, std::size_t depth, bool in_list) {
    if (depth > json::max_depth || !m.is_object() || m.as_object().empty()) return false;
    // A map with both would give the merge a schema of its own.
    if (m.find("apiVersion") != nullptr && m.find("kind") != nullptr) return false;
    for (const member& mem : m.as_object()) {
      std::string_view key = mem.key;
      if (t_.strings->count(mem.key) != 0) return false;  // a variable in a key
      field f;
      if (key.size() >= 4 && key[0] == '+' && key[1] == '(' && key.back() == ')') {
        if (in_list) return false;
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
      const bool ok = value_of(mem.val, f, depth, in_list);
      path_.pop_back();
      if (!ok) return false;
      fields.push_back(std::move(f));
    }
    return true;
  }

 private:
  bool value_of(const value& v, field& f, std::size_t depth, bool in_list) {
    if (v.is_object()) {
      f.is_map = true;
      return map(v, f.fields, depth + 1, in_list);
    }
    if (v.is_array()) {
      if (v.size() == 0) return false;
      // A list of constant scalars (command, args) is a leaf: replaced whole, unless the schema merges it.
      if (std::all_of(v.as_array().begin(), v.as_array().end(), [&](const value& e) {
            return plain_scalar(e) && !(e.is_string() && t_.strings->count(e.as_string()) != 0);
          })) {
        f.constant = v;
        return true;
      }
      // A list of maps: one map field (without a name) per element.
      f.is_list = true;
      for (std::size_t i = 0; i < v.size(); ++i) {
        field element;
        element.is_map = true;
        path_.push_back(std::to_string(i));  // walk()'s index, as `{{@}}` would spell it
        const bool ok = map(v.as_array()[i], element.fields, depth + 2, true);
        path_.pop_back();
        if (!ok) return false;
        f.fields.push_back(std::move(element));
      }
      return true;
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

// How the merge treats a list field of a map of type `map_type`.
struct list_rule {
  bool keyed = false;            // merged by key (else replaced by the overlay's list)
  std::string_view key;          // the merge key
  const char* elem_type = nullptr;
  bool supported = true;         // false: a merged set, not modelled
};

list_rule rule_of(const char* map_type, std::string_view name) {
  const strategic_merge::field_schema s = strategic_merge::schema_of_field(map_type, name);
  if (s.list_key == nullptr) return {};
  if (*s.list_key == '\0') return list_rule{false, {}, nullptr, false};
  return list_rule{true, s.list_key, s.type, true};
}

// The overlay element's key: a scalar leaf.
const value* element_key(const field& element, std::string_view key, const std::vector<value>& holes) {
  for (const field& f : element.fields) {
    if (f.name != key) continue;
    if (f.is_map || f.is_list) return nullptr;
    return &leaf_value(f, holes);
  }
  return nullptr;
}

// The text the merge matches list elements by (strategic_merge.cc, text_into): a string as it is, an integer
// (containerPort) or a boolean spelled out. nullopt for anything else, whose spelling is left to the merge.
// `storage[i]` holds a spelled-out text; it is sized once, on the first one, so earlier views stay put.
std::optional<std::string_view> key_text(const value& v, std::vector<std::string>& storage, std::size_t i,
                                         std::size_t n) {
  switch (v.type()) {
    case value::kind::string: return std::string_view(v.as_string());
    case value::kind::boolean: return std::string_view(v.as_bool() ? "true" : "false");
    case value::kind::integer:
      if (storage.empty()) storage.resize(n);
      storage[i] = std::to_string(v.as_int());
      return std::string_view(storage[i]);
    default: return std::nullopt;
  }
}

// Whether the strings are distinct: scanned when few, hashed when many (a request with thousands of env
// entries must not cost a quadratic scan per edit).
template <class Text>
bool distinct(std::size_t n, Text text_of) {
  constexpr std::size_t scan_limit = 32;
  if (n > scan_limit) {
    std::unordered_set<std::string_view> seen;
    seen.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (!seen.insert(text_of(i)).second) return false;
    }
    return true;
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (text_of(i) == text_of(j)) return false;
    }
  }
  return true;
}

// A keyed list edit: the overlay elements' key texts and, for each, its twin's index in the resource list (or
// npos).
struct keyed_plan {
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  std::vector<std::string_view> keys;
  std::vector<std::size_t> twins;
  std::vector<std::string> spelled;  // the keys' texts that are not strings of the overlay
};

// Plans the merge of `list`'s elements into `existing` (nullptr: none) by `key`, when the merge would only
// merge twins and put the overlay's elements first: every overlay element has a key with a distinct text, and
// every resource element is a map with such a key (anything else the merge reorders, drops or folds).
std::optional<keyed_plan> plan_keyed(const field& list, std::string_view key, const value* existing,
                                     const std::vector<value>& holes) {
  keyed_plan p;
  const std::size_t n = list.fields.size();
  p.keys.reserve(n);
  for (std::size_t o = 0; o < n; ++o) {
    const value* k = element_key(list.fields[o], key, holes);
    std::optional<std::string_view> text = k != nullptr ? key_text(*k, p.spelled, o, n) : std::nullopt;
    if (!text) return std::nullopt;  // an element without its key: dropped by the merge
    p.keys.push_back(*text);
  }
  if (!distinct(p.keys.size(), [&](std::size_t i) { return p.keys[i]; })) return std::nullopt;
  p.twins.assign(p.keys.size(), keyed_plan::npos);
  if (existing == nullptr) return p;
  const auto& elems = existing->as_array();
  std::vector<std::string_view> have(elems.size());
  std::vector<std::string> have_spelled;
  for (std::size_t i = 0; i < elems.size(); ++i) {
    const value* ki = elems[i].is_object() ? elems[i].find(key) : nullptr;
    std::optional<std::string_view> text = ki != nullptr ? key_text(*ki, have_spelled, i, elems.size()) : std::nullopt;
    if (!text) return std::nullopt;
    have[i] = *text;
  }
  if (!distinct(have.size(), [&](std::size_t i) { return have[i]; })) return std::nullopt;
  for (std::size_t o = 0; o < p.keys.size(); ++o) {
    for (std::size_t i = 0; i < have.size(); ++i) {
      if (have[i] == p.keys[o]) {
        p.twins[o] = i;
        break;
      }
    }
  }
  return p;
}

// Whether the leaves of a subtree copied verbatim are all plain.
bool plain_leaves(const std::vector<field>& fields, const std::vector<value>& holes) {
  for (const field& f : fields) {
    if (f.is_map || f.is_list ? !plain_leaves(f.fields, holes) : !plain_leaf(leaf_value(f, holes))) return false;
  }
  return true;
}

// The plan of a keyed list that applies() made for apply(): the overlay's list field and the resource's list.
// apply() finds it by the two addresses, which stay put in between: applies() converts the levels it looks into,
// and apply() moves a list's elements only after it has edited them.
struct planned_list {
  const field* list;
  const value* existing;
  keyed_plan plan;
};

// Whether the general way would do just what apply() does, checked before anything changes. `node` is the
// resource's map at this level, or nullptr where the overlay creates it; `type` its schema (node() picks the
// one of the apiVersion/kind of a map that has none). Keeps the plans of the keyed lists the resource has.
bool applies(const std::vector<field>& fields, value* node, const char* type, const std::vector<value>& holes,
             std::vector<planned_list>& plans) {
  if (type == nullptr && node != nullptr) type = strategic_merge::type_of_map(*node);
  for (const field& f : fields) {
    value* existing = node != nullptr ? node->find(f.name) : nullptr;
    if (existing != nullptr && f.add_if_absent) continue;  // dropped by preprocessing: its value is never read
    if (f.is_map) {
      if (existing != nullptr && !existing->is_object()) return false;  // a kind mismatch: the merge's error
      if (!applies(f.fields, existing, strategic_merge::schema_of_field(type, f.name).type, holes, plans)) {
        return false;
      }
      continue;
    }
    if (f.is_list) {
      if (existing != nullptr && !existing->is_array()) return false;
      const list_rule r = rule_of(type, f.name);
      if (!r.supported) return false;
      if (!r.keyed) {
        if (!plain_leaves(f.fields, holes)) return false;
        continue;
      }
      std::optional<keyed_plan> p = plan_keyed(f, r.key, existing, holes);
      if (!p) return false;
      for (std::size_t o = 0; o < f.fields.size(); ++o) {
        value* twin = p->twins[o] != keyed_plan::npos ? &existing->as_array()[p->twins[o]] : nullptr;
        if (!applies(f.fields[o].fields, twin, r.elem_type, holes, plans)) return false;
      }
      if (existing != nullptr) plans.push_back(planned_list{&f, existing, std::move(*p)});
      continue;
    }
    const value& v = leaf_value(f, holes);
    if (v.is_array()) {
      // Replaced whole: only where the schema neither merges by key nor as a set, over a list or nothing.
      const list_rule r = rule_of(type, f.name);
      if (r.keyed || !r.supported || (existing != nullptr && !existing->is_array())) return false;
      if (!plain_leaf(v)) return false;
      continue;
    }
    if (!plain_scalar(v)) return false;
    if (existing == nullptr) continue;
    if (existing->is_object() || existing->is_array()) return false;
    // 1 and 1.0 are equal but serialise apart: which one the merge keeps is not this code's call.
    if (existing->is_number() && v.is_number() && existing->type() != v.type()) return false;
  }
  return true;
}

value build(const field& f, const std::vector<value>& holes) {
  if (f.is_list) {
    value::array_t elems;
    elems.reserve(f.fields.size());
    for (const field& e : f.fields) elems.push_back(build(e, holes));
    return value(std::move(elems));
  }
  if (!f.is_map) return leaf_value(f, holes);
  value::object_t members;
  members.reserve(f.fields.size());
  for (const field& child : f.fields) members.emplace_back(child.name, build(child, holes));
  return value(std::move(members));
}

// What apply() keeps besides the resource: the plans applies() made, the patch it logs (nullptr: none) with
// the JSON pointer of the node it edits, and the change of the resource's node count.
struct recorder {
  std::vector<planned_list>& plans;
  patch_log* log = nullptr;
  std::string& pointer;  // patch_log::pointer (unused without a log)
  std::ptrdiff_t node_change = 0;

  void replaced(const value& old_value, const value& new_value) {
    node_change += static_cast<std::ptrdiff_t>(strategic_merge::take_census(new_value).nodes) -
                   static_cast<std::ptrdiff_t>(strategic_merge::take_census(old_value).nodes);
  }
  void added(const value& v) { node_change += static_cast<std::ptrdiff_t>(strategic_merge::take_census(v).nodes); }
  std::optional<keyed_plan> take_plan(const field& list, const value& existing) {
    for (planned_list& p : plans) {
      if (p.list == &list && p.existing == &existing) return std::move(p.plan);
    }
    return std::nullopt;
  }

  void push(std::string_view op, std::string_view path, const value* v) {
    if (log->count++ > 0) log->ops.push_back(',');
    log->ops += "{\"op\":\"";
    log->ops += op;
    log->ops += "\",\"path\":";
    json::append_quoted(path, log->ops);
    if (v != nullptr) {
      log->ops += ",\"value\":";
      json::serialize_to(*v, log->ops);
    }
    log->ops.push_back('}');
  }
  /// The pointer of a member or element of the node, for as long as `descend` lives (when there is a log).
  struct descend {
    recorder& r;
    std::size_t size;
    descend(recorder& rec, std::string_view token) : r(rec), size(rec.pointer.size()) {
      if (r.log == nullptr) return;
      r.pointer += '/';
      json::append_pointer_token(token, r.pointer);
    }
    descend(recorder& rec, std::size_t index) : r(rec), size(rec.pointer.size()) {
      if (r.log == nullptr) return;
      char digits[24];
      const auto end = std::to_chars(digits, digits + sizeof digits, index).ptr;
      r.pointer += '/';
      r.pointer.append(digits, end);
    }
    ~descend() {
      if (r.log != nullptr) r.pointer.resize(size);
    }
  };
};

bool apply(const std::vector<field>& fields, value& node, const char* type, const std::vector<value>& holes,
           recorder& rec) {
  if (type == nullptr) type = strategic_merge::type_of_map(node);
  bool changed = false;
  // The fields the map lacks: few, so kept on the stack unless there are many.
  constexpr std::size_t on_stack = 8;
  std::array<const field*, on_stack> fresh_fixed{};
  std::vector<const field*> fresh_spilled;
  std::size_t fresh_count = 0;
  auto note_fresh = [&](const field* f) {
    if (fresh_count < on_stack && fresh_spilled.empty()) {
      fresh_fixed[fresh_count++] = f;
      return;
    }
    if (fresh_spilled.empty()) fresh_spilled.assign(fresh_fixed.begin(), fresh_fixed.begin() + static_cast<std::ptrdiff_t>(fresh_count));
    fresh_spilled.push_back(f);
    ++fresh_count;
  };
  for (const field& f : fields) {
    value* existing = node.find(f.name);
    if (existing == nullptr) {
      note_fresh(&f);
    } else if (f.add_if_absent) {
      continue;
    } else if (f.is_map) {
      const recorder::descend here(rec, f.name);
      changed = apply(f.fields, *existing, strategic_merge::schema_of_field(type, f.name).type, holes, rec) || changed;
    } else if (f.is_list) {
      const recorder::descend here(rec, f.name);
      const list_rule r = rule_of(type, f.name);
      if (!r.keyed) {
        value replaced = build(f, holes);
        if (!(*existing == replaced)) {
          rec.replaced(*existing, replaced);
          *existing = std::move(replaced);
          changed = true;
          if (rec.log != nullptr) rec.push("replace", rec.pointer, existing);
        }
        continue;
      }
      std::optional<keyed_plan> planned = rec.take_plan(f, *existing);
      if (!planned) planned = plan_keyed(f, r.key, existing, holes);  // not expected: applies() planned each list
      const keyed_plan& p = *planned;
      // Prepend: the overlay's elements in its order (merged into their twins), then the others in theirs.
      auto& old_elems = existing->as_array();
      value::array_t out;
      out.reserve(old_elems.size() + f.fields.size());
      std::vector<bool> named(old_elems.size(), false);
      bool moved = false;
      // For the log: the original index of the element at each position, as the operations so far left them
      // (each step puts one element at position o; the others keep their order behind it).
      constexpr std::size_t added = keyed_plan::npos;
      std::vector<std::size_t> at;
      if (rec.log != nullptr) {
        at.resize(old_elems.size());
        for (std::size_t i = 0; i < at.size(); ++i) at[i] = i;
      }
      for (std::size_t o = 0; o < f.fields.size(); ++o) {
        const std::size_t t = p.twins[o];
        if (t == keyed_plan::npos) {
          out.push_back(build(f.fields[o], holes));
          rec.added(out.back());
          moved = true;
          if (rec.log != nullptr) {
            const recorder::descend here(rec, o);
            rec.push("add", rec.pointer, &out.back());
            at.insert(at.begin() + static_cast<std::ptrdiff_t>(o), added);
          }
          continue;
        }
        std::size_t c = o;
        std::optional<recorder::descend> in_twin;
        if (rec.log != nullptr) {
          c = static_cast<std::size_t>(std::find(at.begin() + static_cast<std::ptrdiff_t>(o), at.end(), t) - at.begin());
          in_twin.emplace(rec, c);
        }
        changed = apply(f.fields[o].fields, old_elems[t], r.elem_type, holes, rec) || changed;
        in_twin.reset();
        if (rec.log != nullptr && c != o) {
          rec.log->reordered = true;
          at.erase(at.begin() + static_cast<std::ptrdiff_t>(c));
          at.insert(at.begin() + static_cast<std::ptrdiff_t>(o), t);
        }
        moved = moved || t != o;
        named[t] = true;
        out.push_back(std::move(old_elems[t]));
      }
      for (std::size_t i = 0; i < old_elems.size(); ++i) {
        if (!named[i]) out.push_back(std::move(old_elems[i]));
      }
      old_elems = std::move(out);
      changed = changed || moved;
    } else if (const value& v = leaf_value(f, holes); !(*existing == v)) {
      if (v.is_array() || existing->is_array()) rec.replaced(*existing, v);  // a scalar for a scalar: one node
      *existing = v;
      changed = true;
      if (rec.log != nullptr) {
        const recorder::descend here(rec, f.name);
        rec.push("replace", rec.pointer, existing);
      }
    }
  }
  // kyaml appends the fields a map lacks after its own, in sorted order.
  const std::span<const field*> fresh = fresh_spilled.empty() ? std::span<const field*>(fresh_fixed.data(), fresh_count)
                                                               : std::span<const field*>(fresh_spilled);
  std::sort(fresh.begin(), fresh.end(), [](const field* a, const field* b) { return a->name < b->name; });
  for (const field* f : fresh) {
    const std::string& name = f->name;
    node.as_object().emplace_back(std::string(name), build(*f, holes));
    rec.added(node.as_object().back().val);
    if (rec.log != nullptr) {
      const recorder::descend here(rec, name);
      rec.push("add", rec.pointer, &node.as_object().back().val);
    }
  }
  return changed || !fresh.empty();
}

std::size_t count_leaves(const std::vector<field>& fields) {
  std::size_t n = 0;
  for (const field& f : fields) n += f.is_map || f.is_list ? count_leaves(f.fields) : 1;
  return n;
}

}  // namespace

std::optional<map_overlay> compile_map_overlay(const tmpl& overlay) {
  if (overlay.has_references || overlay.strings == nullptr) return std::nullopt;
  map_overlay out;
  out.strings = overlay.strings;
  compiler c(overlay, out);
  if (!c.map(overlay.raw, out.fields, 0, false)) return std::nullopt;
  out.touches_facts = std::any_of(out.fields.begin(), out.fields.end(), [](const field& f) {
    return f.name == "metadata" || f.name == "kind" || f.name == "apiVersion";
  });
  return out;
}

std::optional<map_edit_outcome> apply_map_overlay(const map_overlay& overlay, const std::vector<value>& holes,
                                                  value& resource, patch_log* log) {
  if (!resource.is_object() || holes.size() != overlay.holes.size()) return std::nullopt;
  std::vector<planned_list> plans;
  const char* type = strategic_merge::type_of_map(resource);  // for both walks: the resource keeps its kind
  if (!applies(overlay.fields, &resource, type, holes, plans)) return std::nullopt;
  std::string no_pointer;
  recorder rec{plans, log, log != nullptr ? log->pointer : no_pointer, 0};
  rec.pointer.clear();
  const bool changed = apply(overlay.fields, resource, type, holes, rec);
  return map_edit_outcome{changed, rec.node_change};
}

std::string describe(const map_overlay& overlay) {
  return "leaves " + std::to_string(count_leaves(overlay.fields)) + ", variables " + std::to_string(overlay.holes.size());
}

}  // namespace coco_admit
