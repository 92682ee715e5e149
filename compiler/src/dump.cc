// The stable text form of a program, for `coco-admit compile --dump` and the
// golden tests: one line per decision, indented by structure, no addresses,
// no hash-map iteration order.
#include <algorithm>
#include <sstream>

#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/json.h"

namespace coco_admit::compiler {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + v[i];
  return out;
}

std::string selector_text(const label_selector& s) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : s.match_labels) parts.push_back(k + "=" + v);
  for (const auto& r : s.match_expressions) {
    static const char* ops[] = {"in", "notin", "exists", "!exists"};
    parts.push_back(r.key + " " + ops[static_cast<int>(r.oper)] + " (" + join(r.values) + ")");
  }
  return "{" + join(parts) + "}";
}

void dump_filter(std::ostringstream& out, const resource_filter& f, const std::string& indent) {
  std::vector<std::string> kinds;
  for (const auto& k : f.kinds) kinds.push_back(k.group + "/" + k.version + "/" + k.kind + (k.subresource.empty() ? "" : "/" + k.subresource));
  out << indent << "filter";
  if (!kinds.empty()) out << " kinds=[" << join(kinds) << "]";
  if (!f.operations.empty()) out << " operations=[" << join(f.operations) << "]";
  if (!f.names.empty()) out << " names=[" << join(f.names) << "]";
  if (!f.namespaces.empty()) out << " namespaces=[" << join(f.namespaces) << "]";
  if (!f.annotations.empty()) {
    std::vector<std::string> a;
    for (const auto& [k, v] : f.annotations) a.push_back(k + "=" + v);
    out << " annotations=[" << join(a) << "]";
  }
  if (f.selector) out << " selector=" << selector_text(*f.selector);
  if (f.namespace_selector) out << " namespaceSelector=" << selector_text(*f.namespace_selector);
  if (!f.subjects.empty()) out << " subjects=[" << join(f.subjects) << "]";
  if (!f.roles.empty()) out << " roles=[" << join(f.roles) << "]";
  if (!f.cluster_roles.empty()) out << " clusterRoles=[" << join(f.cluster_roles) << "]";
  out << "\n";
}

void dump_match(std::ostringstream& out, const char* what, const match_block& m, const std::string& indent) {
  if (m.empty()) return;
  out << indent << what << " " << (m.how == match_block::mode::all ? "all" : "any") << "\n";
  for (const auto& f : m.filters) dump_filter(out, f, indent + "  ");
}

std::string tmpl_text(const tmpl& t) { return json::serialize(t.raw); }

void dump_conditions(std::ostringstream& out, const char* what, const condition_block& b, const std::string& indent) {
  if (!b.present()) return;
  out << indent << what << "\n";
  auto list = [&](const char* mode, const std::vector<condition>& cs, bool has) {
    if (!has) return;
    out << indent << "  " << mode << "\n";
    for (const auto& c : cs) {
      out << indent << "    " << tmpl_text(c.key) << " " << conditions::operator_name(c.oper) << " " << tmpl_text(c.val)
          << "\n";
    }
  };
  list("any", b.any, b.has_any);
  list("all", b.all, b.has_all);
}

void dump_context(std::ostringstream& out, const std::vector<context_entry>& ctx, const std::string& indent) {
  for (const auto& c : ctx) {
    if (c.from == context_entry::source::config_map) {
      out << indent << "context " << c.name << " = configMap " << tmpl_text(c.config_map_namespace) << "/"
          << tmpl_text(c.config_map_name) << "\n";
    } else {
      out << indent << "context " << c.name << " = variable";
      if (c.var_value) out << " value=" << tmpl_text(*c.var_value);
      if (c.var_jmespath) out << " jmesPath=" << tmpl_text(*c.var_jmespath);
      if (c.var_default) out << " default=" << tmpl_text(*c.var_default);
      if (c.memo) {
        // What a kept value is keyed by besides the cluster state (context_memo_plan).
        out << " kept-by(";
        const char* sep = "";
        for (const auto& read : c.memo->config_maps) {
          out << sep << read.entry << "=configMap " << read.ns << "/" << read.name;
          sep = ", ";
        }
        for (const auto& path : c.memo->request_paths) {
          out << sep << "request";
          for (const auto& field : path) out << "." << field;
          sep = ", ";
        }
        out << ")";
      }
      out << "\n";
    }
  }
}

void dump_foreach(std::ostringstream& out, const std::vector<foreach_block>& fe, const std::string& indent) {
  for (const auto& f : fe) {
    static const char* orders[] = {"default", "Ascending", "Descending"};
    out << indent << "foreach list=" << json::serialize(value(f.list)) << " order=" << orders[static_cast<int>(f.ord)]
        << "\n";
    dump_context(out, f.context, indent + "  ");
    dump_conditions(out, "preconditions", f.preconditions, indent + "  ");
    if (f.patch_strategic_merge) out << indent << "  patchStrategicMerge " << tmpl_text(*f.patch_strategic_merge) << "\n";
    if (f.map_edits) out << indent << "  map edits (" << describe(*f.map_edits) << ")\n";
    if (f.patches_json6902) out << indent << "  patchesJson6902 " << tmpl_text(*f.patches_json6902) << "\n";
    if (f.pattern) out << indent << "  pattern " << tmpl_text(*f.pattern) << "\n";
    for (const auto& p : f.any_pattern) out << indent << "  anyPattern " << tmpl_text(p) << "\n";
    if (f.deny) dump_conditions(out, "deny", *f.deny, indent + "  ");
    dump_foreach(out, f.nested, indent + "  ");
  }
}

}  // namespace

