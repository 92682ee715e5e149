#include "coco-admit/core/program.h"

#include <algorithm>
#include <set>

#include "coco-admit/core/wildcard.h"

namespace coco_admit {

bool policy::has_mutate() const {
  return std::any_of(rules.begin(), rules.end(), [](const rule& r) { return r.type == rule_type::mutate; });
}

bool policy::has_validate() const {
  return std::any_of(rules.begin(), rules.end(), [](const rule& r) { return r.type == rule_type::validate; });
}

std::size_t program::rule_count() const {
  std::size_t n = 0;
  for (const auto& p : policies) n += p.rules.size();
  return n;
}

const rule_selector::by_object& rule_selector::by_namespace::lookup(std::string_view ns) const {
  if (!exact.empty()) {
    auto it = exact.find(std::string(ns));
    if (it != exact.end()) return it->second;
  }
  return any_namespace;
}

namespace {

// The index key of a label or annotation pair, "k\0v", written into `out` (reused across a request's pairs).
const std::string& pair_key(std::string_view k, std::string_view v, std::string& out) {
  out.assign(k).push_back('\0');
  out.append(v);
  return out;
}

std::string pair_key(std::string_view k, std::string_view v) {
  std::string out;
  pair_key(k, v, out);
  return out;
}

}  // namespace

std::span<const rule_ref> rule_selector::select(const selection_keys& k, std::vector<rule_ref>& scratch) const {
  auto op = by_operation.find(std::string(k.operation));
  if (op == by_operation.end()) return {};
  auto kind = op->second.exact.find(std::string(k.kind));
  const by_namespace& namespaces = kind != op->second.exact.end() ? kind->second : op->second.any_kind;
  const by_object& leaf = namespaces.lookup(k.ns);
  if (leaf.by_name.empty() && leaf.by_label.empty() && leaf.by_annotation.empty() && leaf.by_name_prefix.empty() &&
      namespaces.by_namespace_prefix.empty()) {
    return leaf.unkeyed;
  }

  // Usually the object picks no keyed list and `unkeyed` is the answer.
  bool picked = false;
  auto pick = [&](const rule_map& map, std::string_view key) {
    auto it = map.find(key);
    if (it == map.end()) return;
    if (!picked) scratch.assign(leaf.unkeyed.begin(), leaf.unkeyed.end());
    picked = true;
    scratch.insert(scratch.end(), it->second.begin(), it->second.end());
  };
  if (!leaf.by_name.empty()) pick(leaf.by_name, k.name);
  std::string pair;
  auto pick_pairs = [&](const rule_map& map, const value* obj) {
    if (map.empty() || obj == nullptr || !obj->is_object()) return;
    for (const member& m : obj->as_object()) {
      if (!m.val.is_string()) continue;
      const std::string_view v = m.val.as_string_view();
      if (m.key.size() + 1 + v.size() > leaf.longest_pair) continue;
      pick(map, pair_key(m.key, v, pair));
    }
  };
  pick_pairs(leaf.by_label, k.labels);
  pick_pairs(leaf.by_annotation, k.annotations);
  auto pick_prefixes = [&](const rule_map& map, std::size_t longest, std::string_view text) {
    if (map.empty()) return;
    for (std::size_t n = 1; n <= std::min(longest, text.size()); ++n) pick(map, text.substr(0, n));
  };
  pick_prefixes(leaf.by_name_prefix, leaf.longest_name_prefix, k.name);
  pick_prefixes(namespaces.by_namespace_prefix, namespaces.longest_namespace_prefix, k.ns);
  if (!picked) return leaf.unkeyed;
  // Program order again; a rule may sit under several keys (one per filter).
  std::sort(scratch.begin(), scratch.end());
  scratch.erase(std::unique(scratch.begin(), scratch.end()), scratch.end());
  return scratch;
}

namespace {

// What a rule can match, as far as the index is concerned: a superset, so the
// full match check at run time stays the only judge.
struct rule_keys {
  bool any_operation = false;
  std::set<std::string> operations;
  bool any_kind = false;
  std::set<std::string> kinds;
  bool any_namespace = false;
  std::set<std::string> namespaces;
  // The object keys, one of which the object must carry for the rule to
  // match; `unkeyed` when some filter needs none of them.
  bool unkeyed = false;
  std::set<std::string> names;
  std::set<std::string> labels;       ///< "k\0v"
  std::set<std::string> annotations;  ///< "k\0v"
  std::set<std::string> name_prefixes;
  std::set<std::string> namespace_prefixes;
};

// What a name or namespace pattern's matches all start with: the bytes
// before its first wildcard (all of it when it has none).
std::string_view literal_prefix(std::string_view pattern) {
  return pattern.substr(0, std::min(pattern.find_first_of("*?"), pattern.size()));
}

// The literal prefixes of `patterns`, or false when one has none (it can
// match anything, so it cannot be a key).
bool prefixes_of(const std::vector<std::string>& patterns, std::set<std::string>& out) {
  if (patterns.empty()) return false;
  std::set<std::string> found;
  for (const auto& p : patterns) {
    std::string_view prefix = literal_prefix(p);
    if (prefix.empty()) return false;
    found.emplace(prefix);
  }
  out.insert(found.begin(), found.end());
  return true;
}

// Adds the keys one filter needs (a literal name, else a label pair, else an
// annotation pair, else name prefixes, else namespace prefixes); false when
// it needs none that can be hashed.
bool object_keys_of(const resource_filter& f, rule_keys& k) {
  if (!f.names.empty() && std::none_of(f.names.begin(), f.names.end(), [](const std::string& n) {
        return wildcard::has_wildcards(n);
      })) {
    k.names.insert(f.names.begin(), f.names.end());
    return true;
  }
  if (f.selector) {
    for (const auto& [lk, lv] : f.selector->match_labels) {
      if (!wildcard::has_wildcards(lk) && !wildcard::has_wildcards(lv)) {
        k.labels.insert(pair_key(lk, lv));
        return true;
      }
    }
  }
  for (const auto& [ak, av] : f.annotations) {
    if (!wildcard::has_wildcards(ak) && !wildcard::has_wildcards(av)) {
      k.annotations.insert(pair_key(ak, av));
      return true;
    }
  }
  if (prefixes_of(f.names, k.name_prefixes)) return true;
  return prefixes_of(f.namespaces, k.namespace_prefixes);
}

rule_keys keys_of(const rule& r) {
  rule_keys k;
  if (r.match.empty()) return k;  // never matches
  for (const auto& f : r.match.filters) {
    if (f.operations.empty()) k.any_operation = true;
    for (const auto& op : f.operations) k.operations.insert(op);
    if (f.kinds.empty()) k.any_kind = true;
    for (const auto& ks : f.kinds) {
      if (wildcard::has_wildcards(ks.kind)) k.any_kind = true;
      else k.kinds.insert(ks.kind);
    }
    if (f.namespaces.empty()) k.any_namespace = true;
    for (const auto& ns : f.namespaces) {
      if (wildcard::has_wildcards(ns)) k.any_namespace = true;
      else k.namespaces.insert(ns);
    }
  }
  // `all`: every filter must match, so one filter's keys are enough; `any`:
  // each filter must bring keys, or the rule is unkeyed.
  if (r.match.how == match_block::mode::all) {
    k.unkeyed = true;
    for (const auto& f : r.match.filters) {
      rule_keys one;
      if (object_keys_of(f, one)) {
        k.names = std::move(one.names);
        k.labels = std::move(one.labels);
        k.annotations = std::move(one.annotations);
        k.name_prefixes = std::move(one.name_prefixes);
        k.namespace_prefixes = std::move(one.namespace_prefixes);
        k.unkeyed = false;
        break;
      }
    }
  } else {
    for (const auto& f : r.match.filters) {
      if (!object_keys_of(f, k)) k.unkeyed = true;
    }
  }
  // Namespace prefixes sit one level up (by_namespace), apart from the
  // object keys: a rule mixing both is left unkeyed, which is always safe.
  if (!k.namespace_prefixes.empty() &&
      (!k.names.empty() || !k.labels.empty() || !k.annotations.empty() || !k.name_prefixes.empty())) {
    k.unkeyed = true;
  }
  if (k.unkeyed) {
    k.names.clear();
    k.labels.clear();
    k.annotations.clear();
    k.name_prefixes.clear();
    k.namespace_prefixes.clear();
  }
  return k;
}

// Fills one namespace leaf's object level from the rules that reach it.
void fill_object(rule_selector::by_object& leaf, const std::vector<const std::pair<rule_ref, rule_keys>*>& rules) {
  for (const auto* r : rules) {
    const rule_keys& k = r->second;
    if (k.unkeyed) {
      leaf.unkeyed.push_back(r->first);
      continue;
    }
    for (const auto& n : k.names) leaf.by_name[n].push_back(r->first);
    for (const auto& l : k.labels) {
      leaf.by_label[l].push_back(r->first);
      leaf.longest_pair = std::max(leaf.longest_pair, l.size());
    }
    for (const auto& a : k.annotations) {
      leaf.by_annotation[a].push_back(r->first);
      leaf.longest_pair = std::max(leaf.longest_pair, a.size());
    }
    for (const auto& n : k.name_prefixes) {
      leaf.by_name_prefix[n].push_back(r->first);
      leaf.longest_name_prefix = std::max(leaf.longest_name_prefix, n.size());
    }
  }
}

// Fills one (operation, kind) leaf from the rules that reach it.
void fill_namespaces(rule_selector::by_namespace& leaf, const std::vector<const std::pair<rule_ref, rule_keys>*>& rules) {
  std::set<std::string> names;
  std::vector<const std::pair<rule_ref, rule_keys>*> reach;
  std::vector<const std::pair<rule_ref, rule_keys>*> in_leaves;  // all but the namespace-prefix rules
  for (const auto* r : rules) {
    if (!r->second.namespace_prefixes.empty()) {
      for (const auto& p : r->second.namespace_prefixes) {
        leaf.by_namespace_prefix[p].push_back(r->first);
        leaf.longest_namespace_prefix = std::max(leaf.longest_namespace_prefix, p.size());
      }
      continue;
    }
    in_leaves.push_back(r);
    if (r->second.any_namespace) reach.push_back(r);
    else names.insert(r->second.namespaces.begin(), r->second.namespaces.end());
  }
  fill_object(leaf.any_namespace, reach);
  for (const auto& ns : names) {
    reach.clear();
    for (const auto* r : in_leaves) {
      if (r->second.any_namespace || r->second.namespaces.count(ns) > 0) reach.push_back(r);
    }
    fill_object(leaf.exact[ns], reach);
  }
}

}  // namespace

void build_selector(program& prog) {
  static const char* const ops[] = {"CREATE", "UPDATE", "DELETE", "CONNECT"};
  std::vector<std::pair<rule_ref, rule_keys>> all;
  std::set<std::string> kinds;
  for (std::uint32_t p = 0; p < prog.policies.size(); ++p) {
    for (std::uint32_t r = 0; r < prog.policies[p].rules.size(); ++r) {
      rule_keys k = keys_of(prog.policies[p].rules[r]);
      if (prog.policies[p].namespaced) {
        // A namespaced Policy only ever sees its own namespace.
        k.any_namespace = false;
        k.namespaces = {prog.policies[p].ns};
      }
      if (!k.any_namespace && !k.namespace_prefixes.empty()) {
        // Literal namespaces only: the namespace level hashes them exactly.
        k.namespace_prefixes.clear();
        k.unkeyed = true;
      }
      kinds.insert(k.kinds.begin(), k.kinds.end());
      all.emplace_back(rule_ref{p, r}, std::move(k));
    }
  }
  prog.selector.by_operation.clear();
  for (const char* op : ops) {
    rule_selector::by_kind& bk = prog.selector.by_operation[op];
    auto op_ok = [&](const rule_keys& k) { return k.any_operation || k.operations.count(op) > 0; };
    std::vector<const std::pair<rule_ref, rule_keys>*> reach;
    for (const auto& e : all) {
      if (op_ok(e.second) && e.second.any_kind) reach.push_back(&e);
    }
    fill_namespaces(bk.any_kind, reach);
    for (const auto& kind : kinds) {
      reach.clear();
      for (const auto& e : all) {
        if (op_ok(e.second) && (e.second.any_kind || e.second.kinds.count(kind) > 0)) reach.push_back(&e);
      }
      fill_namespaces(bk.exact[kind], reach);
    }
  }
}

}  // namespace coco_admit
