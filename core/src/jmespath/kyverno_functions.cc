// Kyverno's JMESPath functions (kyverno pkg/engine/jmespath: functions.go,
// arithmetic.go, ...), with Kyverno's argument types and Go's string/number
// semantics. Left out on purpose: time_now, time_now_utc and random (they read
// a clock or a random source, and every evaluation must be reproducible
// offline; time_since without its second timestamp is refused for the same
// reason), and x509_decode (its output is Go's x509.Certificate struct
// marshaled field by field, which we cannot reproduce faithfully).
#include <openssl/evp.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <unordered_map>

#include "coco-admit/core/duration.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/member_index.h"
#include "coco-admit/core/quantity.h"
#include "coco-admit/core/wildcard.h"
#include "coco-admit/core/yaml.h"
#include "jmespath/functions.h"
#include "go_time.h"
#include "jmespath/utf8.h"
#include "memo.h"

namespace coco_admit::jmespath::detail {
namespace {

// ---------------------------------------------------------------- helpers

/// Kyverno's ifaceToString: numbers use strconv.FormatFloat(f, 'f', -1, 32),
/// i.e. the shortest float32 digits in fixed notation.
bool iface_to_string(const value& v, std::string& out) {
  if (v.is_string()) {
    out = v.as_string();
    return true;
  }
  if (v.is_bool()) {
    out = v.as_bool() ? "true" : "false";
    return true;
  }
  if (v.is_number()) {
    char buf[64];
    auto f = static_cast<float>(v.as_double());
    if (!std::isfinite(f)) {
      out = std::isnan(f) ? "NaN" : (f > 0 ? "+Inf" : "-Inf");
      return true;
    }
    auto r = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::fixed);
    out.assign(buf, r.ptr);
    return true;
  }
  return false;
}

/// A cache of compiled regular expressions: policies reuse a handful of
/// constant patterns, and compiling per evaluation would dominate the cost.
/// Per thread, like every cache on the request path: no lock between workers.
std::shared_ptr<const RE2> compile_regex(const std::string& pattern, std::string& err) {
  thread_local std::unordered_map<std::string, std::shared_ptr<const RE2>> cache;
  if (auto it = cache.find(pattern); it != cache.end()) return it->second;
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const RE2>(pattern, opts);
  if (!re->ok()) {
    err = re->error();
    return nullptr;
  }
  if (cache.size() >= 256) cache.clear();  // bounded; patterns are few in practice
  cache.emplace(pattern, re);
  return re;
}

std::string ordinal(std::size_t i) { return std::to_string(i + 1); }

// ---------------------------------------------------------------- strings

result<value> fn_compare(call& c) {
  int r = c.arg(0).as_string().compare(c.arg(1).as_string());
  return value(r < 0 ? -1 : (r > 0 ? 1 : 0));
}

char ascii_lower(char ch) { return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch; }
char ascii_upper(char ch) { return (ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 'a' + 'A') : ch; }

result<value> fn_equal_fold(call& c) {
  const std::string& a = c.arg(0).as_string();
  const std::string& b = c.arg(1).as_string();
  if (a.size() != b.size()) return value(false);
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return value(false);
  }
  return value(true);
}

result<value> fn_to_upper(call& c) {
  std::string s = c.arg(0).as_string();
  std::transform(s.begin(), s.end(), s.begin(), ascii_upper);
  return value(std::move(s));
}

result<value> fn_to_lower(call& c) {
  std::string s = c.arg(0).as_string();
  std::transform(s.begin(), s.end(), s.begin(), ascii_lower);
  return value(std::move(s));
}

/// Go strings.Replace (n < 0: all).
result<value> go_replace(call& c, const std::string& s, const std::string& old, const std::string& with,
                         std::int64_t n) {
  if (old == with || n == 0) return value(s);
  std::int64_t m = 0;
  if (old.empty()) {
    m = static_cast<std::int64_t>(utf8::rune_count(s)) + 1;
  } else {
    for (std::size_t p = s.find(old); p != std::string::npos; p = s.find(old, p + old.size())) ++m;
  }
  if (m == 0) return value(s);
  if (n < 0 || m < n) n = m;
  std::size_t estimate = s.size() + static_cast<std::size_t>(n) * with.size();
  COCO_ADMIT_TRY(c.charge(estimate));
  std::string out;
  out.reserve(estimate);
  std::size_t start = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    std::size_t j = start;
    if (old.empty()) {
      if (i > 0) {
        std::size_t len = 1;
        utf8::decode_one(s, start, len);
        j += len;
      }
    } else {
      j = s.find(old, start);
    }
    out.append(s, start, j - start);
    out += with;
    start = j + old.size();
  }
  out.append(s, start, std::string::npos);
  return value(std::move(out));
}

result<value> fn_replace(call& c) {
  double n = c.arg(3).as_double();
  auto count = n >= 9.2e18 ? std::numeric_limits<std::int64_t>::max()
               : n <= -9.2e18 ? -1
                              : static_cast<std::int64_t>(n);
  return go_replace(c, c.arg(0).as_string(), c.arg(1).as_string(), c.arg(2).as_string(), count);
}

result<value> fn_replace_all(call& c) {
  return go_replace(c, c.arg(0).as_string(), c.arg(1).as_string(), c.arg(2).as_string(), -1);
}

/// Go strings.Trim: strips leading and trailing runes that are in `cutset`.
result<value> fn_trim(call& c) {
  const std::string& s = c.arg(0).as_string();
  std::vector<std::uint32_t> cut = utf8::decode(c.arg(1).as_string());
  auto in_cut = [&](std::uint32_t r) { return std::find(cut.begin(), cut.end(), r) != cut.end(); };
  std::vector<std::uint32_t> runes = utf8::decode(s);
  // Positions are tracked in bytes so invalid bytes survive untouched.
  std::vector<std::size_t> offsets;
  offsets.reserve(runes.size() + 1);
  for (std::size_t i = 0, len = 0; i < s.size(); i += len) {
    offsets.push_back(i);
    utf8::decode_one(s, i, len);
  }
  offsets.push_back(s.size());
  std::size_t b = 0, e = runes.size();
  while (b < e && in_cut(runes[b])) ++b;
  while (e > b && in_cut(runes[e - 1])) --e;
  return value(s.substr(offsets[b], offsets[e] - offsets[b]));
}

