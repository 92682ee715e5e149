// Kyverno validate.pattern: validate.go (MatchPattern, validateResourceElement,
// validateMap, validateArray, validateArrayOfMaps), anchor/*.go (anchor handlers,
// AnchorMap), pattern/pattern.go (Validate) and wildcards.ExpandInMetadata.
//
// Kyverno decides "skip" by searching error *messages* for the anchor error
// prefixes; we carry the same decision as an explicit error kind instead, so a
// resource value that happens to contain those words cannot turn a failure
// into a skip.
#include "coco-admit/core/pattern.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coco-admit/core/duration.h"
#include "coco-admit/core/quantity.h"
#include "coco-admit/core/value_view.h"
#include "coco-admit/core/wildcard.h"
#include "go_text.h"

namespace coco_admit::pattern {

// ---- anchors ---------------------------------------------------------------------------

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim_space(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}
}  // namespace

anchor parse_anchor(std::string_view key) noexcept {
  // Most keys are plain: an anchor ends in ')' once trailing spaces are trimmed.
  if (key.empty() || (key.back() != ')' && !is_space(key.back()))) return {};
  std::string_view s = trim_space(key);
  anchor a;
  if (s.size() < 3 || s.back() != ')') return a;
  anchor_kind kind = anchor_kind::condition;
  std::size_t open = 0;
  if (s[0] != '(') {
    switch (s[0]) {
      case '+': kind = anchor_kind::add_if_not_present; break;
      case '<': kind = anchor_kind::global; break;
      case '=': kind = anchor_kind::equality; break;
      case 'X': kind = anchor_kind::negation; break;
      case '^': kind = anchor_kind::existence; break;
      default: return a;
    }
    open = 1;
    if (s.size() < 4 || s[1] != '(') return a;
  }
  a.kind = kind;
  a.key = s.substr(open + 1, s.size() - open - 2);
  return a;
}

// ---- scalar validation (pattern.go) -------------------------------------------------------

