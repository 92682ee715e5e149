// quantity: a Kubernetes resource.Quantity ("1Gi", "500m", "1e3", "1.5", "2Ki", "1E").
//
// Representation: the exact value as a signed count of nano-units in 128 bits,
// plus the format the text was written in (which decides how String() spells a
// computed result). This mirrors what k8s.io/apimachinery does after parsing:
// every parsed amount is rounded *up* (away from zero) to a multiple of 1e-9
// and its magnitude capped at 2^63-1 units, so |nanos| <= (2^63-1) * 1e9, which
// fits comfortably in 128 bits. Comparison is therefore exact integer
// comparison: "1Gi" == "1024Mi", "0.1" == "100m", with no float rounding.
//
//   auto a = parse_quantity("1Gi"), b = parse_quantity("1024Mi");
//   compare(*a, *b) == 0;  to_string(*parse_quantity("1.5Gi")) == "1536Mi"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "coco-admit/core/result.h"

namespace coco_admit {

struct quantity {
  /// How k8s prints the value (Quantity.Format): taken from the suffix that was parsed.
  enum class format : std::uint8_t {
    decimal_si,        ///< "", "n", "u", "m", "k", "M", "G", "T", "P", "E"
    binary_si,         ///< "Ki" ... "Ei"
    decimal_exponent,  ///< "e3", "E-2"
  };
  /// The value times 1e9, rounded up in magnitude to an integer.
  __int128 nanos = 0;
  format fmt = format::decimal_si;

  static constexpr std::int64_t nanos_per_unit = 1000000000;
  /// The largest magnitude k8s keeps (2^63-1 units), in nanos.
  static constexpr __int128 max_nanos = static_cast<__int128>(INT64_MAX) * nanos_per_unit;

  static quantity from_int(std::int64_t units, format f = format::decimal_si) {
    return quantity{static_cast<__int128>(units) * nanos_per_unit, f};
  }
  bool is_zero() const noexcept { return nanos == 0; }
  int sign() const noexcept { return nanos < 0 ? -1 : (nanos > 0 ? 1 : 0); }
};

/// k8s resource.ParseQuantity, including its leniencies: a leading '+', "1.G",
/// "." and a bare sign or suffix ("-", "m") all parse (as 0, as k8s does).
/// Errors name the input: `quantity "abc": quantities must match the regular expression ...`.
result<quantity> parse_quantity(std::string_view text);

/// -1, 0 or 1 (Quantity.Cmp).
int compare(const quantity& a, const quantity& b) noexcept;
inline bool operator==(const quantity& a, const quantity& b) noexcept { return a.nanos == b.nanos; }

/// Quantity.String(): canonical form in the value's format ("1536Mi", "500m", "1k",
/// "1e3" for decimal_exponent). Binary values below 1024 or with a fraction print
/// as decimal_si, like k8s.
std::string to_string(const quantity& q);

/// Quantity.AsApproximateFloat64().
double to_double(const quantity& q) noexcept;

/// Saturating helpers for arithmetic on quantities (Quantity.Add/Sub keep the
/// left operand's format unless it is zero, then take the right's). The result
/// is clamped to +-max_nanos like a re-parsed k8s value.
quantity add(const quantity& a, const quantity& b) noexcept;
quantity subtract(const quantity& a, const quantity& b) noexcept;

}  // namespace coco_admit
