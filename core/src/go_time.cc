// Port of Go's time.Parse, Time.Format(time.RFC3339) and the instant arithmetic Kyverno's time functions call
// (Go 1.19 src/time/format.go parse and nextStdChunk, time.go Add, Sub, Truncate). Debian has no C++ library that
// reads Go's layouts ("Mon Jan _2 15:04:05 2006"), and the functions must answer as Kyverno does, errors included.
#include "go_time.h"

#include <array>

namespace coco_admit::go_time {
namespace {

// The layout elements (Go's std* constants).
enum class element : std::uint8_t {
  none,
  long_month, month, num_month, zero_month,
  long_weekday, weekday,
  day, under_day, zero_day, under_year_day, zero_year_day,
  hour, hour12, zero_hour12,
  minute, zero_minute,
  second, zero_second,
  long_year, year,
  pm, pm_lower,
  tz,
  iso8601_tz, iso8601_seconds_tz, iso8601_short_tz, iso8601_colon_tz, iso8601_colon_seconds_tz,
  num_tz, num_seconds_tz, num_short_tz, num_colon_tz, num_colon_seconds_tz,
  frac_second0, frac_second9,
};

struct chunk {
  std::string_view prefix;  ///< literal text before the element
  element std = element::none;
  std::size_t frac_digits = 0;  ///< frac_second0/9: the digits the layout gives
  std::string_view suffix;  ///< the layout after the element
};

bool is_digit(std::string_view s, std::size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; }
bool starts_with_lower(std::string_view s) { return !s.empty() && s[0] >= 'a' && s[0] <= 'z'; }

// The zone offset elements after their '-' or 'Z', longest first as Go tries them.
struct zone_form {
  std::string_view digits;
  element numeric, iso8601;
};
constexpr zone_form zone_forms[] = {
    {"070000", element::num_seconds_tz, element::iso8601_seconds_tz},
    {"07:00:00", element::num_colon_seconds_tz, element::iso8601_colon_seconds_tz},
    {"0700", element::num_tz, element::iso8601_tz},
    {"07:00", element::num_colon_tz, element::iso8601_colon_tz},
    {"07", element::num_short_tz, element::iso8601_short_tz},
};

// nextStdChunk: the first element of the layout, the text before it and the layout after it.
chunk next_chunk(std::string_view layout) {
  auto at = [&](std::size_t i, element e, std::size_t len) { return chunk{layout.substr(0, i), e, 0, layout.substr(i + len)}; };
  auto has = [&](std::size_t i, std::string_view what) { return layout.substr(i, what.size()) == what; };
  for (std::size_t i = 0; i < layout.size(); ++i) {
    switch (layout[i]) {
      case 'J':
        if (has(i, "Jan")) {
          if (has(i, "January")) return at(i, element::long_month, 7);
          if (!starts_with_lower(layout.substr(i + 3))) return at(i, element::month, 3);
        }
        break;
      case 'M':
        if (has(i, "Mon")) {
          if (has(i, "Monday")) return at(i, element::long_weekday, 6);
          if (!starts_with_lower(layout.substr(i + 3))) return at(i, element::weekday, 3);
        }
        if (has(i, "MST")) return at(i, element::tz, 3);
        break;
      case '0': {
        static constexpr std::array<element, 6> zero_x = {element::zero_month,  element::zero_day,
                                                          element::zero_hour12, element::zero_minute,
                                                          element::zero_second, element::year};
        if (i + 1 < layout.size() && layout[i + 1] >= '1' && layout[i + 1] <= '6') {
          return at(i, zero_x[static_cast<std::size_t>(layout[i + 1] - '1')], 2);
        }
        if (has(i, "002")) return at(i, element::zero_year_day, 3);
        break;
      }
      case '1':
        if (has(i, "15")) return at(i, element::hour, 2);
        return at(i, element::num_month, 1);
      case '2':
        if (has(i, "2006")) return at(i, element::long_year, 4);
        return at(i, element::day, 1);
      case '_':
        if (has(i, "_2")) {
          // "_2006" is a literal "_" and then the year.
          if (has(i + 1, "2006")) return chunk{layout.substr(0, i + 1), element::long_year, 0, layout.substr(i + 5)};
          return at(i, element::under_day, 2);
        }
        if (has(i, "__2")) return at(i, element::under_year_day, 3);
        break;
      case '3': return at(i, element::hour12, 1);
      case '4': return at(i, element::minute, 1);
      case '5': return at(i, element::second, 1);
      case 'P':
        if (has(i, "PM")) return at(i, element::pm, 2);
        break;
      case 'p':
        if (has(i, "pm")) return at(i, element::pm_lower, 2);
        break;
      case '-':
      case 'Z':
        // "-0700" is the offset always written as a number, "Z0700" the one written "Z" when zero (ISO 8601).
        for (const zone_form& f : zone_forms) {
          if (has(i + 1, f.digits)) return at(i, layout[i] == '-' ? f.numeric : f.iso8601, 1 + f.digits.size());
        }
        break;
      case '.':
      case ',':
        if (i + 1 < layout.size() && (layout[i + 1] == '0' || layout[i + 1] == '9')) {
          const char ch = layout[i + 1];
          std::size_t j = i + 1;
          while (j < layout.size() && layout[j] == ch) ++j;
          // Only a fraction is all digits: a run followed by another digit is no fraction.
          if (!is_digit(layout, j)) {
            return chunk{layout.substr(0, i), ch == '0' ? element::frac_second0 : element::frac_second9, j - (i + 1),
                         layout.substr(j)};
          }
        }
        break;
      default: break;
    }
  }
  return chunk{layout, element::none, 0, {}};
}

constexpr std::array<std::string_view, 7> long_day_names = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                            "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 7> short_day_names = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> short_month_names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 12> long_month_names = {
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December"};

// Go's match: equal ignoring ASCII case.
bool equal_fold(std::string_view a, std::string_view b) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c1 = a[i], c2 = b[i];
    if (c1 == c2) continue;
    c1 = static_cast<char>(c1 | ('a' - 'A'));
    c2 = static_cast<char>(c2 | ('a' - 'A'));
    if (c1 != c2 || c1 < 'a' || c1 > 'z') return false;
  }
  return true;
}

