// Go time.Duration parsing and formatting, nanoseconds in an int64.
//
// Kyverno compares durations with Go's time.ParseDuration ("1h30m", "300ms",
// "-1.5h", "0"; units ns, us, µs, μs, ms, s, m, h) and prints computed ones with
// Duration.String() ("1h30m0s", "1.5s", "300ms", "0s"). Both are reproduced
// byte for byte, including Go's overflow errors and fraction rounding (a
// fraction is scaled through float64, exactly as Go does).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "coco-admit/core/result.h"

namespace coco_admit {

inline constexpr std::int64_t nanoseconds_per_second = 1000000000;

/// time.ParseDuration. Errors use Go's wording: `time: invalid duration "x"`,
/// `time: missing unit in duration "1"`, `time: unknown unit "d" in duration "1d"`.
result<std::int64_t> parse_go_duration(std::string_view text);

/// False when parse_go_duration certainly fails: no sign, digits, '.' and unit letters, or no digit at all. A cheap
/// test for code that tries every operand as a duration (Kyverno's conditions and patterns do), so that a long string
/// that is no duration does not cost a failed parse and the error text quoting it.
bool may_be_go_duration(std::string_view text) noexcept;

/// time.Duration.String().
std::string format_go_duration(std::int64_t nanos);

/// time.Duration.Seconds(): integer seconds plus the fraction, as Go computes it
/// (so equal durations always give bit-identical doubles).
double duration_seconds(std::int64_t nanos) noexcept;

/// Go's `time.Duration(x) * time.Second` for an integer or float number of
/// seconds: the float is truncated toward zero first (Go conversion), the
/// product wraps on overflow (Go integer arithmetic). Out-of-range or NaN floats
/// convert to INT64_MIN like Go on amd64.
std::int64_t go_seconds_to_duration(std::int64_t seconds) noexcept;
std::int64_t go_seconds_to_duration(double seconds) noexcept;

}  // namespace coco_admit
