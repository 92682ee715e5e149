#include "go_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

namespace coco_admit::go {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool iequals_prefix(std::string_view s, std::string_view word) {
  if (s.size() != word.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != word[i]) return false;
  }
  return true;
}

// Go's readFloat syntax check (underscores only with a base prefix, as Go allows).
bool valid_float_syntax(std::string_view s, bool& hex) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  hex = false;
  if (i + 1 < s.size() && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
    hex = true;
    i += 2;
  }
  bool digits = false, dot = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_' && hex) {
      continue;
    }
    if (c == '.') {
      if (dot) return false;
      dot = true;
    } else if (hex ? is_hex(c) : is_digit(c)) {
      digits = true;
    } else {
      break;
    }
  }
  if (!digits) return false;
  if (i < s.size() && ((!hex && (s[i] == 'e' || s[i] == 'E')) || (hex && (s[i] == 'p' || s[i] == 'P')))) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    bool exp_digits = false;
    for (; i < s.size() && (is_digit(s[i]) || (hex && s[i] == '_')); ++i) exp_digits = exp_digits || s[i] != '_';
    if (!exp_digits) return false;
  } else if (hex) {
    return false;  // Go requires the p exponent for hex mantissas
  }
  return i == s.size();
}

}  // namespace

bool parse_int64(std::string_view s, std::int64_t& out) {
  if (s.empty()) return false;
  bool neg = false;
  std::size_t i = 0;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i >= s.size()) return false;
  unsigned __int128 v = 0;
  for (; i < s.size(); ++i) {
    if (!is_digit(s[i])) return false;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
    if (v > static_cast<unsigned __int128>(INT64_MAX) + 1) return false;
  }
  if (!neg && v > static_cast<unsigned __int128>(INT64_MAX)) return false;
  out = neg ? static_cast<std::int64_t>(-static_cast<__int128>(v)) : static_cast<std::int64_t>(v);
  return true;
}

bool parse_float(std::string_view s, double& out) {
  if (s.empty()) return false;
  {
    std::string_view t = s;
    double sign = 1;
    bool has_sign = false;
    if (t[0] == '+' || t[0] == '-') {
      sign = t[0] == '-' ? -1 : 1;
      t.remove_prefix(1);
      has_sign = true;
    }
    if (iequals_prefix(t, "inf") || iequals_prefix(t, "infinity")) {
      out = sign * HUGE_VAL;
      return true;
    }
    if (!has_sign && iequals_prefix(t, "nan")) {
      out = std::nan("");
      return true;
    }
  }
  bool hex = false;
  if (!valid_float_syntax(s, hex)) return false;
  std::string copy;
  copy.reserve(s.size());
  for (char c : s) {
    if (c != '_') copy.push_back(c);
  }
  char* end = nullptr;
  double d = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return false;
  if (std::isinf(d)) return false;  // ErrRange
  out = d;
  return true;
}

namespace {

// Shortest round-trip digits and decimal exponent (d.ddd x 10^exp) of a finite, non-zero |f|.
void shortest(double f, std::string& digits, int& exp) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(f), std::chars_format::scientific);
  std::string_view s(buf, static_cast<std::size_t>(r.ptr - buf));
  auto e = s.find('e');
  digits.clear();
  for (char c : s.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  exp = std::atoi(std::string(s.substr(e + 1)).c_str());
}

std::string exp_suffix(char e, int exp) {
  std::string out(1, e);
  out += exp < 0 ? '-' : '+';
  int a = exp < 0 ? -exp : exp;
  if (a < 10) out += '0';
  out += std::to_string(a);
  return out;
}

}  // namespace

std::string format_float_g(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  if (f == 0) return std::signbit(f) ? "-0" : "0";
  std::string digits;
  int exp = 0;
  shortest(f, digits, exp);
  std::string out = f < 0 ? "-" : "";
  // strconv 'g' with shortest precision uses %e when exp < -4 || exp >= 6 (eprec = 6),
  // hence fmt.Sprint(1000000.0) == "1e+06".
  if (exp < -4 || exp >= 6) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += exp_suffix('e', exp);
    return out;
  }
  if (exp < 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-exp - 1), '0');
    out += digits;
    return out;
  }
  const auto int_len = static_cast<std::size_t>(exp + 1);
  if (digits.size() <= int_len) {
    out += digits;
    out.append(int_len - digits.size(), '0');
  } else {
    out.append(digits, 0, int_len);
    out += '.';
    out.append(digits, int_len);
  }
  return out;
}

std::string format_float_e(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  std::string out = std::signbit(f) ? "-" : "";
  if (f == 0) return out + "0E+00";
  std::string digits;
  int exp = 0;
  shortest(f, digits, exp);
  out += digits[0];
  if (digits.size() > 1) {
    out += '.';
    out.append(digits, 1);
  }
  out += exp_suffix('E', exp);
  return out;
}

namespace {
void sprint_to(const value& v, std::string& out, int depth, bool ints) {
  if (depth > 64) {  // JSON input is already depth-bounded; this keeps sprint bounded on its own too
    out += "...";
    return;
  }
  switch (v.type()) {
    case value::kind::null: out += "<nil>"; return;
    case value::kind::boolean: out += v.as_bool() ? "true" : "false"; return;
    case value::kind::integer:
      if (ints) {
        out += std::to_string(v.as_int());
        return;
      }
      out += format_float_g(v.as_double());
      return;
    case value::kind::number: out += format_float_g(v.as_double()); return;
    case value::kind::string: out += v.as_string(); return;
    case value::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.as_array()) {
        if (!first) out += ' ';
        first = false;
        sprint_to(e, out, depth + 1, ints);
      }
      out += ']';
      return;
    }
    case value::kind::object: {
      std::vector<const member*> ms;
      for (const auto& m : v.as_object()) ms.push_back(&m);
      std::sort(ms.begin(), ms.end(), [](const member* a, const member* b) { return a->key < b->key; });
      out += "map[";
      bool first = true;
      for (const auto* m : ms) {
        if (!first) out += ' ';
        first = false;
        out += m->key;
        out += ':';
        sprint_to(m->val, out, depth + 1, ints);
      }
      out += ']';
      return;
    }
  }
}
}  // namespace

std::string sprint(const value& v) {
  std::string out;
  sprint_to(v, out, 0, false);
  return out;
}

std::string sprint_resource(const value& v) {
  std::string out;
  sprint_to(v, out, 0, true);
  return out;
}

const char* type_name(const value& v) noexcept {
  switch (v.type()) {
    case value::kind::null: return "<nil>";
    case value::kind::boolean: return "bool";
    case value::kind::integer: return "int64";
    case value::kind::number: return "float64";
    case value::kind::string: return "string";
    case value::kind::array: return "[]interface {}";
    case value::kind::object: return "map[string]interface {}";
  }
  return "<nil>";
}

std::int64_t float_to_int64(double f) noexcept {
  if (std::isfinite(f) && f > -9223372036854775808.0 && f < 9223372036854775808.0) {
    return static_cast<std::int64_t>(f);
  }
  return INT64_MIN;
}

}  // namespace coco_admit::go
