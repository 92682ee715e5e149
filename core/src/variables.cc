#include "coco-admit/core/variables.h"

#include <array>
#include <vector>

#include "coco-admit/core/json.h"

namespace coco_admit::variables {
namespace {

constexpr int max_rescans = 16;  // bound on nested re-substitution rounds

// Where substitution is in the template, as a chain of links on the stack:
// it is only rendered when a `{{@}}` needs it, so the walk allocates nothing
// per member or element.
struct path_link {
  const path_link* up;
  std::string_view key;     ///< object member (when !is_index)
  std::size_t index = 0;    ///< array element (when is_index)
  bool is_index = false;
};

std::string self_path(const std::string& prefix, const path_link* path) {
  std::vector<const path_link*> links;
  for (const path_link* l = path; l != nullptr; l = l->up) links.push_back(l);
  std::string out = prefix;
  for (auto it = links.rbegin(); it != links.rend(); ++it) {
    const path_link& l = **it;
    if (l.is_index) {
      out += "[" + std::to_string(l.index) + "]";
      continue;
    }
    // A key of digits reads as an index, as it always has here.
    bool index = !l.key.empty() && l.key.find_first_not_of("0123456789") == std::string_view::npos;
    if (index) {
      out += "[" + std::string(l.key) + "]";
    } else {
      out += ".";
      json::append_quoted(l.key, out);
    }
  }
  return out;
}

// (references_identifier is defined in template.cc, next to the identifiers a compiled segment notes: the two must
// answer alike, and share what an identifier character is.)

result<value> eval_strict(const template_segment& seg, const options& o, const path_link* path) {
  if (o.on_query) o.on_query(seg.text, &seg);
  if (seg.what == template_segment::kind::self_ref) {
    return query(self_path(o.self_prefix, path), o);
  }
  if (seg.expr) return jmespath::evaluate(*seg.expr, *o.context, o.limits);
  return query(seg.text, o);
}

result<value> eval_variable(const template_segment& seg, const options& o, const path_link* path) {
  auto v = eval_strict(seg, o, path);
  // Budget errors stay errors even for the lenient resolver: a bound is a bound.
  if (v.ok() || !o.lenient || v.err().code == error::kind::budget) return v;
  // An expression that reads a context entry which failed to load stays an
  // error: a missing ConfigMap must not turn a deny into a silent pass.
  if (o.unavailable != nullptr) {
    for (const auto& [name, why] : *o.unavailable) {
      if (seg.references(name, is_identifier_run(name))) return error::not_found(why);
    }
  }
  return value("");
}

result<value> resolve_runtime(std::string text, const options& o, const path_link* path);

result<value> resolve_segments(const template_string& ts, const options& o, const path_link* path) {
  if (ts.segments.size() == 1 && ts.segments[0].what == template_segment::kind::nested) {
    return resolve_runtime(ts.segments[0].text, o, path);
  }
  if (ts.single_variable()) return eval_variable(ts.segments[0], o, path);
  std::string out;
  bool rescan = false;
  for (const auto& seg : ts.segments) {
    if (seg.what == template_segment::kind::literal) {
      out += seg.text;
      continue;
    }
    auto v = eval_variable(seg, o, path);
    if (!v.ok()) return std::move(v).err();
    const std::size_t piece = out.size();
    append_text(*v, out);
    // Only a `{{` inside the piece itself asks for a re-scan.
    if (!seg.shallow && out.find("{{", piece) != std::string::npos) rescan = true;
  }
  if (rescan && has_variables(out)) return resolve_runtime(std::move(out), o, path);
  return value(std::move(out));
}

// The general loop of Kyverno's substituteVariablesIfAny, for strings whose
// variables could not be parsed ahead of time (nesting, re-scans).
result<value> resolve_runtime(std::string text, const options& o, const path_link* path) {
  for (int round = 0; round < max_rescans; ++round) {
    auto vars = find_variables(text);
    if (vars.empty()) return value(unescape_variables(text));
    std::string out;
    std::size_t pos = 0;
    for (auto [b, e] : vars) {
      bool shallow = false;
      std::string expr = variable_expression(std::string_view(text).substr(b, e - b), &shallow);
      template_segment seg;
      seg.text = expr;
      seg.what = expr == "@" ? template_segment::kind::self_ref : template_segment::kind::variable;
      auto v = eval_variable(seg, o, path);
      if (!v.ok()) return std::move(v).err();
      if (b == 0 && e == text.size()) return std::move(v).value();  // exactly one variable: typed
      out.append(text, pos, b - pos);
      append_text(*v, out);
      pos = e;
    }
    out.append(text, pos, std::string::npos);
    text = std::move(out);
  }
  return error::budget("variable substitution did not settle after " + std::to_string(max_rescans) +
                       " nested rounds");
}

result<value> walk(const value& v, const tmpl& t, const options& o, const path_link* path) {
  switch (v.type()) {
    case value::kind::string: {
      auto it = t.strings->find(v.as_string());
      if (it == t.strings->end()) return v;
      return resolve_segments(it->second, o, path);
    }
    case value::kind::array: {
      value::array_t out;
      out.reserve(v.as_array().size());
      std::size_t i = 0;
      for (const auto& e : v.as_array()) {
        const path_link here{path, {}, i++, true};
        auto r = walk(e, t, o, &here);
        if (!r.ok()) return std::move(r).err();
        out.push_back(std::move(r).value());
      }
      return value(std::move(out));
    }
    case value::kind::object: {
      value::object_t out;
      out.reserve(v.as_object().size());
      for (const auto& m : v.as_object()) {
        std::string key = m.key;
        auto kit = t.strings->find(key);
        if (kit != t.strings->end()) {
          auto k = resolve_segments(kit->second, o, path);
          if (!k.ok()) return std::move(k).err();
          if (k->is_string()) key = std::move(k->as_string());
          else key = to_text(*k);
        }
        const path_link here{path, key};
        auto r = walk(m.val, t, o, &here);
        if (!r.ok()) return std::move(r).err();
        out.push_back(member{std::move(key), std::move(r).value()});
      }
      return value(std::move(out));
    }
    default: return v;
  }
}

}  // namespace

std::string to_text(const value& v) {
  if (v.is_string()) return std::string(v.as_string_view());
  return json::serialize(v);
}

void append_text(const value& v, std::string& out) {
  if (v.is_string()) out += v.as_string_view();
  else json::serialize_to(v, out);
}

result<value> substitute(const tmpl& t, const options& o) {
  if (!t.has_variables) return t.raw;
  return walk(t.raw, t, o, nullptr);
}

result<const value*> substitute_ref(const tmpl& t, const options& o, value& storage) {
  if (!t.has_variables) return &t.raw;
  auto r = walk(t.raw, t, o, nullptr);
  if (!r.ok()) return std::move(r).err();
  storage = std::move(r).value();
  return &storage;
}

result<value> substitute_string(const template_string& s, std::span<const std::string> path, const options& o) {
  // The chain walk() would have on its stack at this string (only a `{{@}}` reads it), on this stack when short.
  constexpr std::size_t on_stack = 16;
  std::array<path_link, on_stack> fixed{};
  std::vector<path_link> grown(path.size() > on_stack ? path.size() : 0);
  path_link* links = path.size() > on_stack ? grown.data() : fixed.data();
  for (std::size_t i = 0; i < path.size(); ++i) links[i] = path_link{i == 0 ? nullptr : &links[i - 1], path[i]};
  return resolve_segments(s, o, path.empty() ? nullptr : &links[path.size() - 1]);
}

result<value> substitute_text(std::string_view text, const options& o) {
  if (text.find("{{") == std::string_view::npos) return value(text);
  return resolve_runtime(std::string(text), o, {});
}

result<value> query(std::string_view expression, const options& o) {
  if (o.on_query) o.on_query(expression, nullptr);
  return jmespath::search(expression, *o.context, o.limits);
}

result<value> query(const template_segment& compiled, const options& o) {
  if (o.on_query) o.on_query(compiled.text, &compiled);
  return jmespath::evaluate(*compiled.expr, *o.context, o.limits);
}

}  // namespace coco_admit::variables
