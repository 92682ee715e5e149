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

const std::vector<rule_ref>& rule_selector::by_namespace::lookup(std::string_view ns) const {
  if (!exact.empty()) {
    auto it = exact.find(std::string(ns));
    if (it != exact.end()) return it->second;
  }
  return any_namespace;
}

const std::vector<rule_ref>& rule_selector::candidates(std::string_view operation, std::string_view kind,
                                                       std::string_view ns) const {
  static const std::vector<rule_ref> none;
  auto op = by_operation.find(std::string(operation));
  if (op == by_operation.end()) return none;
  auto k = op->second.exact.find(std::string(kind));
  return (k != op->second.exact.end() ? k->second : op->second.any_kind).lookup(ns);
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
};

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
  return k;
}

}  // namespace

namespace {

// Fills one (operation, kind) leaf from the rules that reach it.
void fill_namespaces(rule_selector::by_namespace& leaf, const std::vector<const std::pair<rule_ref, rule_keys>*>& rules) {
  std::set<std::string> names;
  for (const auto* r : rules) {
    if (r->second.any_namespace) leaf.any_namespace.push_back(r->first);
    else names.insert(r->second.namespaces.begin(), r->second.namespaces.end());
  }
  for (const auto& ns : names) {
    std::vector<rule_ref>& list = leaf.exact[ns];
    for (const auto* r : rules) {
      if (r->second.any_namespace || r->second.namespaces.count(ns) > 0) list.push_back(r->first);
    }
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
