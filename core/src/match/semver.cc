// blang/semver Parse, Compare and ParseRange, transcribed (including the
// whitespace splitting quirks of splitAndTrim and the wildcard expansion).
#include "coco-admit/core/semver.h"

#include <algorithm>
#include <string>

namespace coco_admit::semver {
namespace {

constexpr std::string_view kNumbers = "0123456789";
constexpr std::string_view kAlphanum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789";

bool contains_only(std::string_view s, std::string_view set) {
  return std::all_of(s.begin(), s.end(), [&](char c) { return set.find(c) != std::string_view::npos; });
}

bool has_leading_zeroes(std::string_view s) { return s.size() > 1 && s[0] == '0'; }

// strconv.ParseUint(s, 10, 64)
bool parse_uint(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

error bad(std::string_view text, std::string why) {
  std::string m = "semver \"";
  m.append(text);
  m += "\": ";
  m += why;
  return error::invalid(std::move(m));
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    auto p = s.find(sep, start);
    if (p == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, p - start));
    start = p + 1;
  }
}

bool parse_number_part(std::string_view text, std::string_view part, const char* name, std::uint64_t& out,
                       error& err) {
  if (!contains_only(part, kNumbers)) {
    err = bad(text, std::string("Invalid character(s) found in ") + name + " number \"" + std::string(part) + "\"");
    return false;
  }
  if (has_leading_zeroes(part)) {
    err = bad(text, std::string(name) + " number must not contain leading zeroes \"" + std::string(part) + "\"");
    return false;
  }
  if (!parse_uint(part, out)) {
    err = bad(text, std::string("invalid ") + name + " number \"" + std::string(part) + "\"");
    return false;
  }
  return true;
}

}  // namespace

result<version> parse(std::string_view text) {
  if (text.empty()) return bad(text, "Version string empty");
  // SplitN(s, ".", 3)
  auto d1 = text.find('.');
  if (d1 == std::string_view::npos) return bad(text, "No Major.Minor.Patch elements found");
  auto d2 = text.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return bad(text, "No Major.Minor.Patch elements found");
  version v;
  error err;
  if (!parse_number_part(text, text.substr(0, d1), "Major", v.major, err)) return err;
  if (!parse_number_part(text, text.substr(d1 + 1, d2 - d1 - 1), "Minor", v.minor, err)) return err;
  std::string_view patch = text.substr(d2 + 1);
  std::vector<std::string_view> build, pre;
  if (auto b = patch.find('+'); b != std::string_view::npos) {
    build = split(patch.substr(b + 1), '.');
    patch = patch.substr(0, b);
  }
  if (auto p = patch.find('-'); p != std::string_view::npos) {
    pre = split(patch.substr(p + 1), '.');
    patch = patch.substr(0, p);
  }
  if (!parse_number_part(text, patch, "Patch", v.patch, err)) return err;
  for (auto s : pre) {
    if (s.empty()) return bad(text, "Prerelease is empty");
    prerelease_id id;
    if (contains_only(s, kNumbers)) {
      if (has_leading_zeroes(s)) {
        return bad(text, "Numeric PreRelease version must not contain leading zeroes \"" + std::string(s) + "\"");
      }
      if (!parse_uint(s, id.num)) return bad(text, "invalid prerelease number \"" + std::string(s) + "\"");
      id.numeric = true;
    } else if (contains_only(s, kAlphanum)) {
      id.str = std::string(s);
    } else {
      return bad(text, "Invalid character(s) found in prerelease \"" + std::string(s) + "\"");
    }
    v.pre.push_back(std::move(id));
  }
  for (auto s : build) {
    if (s.empty()) return bad(text, "Build meta data is empty");
    if (!contains_only(s, kAlphanum)) {
      return bad(text, "Invalid character(s) found in build meta data \"" + std::string(s) + "\"");
    }
    v.build.emplace_back(s);
  }
  return v;
}

