// reference_engine: a slow, obviously right interpreter of a small subset of
// Kyverno validate policies, used only by tests as an oracle for the compiled
// engine (RE2's tester/backtrack idea). NEVER USE IT IN PRODUCTION.
//
// The subset is described by plain structs, not parsed from YAML: a test
// generates a ref_policy, renders it with to_policy_document() for the real
// compiler, and asks both sides for each rule's status.
//
//   ref_policy       ClusterPolicy, autogen off, every rule matches on CREATE
//   ref_rule         match.any / exclude.any of ref_filter, then either a
//                    validate.pattern or validate.deny.conditions (any + all)
//   ref_filter       kinds (plain Kind names or "*"), names and namespaces
//                    (Kyverno wildcards), selector.matchLabels (literal)
//   pattern          a JSON value restricted to: maps with plain keys, a
//                    one-map list (every element must match), and strings
//                    "*", "?*", wildcards, "!wildcard"
//   ref_condition    key = one label (`|| ''` default) or the container
//                    count; operators Equals, NotEquals, AnyIn, AnyNotIn with
//                    string values, GreaterThan / LessThan with integers
//
// Semantics are the ones in KYVERNO.md 1.2, 1.4 and 1.7, written directly:
// a rule that does not match (or is excluded) is `skip`; deny true is `fail`.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "coco-admit/core/engine.h"
#include "coco-admit/core/value.h"

namespace coco_admit::testing {

struct ref_filter {
  std::vector<std::string> kinds;       ///< empty: field absent
  std::vector<std::string> names;       ///< wildcards; empty: absent
  std::vector<std::string> namespaces;  ///< wildcards; empty: absent
  std::vector<std::pair<std::string, std::string>> match_labels;  ///< empty: no selector
};

struct ref_condition {
  enum class key_kind { label, container_count } key = key_kind::label;
  std::string label;     ///< for key_kind::label
  std::string op;        ///< Equals, NotEquals, AnyIn, AnyNotIn, GreaterThan, LessThan
  value val;             ///< string, list of strings, or integer
};

struct ref_rule {
  std::string name;
  std::vector<ref_filter> match_any;    ///< at least one
  std::vector<ref_filter> exclude_any;  ///< empty: no exclude
  bool is_deny = false;
  value pattern;                        ///< when !is_deny
  std::vector<ref_condition> deny_any;  ///< when is_deny; empty block: true
  std::vector<ref_condition> deny_all;  ///< when is_deny; empty block: true
};

struct ref_policy {
  std::string name;
  std::vector<ref_rule> rules;
};

/// The policy as a kyverno.io/v1 ClusterPolicy document (JSON, which is YAML).
std::string to_policy_document(const ref_policy& p);

/// Each rule's status on `resource` (a CREATE of it in its own namespace):
/// skip, pass or fail. Never error within the subset.
std::vector<rule_status> evaluate(const ref_policy& p, const value& resource);

/// Kyverno's wildcard match ('*' any run, '?' one byte), by plain recursion
/// (exponential in the worst case; fine for the short strings tests use).
bool wildcard_match(const std::string& pattern, const std::string& text);

}  // namespace coco_admit::testing