namespace {

enum class cmp_op { eq, ne, gt, lt, ge, le };

// convertNumberToString, with bools stringified and null not convertible. The text
// is a view: of the string itself, of `buf` for integers and bools, or of `spill`
// for floats (the only case that allocates).
bool value_text(const value& v, char (&buf)[24], std::string& spill, std::string_view& out) {
  switch (v.type()) {
    case value::kind::string: out = v.as_string_view(); return true;
    case value::kind::integer: {
      auto r = std::to_chars(buf, buf + sizeof buf, v.as_int());
      out = std::string_view(buf, static_cast<std::size_t>(r.ptr - buf));
      return true;
    }
    case value::kind::number:
      spill = go::format_float_e(v.as_double());
      out = spill;
      return true;
    case value::kind::boolean: out = v.as_bool() ? "true" : "false"; return true;
    default: return false;
  }
}

template <class T>
bool apply_op(cmp_op op, const T& a, const T& b) {
  switch (op) {
    case cmp_op::eq: return a == b;
    case cmp_op::ne: return !(a == b);
    case cmp_op::gt: return b < a;
    case cmp_op::lt: return a < b;
    case cmp_op::ge: return !(a < b);
    case cmp_op::le: return !(b < a);
  }
  return false;
}

// Byte classes for the pre-checks below.
constexpr std::uint8_t quantity_byte = 2, operator_byte = 4;
constexpr auto byte_classes = [] {
  std::array<std::uint8_t, 256> t{};
  // Bytes that split a string pattern into alternatives, conditions or a range.
  for (char c : std::string_view("|&-")) t[static_cast<unsigned char>(c)] |= operator_byte;
  for (char c = '0'; c <= '9'; ++c) t[static_cast<unsigned char>(c)] = quantity_byte;
  t['.'] = quantity_byte;
  // k8s quantity: [+-]?[0-9.]+ then suffix [eEinumkKMGTP]* [-+]? [0-9]*.
  for (char c : std::string_view("+-eEinumkKMGTP")) t[static_cast<unsigned char>(c)] |= quantity_byte;
  return t;
}();

bool only_bytes(std::string_view s, std::uint8_t cls) {
  for (char c : s) {
    if ((byte_classes[static_cast<unsigned char>(c)] & cls) == 0) return false;
  }
  return true;
}

// A necessary condition for parse_quantity to succeed (as may_be_go_duration is for
// parse_go_duration), so the common wildcard operands ("?*", "*:latest") skip the
// parser and the error string its failure would build: ParseQuantity's grammar
// (parseQuantityString) only ever consumes the quantity bytes above.
bool may_be_quantity(std::string_view s) { return !s.empty() && only_bytes(s, quantity_byte); }

// `s` is the resource value's text (value_text).
bool validate_string(std::string_view s, std::string_view pat, cmp_op op) {
  if (may_be_go_duration(pat) && may_be_go_duration(s)) {
    if (auto pd = parse_go_duration(pat); pd.ok()) {
      if (auto vd = parse_go_duration(s); vd.ok()) return apply_op(op, *vd, *pd);
    }
  }
  if (may_be_quantity(pat) && may_be_quantity(s)) {
    if (auto pq = parse_quantity(pat); pq.ok()) {
      if (auto vq = parse_quantity(s); vq.ok()) return apply_op(op, compare(*vq, *pq), 0);
    }
  }
  if (op == cmp_op::eq) return wildcard::match(pat, s);
  if (op == cmp_op::ne) return !wildcard::match(pat, s);
  return false;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// ^(\d+(\.\d+)?)([^-]*)-(\d+(\.\d+)?)([^-]*)$ and the "!-" variant: exactly one '-',
// both endpoints starting with a digit. Returns the endpoints Kyverno splits out.
bool split_range(std::string_view p, bool negated, std::string_view& left, std::string_view& right) {
  auto dash = p.find('-');
  if (dash == std::string_view::npos || p.find('-', dash + 1) != std::string_view::npos) return false;
  std::size_t left_end = dash;
  if (negated) {
    if (dash == 0 || p[dash - 1] != '!') return false;
    left_end = dash - 1;
  }
  left = p.substr(0, left_end);
  right = p.substr(dash + 1);
  return !left.empty() && is_digit(left[0]) && !right.empty() && is_digit(right[0]);
}

bool validate_string_pattern(std::string_view v, std::string_view pat) {
  // GetOperatorFromStringPattern
  if (pat.size() >= 2) {
    auto rest = [&](std::size_t n) { return trim_space(pat.substr(n)); };
    if (pat.substr(0, 2) == ">=") return validate_string(v, rest(2), cmp_op::ge);
    if (pat.substr(0, 2) == "<=") return validate_string(v, rest(2), cmp_op::le);
    if (pat[0] == '>') return validate_string(v, rest(1), cmp_op::gt);
    if (pat[0] == '<') return validate_string(v, rest(1), cmp_op::lt);
    if (pat[0] == '!') return validate_string(v, rest(1), cmp_op::ne);
    std::string_view left, right;
    if (split_range(pat, true, left, right)) {
      return validate_string(v, left, cmp_op::lt) || validate_string(v, right, cmp_op::gt);
    }
    if (split_range(pat, false, left, right)) {
      return validate_string(v, left, cmp_op::ge) && validate_string(v, right, cmp_op::le);
    }
  }
  return validate_string(v, trim_space(pat), cmp_op::eq);
}

std::string_view trim_blanks(std::string_view s) {  // strings.Trim(s, " ")
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Most patterns ("?*", "*:*", "registry.io/*") are a single equality operand: no '|', '&' or '-' to split on, no
// leading operator, nothing to trim.
bool is_single_operand(std::string_view pat) {
  return !pat.empty() && !is_space(pat.front()) && !is_space(pat.back()) && pat.front() != '<' &&
         pat.front() != '>' && pat.front() != '!' && std::none_of(pat.begin(), pat.end(), [](char c) {
           return (byte_classes[static_cast<unsigned char>(c)] & operator_byte) != 0;
         });
}

bool validate_string_patterns(const value& val, const std::string& pat) {
  if (val.is_string() && val.as_string_view() == pat) return true;
  // Every operand below compares the resource's text, and a value without one
  // (null, map, list) fails them all.
  char buf[24];
  std::string spill;
  std::string_view v;
  if (!value_text(val, buf, spill, v)) return false;
  // One byte scan then replaces the splitting below, which would reach the same call.
  if (is_single_operand(pat)) return validate_string(v, pat, cmp_op::eq);
  std::string_view all(pat);
  std::size_t start = 0;
  for (;;) {
    auto bar = all.find('|', start);
    std::string_view alt = trim_blanks(all.substr(start, bar == std::string_view::npos ? bar : bar - start));
    bool ok = true;
    std::size_t s2 = 0;
    for (;;) {
      auto amp = alt.find('&', s2);
      std::string_view cond = trim_blanks(alt.substr(s2, amp == std::string_view::npos ? amp : amp - s2));
      if (!validate_string_pattern(v, cond)) {
        ok = false;
        break;
      }
      if (amp == std::string_view::npos) break;
      s2 = amp + 1;
    }
    if (ok) return true;
    if (bar == std::string_view::npos) return false;
    start = bar + 1;
  }
}

// validateFloatPattern: Kyverno patterns are JSON-decoded, so every number is a float64.
bool validate_number_pattern(const value& v, double p) {
  switch (v.type()) {
    case value::kind::integer:
      return p == std::trunc(p) && go::float_to_int64(p) == v.as_int();
    case value::kind::number: return v.as_double() == p;
    case value::kind::string: {
      double f = 0;
      return go::parse_float(v.as_string_view(), f) && f == p;
    }
    default: return false;
  }
}

bool validate_nil_pattern(const value& v) {
  switch (v.type()) {
    case value::kind::null: return true;
    case value::kind::integer: return v.as_int() == 0;
    case value::kind::number: return v.as_double() == 0;
    case value::kind::string: return v.as_string_view().empty();
    case value::kind::boolean: return !v.as_bool();
    default: return false;
  }
}

}  // namespace

bool match_scalar(const value& v, const value& p) {
  switch (p.type()) {
    case value::kind::boolean: return v.is_bool() && v.as_bool() == p.as_bool();
    case value::kind::integer:
    case value::kind::number: return validate_number_pattern(v, p.as_double());
    case value::kind::null: return validate_nil_pattern(v);
    case value::kind::object: return v.is_object();
    case value::kind::string: return validate_string_patterns(v, p.as_string());
    case value::kind::array: return false;  // "arrays are not supported as patterns"
  }
  return false;
}

// ---- structural walk (validate.go) ------------------------------------------------------------

namespace {

enum class err_kind { plain, conditional, global, negation };

bool is_skip(err_kind k) { return k == err_kind::conditional || k == err_kind::global; }

struct perr {
  std::string msg;
  std::string path;
  err_kind kind = err_kind::plain;
  bool skips() const { return is_skip(kind); }
};
using verr = std::optional<perr>;

// Which error texts the caller of a walk step will read. Texts never steer the
// walk (only error kinds do), so a step whose error will be dropped skips
// building them; the walk then allocates nothing unless a text is kept.
enum class detail : std::uint8_t {
  full,      ///< every text (the top level, skip reasons included)
  failures,  ///< texts of hard failures only: a skip will be dropped (array of maps, after an element applied)
  none,      ///< no text at all: only whether it failed (existence anchors, inside a dropped skip)
};

bool wants_text(detail d, err_kind k) { return d == detail::full || (d == detail::failures && !is_skip(k)); }

// One step of the path from the root to the element being matched: a key or a
// list index. Nodes live in the frames of the recursive walk, so tracking the
// path costs no allocation; Kyverno's path string ("/spec/containers/0/image/")
// is built from them only for an error text.
struct path_node {
  const path_node* parent = nullptr;
  std::string_view key;
  std::size_t index = 0;
  bool is_index = false;

  static path_node child(const path_node* parent, std::string_view key) { return {parent, key, 0, false}; }
  static path_node item(const path_node* parent, std::size_t index) { return {parent, {}, index, true}; }
};

// Recursion is bounded by the walk's depth, which max_depth bounds.
void append_path(std::string& out, const path_node* n) {
  if (n == nullptr) {
    out += '/';
    return;
  }
  append_path(out, n->parent);
  if (n->is_index) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, n->index);
    out.append(buf, static_cast<std::size_t>(r.ptr - buf));
  } else {
    out.append(n->key);
  }
  out += '/';
}

std::string path_text(const path_node* n) {
  std::string s;
  append_path(s, n);
  return s;
}

// The resource side is a view (value_view.h): its texts and type names are only needed for error texts.
std::string quote_v(const value_view& v) {
  if (const value* x = v.as_value()) return go::sprint_resource(*x);
  return go::sprint_resource(v.to_value());
}

const char* type_name(const value_view& v) {
  if (const value* x = v.as_value()) return go::type_name(*x);
  return go::type_name(v.to_value());
}

// `ahead` is pat's preparation, if any: a plain wildcard matches a string by the wildcard alone, which is what
// match_scalar comes to for it after checking the pattern's text.
bool matches_scalar(const value_view& r, const value& pat, const prepared* ahead) {
  if (ahead != nullptr && ahead->plain_wildcard && r.type() == value::kind::string && pat.is_string()) {
    return wildcard::match(pat.as_string_view(), r.string());
  }
  if (const value* x = r.as_value()) return match_scalar(*x, pat);
  return match_scalar(r.to_value(), pat);
}

// %v of a pattern value: Kyverno patterns are JSON-decoded (numbers are float64).
std::string quote_p(const value& v) { return go::sprint(v); }

bool is_tracked_anchor(anchor_kind k) {  // AnchorMap.CheckAnchorInResource
  return k == anchor_kind::condition || k == anchor_kind::existence || k == anchor_kind::negation;
}

bool is_validate_anchor(anchor_kind k) {
  return k == anchor_kind::condition || k == anchor_kind::global || k == anchor_kind::existence ||
         k == anchor_kind::equality || k == anchor_kind::negation;
}

bool resource_has_key(const value_view& res, std::string_view key, int depth) {
  if (depth > max_depth) return false;
  value_view found;
  if (res.is_object()) return res.find(key, found);
  if (res.is_array()) {
    value_view::items items(res);
    for (value_view e; items.next(e);) {
      if (resource_has_key(e, key, depth + 1)) return true;
    }
  }
  return false;
}

bool has_nested_anchors(const value& p, int depth) {
  if (depth > max_depth) return false;
  if (p.is_object()) {
    for (const auto& m : p.as_object()) {
      if (is_validate_anchor(parse_anchor(m.key).kind)) return true;
    }
    for (const auto& m : p.as_object()) {
      if (has_nested_anchors(m.val, depth + 1)) return true;
    }
  } else if (p.is_array()) {
    for (const auto& e : p.as_array()) {
      if (has_nested_anchors(e, depth + 1)) return true;
    }
  }
  return false;
}

// anchor.RemoveAnchor: the bare key of any anchor form.
std::string_view remove_anchor(std::string_view key) {
  anchor a = parse_anchor(key);
  return a.kind == anchor_kind::none ? key : a.key;
}

// wildcards.ExpandInMetadata: wildcard keys of metadata.labels/annotations in the
// pattern are replaced by the first resource key they match (anchors kept).
// Returns nullopt when nothing needs to change.
std::optional<value> expand_in_metadata(const value& pat, const value& res) {
  auto find_tag = [](const value& map, std::string_view tag) -> std::ptrdiff_t {
    const auto& o = map.as_object();
    for (std::size_t i = 0; i < o.size(); ++i) {
      // An anchored form is longer than the bare key by at least "()": skip parsing the rest.
      const std::string& k = o[i].key;
      if (k == tag || (k.size() >= tag.size() + 2 && remove_anchor(k) == tag)) {
        return static_cast<std::ptrdiff_t>(i);
      }
    }
    return -1;
  };
  std::ptrdiff_t pmeta = find_tag(pat, "metadata");
  if (pmeta < 0) return std::nullopt;
  const value& pmeta_v = pat.as_object()[static_cast<std::size_t>(pmeta)].val;
  const value* rmeta = res.find("metadata");
  if (!pmeta_v.is_object() || !rmeta || !rmeta->is_object()) return std::nullopt;
  std::optional<value> out;
  for (const char* tag : {"labels", "annotations"}) {
    // Every test below only decides whether to skip this tag; the pattern-side ones
    // run first because without a wildcard key nothing can change, and then the
    // resource need not be searched.
    std::ptrdiff_t ptag = find_tag(pmeta_v, tag);
    if (ptag < 0) continue;
    const value& ptag_v = pmeta_v.as_object()[static_cast<std::size_t>(ptag)].val;
    if (!ptag_v.is_object()) continue;
    const auto& ptag_members = ptag_v.as_object();
    if (std::none_of(ptag_members.begin(), ptag_members.end(),
                     [](const member& m) { return wildcard::has_wildcards(m.key); })) {
      continue;
    }
    std::ptrdiff_t rtag = find_tag(*rmeta, tag);
    if (rtag < 0) continue;
    const value& rtag_v = rmeta->as_object()[static_cast<std::size_t>(rtag)].val;
    if (!rtag_v.is_object()) continue;
    // Kyverno reads both sides as map[string]string.
    auto all_strings = [](const value& m) {
      return std::all_of(m.as_object().begin(), m.as_object().end(), [](const member& x) { return x.val.is_string(); });
    };
    if (!all_strings(ptag_v) || !all_strings(rtag_v)) continue;
    bool changed = false;
    value expanded = value::object();
    for (const auto& m : ptag_v.as_object()) {
      std::string key = m.key;
      if (wildcard::has_wildcards(m.key)) {
        anchor a = parse_anchor(m.key);
        std::string_view bare = a.kind == anchor_kind::none ? std::string_view(m.key) : a.key;
        for (const auto& rm : rtag_v.as_object()) {
          if (!wildcard::match(bare, rm.key)) continue;
          if (a.kind == anchor_kind::none) {
            key = rm.key;
          } else {
            std::string_view whole = trim_space(m.key);
            key = std::string(whole.substr(0, whole.find('(') + 1)) + rm.key + ")";
          }
          break;
        }
      }
      changed = changed || key != m.key;
      expanded.set(key, m.val);
    }
    if (!changed) continue;
    if (!out) out = pat;
    value& meta = out->as_object()[static_cast<std::size_t>(pmeta)].val;
    meta.as_object()[static_cast<std::size_t>(ptag)].val = std::move(expanded);
  }
  return out;
}

// Whether expand_in_metadata could change `pat`: its metadata.labels or .annotations has a wildcard key. Read
// on the pattern alone, so that the resource is only read (as a value) for the patterns that need it.
bool may_expand_in_metadata(const value& pat) {
  auto find_tag = [](const value& map, std::string_view tag) -> const value* {
    for (const member& m : map.as_object()) {
      if (m.key == tag || (m.key.size() >= tag.size() + 2 && remove_anchor(m.key) == tag)) return &m.val;
    }
    return nullptr;
  };
  const value* meta = find_tag(pat, "metadata");
  if (meta == nullptr || !meta->is_object()) return false;
  for (const char* tag : {"labels", "annotations"}) {
    const value* keys = find_tag(*meta, tag);
    if (keys == nullptr || !keys->is_object()) continue;
    for (const member& m : keys->as_object()) {
      if (wildcard::has_wildcards(m.key)) return true;
    }
  }
  return false;
}

// AnchorMap: for every tracked anchor key met so far, whether the resource held
// its bare key anywhere. Keys are views into the pattern (or into an expanded copy
// the walker keeps alive). Patterns have a handful of anchors: the first few sit
// in a small array, the rest in a std::map so any number stays O(log n).
class anchor_map {
 public:
  bool& flag(std::string_view key) {
    for (std::size_t i = 0; i < n_; ++i) {
      if (small_[i].key == key) return small_[i].found;
    }
    if (n_ < small_.size()) {
      small_[n_] = {key, false};
      return small_[n_++].found;
    }
    return more_.emplace(key, false).first->second;
  }
  bool any_missing() const {
    for (std::size_t i = 0; i < n_; ++i) {
      if (!small_[i].found) return true;
    }
    return std::any_of(more_.begin(), more_.end(), [](const auto& kv) { return !kv.second; });
  }