result<value> fn_trim_prefix(call& c) {
  const std::string& s = c.arg(0).as_string();
  const std::string& p = c.arg(1).as_string();
  if (s.rfind(p, 0) == 0) return value(s.substr(p.size()));
  return value(s);
}

result<value> fn_split(call& c) {
  const std::string& s = c.arg(0).as_string();
  const std::string& sep = c.arg(1).as_string();
  value::array_t out;
  if (sep.empty()) {
    for (std::size_t i = 0, len = 0; i < s.size(); i += len) {
      utf8::decode_one(s, i, len);
      out.emplace_back(s.substr(i, len));
    }
    return value(std::move(out));
  }
  std::size_t start = 0;
  for (std::size_t p = s.find(sep); p != std::string::npos; p = s.find(sep, start)) {
    out.emplace_back(s.substr(start, p - start));
    start = p + sep.size();
  }
  out.emplace_back(s.substr(start));
  return value(std::move(out));
}

result<value> fn_truncate(call& c) {
  const std::string& s = c.arg(0).as_string();
  double n = c.arg(1).as_double();
  if (!(n > 0)) return value(std::string());
  if (n >= static_cast<double>(s.size())) return value(s);
  return value(s.substr(0, static_cast<std::size_t>(n)));
}

result<value> fn_to_boolean(call& c) {
  std::string s = c.arg(0).as_string();
  std::transform(s.begin(), s.end(), s.begin(), ascii_lower);
  if (s == "true") return value(true);
  if (s == "false") return value(false);
  return c.invalid_value("cannot convert '" + c.arg(0).as_string() + "' to a boolean");
}

// ---------------------------------------------------------------- regex / wildcard

// A match is a pass of RE2's DFA over the whole subject, about 1.5 ns a byte: 450 us for the 290 KB policy.rego of
// a genpolicy initdata, 3 us for a hand-written one of 1.8 KB, and every pod of a namespace carries the same one,
// which a policy may search with several patterns. From this size on, where looking the answer up (hashing and
// comparing the key) costs a tenth of matching, the answers are kept per thread: by the whole subject, then by
// pattern (memo.h compares keys in full, so a kept answer is always the one a new match would give).
constexpr std::size_t kept_match_bytes = 512;

result<value> fn_regex_match(call& c) {
  std::string converted, err;
  std::string_view subject;
  if (c.arg(1).is_string()) {
    subject = c.arg(1).as_string_view();
  } else if (iface_to_string(c.arg(1), converted)) {
    subject = converted;
  } else {
    return c.invalid_type("argument 2 must be a string or a number");
  }
  const std::string& pattern = c.arg(0).as_string();
  auto re = compile_regex(pattern, err);
  if (!re) return c.invalid_value("invalid regular expression '" + pattern + "': " + err);
  const re2::StringPiece text(subject.data(), subject.size());
  if (subject.size() < kept_match_bytes) return value(RE2::PartialMatch(text, *re));
  // Keyed by the subject, each with the answers of the patterns met so far: the subject is looked up where it lies.
  using answers = std::vector<std::pair<std::string, bool>>;
  thread_local memo<answers> matched(8 << 20);  // as the initdata analyses: a few dozen genpolicy texts
  const answers* known = matched.find(subject);
  if (known != nullptr) {
    for (const auto& [p, m] : *known) {
      if (p == pattern) return value(m);
    }
  }
  const bool m = RE2::PartialMatch(text, *re);
  answers more = known != nullptr ? *known : answers();
  more.emplace_back(pattern, m);
  std::size_t bytes = 0;
  for (const auto& [p, ignored] : more) bytes += p.size() + 48;
  matched.put(subject, std::move(more), bytes);
  return value(m);
}

// Go's Regexp.Expand template syntax: $1, ${1}, $name, ${name}, $$.
void expand(const RE2& re, std::string_view tmpl, const std::vector<re2::StringPiece>& groups, std::string& out) {
  while (!tmpl.empty()) {
    auto d = tmpl.find('$');
    if (d == std::string_view::npos) break;
    out.append(tmpl.substr(0, d));
    tmpl.remove_prefix(d + 1);
    if (!tmpl.empty() && tmpl[0] == '$') {
      out.push_back('$');
      tmpl.remove_prefix(1);
      continue;
    }
    bool brace = !tmpl.empty() && tmpl[0] == '{';
    std::size_t i = brace ? 1 : 0;
    std::size_t name_start = i;
    while (i < tmpl.size() && (std::isalnum(static_cast<unsigned char>(tmpl[i])) || tmpl[i] == '_')) ++i;
    std::string_view name = tmpl.substr(name_start, i - name_start);
    if (name.empty() || (brace && (i >= tmpl.size() || tmpl[i] != '}'))) {
      out.push_back('$');  // malformed: the '$' is literal
      continue;
    }
    tmpl.remove_prefix(brace ? i + 1 : i);
    int num = -1;
    if (std::all_of(name.begin(), name.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      num = 0;
      for (char ch : name) {
        num = num * 10 + (ch - '0');
        if (num > 100000) break;
      }
    } else {
      auto it = re.NamedCapturingGroups().find(std::string(name));
      if (it != re.NamedCapturingGroups().end()) num = it->second;
    }
    if (num >= 0 && static_cast<std::size_t>(num) < groups.size() && groups[num].data() != nullptr) {
      out.append(groups[num].data(), groups[num].size());
    }
  }
  out.append(tmpl);
}

/// Go's Regexp.ReplaceAllString (literal = ReplaceAllLiteralString).
result<value> regex_replace(call& c, bool literal) {
  std::string src, repl, err;
  if (!iface_to_string(c.arg(1), src)) return c.invalid_type("argument 2 must be a string or a number");
  if (!iface_to_string(c.arg(2), repl)) return c.invalid_type("argument 3 must be a string or a number");
  auto re = compile_regex(c.arg(0).as_string(), err);
  if (!re) return c.invalid_value("invalid regular expression '" + c.arg(0).as_string() + "': " + err);
  int ngroups = re->NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<std::size_t>(ngroups));
  std::string out;
  std::size_t search = 0, last_end = 0;
  re2::StringPiece text(src);
  while (search <= src.size()) {
    if (!re->Match(text, search, src.size(), RE2::UNANCHORED, groups.data(), ngroups)) break;
    auto a0 = static_cast<std::size_t>(groups[0].data() - src.data());
    std::size_t a1 = a0 + groups[0].size();
    out.append(src, last_end, a0 - last_end);
    // No replacement for an empty match right after the previous match.
    if (a1 > last_end || a0 == 0) {
      if (literal) {
        out += repl;
      } else {
        expand(*re, repl, groups, out);
      }
    }
    last_end = a1;
    std::size_t width = 1;
    if (search < src.size()) utf8::decode_one(src, search, width);
    if (search + width > a1) {
      search += width;
    } else if (search + 1 > a1) {
      ++search;
    } else {
      search = a1;
    }
    COCO_ADMIT_TRY(c.charge(out.size()));
  }
  if (last_end < src.size()) out.append(src, last_end, std::string::npos);
  return value(std::move(out));
}
result<value> fn_regex_replace_all(call& c) { return regex_replace(c, false); }
result<value> fn_regex_replace_all_literal(call& c) { return regex_replace(c, true); }