std::string dump(const program& prog) {
  std::ostringstream out;
  out << "program policies=" << prog.policies.size() << " rules=" << prog.rule_count() << "\n";
  for (std::size_t pi = 0; pi < prog.policies.size(); ++pi) {
    const policy& p = prog.policies[pi];
    out << "policy " << pi << " " << (p.namespaced ? "Policy " + p.ns + "/" : std::string("ClusterPolicy ")) << p.name
        << " failurePolicy=" << (p.on_error == failure_policy::fail ? "Fail" : "Ignore")
        << " action=" << (p.action == failure_action::enforce ? "Enforce" : "Audit")
        << (p.apply == apply_rules::one ? " applyRules=One" : "") << (p.emit_warning ? " emitWarning" : "") << "\n";
    for (std::size_t ri = 0; ri < p.rules.size(); ++ri) {
      const rule& r = p.rules[ri];
      out << "  rule " << ri << " " << r.name << " " << (r.type == rule_type::mutate ? "mutate" : "validate")
          << (r.is_autogen ? " autogen-of=" + r.autogen_of : "") << "\n";
      dump_match(out, "match", r.match, "    ");
      dump_match(out, "exclude", r.exclude, "    ");
      dump_context(out, r.context, "    ");
      dump_conditions(out, "preconditions", r.preconditions, "    ");
      if (r.type == rule_type::mutate) {
        if (r.mutate.patch_strategic_merge) out << "    patchStrategicMerge " << tmpl_text(*r.mutate.patch_strategic_merge) << "\n";
        if (r.mutate.map_edits) out << "    map edits (" << describe(*r.mutate.map_edits) << ")\n";
        if (r.mutate.patches_json6902) out << "    patchesJson6902 " << tmpl_text(*r.mutate.patches_json6902) << "\n";
        dump_foreach(out, r.mutate.foreach, "    ");
      } else {
        const validate_body& v = r.validate;
        if (v.action) out << "    failureAction " << (*v.action == failure_action::enforce ? "Enforce" : "Audit") << "\n";
        if (v.message) out << "    message " << tmpl_text(*v.message) << "\n";
        if (v.pattern) out << "    pattern " << tmpl_text(*v.pattern) << "\n";
        for (const auto& pat : v.any_pattern) out << "    anyPattern " << tmpl_text(pat) << "\n";
        if (v.deny) dump_conditions(out, "deny", *v.deny, "    ");
        dump_foreach(out, v.foreach, "    ");
      }
    }
  }
  out << "selector\n";
  auto refs = [](const std::vector<rule_ref>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + std::to_string(v[i].policy) + "." + std::to_string(v[i].rule);
    return s;
  };
  // One line per list: "<op> <kind> ns=<ns> [name=|label=|annotation=|name-prefix=<key>] -> refs", and
  // "<op> <kind> namespace-prefix=<prefix> -> refs" for the rules keyed by namespace prefix.
  auto keyed = [&](const std::string& prefix, const char* what, const rule_selector::rule_map& map) {
    std::vector<std::string> keys;
    for (const auto& [k, _] : map) keys.push_back(k);
    std::sort(keys.begin(), keys.end());
    for (const auto& k : keys) {
      std::string shown = k;
      std::replace(shown.begin(), shown.end(), '\0', '=');
      out << "  " << prefix << " " << what << "=" << shown << " -> " << refs(map.at(k)) << "\n";
    }
  };
  auto object_level = [&](const std::string& prefix, const rule_selector::by_object& o) {
    keyed(prefix, "name", o.by_name);
    keyed(prefix, "label", o.by_label);
    keyed(prefix, "annotation", o.by_annotation);
    keyed(prefix, "name-prefix", o.by_name_prefix);
    out << "  " << prefix << " -> " << refs(o.unkeyed) << "\n";
  };
  auto leaf = [&](const std::string& prefix, const rule_selector::by_namespace& n) {
    keyed(prefix, "namespace-prefix", n.by_namespace_prefix);
    std::vector<std::string> names;
    for (const auto& [ns, _] : n.exact) names.push_back(ns);
    std::sort(names.begin(), names.end());
    for (const auto& ns : names) object_level(prefix + " ns=" + ns, n.exact.at(ns));
    object_level(prefix + " ns=*", n.any_namespace);
  };
  for (const auto& [op, bk] : prog.selector.by_operation) {
    std::vector<std::string> kinds;
    for (const auto& [k, _] : bk.exact) kinds.push_back(k);
    std::sort(kinds.begin(), kinds.end());
    for (const auto& k : kinds) leaf(op + " " + k, bk.exact.at(k));
    leaf(op + " *", bk.any_kind);
  }
  return out.str();
}

}  // namespace coco_admit::compiler
