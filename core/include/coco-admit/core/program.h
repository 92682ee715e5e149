// program: the immutable, compiled form of a policy set.
//
// The compiler (compiler/) turns Kyverno ClusterPolicy/Policy YAML into a
// program; the runtime (engine.h, admission.h) only ever reads one. Nothing in
// here refers to YAML or to Kyverno's surface syntax, so a CEL front end can
// compile into the same structures later.
//
//   program
//   ├── policies[]            sorted by (namespace, name): the defined order
//   │   └── rules[]           declared order, then the autogen clones
//   │       ├── match/exclude resource filters (kinds, names, namespaces, ...)
//   │       ├── context[]     configMap / variable entries, loaded lazily
//   │       ├── preconditions condition blocks over templates
//   │       └── mutate | validate body (templates + compiled JMESPath)
//   └── selector              decision tree: request facts -> candidate rules
//
// A "template" is a JSON value whose strings may hold {{ }} variables; every
// variable's JMESPath is parsed once at compile time (template.h).
//
// The selector indexes rules by what every request carries without touching
// the object (operation, kind, namespace), so a request visits only the rules
// that can apply; the rest of each filter (names, labels, annotations,
// selectors) is checked per candidate.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <string>
#include <unordered_map>
#include <vector>

#include "coco-admit/core/conditions.h"
#include "coco-admit/core/map_overlay.h"
#include "coco-admit/core/pattern.h"
#include "coco-admit/core/template.h"
#include "coco-admit/core/value.h"