// Go's lookup: the index of the name `value` starts with (ignoring case), -1 when none does.
template <std::size_t N>
int lookup(const std::array<std::string_view, N>& names, std::string_view& value) {
  for (std::size_t i = 0; i < N; ++i) {
    if (value.size() >= names[i].size() && equal_fold(value.substr(0, names[i].size()), names[i])) {
      value.remove_prefix(names[i].size());
      return static_cast<int>(i);
    }
  }
  return -1;
}

// Go's leadingInt and atoi, for the short numbers of a time (a sign allowed, as Go's atoi allows it).
bool atoi(std::string_view s, std::int64_t& out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  std::int64_t x = 0;
  std::size_t i = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (x > (INT64_MAX - 9) / 10) return false;
    x = x * 10 + (s[i] - '0');
  }
  if (i != s.size()) return false;
  out = neg ? -x : x;
  return true;
}

// getnum: one or two digits (two when fixed). On failure `out` is 0, as Go's getnum returns, and the range checks
// after it read that 0, not the field's earlier value.
bool getnum(std::string_view& s, bool fixed, int& out) {
  out = 0;
  if (!is_digit(s, 0)) return false;
  if (!is_digit(s, 1)) {
    if (fixed) return false;
    out = s[0] - '0';
    s.remove_prefix(1);
    return true;
  }
  out = (s[0] - '0') * 10 + (s[1] - '0');
  s.remove_prefix(2);
  return true;
}

// getnum3: one to three digits (three when fixed).
bool getnum3(std::string_view& s, bool fixed, int& out) {
  out = 0;
  int n = 0;
  std::size_t i = 0;
  for (; i < 3 && is_digit(s, i); ++i) n = n * 10 + (s[i] - '0');
  if (i == 0 || (fixed && i != 3)) return false;
  out = n;
  s.remove_prefix(i);
  return true;
}

std::string_view cut_space(std::string_view s) {
  while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
  return s;
}

// skip: removes the layout's literal text from the value, a run of spaces matching any run.
bool skip(std::string_view& value, std::string_view prefix) {
  while (!prefix.empty()) {
    if (prefix[0] == ' ') {
      if (!value.empty() && value[0] != ' ') return false;
      prefix = cut_space(prefix);
      value = cut_space(value);
      continue;
    }
    if (value.empty() || value[0] != prefix[0]) return false;
    prefix.remove_prefix(1);
    value.remove_prefix(1);
  }
  return true;
}