result<value> fn_pattern_match(call& c) {
  std::string subject;
  if (!iface_to_string(c.arg(1), subject)) return c.invalid_type("argument 2 must be a string or a number");
  return value(wildcard::match(c.arg(0).as_string(), subject));
}

result<value> fn_label_match(call& c) {
  const value& selector = c.arg(0);
  const value& labels = c.arg(1);
  for (const member& m : selector.as_object()) {
    const value* v = labels.find(m.key);
    if (v == nullptr || *v != m.val) return value(false);
  }
  return value(true);
}

// ---------------------------------------------------------------- encodings

constexpr char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

result<value> fn_base64_encode(call& c) {
  const std::string& s = c.arg(0).as_string();
  std::string out;
  out.reserve((s.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    std::uint32_t n = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8) |
                      static_cast<unsigned char>(s[i + 2]);
    out.push_back(b64_alphabet[(n >> 18) & 63]);
    out.push_back(b64_alphabet[(n >> 12) & 63]);
    out.push_back(b64_alphabet[(n >> 6) & 63]);
    out.push_back(b64_alphabet[n & 63]);
  }
  if (i < s.size()) {
    std::uint32_t n = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < s.size()) n |= static_cast<unsigned char>(s[i + 1]) << 8;
    out.push_back(b64_alphabet[(n >> 18) & 63]);
    out.push_back(b64_alphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < s.size() ? b64_alphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return value(std::move(out));
}

/// Go's base64.StdEncoding.DecodeString: padding required, CR/LF ignored.
result<value> fn_base64_decode(call& c) {
  std::string in;
  for (char ch : c.arg(0).as_string()) {
    if (ch != '\r' && ch != '\n') in.push_back(ch);
  }
  auto bad = [&](std::size_t at) {
    return c.invalid_value("illegal base64 data at input byte " + std::to_string(at));
  };
  if (in.size() % 4 != 0) return bad(in.size() - in.size() % 4);
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (std::size_t i = 0; i < in.size(); i += 4) {
    std::uint32_t n = 0;
    int pad = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      char ch = in[i + k];
      int v;
      if (ch == '=') {
        if (i + 4 != in.size() || k < 2 || (k == 2 && in[i + 3] != '=')) return bad(i + k);
        ++pad;
        v = 0;
      } else {
        if (pad) return bad(i + k);
        const char* p = std::strchr(b64_alphabet, ch);
        if (ch == '\0' || p == nullptr) return bad(i + k);
        v = static_cast<int>(p - b64_alphabet);
      }
      n = (n << 6) | static_cast<std::uint32_t>(v);
    }
    out.push_back(static_cast<char>((n >> 16) & 0xff));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return value(std::move(out));
}

result<value> digest(call& c, const EVP_MD* md) {
  const std::string& s = c.arg(0).as_string();
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(s.data(), s.size(), buf, &len, md, nullptr) != 1) return c.failed("digest computation failed");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(hex[buf[i] >> 4]);
    out.push_back(hex[buf[i] & 0xf]);
  }
  return value(std::move(out));
}
result<value> fn_sha256(call& c) { return digest(c, EVP_sha256()); }
result<value> fn_sha1(call& c) { return digest(c, EVP_sha1()); }
result<value> fn_md5(call& c) { return digest(c, EVP_md5()); }

result<value> fn_parse_json(call& c) {
  // Policies parse ConfigMap values (a JSON list per namespace, ...) on every
  // request, and the text rarely changes: parsing is pure, so keep the result
  // per thread, keyed by the whole text (memo.h).
  thread_local memo<value> parsed(1 << 20);
  const std::string& text = c.arg(0).as_string();
  if (const value* hit = parsed.find(text)) return *hit;
  auto v = json::parse(text);
  if (!v.ok()) return c.invalid_value(v.err().message);
  // A parsed node costs at most ~24 bytes of memory per byte of JSON text ("[1,1,...]").
  return parsed.put(text, std::move(v).value(), 24 * text.size());
}

result<value> fn_parse_yaml(call& c) {
  const std::string& s = c.arg(0).as_string();
  if (s.find_first_not_of(" \t\r\n") == std::string::npos) return value();
  auto d = yaml::parse_one(s, "parse_yaml");
  if (!d.ok()) return c.invalid_value(d.err().message);
  return std::move(d->root);
}

// ---------------------------------------------------------------- collections

