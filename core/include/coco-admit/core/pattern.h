// Kyverno validate.pattern matching (pkg/engine/validate/validate.go MatchPattern,
// pkg/engine/pattern/pattern.go Validate, pkg/engine/anchor/*).
//
// The pattern is walked against the resource from the root ("/"):
//  - map pattern: the resource must be a map; anchored keys are checked first
//    (sorted by key), then keys whose values contain anchors (reverse-sorted),
//    then the rest (sorted). A missing resource key is compared as null, except
//    that pattern "*" means "present and non-null".
//  - list pattern: if its first element is a map, every resource element must
//    match that map (other pattern elements are ignored; elements skipped by a
//    conditional anchor do not count, all skipped => skip); otherwise pattern
//    element i is checked against resource element i (resource at least as long).
//  - scalar pattern against a resource list: every element must match.
//  - scalar pattern: match_scalar() below.
// Anchors: (k) conditional and <(k) global (failure => skip), =(k) equality
// (checked only when present), X(k) negation (must be absent), ^(k) existence
// (each pattern map must match some element of the resource list). +(k) is a
// mutate-only anchor and is compared as a literal key here, as in Kyverno.
//
// Outcome: pass; skip (a conditional/global anchor did not hold, or Kyverno's
// "an anchor key is missing in the resource" rule); fail with the Kyverno path of
// the failing element ("/spec/containers/0/image/") and a reason for messages.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "coco-admit/core/result.h"
#include "coco-admit/core/value.h"

namespace coco_admit::pattern {

/// Pattern nesting beyond this fails the match (bounded recursion on any input).
inline constexpr int max_depth = 200;

enum class status : std::uint8_t { pass, fail, skip };

struct outcome {
  status st = status::pass;
  /// For fail: Kyverno's error path with a trailing slash, e.g. "/spec/containers/0/image/".
  /// Empty for pass and skip (as in Kyverno's PatternError).
  std::string path;
  /// Kyverno's error text (for logs and messages); empty on pass.
  std::string reason;
};

/// MatchPattern(resource, pattern).
struct prepared;
/// `ahead` (optional) is `pattern` analysed by prepare(): the same outcome, with less work per call.
outcome match(const value& resource, const value& pattern, const prepared* ahead = nullptr);
/// match()'s status alone, without its texts: for callers that need them only when the match does not pass (a
/// passing walk may still fail inside, in conditional anchors and alternatives, and each such failure has a text).
status match_status(const value& resource, const value& pattern, const prepared* ahead = nullptr);

/// pattern.Validate(value, pattern): one resource value against one pattern value.
/// String patterns: split on "|" (any), then "&" (all), trimmed; each part may start
/// with ">=", "<=", ">", "<", "!" or be a range "a-b" / "a!-b" (numbers, optionally
/// with a unit: "1Gi-2Gi"); comparisons try Go durations, then quantities, then (for
/// equality/"!") wildcards on the value stringified like Go (floats as "1.5E+00").
/// A null resource value matches no string pattern ("?*" and "*" fail). Bool/number patterns
/// compare exactly (numeric strings accepted); a null pattern accepts null, "", 0
/// and false; a map pattern accepts any map; a list pattern nothing.
bool match_scalar(const value& resource_value, const value& pattern_value);

/// Anchor forms of a pattern key (anchor.Parse: `^([+<=X^])?\((.+)\)$` after trimming spaces).
enum class anchor_kind : std::uint8_t { none, condition, global, equality, negation, existence, add_if_not_present };
struct anchor {
  anchor_kind kind = anchor_kind::none;
  std::string_view key;  ///< the key inside the parentheses (a view into the argument)
};
anchor parse_anchor(std::string_view key) noexcept;

/// A pattern analysed ahead of time, once, by the compiler: for each of its maps, the keys' anchors and the order in
/// which match() visits the keys (anchored keys, then keys whose values hold anchors, then the rest), which match()
/// otherwise works out on every call. A tree of the pattern's shape that refers to keys by position, so it serves
/// any pattern equal to the one it was made from, wherever that lives. A node that is not `ready` (nested deeper
/// than prepare() goes, or a scalar) is worked out per call.
struct prepared {
  struct key {
    std::uint32_t member = 0;  ///< index of the key in the map
    anchor_kind kind = anchor_kind::none;
    std::uint32_t bare_offset = 0, bare_size = 0;  ///< where the anchor's key is in the member's key
  };
  bool ready = false;
  bool may_expand = false;   ///< metadata label or annotation wildcards: the keys may be rewritten per resource
  bool has_tracked = false;  ///< some key is an anchor whose presence in the resource match() records
  /// A string leaf of one equality operand that can be neither a duration nor a quantity ("?*", "*:*"): a string
  /// matches it when the wildcard does, with no look at the pattern's text per call.
  bool plain_wildcard = false;
  std::vector<key> order;    ///< a map's keys, in visit order
  std::vector<prepared> children;  ///< a map's members', or a list's elements', in their order
};
prepared prepare(const value& pattern);

/// Resolves Kyverno's pattern-relative references in string leaves, in place:
/// `$(./../../limits/memory)` is replaced by the pattern's own value at that path
/// (relative to the leaf's path, anchors ignored), and an operator prefix is kept:
/// `$(<=./../../limits/memory)` -> "<=2048Mi". `\$(` is not a reference. Errors
/// (unresolved reference, non-scalar target) name the reference and the leaf path.
coco_admit::status resolve_references(value& pattern);

}  // namespace coco_admit::pattern