bool comma_or_period(char c) { return c == '.' || c == ','; }

// parseNanoseconds: `value` starts with the separator; nbytes counts it. Sets `range_error` for a negative value.
bool parse_nanoseconds(std::string_view value, std::size_t nbytes, int& ns, std::string_view& range_error) {
  if (!comma_or_period(value[0])) return false;
  if (nbytes > 10) nbytes = 10;
  std::int64_t n = 0;
  if (!atoi(value.substr(1, nbytes - 1), n)) return false;
  if (n < 0) {
    range_error = "fractional second";
    return true;
  }
  for (std::size_t i = nbytes; i < 10; ++i) n *= 10;
  ns = static_cast<int>(n);
  return true;
}

// parseSignedOffset: the length of "+h" / "-hh" (hours up to 23), 0 when there is none.
std::size_t signed_offset_length(std::string_view value) {
  if (value.empty() || (value[0] != '-' && value[0] != '+')) return 0;
  std::size_t i = 1;
  std::uint64_t x = 0;
  for (; i < value.size() && value[i] >= '0' && value[i] <= '9'; ++i) {
    if (x > 1000) return 0;  // far past 23 (Go's leadingInt would overflow much later; either way, no offset)
    x = x * 10 + static_cast<std::uint64_t>(value[i] - '0');
  }
  if (i == 1 || x > 23) return 0;
  return i;
}

// parseTimeZone: the length of a zone abbreviation at the start of `value`, 0 when there is none.
std::size_t time_zone_length(std::string_view value) {
  if (value.size() < 3) return 0;
  if (value.substr(0, 4) == "ChST" || value.substr(0, 4) == "MeST") return 4;
  if (value.substr(0, 3) == "GMT") return 3 + signed_offset_length(value.substr(3));
  if (value[0] == '+' || value[0] == '-') return signed_offset_length(value);
  std::size_t upper = 0;
  while (upper < 6 && upper < value.size() && value[upper] >= 'A' && value[upper] <= 'Z') ++upper;
  switch (upper) {
    case 3: return 3;
    case 4: return value[3] == 'T' || value.substr(0, 4) == "WITA" ? 4 : 0;
    case 5: return value[4] == 'T' ? 5 : 0;
    default: return 0;
  }
}

bool is_leap(std::int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

constexpr std::array<int, 13> days_before = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};

int days_in(int month, std::int64_t year) {
  if (month == 2 && is_leap(year)) return 29;
  return days_before[static_cast<std::size_t>(month)] - days_before[static_cast<std::size_t>(month - 1)];
}

// Days from 1970-01-01 to a proleptic Gregorian date, and back (H. Hinnant's algorithms).
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, int& m, int& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = yoe + era * 400 + (m <= 2 ? 1 : 0);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0); }

// Go's quote of a ParseError's parts: bytes outside printable ASCII as \xNN, `"` and `\` escaped.
std::string quote(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c >= 0x80 || c < ' ') {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xF];
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += static_cast<char>(c);
  }
  return out + '"';
}

void append_int(std::string& out, std::int64_t x, int width) {
  std::uint64_t u = static_cast<std::uint64_t>(x);
  if (x < 0) {
    out += '-';
    u = 0 - u;
  }
  char buf[20];
  int i = sizeof buf;
  do {
    buf[--i] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u > 0);
  for (int w = static_cast<int>(sizeof buf) - i; w < width; ++w) out += '0';
  out.append(buf + i, sizeof buf - static_cast<std::size_t>(i));
}

// Seconds from year 1 to 1970 (Go's unixToInternal): Truncate counts multiples of d from year 1.
constexpr std::int64_t unix_to_internal = (1969 * 365 + 1969 / 4 - 1969 / 100 + 1969 / 400) * std::int64_t{86400};
constexpr std::int64_t nanos_per_second = 1000000000;

}  // namespace

