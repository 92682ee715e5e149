// Go strconv/fmt behaviours Kyverno's operators depend on (internal to core/src/match).
//
// Kyverno compares condition operands after Go conversions: strconv.ParseInt,
// strconv.ParseFloat, fmt.Sprint (In-family stringification) and
// strconv.FormatFloat(f, 'E', -1, 64) (pattern wildcards on floats). Each
// function here reproduces exactly one of those.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "coco-admit/core/value.h"

namespace coco_admit::go {

/// strconv.ParseInt(s, 10, 64).
bool parse_int64(std::string_view s, std::int64_t& out);
/// strconv.ParseFloat(s, 64): decimal, hex ("0x1p-2"), "inf"/"infinity"/"nan";
/// false on syntax error and on overflow (Go's ErrRange).
bool parse_float(std::string_view s, double& out);
/// strconv.FormatFloat(f, 'g', -1, 64), i.e. fmt.Sprint of a float64 ("1e+06", "0.5").
std::string format_float_g(double f);
/// strconv.FormatFloat(f, 'E', -1, 64) ("1.5E+00").
std::string format_float_e(double f);
/// fmt.Sprint(v) for a JSON value decoded the Go way (numbers are float64):
/// "a", "3", "1e+06", "true", "<nil>", "[a b]", "map[k:v]" (keys sorted).
std::string sprint(const value& v);
/// fmt.Sprint for resource values, whose integers stay int64 in Kyverno (printed in decimal).
std::string sprint_resource(const value& v);
/// Go's %T for a decoded JSON value ("map[string]interface {}", "int64", "<nil>", ...).
const char* type_name(const value& v) noexcept;
/// Go's int64(f) conversion, with amd64's result (INT64_MIN) for NaN and out-of-range values.
std::int64_t float_to_int64(double f) noexcept;

}  // namespace coco_admit::go
