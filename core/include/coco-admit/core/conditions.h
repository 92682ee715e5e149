// Kyverno condition operators (preconditions, deny conditions, foreach
// preconditions): pkg/engine/variables/operator/*.go.
//
// `evaluate(op, key, value)` takes the already-substituted key and value and
// returns what Kyverno's operator handler returns. Most type mismatches are
// plain `false` (Kyverno logs and returns false), not errors.
//
// Numbers are compared the way Kyverno sees them: conditions are decoded from
// JSON into Go interface{} values, so every number is a float64 whatever its
// kind in `value` (integer 1000000 stringifies as "1e+06" for AnyIn, exactly as
// fmt.Sprint does in Kyverno).
//
//   conditions::evaluate(op::any_in, value("kata-qemu"), list{"kata*"}) -> true
//   conditions::evaluate(op::greater_than, value("1Gi"), value("512Mi")) -> true
#pragma once

#include <cstdint>
#include <string_view>

#include "coco-admit/core/result.h"
#include "coco-admit/core/value.h"

namespace coco_admit::conditions {

enum class op : std::uint8_t {
  equals,
  not_equals,
  any_in,
  all_in,
  any_not_in,
  all_not_in,
  in,      ///< deprecated
  not_in,  ///< deprecated
  greater_than,
  greater_than_or_equals,
  less_than,
  less_than_or_equals,
  duration_greater_than,  ///< deprecated
  duration_greater_than_or_equals,
  duration_less_than,
  duration_less_than_or_equals,
};

/// Case-insensitive; accepts Kyverno's aliases "Equal" and "NotEqual". The
/// error lists the valid names.
result<op> parse_operator(std::string_view name);
/// Canonical Kyverno spelling ("Equals", "AnyNotIn", "GreaterThanOrEquals", ...).
const char* operator_name(op o) noexcept;

/// Evaluates one condition. Errors for an out-of-range `op`, and (error::budget)
/// for a set operator whose wildcard or range comparisons would pass 4,000,000.
result<bool> evaluate(op o, const value& key, const value& val);

}  // namespace coco_admit::conditions
