#include "coco-admit/core/match.h"

#include <algorithm>

#include "coco-admit/core/wildcard.h"

namespace coco_admit {
namespace {

bool is_version(std::string_view s) {
  // ^v\d+((alpha|beta)\d+)?$
  if (s.size() < 2 || s[0] != 'v') return false;
  std::size_t i = 1;
  std::size_t digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  if (digits == 0) return false;
  if (i == s.size()) return true;
  std::string_view rest = s.substr(i);
  std::string_view tag = rest.rfind("alpha", 0) == 0 ? "alpha" : rest.rfind("beta", 0) == 0 ? "beta" : "";
  if (tag.empty()) return false;
  rest.remove_prefix(tag.size());
  if (rest.empty()) return false;
  return std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    std::size_t next = s.find(sep, pos);
    out.emplace_back(s.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return out;
}

std::string_view string_member(const value* obj, std::string_view key) {
  if (obj == nullptr) return {};
  const value* v = obj->find(key);
  return v != nullptr && v->is_string() ? v->as_string_view() : std::string_view();
}

bool contains(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

bool user_filters_match(const resource_filter& filter, const request_facts& f) {
  if (f.user_info == nullptr || f.user_info->is_null()) return true;  // ignored without admission info
  if (filter.roles.empty() && filter.cluster_roles.empty() && filter.subjects.empty()) return true;
  std::string_view username = string_member(f.user_info, "username");
  std::vector<std::string_view> groups;
  if (const value* g = f.user_info->find("groups"); g != nullptr && g->is_array()) {
    for (const auto& e : g->as_array()) {
      if (e.is_string()) groups.push_back(e.as_string());
    }
  }
  if (!filter.roles.empty()) {
    bool any = f.roles != nullptr && std::any_of(filter.roles.begin(), filter.roles.end(),
                                                [&](const std::string& r) { return contains(*f.roles, r); });
    if (!any) return false;
  }
  if (!filter.cluster_roles.empty()) {
    bool any = f.cluster_roles != nullptr &&
               std::any_of(filter.cluster_roles.begin(), filter.cluster_roles.end(),
                           [&](const std::string& r) { return contains(*f.cluster_roles, r); });
    if (!any) return false;
  }
  if (!filter.subjects.empty()) {
    bool any = false;
    for (const auto& s : filter.subjects) {
      // "Kind:name" or "ServiceAccount:namespace:name"
      auto parts = split(s, ':');
      if (parts.size() >= 2 && parts[0] == "User" && wildcard::match(parts[1], username)) any = true;
      if (parts.size() >= 2 && parts[0] == "Group" &&
          std::any_of(groups.begin(), groups.end(), [&](std::string_view g) { return wildcard::match(parts[1], g); })) {
        any = true;
      }
      if (parts.size() >= 3 && parts[0] == "ServiceAccount" &&
          username == "system:serviceaccount:" + parts[1] + ":" + parts[2]) {
        any = true;
      }
      if (any) break;
    }
    if (!any) return false;
  }
  return true;
}

// Kyverno drops a filter's user fields when the request carries no admission
// user info (the CLI without userinfo, background scans), so a filter made of
// user fields only is then empty: it matches nothing and excludes nothing.
bool filter_is_empty(const resource_filter& f, const request_facts& facts) {
  bool no_user = facts.user_info == nullptr || facts.user_info->is_null();
  return f.kinds.empty() && f.names.empty() && f.namespaces.empty() && f.annotations.empty() && !f.selector &&
         !f.namespace_selector && f.operations.empty() &&
         (no_user || (f.subjects.empty() && f.roles.empty() && f.cluster_roles.empty()));
}

}  // namespace

kind_selector parse_kind_selector(std::string_view text) {
  kind_selector k;
  k.text = std::string(text);
  std::vector<std::string> parts = split(text, '/');
  std::vector<std::string> last = split(parts.back(), '.');
  parts.pop_back();
  parts.insert(parts.end(), last.begin(), last.end());
  switch (parts.size()) {
    case 1:
      k.kind = parts[0];
      break;
    case 2:
      if (parts[0] == "*" && parts[1] == "*") {
        k.kind = "*";
        k.subresource = "*";
      } else if (parts[0] == "*" && !parts[1].empty() && parts[1][0] >= 'a' && parts[1][0] <= 'z') {
        k.kind = "*";  // `*/status`: every kind's subresource
        k.subresource = parts[1];
      } else if (is_version(parts[0]) || parts[0] == "*") {
        k.version = parts[0];
        k.kind = parts[1];
      } else {
        k.kind = parts[0];
        k.subresource = parts[1];
      }
      break;
    case 3:
      if (is_version(parts[0]) || parts[0] == "*") {
        k.version = parts[0];
        k.kind = parts[1];
        k.subresource = parts[2];
      } else {
        k.group = parts[0];
        k.version = parts[1];
        k.kind = parts[2];
      }
      break;
    default:
      k.group = parts[0];
      k.version = parts[1];
      k.kind = parts[2];
      k.subresource = parts[3];
      break;
  }
  return k;
}

bool kind_matches(const kind_selector& k, const request_facts& f) {
  // A pattern matches its own text ('*' and '?' each match themselves), and selectors mostly name the request's
  // group, kind and subresource as written, or "*" for the group and version the policy left out: those settle
  // without a wildcard match.
  auto part = [](const std::string& pattern, std::string_view text) {
    return pattern == text || pattern == "*" || wildcard::match(pattern, text);
  };
  if (!part(k.group, f.group) || !part(k.version, f.version) || !part(k.kind, f.kind)) return false;
  if (part(k.subresource, f.subresource)) return true;
  // A plain Pod selector also matches pods/ephemeralcontainers (back-compat).
  return f.group.empty() && f.version == "v1" && f.kind == "Pod" && f.subresource == "ephemeralcontainers";
}

bool label_selector_matches(const label_selector& s, const value* labels) {
  auto label = [&](std::string_view key) -> const value* {
    return labels != nullptr && labels->is_object() ? labels->find(key) : nullptr;
  };
  for (const auto& [k, v] : s.match_labels) {
    if (wildcard::has_wildcards(k) || wildcard::has_wildcards(v)) {
      bool found = false;
      if (labels != nullptr && labels->is_object()) {
        for (const auto& m : labels->as_object()) {
          if (m.val.is_string() && wildcard::match(k, m.key) && wildcard::match(v, m.val.as_string_view())) {
            found = true;
            break;
          }
        }
      }
      if (!found) return false;
      continue;
    }
    const value* actual = label(k);
    if (actual == nullptr || !actual->is_string() || actual->as_string_view() != v) return false;
  }
  for (const auto& req : s.match_expressions) {
    const value* actual = label(req.key);
    bool present = actual != nullptr && actual->is_string();
    switch (req.oper) {
      case label_selector::requirement::op::exists:
        if (!present) return false;
        break;
      case label_selector::requirement::op::does_not_exist:
        if (present) return false;
        break;
      case label_selector::requirement::op::in:
        if (!present || !contains(req.values, actual->as_string_view())) return false;
        break;
      case label_selector::requirement::op::not_in:
        if (present && contains(req.values, actual->as_string_view())) return false;
        break;
    }
  }
  return true;
}

bool filter_matches(const resource_filter& filter, const request_facts& f) {
  if (!filter.kinds.empty() &&
      std::none_of(filter.kinds.begin(), filter.kinds.end(), [&](const kind_selector& k) { return kind_matches(k, f); })) {
    return false;
  }
  if (!filter.names.empty() && std::none_of(filter.names.begin(), filter.names.end(), [&](const std::string& n) {
        return wildcard::match(n, f.name);
      })) {
    return false;
  }
  if (!filter.namespaces.empty() &&
      std::none_of(filter.namespaces.begin(), filter.namespaces.end(),
                   [&](const std::string& n) { return wildcard::match(n, f.ns); })) {
    return false;
  }
  for (const auto& [k, v] : filter.annotations) {
    bool found = false;
    if (f.annotations != nullptr && f.annotations->is_object()) {
      for (const auto& m : f.annotations->as_object()) {
        if (m.val.is_string() && wildcard::match(k, m.key) && wildcard::match(v, m.val.as_string_view())) {
          found = true;
          break;
        }
      }
    }
    if (!found) return false;
  }
  if (filter.selector && !label_selector_matches(*filter.selector, f.labels)) return false;
  if (filter.namespace_selector && f.object_kind != "Namespace" && !f.object_kind.empty()) {
    if (!label_selector_matches(*filter.namespace_selector, f.namespace_labels)) return false;
  }
  if (!filter.operations.empty() && !contains(filter.operations, f.operation)) return false;
  return user_filters_match(filter, f);
}

bool rule_matches(const rule& r, const request_facts& f) {
  const match_block& m = r.match;
  if (m.empty()) return false;  // Kyverno: "match cannot be empty"
  bool matched;
  if (m.how == match_block::mode::all) {
    matched = std::all_of(m.filters.begin(), m.filters.end(),
                          [&](const resource_filter& x) { return !filter_is_empty(x, f) && filter_matches(x, f); });
  } else {
    matched = std::any_of(m.filters.begin(), m.filters.end(),
                          [&](const resource_filter& x) { return !filter_is_empty(x, f) && filter_matches(x, f); });
  }
  if (!matched) return false;
  const match_block& e = r.exclude;
  if (e.empty()) return true;
  if (e.how == match_block::mode::all) {
    bool all = std::all_of(e.filters.begin(), e.filters.end(),
                           [&](const resource_filter& x) { return !filter_is_empty(x, f) && filter_matches(x, f); });
    return !all;
  }
  bool any = std::any_of(e.filters.begin(), e.filters.end(),
                         [&](const resource_filter& x) { return !filter_is_empty(x, f) && filter_matches(x, f); });
  return !any;
}

}  // namespace coco_admit
