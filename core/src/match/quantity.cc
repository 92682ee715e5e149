// resource.ParseQuantity / Quantity.String() from k8s.io/apimachinery, reproduced
// on an exact 128-bit nano-unit representation (see quantity.h).
//
// Hand-written rather than borrowed: no C++ library implements Kubernetes'
// suffix grammar, its round-up-to-nano rule or its canonical printing.
#include "coco-admit/core/quantity.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "go_text.h"

namespace coco_admit {
namespace {

constexpr const char* kErrFormat =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
constexpr const char* kErrSuffix = "unable to parse quantity's suffix";
constexpr const char* kErrNumeric = "unable to parse numeric part of quantity";

error quantity_error(std::string_view text, const char* why) {
  std::string m = "quantity \"";
  m.append(text);
  m += "\": ";
  m += why;
  return error::invalid(std::move(m));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Room in front of the digits for the carries of the binary suffixes: D * 2^60
// ("Ei") has at most 19 more digits than D (2^60 < 10^19).
constexpr std::size_t digit_headroom = 20;

// Decimal digits in a caller-provided buffer of `cap` bytes, appended at the back
// and prepended (carries) into the first digit_headroom bytes.
class digit_string {
 public:
  digit_string(std::uint8_t* buf, std::size_t cap) : buf_(buf), begin_(digit_headroom), end_(digit_headroom), cap_(cap) {}
  bool empty() const { return begin_ == end_; }
  std::size_t size() const { return end_ - begin_; }
  std::uint8_t& operator[](std::size_t i) { return buf_[begin_ + i]; }
  void push_back(std::uint8_t d) {
    if (end_ < cap_) buf_[end_++] = d;  // cap_ counts every input digit: always true
  }
  void push_front(std::uint8_t d) {
    if (begin_ > 0) buf_[--begin_] = d;  // digit_headroom covers the largest carry: always true
  }

 private:
  std::uint8_t* buf_;
  std::size_t begin_, end_, cap_;
};

// The pieces parseQuantityString extracts.
struct pieces {
  bool positive = true;
  std::string_view num;    // integer digits, leading zeros stripped ("0" when none)
  std::string_view denom;  // fraction digits
  std::string_view suffix;
  bool has_digit = false;  // whether the numeric part contains any digit at all
};

// k8s parseQuantityString, step for step (including what it lets through).
bool split_quantity(std::string_view s, pieces& out) {
  std::size_t pos = 0;
  const std::size_t end = s.size();
  if (pos < end) {
    if (s[0] == '-') {
      out.positive = false;
      ++pos;
    } else if (s[0] == '+') {
      ++pos;
    }
  }
  // strip leading zeros
  for (;;) {
    if (pos >= end) {
      out.num = "0";
      out.has_digit = s.find('0') != std::string_view::npos;
      return true;
    }
    if (s[pos] != '0') break;
    out.has_digit = true;
    ++pos;
  }
  std::size_t i = pos;
  while (i < end && is_digit(s[i])) ++i;
  out.num = s.substr(pos, i - pos);
  if (!out.num.empty()) out.has_digit = true;
  pos = i;
  if (out.num.empty()) out.num = "0";
  if (pos >= end) return true;
  if (s[pos] == '.') {
    ++pos;
    i = pos;
    while (i < end && is_digit(s[i])) ++i;
    out.denom = s.substr(pos, i - pos);
    if (!out.denom.empty()) out.has_digit = true;
    pos = i;
    if (pos >= end) return true;
  }
  const std::size_t suffix_start = pos;
  static constexpr std::string_view suffix_chars = "eEinumkKMGTP";
  i = pos;
  while (i < end && suffix_chars.find(s[i]) != std::string_view::npos) ++i;
  if (i >= end) {
    out.suffix = s.substr(suffix_start);
    return true;
  }
  pos = i;
  if (s[pos] == '-' || s[pos] == '+') ++pos;
  for (i = pos; i < end; ++i) {
    if (!is_digit(s[i])) return false;  // a non-digit after the exponent
  }
  out.suffix = s.substr(suffix_start);
  return true;
}

// suffixHandler.interpret: base (10 or 2), exponent and format.
bool interpret_suffix(std::string_view suf, int& base, std::int32_t& exponent, quantity::format& fmt) {
  struct entry {
    std::string_view s;
    int base;
    int exp;
  };
  static constexpr entry table[] = {
      {"n", 10, -9}, {"u", 10, -6}, {"m", 10, -3}, {"", 10, 0},   {"k", 10, 3},   {"M", 10, 6},
      {"G", 10, 9},  {"T", 10, 12}, {"P", 10, 15}, {"E", 10, 18}, {"Ki", 2, 10},  {"Mi", 2, 20},
      {"Gi", 2, 30}, {"Ti", 2, 40}, {"Pi", 2, 50}, {"Ei", 2, 60},
  };
  for (const auto& e : table) {
    if (e.s == suf) {
      base = e.base;
      exponent = e.exp;
      fmt = e.base == 2 ? quantity::format::binary_si : quantity::format::decimal_si;
      return true;
    }
  }
  if (suf.size() > 1 && (suf[0] == 'e' || suf[0] == 'E')) {
    std::int64_t parsed = 0;
    if (!go::parse_int64(suf.substr(1), parsed)) return false;
    base = 10;
    exponent = static_cast<std::int32_t>(parsed);  // Go's int32(parsed) truncation
    fmt = quantity::format::decimal_exponent;
    return true;
  }
  return false;
}

// Whether k8s would leave its int64 fast path for inf.Dec, which (unlike the fast
// path) rejects a numeric part with no digit at all ("Ei", ".e-20").
bool takes_slow_path(const pieces& p, int base, std::int32_t exponent) {
  const auto ndigits = static_cast<std::int64_t>(p.num.size() + p.denom.size());
  if (base == 10) {
    if (18 - ndigits < 0) return true;
    return static_cast<std::int64_t>(exponent) - static_cast<std::int64_t>(p.denom.size()) < -9;
  }
  if (!(exponent >= 0 && p.denom.empty())) return true;
  const auto precision = 15 - static_cast<std::int64_t>(p.num.size()) -
                         static_cast<std::int64_t>(static_cast<float>(exponent) * 3 / 10) - 1;
  return precision < 0;
}

}  // namespace

result<quantity> parse_quantity(std::string_view text) {
  if (text.empty()) return quantity_error(text, kErrFormat);
  if (text == "0") return quantity{};
  pieces p;
  if (!split_quantity(text, p)) return quantity_error(text, kErrFormat);
  int base = 10;
  std::int32_t exponent = 0;
  quantity q;
  if (!interpret_suffix(p.suffix, base, exponent, q.fmt)) return quantity_error(text, kErrSuffix);
  if (!p.has_digit && takes_slow_path(p, base, exponent)) return quantity_error(text, kErrNumeric);

  // Fast path for the usual "256Mi", "500m", "2": a whole number of at most 18
  // digits times a factor (10^(9+exp) or 2^exp * 10^9) below 10^28 is an exact
  // int128 product, saturated like the general path below.
  if (p.denom.empty() && p.num.size() <= 18 && (base == 2 || (exponent >= -9 && exponent <= 18))) {
    std::int64_t num = 0;
    for (char c : p.num) num = num * 10 + (c - '0');
    __int128 factor = 1;
    if (base == 2) {
      factor = (static_cast<__int128>(1) << exponent) * quantity::nanos_per_unit;
    } else {
      for (std::int32_t k = 0; k < exponent + 9; ++k) factor *= 10;
    }
    const __int128 mag = num > quantity::max_nanos / factor ? quantity::max_nanos : num * factor;
    q.nanos = p.positive ? mag : -mag;
    return q;
  }

  // Significant digits D (no leading zeros) and value = D * 10^e10 * 2^shift.
  // Usual inputs fit the stack buffer, so parsing allocates nothing.
  std::array<std::uint8_t, 64> small;
  std::vector<std::uint8_t> large;
  const std::size_t cap = p.num.size() + p.denom.size() + digit_headroom;
  std::uint8_t* buf = small.data();
  if (cap > small.size()) {
    large.resize(cap);
    buf = large.data();
  }
  digit_string digits(buf, cap);
  for (char c : p.num) {
    if (!digits.empty() || c != '0') digits.push_back(static_cast<std::uint8_t>(c - '0'));
  }
  for (char c : p.denom) {
    if (!digits.empty() || c != '0') digits.push_back(static_cast<std::uint8_t>(c - '0'));
  }
  if (digits.empty()) return q;  // zero, keeps the parsed format
  std::int64_t e10 = -static_cast<std::int64_t>(p.denom.size()) + 9;  // in nanos
  if (base == 10) {
    e10 += exponent;
  } else {
    // multiply the decimal digit string by 2^exponent, 1024 at a time (exponent is a multiple of 10, <= 60)
    for (int k = 0; k < exponent / 10; ++k) {
      unsigned carry = 0;
      for (std::size_t i = digits.size(); i-- > 0;) {
        unsigned v = digits[i] * 1024u + carry;
        digits[i] = static_cast<std::uint8_t>(v % 10);
        carry = v / 10;
      }
      while (carry) {
        digits.push_front(static_cast<std::uint8_t>(carry % 10));
        carry /= 10;
      }
    }
  }
  // Integer part of D*10^e10, rounded up when anything non-zero is cut off.
  const auto n = static_cast<std::int64_t>(digits.size());
  std::int64_t int_len = n + e10;  // digits in the integer part (before zero padding)
  __int128 mag = 0;
  bool saturated = false;
  if (int_len > 39) {
    saturated = true;
  } else if (int_len <= 0) {
    mag = 1;  // a non-zero value below one nano rounds up to one nano
  } else {
    const std::int64_t take = std::min(n, int_len);
    for (std::int64_t i = 0; i < take && !saturated; ++i) {
      mag = mag * 10 + digits[static_cast<std::size_t>(i)];
      if (mag > quantity::max_nanos) saturated = true;
    }
    for (std::int64_t i = take; i < int_len && !saturated; ++i) {
      mag *= 10;
      if (mag > quantity::max_nanos) saturated = true;
    }
    bool remainder = false;
    for (std::int64_t i = take; i < n; ++i) {
      if (digits[static_cast<std::size_t>(i)] != 0) {
        remainder = true;
        break;
      }
    }
    if (remainder && !saturated) ++mag;
  }
  if (saturated || mag > quantity::max_nanos) mag = quantity::max_nanos;
  q.nanos = p.positive ? mag : -mag;
  return q;
}

int compare(const quantity& a, const quantity& b) noexcept {
  return a.nanos < b.nanos ? -1 : (a.nanos > b.nanos ? 1 : 0);
}

namespace {

std::string int128_to_string(__int128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  unsigned __int128 u = neg ? static_cast<unsigned __int128>(-v) : static_cast<unsigned __int128>(v);
  std::string s;
  while (u) {
    s.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (neg) s.push_back('-');
  return std::string(s.rbegin(), s.rend());
}

}  // namespace

std::string to_string(const quantity& q) {
  if (q.nanos == 0) return "0";
  quantity::format f = q.fmt;
  const __int128 unit = quantity::nanos_per_unit;
  if (f == quantity::format::binary_si) {
    if ((q.nanos > -1024 * unit && q.nanos < 1024 * unit) || q.nanos % unit != 0) {
      f = quantity::format::decimal_si;  // k8s avoids rounding and fractions this way
    }
  }
  if (f == quantity::format::binary_si) {
    __int128 amount = q.nanos / unit;
    int times = 0;
    __int128 mag = amount < 0 ? -amount : amount;
    while (mag >= 1024 && mag % 1024 == 0) {
      mag /= 1024;
      ++times;
    }
    static constexpr const char* bin[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    return int128_to_string(amount < 0 ? -mag : mag) + (times <= 6 ? bin[times] : "");
  }
  // AsCanonicalBytes: strip factors of ten, then lower the exponent to a multiple of 3.
  __int128 amount = q.nanos;
  int exponent = -9;
  __int128 mag = amount < 0 ? -amount : amount;
  while (mag >= 10 && mag % 10 == 0) {
    mag /= 10;
    ++exponent;
  }
  switch (exponent % 3) {
    case 1:
    case -2:
      mag *= 10;
      exponent -= 1;
      break;
    case 2:
    case -1:
      mag *= 100;
      exponent -= 2;
      break;
    default:
      break;
  }
  std::string number = int128_to_string(amount < 0 ? -mag : mag);
  if (f == quantity::format::decimal_exponent) {
    if (exponent == 0) return number;
    return number + "e" + std::to_string(exponent);
  }
  switch (exponent) {
    case -9: return number + "n";
    case -6: return number + "u";
    case -3: return number + "m";
    case 0: return number;
    case 3: return number + "k";
    case 6: return number + "M";
    case 9: return number + "G";
    case 12: return number + "T";
    case 15: return number + "P";
    case 18: return number + "E";
    default: return number + "e" + std::to_string(exponent);
  }
}

double to_double(const quantity& q) noexcept {
  return static_cast<double>(static_cast<long double>(q.nanos) / 1e9L);
}

namespace {
quantity clamp(__int128 v, quantity::format f) {
  if (v > quantity::max_nanos) v = quantity::max_nanos;
  if (v < -quantity::max_nanos) v = -quantity::max_nanos;
  return quantity{v, f};
}
}  // namespace

quantity add(const quantity& a, const quantity& b) noexcept {
  return clamp(a.nanos + b.nanos, a.is_zero() ? b.fmt : a.fmt);
}

quantity subtract(const quantity& a, const quantity& b) noexcept {
  return clamp(a.nanos - b.nanos, a.is_zero() ? b.fmt : a.fmt);
}

}  // namespace coco_admit
