// The standard JMESPath functions (go-jmespath functions.go), the lookup over
// all function tables, and helpers shared by the function files.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

#include "coco-admit/core/json.h"
#include "coco-admit/core/member_index.h"
#include "jmespath/functions.h"
#include "jmespath/utf8.h"

namespace coco_admit::jmespath::detail {
namespace {

value number(double d) { return value(d); }

result<value> fn_abs(call& c) {
  const value& v = c.arg(0);
  if (v.is_integer() && v.as_int() != INT64_MIN) return value(v.as_int() < 0 ? -v.as_int() : v.as_int());
  return number(std::fabs(v.as_double()));
}

result<value> fn_avg(call& c) {
  const auto& a = c.arg(0).as_array();
  if (a.empty()) return value();
  double sum = 0;
  for (const value& x : a) sum += x.as_double();
  return number(sum / static_cast<double>(a.size()));
}

result<value> fn_ceil(call& c) { return number(std::ceil(c.arg(0).as_double())); }
result<value> fn_floor(call& c) { return number(std::floor(c.arg(0).as_double())); }

result<value> fn_contains(call& c) {
  const value& subject = c.arg(0);
  const value& search = c.arg(1);
  if (subject.is_string()) {
    if (!search.is_string()) return value(false);
    return value(subject.as_string().find(search.as_string()) != std::string::npos);
  }
  for (const value& x : subject.as_array()) {
    if (x == search) return value(true);
  }
  return value(false);
}

result<value> fn_ends_with(call& c) {
  const std::string& s = c.arg(0).as_string();
  const std::string& suffix = c.arg(1).as_string();
  return value(s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0);
}

result<value> fn_starts_with(call& c) {
  return value(c.arg(0).as_string().rfind(c.arg(1).as_string(), 0) == 0);
}

result<value> fn_join(call& c) {
  const std::string_view glue = c.arg(0).as_string_view();
  const value::array_t& parts = c.arg(1).as_array();
  // Read the parts where they lie (a request's strings are not copied out of the parser's buffer first) and
  // allocate once: joining the values of a pod's annotations, initdata included (150 KB and more), copied
  // each of them out of the request and then grew the result a dozen times.
  std::size_t size = parts.empty() ? 0 : glue.size() * (parts.size() - 1);
  for (const value& x : parts) size += x.as_string_view().size();
  std::string out;
  out.reserve(size);
  bool first = true;
  for (const value& x : parts) {
    if (!first) out += glue;
    first = false;
    out += x.as_string_view();
  }
  return value(std::move(out));
}

result<value> fn_keys(call& c) {
  value::array_t out;
  for (const member& m : c.arg(0).as_object()) out.emplace_back(m.key);
  return value(std::move(out));
}

result<value> fn_values(call& c) {
  value::array_t out;
  for (const member& m : c.arg(0).as_object()) out.push_back(m.val);
  return value(std::move(out));
}

result<value> fn_length(call& c) {
  const value& v = c.arg(0);
  if (v.is_string()) return value(static_cast<long long>(utf8::rune_count(v.as_string_view())));
  return value(static_cast<long long>(v.size()));
}

result<value> fn_map(call& c) {
  value::array_t out;
  const auto& a = c.arg(1).as_array();
  out.reserve(a.size());
  for (const value& x : a) {
    auto r = c.apply(0, x);
    if (!r.ok()) return std::move(r).err();
    out.push_back(std::move(r).value());
  }
  return value(std::move(out));
}

// Compares two values already known to be both numbers or both strings.
int order(const value& a, const value& b) {
  if (a.is_string()) return a.as_string().compare(b.as_string());
  double x = a.as_double(), y = b.as_double();
  return x < y ? -1 : (x > y ? 1 : 0);
}

result<value> extreme(call& c, bool want_max) {
  const auto& a = c.arg(0).as_array();
  if (a.empty()) return value();
  const value* best = &a[0];
  for (const value& x : a) {
    int o = order(x, *best);
    if (want_max ? o > 0 : o < 0) best = &x;
  }
  return *best;
}
result<value> fn_max(call& c) { return extreme(c, true); }
result<value> fn_min(call& c) { return extreme(c, false); }

result<value> extreme_by(call& c, bool want_max) {
  const auto& a = c.arg(0).as_array();
  if (a.empty()) return value();
  if (a.size() == 1) return a[0];  // go-jmespath returns it without evaluating the key
  auto first = c.apply(1, a[0]);
  if (!first.ok()) return std::move(first).err();
  if (!first->is_number() && !first->is_string()) {
    return c.invalid_type("the expression must evaluate to a number or a string, got " +
                          std::string(kind_name(first->type())));
  }
  bool numbers = first->is_number();
  value best_key = std::move(first).value();
  std::size_t best = 0;
  for (std::size_t i = 1; i < a.size(); ++i) {
    auto k = c.apply(1, a[i]);
    if (!k.ok()) return std::move(k).err();
    if (numbers ? !k->is_number() : !k->is_string()) {
      return c.invalid_type(std::string("the expression must evaluate to a ") + (numbers ? "number" : "string") +
                            " for every element, got " + kind_name(k->type()));
    }
    int o = order(*k, best_key);
    if (want_max ? o > 0 : o < 0) {
      best = i;
      best_key = std::move(k).value();
    }
  }
  return a[best];
}
result<value> fn_max_by(call& c) { return extreme_by(c, true); }
result<value> fn_min_by(call& c) { return extreme_by(c, false); }

result<value> fn_merge(call& c) {
  object_builder out;
  for (std::size_t i = 0; i < c.size(); ++i) {
    for (const member& m : c.arg(i).as_object()) out.set(m.key, m.val);
  }
  return std::move(out).take();
}

result<value> fn_not_null(call& c) {
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (!c.arg(i).is_null()) return c.arg(i);
  }
  return value();
}

result<value> fn_reverse(call& c) {
  const value& v = c.arg(0);
  if (v.is_string()) {
    std::vector<std::uint32_t> runes = utf8::decode(v.as_string());
    std::reverse(runes.begin(), runes.end());
    return value(utf8::encode(runes));
  }
  value::array_t out(v.as_array().rbegin(), v.as_array().rend());
  return value(std::move(out));
}

result<value> fn_sort(call& c) {
  value::array_t out = c.arg(0).as_array();
  std::stable_sort(out.begin(), out.end(), [](const value& a, const value& b) { return order(a, b) < 0; });
  return value(std::move(out));
}

result<value> fn_sort_by(call& c) {
  const auto& a = c.arg(0).as_array();
  if (a.size() <= 1) return c.arg(0);
  std::vector<value> keys;
  keys.reserve(a.size());
  bool numbers = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto k = c.apply(1, a[i]);
    if (!k.ok()) return std::move(k).err();
    if (i == 0) {
      if (!k->is_number() && !k->is_string()) {
        return c.invalid_type("the expression must evaluate to a number or a string, got " +
                              std::string(kind_name(k->type())));
      }
      numbers = k->is_number();
    } else if (numbers ? !k->is_number() : !k->is_string()) {
      return c.invalid_type(std::string("the expression must evaluate to a ") + (numbers ? "number" : "string") +
                            " for every element, got " + kind_name(k->type()));
    }
    keys.push_back(std::move(k).value());
  }
  std::vector<std::size_t> idx(a.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t x, std::size_t y) { return order(keys[x], keys[y]) < 0; });
  value::array_t out;
  out.reserve(a.size());
  for (std::size_t i : idx) out.push_back(a[i]);
  return value(std::move(out));
}

