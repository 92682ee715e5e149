// Go's time.ParseDuration and Duration.String(), transcribed from the Go
// standard library so overflow limits and fraction rounding agree bit for bit.
#include "coco-admit/core/duration.h"

#include <cmath>
#include <cstdint>
#include <string>

namespace coco_admit {
namespace {

constexpr std::uint64_t kBit63 = std::uint64_t{1} << 63;

std::string quote(std::string_view s) {
  std::string q = "\"";
  q.append(s);
  q += '"';
  return q;
}

error invalid_duration(std::string_view orig) {
  return error::invalid("time: invalid duration " + quote(orig));
}

// leadingInt: consumes [0-9]*; false on overflow.
bool leading_int(std::string_view& s, std::uint64_t& x) {
  std::size_t i = 0;
  x = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') break;
    if (x > kBit63 / 10) return false;
    x = x * 10 + static_cast<std::uint64_t>(c - '0');
    if (x > kBit63) return false;
  }
  s.remove_prefix(i);
  return true;
}

// leadingFraction: consumes [0-9]*, silently dropping precision on overflow.
void leading_fraction(std::string_view& s, std::uint64_t& x, double& scale) {
  std::size_t i = 0;
  x = 0;
  scale = 1;
  bool overflow = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') break;
    if (overflow) continue;
    if (x > (kBit63 - 1) / 10) {
      overflow = true;
      continue;
    }
    std::uint64_t y = x * 10 + static_cast<std::uint64_t>(c - '0');
    if (y > kBit63) {
      overflow = true;
      continue;
    }
    x = y;
    scale *= 10;
  }
  s.remove_prefix(i);
}

bool unit_of(std::string_view u, std::uint64_t& unit) {
  if (u == "ns") {
    unit = 1;
  } else if (u == "us" || u == "\xC2\xB5s" || u == "\xCE\xBCs") {  // "us", U+00B5 "µs", U+03BC "μs"
    unit = 1000;
  } else if (u == "ms") {
    unit = 1000000;
  } else if (u == "s") {
    unit = 1000000000;
  } else if (u == "m") {
    unit = 60ULL * 1000000000;
  } else if (u == "h") {
    unit = 3600ULL * 1000000000;
  } else {
    return false;
  }
  return true;
}

}  // namespace

bool may_be_go_duration(std::string_view s) noexcept {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  // After the sign, "0" or [0-9]*(.[0-9]*)?unit repeated: it starts with a digit or '.', and units are ns, us, µs
  // (C2 B5), μs (CE BC), ms, s, m, h.
  if (s.empty() || !(s[0] == '.' || (s[0] >= '0' && s[0] <= '9'))) return false;
  bool digit = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      digit = true;
      continue;
    }
    switch (static_cast<unsigned char>(c)) {
      case '.': case 'n': case 's': case 'u': case 'm': case 'h': case 0xC2: case 0xB5: case 0xCE: case 0xBC: continue;
      default: return false;
    }
  }
  return digit;
}

result<std::int64_t> parse_go_duration(std::string_view orig) {
  std::string_view s = orig;
  std::uint64_t d = 0;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::int64_t{0};
  if (s.empty()) return invalid_duration(orig);
  while (!s.empty()) {
    std::uint64_t v = 0, f = 0;
    double scale = 1;
    if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9'))) return invalid_duration(orig);
    std::size_t pl = s.size();
    if (!leading_int(s, v)) return invalid_duration(orig);
    bool pre = pl != s.size();
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      pl = s.size();
      leading_fraction(s, f, scale);
      post = pl != s.size();
    }
    if (!pre && !post) return invalid_duration(orig);
    std::size_t i = 0;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (c == '.' || (c >= '0' && c <= '9')) break;
    }
    if (i == 0) return error::invalid("time: missing unit in duration " + quote(orig));
    std::string_view u = s.substr(0, i);
    s.remove_prefix(i);
    std::uint64_t unit = 0;
    if (!unit_of(u, unit)) {
      return error::invalid("time: unknown unit " + quote(u) + " in duration " + quote(orig));
    }
    if (v > kBit63 / unit) return invalid_duration(orig);
    v *= unit;
    if (f > 0) {
      // float64 keeps fractions of hours nanosecond-accurate, as in Go.
      v += static_cast<std::uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > kBit63) return invalid_duration(orig);
    }
    d += v;
    if (d > kBit63) return invalid_duration(orig);
  }
  if (neg) return static_cast<std::int64_t>(0 - d);  // -2^63 included
  if (d > kBit63 - 1) return invalid_duration(orig);
  return static_cast<std::int64_t>(d);
}

namespace {

// fmtFrac: writes ".ddd" (trailing zeros dropped) in front of `w`; returns v / 10^prec.
std::uint64_t fmt_frac(std::string& out, std::uint64_t v, int prec) {
  bool print = false;
  std::string frac;
  for (int i = 0; i < prec; ++i) {
    std::uint64_t digit = v % 10;
    print = print || digit != 0;
    if (print) frac.insert(frac.begin(), static_cast<char>('0' + digit));
    v /= 10;
  }
  if (print) frac.insert(frac.begin(), '.');
  out.insert(0, frac);
  return v;
}

void fmt_int(std::string& out, std::uint64_t v) { out.insert(0, std::to_string(v)); }

}  // namespace

std::string format_go_duration(std::int64_t d) {
  std::string out;
  std::uint64_t u = static_cast<std::uint64_t>(d);
  bool neg = d < 0;
  if (neg) u = 0 - u;
  if (u < 1000000000ULL) {
    int prec = 0;
    if (u == 0) return "0s";
    if (u < 1000ULL) {
      prec = 0;
      out = "ns";
    } else if (u < 1000000ULL) {
      prec = 3;
      out = "\xC2\xB5s";  // Go prints U+00B5
    } else {
      prec = 6;
      out = "ms";
    }
    u = fmt_frac(out, u, prec);
    fmt_int(out, u);
  } else {
    out = "s";
    u = fmt_frac(out, u, 9);
    fmt_int(out, u % 60);
    u /= 60;
    if (u > 0) {
      out.insert(0, "m");
      fmt_int(out, u % 60);
      u /= 60;
      if (u > 0) {
        out.insert(0, "h");
        fmt_int(out, u);
      }
    }
  }
  if (neg) out.insert(0, "-");
  return out;
}

double duration_seconds(std::int64_t d) noexcept {
  std::int64_t sec = d / nanoseconds_per_second;
  std::int64_t nsec = d % nanoseconds_per_second;
  return static_cast<double>(sec) + static_cast<double>(nsec) / 1e9;
}

std::int64_t go_seconds_to_duration(std::int64_t seconds) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(seconds) *
                                   static_cast<std::uint64_t>(nanoseconds_per_second));
}

std::int64_t go_seconds_to_duration(double seconds) noexcept {
  std::int64_t whole = INT64_MIN;
  if (std::isfinite(seconds) && seconds > -9223372036854775808.0 && seconds < 9223372036854775808.0) {
    whole = static_cast<std::int64_t>(seconds);
  }
  return go_seconds_to_duration(whole);
}

}  // namespace coco_admit