result<value> fn_items(call& c) {
  const value& in = c.arg(0);
  const std::string& key_name = c.arg(1).as_string();
  const std::string& val_name = c.arg(2).as_string();
  value::array_t out;
  if (in.is_object()) {
    std::vector<const member*> ms;
    for (const member& m : in.as_object()) ms.push_back(&m);
    std::sort(ms.begin(), ms.end(), [](const member* a, const member* b) { return a->key < b->key; });
    for (const member* m : ms) {
      value o = value::object();
      o.set(key_name, value(m->key));
      o.set(val_name, m->val);
      out.push_back(std::move(o));
    }
  } else {
    const auto& a = in.as_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
      value o = value::object();
      o.set(key_name, value(static_cast<double>(i)));
      o.set(val_name, a[i]);
      out.push_back(std::move(o));
    }
  }
  return value(std::move(out));
}

result<value> fn_object_from_lists(call& c) {
  const auto& keys = c.arg(0).as_array();
  const auto& vals = c.arg(1).as_array();
  object_builder out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    std::string k;
    if (!iface_to_string(keys[i], k)) {
      return c.invalid_type("key " + ordinal(i) + " must be a string, number or boolean");
    }
    out.set(k, i < vals.size() ? vals[i] : value());
  }
  return std::move(out).take();
}

result<value> fn_lookup(call& c) {
  const value& in = c.arg(0);
  const value& key = c.arg(1);
  if (in.is_object()) {
    if (!key.is_string()) return c.invalid_type("argument 2 must be a string to look up an object");
    const value* v = in.find(key.as_string());
    return v ? *v : value();
  }
  if (!key.is_number()) return c.invalid_type("argument 2 must be a number to look up an array");
  double d = key.as_double();
  if (d != std::trunc(d)) return c.invalid_value("an array index must be an integer");
  const auto& a = in.as_array();
  if (d < 0 || d >= static_cast<double>(a.size())) return value();
  return a[static_cast<std::size_t>(d)];
}

// ---------------------------------------------------------------- arithmetic

/// An arithmetic operand: a number, a Kubernetes quantity or a Go duration.
struct operand {
  enum { scalar, duration, quantity_kind } kind;
  double number = 0;
  std::int64_t nanos = 0;
  quantity q;
};

result<operand> to_operand(call& c, std::size_t i) {
  const value& v = c.arg(i);
  if (v.is_number()) return operand{operand::scalar, v.as_double(), 0, {}};
  if (v.is_string()) {
    // Kyverno tries resource.ParseQuantity before time.ParseDuration, so "1m"
    // is one milli-unit, not a minute.
    if (auto q = parse_quantity(v.as_string()); q.ok()) return operand{operand::quantity_kind, 0, 0, *q};
    if (may_be_go_duration(v.as_string_view())) {
      if (auto d = parse_go_duration(v.as_string_view()); d.ok()) return operand{operand::duration, 0, *d, {}};
    }
  }
  return c.invalid_type("argument " + ordinal(i) + " must be a number, a quantity or a duration");
}

value duration_value(std::int64_t nanos) { return value(format_go_duration(nanos)); }

/// Go's time.Duration(float64(d) * f), saturating instead of wrapping.
std::int64_t scale_duration(std::int64_t d, double f) {
  double r = static_cast<double>(d) * f;
  if (std::isnan(r)) return 0;
  if (r >= 9.2233720368547758e18) return std::numeric_limits<std::int64_t>::max();
  if (r <= -9.2233720368547758e18) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(r);
}

bool add_overflows(std::int64_t a, std::int64_t b, std::int64_t& out) { return __builtin_add_overflow(a, b, &out); }

enum class arith { add, subtract, multiply, divide, modulo };

result<value> arithmetic(call& c, arith op) {
  auto x = to_operand(c, 0);
  if (!x.ok()) return std::move(x).err();
  auto y = to_operand(c, 1);
  if (!y.ok()) return std::move(y).err();
  const operand& a = *x;
  const operand& b = *y;
  auto mismatch = [&] { return c.invalid_type("types mismatch"); };
  auto zero = [&] { return c.invalid_value("Zero divisor passed"); };
  bool aq = a.kind == operand::quantity_kind, bq = b.kind == operand::quantity_kind;
  if (aq || bq) {
    // Exact quantity sums/differences and quantity ratios; scaling or taking
    // the modulo of a quantity is refused rather than approximated.
    if (aq && bq && (op == arith::add || op == arith::subtract)) {
      return value(to_string(op == arith::add ? add(a.q, b.q) : subtract(a.q, b.q)));
    }
    if (aq && bq && op == arith::divide) {
      if (b.q.is_zero()) return zero();
      return value(to_double(a.q) / to_double(b.q));
    }
    if (aq && bq) {
      return error::unsupported("JMESPath function '" + std::string(c.name()) +
                                "': modulo of resource quantities is not supported");
    }
    if ((op == arith::multiply || op == arith::divide) &&
        (a.kind == operand::scalar || b.kind == operand::scalar)) {
      return error::unsupported("JMESPath function '" + std::string(c.name()) +
                                "': scaling a resource quantity by a number is not supported");
    }
    return mismatch();
  }
  bool as = a.kind == operand::scalar, bs = b.kind == operand::scalar;
  switch (op) {
    case arith::add:
    case arith::subtract: {
      if (as && bs) return value(op == arith::add ? a.number + b.number : a.number - b.number);
      if (as || bs) return mismatch();
      std::int64_t r;
      bool of = op == arith::add ? add_overflows(a.nanos, b.nanos, r) : __builtin_sub_overflow(a.nanos, b.nanos, &r);
      if (of) return c.invalid_value("duration overflow");
      return duration_value(r);
    }
    case arith::multiply:
      if (as && bs) return value(a.number * b.number);
      if (!as && bs) return duration_value(scale_duration(a.nanos, b.number));
      if (as && !bs) return duration_value(scale_duration(b.nanos, a.number));
      return mismatch();
    case arith::divide:
      if (as && bs) {
        if (b.number == 0) return zero();
        return value(a.number / b.number);
      }
      if (!as && !bs) {
        if (b.nanos == 0) return zero();
        return value(static_cast<double>(a.nanos) / static_cast<double>(b.nanos));
      }
      if (!as && bs) {
        if (b.number == 0) return zero();
        return duration_value(scale_duration(a.nanos, 1.0 / b.number));
      }
      return mismatch();
    case arith::modulo:
      if (as && bs) {
        if (a.number != std::trunc(a.number) || b.number != std::trunc(b.number) || std::fabs(a.number) > 9e18 ||
            std::fabs(b.number) > 9e18) {
          return c.invalid_value("Non-integer argument(s) passed for modulo");
        }
        auto i = static_cast<std::int64_t>(a.number), j = static_cast<std::int64_t>(b.number);
        if (j == 0) return zero();
        if (j == -1) return value(0.0);
        return value(static_cast<double>(i % j));
      }
      if (!as && !bs) {
        if (b.nanos == 0) return zero();
        if (b.nanos == -1) return duration_value(0);
        return duration_value(a.nanos % b.nanos);
      }
      return mismatch();
  }
  return mismatch();
}
result<value> fn_add(call& c) { return arithmetic(c, arith::add); }
result<value> fn_subtract(call& c) { return arithmetic(c, arith::subtract); }
result<value> fn_multiply(call& c) { return arithmetic(c, arith::multiply); }
result<value> fn_divide(call& c) { return arithmetic(c, arith::divide); }
result<value> fn_modulo(call& c) { return arithmetic(c, arith::modulo); }