result<value> fn_to_array(call& c) {
  if (c.arg(0).is_array()) return c.arg(0);
  value::array_t out;
  out.push_back(c.arg(0));
  return value(std::move(out));
}

result<value> fn_to_number(call& c) {
  const value& v = c.arg(0);
  if (v.is_number()) return v;
  if (!v.is_string()) return value();
  // strconv.ParseFloat on a decimal literal; infinities/NaN have no JSON form, so null.
  std::string_view s = v.as_string();
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty() || !(std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' || s[0] == '.')) return value();
  double d = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), d);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(d)) return value();
  return number(d);
}

result<value> fn_to_string(call& c) {
  if (c.arg(0).is_string()) return c.arg(0);
  std::string out;
  go_marshal(c.arg(0), out);
  return value(std::move(out));
}

result<value> fn_type(call& c) { return value(kind_name(c.arg(0).type())); }

constexpr std::uint16_t num_or_str_arrays = t_array_number | t_array_string;

const function_def table[] = {
    {"abs", 1, false, {t_number}, fn_abs},
    {"avg", 1, false, {t_array_number}, fn_avg},
    {"ceil", 1, false, {t_number}, fn_ceil},
    {"contains", 2, false, {t_array | t_string, t_any}, fn_contains},
    {"ends_with", 2, false, {t_string, t_string}, fn_ends_with},
    {"floor", 1, false, {t_number}, fn_floor},
    {"join", 2, false, {t_string, t_array_string}, fn_join},
    {"keys", 1, false, {t_object}, fn_keys},
    {"length", 1, false, {t_string | t_array | t_object}, fn_length},
    {"map", 2, false, {t_expref, t_array}, fn_map},
    {"max", 1, false, {num_or_str_arrays}, fn_max},
    {"max_by", 2, false, {t_array, t_expref}, fn_max_by},
    {"merge", 1, true, {t_object}, fn_merge},
    {"min", 1, false, {num_or_str_arrays}, fn_min},
    {"min_by", 2, false, {t_array, t_expref}, fn_min_by},
    {"not_null", 1, true, {t_any}, fn_not_null},
    {"reverse", 1, false, {t_array | t_string}, fn_reverse},
    {"sort", 1, false, {num_or_str_arrays}, fn_sort},
    {"sort_by", 2, false, {t_array, t_expref}, fn_sort_by},
    {"starts_with", 2, false, {t_string, t_string}, fn_starts_with},
    {"to_array", 1, false, {t_any}, fn_to_array},
    {"to_number", 1, false, {t_any}, fn_to_number},
    {"to_string", 1, false, {t_any}, fn_to_string},
    {"type", 1, false, {t_any}, fn_type},
    {"values", 1, false, {t_object}, fn_values},
};