namespace {
int cmp_u(std::uint64_t a, std::uint64_t b) { return a < b ? -1 : (a > b ? 1 : 0); }

int compare_pre(const prerelease_id& a, const prerelease_id& b) {
  if (a.numeric && b.numeric) return cmp_u(a.num, b.num);
  if (a.numeric) return -1;
  if (b.numeric) return 1;
  int c = a.str.compare(b.str);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}
}  // namespace

int compare(const version& a, const version& b) noexcept {
  if (int c = cmp_u(a.major, b.major)) return c;
  if (int c = cmp_u(a.minor, b.minor)) return c;
  if (int c = cmp_u(a.patch, b.patch)) return c;
  if (a.pre.empty() && b.pre.empty()) return 0;
  if (a.pre.empty()) return 1;
  if (b.pre.empty()) return -1;
  std::size_t i = 0;
  for (; i < a.pre.size() && i < b.pre.size(); ++i) {
    if (int c = compare_pre(a.pre[i], b.pre[i])) return c;
  }
  if (i == a.pre.size() && i == b.pre.size()) return 0;
  return i == a.pre.size() ? -1 : 1;
}

std::string to_string(const version& v) {
  std::string s = std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.patch);
  for (std::size_t i = 0; i < v.pre.size(); ++i) {
    s += i == 0 ? '-' : '.';
    s += v.pre[i].numeric ? std::to_string(v.pre[i].num) : v.pre[i].str;
  }
  for (std::size_t i = 0; i < v.build.size(); ++i) {
    s += i == 0 ? '+' : '.';
    s += v.build[i];
  }
  return s;
}

bool range::contains(const version& v) const noexcept {
  for (const auto& all : any_) {
    bool ok = true;
    for (const auto& c : all) {
      int r = compare(v, c.v);
      switch (c.o) {
        case op::eq: ok = r == 0; break;
        case op::ne: ok = r != 0; break;
        case op::gt: ok = r > 0; break;
        case op::ge: ok = r >= 0; break;
        case op::lt: ok = r < 0; break;
        case op::le: ok = r <= 0; break;
      }
      if (!ok) break;
    }
    if (ok) return true;
  }
  return false;
}

namespace {

// splitAndTrim: split on spaces except right after '>', '<' or '='; note that
// blang drops one-character tokens (its `last < i-1` test), which we keep.
std::vector<std::string> split_and_trim(std::string_view s) {
  std::vector<std::string> result;
  std::size_t last = 0;
  char last_char = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ' ' && last_char != '>' && last_char != '<' && last_char != '=') {
      if (static_cast<std::int64_t>(last) < static_cast<std::int64_t>(i) - 1) {
        result.emplace_back(s.substr(last, i - last));
      }
      last = i + 1;
    } else if (s[i] != ' ') {
      last_char = s[i];
    }
  }
  if (static_cast<std::int64_t>(last) < static_cast<std::int64_t>(s.size()) - 1) result.emplace_back(s.substr(last));
  for (auto& r : result) r.erase(std::remove(r.begin(), r.end(), ' '), r.end());
  return result;
}

bool split_comparator_version(std::string_view s, std::string& op, std::string& ver) {
  auto i = s.find_first_of(kNumbers);
  if (i == std::string_view::npos) return false;
  std::string_view o = s.substr(0, i);
  while (!o.empty() && o.front() == ' ') o.remove_prefix(1);
  while (!o.empty() && o.back() == ' ') o.remove_suffix(1);
  op = std::string(o);
  ver = std::string(s.substr(i));
  return true;
}

void replace_first(std::string& s, std::string_view from, std::string_view to) {
  auto p = s.find(from);
  if (p != std::string::npos) s.replace(p, from.size(), to);
}

std::string create_version_from_wildcard(const std::string& v) {
  std::string v2 = v;
  replace_first(v2, ".x.x", ".x");
  replace_first(v2, ".x", ".0");
  if (split(v2, '.').size() == 2) return v2 + ".0";
  return v2;
}

