// Kyverno patchStrategicMerge: anchor preprocessing, then kustomize kyaml merge2.
//
// Kyverno applies a patchStrategicMerge overlay in two steps (pkg/engine/mutate/patch/strategicMergePatch.go):
//   1. strategicPreprocessing.go resolves the mutate anchors against the resource: `+(k)` add-if-not-present,
//      `(k)` conditional and `<(k)` global conditions, in maps and in lists of maps. The output is a plain
//      overlay without anchors (or a verdict that the rule must be skipped).
//   2. kustomize kyaml merge2 (api/filters/patchstrategicmerge) merges the plain overlay into the resource with
//      ListIncreaseDirection=Prepend. Lists are merged by key only where the Kubernetes 1.21.2 OpenAPI embedded
//      in kyaml says so (looked up from the resource's apiVersion/kind); every other list is replaced.
//
//   auto pre = strategic_merge::preprocess(pod, overlay, {my_pattern_fn, &ctx});
//   if (!pre.ok()) ...;                 // malformed overlay (validate-only anchor, ...)
//   if (pre->skip) ...;                 // rule skip, pre->skip_reason says why
//   auto merged = strategic_merge::merge(pod, pre->overlay);
//   auto changed = strategic_merge::merge_in_place(pod, pre->overlay);   // or in place: pod becomes `merged`
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "coco-admit/core/result.h"
#include "coco-admit/core/value.h"

namespace coco_admit::strategic_merge {

/// Does `resource_value` satisfy the validate-pattern `pattern`? Used by `(k)` and `<(k)` anchors. The lead
/// wires Kyverno's pattern matcher in; tests pass simple lambdas.
using condition_fn = bool (*)(const value& resource_value, const value& pattern, void* ctx);
struct matcher {
  condition_fn fn = nullptr;
  void* ctx = nullptr;
};

/// Outcome of anchor preprocessing. When `skip` is set the rule must be reported as skipped with
/// `skip_reason` and `overlay` is the empty object (Kyverno turns a failed condition into an empty patch).
struct preprocess_result {
  bool skip = false;
  std::string skip_reason;
  value overlay;
};

/// Nesting deeper than this (in the overlay or resource) is rejected with error::budget.
inline constexpr int max_depth = 128;

/// Kyverno strategicPreprocessing. Errors (not skips) for validate-only anchors `=()`, `X()`, `^()` and for
/// overlays that are not objects. Deterministic.
result<preprocess_result> preprocess(const value& resource, const value& overlay, matcher m);
/// Same, consuming an overlay the caller no longer needs (a freshly substituted one).
result<preprocess_result> preprocess(const value& resource, value&& overlay, matcher m);

/// kyaml merge2 with Prepend (see the file comment). `null` deletes a field, `$patch: delete|replace|merge` on
/// maps and list elements are honoured, `{$patch: replace}` as a list element replaces a merge-keyed list.
/// Errors when the resource and overlay disagree on a node kind (map vs list vs scalar), like kyaml's
/// "wrong node kind", on an unknown `$patch` value, and when the overlay deletes the whole resource.
/// Existing keys keep their position; new keys are appended in sorted order (kyaml walks sorted field names).
result<value> merge(const value& resource, const value& overlay);

/// What a walk of a whole document finds that the merge cares about: its size (the work a merge into it
/// implies) and whether it is clean, holding no null and no NaN anywhere.
struct census {
  std::size_t nodes = 0;  ///< every value, containers included
  bool clean = true;
};
census take_census(const value& v);
/// take_census(v).clean alone, which is what a merge asks of a resource before its first map edit; the nodes are
/// left uncounted (json::has_null).
bool is_clean(const value& v);

/// A census put off, for a budget that needs only an upper bound until it is nearly spent: the nodes of the
/// value's converted levels, counted now, and its parts still in the request's document (appended to `parts`),
/// counted only if asked. Those parts' tape words bound their count from above for nothing, and a budget that holds
/// for the bound holds for the count.
struct census_bound {
  std::size_t converted_nodes = 0;
  std::size_t part_words = 0;  ///< json::tape_words of the parts
  std::size_t upper() const noexcept { return converted_nodes + part_words; }
};
census_bound bound_census(const value& v, std::vector<lazy_element>& parts);
/// census_bound's exact count: its converted nodes plus the parts' nodes (json::census_of).
std::size_t count_bounded(const census_bound& b, std::span<const lazy_element> parts);

/// What the caller knows of the resource before a merge_in_place. A merge must walk every subtree the overlay
/// leaves alone to find nulls (which it drops) and NaNs (which make the result unequal to itself); `clean`
/// promises there are none (a census said so), and the merge then touches only the paths the overlay names.
/// A clean resource merged with a clean overlay is clean again: the result holds only nodes of the two.
enum class resource_state : unsigned char { unknown, clean };

/// merge() into `resource` itself, without copying the parts the overlay leaves alone. Returns whether the
/// resource changed, exactly `!(old == merged)` under value::operator== (which ignores member order and
/// 1 == 1.0); when it did not, the resource is left byte for byte as it was, not replaced by an equal tree.
/// On error the resource is unchanged. `overlay` must not be (part of) `resource`.
result<bool> merge_in_place(value& resource, const value& overlay, resource_state state = resource_state::unknown);

/// The schema the merge walks with, for code that plans the merge's edits (map_overlay.h): the OpenAPI type
/// of a map that carries the apiVersion/kind of a known type (nullptr otherwise), and what the schema says of
/// a field of a map of type `map_type` (nullptr: a map without schema): the type of its value (of its elements
/// for a list; nullptr: none), and for a list its merge key as list_merge_key() gives it.
const char* type_of_map(const value& map);
struct field_schema {
  const char* type = nullptr;
  const char* list_key = nullptr;
};
field_schema schema_of_field(const char* map_type, std::string_view field);

/// Merge key of the list at `field` inside objects of OpenAPI type `type_name` (e.g. "io.k8s.api.core.v1.PodSpec",
/// "containers" -> "name"), "" for a merged set of scalars (finalizers), nullptr when the list is replaced
/// wholesale. Exposed for tests and for the compiler's patch planning.
const char* list_merge_key(std::string_view type_name, std::string_view field);

}  // namespace coco_admit::strategic_merge