bool parse(std::string_view layout_in, std::string_view value_in, instant& out, std::string& error) {
  std::string_view layout = layout_in, value = value_in;
  auto fail = [&](std::string_view layout_elem, std::string_view value_elem, std::string_view message) {
    error = "parsing time " + quote(value_in);
    if (!message.empty()) {
      error += message;
    } else {
      error += " as " + quote(layout_in) + ": cannot parse " + quote(value_elem) + " as " + quote(layout_elem);
    }
    return false;
  };
  bool am_set = false, pm_set = false, utc = false;
  std::int64_t year = 0;
  int month = -1, day = -1, yday = -1, hour = 0, min = 0, sec = 0, nsec = 0;
  std::int64_t zone_offset = -1;  // -1: none (Go's sentinel, so "-00:00:01" reads as no offset, as in Go)
  std::string_view zone_name;
  for (;;) {
    const chunk c = next_chunk(layout);
    const std::string_view std_text =
        layout.substr(c.prefix.size(), layout.size() - c.prefix.size() - c.suffix.size());
    if (!skip(value, c.prefix)) return fail(c.prefix, value, {});
    if (c.std == element::none) {
      if (!value.empty()) return fail({}, value, ": extra text: " + quote(value));
      break;
    }
    layout = c.suffix;
    std::string_view range_error;
    bool ok = true;
    switch (c.std) {
      case element::year: {
        if (value.size() < 2) {
          ok = false;
          break;
        }
        std::int64_t y = 0;
        if (!atoi(value.substr(0, 2), y)) {
          ok = false;
          break;
        }
        value.remove_prefix(2);
        year = y >= 69 ? y + 1900 : y + 2000;
        break;
      }
      case element::long_year:
        if (value.size() < 4 || !is_digit(value, 0)) {
          ok = false;
          break;
        }
        ok = atoi(value.substr(0, 4), year);
        value.remove_prefix(4);
        break;
      case element::month:
        month = lookup(short_month_names, value) + 1;
        ok = month != 0;
        break;
      case element::long_month:
        month = lookup(long_month_names, value) + 1;
        ok = month != 0;
        break;
      case element::num_month:
      case element::zero_month:
        ok = getnum(value, c.std == element::zero_month, month);
        if (ok && (month <= 0 || month > 12)) range_error = "month";
        break;
      case element::weekday: ok = lookup(short_day_names, value) >= 0; break;  // checked, then ignored, as in Go
      case element::long_weekday: ok = lookup(long_day_names, value) >= 0; break;
      case element::day:
      case element::under_day:
      case element::zero_day:
        if (c.std == element::under_day && !value.empty() && value[0] == ' ') value.remove_prefix(1);
        ok = getnum(value, c.std == element::zero_day, day);
        break;
      case element::under_year_day:
      case element::zero_year_day:
        for (int i = 0; i < 2; ++i) {
          if (c.std == element::under_year_day && !value.empty() && value[0] == ' ') value.remove_prefix(1);
        }
        ok = getnum3(value, c.std == element::zero_year_day, yday);
        break;
      case element::hour:
        ok = getnum(value, false, hour);
        if (hour < 0 || hour >= 24) range_error = "hour";
        break;
      case element::hour12:
      case element::zero_hour12:
        ok = getnum(value, c.std == element::zero_hour12, hour);
        if (hour < 0 || hour > 12) range_error = "hour";
        break;
      case element::minute:
      case element::zero_minute:
        ok = getnum(value, c.std == element::zero_minute, min);
        if (min < 0 || min >= 60) range_error = "minute";
        break;
      case element::second:
      case element::zero_second: {
        ok = getnum(value, c.std == element::zero_second, sec);
        if (sec < 0 || sec >= 60) {
          range_error = "second";
          break;
        }
        // A fraction in the value that the layout does not ask for is read here (unless the layout's next
        // element is one).
        if (value.size() >= 2 && comma_or_period(value[0]) && is_digit(value, 1)) {
          const element next = next_chunk(layout).std;
          if (next == element::frac_second0 || next == element::frac_second9) break;
          std::size_t n = 2;
          while (n < value.size() && is_digit(value, n)) ++n;
          ok = parse_nanoseconds(value, n, nsec, range_error);
          value.remove_prefix(n);
        }
        break;
      }
      case element::pm:
      case element::pm_lower: {
        if (value.size() < 2) {
          ok = false;
          break;
        }
        const std::string_view p = value.substr(0, 2);
        value.remove_prefix(2);
        const bool upper = c.std == element::pm;
        if (p == (upper ? "PM" : "pm")) pm_set = true;
        else if (p == (upper ? "AM" : "am")) am_set = true;
        else ok = false;
        break;
      }
      case element::iso8601_tz:
      case element::iso8601_colon_tz:
      case element::iso8601_seconds_tz:
      case element::iso8601_short_tz:
      case element::iso8601_colon_seconds_tz:
      case element::num_tz:
      case element::num_short_tz:
      case element::num_colon_tz:
      case element::num_seconds_tz:
      case element::num_colon_seconds_tz: {
        if ((c.std == element::iso8601_tz || c.std == element::iso8601_short_tz ||
             c.std == element::iso8601_colon_tz) &&
            !value.empty() && value[0] == 'Z') {
          value.remove_prefix(1);
          utc = true;
          break;
        }
        std::string_view sign, hh, mm, ss = "00";
        std::size_t used = 0;
        if (c.std == element::iso8601_colon_tz || c.std == element::num_colon_tz) {
          if (value.size() < 6 || value[3] != ':') {
            ok = false;
            break;
          }
          hh = value.substr(1, 2), mm = value.substr(4, 2), used = 6;
        } else if (c.std == element::num_short_tz || c.std == element::iso8601_short_tz) {
          if (value.size() < 3) {
            ok = false;
            break;
          }
          hh = value.substr(1, 2), mm = "00", used = 3;
        } else if (c.std == element::iso8601_colon_seconds_tz || c.std == element::num_colon_seconds_tz) {
          if (value.size() < 9 || value[3] != ':' || value[6] != ':') {
            ok = false;
            break;
          }
          hh = value.substr(1, 2), mm = value.substr(4, 2), ss = value.substr(7, 2), used = 9;
        } else if (c.std == element::iso8601_seconds_tz || c.std == element::num_seconds_tz) {
          if (value.size() < 7) {
            ok = false;
            break;
          }
          hh = value.substr(1, 2), mm = value.substr(3, 2), ss = value.substr(5, 2), used = 7;
        } else {
          if (value.size() < 5) {
            ok = false;
            break;
          }
          hh = value.substr(1, 2), mm = value.substr(3, 2), used = 5;
        }
        sign = value.substr(0, 1);
        value.remove_prefix(used);
        std::int64_t h = 0, m = 0, s = 0;
        ok = atoi(hh, h) && atoi(mm, m) && atoi(ss, s);
        zone_offset = (h * 60 + m) * 60 + s;
        if (sign[0] == '-') zone_offset = -zone_offset;
        else if (sign[0] != '+') ok = false;
        break;
      }
      case element::tz: {
        if (value.substr(0, 3) == "UTC") {
          utc = true;
          value.remove_prefix(3);
          break;
        }
        const std::size_t n = time_zone_length(value);
        if (n == 0) {
          ok = false;
          break;
        }
        zone_name = value.substr(0, n);
        value.remove_prefix(n);
        break;
      }
      case element::frac_second0: {
        const std::size_t digits = 1 + c.frac_digits;
        if (value.size() < digits) {
          ok = false;
          break;
        }
        ok = parse_nanoseconds(value, digits, nsec, range_error);
        value.remove_prefix(digits);
        break;
      }
      case element::frac_second9: {
        if (value.size() < 2 || !comma_or_period(value[0]) || !is_digit(value, 1)) break;  // no fraction: fine
        std::size_t i = 0;
        while (i < 9 && i + 1 < value.size() && is_digit(value, i + 1)) ++i;
        ok = parse_nanoseconds(value, 1 + i, nsec, range_error);
        value.remove_prefix(1 + i);
        break;
      }
      case element::none: break;
    }
    if (!range_error.empty()) return fail(std_text, value, ": " + std::string(range_error) + " out of range");
    if (!ok) return fail(std_text, value, {});
  }
  if (pm_set && hour < 12) hour += 12;
  else if (am_set && hour == 12) hour = 0;

  if (yday >= 0) {
    int d = 0, m = 0;
    if (is_leap(year)) {
      if (yday == 31 + 29) {
        m = 2;
        d = 29;
      } else if (yday > 31 + 29) {
        --yday;
      }
    }
    if (yday < 1 || yday > 365) return fail({}, value, ": day-of-year out of range");
    if (m == 0) {
      m = (yday - 1) / 31 + 1;
      if (days_before[static_cast<std::size_t>(m)] < yday) ++m;
      d = yday - days_before[static_cast<std::size_t>(m - 1)];
    }
    if (month >= 0 && month != m) return fail({}, value, ": day-of-year does not match month");
    month = m;
    if (day >= 0 && day != d) return fail({}, value, ": day-of-year does not match day");
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > days_in(month, year)) return fail({}, value, ": day out of range");

  out.unix_seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
  out.nanos = nsec;
  out.offset = 0;
  if (utc) return true;
  if (zone_offset != -1) {
    // Local is UTC: a zero offset becomes UTC, any other a fixed zone of that offset; the instant is the same.
    out.unix_seconds -= zone_offset;
    out.offset = static_cast<std::int32_t>(zone_offset);
    return true;
  }
  if (!zone_name.empty()) {
    // An abbreviation Local does not know: the wall clock is taken as UTC, and only "GMT+h" gets an offset.
    std::int64_t hours = 0;
    if (zone_name.size() > 3 && zone_name.substr(0, 3) == "GMT" && atoi(zone_name.substr(3), hours)) {
      out.offset = static_cast<std::int32_t>(hours * 3600);
    }
  }
  return true;
}