 private:
  struct entry {
    std::string_view key;
    bool found = false;
  };
  std::array<entry, 8> small_{};
  std::size_t n_ = 0;
  std::map<std::string_view, bool> more_;
};

// A map's key as the walker visits it: the member, its anchor, and its group in the visit order.
struct key_entry {
  const member* m;
  anchor a;
  std::uint8_t group;
};

// The visit order of a map's keys, written to `out` (one entry per member): anchored keys (sorted), then keys
// whose values hold anchors (reverse-sorted: getSortedNestedAnchorResource pushes each to the front), then the
// rest (sorted). Keys are unique, so std::sort's order is total. `depth` is the walker's at the map.
void order_keys(const value& pat, int depth, key_entry* out) {
  const auto& members = pat.as_object();
  const std::size_t n = members.size();
  std::size_t plain = 0;
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = {&members[i], parse_anchor(members[i].key), 0};
    const bool anchored = is_validate_anchor(out[i].a.kind);
    plain += anchored ? 0 : 1;
    out[i].group = anchored ? 0 : 2;
  }
  // Nested anchors only reorder the unanchored keys among themselves, so with
  // fewer than two of them the subtree scan would not change the order.
  if (plain >= 2) {
    for (std::size_t i = 0; i < n; ++i) {
      if (out[i].group == 2 && has_nested_anchors(out[i].m->val, depth + 1)) out[i].group = 1;
    }
  }
  std::sort(out, out + n, [](const key_entry& x, const key_entry& y) {
    if (x.group != y.group) return x.group < y.group;
    return x.group == 1 ? y.m->key < x.m->key : x.m->key < y.m->key;
  });
}

