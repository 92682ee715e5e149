// Differential test of pattern::match against the implementation it replaced.
//
// pattern.cc was rewritten for speed (no allocation on the success path, error
// texts built only when read, byte-class pre-checks before the duration and
// quantity parsers). Kyverno conformance depends on its exact outcomes, paths and
// texts, so this file keeps the previous, straightforward implementation
// verbatim as an oracle (namespace `reference`) and compares both on generated
// patterns and resources: status, path and reason must be identical. Each
// pattern is matched twice, plain and as the compiler prepares it ahead
// (pattern::prepare), and both must agree with the oracle.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "coco-admit/core/duration.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/pattern.h"
#include "coco-admit/core/quantity.h"
#include "coco-admit/core/wildcard.h"
// Internal to core (Go formatting the messages use); linked from coco_admit_core.
#include "../../core/src/match/go_text.h"

namespace coco_admit::pattern::reference {

// ===== previous implementation, verbatim (core/src/match/pattern.cc before the rewrite) =====

// ---- anchors ---------------------------------------------------------------------------

namespace {
std::string_view trim_space(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}
}  // namespace

anchor parse_anchor(std::string_view key) noexcept {
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

// convertNumberToString, with bools stringified and null not convertible.
bool value_to_string(const value& v, std::string& out) {
  switch (v.type()) {
    case value::kind::string: out = v.as_string(); return true;
    case value::kind::integer: out = std::to_string(v.as_int()); return true;
    case value::kind::number: out = go::format_float_e(v.as_double()); return true;
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

bool validate_string(const value& v, std::string_view pat, cmp_op op) {
  std::string s;
  if (!value_to_string(v, s)) return false;
  if (auto pd = parse_go_duration(pat); pd.ok()) {
    if (auto vd = parse_go_duration(s); vd.ok()) return apply_op(op, *vd, *pd);
  }
  if (auto pq = parse_quantity(pat); pq.ok()) {
    if (auto vq = parse_quantity(s); vq.ok()) return apply_op(op, compare(*vq, *pq), 0);
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

bool validate_string_pattern(const value& v, std::string_view pat) {
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

bool validate_string_patterns(const value& v, const std::string& pat) {
  if (v.is_string() && v.as_string() == pat) return true;
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
      return go::parse_float(v.as_string(), f) && f == p;
    }
    default: return false;
  }
}

bool validate_nil_pattern(const value& v) {
  switch (v.type()) {
    case value::kind::null: return true;
    case value::kind::integer: return v.as_int() == 0;
    case value::kind::number: return v.as_double() == 0;
    case value::kind::string: return v.as_string().empty();
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

struct perr {
  std::string msg;
  std::string path;
  err_kind kind = err_kind::plain;
  bool skips() const { return kind == err_kind::conditional || kind == err_kind::global; }
};
using verr = std::optional<perr>;

std::string quote_v(const value& v) { return go::sprint_resource(v); }

// %v of a pattern value: Kyverno patterns are JSON-decoded (numbers are float64).
std::string quote_p(const value& v) { return go::sprint(v); }

bool is_tracked_anchor(anchor_kind k) {  // AnchorMap.CheckAnchorInResource
  return k == anchor_kind::condition || k == anchor_kind::existence || k == anchor_kind::negation;
}

bool is_validate_anchor(anchor_kind k) {
  return k == anchor_kind::condition || k == anchor_kind::global || k == anchor_kind::existence ||
         k == anchor_kind::equality || k == anchor_kind::negation;
}

bool resource_has_key(const value& res, std::string_view key, int depth) {
  if (depth > max_depth) return false;
  if (res.is_object()) return res.find(key) != nullptr;
  if (res.is_array()) {
    for (const auto& e : res.as_array()) {
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
      if (remove_anchor(o[i].key) == tag) return static_cast<std::ptrdiff_t>(i);
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
    std::ptrdiff_t ptag = find_tag(pmeta_v, tag);
    std::ptrdiff_t rtag = find_tag(*rmeta, tag);
    if (ptag < 0 || rtag < 0) continue;
    const value& ptag_v = pmeta_v.as_object()[static_cast<std::size_t>(ptag)].val;
    const value& rtag_v = rmeta->as_object()[static_cast<std::size_t>(rtag)].val;
    if (!ptag_v.is_object() || !rtag_v.is_object()) continue;
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
        pattern::anchor a = pattern::parse_anchor(m.key);
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

class walker {
 public:
  verr element(const value& res, const value& pat, const std::string& path, int depth);
  bool keys_are_missing() const {
    return std::any_of(anchor_map_.begin(), anchor_map_.end(), [](const auto& kv) { return !kv.second; });
  }

 private:
  verr map(const value& res, const value& pat, const std::string& path, int depth);
  verr array(const value& res, const value& pat, const std::string& path, int depth);
  verr array_of_maps(const value& res, const value& pat_map, const std::string& path, int depth);
  verr handle(const std::string& key, const value& pat, const value& res_map, const std::string& path, int depth);
  verr existence(const value& res_list, const value& pat, const std::string& path, int depth);
  void check_anchors_in_resource(const value& pat, const value& res);

  std::map<std::string, bool> anchor_map_;
};

void walker::check_anchors_in_resource(const value& pat, const value& res) {
  for (const auto& m : pat.as_object()) {
    anchor a = parse_anchor(m.key);
    if (!is_tracked_anchor(a.kind)) continue;
    auto [it, inserted] = anchor_map_.emplace(m.key, false);
    if (!inserted && it->second) continue;
    if (resource_has_key(res, a.key, 0)) it->second = true;
  }
}

verr walker::element(const value& res, const value& pat, const std::string& path, int depth) {
  if (depth > max_depth) {
    return perr{"pattern nesting exceeds " + std::to_string(max_depth) + " levels at path " + path, path};
  }
  if (pat.is_object()) {
    if (!res.is_object()) {
      return perr{"pattern and resource have different structures. Path: " + path + ". Expected " +
                      go::type_name(pat) + ", found " + go::type_name(res),
                  path};
    }
    check_anchors_in_resource(pat, res);
    return map(res, pat, path, depth);
  }
  if (pat.is_array()) {
    if (!res.is_array()) {
      return perr{"validation rule failed at path " + path + ", resource does not satisfy the expected overlay pattern",
                  path};
    }
    return array(res, pat, path, depth);
  }
  auto mismatch = [&](const value& r) {
    return perr{"resource value '" + quote_v(r) + "' does not match '" + quote_p(pat) + "' at path " + path, path};
  };
  if (res.is_array()) {
    for (const auto& r : res.as_array()) {
      if (!match_scalar(r, pat)) return mismatch(res);
    }
    return std::nullopt;
  }
  if (!match_scalar(res, pat)) return mismatch(res);
  return std::nullopt;
}

verr walker::map(const value& res, const value& pat_in, const std::string& path, int depth) {
  std::optional<value> expanded = expand_in_metadata(pat_in, res);
  const value& pat = expanded ? *expanded : pat_in;
  std::vector<const member*> anchors, nested, rest;
  for (const auto& m : pat.as_object()) {
    anchor_kind k = parse_anchor(m.key).kind;
    if (is_validate_anchor(k)) {
      anchors.push_back(&m);
    } else if (has_nested_anchors(m.val, depth + 1)) {
      nested.push_back(&m);
    } else {
      rest.push_back(&m);
    }
  }
  auto by_key = [](const member* a, const member* b) { return a->key < b->key; };
  std::sort(anchors.begin(), anchors.end(), by_key);
  // getSortedNestedAnchorResource pushes nested-anchor keys to the front in sorted
  // order, so they end up reverse-sorted ahead of the (sorted) others.
  std::sort(nested.begin(), nested.end(), [](const member* a, const member* b) { return a->key > b->key; });
  std::sort(rest.begin(), rest.end(), by_key);
  for (const auto* group : {&anchors, &nested, &rest}) {
    for (const member* m : *group) {
      if (auto e = handle(m->key, m->val, res, path, depth)) return e;
    }
  }
  return std::nullopt;
}

verr walker::handle(const std::string& key, const value& pat, const value& res_map, const std::string& path,
                    int depth) {
  anchor a = parse_anchor(key);
  static const value null_value;
  switch (a.kind) {
    case anchor_kind::condition:
    case anchor_kind::global: {
      const bool global = a.kind == anchor_kind::global;
      const std::string prefix = global ? "global anchor mismatch: " : "conditional anchor mismatch: ";
      const err_kind kind = global ? err_kind::global : err_kind::conditional;
      std::string current = path + std::string(a.key) + "/";
      const value* v = res_map.find(a.key);
      if (!v) {
        return perr{prefix + (global ? "global" : "conditional") + " anchor key doesn't exist in the resource",
                    current, kind};
      }
      if (auto e = element(*v, pat, current, depth + 1)) return perr{prefix + e->msg, e->path, kind};
      return std::nullopt;
    }
    case anchor_kind::equality: {
      const value* v = res_map.find(a.key);
      if (!v) return std::nullopt;
      return element(*v, pat, path + std::string(a.key) + "/", depth + 1);
    }
    case anchor_kind::negation: {
      std::string current = path + std::string(a.key) + "/";
      if (!res_map.find(a.key)) return std::nullopt;
      return perr{"negation anchor matched in resource: " + current + " is not allowed", current, err_kind::negation};
    }
    case anchor_kind::existence: {
      std::string current = path + std::string(a.key) + "/";
      const value* v = res_map.find(a.key);
      if (!v) return std::nullopt;
      if (!v->is_array()) {
        return perr{std::string("invalid resource type ") + go::type_name(*v) +
                        ": Existence ^ () anchor can be used only on list/array type resource",
                    current};
      }
      return existence(*v, pat, current, depth);
    }
    case anchor_kind::none:
    case anchor_kind::add_if_not_present:
      break;
  }
  // defaultHandler: "*" means present and non-null; otherwise compare (missing => null).
  const value* v = res_map.find(key);
  if (pat.is_string() && pat.as_string() == "*") {
    if (v && !v->is_null()) return std::nullopt;
    return perr{path + "/" + key + " not found", path};
  }
  return element(v ? *v : null_value, pat, path + key + "/", depth + 1);
}

verr walker::existence(const value& res_list, const value& pat, const std::string& path, int depth) {
  if (!pat.is_array()) {
    return perr{std::string("invalid pattern type ") + go::type_name(pat) +
                    ": Pattern has to be of list to compare against resource",
                path};
  }
  for (const auto& pm : pat.as_array()) {
    if (!pm.is_object()) {
      return perr{std::string("invalid pattern type ") + go::type_name(pat) +
                      ": Pattern has to be of type map to compare against items in resource",
                  path};
    }
    bool found = false;
    const auto& items = res_list.as_array();
    for (std::size_t i = 0; i < items.size() && !found; ++i) {
      found = !element(items[i], pm, path + std::to_string(i) + "/", depth + 1).has_value();
    }
    if (!found) return perr{"existence anchor validation failed at path " + path, path};
  }
  return std::nullopt;
}

verr walker::array(const value& res, const value& pat, const std::string& path, int depth) {
  const auto& pats = pat.as_array();
  const auto& items = res.as_array();
  if (pats.empty()) return perr{"pattern Array empty", path};
  if (pats[0].is_object()) return array_of_maps(res, pats[0], path, depth);
  if (items.size() < pats.size()) {
    return perr{"validate Array failed, array length mismatch, resource Array len is " + std::to_string(items.size()) +
                    " and pattern Array len is " + std::to_string(pats.size()),
                path};
  }
  for (std::size_t i = 0; i < pats.size(); ++i) {
    if (auto e = element(items[i], pats[i], path + std::to_string(i) + "/", depth + 1)) return e;
  }
  return std::nullopt;
}

verr walker::array_of_maps(const value& res, const value& pat_map, const std::string& path, int depth) {
  std::size_t applied = 0;
  std::vector<std::string> skipped;
  const auto& items = res.as_array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto e = element(items[i], pat_map, path + std::to_string(i) + "/", depth + 1);
    if (e) {
      if (e->skips()) {
        skipped.push_back(std::move(e->msg));
        continue;
      }
      return e;
    }
    ++applied;
  }
  if (applied == 0 && !skipped.empty()) {
    std::string msg;
    for (std::size_t i = 0; i < skipped.size(); ++i) {
      if (i) msg += "; ";
      msg += skipped[i];
    }
    return perr{msg, path, err_kind::conditional};
  }
  return std::nullopt;
}

}  // namespace

outcome match(const value& resource, const value& pat) {
  walker w;
  verr e = w.element(resource, pat, "/", 0);
  if (!e) return {};
  if (e->skips()) return {status::skip, "", std::move(e->msg)};
  if (e->kind == err_kind::negation) return {status::fail, std::move(e->path), std::move(e->msg)};
  if (w.keys_are_missing()) return {status::skip, "", std::move(e->msg)};
  return {status::fail, std::move(e->path), std::move(e->msg)};
}


}  // namespace coco_admit::pattern::reference

namespace coco_admit {
namespace {

// Leaves the generator draws from: operators, wildcards, ranges, durations,
// quantities and values that convert through them.
const char* const pattern_leaves[] = {
    R"("?*")", R"("*")", R"("!*:latest & *:*")", R"("*:*")", R"("<=1Gi")", R"(">=100m")", R"("1-5")", R"("2!-4")",
    R"("a | b*")", R"(">10s")", R"("<1h")", R"("!x")", R"("")", R"("null")", "null", "true", "false", "1", "2.5", "0",
    R"("1Gi-2Gi")", R"("  b ")", R"("*a?")", R"("256Mi")", R"(">= 1 & <= 5")", "{}", "[]", R"("nginx:*")"};
const char* const resource_leaves[] = {
    R"("x")", R"("a")", R"("b")", R"("bb")", R"("nginx:latest")", R"("nginx:1.2")", R"("512Mi")", R"("2Gi")",
    R"("250m")", R"("12s")", R"("2h")", R"("3")", "3", "1", "0", "-2", "2.5", "1e21", "true", "false", "null",
    R"("")", R"(" b ")", R"("aXa")", "{}", "[]", R"("256Mi")", "1.5"};
const char* const base_keys[] = {"a", "b", "c", "name", "image", "metadata", "labels", "annotations", "spec"};

class generator {
 public:
  explicit generator(unsigned seed) : rng_(seed) {}

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  value leaf(const char* const* list, std::size_t n) { return *json::parse(list[pick(static_cast<int>(n))]); }

  std::string key() { return base_keys[pick(std::size(base_keys))]; }

  // A pattern key: plain, wildcard (for metadata expansion) or any anchor form.
  std::string pattern_key() {
    std::string k = key();
    switch (pick(14)) {
      case 0: return "(" + k + ")";
      case 1: return "=(" + k + ")";
      case 2: return "X(" + k + ")";
      case 3: return "^(" + k + ")";
      case 4: return "<(" + k + ")";
      case 5: return "+(" + k + ")";
      case 6: return k.substr(0, 1) + "*";
      case 7: return "(" + k.substr(0, 1) + "*)";
      case 8: return " (" + k + ") ";
      default: return k;
    }
  }

  value pattern(int depth) {
    const int r = depth >= 4 ? 0 : pick(10);
    if (r < 4) return leaf(pattern_leaves, std::size(pattern_leaves));
    if (r < 8) {
      value o = value::object();
      for (int i = 0, n = 1 + pick(3); i < n; ++i) o.set(pattern_key(), pattern(depth + 1));
      return o;
    }
    value a = value::array();
    if (pick(3) != 0) {
      value o = value::object();
      for (int i = 0, n = 1 + pick(3); i < n; ++i) o.set(pattern_key(), pattern(depth + 2));
      a.push_back(std::move(o));
    } else {
      for (int i = 0, n = pick(3); i < n; ++i) a.push_back(pattern(depth + 1));
    }
    return a;
  }

  // A resource shaped like `pat` (so matches get deep), with random deviations.
  value resource_like(const value& pat, int depth) {
    if (depth >= 6 || pick(8) == 0) return random_resource(depth);
    if (pat.is_object()) {
      value o = value::object();
      for (const auto& m : pat.as_object()) {
        if (pick(6) == 0) continue;  // missing key
        pattern::anchor a = pattern::parse_anchor(m.key);
        std::string k = a.kind == pattern::anchor_kind::none ? m.key : std::string(a.key);
        if (wildcard::has_wildcards(k) && pick(2) == 0) k = k.substr(0, 1) + "xy";
        if (a.kind == pattern::anchor_kind::existence && pick(3) != 0) {
          value list = value::array();
          for (int i = 0, n = pick(3); i < n; ++i) {
            list.push_back(m.val.is_array() && !m.val.as_array().empty() ? resource_like(m.val.as_array()[0], depth + 1)
                                                                         : random_resource(depth + 1));
          }
          o.set(k, std::move(list));
          continue;
        }
        o.set(k, resource_like(m.val, depth + 1));
      }
      if (pick(3) == 0) o.set(key(), random_resource(depth + 1));
      return o;
    }
    if (pat.is_array()) {
      value a = value::array();
      const int n = pick(4);
      for (int i = 0; i < n; ++i) {
        const auto& ps = pat.as_array();
        a.push_back(ps.empty() ? random_resource(depth + 1)
                               : resource_like(ps[static_cast<std::size_t>(i) % ps.size()], depth + 1));
      }
      return a;
    }
    if (pick(5) == 0) {  // a list of scalars against a scalar pattern
      value a = value::array();
      for (int i = 0, n = pick(3); i < n; ++i) a.push_back(leaf(resource_leaves, std::size(resource_leaves)));
      return a;
    }
    return leaf(resource_leaves, std::size(resource_leaves));
  }

  value random_resource(int depth) {
    const int r = depth >= 5 ? 0 : pick(6);
    if (r < 3) return leaf(resource_leaves, std::size(resource_leaves));
    if (r < 5) {
      value o = value::object();
      for (int i = 0, n = pick(3); i < n; ++i) o.set(key(), random_resource(depth + 1));
      return o;
    }
    value a = value::array();
    for (int i = 0, n = pick(3); i < n; ++i) a.push_back(random_resource(depth + 1));
    return a;
  }

 private:
  std::mt19937 rng_;
};

const char* status_name(pattern::status s) {
  switch (s) {
    case pattern::status::pass: return "pass";
    case pattern::status::fail: return "fail";
    case pattern::status::skip: return "skip";
  }
  return "?";
}

TEST(PatternReference, GeneratedPatternsMatchThePreviousImplementation) {
  generator g(20240601);
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 30000; ++i) {
    value pat = g.pattern(0);
    value res = g.pick(4) == 0 ? g.random_resource(0) : g.resource_like(pat, 0);
    auto want = pattern::reference::match(res, pat);
    const pattern::prepared ahead = pattern::prepare(pat);
    for (const pattern::prepared* prepared : {static_cast<const pattern::prepared*>(nullptr), &ahead}) {
      auto got = pattern::match(res, pat, prepared);
      ASSERT_EQ(status_name(got.st), std::string(status_name(want.st)))
          << "pattern " << json::serialize(pat) << "\nresource " << json::serialize(res);
      // The walk without texts decides the same way.
      ASSERT_EQ(status_name(pattern::match_status(res, pat, prepared)), std::string(status_name(want.st)))
          << "pattern " << json::serialize(pat) << "\nresource " << json::serialize(res);
      ASSERT_EQ(got.path, want.path) << "pattern " << json::serialize(pat) << "\nresource " << json::serialize(res);
      ASSERT_EQ(got.reason, want.reason) << "pattern " << json::serialize(pat) << "\nresource " << json::serialize(res);
    }
    ++counts[static_cast<int>(want.st)];
  }
  // The generator must exercise every outcome, or the comparison proves little.
  EXPECT_GT(counts[0], 1000);
  EXPECT_GT(counts[1], 1000);
  EXPECT_GT(counts[2], 1000);
}

// Hand-picked shapes for the paths the generator reaches rarely: metadata
// wildcard expansion under anchored tags, skips dropped after an element
// applied, skips inside existence probes, conditional anchors around failures.
TEST(PatternReference, ChosenCasesMatchThePreviousImplementation) {
  struct pair {
    const char* pattern;
    const char* resource;
  };
  const std::vector<pair> cases = {
      {R"~({"metadata":{"labels":{"app*":"?*"}}})~", R"~({"metadata":{"labels":{"apple":"x"}}})~"},
      {R"~({"metadata":{"labels":{"app*":"?*"}}})~", R"~({"metadata":{"labels":{"apple":""}}})~"},
      {R"~({"(metadata)":{"=(labels)":{"(app*)":"a","b?":"?*"}}})~", R"~({"metadata":{"labels":{"apple":"b","bx":""}}})~"},
      {R"~({" =(metadata) ":{"(annotations)":{"X(k*)":"null"}}})~", R"~({"metadata":{"annotations":{"kz":"1"}}})~"},
      {R"~({"metadata":{"labels":{"a*":"1","b*":"2"}}})~", R"~({"metadata":{"labels":{"ab":1,"bb":"2"}}})~"},
      {R"~({"metadata":{"labels":{"a*":"1","*":"2"}}})~", R"~({"metadata":{"labels":{"ab":"1"}}})~"},
      {R"~({"c":[{"(name)":"x","v":"1"}]})~", R"~({"c":[{"name":"y","v":"2"},{"name":"x","v":"1"},{"name":"z"}]})~"},
      {R"~({"c":[{"(name)":"x","v":"1"}]})~", R"~({"c":[{"name":"x","v":"1"},{"name":"y","v":"2"},{"name":"x","v":"3"}]})~"},
      {R"~({"c":[{"(name)":"x","v":"1"}]})~", R"~({"c":[{"name":"y"},{"name":"z"}]})~"},
      {R"~({"c":[{"(name)":"x","d":[{"(k)":"1","v":"2"}]}]})~",
       R"~({"c":[{"name":"x","d":[{"k":"2"}]},{"name":"x","d":[{"k":"1","v":"3"}]}]})~"},
      {R"~({"c":[{"<(name)":"x"}],"d":"1"})~", R"~({"c":[{"name":"y"}],"d":"2"})~"},
      {R"~({"^(c)":[{"(name)":"x","v":"1"}]})~", R"~({"c":[{"name":"y"},{"name":"x","v":"2"}]})~"},
      {R"~({"^(c)":[{"(name)":"x","v":"1"}]})~", R"~({"c":[{"name":"y"},{"name":"x","v":"1"}]})~"},
      {R"~({"^(c)":[{"name":"x"},{"name":"y"}]})~", R"~({"c":[{"name":"y"}]})~"},
      {R"~({"^(c)":[1]})~", R"~({"c":[1]})~"},
      {R"~({"^(c)":{"a":1}})~", R"~({"c":[1]})~"},
      {R"~({"^(c)":[{"a":1}]})~", R"~({"c":{"a":1}})~"},
      {R"~({"(a)":{"(b)":{"c":"1"}}})~", R"~({"a":{"b":{"c":"2"}}})~"},
      {R"~({"(a)":[{"X(b)":"null"}]})~", R"~({"a":[{"b":1}]})~"},
      {R"~({"a":"*","b":"*"})~", R"~({"a":null})~"},
      {R"~({"x":[{"y":[{"(z)":"1"}]}]})~", R"~({"x":[{"y":[{"z":"2"}]},{"y":[{"z":"1"}]}]})~"},
      {R"~({"x":[[1,2],[3]]})~", R"~({"x":[[1,2],[3]]})~"},
      {R"~({"x":[]})~", R"~({"x":[1]})~"},
      {R"~({"x":[1,2]})~", R"~({"x":[1]})~"},
      {R"~({"x":"?*"})~", R"~({"x":["a",""]})~"},
      {R"~({"x":{"a":1}})~", R"~({"x":"s"})~"},
      {R"~({"x":[{"a":1}]})~", R"~({"x":"s"})~"},
      {R"~({"b":{"(c)":"1"},"a":{"=(d)":"2"},"c":"3"})~", R"~({"a":{"d":"3"},"b":{"c":"2"},"c":"4"})~"},
  };
  for (const auto& c : cases) {
    value pat = *json::parse(c.pattern);
    value res = *json::parse(c.resource);
    auto want = pattern::reference::match(res, pat);
    const pattern::prepared ahead = pattern::prepare(pat);
    for (const pattern::prepared* prepared : {static_cast<const pattern::prepared*>(nullptr), &ahead}) {
      auto got = pattern::match(res, pat, prepared);
      EXPECT_EQ(got.st, want.st) << c.pattern << " / " << c.resource;
      EXPECT_EQ(pattern::match_status(res, pat, prepared), want.st) << c.pattern << " / " << c.resource;
      EXPECT_EQ(got.path, want.path) << c.pattern << " / " << c.resource;
      EXPECT_EQ(got.reason, want.reason) << c.pattern << " / " << c.resource;
    }
  }
}

// Shapes past the walker's inline buffers: maps with more keys than the
// small sort buffer, more tracked anchors than the small anchor map, and
// nesting past max_depth through maps and lists (paths built from long chains).
TEST(PatternReference, LargeAndDeepShapesMatchThePreviousImplementation) {
  std::vector<std::pair<value, value>> cases;
  for (int keys : {7, 8, 9, 20}) {
    for (int missing : {-1, 0, keys / 2, keys - 1}) {
      value pat = value::object(), res = value::object();
      for (int i = 0; i < keys; ++i) {
        const std::string k = "k" + std::to_string(i);
        // Tracked anchors ((k), X(k), ^(k)) and plain keys, interleaved.
        const std::string pk = i % 3 == 0 ? "(" + k + ")" : (i % 3 == 1 ? "X(z" + k + ")" : k);
        pat.set(pk, value(i % 3 == 1 ? "null" : "?*"));
        if (i != missing) res.set(k, value(i == keys - 1 && missing == -1 ? "" : "v"));
      }
      cases.emplace_back(std::move(pat), std::move(res));
    }
  }
  for (int depth : {pattern::max_depth - 1, pattern::max_depth, pattern::max_depth + 1, 2 * pattern::max_depth}) {
    for (int shape = 0; shape < 3; ++shape) {
      value pat = value("x");
      value res = value(shape == 2 ? "y" : "x");
      for (int i = 0; i < depth; ++i) {
        value p = value::object(), r = value::object();
        const char* key = shape == 1 && i % 2 == 0 ? "(a)" : "a";
        if (i % 3 == 0) {
          value pl = value::array(), rl = value::array();
          pl.push_back(std::move(pat));
          value sibling = value::object();  // a small element the conditional anchor skips or fails on
          sibling.set("a", value("z"));
          rl.push_back(std::move(sibling));
          rl.push_back(std::move(res));
          p.set(key, std::move(pl));
          r.set("a", std::move(rl));
        } else {
          p.set(key, std::move(pat));
          r.set("a", std::move(res));
        }
        pat = std::move(p);
        res = std::move(r);
      }
      cases.emplace_back(std::move(pat), std::move(res));
    }
  }
  int counts[3] = {0, 0, 0};
  for (const auto& [pat, res] : cases) {
    auto want = pattern::reference::match(res, pat);
    const std::string where = json::serialize(pat).substr(0, 200);
    const pattern::prepared ahead = pattern::prepare(pat);
    for (const pattern::prepared* prepared : {static_cast<const pattern::prepared*>(nullptr), &ahead}) {
      auto got = pattern::match(res, pat, prepared);
      EXPECT_EQ(got.st, want.st) << where;
      EXPECT_EQ(pattern::match_status(res, pat, prepared), want.st) << where;
      EXPECT_EQ(got.path, want.path) << where;
      EXPECT_EQ(got.reason, want.reason) << where;
    }
    ++counts[static_cast<int>(want.st)];
  }
  EXPECT_GT(counts[0], 0);  // pass
  EXPECT_GT(counts[1], 0);  // fail
  EXPECT_GT(counts[2], 0);  // skip
}

TEST(PatternReference, EveryScalarPairMatchesThePreviousImplementation) {
  std::vector<value> pats, ress;
  for (const char* p : pattern_leaves) pats.push_back(*json::parse(p));
  for (const char* r : resource_leaves) ress.push_back(*json::parse(r));
  // Operands at the edges of the duration/quantity pre-checks.
  for (const char* s : {"0", "+0", "-0", "+", "-", ".", "m", "Ki", "1e3", "1E-2", "1.5", ".5", "5.", "1.G", "1us",
                        "1\xC2\xB5s", "1\xCE\xBCs", "1ns", "1.5h", "-1.5h", "1h30m", "1d", "1x", "+1k", "-1k", "1e",
                        "1e+", "1e-3", "1ee", "0x10", "1Ei", "8Ei", "999999999999999999", "9999999999999999999",
                        "123456789012345678Ki", "0.000000001", "0.0000000001", "1 ", " 1", "1-", "-1-2", "1!-2"}) {
    pats.push_back(value(std::string(s)));
    pats.push_back(value(std::string(">") + s));
    pats.push_back(value(std::string("!") + s));
    ress.push_back(value(std::string(s)));
  }
  for (const value& p : pats) {
    for (const value& r : ress) {
      EXPECT_EQ(pattern::match_scalar(r, p), pattern::reference::match_scalar(r, p))
          << "resource " << json::serialize(r) << " pattern " << json::serialize(p);
    }
  }
}

// parse_quantity's whole-number fast path against the general path, which a
// fraction (".0" changes nothing numerically) forces.
TEST(PatternReference, QuantityFastPathMatchesTheGeneralPath) {
  std::mt19937 rng(7);
  const char* const suffixes[] = {"", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
                                  "e0", "e3", "E-2", "e-9", "e18", "e-10", "e19"};
  for (int i = 0; i < 20000; ++i) {
    std::string digits = std::to_string(rng() % 10);
    for (int n = static_cast<int>(rng() % 20); n > 0; --n) digits += static_cast<char>('0' + rng() % 10);
    const std::string sign = rng() % 4 == 0 ? "-" : (rng() % 4 == 0 ? "+" : "");
    const std::string suffix = suffixes[rng() % std::size(suffixes)];
    const std::string fast = sign + digits + suffix;
    const std::string general = sign + digits + ".0" + suffix;
    auto a = parse_quantity(fast);
    auto b = parse_quantity(general);
    ASSERT_EQ(a.ok(), b.ok()) << fast;
    if (!a.ok()) continue;
    EXPECT_TRUE(a->nanos == b->nanos) << fast << " vs " << general;
    EXPECT_EQ(a->fmt, b->fmt) << fast;
    EXPECT_EQ(to_string(*a), to_string(*b)) << fast;
  }
}

}  // namespace
}  // namespace coco_admit