civil_time civil_of(const instant& t) noexcept {
  const std::int64_t local = t.unix_seconds + t.offset;
  const std::int64_t days = floor_div(local, 86400);
  const std::int64_t in_day = local - days * 86400;
  civil_time c;
  civil_from_days(days, c.year, c.month, c.day);
  c.hour = static_cast<int>(in_day / 3600);
  c.minute = static_cast<int>(in_day % 3600 / 60);
  c.second = static_cast<int>(in_day % 60);
  c.weekday = static_cast<int>((days % 7 + 7 + 4) % 7);  // 1970-01-01 was a Thursday
  return c;
}

std::string format_rfc3339(const instant& t) {
  const civil_time c = civil_of(t);
  std::string out;
  out.reserve(25);
  append_int(out, c.year, 4);
  out += '-';
  append_int(out, c.month, 2);
  out += '-';
  append_int(out, c.day, 2);
  out += 'T';
  append_int(out, c.hour, 2);
  out += ':';
  append_int(out, c.minute, 2);
  out += ':';
  append_int(out, c.second, 2);
  if (t.offset == 0) return out + 'Z';
  int zone = t.offset / 60;  // minutes, toward zero: an offset of seconds alone prints as "+00:00", as in Go
  if (zone < 0) {
    out += '-';
    zone = -zone;
  } else {
    out += '+';
  }
  append_int(out, zone / 60, 2);
  out += ':';
  append_int(out, zone % 60, 2);
  return out;
}