// A map's keys in visit order, worked out per call (order_keys), on the stack unless the map is large.
class key_order {
 public:
  key_order(const value& pat, int depth) : n_(pat.as_object().size()) {
    if (n_ > small_.size()) large_.resize(n_);
    order_keys(pat, depth, data());
  }
  std::size_t size() const { return n_; }
  const key_entry& operator[](std::size_t i) const { return n_ > small_.size() ? large_[i] : small_[i]; }

 private:
  key_entry* data() { return n_ > small_.size() ? large_.data() : small_.data(); }
  std::size_t n_;
  std::array<key_entry, 8> small_;
  std::vector<key_entry> large_;
};

// prepare() stops here: deeper parts of a pattern are worked out per call.
constexpr int max_prepared_depth = 64;

prepared prepare_at(const value& pat, int depth) {
  prepared out;
  if (depth > max_prepared_depth) return out;
  if (pat.is_object()) {
    const auto& members = pat.as_object();
    std::vector<key_entry> entries(members.size());
    order_keys(pat, depth, entries.data());
    out.order.reserve(entries.size());
    for (const key_entry& e : entries) {
      const std::string_view key = e.m->key;
      const bool bare = e.a.kind != anchor_kind::none;
      out.order.push_back(prepared::key{static_cast<std::uint32_t>(e.m - members.data()), e.a.kind,
                                        bare ? static_cast<std::uint32_t>(e.a.key.data() - key.data()) : 0,
                                        bare ? static_cast<std::uint32_t>(e.a.key.size()) : 0});
      out.has_tracked = out.has_tracked || is_tracked_anchor(e.a.kind);
    }
    out.may_expand = may_expand_in_metadata(pat);
    out.children.reserve(members.size());
    for (const member& m : members) {
      // An existence anchor's list is not walked itself: its maps are, one level down from the map.
      const bool existence = parse_anchor(m.key).kind == anchor_kind::existence;
      out.children.push_back(prepare_at(m.val, existence ? depth : depth + 1));
    }
  } else if (pat.is_array()) {
    out.children.reserve(pat.size());
    for (const value& e : pat.as_array()) out.children.push_back(prepare_at(e, depth + 1));
  } else if (pat.is_string()) {
    // validate_string's equality, when the operand can be neither a duration nor a quantity.
    const std::string_view text = pat.as_string_view();
    out.plain_wildcard = is_single_operand(text) && !may_be_go_duration(text) && !may_be_quantity(text);
  }
  out.ready = true;
  return out;
}

