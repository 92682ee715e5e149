// Go time.Duration text form: time.ParseDuration and Duration.String, exactly
// (Kyverno's arithmetic functions take and return durations as Go strings).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace coco_admit::jmespath::detail::go_time {

/// time.ParseDuration: "[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+" or "0"; false on error or overflow.
bool parse_duration(std::string_view s, std::int64_t& out) noexcept;

/// Duration.String: "1h30m0s", "1.5s", "500ms", "0s".
std::string format_duration(std::int64_t d);

}  // namespace coco_admit::jmespath::detail::go_time