namespace coco_admit {

enum class rule_type : std::uint8_t { mutate, validate };
enum class failure_action : std::uint8_t { audit, enforce };
enum class failure_policy : std::uint8_t { fail, ignore };
enum class apply_rules : std::uint8_t { all, one };

/// One entry of match.resources.kinds, split into its parts; each part may
/// hold wildcards. `group` "*" and `version` "*" when the selector omits them.
struct kind_selector {
  std::string group = "*";
  std::string version = "*";
  std::string kind;
  std::string subresource;   ///< empty: the main resource only
  std::string text;          ///< as written, for dumps and messages
};

/// A Kubernetes LabelSelector (matchLabels + matchExpressions); wildcards are
/// allowed in matchLabels keys and values, as Kyverno allows.
struct label_selector {
  struct requirement {
    std::string key;
    enum class op : std::uint8_t { in, not_in, exists, does_not_exist } oper;
    std::vector<std::string> values;
  };
  std::vector<std::pair<std::string, std::string>> match_labels;
  std::vector<requirement> match_expressions;
};

/// One resource filter of match/exclude: AND across the fields that are set,
/// OR within each list.
struct resource_filter {
  std::vector<kind_selector> kinds;
  std::vector<std::string> names;
  std::vector<std::string> namespaces;
  std::vector<std::pair<std::string, std::string>> annotations;
  std::optional<label_selector> selector;
  std::optional<label_selector> namespace_selector;
  std::vector<std::string> operations;
  // User filters: only checked when the request carries admission user info.
  std::vector<std::string> subjects;  ///< "Kind:name" or "Kind:namespace:name"
  std::vector<std::string> roles;
  std::vector<std::string> cluster_roles;
};

/// match or exclude: `any` (OR of filters) or `all` (AND of filters).
struct match_block {
  enum class mode : std::uint8_t { none, any, all } how = mode::none;
  std::vector<resource_filter> filters;
  bool empty() const { return how == mode::none || filters.empty(); }
};

struct condition {
  tmpl key;
  conditions::op oper = conditions::op::equals;
  tmpl val;
  std::optional<tmpl> message;
};

/// preconditions / deny.conditions: any (OR) AND all (AND); an absent block is true.
struct condition_block {
  std::vector<condition> any;
  std::vector<condition> all;
  bool has_any = false;
  bool has_all = false;
  bool present() const { return has_any || has_all; }
};

/// A rule context entry (`context:` list).
/// When a variable context entry's value can be kept across requests: its `jmesPath` is constant text (no `value`)
/// that reads only ConfigMap entries of the same context, whose names and namespaces are constant, and fields below
/// `request` (jmespath::input_paths). Its value is then a function of the expression, the cluster state and the values
/// at those request paths: the compiler works this out, and the engine keeps such values per thread under exactly
/// those inputs. A CoCo policy's `lookup(config.data, request.namespace)` is the case: every pod of a namespace
/// gets the same answer.
struct context_memo_plan {
  struct config_map_read {
    std::string entry;    ///< the context entry's name, as the expression reads it
    std::string ns, name; ///< the ConfigMap (namespace "default" when the entry gives none)
  };
  std::string expression;
  std::vector<config_map_read> config_maps;
  std::vector<std::vector<std::string>> request_paths;  ///< below `request`: {"namespace"} for request.namespace
};

struct context_entry {
  std::string name;
  enum class source : std::uint8_t { config_map, variable } from = source::variable;
  // configMap
  tmpl config_map_name;
  tmpl config_map_namespace;
  // variable
  std::optional<tmpl> var_value;
  std::optional<tmpl> var_jmespath;  ///< a template whose substituted text is a JMESPath
  std::optional<tmpl> var_default;
  /// Set by the compiler for a variable whose value may be kept across requests.
  std::optional<context_memo_plan> memo;
};

struct foreach_block;

/// The body of a mutate rule: strategic merge, JSON 6902, or foreach.
struct mutate_body {
  std::optional<tmpl> patch_strategic_merge;
  /// The same overlay as edits in place, when it only sets scalars in maps (map_overlay.h).
  std::optional<map_overlay> map_edits;
  std::optional<tmpl> patches_json6902;  ///< YAML/JSON text template, parsed after substitution
  std::vector<foreach_block> foreach;
};

/// A validate pattern (or one of anyPattern): its template and, when that holds no variables and no references (so
/// what is matched is the template's value itself), the pattern analysed ahead for pattern::match.
struct validate_pattern : tmpl {
  std::shared_ptr<const pattern::prepared> ahead;
};

/// The body of a validate rule.
struct validate_body {
  std::optional<tmpl> message;
  std::optional<validate_pattern> pattern;
  std::vector<validate_pattern> any_pattern;
  std::optional<condition_block> deny;
  std::vector<foreach_block> foreach;
  std::optional<failure_action> action;  ///< validate.failureAction, wins over the policy's
  bool allow_existing_violations = true;
};

/// mutate.foreach / validate.foreach entry (possibly nested).
struct foreach_block {
  std::string list;  ///< JMESPath text (may contain {{ }} too)
  tmpl list_template;
  /// The list compiled ahead, when it holds no variables: queried without parsing or scanning its text.
  std::optional<template_segment> list_query;
  std::vector<context_entry> context;
  condition_block preconditions;
  enum class order : std::uint8_t { unset, ascending, descending } ord = order::unset;
  bool element_scope = true;
  bool element_scope_set = false;
  // mutate
  std::optional<tmpl> patch_strategic_merge;
  std::optional<map_overlay> map_edits;  ///< as in mutate_body
  std::optional<tmpl> patches_json6902;
  // validate
  std::optional<validate_pattern> pattern;
  std::vector<validate_pattern> any_pattern;
  std::optional<condition_block> deny;
  std::vector<foreach_block> nested;
};

struct rule {
  std::string name;
  rule_type type = rule_type::validate;
  match_block match;
  match_block exclude;
  std::vector<context_entry> context;
  condition_block preconditions;
  mutate_body mutate;
  validate_body validate;
  bool is_autogen = false;
  std::string autogen_of;  ///< the Pod rule this was generated from
};

struct policy {
  std::string name;
  std::string ns;  ///< empty for ClusterPolicy
  bool namespaced = false;
  std::string source_file;
  failure_policy on_error = failure_policy::fail;
  failure_action action = failure_action::audit;
  /// validationFailureActionOverrides / failureActionOverrides: action per namespace pattern.
  std::vector<std::pair<failure_action, std::vector<std::string>>> action_overrides;
  apply_rules apply = apply_rules::all;
  bool emit_warning = false;
  bool background = true;
  std::vector<rule> rules;
  bool has_mutate() const;
  bool has_validate() const;
};

/// Decision tree over request facts. Level 1: operation; level 2: resource
/// kind (exact kinds hashed, wildcard kinds in a fallback bucket); level 3:
/// namespace (rules that name only literal namespaces are hashed under each;
/// the others apply to every namespace); level 4, inside each namespace
/// leaf: the object's name, labels and annotations. A rule whose every
/// match filter needs a literal name, a literal matchLabels pair, a literal
/// annotation pair, a name pattern with a literal prefix (`batch-*`) or
/// namespace patterns with literal prefixes (`ledger-*`) is hashed under
/// those keys; the rest are `unkeyed`. Every list holds (policy index, rule index) pairs in program
/// order, and a request's candidates are the sorted union of `unkeyed` and
/// the lists its own name, labels and annotations pick, so evaluation order
/// is the same with or without the index, and a request visits only the
/// rules that can apply.
struct rule_ref {
  std::uint32_t policy;
  std::uint32_t rule;
  friend bool operator<(rule_ref a, rule_ref b) {
    return a.policy != b.policy ? a.policy < b.policy : a.rule < b.rule;
  }
  friend bool operator==(rule_ref a, rule_ref b) { return a.policy == b.policy && a.rule == b.rule; }
};

/// What the selector reads from a request (views into it).
struct selection_keys {
  std::string_view operation;
  std::string_view kind;
  std::string_view ns;
  std::string_view name;            ///< metadata.name, or generateName when the name is empty
  const value* labels = nullptr;       ///< metadata.labels
  const value* annotations = nullptr;  ///< metadata.annotations
};

struct rule_selector {
  /// Hashes std::string keys and string_view probes alike, so a lookup by a
  /// view into the request (or a prefix of one) allocates nothing.
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using rule_map = std::unordered_map<std::string, std::vector<rule_ref>, key_hash, std::equal_to<>>;
  /// The last level: rules by the object's name, labels and annotations.
  struct by_object {
    std::vector<rule_ref> unkeyed;  ///< rules no name, label or annotation rules out
    rule_map by_name;
    rule_map by_label;       ///< key "k\0v"
    rule_map by_annotation;  ///< key "k\0v"
    /// The longest "k\0v" key of both: a label or annotation longer cannot pick a rule, and is neither copied
    /// nor hashed (an initdata annotation is often 100 KB).
    std::size_t longest_pair = 0;
    /// By the literal prefix of name patterns, probed with every prefix of
    /// the request's name up to the longest key.
    rule_map by_name_prefix;
    std::size_t longest_name_prefix = 0;
  };
  struct by_namespace {
    by_object any_namespace;  ///< for namespaces no rule names literally
    /// namespace -> (any_namespace ∪ rules naming it).
    std::unordered_map<std::string, by_object> exact;
    /// Rules keyed only by the literal prefixes of their namespace patterns
    /// (`ledger-*`; a literal namespace is its own prefix), probed with every
    /// prefix of the request's namespace. Kept here once, not in every leaf
    /// of `exact`, which would hold a copy per namespace.
    rule_map by_namespace_prefix;
    std::size_t longest_namespace_prefix = 0;
    const by_object& lookup(std::string_view ns) const;
  };
  struct by_kind {
    std::unordered_map<std::string, by_namespace> exact;
    by_namespace any_kind;  ///< kinds no rule names literally
  };
  std::map<std::string, by_kind> by_operation;

  /// The candidate rules for a request, in program order. The result points
  /// into the selector when one list answers, else into `scratch`.
  std::span<const rule_ref> select(const selection_keys& k, std::vector<rule_ref>& scratch) const;
};

struct program {
  std::vector<policy> policies;
  rule_selector selector;
  std::size_t rule_count() const;
};

/// (Re)builds `prog.selector` from the policies; every front end calls it last.
void build_selector(program& prog);

}  // namespace coco_admit