result<value> fn_round(call& c) {
  double v = c.arg(0).as_double();
  double digits = c.arg(1).as_double();
  if (digits != std::trunc(digits)) return c.invalid_value("integer values are expected for the number of digits");
  if (digits < 0) return c.invalid_value("the number of digits must not be negative");
  double shift = std::pow(10.0, digits);
  return value(std::round(v * shift) / shift);
}

/// JMESPath's sum over numbers, extended as in Kyverno to quantities and
/// durations (an empty array is 0 as in the JMESPath specification).
result<value> fn_sum(call& c) {
  const auto& a = c.arg(0).as_array();
  if (std::all_of(a.begin(), a.end(), [](const value& x) { return x.is_number(); })) {
    double s = 0;
    for (const value& x : a) s += x.as_double();
    return value(s);
  }
  auto bad = [&] { return c.invalid_type("elements must all be numbers, all quantities or all durations"); };
  if (!std::all_of(a.begin(), a.end(), [](const value& x) { return x.is_string(); })) return bad();
  // Same kind for every element, decided by the first (as Kyverno's chained add()).
  if (auto first = parse_quantity(a[0].as_string()); first.ok()) {
    quantity total = *first;
    for (std::size_t i = 1; i < a.size(); ++i) {
      auto q = parse_quantity(a[i].as_string());
      if (!q.ok()) return bad();
      total = add(total, *q);
    }
    return value(to_string(total));
  }
  std::int64_t total = 0;
  for (const value& x : a) {
    if (parse_quantity(x.as_string()).ok()) return bad();
    auto d = parse_go_duration(x.as_string_view());
    if (!d.ok()) return bad();
    if (add_overflows(total, *d, total)) return c.invalid_value("duration overflow");
  }
  return duration_value(total);
}

// ---------------------------------------------------------------- semver (blang/semver v4)

struct semver {
  std::uint64_t major = 0, minor = 0, patch = 0;
  std::vector<std::string> pre;
};

bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool ident_ok(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-';
  });
}

