// Semantic versions with blang/semver (v3/v4) semantics, as Kyverno uses them:
// the GreaterThan/LessThan condition operators fall back to semver.Parse for
// string keys, and the semver_compare() JMESPath function matches a version
// against semver.ParseRange.
//
// A version is MAJOR.MINOR.PATCH[-PRE][+BUILD]: no "v" prefix, no leading zeros
// in numeric parts, prerelease identifiers compared numerically when numeric
// (numeric < alphanumeric), build metadata ignored by comparison.
// A range is an OR ("||") of ANDs (space separated) of comparators
// (<, <=, >, >=, =, ==, !, !=, or none = equal) with "x" wildcards
// ("1.2.x", ">=1.x"), expanded exactly as blang does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "coco-admit/core/result.h"

namespace coco_admit::semver {

struct prerelease_id {
  bool numeric = false;
  std::uint64_t num = 0;
  std::string str;
};

struct version {
  std::uint64_t major = 0;
  std::uint64_t minor = 0;
  std::uint64_t patch = 0;
  std::vector<prerelease_id> pre;
  std::vector<std::string> build;
};

/// semver.Parse (strict). Errors use blang's wording, prefixed with the input.
result<version> parse(std::string_view text);
/// Version.Compare: -1, 0, 1.
int compare(const version& a, const version& b) noexcept;
/// Version.String().
std::string to_string(const version& v);

/// A parsed semver.Range: OR of AND-ed comparators.
class range {
 public:
  enum class op : std::uint8_t { eq, ne, gt, ge, lt, le };
  struct comparator {
    op o = op::eq;
    version v;
  };
  bool contains(const version& v) const noexcept;
  const std::vector<std::vector<comparator>>& alternatives() const noexcept { return any_; }

 private:
  friend result<range> parse_range(std::string_view text);
  std::vector<std::vector<comparator>> any_;
};

/// semver.ParseRange, including blang's whitespace handling ("> 1.0.0" is one comparator).
result<range> parse_range(std::string_view text);

}  // namespace coco_admit::semver
