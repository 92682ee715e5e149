#include "coco-admit/core/template.h"

#include <algorithm>

#include "coco-admit/core/json.h"
#include "coco-admit/core/variables.h"

namespace coco_admit {
namespace {

// Kyverno's variable regex, `(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})`, by
// hand: from a `{{` not preceded by a backslash, accept any non-brace byte or
// one level of `{...}` without braces inside, until `}}`. Returns the end
// offset (one past `}}`) or npos.
std::size_t match_variable_at(std::string_view s, std::size_t start) {
  std::size_t i = start + 2;
  while (i < s.size()) {
    char c = s[i];
    if (c == '}') {
      if (i + 1 < s.size() && s[i + 1] == '}') return i + 2;
      return std::string_view::npos;
    }
    if (c == '{') {
      std::size_t j = i + 1;
      while (j < s.size() && s[j] != '{' && s[j] != '}') ++j;
      if (j >= s.size() || s[j] != '}') return std::string_view::npos;
      i = j + 1;
      continue;
    }
    ++i;
  }
  return std::string_view::npos;
}

}  // namespace

std::vector<std::pair<std::size_t, std::size_t>> find_variables(std::string_view s) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::size_t i = 0;
  while (i + 1 < s.size()) {
    if (s[i] == '{' && s[i + 1] == '{' && (i == 0 || s[i - 1] != '\\')) {
      std::size_t end = match_variable_at(s, i);
      if (end != std::string_view::npos) {
        out.emplace_back(i, end);
        i = end;
        continue;
      }
    }
    ++i;
  }
  return out;
}

bool has_variables(std::string_view text) {
  if (text.find("{{") == std::string_view::npos) return false;
  return !find_variables(text).empty();
}

std::string variable_expression(std::string_view var, bool* shallow) {
  // Strip "{{" "}}" and surrounding spaces; "{{-" marks a shallow substitution.
  std::string_view inner = var.substr(2, var.size() - 4);
  bool is_shallow = false;
  if (!inner.empty() && inner.front() == '-') {
    is_shallow = true;
    inner.remove_prefix(1);
  }
  while (!inner.empty() && (inner.front() == ' ' || inner.front() == '\t' || inner.front() == '\n')) inner.remove_prefix(1);
  while (!inner.empty() && (inner.back() == ' ' || inner.back() == '\t' || inner.back() == '\n')) inner.remove_suffix(1);
  if (shallow) *shallow = is_shallow;
  return std::string(inner);
}

