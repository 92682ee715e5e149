// Kyverno's wildcard matching (IGLOU-EU/go-wildcard v1.0.3 semantics).
//
// `*` matches any run of bytes (including none), `?` exactly one byte, every
// other byte itself; matching is case-sensitive and there is no escaping.
// An empty pattern matches only the empty string.
#pragma once

#include <string_view>

namespace coco_admit::wildcard {

/// Whether `text` matches `pattern`. Splits the pattern on '*' and finds the
/// segments leftmost-first; long literal segments use Boyer-Moore, so a
/// request-controlled pattern cannot make matching quadratic (segments that
/// contain '?' are still scanned position by position).
bool match(std::string_view pattern, std::string_view text) noexcept;

/// Whether `s` contains `*` or `?`.
inline bool has_wildcards(std::string_view s) noexcept {
  // Two memchr scans: find_first_of("*?") calls memchr on the two-byte set for every byte of `s`.
  return s.find('*') != std::string_view::npos || s.find('?') != std::string_view::npos;
}

}  // namespace coco_admit::wildcard