bool parse_semver(std::string_view s, semver& v) {
  auto plus = s.find('+');
  if (plus != std::string_view::npos) {
    std::string_view build = s.substr(plus + 1);
    s = s.substr(0, plus);
    std::size_t start = 0;
    for (;;) {
      auto dot = build.find('.', start);
      if (!ident_ok(build.substr(start, dot == std::string_view::npos ? build.npos : dot - start))) return false;
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  auto dash = s.find('-');
  std::string_view core = s.substr(0, dash);
  if (dash != std::string_view::npos) {
    std::string_view pre = s.substr(dash + 1);
    std::size_t start = 0;
    for (;;) {
      auto dot = pre.find('.', start);
      std::string_view id = pre.substr(start, dot == std::string_view::npos ? pre.npos : dot - start);
      if (!ident_ok(id)) return false;
      bool numeric = std::all_of(id.begin(), id.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
      if (numeric && id.size() > 1 && id[0] == '0') return false;
      v.pre.emplace_back(id);
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  auto d1 = core.find('.');
  if (d1 == std::string_view::npos) return false;
  auto d2 = core.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return false;
  return parse_u64(core.substr(0, d1), v.major) && parse_u64(core.substr(d1 + 1, d2 - d1 - 1), v.minor) &&
         parse_u64(core.substr(d2 + 1), v.patch);
}

int compare_semver(const semver& a, const semver& b) {
  auto cmp = [](std::uint64_t x, std::uint64_t y) { return x < y ? -1 : (x > y ? 1 : 0); };
  if (int r = cmp(a.major, b.major)) return r;
  if (int r = cmp(a.minor, b.minor)) return r;
  if (int r = cmp(a.patch, b.patch)) return r;
  if (a.pre.empty() && b.pre.empty()) return 0;
  if (a.pre.empty()) return 1;
  if (b.pre.empty()) return -1;
  for (std::size_t i = 0; i < std::min(a.pre.size(), b.pre.size()); ++i) {
    const std::string& x = a.pre[i];
    const std::string& y = b.pre[i];
    bool xn = std::all_of(x.begin(), x.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    bool yn = std::all_of(y.begin(), y.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (xn && yn) {
      if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
      if (int r = x.compare(y)) return r < 0 ? -1 : 1;
    } else if (xn != yn) {
      return xn ? -1 : 1;
    } else if (int r = x.compare(y)) {
      return r < 0 ? -1 : 1;
    }
  }
  return cmp(a.pre.size(), b.pre.size());
}

/// blang's splitAndTrim, quirks included (parts of one byte are dropped).
std::vector<std::string> split_and_trim(const std::string& s) {
  std::vector<std::string> out;
  std::size_t last = 0;
  char last_char = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ' ' && last_char != '>' && last_char != '<' && last_char != '=') {
      if (i > 0 && last < i - 1) out.push_back(s.substr(last, i - last));
      last = i + 1;
    } else if (s[i] != ' ') {
      last_char = s[i];
    }
  }
  if (!s.empty() && last < s.size() - 1) out.push_back(s.substr(last));
  for (auto& p : out) p.erase(std::remove(p.begin(), p.end(), ' '), p.end());
  return out;
}

bool split_comparator(const std::string& s, std::string& op, std::string& ver) {
  auto i = std::find_if(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  if (i == s.end()) return false;
  op.assign(s.begin(), i);
  while (!op.empty() && op.back() == ' ') op.pop_back();
  while (!op.empty() && op.front() == ' ') op.erase(op.begin());
  ver.assign(i, s.end());
  return true;
}

std::string increment_part(const std::string& v, std::size_t part) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto d = v.find('.', start);
    parts.push_back(v.substr(start, d == std::string::npos ? std::string::npos : d - start));
    if (d == std::string::npos) break;
    start = d + 1;
  }
  if (part < parts.size()) {
    long long n = 0;
    std::from_chars(parts[part].data(), parts[part].data() + parts[part].size(), n);
    parts[part] = std::to_string(n + 1);
  }
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "." : "") + parts[i];
  return out;
}

/// blang's expandWildcardVersion for one comparator.
bool expand_wildcard(const std::string& part, std::vector<std::string>& out) {
  if (part.find('x') == std::string::npos) {
    out.push_back(part);
    return true;
  }
  std::string op, ver;
  if (!split_comparator(part, op, ver)) return false;
  std::size_t nparts = static_cast<std::size_t>(std::count(ver.begin(), ver.end(), '.')) + 1;
  std::string last = ver.substr(ver.rfind('.') == std::string::npos ? 0 : ver.rfind('.') + 1);
  int wildcard = last == "x" ? (nparts == 2 ? 2 : nparts == 3 ? 3 : 0) : 0;  // 2 minor, 3 patch
  std::string flat = ver;
  if (auto p = flat.find(".x.x"); p != std::string::npos) flat.replace(p, 4, ".x");
  if (auto p = flat.find(".x"); p != std::string::npos) flat.replace(p, 2, ".0");
  if (std::count(flat.begin(), flat.end(), '.') == 1) flat += ".0";
  std::string result_op;
  bool increment = false;
  if (op == ">") {
    result_op = ">=", increment = true;
  } else if (op == ">=") {
    result_op = ">=";
  } else if (op == "<") {
    result_op = "<";
  } else if (op == "<=") {
    result_op = "<", increment = true;
  } else if (op.empty() || op == "=" || op == "==") {
    out.push_back(">=" + flat);
    result_op = "<", increment = true;
  } else if (op == "!=" || op == "!") {
    out.push_back("<" + flat);
    result_op = ">=", increment = true;
  }
  std::string result_ver = flat;
  if (increment) {
    if (wildcard == 3) result_ver = increment_part(flat, 1);
    if (wildcard == 2) result_ver = increment_part(flat, 0);
  }
  out.push_back(result_op + result_ver);
  return true;
}

result<value> fn_semver_compare(call& c) {
  semver v;
  if (!parse_semver(c.arg(0).as_string(), v)) v = semver{};  // Kyverno ignores the parse error: 0.0.0
  const std::string& range = c.arg(1).as_string();
  auto bad = [&](const std::string& why) { return c.invalid_value("invalid semver range '" + range + "': " + why); };
  std::vector<std::string> parts = split_and_trim(range);
  std::vector<std::vector<std::string>> ors(1);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == "||") {
      if (i == 0) return bad("first element in range is '||'");
      ors.emplace_back();
    } else {
      ors.back().push_back(parts[i]);
    }
  }
  if (!parts.empty() && parts.back() == "||") return bad("last element in range is '||'");
  bool any = false;
  for (const auto& conj : ors) {
    std::vector<std::string> expanded;
    for (const auto& p : conj) {
      if (!expand_wildcard(p, expanded)) return bad("could not get version from '" + p + "'");
    }
    bool all = true;
    for (const auto& p : expanded) {
      std::string op, ver;
      if (!split_comparator(p, op, ver)) return bad("could not get version from '" + p + "'");
      semver want;
      if (!parse_semver(ver, want)) return bad("invalid version '" + ver + "'");
      int r = compare_semver(v, want);
      bool ok;
      if (op.empty() || op == "=" || op == "==") {
        ok = r == 0;
      } else if (op == "!" || op == "!=") {
        ok = r != 0;
      } else if (op == ">") {
        ok = r > 0;
      } else if (op == ">=") {
        ok = r >= 0;
      } else if (op == "<") {
        ok = r < 0;
      } else if (op == "<=") {
        ok = r <= 0;
      } else {
        return bad("invalid comparator '" + op + "'");
      }
      all = all && ok;
    }
    if (expanded.empty()) return bad("empty range");
    any = any || all;
  }
  return value(any);
}

// ---------------------------------------------------------------- paths, images, URLs

/// Go's filepath.Join(p) on Linux: Clean(p), or "" for "".
result<value> fn_path_canonicalize(call& c) {
  const std::string& p = c.arg(0).as_string();
  if (p.empty()) return value(std::string());
  bool rooted = p[0] == '/';
  std::vector<std::string_view> out;
  std::size_t dotdot_floor = 0;  // leading ".." of a relative path cannot be removed
  std::string_view rest = p;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (out.size() > dotdot_floor) {
        out.pop_back();
      } else if (!rooted) {
        out.push_back(part);
        ++dotdot_floor;
      }
      continue;
    }
    out.push_back(part);
  }
  std::string r = rooted ? "/" : "";
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i) r.push_back('/');
    r.append(out[i]);
  }
  if (r.empty()) r = ".";
  return value(std::move(r));
}