// incrementMajorVersion / incrementMinorVersion (strconv.Atoi then Itoa); "" on failure.
std::string increment_part(const std::string& v, std::size_t index) {
  auto parts = split(v, '.');
  if (index >= parts.size()) return "";
  std::string_view p = parts[index];
  std::size_t k = 0;
  bool neg = false;
  if (!p.empty() && (p[0] == '+' || p[0] == '-')) {
    neg = p[0] == '-';
    k = 1;
  }
  if (k >= p.size() || p.size() - k > 18 || !contains_only(p.substr(k), kNumbers)) return "";
  std::int64_t n = std::stoll(std::string(p.substr(k)));
  if (neg) n = -n;
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += '.';
    out += i == index ? std::to_string(n + 1) : std::string(parts[i]);
  }
  return out;
}

}  // namespace

result<range> parse_range(std::string_view text) {
  auto parts = split_and_trim(text);
  std::vector<std::vector<std::string>> or_parts;
  std::size_t last = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == "||") {
      if (i == 0) return bad(text, "First element in range is '||'");
      or_parts.emplace_back(parts.begin() + static_cast<std::ptrdiff_t>(last),
                            parts.begin() + static_cast<std::ptrdiff_t>(i));
      last = i + 1;
    }
  }
  if (last == parts.size()) return bad(text, "Last element in range is '||'");
  or_parts.emplace_back(parts.begin() + static_cast<std::ptrdiff_t>(last), parts.end());

  // expandWildcardVersion
  std::vector<std::vector<std::string>> expanded;
  for (const auto& p : or_parts) {
    std::vector<std::string> np;
    for (std::string ap : p) {
      if (ap.find('x') != std::string::npos) {
        std::string op, ver;
        if (!split_comparator_version(ap, op, ver)) {
          return bad(text, "Could not get version from string: \"" + ap + "\"");
        }
        auto vparts = split(ver, '.');
        int wildcard = 0;  // 0 none, 1 major, 2 minor, 3 patch (blang's wildcardTypefromInt)
        if (vparts.back() == "x") wildcard = vparts.size() <= 3 ? static_cast<int>(vparts.size()) : 0;
        std::string flat = create_version_from_wildcard(ver);
        std::string result_op;
        bool increment = false;
        if (op == ">") {
          result_op = ">=";
          increment = true;
        } else if (op == ">=") {
          result_op = ">=";
        } else if (op == "<") {
          result_op = "<";
        } else if (op == "<=") {
          result_op = "<";
          increment = true;
        } else if (op.empty() || op == "=" || op == "==") {
          np.push_back(">=" + flat);
          result_op = "<";
          increment = true;
        } else if (op == "!=" || op == "!") {
          np.push_back("<" + flat);
          result_op = ">=";
          increment = true;
        }
        std::string result_version;
        if (increment) {
          if (wildcard == 3) result_version = increment_part(flat, 1);
          if (wildcard == 2) result_version = increment_part(flat, 0);
        } else {
          result_version = flat;
        }
        ap = result_op + result_version;
      }
      np.push_back(std::move(ap));
    }
    expanded.push_back(std::move(np));
  }

  range r;
  for (const auto& p : expanded) {
    std::vector<range::comparator> all;
    for (const auto& ap : p) {
      std::string op, ver;
      if (!split_comparator_version(ap, op, ver)) {
        return bad(text, "Could not get version from string: \"" + ap + "\"");
      }
      range::comparator c;
      if (op.empty() || op == "=" || op == "==") {
        c.o = range::op::eq;
      } else if (op == ">") {
        c.o = range::op::gt;
      } else if (op == ">=") {
        c.o = range::op::ge;
      } else if (op == "<") {
        c.o = range::op::lt;
      } else if (op == "<=") {
        c.o = range::op::le;
      } else if (op == "!" || op == "!=") {
        c.o = range::op::ne;
      } else {
        return bad(text, "Could not parse comparator \"" + op + "\" in \"" + ap + "\"");
      }
      auto v = parse(ver);
      if (!v.ok()) return bad(text, "Could not parse version \"" + ver + "\" in \"" + ap + "\": " + v.err().message);
      c.v = std::move(*v);
      all.push_back(std::move(c));
    }
    r.any_.push_back(std::move(all));
  }
  return r;
}

}  // namespace coco_admit::semver
