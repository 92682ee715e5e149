#include "coco-admit/core/json.h"

#include <charconv>
#include <cmath>
#include <simdjson.h>

#include <string_view>
#include <unordered_map>

namespace coco_admit::json {
namespace {

result<value> convert(const simdjson::dom::element& e, std::size_t depth) {
  if (depth > max_depth) {
    return error::budget("JSON nesting deeper than " + std::to_string(max_depth) + " levels");
  }
  using t = simdjson::dom::element_type;
  switch (e.type()) {
    case t::NULL_VALUE: return value();
    case t::BOOL: return value(bool(e.get_bool().value_unsafe()));
    case t::INT64: return value(static_cast<long long>(e.get_int64().value_unsafe()));
    case t::UINT64: {
      // Beyond int64: keep as double, as Go's float64 decoding would.
      return value(static_cast<double>(e.get_uint64().value_unsafe()));
    }
    case t::DOUBLE: return value(e.get_double().value_unsafe());
    case t::STRING: return value(std::string(e.get_string().value_unsafe()));
    case t::ARRAY: {
      value::array_t out;
      simdjson::dom::array a = e.get_array().value_unsafe();
      out.reserve(a.size());
      for (simdjson::dom::element child : a) {
        auto c = convert(child, depth + 1);
        if (!c.ok()) return std::move(c).err();
        out.push_back(std::move(c).value());
      }
      return value(std::move(out));
    }
    case t::OBJECT: {
      value::object_t out;
      simdjson::dom::object o = e.get_object().value_unsafe();
      out.reserve(o.size());
      // Duplicate keys: the last one wins, as in Go's encoding/json. Small
      // objects (all real ones) are scanned; past that a hash index keeps a
      // request with 200,000 annotations linear (the scan took minutes).
      constexpr std::size_t scan_limit = 32;
      std::unordered_map<std::string_view, std::size_t> index;
      if (o.size() > scan_limit) index.reserve(o.size());
      for (auto field : o) {
        auto c = convert(field.value, depth + 1);
        if (!c.ok()) return std::move(c).err();
        std::string_view k = field.key;
        member* twin = nullptr;
        if (o.size() > scan_limit) {
          // Keys are views into the parser's buffer, which outlives this call.
          auto [it, fresh] = index.emplace(k, out.size());
          if (!fresh) twin = &out[it->second];
        } else {
          for (member& m : out) {
            if (m.key.size() == k.size() && m.key == k) {
              twin = &m;
              break;
            }
          }
        }
        if (twin != nullptr) twin->val = std::move(c).value();
        else out.push_back(member{std::string(k), std::move(c).value()});
      }
      return value(std::move(out));
    }
  }
  return error::internal("unknown simdjson element type");
}

void write(const value& v, std::string& out, int indent, int level) {
  auto newline = [&](int lvl) {
    if (indent < 0) return;
    out.push_back('\n');
    out.append(static_cast<std::size_t>(indent * lvl), ' ');
  };
  switch (v.type()) {
    case value::kind::null: out += "null"; return;
    case value::kind::boolean: out += v.as_bool() ? "true" : "false"; return;
    case value::kind::integer: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, v.as_int());
      out.append(buf, r.ptr);
      return;
    }
    case value::kind::number: append_number(v.as_double(), out); return;
    case value::kind::string: append_quoted(v.as_string(), out); return;
    case value::kind::array: {
      const auto& a = v.as_array();
      out.push_back('[');
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i) out.push_back(',');
        newline(level + 1);
        write(a[i], out, indent, level + 1);
      }
      if (!a.empty()) newline(level);
      out.push_back(']');
      return;
    }
    case value::kind::object: {
      const auto& o = v.as_object();
      out.push_back('{');
      for (std::size_t i = 0; i < o.size(); ++i) {
        if (i) out.push_back(',');
        newline(level + 1);
        append_quoted(o[i].key, out);
        out.push_back(':');
        if (indent >= 0) out.push_back(' ');
        write(o[i].val, out, indent, level + 1);
      }
      if (!o.empty()) newline(level);
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

result<value> parse(simdjson::dom::parser& parser, std::string_view text) {
  simdjson::dom::element root;
  auto err = parser.parse(text.data(), text.size(), true).get(root);
  if (err) {
    return error::invalid(std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  return convert(root, 0);
}

result<value> parse(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  return parse(parser, text);
}

result<value> from_element(const simdjson::dom::element& e) { return convert(e, 0); }

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid
// (overlong forms, surrogates and code points past U+10FFFF are invalid).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
  }
  if (n == 3 && ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) >= 0xA0))) return 0;
  if (n == 4 && ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) >= 0x90))) return 0;
  return n;
}

void append_quoted(std::string_view s, std::string& out) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // Go's encoding/json: invalid UTF-8 becomes U+FFFD, and U+2028/U+2029
      // are escaped, so every response is valid JSON whatever a message quotes.
      std::size_t n = utf8_sequence(s, i);
      if (n == 0) {
        out += "\\ufffd";
        continue;
      }
      if (n == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
          (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
        out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      } else {
        out.append(s.substr(i, n));
      }
      i += n - 1;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 0xf]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void append_number(double d, std::string& out) {
  if (!std::isfinite(d)) {  // JSON has no NaN/Inf; Go refuses them, we write null.
    out += "null";
    return;
  }
  char buf[64];
  double a = std::fabs(d);
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string s(buf, r.ptr);
    // Go writes e-07 as e-07 -> "e-7"; to_chars already omits leading zeros
    // beyond two digits, so strip a single leading zero of the exponent.
    auto e = s.find('e');
    if (e != std::string::npos && e + 2 < s.size() && s[e + 2] == '0' && e + 3 < s.size()) {
      s.erase(e + 2, 1);
    }
    out += s;
    return;
  }
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  out.append(buf, r.ptr);
}

void serialize_to(const value& v, std::string& out) { write(v, out, -1, 0); }

std::string serialize(const value& v) {
  std::string out;
  serialize_to(v, out);
  return out;
}

std::string serialize_pretty(const value& v) {
  std::string out;
  write(v, out, 2, 0);
  return out;
}

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out.push_back(c);
  }
  return out;
}

namespace {
template <class V>
V* walk(V& root, std::string_view pointer) {
  if (pointer.empty()) return &root;
  if (pointer[0] != '/') return nullptr;
  V* cur = &root;
  std::size_t pos = 1;
  while (true) {
    std::size_t next = pointer.find('/', pos);
    std::string_view raw = pointer.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token.push_back(raw[i + 1] == '0' ? '~' : '/');
        ++i;
      } else {
        token.push_back(raw[i]);
      }
    }
    if (cur->is_object()) {
      cur = cur->find(token);
      if (cur == nullptr) return nullptr;
    } else if (cur->is_array()) {
      std::size_t idx = 0;
      auto r = std::from_chars(token.data(), token.data() + token.size(), idx);
      if (token.empty() || r.ec != std::errc() || r.ptr != token.data() + token.size()) return nullptr;
      auto& arr = cur->as_array();
      if (idx >= arr.size()) return nullptr;
      cur = &arr[idx];
    } else {
      return nullptr;
    }
    if (next == std::string_view::npos) return cur;
    pos = next + 1;
  }
}
}  // namespace

const value* at_pointer(const value& root, std::string_view pointer) { return walk(root, pointer); }
value* at_pointer(value& root, std::string_view pointer) { return walk(root, pointer); }

}  // namespace coco_admit::json