const RE2& reference_regex() {
  // github.com/distribution/reference grammar (regexp.go), anchored.
  static const RE2 re(
      R"(^((?:(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[(?:[a-fA-F0-9:]+)\])(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}))?$)");
  return re;
}

const RE2& name_regex() {
  static const RE2 re(
      R"(^(?:((?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[(?:[a-fA-F0-9:]+)\])(?::[0-9]+)?)/)?([a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*)$)");
  return re;
}

/// Kyverno's image_normalize: imageutils.GetImageInfo(image).String() with the
/// default configuration (default registry docker.io, registry mutation on).
result<value> fn_image_normalize(call& c) {
  std::string image = c.arg(0).as_string();
  auto slash = image.find('/');
  if (slash == std::string::npos) {
    image = "docker.io/" + image;
  } else {
    std::string first = image.substr(0, slash);
    std::string lower = first;
    std::transform(lower.begin(), lower.end(), lower.begin(), ascii_lower);
    if (first.find_first_of(".:") == std::string::npos && first != "localhost" && lower == first) {
      image = "docker.io/" + image;
    }
  }
  std::string name, tag, dig;
  if (!RE2::FullMatch(image, reference_regex(), &name, &tag, &dig)) {
    return c.invalid_value("bad image: " + c.arg(0).as_string() + ": invalid reference format");
  }
  if (name.size() > 255) return c.invalid_value("bad image: repository name must not be more than 255 characters");
  std::string domain, path;
  if (!RE2::FullMatch(name, name_regex(), &domain, &path)) {
    return c.invalid_value("bad image: " + c.arg(0).as_string() + ": invalid reference format");
  }
  std::string out = domain.empty() ? path : domain + "/" + path;
  if (!dig.empty()) return value(out + "@" + dig);
  return value(out + ":" + (tag.empty() ? std::string("latest") : tag));
}

/// Whether a URL's host is outside the cluster/host: not localhost and not a
/// loopback, private, link-local or unspecified IP literal. Host names are not
/// resolved (evaluation stays deterministic and offline).
result<value> fn_is_external_url(call& c) {
  const std::string& s = c.arg(0).as_string();
  auto scheme_end = s.find("://");
  if (scheme_end == std::string::npos || scheme_end == 0) return value(false);
  std::string_view rest = std::string_view(s).substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  std::string host;
  if (!rest.empty() && rest[0] == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return value(false);
    host = std::string(rest.substr(1, close - 1));
  } else {
    host = std::string(rest.substr(0, rest.find(':')));
  }
  std::transform(host.begin(), host.end(), host.begin(), ascii_lower);
  if (host.empty()) return value(false);
  if (host == "localhost" || (host.size() > 10 && host.compare(host.size() - 10, 10, ".localhost") == 0)) {
    return value(false);
  }
  unsigned a, b, cc, d;
  char tail;
  if (std::sscanf(host.c_str(), "%u.%u.%u.%u%c", &a, &b, &cc, &d, &tail) == 4 && a < 256 && b < 256 && cc < 256 &&
      d < 256) {
    bool internal = a == 0 || a == 10 || a == 127 || (a == 169 && b == 254) || (a == 172 && b >= 16 && b < 32) ||
                    (a == 192 && b == 168);
    return value(!internal);
  }
  if (host.find(':') != std::string::npos) {
    bool internal = host == "::" || host == "::1" || host.rfind("fe8", 0) == 0 || host.rfind("fe9", 0) == 0 ||
                    host.rfind("fea", 0) == 0 || host.rfind("feb", 0) == 0 || host.rfind("fc", 0) == 0 ||
                    host.rfind("fd", 0) == 0;
    return value(!internal);
  }
  return value(true);
}

// ---------------------------------------------------------------- time (Kyverno's time.go)

// getTimeArg for the first N arguments, in order (the first that is no RFC 3339 time is the error).
template <std::size_t N>
result<std::array<go_time::instant, N>> time_args(call& c) {
  std::array<go_time::instant, N> out;
  std::string why;
  for (std::size_t i = 0; i < N; ++i) {
    if (!go_time::parse(go_time::rfc3339, c.arg(i).as_string_view(), out[i], why)) return c.invalid_value(why);
  }
  return out;
}

// getDurationArg: an argument read with time.ParseDuration.
result<std::int64_t> duration_arg(call& c, std::size_t i) {
  auto d = parse_go_duration(c.arg(i).as_string_view());
  if (!d.ok()) return c.invalid_value(d.err().message);
  return *d;
}

// A time and a duration to a time: time_add (t.Add(d)) and time_truncate (t.Truncate(d)), in RFC 3339.
template <go_time::instant (*op)(const go_time::instant&, std::int64_t) noexcept>
result<value> time_and_duration(call& c) {
  auto t = time_args<1>(c);
  if (!t.ok()) return t.err();
  auto d = duration_arg(c, 1);
  if (!d.ok()) return d.err();
  return value(go_time::format_rfc3339(op((*t)[0], *d)));
}

result<value> fn_time_after(call& c) {
  auto t = time_args<2>(c);
  if (!t.ok()) return t.err();
  return value(go_time::compare((*t)[0], (*t)[1]) > 0);
}

result<value> fn_time_before(call& c) {
  auto t = time_args<2>(c);
  if (!t.ok()) return t.err();
  return value(go_time::compare((*t)[0], (*t)[1]) < 0);
}

// Strictly between: t.After(start) && t.Before(end).
result<value> fn_time_between(call& c) {
  auto t = time_args<3>(c);
  if (!t.ok()) return t.err();
  return value(go_time::compare((*t)[0], (*t)[1]) > 0 && go_time::compare((*t)[0], (*t)[2]) < 0);
}

// t2.Sub(t1).String()
result<value> fn_time_diff(call& c) {
  auto t = time_args<2>(c);
  if (!t.ok()) return t.err();
  return duration_value(go_time::sub((*t)[1], (*t)[0]));
}