// Kyverno removes the backslash of escaped variables (`\{{x}}` -> `{{x}}`)
// after substitution.
std::string unescape_variables(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 2 < text.size() && text[i + 1] == '{' && text[i + 2] == '{' &&
        match_variable_at(text, i + 1) != std::string_view::npos) {
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

namespace {

bool identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The runs of identifier characters that references_identifier (below) would accept as a whole name.
void note_identifiers(template_segment& seg) {
  const std::string_view t = seg.text;
  for (std::size_t i = 0; i < t.size();) {
    if (!identifier_char(t[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < t.size() && identifier_char(t[i])) ++i;
    if (start > 0 && t[start - 1] == '.') continue;  // a field of something else
    seg.identifiers.emplace_back(static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(i - start));
  }
  seg.identifiers_known = t.size() <= UINT32_MAX;
}

template_segment text_segment(template_segment::kind what, std::string text) {
  template_segment seg;
  seg.what = what;
  seg.text = std::move(text);
  return seg;
}

}  // namespace

bool variables::references_identifier(std::string_view expr, std::string_view name) {
  for (std::size_t pos = expr.find(name); pos != std::string_view::npos; pos = expr.find(name, pos + 1)) {
    const bool start_ok = pos == 0 || (!identifier_char(expr[pos - 1]) && expr[pos - 1] != '.');
    const std::size_t end = pos + name.size();
    const bool end_ok = end == expr.size() || !identifier_char(expr[end]);
    if (start_ok && end_ok) return true;
  }
  return false;
}

bool is_identifier_run(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), identifier_char);
}

bool template_segment::references(std::string_view name, bool name_is_run) const {
  if (!identifiers_known || !name_is_run) return variables::references_identifier(text, name);
  const std::string_view t = text;
  return std::any_of(identifiers.begin(), identifiers.end(), [&](const std::pair<std::uint32_t, std::uint32_t>& r) {
    return r.second == name.size() && t.substr(r.first, r.second) == name;
  });
}

result<template_segment> compile_query(std::string text) {
  template_segment seg;
  seg.what = template_segment::kind::variable;
  seg.text = std::move(text);
  auto expr = jmespath::compile(seg.text);
  if (!expr.ok()) return std::move(expr).err();
  seg.expr = std::move(expr).value();
  note_identifiers(seg);
  return seg;
}

result<template_string> parse_template_string(std::string_view text) {
  template_string out;
  auto vars = find_variables(text);
  std::size_t pos = 0;
  auto literal = [&](std::string_view lit) -> bool {
    // A `{{` left unescaped in a literal means nested variables.
    for (std::size_t i = 0; i + 1 < lit.size(); ++i) {
      if (lit[i] == '{' && lit[i + 1] == '{' && (i == 0 || lit[i - 1] != '\\')) return false;
    }
    out.segments.push_back(text_segment(template_segment::kind::literal, unescape_variables(lit)));
    return true;
  };
  bool nested = false;
  for (auto [b, e] : vars) {
    if (b > pos && !literal(text.substr(pos, b - pos))) nested = true;
    template_segment seg;
    seg.text = variable_expression(text.substr(b, e - b), &seg.shallow);
    if (seg.text == "@") {
      seg.what = template_segment::kind::self_ref;
    } else {
      auto compiled = compile_query(std::move(seg.text));
      if (!compiled.ok()) return error::invalid("variable {{" + variable_expression(text.substr(b, e - b), nullptr) +
                                                "}}: " + compiled.err().message);
      const bool shallow = seg.shallow;
      seg = std::move(compiled).value();
      seg.shallow = shallow;
    }
    out.segments.push_back(std::move(seg));
    pos = e;
  }
  if (pos < text.size() && !literal(text.substr(pos))) nested = true;
  if (nested) {
    template_string n;
    n.segments.push_back(text_segment(template_segment::kind::nested, std::string(text)));
    return n;
  }
  return out;
}

namespace {

status collect(const value& v, std::string& pointer, std::unordered_map<std::string, template_string>& strings,
               int depth, bool* has_references) {
  if (depth > 256) return error::budget("template nested deeper than 256 levels");
  auto add = [&](const std::string& s) -> status {
    if (s.find("$(") != std::string::npos) *has_references = true;
    if (s.find("{{") == std::string::npos || strings.count(s)) return {};
    auto parsed = parse_template_string(s);
    if (!parsed.ok()) return error::invalid((pointer.empty() ? std::string("/") : pointer) + ": " + parsed.err().message);
    strings.emplace(s, std::move(parsed).value());
    return {};
  };
  switch (v.type()) {
    case value::kind::string: return add(v.as_string());
    case value::kind::array: {
      std::size_t i = 0;
      for (const auto& e : v.as_array()) {
        std::size_t len = pointer.size();
        pointer += "/" + std::to_string(i++);
        COCO_ADMIT_TRY(collect(e, pointer, strings, depth + 1, has_references));
        pointer.resize(len);
      }
      return {};
    }
    case value::kind::object:
      for (const auto& m : v.as_object()) {
        std::size_t len = pointer.size();
        pointer += "/" + json::escape_pointer_token(m.key);
        COCO_ADMIT_TRY(add(m.key));
        COCO_ADMIT_TRY(collect(m.val, pointer, strings, depth + 1, has_references));
        pointer.resize(len);
      }
      return {};
    default: return {};
  }
}

}  // namespace

result<tmpl> compile_template(value raw) {
  auto strings = std::make_shared<std::unordered_map<std::string, template_string>>();
  std::string pointer;
  bool has_references = false;
  status st = collect(raw, pointer, *strings, 0, &has_references);
  if (!st.ok()) return st.err();
  tmpl t;
  t.has_references = has_references;
  t.raw = std::move(raw);
  t.has_variables = !strings->empty();
  t.strings = std::move(strings);
  return t;
}

}  // namespace coco_admit