// The prepared node of a map's member or a list's element, if its parent was prepared.
const prepared* child_of(const prepared* parent, std::size_t i) {
  return parent != nullptr && i < parent->children.size() ? &parent->children[i] : nullptr;
}

class walker {
 public:
  verr element(const value_view& res, const value& pat, const prepared* ahead, const path_node* path, int depth,
               detail d);
  bool keys_are_missing() const { return anchors_.any_missing(); }

 private:
  verr map(const value_view& res, const value& pat, const prepared* ahead, const path_node* path, int depth,
           detail d);
  verr array(const value_view& res, const value& pat, const prepared* ahead, const path_node* path, int depth,
             detail d);
  verr array_of_maps(const value_view& res, const value& pat_map, const prepared* ahead, const path_node* path,
                     int depth, detail d);
  verr handle(const member& m, const anchor& a, const prepared* ahead, const value_view& res_map,
              const path_node* path, int depth, detail d);
  verr map_unprepared(const value_view& res, const value& pat, const path_node* path, int depth, detail d);
  void track_key(const value_view& res, const member& m, const anchor& a);
  const value* expand_keys(const value_view& res, const value& pat);
  verr walk_keys(const value& pat, const value_view& res, const path_node* path, int depth, detail d);
  verr visit(const key_order& order, const value_view& res, const path_node* path, int depth, detail d);
  verr existence(const value_view& res_list, const value& pat, const prepared* ahead, const path_node* path,
                 int depth);

  anchor_map anchors_;
  /// Patterns rewritten by expand_in_metadata, kept for the whole walk because
  /// anchors_ holds views of their keys.
  std::vector<std::unique_ptr<value>> expanded_;
};

verr walker::element(const value_view& res, const value& pat, const prepared* ahead, const path_node* path,
                     int depth, detail d) {
  if (ahead != nullptr && !ahead->ready) ahead = nullptr;
  if (depth > max_depth) {
    if (!wants_text(d, err_kind::plain)) return perr{};
    std::string p = path_text(path);
    return perr{"pattern nesting exceeds " + std::to_string(max_depth) + " levels at path " + p, p};
  }
  if (pat.is_object()) {
    if (!res.is_object()) {
      if (!wants_text(d, err_kind::plain)) return perr{};
      std::string p = path_text(path);
      return perr{"pattern and resource have different structures. Path: " + p + ". Expected " +
                      go::type_name(pat) + ", found " + type_name(res),
                  p};
    }
    return map(res, pat, ahead, path, depth, d);
  }
  if (pat.is_array()) {
    if (!res.is_array()) {
      if (!wants_text(d, err_kind::plain)) return perr{};
      std::string p = path_text(path);
      return perr{"validation rule failed at path " + p + ", resource does not satisfy the expected overlay pattern",
                  p};
    }
    return array(res, pat, ahead, path, depth, d);
  }
  auto mismatch = [&](const value_view& r) {
    if (!wants_text(d, err_kind::plain)) return perr{};
    std::string p = path_text(path);
    return perr{"resource value '" + quote_v(r) + "' does not match '" + quote_p(pat) + "' at path " + p, p};
  };
  if (res.is_array()) {
    value_view::items items(res);
    for (value_view r; items.next(r);) {
      if (!matches_scalar(r, pat, ahead)) return mismatch(res);
    }
    return std::nullopt;
  }
  if (!matches_scalar(res, pat, ahead)) return mismatch(res);
  return std::nullopt;
}