// time.Parse(layout, ts) in RFC 3339.
result<value> fn_time_parse(call& c) {
  go_time::instant t;
  std::string why;
  if (!go_time::parse(c.arg(0).as_string_view(), c.arg(1).as_string_view(), t, why)) return c.invalid_value(why);
  return value(go_time::format_rfc3339(t));
}

// The duration from ts1 to ts2, both read with the layout (RFC 3339 when it is empty). Kyverno takes an empty ts2
// as now, which would make the answer depend on when it is asked: refused, with the reason (after ts1 is read, so
// a bad ts1 is the error Kyverno gives).
result<value> fn_time_since(call& c) {
  const std::string_view layout = c.arg(0).as_string_view().empty() ? go_time::rfc3339 : c.arg(0).as_string_view();
  go_time::instant t1, t2;
  std::string why;
  if (!go_time::parse(layout, c.arg(1).as_string_view(), t1, why)) return c.invalid_value(why);
  if (c.arg(2).as_string_view().empty()) {
    return c.failed("the second time is empty, and Kyverno would read the clock for it: coco-admit reads no clock, "
                    "so that every evaluation can be reproduced offline; pass both times");
  }
  if (!go_time::parse(layout, c.arg(2).as_string_view(), t2, why)) return c.invalid_value(why);
  return duration_value(go_time::sub(t2, t1));
}

// "minute hour day month weekday" of the time in UTC.
result<value> fn_time_to_cron(call& c) {
  auto t = time_args<1>(c);
  if (!t.ok()) return t.err();
  const go_time::civil_time u = go_time::civil_of(go_time::in_utc((*t)[0]));
  return value(std::to_string(u.minute) + " " + std::to_string(u.hour) + " " + std::to_string(u.day) + " " +
               std::to_string(u.month) + " " + std::to_string(u.weekday));
}

result<value> fn_time_utc(call& c) {
  auto t = time_args<1>(c);
  if (!t.ok()) return t.err();
  return value(go_time::format_rfc3339(go_time::in_utc((*t)[0])));
}

constexpr std::uint16_t str_or_num = t_string | t_number;

const function_def table[] = {
    {"add", 2, false, {t_any, t_any}, fn_add},
    {"base64_decode", 1, false, {t_string}, fn_base64_decode},
    {"base64_encode", 1, false, {t_string}, fn_base64_encode},
    {"compare", 2, false, {t_string, t_string}, fn_compare},
    {"divide", 2, false, {t_any, t_any}, fn_divide},
    {"equal_fold", 2, false, {t_string, t_string}, fn_equal_fold},
    {"image_normalize", 1, false, {t_string}, fn_image_normalize},
    {"is_external_url", 1, false, {t_string}, fn_is_external_url},
    {"items", 3, false, {t_object | t_array, t_string, t_string}, fn_items},
    {"label_match", 2, false, {t_object, t_object}, fn_label_match},
    {"lookup", 2, false, {t_object | t_array, t_string | t_number}, fn_lookup},
    {"md5", 1, false, {t_string}, fn_md5},
    {"modulo", 2, false, {t_any, t_any}, fn_modulo},
    {"multiply", 2, false, {t_any, t_any}, fn_multiply},
    {"object_from_lists", 2, false, {t_array, t_array}, fn_object_from_lists},
    {"parse_json", 1, false, {t_string}, fn_parse_json},
    {"parse_yaml", 1, false, {t_string}, fn_parse_yaml},
    {"path_canonicalize", 1, false, {t_string}, fn_path_canonicalize},
    {"pattern_match", 2, false, {t_string, str_or_num}, fn_pattern_match},
    {"regex_match", 2, false, {t_string, str_or_num}, fn_regex_match},
    {"regex_replace_all", 3, false, {t_string, str_or_num, str_or_num}, fn_regex_replace_all},
    {"regex_replace_all_literal", 3, false, {t_string, str_or_num, str_or_num}, fn_regex_replace_all_literal},
    {"replace", 4, false, {t_string, t_string, t_string, t_number}, fn_replace},
    {"replace_all", 3, false, {t_string, t_string, t_string}, fn_replace_all},
    {"round", 2, false, {t_number, t_number}, fn_round},
    {"semver_compare", 2, false, {t_string, t_string}, fn_semver_compare},
    {"sha1", 1, false, {t_string}, fn_sha1},
    {"sha256", 1, false, {t_string}, fn_sha256},
    {"split", 2, false, {t_string, t_string}, fn_split},
    {"subtract", 2, false, {t_any, t_any}, fn_subtract},
    {"sum", 1, false, {t_array}, fn_sum},
    {"time_add", 2, false, {t_string, t_string}, time_and_duration<go_time::add>},
    {"time_after", 2, false, {t_string, t_string}, fn_time_after},
    {"time_before", 2, false, {t_string, t_string}, fn_time_before},
    {"time_between", 3, false, {t_string, t_string, t_string}, fn_time_between},
    {"time_diff", 2, false, {t_string, t_string}, fn_time_diff},
    {"time_parse", 2, false, {t_string, t_string}, fn_time_parse},
    {"time_since", 3, false, {t_string, t_string, t_string}, fn_time_since},
    {"time_to_cron", 1, false, {t_string}, fn_time_to_cron},
    {"time_truncate", 2, false, {t_string, t_string}, time_and_duration<go_time::truncate>},
    {"time_utc", 1, false, {t_string}, fn_time_utc},
    {"to_boolean", 1, false, {t_string}, fn_to_boolean},
    {"to_lower", 1, false, {t_string}, fn_to_lower},
    {"to_upper", 1, false, {t_string}, fn_to_upper},
    {"trim", 2, false, {t_string, t_string}, fn_trim},
    {"trim_prefix", 2, false, {t_string, t_string}, fn_trim_prefix},
    {"truncate", 2, false, {t_string, t_number}, fn_truncate},
};

}  // namespace

std::span<const function_def> kyverno_functions() { return table; }

}  // namespace coco_admit::jmespath::detail
