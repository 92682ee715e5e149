// Kyverno's condition operator handlers (pkg/engine/variables/operator):
// equal.go, notequal.go, anyin.go, allin.go, anynotin.go, allnotin.go, in.go,
// notin.go, numeric.go, duration.go and parseDuration in operator.go.
#include "coco-admit/core/conditions.h"

#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "coco-admit/core/duration.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/quantity.h"
#include "coco-admit/core/semver.h"
#include "coco-admit/core/wildcard.h"
#include "go_text.h"

namespace coco_admit::conditions {
namespace {

struct op_name {
  op o;
  const char* name;
};

constexpr std::array<op_name, 16> kOperators = {{
    {op::equals, "Equals"},
    {op::not_equals, "NotEquals"},
    {op::any_in, "AnyIn"},
    {op::all_in, "AllIn"},
    {op::any_not_in, "AnyNotIn"},
    {op::all_not_in, "AllNotIn"},
    {op::in, "In"},
    {op::not_in, "NotIn"},
    {op::greater_than, "GreaterThan"},
    {op::greater_than_or_equals, "GreaterThanOrEquals"},
    {op::less_than, "LessThan"},
    {op::less_than_or_equals, "LessThanOrEquals"},
    {op::duration_greater_than, "DurationGreaterThan"},
    {op::duration_greater_than_or_equals, "DurationGreaterThanOrEquals"},
    {op::duration_less_than, "DurationLessThan"},
    {op::duration_less_than_or_equals, "DurationLessThanOrEquals"},
}};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// ---- cheap rejections ---------------------------------------------------------
// Most condition operands are plain words ("", "kata-qemu-snp", "true"), and
// a failed parse builds an error message only to be dropped. These tests
// reject, without allocating, only texts the parsers would reject anyway.

// Operands are tried as durations whatever they hold (an initdata annotation of kilobytes, say): most are
// turned down without a parse.
result<std::int64_t> duration_of(std::string_view s) {
  if (!may_be_go_duration(s)) return error::invalid({});
  return parse_go_duration(s);
}

// A quantity is [+-]digits[.digits][suffix][[+-]digits] with suffix letters
// from "eEinumkKMGTP" (quantity.cc's split_quantity): any other byte fails.
result<quantity> quantity_of(std::string_view s) {
  if (s.empty() || s.find_first_not_of("+-.0123456789eEinumkKMGTP") != std::string_view::npos) {
    return error::invalid({});
  }
  return parse_quantity(s);
}

// ---- parseDuration (operator.go) ------------------------------------------------
// At least one side must be a duration *string* other than "0"; the other side
// may then be a number of seconds.
bool parse_duration_pair(const value& key, const value& val, std::int64_t& kd, std::int64_t& vd) {
  std::optional<std::int64_t> k, v;
  if (key.is_string() && key.as_string_view() != "0") {
    if (auto d = duration_of(key.as_string_view()); d.ok()) k = *d;
  }
  if (val.is_string() && val.as_string_view() != "0") {
    if (auto d = duration_of(val.as_string_view()); d.ok()) v = *d;
  }
  if (!k && !v) return false;
  if (!k) {
    if (!key.is_number()) return false;
    k = go_seconds_to_duration(key.as_double());
  }
  if (!v) {
    if (!val.is_number()) return false;
    v = go_seconds_to_duration(val.as_double());
  }
  kd = *k;
  vd = *v;
  return true;
}

// ---- Equals / NotEquals ----------------------------------------------------------
// Returns nullopt for Kyverno's "type mismatch => false" (for both operators).
std::optional<bool> equality(const value& key, const value& val) {
  std::int64_t kd = 0, vd = 0;
  if (parse_duration_pair(key, val, kd, vd)) return duration_seconds(kd) == duration_seconds(vd);
  switch (key.type()) {
    case value::kind::boolean:
      if (!val.is_bool()) return std::nullopt;
      return key.as_bool() == val.as_bool();
    case value::kind::integer:
    case value::kind::number: {
      double k = key.as_double();
      if (val.is_number()) return val.as_double() == k;
      if (val.is_string()) {
        double f = 0;
        if (!go::parse_float(val.as_string_view(), f)) return std::nullopt;
        return f == k;
      }
      return std::nullopt;
    }
    case value::kind::string: {
      std::string_view k = key.as_string_view();
      if (auto kq = quantity_of(k); kq.ok()) {
        if (!val.is_string()) return std::nullopt;
        auto vq = quantity_of(val.as_string_view());
        if (!vq.ok()) return std::nullopt;
        return compare(*kq, *vq) == 0;
      }
      if (val.is_string()) return wildcard::match(val.as_string_view(), k);
      return std::nullopt;
    }
    case value::kind::object:
      if (!val.is_object()) return std::nullopt;
      return key == val;
    case value::kind::array:
      if (!val.is_array()) return std::nullopt;
      return key == val;
    case value::kind::null:
      return std::nullopt;
  }
  return std::nullopt;
}

// ---- AnyIn / AllIn / AnyNotIn / AllNotIn / In / NotIn ----------------------------------
// A numeric range "a-b" (inclusive) or "a!-b" (outside [a, b]).
struct num_range {
  double lo = 0, hi = 0;
  bool outside = false;
};

std::size_t scan_number(std::string_view s, std::size_t i) {
  std::size_t start = i;
  if (i < s.size() && s[i] == '-') ++i;
  std::size_t digits = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == digits) return start;
  if (i < s.size() && s[i] == '.') {
    std::size_t frac = i + 1;
    std::size_t j = frac;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    if (j > frac) i = j;
  }
  return i;
}

// ^(-?\d+(\.\d+)?)(!?-)(-?\d+(\.\d+)?)$
bool parse_num_range(std::string_view s, num_range& r) {
  std::size_t a_end = scan_number(s, 0);
  if (a_end == 0) return false;
  std::size_t i = a_end;
  bool outside = false;
  if (i < s.size() && s[i] == '!') {
    outside = true;
    ++i;
  }
  if (i >= s.size() || s[i] != '-') return false;
  ++i;
  std::size_t b_end = scan_number(s, i);
  if (b_end == i || b_end != s.size()) return false;
  if (!go::parse_float(s.substr(0, a_end), r.lo) || !go::parse_float(s.substr(i), r.hi)) return false;
  r.outside = outside;
  return true;
}

bool range_contains(const num_range& r, std::string_view key) {
  double k = 0;
  if (!go::parse_float(key, k)) return false;
  return r.outside ? (k < r.lo || k > r.hi) : (k >= r.lo && k <= r.hi);
}

// One element of the value side of a set operator.
struct set_entry {
  std::string text;
  std::optional<num_range> range;
};

bool entry_matches(std::string_view key, const set_entry& e, bool wildcards) {
  if (wildcards) {
    if (wildcard::match(e.text, key) || wildcard::match(key, e.text)) return true;
  } else if (e.text == key) {
    return true;
  }
  return e.range && range_contains(*e.range, key);
}

// json.Unmarshal(value, &[]string): null or an array of strings.
bool parse_string_array(std::string_view s, std::vector<set_entry>& out) {
  auto parsed = json::parse(s);
  if (!parsed.ok()) return false;
  if (parsed->is_null()) return true;
  if (!parsed->is_array()) return false;
  for (const auto& e : parsed->as_array()) {
    if (!e.is_string()) return false;
    out.push_back({std::string(e.as_string_view()), std::nullopt});
  }
  return true;
}

set_entry list_entry(const value& e, bool ranges) {
  set_entry out{go::sprint(e), std::nullopt};
  num_range r;
  if (ranges && e.is_string() && parse_num_range(e.as_string_view(), r)) out.range = r;
  return out;
}

enum class membership { invalid, found, not_found };

// anyKeyExistsInArray / allKeyExistsInArray / keyExistsInArray (scalar key).
membership scalar_membership(const std::string& key, const value& val, bool ranges) {
  if (val.is_array()) {
    for (const auto& e : val.as_array()) {
      if (entry_matches(key, list_entry(e, ranges), true)) return membership::found;
    }
    return membership::not_found;
  }
  if (val.is_string()) {
    std::string_view s = val.as_string_view();
    if (wildcard::match(s, key)) return membership::found;
    num_range r;
    if (ranges && parse_num_range(s, r)) return range_contains(r, key) ? membership::found : membership::not_found;
    std::vector<set_entry> arr;
    if (!parse_string_array(s, arr)) return membership::invalid;
    for (const auto& e : arr) {
      if (e.text == key) return membership::found;  // exact: no wildcards for JSON-array strings here
    }
    return membership::not_found;
  }
  return membership::invalid;
}

// The value side of a set (list-key) operator; false => invalid type.
bool set_entries(const std::vector<std::string>& keys, const value& val, bool ranges, std::vector<set_entry>& out) {
  if (val.is_array()) {
    for (const auto& e : val.as_array()) out.push_back(list_entry(e, ranges));
    return true;
  }
  if (val.is_string()) {
    std::string_view s = val.as_string_view();
    if (keys.size() == 1 && keys[0] == s) {
      out.push_back({std::string(s), std::nullopt});
      return true;
    }
    num_range r;
    if (ranges && parse_num_range(s, r)) {
      out.push_back({std::string(s), r});
      return true;
    }
    return parse_string_array(s, out);
  }
  return false;
}

// Key/value pairs a set operator may compare one at a time. Both sides can
// come from the request, and a wildcard on either side defeats hashing, so
// two lists of 50,000 would otherwise cost seconds.
constexpr std::size_t max_set_comparisons = 4'000'000;

bool is_plain(const set_entry& e) { return !e.range && !wildcard::has_wildcards(e.text); }

result<bool> set_operator(op o, const value& key, const value& val) {
  const bool deprecated = o == op::in || o == op::not_in;
  if (key.is_string() || key.is_number() || key.is_bool()) {
    std::string k = key.is_string() ? std::string(key.as_string_view()) : go::sprint(key);
    membership m = scalar_membership(k, val, !deprecated);
    if (m == membership::invalid) return false;
    bool found = m == membership::found;
    switch (o) {
      case op::any_in:
      case op::all_in:
      case op::in: return found;
      default: return !found;
    }
  }
  if (!key.is_array()) return false;
  std::vector<std::string> keys;
  for (const auto& e : key.as_array()) keys.push_back(go::sprint(e));
  std::vector<set_entry> entries;
  if (!set_entries(keys, val, !deprecated, entries)) return false;
  // A key without wildcards equals a plain entry exactly when it matches it,
  // so plain entries are hashed; only the others are compared one by one.
  std::unordered_set<std::string_view> plain;
  std::vector<const set_entry*> special;
  for (const auto& e : entries) {
    if (deprecated || is_plain(e)) plain.insert(e.text);
    else special.push_back(&e);
  }
  std::size_t comparisons = 0;
  for (const auto& k : keys) {
    const bool wild_key = !deprecated && wildcard::has_wildcards(k);
    comparisons += wild_key ? entries.size() : special.size();
  }
  if (comparisons > max_set_comparisons) {
    return error::budget(std::string(operator_name(o)) + " would compare " + std::to_string(keys.size()) +
                         " keys with " + std::to_string(entries.size()) + " values one by one (" +
                         std::to_string(comparisons) + " wildcard or range comparisons), over the limit of " +
                         std::to_string(max_set_comparisons));
  }
  std::size_t found = 0;
  for (const auto& k : keys) {
    bool hit = false;
    if (!deprecated && wildcard::has_wildcards(k)) {
      for (const auto& e : entries) {
        if (entry_matches(k, e, true)) {
          hit = true;
          break;
        }
      }
    } else {
      hit = plain.count(k) > 0;
      for (std::size_t i = 0; !hit && i < special.size(); ++i) hit = entry_matches(k, *special[i], true);
    }
    if (hit) ++found;
  }
  switch (o) {
    case op::any_in: return found > 0;
    case op::all_in:
    case op::in: return found == keys.size();  // In: sets.HasAll (exact strings)
    case op::any_not_in: return found < keys.size();
    case op::all_not_in: return found == 0;
    case op::not_in: return found != keys.size();
    default: return false;
  }
}

// ---- GreaterThan family (numeric.go) ----------------------------------------------------
bool compare_by(op o, double k, double v) {
  switch (o) {
    case op::greater_than_or_equals: return k >= v;
    case op::greater_than: return k > v;
    case op::less_than_or_equals: return k <= v;
    case op::less_than: return k < v;
    default: return false;
  }
}

bool numeric_float(op o, double k, const value& val) {
  if (val.is_number()) return compare_by(o, k, val.as_double());
  if (val.is_string()) {
    double f = 0;
    if (go::parse_float(val.as_string_view(), f)) return compare_by(o, k, f);
    std::int64_t i = 0;
    if (go::parse_int64(val.as_string_view(), i)) return compare_by(o, k, static_cast<double>(i));
  }
  return false;
}

bool numeric_quantity(op o, const quantity& k, const value& val) {
  if (val.is_number()) {
    // resource.NewQuantity(int64(value), DecimalSI): Kyverno truncates floats here.
    return compare_by(o, compare(k, quantity::from_int(go::float_to_int64(val.as_double()))), 0);
  }
  if (val.is_string()) {
    auto vq = quantity_of(val.as_string_view());
    if (!vq.ok()) return false;
    return compare_by(o, compare(k, *vq), 0);
  }
  return false;
}

bool numeric(op o, const value& key, const value& val) {
  std::int64_t kd = 0, vd = 0;
  if (parse_duration_pair(key, val, kd, vd)) return compare_by(o, duration_seconds(kd), duration_seconds(vd));
  if (key.is_number()) return numeric_float(o, key.as_double(), val);
  if (!key.is_string()) return false;
  std::string_view k = key.as_string_view();
  if (auto q = quantity_of(k); q.ok()) return numeric_quantity(o, *q, val);
  double f = 0;
  if (go::parse_float(k, f)) return numeric_float(o, f, val);
  std::int64_t i = 0;
  if (go::parse_int64(k, i)) return numeric_float(o, static_cast<double>(i), val);
  if (auto kv = semver::parse(k); kv.ok()) {
    if (!val.is_string()) return false;
    auto vv = semver::parse(val.as_string_view());
    if (!vv.ok()) return false;
    return compare_by(o, semver::compare(*kv, *vv), 0);
  }
  return false;
}

// ---- Duration* (deprecated, duration.go) -----------------------------------------------
bool as_duration(const value& v, std::int64_t& out) {
  if (v.is_number()) {
    out = go_seconds_to_duration(v.as_double());
    return true;
  }
  if (v.is_string()) {
    auto d = duration_of(v.as_string_view());
    if (!d.ok()) return false;
    out = *d;
    return true;
  }
  return false;
}

bool duration_operator(op o, const value& key, const value& val) {
  std::int64_t k = 0, v = 0;
  if (!as_duration(key, k) || !as_duration(val, v)) return false;
  switch (o) {
    case op::duration_greater_than_or_equals: return k >= v;
    case op::duration_greater_than: return k > v;
    case op::duration_less_than_or_equals: return k <= v;
    case op::duration_less_than: return k < v;
    default: return false;
  }
}

}  // namespace

