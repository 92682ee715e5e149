#include "coco-admit/compiler/compiler.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "autogen.h"
#include "coco-admit/core/jmespath.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/match.h"
#include "coco-admit/core/yaml.h"

namespace coco_admit::compiler {

std::string diagnostic::to_string() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  if (!out.empty()) out += ": ";
  if (!path.empty()) out += path + ": ";
  out += message;
  return out;
}

std::string compile_output::error_text() const {
  std::string out;
  for (const auto& d : errors) out += d.to_string() + "\n";
  return out;
}

namespace {

// "/spec/rules/0/mutate" -> "spec.rules[0].mutate"
std::string field_path(std::string_view pointer) {
  std::string out;
  std::size_t pos = 1;
  while (pos <= pointer.size() && !pointer.empty()) {
    std::size_t next = pointer.find('/', pos);
    std::string token(pointer.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    bool index = !token.empty() && token.find_first_not_of("0123456789") == std::string::npos;
    if (index) out += "[" + token + "]";
    else out += (out.empty() ? "" : ".") + token;
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return out;
}

// Per-document compilation state: where we are, for diagnostics.
class document_compiler {
 public:
  document_compiler(const std::string& file, const yaml::document& doc, std::vector<diagnostic>& errors)
      : file_(file), doc_(doc), errors_(errors) {}

  std::optional<policy> compile_policy();

 private:
  void fail(const std::string& pointer, const std::string& message) {
    diagnostic d;
    d.file = file_;
    auto pos = doc_.locate(pointer);
    d.line = pos.line;
    d.column = pos.column;
    std::string who = policy_name_.empty() ? "" : policy_name_;
    if (!rule_name_.empty()) who += "/" + rule_name_;
    d.path = (who.empty() ? "" : who + ": ") + field_path(pointer);
    d.message = message;
    errors_.push_back(std::move(d));
  }

  // Field checks --------------------------------------------------------
  bool expect_object(const value& v, const std::string& ptr) {
    if (v.is_object()) return true;
    fail(ptr, std::string("expected a mapping, found ") + kind_name(v.type()));
    return false;
  }
  bool check_fields(const value& v, const std::string& ptr, std::initializer_list<std::string_view> allowed,
                    std::initializer_list<std::string_view> unsupported = {}) {
    if (!expect_object(v, ptr)) return false;
    bool ok = true;
    for (const auto& m : v.as_object()) {
      if (std::find(allowed.begin(), allowed.end(), m.key) != allowed.end()) continue;
      if (std::find(unsupported.begin(), unsupported.end(), m.key) != unsupported.end()) {
        fail(ptr + "/" + json::escape_pointer_token(m.key),
             "'" + m.key + "' is outside the subset coco-admit supports (see docs/policies.md)");
      } else {
        fail(ptr + "/" + json::escape_pointer_token(m.key), "unknown field '" + m.key + "'");
      }
      ok = false;
    }
    return ok;
  }
  std::optional<std::string> get_string(const value& v, const std::string& ptr) {
    if (v.is_string()) return v.as_string();
    if (v.is_integer() || v.is_double() || v.is_bool()) return variables_text(v);
    fail(ptr, std::string("expected a string, found ") + kind_name(v.type()));
    return std::nullopt;
  }
  static std::string variables_text(const value& v) {
    return v.is_string() ? v.as_string() : json::serialize(v);
  }
  std::vector<std::string> get_strings(const value& v, const std::string& ptr) {
    std::vector<std::string> out;
    if (v.is_null()) return out;
    if (!v.is_array()) {
      fail(ptr, std::string("expected a list of strings, found ") + kind_name(v.type()));
      return out;
    }
    std::size_t i = 0;
    for (const auto& e : v.as_array()) {
      if (auto s = get_string(e, ptr + "/" + std::to_string(i))) out.push_back(*s);
      ++i;
    }
    return out;
  }
  std::optional<tmpl> get_template(const value& v, const std::string& ptr) {
    auto t = compile_template(v);
    if (!t.ok()) {
      fail(ptr, t.err().message);
      return std::nullopt;
    }
    return std::move(t).value();
  }
  std::optional<validate_pattern> get_pattern(const value& v, const std::string& ptr) {
    std::optional<tmpl> t = get_template(v, ptr);
    if (!t) return std::nullopt;
    validate_pattern out{std::move(*t), nullptr};
    // Substitution and references give a new pattern per request: only a constant one can be analysed ahead.
    if (!out.has_variables && !out.has_references) {
      out.ahead = std::make_shared<const pattern::prepared>(pattern::prepare(out.raw));
    }
    return out;
  }

  // Sections ------------------------------------------------------------
  std::optional<label_selector> compile_selector(const value& v, const std::string& ptr);
  std::optional<resource_filter> compile_filter(const value& v, const std::string& ptr);
  match_block compile_match(const value& v, const std::string& ptr);
  condition_block compile_conditions(const value& v, const std::string& ptr);
  std::vector<context_entry> compile_context(const value& v, const std::string& ptr);
  std::vector<foreach_block> compile_foreach(const value& v, const std::string& ptr, rule_type type, int depth);
  std::optional<rule> compile_rule(const value& v, const std::string& ptr, bool autogen);

  const std::string& file_;
  const yaml::document& doc_;
  std::vector<diagnostic>& errors_;
  std::string policy_name_;
  std::string rule_name_;
};

std::optional<label_selector> document_compiler::compile_selector(const value& v, const std::string& ptr) {
  if (!check_fields(v, ptr, {"matchLabels", "matchExpressions"})) return std::nullopt;
  label_selector s;
  if (const value* ml = v.find("matchLabels")) {
    if (expect_object(*ml, ptr + "/matchLabels")) {
      for (const auto& m : ml->as_object()) {
        if (auto val = get_string(m.val, ptr + "/matchLabels/" + json::escape_pointer_token(m.key))) {
          s.match_labels.emplace_back(m.key, *val);
        }
      }
    }
  }
  if (const value* me = v.find("matchExpressions")) {
    if (!me->is_array()) {
      fail(ptr + "/matchExpressions", "expected a list");
    } else {
      std::size_t i = 0;
      for (const auto& e : me->as_array()) {
        std::string p = ptr + "/matchExpressions/" + std::to_string(i++);
        if (!check_fields(e, p, {"key", "operator", "values"})) continue;
        label_selector::requirement r;
        const value* key = e.find("key");
        const value* op = e.find("operator");
        if (key == nullptr || !key->is_string()) {
          fail(p, "matchExpressions entry needs a string 'key'");
          continue;
        }
        r.key = key->as_string();
        std::string o = op != nullptr && op->is_string() ? op->as_string() : "";
        if (o == "In") r.oper = label_selector::requirement::op::in;
        else if (o == "NotIn") r.oper = label_selector::requirement::op::not_in;
        else if (o == "Exists") r.oper = label_selector::requirement::op::exists;
        else if (o == "DoesNotExist") r.oper = label_selector::requirement::op::does_not_exist;
        else {
          fail(p + "/operator", "operator must be In, NotIn, Exists or DoesNotExist, found '" + o + "'");
          continue;
        }
        if (const value* vals = e.find("values")) r.values = get_strings(*vals, p + "/values");
        s.match_expressions.push_back(std::move(r));
      }
    }
  }
  return s;
}

std::optional<resource_filter> document_compiler::compile_filter(const value& v, const std::string& ptr) {
  // A ResourceFilter: {resources: ResourceDescription, subjects, roles, clusterRoles}
  if (!check_fields(v, ptr, {"resources", "subjects", "roles", "clusterRoles"})) return std::nullopt;
  resource_filter f;
  if (const value* r = v.find("resources")) {
    std::string rp = ptr + "/resources";
    if (check_fields(*r, rp,
                     {"kinds", "name", "names", "namespaces", "annotations", "selector", "namespaceSelector",
                      "operations"})) {
      if (const value* k = r->find("kinds")) {
        for (const auto& s : get_strings(*k, rp + "/kinds")) f.kinds.push_back(parse_kind_selector(s));
      }
      if (const value* n = r->find("name")) {
        if (auto s = get_string(*n, rp + "/name"); s && !s->empty()) f.names.push_back(*s);
      }
      if (const value* n = r->find("names")) {
        auto names = get_strings(*n, rp + "/names");
        f.names.insert(f.names.end(), names.begin(), names.end());
      }
      if (const value* n = r->find("namespaces")) f.namespaces = get_strings(*n, rp + "/namespaces");
      if (const value* a = r->find("annotations")) {
        if (expect_object(*a, rp + "/annotations")) {
          for (const auto& m : a->as_object()) {
            if (auto s = get_string(m.val, rp + "/annotations/" + json::escape_pointer_token(m.key))) {
              f.annotations.emplace_back(m.key, *s);
            }
          }
        }
      }
      if (const value* s = r->find("selector"); s != nullptr && !s->is_null()) f.selector = compile_selector(*s, rp + "/selector");
      if (const value* s = r->find("namespaceSelector"); s != nullptr && !s->is_null()) {
        f.namespace_selector = compile_selector(*s, rp + "/namespaceSelector");
      }
      if (const value* o = r->find("operations")) {
        f.operations = get_strings(*o, rp + "/operations");
        for (const auto& op : f.operations) {
          if (op != "CREATE" && op != "UPDATE" && op != "DELETE" && op != "CONNECT") {
            fail(rp + "/operations", "operation must be CREATE, UPDATE, DELETE or CONNECT, found '" + op + "'");
          }
        }
      }
    }
  }
  if (const value* s = v.find("subjects"); s != nullptr && s->is_array()) {
    std::size_t i = 0;
    for (const auto& subj : s->as_array()) {
      std::string p = ptr + "/subjects/" + std::to_string(i++);
      if (!check_fields(subj, p, {"kind", "name", "namespace", "apiGroup"})) continue;
      std::string kind = subj.find("kind") && subj.find("kind")->is_string() ? subj.find("kind")->as_string() : "";
      std::string name = subj.find("name") && subj.find("name")->is_string() ? subj.find("name")->as_string() : "";
      std::string ns =
          subj.find("namespace") && subj.find("namespace")->is_string() ? subj.find("namespace")->as_string() : "";
      f.subjects.push_back(kind == "ServiceAccount" ? kind + ":" + ns + ":" + name : kind + ":" + name);
    }
  }
  if (const value* r = v.find("roles")) f.roles = get_strings(*r, ptr + "/roles");
  if (const value* r = v.find("clusterRoles")) f.cluster_roles = get_strings(*r, ptr + "/clusterRoles");
  return f;
}

match_block document_compiler::compile_match(const value& v, const std::string& ptr) {
  match_block m;
  if (v.is_null()) return m;
  if (!check_fields(v, ptr, {"any", "all", "resources", "subjects", "roles", "clusterRoles"})) return m;
  const value* any = v.find("any");
  const value* all = v.find("all");
  if (any != nullptr && all != nullptr && any->size() > 0 && all->size() > 0) {
    fail(ptr, "use either 'any' or 'all', not both");
    return m;
  }
  auto list = [&](const value* l, const char* key, match_block::mode how) {
    if (!l->is_array()) {
      fail(ptr + "/" + key, "expected a list of resource filters");
      return;
    }
    m.how = how;
    std::size_t i = 0;
    for (const auto& f : l->as_array()) {
      if (auto rf = compile_filter(f, ptr + "/" + key + "/" + std::to_string(i))) m.filters.push_back(std::move(*rf));
      ++i;
    }
  };
  if (any != nullptr && any->size() > 0) {
    list(any, "any", match_block::mode::any);
    return m;
  }
  if (all != nullptr && all->size() > 0) {
    list(all, "all", match_block::mode::all);
    return m;
  }
  // Legacy form: the block itself is one filter.
  value legacy = value::object();
  for (const char* k : {"resources", "subjects", "roles", "clusterRoles"}) {
    if (const value* x = v.find(k)) legacy.set(k, *x);
  }
  if (legacy.size() == 0) return m;
  if (auto rf = compile_filter(legacy, ptr)) {
    m.how = match_block::mode::any;
    m.filters.push_back(std::move(*rf));
  }
  return m;
}

condition_block document_compiler::compile_conditions(const value& v, const std::string& ptr) {
  condition_block b;
  auto one = [&](const value& c, const std::string& p) -> std::optional<condition> {
    if (!check_fields(c, p, {"key", "operator", "value", "message"})) return std::nullopt;
    condition out;
    const value* op = c.find("operator");
    if (op == nullptr || !op->is_string()) {
      fail(p, "condition needs an 'operator'");
      return std::nullopt;
    }
    auto parsed = conditions::parse_operator(op->as_string());
    if (!parsed.ok()) {
      fail(p + "/operator", parsed.err().message);
      return std::nullopt;
    }
    out.oper = *parsed;
    static const value null_value;
    const value* key = c.find("key");
    const value* val = c.find("value");
    auto k = get_template(key != nullptr ? *key : null_value, p + "/key");
    auto vv = get_template(val != nullptr ? *val : null_value, p + "/value");
    if (!k || !vv) return std::nullopt;
    out.key = std::move(*k);
    out.val = std::move(*vv);
    if (const value* msg = c.find("message")) {
      if (auto m = get_template(*msg, p + "/message")) out.message = std::move(*m);
    }
    return out;
  };
  auto list = [&](const value& l, const std::string& p, std::vector<condition>& into) {
    if (l.is_null()) return;
    if (!l.is_array()) {
      fail(p, "expected a list of conditions");
      return;
    }
    std::size_t i = 0;
    for (const auto& c : l.as_array()) {
      if (auto cond = one(c, p + "/" + std::to_string(i))) into.push_back(std::move(*cond));
      ++i;
    }
  };
  if (v.is_null()) return b;
  if (v.is_array()) {  // legacy: a bare list means all
    b.has_all = true;
    list(v, ptr, b.all);
    return b;
  }
  if (!check_fields(v, ptr, {"any", "all"})) return b;
  if (const value* a = v.find("any")) {
    b.has_any = !a->is_null();
    list(*a, ptr + "/any", b.any);
  }
  if (const value* a = v.find("all")) {
    b.has_all = !a->is_null();
    list(*a, ptr + "/all", b.all);
  }
  return b;
}

std::vector<context_entry> document_compiler::compile_context(const value& v, const std::string& ptr) {
  std::vector<context_entry> out;
  if (v.is_null()) return out;
  if (!v.is_array()) {
    fail(ptr, "expected a list of context entries");
    return out;
  }
  std::size_t i = 0;
  for (const auto& e : v.as_array()) {
    std::string p = ptr + "/" + std::to_string(i++);
    if (!check_fields(e, p, {"name", "configMap", "variable"}, {"apiCall", "imageRegistry", "globalReference"})) {
      continue;
    }
    context_entry c;
    const value* name = e.find("name");
    if (name == nullptr || !name->is_string() || name->as_string().empty()) {
      fail(p, "context entry needs a 'name'");
      continue;
    }
    c.name = name->as_string();
    if (const value* cm = e.find("configMap")) {
      if (!check_fields(*cm, p + "/configMap", {"name", "namespace"})) continue;
      c.from = context_entry::source::config_map;
      static const value empty_string("");
      const value* n = cm->find("name");
      const value* ns = cm->find("namespace");
      if (n == nullptr) {
        fail(p + "/configMap", "configMap needs a 'name'");
        continue;
      }
      auto tn = get_template(*n, p + "/configMap/name");
      auto tns = get_template(ns != nullptr ? *ns : empty_string, p + "/configMap/namespace");
      if (!tn || !tns) continue;
      c.config_map_name = std::move(*tn);
      c.config_map_namespace = std::move(*tns);
    } else if (const value* var = e.find("variable")) {
      if (!check_fields(*var, p + "/variable", {"value", "jmesPath", "default"})) continue;
      c.from = context_entry::source::variable;
      if (const value* x = var->find("value")) c.var_value = get_template(*x, p + "/variable/value");
      if (const value* x = var->find("jmesPath")) c.var_jmespath = get_template(*x, p + "/variable/jmesPath");
      if (const value* x = var->find("default")) c.var_default = get_template(*x, p + "/variable/default");
      if (!c.var_value && !c.var_jmespath) {
        fail(p + "/variable", "variable needs 'value' or 'jmesPath'");
        continue;
      }
    } else {
      fail(p, "context entry needs 'configMap' or 'variable'");
      continue;
    }
    out.push_back(std::move(c));
  }
  return out;
}

namespace {

/// The constant text of a template, or nullopt when it holds variables or is not a string.
std::optional<std::string> constant_text(const tmpl& t) {
  if (t.has_variables || t.has_references || !t.raw.is_string()) return std::nullopt;
  return t.raw.as_string();
}

/// context_memo_plan for `c`, one of the entries `all` of a rule's context, when its value may be kept across requests.
std::optional<context_memo_plan> memo_plan(const context_entry& c, const std::vector<context_entry>& all) {
  if (c.from != context_entry::source::variable || c.var_value || !c.var_jmespath) return std::nullopt;
  std::optional<std::string> text = constant_text(*c.var_jmespath);
  if (!text) return std::nullopt;
  // The engine adds `images` and the foreach `element`s to the context when an expression's text names them.
  if (text->find("images") != std::string::npos || text->find("element") != std::string::npos) return std::nullopt;
  auto compiled = jmespath::compile(*text);
  if (!compiled.ok()) return std::nullopt;
  auto paths = jmespath::input_paths(**compiled);
  if (!paths) return std::nullopt;
  auto entries_named = [&](std::string_view name) {
    return std::count_if(all.begin(), all.end(), [&](const context_entry& e) { return e.name == name; });
  };
  if (entries_named("request") != 0) return std::nullopt;  // an entry would hide the request
  context_memo_plan plan;
  plan.expression = *text;
  for (auto& p : *paths) {
    if (p[0] == "request") {
      if (p.size() < 2) return std::nullopt;  // the whole request
      plan.request_paths.emplace_back(p.begin() + 1, p.end());
      continue;
    }
    if (std::any_of(plan.config_maps.begin(), plan.config_maps.end(),
                    [&](const context_memo_plan::config_map_read& r) { return r.entry == p[0]; })) {
      continue;
    }
    auto cm = std::find_if(all.begin(), all.end(), [&](const context_entry& e) { return e.name == p[0]; });
    if (cm == all.end() || entries_named(p[0]) != 1 || cm->from != context_entry::source::config_map) {
      return std::nullopt;  // another variable, a built-in name (serviceAccountName, ...), or nothing known
    }
    std::optional<std::string> name = constant_text(cm->config_map_name);
    std::optional<std::string> ns = constant_text(cm->config_map_namespace);
    if (!name || !ns) return std::nullopt;
    plan.config_maps.push_back({p[0], ns->empty() ? "default" : *ns, *name});
  }
  return plan;
}

}  // namespace

std::vector<foreach_block> document_compiler::compile_foreach(const value& v, const std::string& ptr, rule_type type,
                                                              int depth) {
  std::vector<foreach_block> out;
  if (depth > 8) {
    fail(ptr, "foreach nested deeper than 8 levels");
    return out;
  }
  if (!v.is_array()) {
    fail(ptr, "expected a list of foreach entries");
    return out;
  }
  std::size_t i = 0;
  for (const auto& e : v.as_array()) {
    std::string p = ptr + "/" + std::to_string(i++);
    bool ok = type == rule_type::mutate
                  ? check_fields(e, p,
                                 {"list", "context", "preconditions", "patchStrategicMerge", "patchesJson6902", "order",
                                  "foreach"})
                  : check_fields(e, p,
                                 {"list", "context", "preconditions", "pattern", "anyPattern", "deny", "foreach",
                                  "elementScope"});
    if (!ok) continue;
    foreach_block f;
    const value* list = e.find("list");
    if (list == nullptr || !list->is_string() || list->as_string().empty()) {
      fail(p, "foreach needs a 'list' (a JMESPath expression)");
      continue;
    }
    f.list = list->as_string();
    {
      // The list is a JMESPath expression that may itself hold {{ }} variables.
      auto t = get_template(*list, p + "/list");
      if (!t) continue;
      f.list_template = std::move(*t);
      if (!f.list_template.has_variables) {
        auto compiled = compile_query(f.list);
        if (!compiled.ok()) {
          fail(p + "/list", compiled.err().message);
          continue;
        }
        f.list_query = std::move(compiled).value();
      }
    }
    if (const value* c = e.find("context")) f.context = compile_context(*c, p + "/context");
    if (const value* c = e.find("preconditions")) f.preconditions = compile_conditions(*c, p + "/preconditions");
    if (const value* o = e.find("order")) {
      std::string ord = o->is_string() ? o->as_string() : "";
      if (ord == "Ascending") f.ord = foreach_block::order::ascending;
      else if (ord == "Descending") f.ord = foreach_block::order::descending;
      else fail(p + "/order", "order must be Ascending or Descending");
    }
    if (const value* s = e.find("elementScope")) {
      if (!s->is_bool()) fail(p + "/elementScope", "expected true or false");
      else {
        f.element_scope = s->as_bool();
        f.element_scope_set = true;
      }
    }
    if (const value* x = e.find("patchStrategicMerge")) {
      f.patch_strategic_merge = get_template(*x, p + "/patchStrategicMerge");
      if (f.patch_strategic_merge && type == rule_type::mutate) f.map_edits = compile_map_overlay(*f.patch_strategic_merge);
    }
    if (const value* x = e.find("patchesJson6902")) {
      if (!x->is_string()) fail(p + "/patchesJson6902", "expected a string holding a JSON or YAML list of operations");
      else f.patches_json6902 = get_template(*x, p + "/patchesJson6902");
    }
    if (const value* x = e.find("pattern")) f.pattern = get_pattern(*x, p + "/pattern");
    if (const value* x = e.find("anyPattern")) {
      if (!x->is_array()) fail(p + "/anyPattern", "expected a list of patterns");
      else {
        std::size_t j = 0;
        for (const auto& pat : x->as_array()) {
          if (auto t = get_pattern(pat, p + "/anyPattern/" + std::to_string(j))) f.any_pattern.push_back(std::move(*t));
          ++j;
        }
      }
    }
    if (const value* x = e.find("deny")) {
      if (check_fields(*x, p + "/deny", {"conditions"})) {
        static const value null_value;
        const value* c = x->find("conditions");
        f.deny = compile_conditions(c != nullptr ? *c : null_value, p + "/deny/conditions");
      }
    }
    if (const value* x = e.find("foreach")) f.nested = compile_foreach(*x, p + "/foreach", type, depth + 1);
    int bodies = (f.patch_strategic_merge ? 1 : 0) + (f.patches_json6902 ? 1 : 0) + (f.pattern ? 1 : 0) +
                 (f.any_pattern.empty() ? 0 : 1) + (f.deny ? 1 : 0) + (f.nested.empty() ? 0 : 1);
    if (bodies != 1) {
      fail(p, type == rule_type::mutate
                  ? "foreach needs exactly one of patchStrategicMerge, patchesJson6902 or foreach"
                  : "foreach needs exactly one of pattern, anyPattern, deny or foreach");
      continue;
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::optional<rule> document_compiler::compile_rule(const value& v, const std::string& ptr, bool autogen) {
  rule_name_.clear();
  if (!v.is_object()) {
    fail(ptr, "expected a rule mapping");
    return std::nullopt;
  }
  if (const value* n = v.find("name"); n != nullptr && n->is_string()) rule_name_ = n->as_string();
  if (!check_fields(v, ptr,
                    {"name", "match", "exclude", "context", "preconditions", "mutate", "validate",
                     "skipBackgroundRequests", "reportProperties"},
                    {"generate", "verifyImages", "celPreconditions", "imageExtractors"})) {
    return std::nullopt;
  }
  rule r;
  r.name = rule_name_;
  if (r.name.empty()) {
    fail(ptr, "rule needs a 'name'");
    return std::nullopt;
  }
  r.is_autogen = autogen;
  const value* match = v.find("match");
  if (match == nullptr) {
    fail(ptr, "rule needs 'match'");
    return std::nullopt;
  }
  r.match = compile_match(*match, ptr + "/match");
  if (r.match.empty()) fail(ptr + "/match", "match must name at least one resource filter");
  if (const value* ex = v.find("exclude")) r.exclude = compile_match(*ex, ptr + "/exclude");
  if (const value* c = v.find("context")) {
    r.context = compile_context(*c, ptr + "/context");
    for (auto& entry : r.context) entry.memo = memo_plan(entry, r.context);
  }
  if (const value* c = v.find("preconditions")) r.preconditions = compile_conditions(*c, ptr + "/preconditions");
  const value* mutate = v.find("mutate");
  const value* validate = v.find("validate");
  if ((mutate != nullptr) == (validate != nullptr)) {
    fail(ptr, "rule needs exactly one of 'mutate' or 'validate'");
    return std::nullopt;
  }
  if (mutate != nullptr) {
    r.type = rule_type::mutate;
    std::string p = ptr + "/mutate";
    if (!check_fields(*mutate, p, {"patchStrategicMerge", "patchesJson6902", "foreach"},
                      {"targets", "mutateExistingOnPolicyUpdate"})) {
      return std::nullopt;
    }
    if (const value* x = mutate->find("patchStrategicMerge")) {
      r.mutate.patch_strategic_merge = get_template(*x, p + "/patchStrategicMerge");
      if (r.mutate.patch_strategic_merge) r.mutate.map_edits = compile_map_overlay(*r.mutate.patch_strategic_merge);
    }
    if (const value* x = mutate->find("patchesJson6902")) {
      if (!x->is_string()) fail(p + "/patchesJson6902", "expected a string holding a JSON or YAML list of operations");
      else r.mutate.patches_json6902 = get_template(*x, p + "/patchesJson6902");
    }
    if (const value* x = mutate->find("foreach")) r.mutate.foreach = compile_foreach(*x, p + "/foreach", r.type, 0);
    int bodies = (mutate->find("patchStrategicMerge") ? 1 : 0) + (mutate->find("patchesJson6902") ? 1 : 0) +
                 (mutate->find("foreach") ? 1 : 0);
    if (bodies != 1) fail(p, "mutate needs exactly one of patchStrategicMerge, patchesJson6902 or foreach");
  } else {
    r.type = rule_type::validate;
    std::string p = ptr + "/validate";
    if (!check_fields(*validate, p,
                      {"message", "pattern", "anyPattern", "deny", "foreach", "failureAction",
                       "allowExistingViolations"},
                      {"podSecurity", "cel", "manifests", "assert"})) {
      return std::nullopt;
    }
    if (const value* x = validate->find("message")) r.validate.message = get_template(*x, p + "/message");
    if (const value* x = validate->find("pattern")) r.validate.pattern = get_pattern(*x, p + "/pattern");
    if (const value* x = validate->find("anyPattern")) {
      if (!x->is_array()) fail(p + "/anyPattern", "expected a list of patterns");
      else {
        std::size_t j = 0;
        for (const auto& pat : x->as_array()) {
          if (auto t = get_pattern(pat, p + "/anyPattern/" + std::to_string(j))) {
            r.validate.any_pattern.push_back(std::move(*t));
          }
          ++j;
        }
      }
    }
    if (const value* x = validate->find("deny")) {
      if (check_fields(*x, p + "/deny", {"conditions"})) {
        static const value null_value;
        const value* c = x->find("conditions");
        r.validate.deny = compile_conditions(c != nullptr ? *c : null_value, p + "/deny/conditions");
      }
    }
    if (const value* x = validate->find("foreach")) r.validate.foreach = compile_foreach(*x, p + "/foreach", r.type, 0);
    if (const value* x = validate->find("failureAction")) {
      std::string a = x->is_string() ? x->as_string() : "";
      if (a == "Enforce" || a == "enforce") r.validate.action = failure_action::enforce;
      else if (a == "Audit" || a == "audit") r.validate.action = failure_action::audit;
      else fail(p + "/failureAction", "failureAction must be Enforce or Audit");
    }
    if (const value* x = validate->find("allowExistingViolations")) {
      if (x->is_bool()) r.validate.allow_existing_violations = x->as_bool();
      else fail(p + "/allowExistingViolations", "expected true or false");
    }
    int bodies = (validate->find("pattern") ? 1 : 0) + (validate->find("anyPattern") ? 1 : 0) +
                 (validate->find("deny") ? 1 : 0) + (validate->find("foreach") ? 1 : 0);
    if (bodies != 1) fail(p, "validate needs exactly one of pattern, anyPattern, deny or foreach");
  }
  return r;
}

std::optional<policy> document_compiler::compile_policy() {
  const value& root = doc_.root;
  policy p;
  p.source_file = file_;
  const value* kind = root.find("kind");
  p.namespaced = kind->as_string() == "Policy";
  const value* md = root.find("metadata");
  const value* name = md != nullptr ? md->find("name") : nullptr;
  if (name == nullptr || !name->is_string() || name->as_string().empty()) {
    fail("/metadata", "policy needs metadata.name");
    return std::nullopt;
  }
  p.name = policy_name_ = name->as_string();
  if (p.namespaced) {
    const value* ns = md->find("namespace");
    p.ns = ns != nullptr && ns->is_string() && !ns->as_string().empty() ? ns->as_string() : "default";
  }
  const value* spec = root.find("spec");
  if (spec == nullptr || !expect_object(*spec, "/spec")) {
    if (spec == nullptr) fail("", "policy needs a 'spec'");
    return std::nullopt;
  }
  std::size_t errors_before = errors_.size();
  check_fields(*spec, "/spec",
               {"rules", "validationFailureAction", "validationFailureActionOverrides", "failurePolicy", "background",
                "applyRules", "emitWarning", "schemaValidation", "webhookTimeoutSeconds", "admission",
                "useServerSideApply", "mutateExistingOnPolicyUpdate", "generateExisting",
                "generateExistingOnPolicyUpdate"},
               {"webhookConfiguration", "evaluation"});
  if (const value* x = spec->find("validationFailureAction")) {
    std::string a = x->is_string() ? x->as_string() : "";
    if (a == "Enforce" || a == "enforce") p.action = failure_action::enforce;
    else if (a == "Audit" || a == "audit") p.action = failure_action::audit;
    else fail("/spec/validationFailureAction", "validationFailureAction must be Enforce or Audit");
  }
  if (const value* x = spec->find("validationFailureActionOverrides"); x != nullptr && x->is_array()) {
    std::size_t i = 0;
    for (const auto& o : x->as_array()) {
      std::string op = "/spec/validationFailureActionOverrides/" + std::to_string(i++);
      if (!check_fields(o, op, {"action", "namespaces", "namespaceSelector"})) continue;
      const value* a = o.find("action");
      std::string act = a != nullptr && a->is_string() ? a->as_string() : "";
      failure_action fa;
      if (act == "Enforce" || act == "enforce") fa = failure_action::enforce;
      else if (act == "Audit" || act == "audit") fa = failure_action::audit;
      else {
        fail(op + "/action", "action must be Enforce or Audit");
        continue;
      }
      std::vector<std::string> nss;
      if (const value* n = o.find("namespaces")) nss = get_strings(*n, op + "/namespaces");
      p.action_overrides.emplace_back(fa, std::move(nss));
    }
  }
  if (const value* x = spec->find("failurePolicy")) {
    std::string f = x->is_string() ? x->as_string() : "";
    if (f == "Fail") p.on_error = failure_policy::fail;
    else if (f == "Ignore") p.on_error = failure_policy::ignore;
    else fail("/spec/failurePolicy", "failurePolicy must be Fail or Ignore");
  }
  if (const value* x = spec->find("applyRules")) {
    std::string a = x->is_string() ? x->as_string() : "";
    if (a == "One") p.apply = apply_rules::one;
    else if (a == "All") p.apply = apply_rules::all;
    else fail("/spec/applyRules", "applyRules must be All or One");
  }
  if (const value* x = spec->find("emitWarning"); x != nullptr && x->is_bool()) p.emit_warning = x->as_bool();
  if (const value* x = spec->find("background"); x != nullptr && x->is_bool()) p.background = x->as_bool();
  for (const char* flag : {"generateExisting", "generateExistingOnPolicyUpdate", "mutateExistingOnPolicyUpdate"}) {
    if (const value* x = spec->find(flag); x != nullptr && x->is_bool() && x->as_bool()) {
      fail(std::string("/spec/") + flag, std::string("'") + flag + "' is outside the subset coco-admit supports");
    }
  }
  const value* rules = spec->find("rules");
  if (rules == nullptr || !rules->is_array() || rules->size() == 0) {
    fail("/spec", "policy needs at least one rule in spec.rules");
    return std::nullopt;
  }
  std::set<std::string> names;
  std::size_t i = 0;
  for (const auto& rv : rules->as_array()) {
    std::string ptr = "/spec/rules/" + std::to_string(i++);
    if (auto r = compile_rule(rv, ptr, false)) {
      if (!names.insert(r->name).second) fail(ptr + "/name", "duplicate rule name '" + r->name + "'");
      p.rules.push_back(std::move(*r));
    }
  }
  if (errors_.size() == errors_before) {
    auto generated = autogen_rules(root);
    if (!generated.ok()) {
      rule_name_.clear();
      fail("/metadata/annotations", generated.err().message);
    } else {
      for (const auto& g : *generated) {
        // Autogen clones point back at their source rule for diagnostics.
        if (auto r = compile_rule(g, "/spec/rules", true)) {
          r->autogen_of = r->name.substr(r->name.rfind("autogen-cronjob-", 0) == 0 ? 16 : 8);
          p.rules.push_back(std::move(*r));
        }
      }
    }
  }
  rule_name_.clear();
  if (errors_.size() != errors_before) return std::nullopt;
  return p;
}

bool is_kyverno_policy(const value& root, std::string& kind) {
  const value* api = root.find("apiVersion");
  const value* k = root.find("kind");
  if (api == nullptr || k == nullptr || !api->is_string() || !k->is_string()) return false;
  kind = k->as_string();
  return api->as_string().rfind("kyverno.io/", 0) == 0 || api->as_string().rfind("policies.kyverno.io/", 0) == 0;
}

void compile_document(const std::string& file, const yaml::document& doc, std::vector<policy>& out,
                      std::vector<diagnostic>& errors) {
  std::string kind;
  if (!is_kyverno_policy(doc.root, kind)) return;  // other manifests may share the file
  const std::string api = doc.root.find("apiVersion")->as_string();
  if (kind != "ClusterPolicy" && kind != "Policy") {
    diagnostic d;
    d.file = file;
    auto pos = doc.locate("/kind");
    d.line = pos.line;
    d.column = pos.column;
    d.path = "kind";
    d.message = "'" + api + " " + kind + "' is outside the subset coco-admit supports (ClusterPolicy and Policy)";
    errors.push_back(std::move(d));
    return;
  }
  if (api != "kyverno.io/v1" && api != "kyverno.io/v2beta1" && api != "kyverno.io/v2") {
    diagnostic d;
    d.file = file;
    d.line = doc.locate("/apiVersion").line;
    d.column = doc.locate("/apiVersion").column;
    d.path = "apiVersion";
    d.message = "unsupported apiVersion '" + api + "' (kyverno.io/v1, v2beta1)";
    errors.push_back(std::move(d));
    return;
  }
  document_compiler c(file, doc, errors);
  if (auto p = c.compile_policy()) out.push_back(std::move(*p));
}

std::vector<std::string> expand_paths(const std::vector<std::string>& paths, std::vector<diagnostic>& errors) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::follow_directory_symlink, ec);
           it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        std::string name = it->path().filename().string();
        if (!name.empty() && name[0] == '.') {  // ..data, .kyverno-test, .git
          if (it->is_directory()) it.disable_recursion_pending();
          continue;
        }
        std::string ext = it->path().extension().string();
        if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml")) found.push_back(it->path().string());
      }
      if (ec) errors.push_back({p, 0, 0, "", ec.message()});
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      errors.push_back({p, 0, 0, "", "no such file or directory"});
    }
  }
  return files;
}

compile_output finish(std::vector<policy> policies, std::vector<diagnostic> errors) {
  compile_output out;
  // Defined order: ClusterPolicies, then Policies, each by (namespace, name).
  std::stable_sort(policies.begin(), policies.end(), [](const policy& a, const policy& b) {
    if (a.namespaced != b.namespaced) return !a.namespaced;
    if (a.ns != b.ns) return a.ns < b.ns;
    return a.name < b.name;
  });
  for (std::size_t i = 1; i < policies.size(); ++i) {
    if (policies[i].name == policies[i - 1].name && policies[i].ns == policies[i - 1].ns &&
        policies[i].namespaced == policies[i - 1].namespaced) {
      errors.push_back({policies[i].source_file, 0, 0, policies[i].name,
                        "duplicate policy name (also in " + policies[i - 1].source_file + ")"});
    }
  }
  out.errors = std::move(errors);
  if (!out.errors.empty()) return out;
  auto prog = std::make_shared<program>();
  prog->policies = std::move(policies);
  build_selector(*prog);
  out.prog = std::move(prog);
  return out;
}

}  // namespace

compile_output compile_sources(const std::vector<source>& sources) {
  std::vector<policy> policies;
  std::vector<diagnostic> errors;
  for (const auto& s : sources) {
    auto docs = yaml::parse_all(s.text, s.file);
    if (!docs.ok()) {
      errors.push_back({"", 0, 0, "", docs.err().message});  // the message names file:line:col
      continue;
    }
    for (const auto& d : *docs) compile_document(s.file, d, policies, errors);
  }
  return finish(std::move(policies), std::move(errors));
}

compile_output compile_paths(const std::vector<std::string>& paths) {
  std::vector<diagnostic> errors;
  std::vector<source> sources;
  for (const auto& f : expand_paths(paths, errors)) {
    auto text = yaml::read_file(f);
    if (!text.ok()) {
      errors.push_back({f, 0, 0, "", text.err().message});
      continue;
    }
    sources.push_back({f, std::move(text).value()});
  }
  compile_output out = compile_sources(sources);
  out.errors.insert(out.errors.begin(), errors.begin(), errors.end());
  if (!out.errors.empty()) out.prog.reset();
  return out;
}

}  // namespace coco_admit::compiler