verr walker::map(const value_view& res, const value& pat_in, const prepared* ahead, const path_node* path,
                 int depth, detail d) {
  const auto& members_in = pat_in.as_object();
  // A preparation of another pattern must not index past this one's keys (prepared serves equal patterns only).
  if (ahead != nullptr && ahead->order.size() != members_in.size()) ahead = nullptr;
  auto anchor_of = [&](const prepared::key& k) {
    return anchor{k.kind, std::string_view(members_in[k.member].key).substr(k.bare_offset, k.bare_size)};
  };
  if (ahead != nullptr) {
    // AnchorMap.CheckAnchorInResource, on the keys as written (before any metadata expansion).
    if (ahead->has_tracked) {
      for (const prepared::key& k : ahead->order) track_key(res, members_in[k.member], anchor_of(k));
    }
    // Metadata wildcards may rewrite the keys for this resource.
    const value* rewritten = ahead->may_expand ? expand_keys(res, pat_in) : nullptr;
    if (rewritten == nullptr) {
      for (const prepared::key& k : ahead->order) {
        if (auto e = handle(members_in[k.member], anchor_of(k), child_of(ahead, k.member), res, path, depth, d)) {
          return e;
        }
      }
      return std::nullopt;
    }
    return walk_keys(*rewritten, res, path, depth, d);  // prepared for the keys as written, not these
  }
  return map_unprepared(res, pat_in, path, depth, d);
}

verr walker::map_unprepared(const value_view& res, const value& pat_in, const path_node* path, int depth,
                            detail d) {
  // Each key's anchor is parsed once, for the tracking and the order (again only if the keys were rewritten).
  key_order order(pat_in, depth);
  for (std::size_t i = 0; i < order.size(); ++i) track_key(res, *order[i].m, order[i].a);
  if (may_expand_in_metadata(pat_in)) {
    if (const value* rewritten = expand_keys(res, pat_in)) return walk_keys(*rewritten, res, path, depth, d);
  }
  return visit(order, res, path, depth, d);
}

void walker::track_key(const value_view& res, const member& m, const anchor& a) {
  if (!is_tracked_anchor(a.kind)) return;
  bool& found = anchors_.flag(m.key);
  if (!found && resource_has_key(res, a.key, 0)) found = true;
}

const value* walker::expand_keys(const value_view& res, const value& pat) {
  std::optional<value> expanded;
  if (const value* r = res.as_value()) {
    expanded = expand_in_metadata(pat, *r);
  } else {
    expanded = expand_in_metadata(pat, res.to_value());
  }
  if (!expanded) return nullptr;
  expanded_.push_back(std::make_unique<value>(std::move(*expanded)));
  return expanded_.back().get();
}

verr walker::walk_keys(const value& pat, const value_view& res, const path_node* path, int depth, detail d) {
  return visit(key_order(pat, depth), res, path, depth, d);
}

verr walker::visit(const key_order& order, const value_view& res, const path_node* path, int depth, detail d) {
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (auto e = handle(*order[i].m, order[i].a, nullptr, res, path, depth, d)) return e;
  }
  return std::nullopt;
}

verr walker::handle(const member& m, const anchor& a, const prepared* ahead, const value_view& res_map,
                    const path_node* path, int depth, detail d) {
  static const value null_value;
  value_view v;
  switch (a.kind) {
    case anchor_kind::condition:
    case anchor_kind::global: {
      const bool global = a.kind == anchor_kind::global;
      const std::string_view prefix = global ? "global anchor mismatch: " : "conditional anchor mismatch: ";
      const err_kind kind = global ? err_kind::global : err_kind::conditional;
      const path_node current = path_node::child(path, a.key);
      if (!res_map.find(a.key, v)) {
        if (!wants_text(d, kind)) return perr{{}, {}, kind};
        return perr{std::string(prefix) + (global ? "global" : "conditional") +
                        " anchor key doesn't exist in the resource",
                    path_text(&current), kind};
      }
      // The inner text only feeds this skip's text.
      auto e = element(v, m.val, ahead, &current, depth + 1, wants_text(d, kind) ? detail::full : detail::none);
      if (!e) return std::nullopt;
      e->kind = kind;
      if (wants_text(d, kind)) e->msg.insert(0, prefix);
      return e;
    }
    case anchor_kind::equality: {
      if (!res_map.find(a.key, v)) return std::nullopt;
      const path_node current = path_node::child(path, a.key);
      return element(v, m.val, ahead, &current, depth + 1, d);
    }
    case anchor_kind::negation: {
      if (!res_map.find(a.key, v)) return std::nullopt;
      if (!wants_text(d, err_kind::negation)) return perr{{}, {}, err_kind::negation};
      const path_node current = path_node::child(path, a.key);
      std::string p = path_text(&current);
      return perr{"negation anchor matched in resource: " + p + " is not allowed", p, err_kind::negation};
    }
    case anchor_kind::existence: {
      const path_node current = path_node::child(path, a.key);
      if (!res_map.find(a.key, v)) return std::nullopt;
      if (!v.is_array()) {
        if (!wants_text(d, err_kind::plain)) return perr{};
        return perr{std::string("invalid resource type ") + type_name(v) +
                        ": Existence ^ () anchor can be used only on list/array type resource",
                    path_text(&current)};
      }
      auto e = existence(v, m.val, ahead, &current, depth);
      if (e && !wants_text(d, e->kind)) return perr{{}, {}, e->kind};
      return e;
    }
    case anchor_kind::none:
    case anchor_kind::add_if_not_present:
      break;
  }
  // defaultHandler: "*" means present and non-null; otherwise compare (missing => null).
  const bool present = res_map.find(m.key, v);
  if (m.val.is_string() && m.val.as_string() == "*") {
    if (present && !v.is_null()) return std::nullopt;
    if (!wants_text(d, err_kind::plain)) return perr{};
    std::string p = path_text(path);
    return perr{p + "/" + m.key + " not found", p};
  }
  const path_node current = path_node::child(path, m.key);
  return element(present ? v : value_view(null_value), m.val, ahead, &current, depth + 1, d);
}

