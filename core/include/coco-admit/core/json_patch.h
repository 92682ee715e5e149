// RFC 6902 JSON Patch: parse, apply (with the evanphx/json-patch v5 options Kyverno uses), diff, serialise.
//
// An `operation` is one decoded patch op. `val` is meaningful only when `has_value` (add, replace, test);
// `from` only for move and copy. Paths are kept as written (RFC 6901 pointers, `~0`/`~1` escapes).
//
// Kyverno applies patchesJson6902 with ApplyOptions{SupportNegativeIndices, AllowMissingPathOnRemove,
// EnsurePathExistsOnAdd} (pkg/engine/mutate/patch/patchJSON6902.go), and its AdmissionResponse patch is a diff
// of before/after (gomodules.xyz/jsonpatch/v2 CreatePatch): `diff` produces such a patch, deterministically.
//
//   auto ops = json_patch::parse(decoded_yaml_list);
//   auto out = json_patch::apply(pod, *ops);
//   std::string wire = json_patch::serialize(json_patch::diff(pod, *out));
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "coco-admit/core/result.h"
#include "coco-admit/core/value.h"

namespace simdjson::dom {
class element;
}  // namespace simdjson::dom

namespace coco_admit::json_patch {

struct operation {
  std::string op;    ///< add, remove, replace, move, copy, test
  std::string path;  ///< RFC 6901 pointer
  std::string from;  ///< move/copy source pointer
  value val;         ///< add/replace/test value
  bool has_value = false;
};

/// Upper bound on the number of ops in one patch and on pointer depth (bounded work on hostile input).
inline constexpr std::size_t max_ops = 100000;

/// Parses a list of ops from an already decoded value; the error names the op index and field.
result<std::vector<operation>> parse(const value& ops);

/// Applies `ops` to a copy of `doc`. Negative array indices count from the end, `-` appends, removing a
/// missing path is a no-op, `add` creates missing parent containers. The error names the op index and path.
result<value> apply(const value& doc, const std::vector<operation>& ops);

/// The same, on `doc` itself: no copy, which is what makes a foreach of many small patches linear. On error
/// `doc` holds the ops before the failing one; callers that need all-or-nothing keep their own copy.
/// `changed`, when given, is set to whether some op altered `doc` (an add into an array always does; an add
/// or replace with an equal value does not), at the cost of comparing each written value once.
status apply_in_place(value& doc, const std::vector<operation>& ops, bool* changed);

/// RFC 6902 diff: apply(before, diff(before, after)) == after. Objects are walked in stored member order,
/// arrays are compared by index (like CreatePatch: removes from the tail, then per-index diffs, then adds).
std::vector<operation> diff(const value& before, const value& after);

/// serialize(diff(before, after)) appended to `out`, without building the ops (no copies of the values they
/// carry); returns the number of ops. Nothing is appended when there are none.
std::size_t diff_serialized(const value& before, const value& after, std::string& out);
/// diff_serialized(json::from_element(before), after, out) without converting `before`: admission diffs the
/// mutated object against the request as parsed instead of keeping a copy of it. Parts of `after` still lazy
/// for their own place in `before` are equal without a look (json::from_element_lazy). Where an object of
/// `before` that differs repeats a key, its conversion (the last value wins) is not the plain reading this walk
/// makes: nothing is appended and the answer is nullopt, for the caller to diff the conversion instead.
std::optional<std::size_t> diff_serialized(const simdjson::dom::element& before, const value& after,
                                           std::string& out);

/// Compact JSON array of ops (`op`, `path`, then `from` or `value`).
std::string serialize(const std::vector<operation>& ops);

}  // namespace coco_admit::json_patch