void go_quote(std::string_view s, std::string& out) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '<':
        case '>':
        case '&':  // encoding/json escapes HTML by default
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 0xf]);
          break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xf]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::int32_t r = utf8::decode_one(s, i, len);
    if (r < 0) {
      out += "\\ufffd";
    } else if (r == 0x2028 || r == 0x2029) {
      out += r == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out.push_back('"');
}

}  // namespace

std::span<const function_def> builtin_functions() { return table; }

const function_def* find_function(std::string_view name) {
  for (auto t : {builtin_functions(), kyverno_functions(), coco_functions()}) {
    for (const function_def& f : t) {
      if (f.name == name) return &f;
    }
  }
  return nullptr;
}

std::string describe_types(std::uint16_t mask) {
  static const std::pair<std::uint16_t, const char*> names[] = {
      {t_null, "null"},   {t_bool, "boolean"},  {t_number, "number"},
      {t_string, "string"}, {t_array, "array"}, {t_object, "object"},
      {t_expref, "expref"}, {t_array_number, "array[number]"}, {t_array_string, "array[string]"},
  };
  if ((mask & t_any) == t_any) return (mask & t_expref) ? "any or expref" : "any";
  std::string out;
  for (const auto& [bit, name] : names) {
    if (!(mask & bit)) continue;
    if (!out.empty()) out += " or ";
    out += name;
  }
  return out;
}

void go_marshal(const value& v, std::string& out) {
  switch (v.type()) {
    case value::kind::null: out += "null"; return;
    case value::kind::boolean: out += v.as_bool() ? "true" : "false"; return;
    case value::kind::integer: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, v.as_int());
      out.append(buf, r.ptr);
      return;
    }
    case value::kind::number: json::append_number(v.as_double(), out); return;
    case value::kind::string: go_quote(v.as_string(), out); return;
    case value::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const value& x : v.as_array()) {
        if (!first) out.push_back(',');
        first = false;
        go_marshal(x, out);
      }
      out.push_back(']');
      return;
    }
    case value::kind::object: {
      // Go maps marshal with keys sorted bytewise.
      std::vector<const member*> ms;
      ms.reserve(v.as_object().size());
      for (const member& m : v.as_object()) ms.push_back(&m);
      std::sort(ms.begin(), ms.end(), [](const member* a, const member* b) { return a->key < b->key; });
      out.push_back('{');
      bool first = true;
      for (const member* m : ms) {
        if (!first) out.push_back(',');
        first = false;
        go_quote(m->key, out);
        out.push_back(':');
        go_marshal(m->val, out);
      }
      out.push_back('}');
      return;
    }
  }
}

std::size_t rune_count(std::string_view s) noexcept { return utf8::rune_count(s); }

}  // namespace coco_admit::jmespath::detail

namespace coco_admit::jmespath {

std::vector<std::string> function_names() {
  std::vector<std::string> out;
  for (auto t : {detail::builtin_functions(), detail::kyverno_functions(), detail::coco_functions()}) {
    for (const detail::function_def& f : t) out.emplace_back(f.name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace coco_admit::jmespath