// Every error it returns is plain, with its text (callers drop it when unwanted).
verr walker::existence(const value_view& res_list, const value& pat, const prepared* ahead, const path_node* path,
                       int depth) {
  if (!pat.is_array()) {
    return perr{std::string("invalid pattern type ") + go::type_name(pat) +
                    ": Pattern has to be of list to compare against resource",
                path_text(path)};
  }
  for (std::size_t j = 0; j < pat.size(); ++j) {
    const value& pm = pat.as_array()[j];
    if (!pm.is_object()) {
      return perr{std::string("invalid pattern type ") + go::type_name(pat) +
                      ": Pattern has to be of type map to compare against items in resource",
                  path_text(path)};
    }
    bool found = false;
    value_view::items items(res_list);
    value_view r;
    for (std::size_t i = 0; !found && items.next(r); ++i) {
      const path_node item = path_node::item(path, i);
      found = !element(r, pm, child_of(ahead, j), &item, depth + 1, detail::none).has_value();
    }
    if (!found) {
      std::string p = path_text(path);
      return perr{"existence anchor validation failed at path " + p, p};
    }
  }
  return std::nullopt;
}

verr walker::array(const value_view& res, const value& pat, const prepared* ahead, const path_node* path, int depth,
                   detail d) {
  const auto& pats = pat.as_array();
  if (pats.empty()) {
    if (!wants_text(d, err_kind::plain)) return perr{};
    return perr{"pattern Array empty", path_text(path)};
  }
  if (pats[0].is_object()) return array_of_maps(res, pats[0], child_of(ahead, 0), path, depth, d);
  const std::size_t resource_size = res.size();
  if (resource_size < pats.size()) {
    if (!wants_text(d, err_kind::plain)) return perr{};
    return perr{"validate Array failed, array length mismatch, resource Array len is " + std::to_string(resource_size) +
                    " and pattern Array len is " + std::to_string(pats.size()),
                path_text(path)};
  }
  value_view::items items(res);
  value_view r;
  for (std::size_t i = 0; i < pats.size() && items.next(r); ++i) {
    const path_node item = path_node::item(path, i);
    if (auto e = element(r, pats[i], child_of(ahead, i), &item, depth + 1, d)) return e;
  }
  return std::nullopt;
}

verr walker::array_of_maps(const value_view& res, const value& pat_map, const prepared* ahead,
                           const path_node* path, int depth, detail d) {
  // Skipped elements' texts are joined into this step's skip only if no element
  // applies; once one has, later skips are dropped and need no text.
  std::size_t applied = 0;
  std::size_t skipped = 0;
  std::string joined;
  value_view::items items(res);
  value_view r;
  for (std::size_t i = 0; items.next(r); ++i) {
    const detail di = d == detail::full && applied == 0 ? detail::full : (d == detail::none ? d : detail::failures);
    const path_node item = path_node::item(path, i);
    auto e = element(r, pat_map, ahead, &item, depth + 1, di);
    if (e) {
      if (e->skips()) {
        if (di == detail::full) {
          if (skipped) joined += "; ";
          joined += e->msg;
        }
        ++skipped;
        continue;
      }
      return e;
    }
    ++applied;
  }
  if (applied == 0 && skipped != 0) {
    if (!wants_text(d, err_kind::conditional)) return perr{{}, {}, err_kind::conditional};
    return perr{std::move(joined), path_text(path), err_kind::conditional};
  }
  return std::nullopt;
}

}  // namespace

prepared prepare(const value& pattern) { return prepare_at(pattern, 0); }

outcome match(const value& resource, const value& pat, const prepared* ahead) {
  walker w;
  verr e = w.element(value_view(resource), pat, ahead, nullptr, 0, detail::full);
  if (!e) return {};
  if (e->skips()) return {status::skip, "", std::move(e->msg)};
  if (e->kind == err_kind::negation) return {status::fail, std::move(e->path), std::move(e->msg)};
  if (w.keys_are_missing()) return {status::skip, "", std::move(e->msg)};
  return {status::fail, std::move(e->path), std::move(e->msg)};
}

// The same walk and decisions as match(): the detail changes which texts are built, never the path taken.
status match_status(const value& resource, const value& pat, const prepared* ahead) {
  walker w;
  verr e = w.element(value_view(resource), pat, ahead, nullptr, 0, detail::none);
  if (!e) return status::pass;
  if (e->skips()) return status::skip;
  if (e->kind == err_kind::negation) return status::fail;
  return w.keys_are_missing() ? status::skip : status::fail;
}

}  // namespace coco_admit::pattern

// ---- $(...) references (variables/vars.go substituteReferencesIfAny, resolveReference) --------

namespace coco_admit::pattern {
namespace {

// Go path.Clean of an absolute or relative slash path.
std::string clean_path(std::string_view p) {
  const bool rooted = !p.empty() && p[0] == '/';
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= p.size()) {
    auto slash = p.find('/', start);
    std::string_view part = p.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || part == ".") {
      // skip
    } else if (part == "..") {
      if (!out.empty() && out.back() != "..") {
        out.pop_back();
      } else if (!rooted) {
        out.push_back(part);
      }
    } else {
      out.push_back(part);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string r = rooted ? "/" : "";
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i) r += '/';
    r.append(out[i]);
  }
  return r.empty() ? "." : r;
}

