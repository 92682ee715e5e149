// The reference interpreter: each Kyverno rule of the subset in
// reference_engine.h written out the way the documentation states it, with no
// attempt at speed. Kept deliberately separate from core/ (no shared code
// besides the value type) so that a bug in one is not repeated in the other.
#include "reference_engine.h"

#include "coco-admit/core/json.h"

namespace coco_admit::testing {
namespace {

value strings(const std::vector<std::string>& v) {
  value out = value::array();
  for (const auto& s : v) out.push_back(value(s));
  return out;
}

value filter_document(const ref_filter& f) {
  value res = value::object();
  if (!f.kinds.empty()) res.set("kinds", strings(f.kinds));
  if (!f.names.empty()) res.set("names", strings(f.names));
  if (!f.namespaces.empty()) res.set("namespaces", strings(f.namespaces));
  if (!f.match_labels.empty()) {
    value labels = value::object();
    for (const auto& [k, v] : f.match_labels) labels.set(k, value(v));
    value selector = value::object();
    selector.set("matchLabels", std::move(labels));
    res.set("selector", std::move(selector));
  }
  value filter = value::object();
  filter.set("resources", std::move(res));
  return filter;
}

value any_of(const std::vector<ref_filter>& filters) {
  value list = value::array();
  for (const auto& f : filters) list.push_back(filter_document(f));
  value out = value::object();
  out.set("any", std::move(list));
  return out;
}

std::string condition_key(const ref_condition& c) {
  if (c.key == ref_condition::key_kind::container_count) return "{{ length(request.object.spec.containers) }}";
  return "{{ request.object.metadata.labels.\"" + c.label + "\" || '' }}";
}

value conditions_document(const std::vector<ref_condition>& list) {
  value out = value::array();
  for (const auto& c : list) {
    value d = value::object();
    d.set("key", value(condition_key(c)));
    d.set("operator", value(c.op));
    d.set("value", c.val);
    out.push_back(std::move(d));
  }
  return out;
}

const value* field(const value& obj, const std::string& key) {
  return obj.is_object() ? obj.find(key) : nullptr;
}

std::string string_field(const value& obj, const std::string& key) {
  const value* v = field(obj, key);
  return v != nullptr && v->is_string() ? v->as_string() : std::string();
}

bool filter_matches(const ref_filter& f, const value& resource) {
  const std::string kind = string_field(resource, "kind");
  const value& md = *field(resource, "metadata");
  const std::string name = string_field(md, "name");
  const std::string ns = string_field(md, "namespace");
  if (!f.kinds.empty()) {
    bool any = false;
    for (const auto& k : f.kinds) any |= k == "*" || k == kind;
    if (!any) return false;
  }
  if (!f.names.empty()) {
    bool any = false;
    for (const auto& n : f.names) any |= wildcard_match(n, name);
    if (!any) return false;
  }
  if (!f.namespaces.empty()) {
    bool any = false;
    for (const auto& n : f.namespaces) any |= wildcard_match(n, ns);
    if (!any) return false;
  }
  const value* labels = field(md, "labels");
  for (const auto& [k, v] : f.match_labels) {
    const value* actual = labels != nullptr ? field(*labels, k) : nullptr;
    if (actual == nullptr || !actual->is_string() || actual->as_string() != v) return false;
  }
  return true;
}

bool any_filter_matches(const std::vector<ref_filter>& filters, const value& resource) {
  for (const auto& f : filters) {
    if (filter_matches(f, resource)) return true;
  }
  return false;
}

// KYVERNO.md 1.7, restricted: `res` is null when the key is missing.
bool pattern_matches(const value& pat, const value* res) {
  if (pat.is_object()) {
    if (res == nullptr || !res->is_object()) return false;
    for (const auto& m : pat.as_object()) {
      if (!pattern_matches(m.val, field(*res, m.key))) return false;
    }
    return true;
  }
  if (pat.is_array()) {
    if (res == nullptr || !res->is_array()) return false;
    const value& element_pattern = pat.as_array().front();
    for (const auto& e : res->as_array()) {
      if (!pattern_matches(element_pattern, &e)) return false;
    }
    return true;
  }
  const std::string& s = pat.as_string();
  if (res == nullptr || res->is_null()) return false;  // "*", "?*" and plain wildcards all need a value
  if (!res->is_string()) return false;                 // the subset only patterns strings
  if (s == "*") return true;
  if (!s.empty() && s[0] == '!') return !wildcard_match(s.substr(1), res->as_string());
  return wildcard_match(s, res->as_string());
}

// KYVERNO.md 1.4, restricted to the keys and operators of ref_condition.
bool condition_holds(const ref_condition& c, const value& resource) {
  if (c.key == ref_condition::key_kind::container_count) {
    const value* spec = field(resource, "spec");
    const value* cs = spec != nullptr ? field(*spec, "containers") : nullptr;
    std::int64_t n = cs != nullptr && cs->is_array() ? static_cast<std::int64_t>(cs->as_array().size()) : 0;
    if (c.op == "GreaterThan") return n > c.val.as_int();
    if (c.op == "LessThan") return n < c.val.as_int();
    return false;
  }
  const value* labels = field(*field(resource, "metadata"), "labels");
  const value* v = labels != nullptr ? field(*labels, c.label) : nullptr;
  const std::string key = v != nullptr && v->is_string() ? v->as_string() : std::string();
  auto in_list = [&] {
    for (const auto& e : c.val.as_array()) {
      if (wildcard_match(e.as_string(), key)) return true;
    }
    return false;
  };
  if (c.op == "Equals") return wildcard_match(c.val.as_string(), key);
  if (c.op == "NotEquals") return !wildcard_match(c.val.as_string(), key);
  if (c.op == "AnyIn") return in_list();
  if (c.op == "AnyNotIn") return !in_list();
  return false;
}

}  // namespace

bool wildcard_match(const std::string& pattern, const std::string& text) {
  if (pattern.empty()) return text.empty();
  if (pattern[0] == '*') {
    for (std::size_t skip = 0; skip <= text.size(); ++skip) {
      if (wildcard_match(pattern.substr(1), text.substr(skip))) return true;
    }
    return false;
  }
  if (text.empty()) return false;
  if (pattern[0] != '?' && pattern[0] != text[0]) return false;
  return wildcard_match(pattern.substr(1), text.substr(1));
}

std::string to_policy_document(const ref_policy& p) {
  value doc = value::object();
  doc.set("apiVersion", value("kyverno.io/v1"));
  doc.set("kind", value("ClusterPolicy"));
  value md = value::object();
  md.set("name", value(p.name));
  value annotations = value::object();
  annotations.set("pod-policies.kyverno.io/autogen-controllers", value("none"));
  md.set("annotations", std::move(annotations));
  doc.set("metadata", std::move(md));
  value spec = value::object();
  spec.set("validationFailureAction", value("Audit"));
  spec.set("background", value(false));
  value rules = value::array();
  for (const auto& r : p.rules) {
    value rule = value::object();
    rule.set("name", value(r.name));
    rule.set("match", any_of(r.match_any));
    if (!r.exclude_any.empty()) rule.set("exclude", any_of(r.exclude_any));
    value validate = value::object();
    validate.set("message", value("reference check"));
    if (r.is_deny) {
      value conds = value::object();
      if (!r.deny_any.empty()) conds.set("any", conditions_document(r.deny_any));
      if (!r.deny_all.empty()) conds.set("all", conditions_document(r.deny_all));
      value deny = value::object();
      deny.set("conditions", std::move(conds));
      validate.set("deny", std::move(deny));
    } else {
      validate.set("pattern", r.pattern);
    }
    rule.set("validate", std::move(validate));
    rules.push_back(std::move(rule));
  }
  spec.set("rules", std::move(rules));
  doc.set("spec", std::move(spec));
  return json::serialize_pretty(doc);
}

std::vector<rule_status> evaluate(const ref_policy& p, const value& resource) {
  std::vector<rule_status> out;
  for (const auto& r : p.rules) {
    if (!any_filter_matches(r.match_any, resource) || any_filter_matches(r.exclude_any, resource)) {
      out.push_back(rule_status::skip);
      continue;
    }
    bool ok;
    if (r.is_deny) {
      bool any = r.deny_any.empty();
      for (const auto& c : r.deny_any) any = any || condition_holds(c, resource);
      bool all = true;
      for (const auto& c : r.deny_all) all = all && condition_holds(c, resource);
      ok = !(any && all);
    } else {
      ok = pattern_matches(r.pattern, &resource);
    }
    out.push_back(ok ? rule_status::pass : rule_status::fail);
  }
  return out;
}

}  // namespace coco_admit::testing
