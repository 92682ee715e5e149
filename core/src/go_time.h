// Go's time.Time as Kyverno's time_* JMESPath functions use it: an instant (Unix seconds and nanoseconds) with the
// zone offset it was written in, read with time.Parse and written with time.RFC3339 (src/time/format.go and
// time.go, ported). Durations are coco_admit::parse_go_duration and format_go_duration (duration.h). The YAML
// writer uses the parser too, to tell which strings go-yaml would read as timestamps.
//
// Parsing runs as in a Kyverno pod, whose Local zone is UTC: a numeric offset is kept as written, a zone
// abbreviation other than UTC gets offset 0 (GMT+h its hours), as Go records an abbreviation it does not know.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace coco_admit::go_time {

struct instant {
  std::int64_t unix_seconds = 0;  ///< seconds since 1970-01-01T00:00:00Z
  std::int32_t nanos = 0;         ///< 0 to 999,999,999
  std::int32_t offset = 0;        ///< the zone's offset, seconds east of UTC: only formatting reads it
};

/// The date and time of an instant in its own zone (time.Time's Date, Clock and Weekday).
struct civil_time {
  std::int64_t year = 0;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int weekday = 0;  ///< 0 is Sunday
};

/// time.RFC3339, the layout Kyverno reads every time argument with.
inline constexpr std::string_view rfc3339 = "2006-01-02T15:04:05Z07:00";

/// time.Parse(layout, text). False with Go's error text in `error` ("parsing time \"x\" as \"2006\": cannot parse
/// \"x\" as \"2006\"").
bool parse(std::string_view layout, std::string_view text, instant& out, std::string& error);

/// t.Format(time.RFC3339): "2006-01-02T15:04:05Z07:00", "Z" for a zero offset, seconds of the offset dropped.
std::string format_rfc3339(const instant& t);

civil_time civil_of(const instant& t) noexcept;
instant in_utc(instant t) noexcept;                        ///< t.UTC()
instant add(const instant& t, std::int64_t nanos) noexcept;  ///< t.Add(d)
std::int64_t sub(const instant& t, const instant& u) noexcept;  ///< t.Sub(u): saturates at the int64 bounds, as Go
instant truncate(const instant& t, std::int64_t nanos) noexcept;  ///< t.Truncate(d): multiples of d since year 1
int compare(const instant& t, const instant& u) noexcept;  ///< <0, 0, >0 as t is before, equal to, after u

}  // namespace coco_admit::go_time
