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

void rule_selector::candidates(std::string_view operation, std::string_view kind, std::vector<rule_ref>& out) const {
  out.clear();
  auto op = by_operation.find(std::string(operation));
  if (op == by_operation.end()) return;
  auto k = op->second.exact.find(std::string(kind));
  const std::vector<rule_ref>& list = k != op->second.exact.end() ? k->second : op->second.any_kind;
  out.assign(list.begin(), list.end());
}

namespace {

// What a rule can match, as far as the index is concerned: a superset, so the
// full match check at run time stays the only judge.
struct rule_keys {
  bool any_operation = false;
  std::set<std::string> operations;
  bool any_kind = false;
  std::set<std::string> kinds;
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
  }
  return k;
}

}  // namespace

void build_selector(program& prog) {
  static const char* const ops[] = {"CREATE", "UPDATE", "DELETE", "CONNECT"};
  std::vector<std::pair<rule_ref, rule_keys>> all;
  std::set<std::string> kinds;
  for (std::uint32_t p = 0; p < prog.policies.size(); ++p) {
    for (std::uint32_t r = 0; r < prog.policies[p].rules.size(); ++r) {
      rule_keys k = keys_of(prog.policies[p].rules[r]);
      kinds.insert(k.kinds.begin(), k.kinds.end());
      all.emplace_back(rule_ref{p, r}, std::move(k));
    }
  }
  prog.selector.by_operation.clear();
  for (const char* op : ops) {
    rule_selector::by_kind& bk = prog.selector.by_operation[op];
    auto op_ok = [&](const rule_keys& k) { return k.any_operation || k.operations.count(op) > 0; };
    for (const auto& [ref, k] : all) {
      if (op_ok(k) && k.any_kind) bk.any_kind.push_back(ref);
    }
    for (const auto& kind : kinds) {
      std::vector<rule_ref>& list = bk.exact[kind];
      for (const auto& [ref, k] : all) {
        if (op_ok(k) && (k.any_kind || k.kinds.count(kind) > 0)) list.push_back(ref);
      }
    }
  }
}

}  // namespace coco_admit