// anchor.RemoveAnchorsFromPath
std::string strip_anchors_from_path(std::string_view p) {
  std::string r;
  std::size_t start = p.size() > 0 && p[0] == '/' ? 1 : 0;
  if (start) r = "/";
  bool first = true;
  while (start <= p.size()) {
    auto slash = p.find('/', start);
    std::string_view part = p.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (!first) r += '/';
    first = false;
    r.append(remove_anchor(part));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return clean_path(r);
}

void collect_leaves(const value& v, const std::string& path, std::vector<std::pair<std::string, const value*>>& out,
                    int depth) {
  if (depth > max_depth) return;
  if (v.is_object()) {
    for (const auto& m : v.as_object()) collect_leaves(m.val, path + "/" + m.key, out, depth + 1);
  } else if (v.is_array()) {
    const auto& a = v.as_array();
    for (std::size_t i = 0; i < a.size(); ++i) collect_leaves(a[i], path + "/" + std::to_string(i), out, depth + 1);
  } else {
    out.emplace_back(strip_anchors_from_path(path), &v);
  }
}

// RegexReferences = `^\$\(.[^\ ]*\)|[^\\]\$\(.[^\ ]*\)`: returns the matches in order.
std::vector<std::string> find_references(const std::string& s) {
  std::vector<std::string> found;
  // Length of "$(" + . + [^ ]* + ")" starting at `at` (which holds '$'), 0 if none.
  auto ref_len = [&](std::size_t at) -> std::size_t {
    if (at + 3 > s.size() || s[at] != '$' || s[at + 1] != '(') return 0;
    std::size_t j = at + 2;
    if (s[j] == '\n') return 0;
    std::size_t last_close = 0;
    for (std::size_t k = j + 1; k < s.size() && s[k] != ' '; ++k) {
      if (s[k] == ')') last_close = k;
    }
    return last_close ? last_close - at + 1 : 0;
  };
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t len = 0;
    if (i == 0) len = ref_len(0);
    if (len == 0 && s[i] != '\\' && i + 1 < s.size()) {
      std::size_t l2 = ref_len(i + 1);
      if (l2) len = l2 + 1;
    }
    if (len) {
      found.push_back(s.substr(i, len));
      i += len;
    } else {
      ++i;
    }
  }
  return found;
}

coco_admit::status resolve_leaf(std::string& text, const std::string& leaf_path,
                    const std::vector<std::pair<std::string, const value*>>& leaves) {
  for (const std::string& old : find_references(text)) {
    const bool initial = old.compare(0, 2, "$(") == 0;
    std::string_view ref = initial ? std::string_view(old) : std::string_view(old).substr(1);
    std::string_view p = ref;  // strings.Trim(ref, "$()")
    while (!p.empty() && (p.front() == '$' || p.front() == '(' || p.front() == ')')) p.remove_prefix(1);
    while (!p.empty() && (p.back() == '$' || p.back() == '(' || p.back() == ')')) p.remove_suffix(1);
    std::string_view op;
    for (std::string_view cand : {">=", "<=", ">", "<", "!"}) {
      if (p.size() >= 2 && p.substr(0, cand.size()) == cand) {
        op = cand;
        break;
      }
    }
    p.remove_prefix(op.size());
    if (p.empty()) {
      return error::invalid("failed to resolve " + std::string(ref) + " at path " + leaf_path +
                            ": expected path, found empty reference");
    }
    std::string target = p[0] == '/' ? clean_path(p) : clean_path(leaf_path + "/" + std::string(p));
    target = strip_anchors_from_path(target);
    const value* found = nullptr;
    for (const auto& [lp, v] : leaves) {
      if (lp == target) found = v;
    }
    std::string resolved;
    if (found && found->is_string()) {
      resolved = std::string(op) + found->as_string();
    } else if (found && !op.empty() && found->is_integer()) {
      resolved = std::string(op) + std::to_string(found->as_int());
    } else if (found && !op.empty() && found->is_double()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%f", found->as_double());
      resolved = std::string(op) + buf;
    } else {
      return error::invalid("reference " + std::string(ref) + " not resolved at path " + leaf_path);
    }
    std::string replacement = initial ? std::string() : std::string(1, old[0]);
    replacement += resolved;
    if (auto pos = text.find(old); pos != std::string::npos) text.replace(pos, old.size(), replacement);
  }
  return {};
}

coco_admit::status resolve_in(value& v, const std::string& path, const std::vector<std::pair<std::string, const value*>>& leaves,
                  int depth) {
  if (depth > max_depth) return error::budget("pattern nesting exceeds " + std::to_string(max_depth) + " levels");
  if (v.is_object()) {
    for (auto& m : v.as_object()) COCO_ADMIT_TRY(resolve_in(m.val, path + "/" + m.key, leaves, depth + 1));
  } else if (v.is_array()) {
    auto& a = v.as_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
      COCO_ADMIT_TRY(resolve_in(a[i], path + "/" + std::to_string(i), leaves, depth + 1));
    }
  } else if (v.is_string() && v.as_string().find("$(") != std::string::npos) {
    return resolve_leaf(v.as_string(), path, leaves);
  }
  return {};
}

}  // namespace

coco_admit::status resolve_references(value& pat) {
  const value snapshot = pat;  // references read the pattern as written, not partly substituted
  std::vector<std::pair<std::string, const value*>> leaves;
  collect_leaves(snapshot, "", leaves, 0);
  return resolve_in(pat, "", leaves, 0);
}

}  // namespace coco_admit::pattern