result<op> parse_operator(std::string_view name) {
  for (const auto& e : kOperators) {
    if (iequals(name, e.name)) return e.o;
  }
  if (iequals(name, "Equal")) return op::equals;
  if (iequals(name, "NotEqual")) return op::not_equals;
  std::string m = "unknown condition operator \"";
  m.append(name);
  m += "\"; valid operators are";
  for (std::size_t i = 0; i < kOperators.size(); ++i) {
    m += i ? ", " : " ";
    m += kOperators[i].name;
  }
  m += " (case-insensitive)";
  return error::invalid(std::move(m));
}

const char* operator_name(op o) noexcept {
  for (const auto& e : kOperators) {
    if (e.o == o) return e.name;
  }
  return "?";
}

result<bool> evaluate(op o, const value& key, const value& val) {
  switch (o) {
    case op::equals: return equality(key, val).value_or(false);
    case op::not_equals: {
      // Kyverno's NotEquals is the negation of Equals, except that a null
      // key is never "not equal" (so a type mismatch such as a string key
      // against a list value counts as not equal).
      if (key.is_null()) return false;
      auto eq = equality(key, val);
      return !eq.value_or(false);
    }
    case op::any_in:
    case op::all_in:
    case op::any_not_in:
    case op::all_not_in:
    case op::in:
    case op::not_in: return set_operator(o, key, val);
    case op::greater_than:
    case op::greater_than_or_equals:
    case op::less_than:
    case op::less_than_or_equals: return numeric(o, key, val);
    case op::duration_greater_than:
    case op::duration_greater_than_or_equals:
    case op::duration_less_than:
    case op::duration_less_than_or_equals: return duration_operator(o, key, val);
  }
  return error::internal("condition operator out of range: " + std::to_string(static_cast<int>(o)));
}

}  // namespace coco_admit::conditions