instant in_utc(instant t) noexcept {
  t.offset = 0;
  return t;
}

instant add(const instant& t, std::int64_t nanos) noexcept {
  instant r = t;
  r.unix_seconds += nanos / nanos_per_second;
  std::int64_t ns = t.nanos + nanos % nanos_per_second;
  if (ns >= nanos_per_second) {
    ++r.unix_seconds;
    ns -= nanos_per_second;
  } else if (ns < 0) {
    --r.unix_seconds;
    ns += nanos_per_second;
  }
  r.nanos = static_cast<std::int32_t>(ns);
  return r;
}

std::int64_t sub(const instant& t, const instant& u) noexcept {
  const __int128 d =
      static_cast<__int128>(t.unix_seconds - u.unix_seconds) * nanos_per_second + (t.nanos - u.nanos);
  if (d > INT64_MAX) return INT64_MAX;
  if (d < INT64_MIN) return INT64_MIN;
  return static_cast<std::int64_t>(d);
}

instant truncate(const instant& t, std::int64_t nanos) noexcept {
  if (nanos <= 0) return t;
  const __int128 since_year_one =
      static_cast<__int128>(t.unix_seconds + unix_to_internal) * nanos_per_second + t.nanos;
  __int128 r = since_year_one % nanos;
  if (r < 0) r += nanos;  // Go's div gives the remainder toward the past for times before year 1
  return add(t, -static_cast<std::int64_t>(r));
}

int compare(const instant& t, const instant& u) noexcept {
  if (t.unix_seconds != u.unix_seconds) return t.unix_seconds < u.unix_seconds ? -1 : 1;
  if (t.nanos != u.nanos) return t.nanos < u.nanos ? -1 : 1;
  return 0;
}

}  // namespace coco_admit::go_time
