#include "kyverno_test.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/cluster_state.h"
#include "coco-admit/core/engine.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/yaml.h"

namespace coco_admit::cli::kyverno_test {
namespace fs = std::filesystem;

namespace {

// Bounds on what one run may visit (explicit bounds, as everywhere else).
constexpr std::size_t max_directory_entries = 1'000'000;
constexpr std::size_t max_dotted_fields = 64;
constexpr std::size_t max_tidy_depth = 512;
constexpr std::size_t max_reported_differences = 5;

// ---------------------------------------------------------------- small helpers

const std::string* string_field(const value& obj, std::string_view key) {
  const value* v = obj.find(key);
  return v != nullptr && v->is_string() ? &v->as_string() : nullptr;
}

std::string string_or_empty(const value& obj, std::string_view key) {
  const std::string* s = string_field(obj, key);
  return s != nullptr ? *s : std::string();
}

const value* object_at(const value& obj, std::string_view a, std::string_view b) {
  const value* v = obj.find(a);
  return v != nullptr ? v->find(b) : nullptr;
}

std::string metadata_string(const value& obj, std::string_view key) {
  const value* v = object_at(obj, "metadata", key);
  return v != nullptr && v->is_string() ? v->as_string() : std::string();
}

/// "file:line:col: " for a JSON pointer inside a parsed document.
std::string where(const std::string& file, const yaml::document& doc, const std::string& pointer) {
  yaml::position p = doc.locate(pointer);
  if (p.line == 0) return file + ": ";
  return file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": ";
}

/// Resolves a path written in a test file relative to that file's folder.
std::string resolve(const std::string& base_dir, const std::string& path) {
  fs::path p(path);
  if (p.is_absolute()) return p.lexically_normal().string();
  return (fs::path(base_dir) / p).lexically_normal().string();
}

/// A field that holds either one string or a list of strings.
result<std::vector<std::string>> string_list(const std::string& file, const yaml::document& doc,
                                             const value& obj, std::string_view key,
                                             const std::string& pointer) {
  std::vector<std::string> out;
  const value* v = obj.find(key);
  if (v == nullptr || v->is_null()) return out;
  std::string here = pointer + "/" + std::string(key);
  if (v->is_string()) {
    out.push_back(v->as_string());
    return out;
  }
  if (!v->is_array()) {
    return error::invalid(where(file, doc, here) + std::string(key) + ": expected a string or a list of strings");
  }
  for (std::size_t i = 0; i < v->as_array().size(); ++i) {
    const value& e = v->as_array()[i];
    if (!e.is_string()) {
      return error::invalid(where(file, doc, here + "/" + std::to_string(i)) + std::string(key) + "[" +
                            std::to_string(i) + "]: expected a string");
    }
    out.push_back(e.as_string());
  }
  return out;
}

/// Regular YAML files under `path` (the path itself when it is a file), sorted.
result<std::vector<std::string>> yaml_files_under(const std::string& path) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return error::not_found(path + ": no such file or directory");
  if (fs::is_regular_file(st)) return std::vector<std::string>{path};
  if (!fs::is_directory(st)) return error::invalid(path + ": not a regular file or directory");
  std::vector<std::string> out;
  std::size_t visited = 0;
  fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
  if (ec) return error::invalid(path + ": cannot read directory: " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return error::invalid(path + ": cannot read directory: " + ec.message());
    if (++visited > max_directory_entries) {
      return error::budget(path + ": more than " + std::to_string(max_directory_entries) + " directory entries");
    }
    std::error_code fec;
    if (!it->is_regular_file(fec)) continue;
    std::string ext = it->path().extension().string();
    if (ext == ".yaml" || ext == ".yml") out.push_back(it->path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool is_test_document(const value& root) {
  if (!root.is_object()) return false;
  const std::string* kind = string_field(root, "kind");
  if (kind != nullptr) {
    const std::string* api = string_field(root, "apiVersion");
    return *kind == "Test" && (api == nullptr || api->rfind("cli.kyverno.io/", 0) == 0);
  }
  // Legacy test files (before apiVersion/kind were introduced) are accepted by
  // the Kyverno CLI with a warning: policies + resources + results at the top.
  return root.find("policies") != nullptr && root.find("results") != nullptr;
}

bool is_policy_document(const value& root) {
  if (!root.is_object()) return false;
  const std::string* kind = string_field(root, "kind");
  const std::string* api = string_field(root, "apiVersion");
  return kind != nullptr && api != nullptr && (*kind == "ClusterPolicy" || *kind == "Policy") &&
         api->rfind("kyverno.io/", 0) == 0;
}

// ---------------------------------------------------------------- loaded suite

struct loaded_resource {
  value object;
  std::string kind, api_version, ns, name;
};

struct loaded_policy {
  std::string name;
  std::string ns;  ///< empty for a ClusterPolicy
  std::string file;
  std::shared_ptr<const program> prog;
  const policy* pol = nullptr;
  bool has_mutate = false;
  bool has_validate = false;
};

struct expected_result {
  std::size_t index = 0;
  std::string policy, rule, kind, expected, patched_file;
  std::vector<std::string> resources;
};

/// One `subresources` entry of a values file: objects of kind `sub_kind` are
/// admitted as subresource `sub_name` of `parent`.
struct subresource_mapping {
  std::string sub_kind, sub_group, sub_version, sub_name;
  std::string parent_kind, parent_group, parent_version;
};

struct values_file {
  std::vector<std::pair<std::string, value>> global;
  value policies = value::array();  ///< policies[] as written
  std::vector<subresource_mapping> subresources;
};

struct suite {
  std::string file, dir, name;
  std::vector<std::string> policy_files, resource_files;
  std::vector<loaded_policy> policies;
  std::vector<loaded_resource> resources;
  values_file values;
  bool has_user_info = false;
  value user_info;
  std::vector<std::string> roles, cluster_roles;
  cluster_state cluster;
  std::vector<expected_result> results;
};

/// The outcome of running every policy on one resource.
struct policy_run {
  std::vector<rule_response> rules;  ///< mutate rules then validate rules
  value patched;                     ///< the object after this policy's mutation
};

struct resource_run {
  std::vector<policy_run> policies;  ///< parallel to suite::policies
};

// ---------------------------------------------------------------- loading

status load_policies(suite& s) {
  std::vector<std::string> files;
  for (const std::string& p : s.policy_files) {
    auto found = yaml_files_under(p);
    if (!found.ok()) return std::move(found).err();
    if (found->empty()) return error::not_found(p + ": no policy files (*.yaml, *.yml) in this directory");
    files.insert(files.end(), found->begin(), found->end());
  }
  // The whole set first: its diagnostics carry the real file:line:col.
  compiler::compile_output all = compiler::compile_paths(s.policy_files);
  if (!all.ok()) {
    std::string text = all.error_text();
    if (text.empty()) text = "the policies did not compile";
    return error::invalid("policies do not compile:\n" + text);
  }
  // Then one program per policy, so the CLI's file order drives the cascade.
  for (const std::string& f : files) {
    auto docs = yaml::load_file(f);
    if (!docs.ok()) return std::move(docs).err();
    for (const yaml::document& d : *docs) {
      if (!is_policy_document(d.root)) continue;
      compiler::compile_output one = compiler::compile_sources({compiler::source{f, json::serialize(d.root)}});
      if (!one.ok() || one.prog->policies.size() != 1) {
        return error::invalid(f + ": policy " + metadata_string(d.root, "name") + " does not compile on its own:\n" +
                              one.error_text());
      }
      loaded_policy lp;
      lp.prog = one.prog;
      lp.pol = &lp.prog->policies.front();
      lp.name = lp.pol->name;
      lp.ns = lp.pol->namespaced ? lp.pol->ns : std::string();
      lp.file = f;
      lp.has_mutate = lp.pol->has_mutate();
      lp.has_validate = lp.pol->has_validate();
      s.policies.push_back(std::move(lp));
    }
  }
  if (s.policies.empty()) return error::not_found(s.file + ": no kyverno.io ClusterPolicy or Policy in the policy files");
  return {};
}

/// Adds one object (a List is unpacked) to the suite's resources.
status add_resource(suite& s, const std::string& file, value obj, std::set<std::string>& seen) {
  if (obj.is_null()) return {};
  if (!obj.is_object()) return error::invalid(file + ": a resource document is not an object");
  const std::string kind = string_or_empty(obj, "kind");
  if (kind.empty()) return error::invalid(file + ": a resource has no kind");
  if (kind == "List" || (kind.size() > 4 && kind.ends_with("List") && obj.find("items") != nullptr)) {
    if (value* items = obj.find("items"); items != nullptr && items->is_array()) {
      for (value& item : items->as_array()) COCO_ADMIT_TRY(add_resource(s, file, std::move(item), seen));
    }
    return {};
  }
  loaded_resource r;
  r.kind = kind;
  r.api_version = string_or_empty(obj, "apiVersion");
  r.name = metadata_string(obj, "name");
  r.ns = metadata_string(obj, "namespace");
  if (r.ns.empty() && !cluster_scoped(kind)) {
    r.ns = "default";
    obj["metadata"].set("namespace", value("default"));
  }
  r.object = std::move(obj);
  // The CLI skips a duplicate (same kind, namespace and name): the first wins.
  if (!seen.insert(r.kind + "/" + r.ns + "/" + r.name).second) return {};
  s.resources.push_back(std::move(r));
  return {};
}

status load_resources(suite& s) {
  std::set<std::string> seen;
  for (const std::string& p : s.resource_files) {
    auto found = yaml_files_under(p);
    if (!found.ok()) return std::move(found).err();
    for (const std::string& f : *found) {
      auto docs = yaml::load_file(f);
      if (!docs.ok()) return std::move(docs).err();
      for (yaml::document& d : *docs) COCO_ADMIT_TRY(add_resource(s, f, std::move(d.root), seen));
    }
  }
  return {};
}

result<std::vector<std::pair<std::string, value>>> values_map(const std::string& file, const value* v,
                                                             const std::string& what) {
  std::vector<std::pair<std::string, value>> out;
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_object()) return error::invalid(file + ": " + what + ": expected a map of dotted paths to values");
  for (const member& m : v->as_object()) out.emplace_back(m.key, m.val);
  return out;
}

status load_values(suite& s, const std::string& file, const value& root, cluster_state& cluster) {
  if (!root.is_object()) return error::invalid(file + ": values: expected a map");
  if (const std::string* kind = string_field(root, "kind"); kind != nullptr && *kind != "Values") {
    return error::invalid(file + ": values: expected kind Values, found " + *kind);
  }
  auto global = values_map(file, root.find("globalValues"), "globalValues");
  if (!global.ok()) return std::move(global).err();
  s.values.global = std::move(*global);

  if (const value* pols = root.find("policies"); pols != nullptr && !pols->is_null()) {
    if (!pols->is_array()) return error::invalid(file + ": values: policies: expected a list");
    for (std::size_t i = 0; i < pols->as_array().size(); ++i) {
      const value& p = pols->as_array()[i];
      std::string here = "policies[" + std::to_string(i) + "]";
      if (!p.is_object()) return error::invalid(file + ": values: " + here + ": expected a map");
      for (const char* list : {"rules", "resources"}) {
        const value* l = p.find(list);
        if (l == nullptr || l->is_null()) continue;
        if (!l->is_array()) return error::invalid(file + ": values: " + here + "." + list + ": expected a list");
        for (std::size_t j = 0; j < l->as_array().size(); ++j) {
          const value& e = l->as_array()[j];
          std::string at = here + "." + list + "[" + std::to_string(j) + "]";
          if (!e.is_object()) return error::invalid(file + ": values: " + at + ": expected a map");
          auto vals = values_map(file, e.find("values"), at + ".values");
          if (!vals.ok()) return std::move(vals).err();
          const value* fe = e.find("foreachValues");
          if (fe != nullptr && !fe->is_null() && fe->size() > 0) {
            // Per-element values need the engine's foreach loop; refusing is
            // better than running the rule with values silently missing.
            return error::unsupported(file + ": values: " + at + ".foreachValues is not supported by coco-admit test");
          }
        }
      }
    }
    s.values.policies = *pols;
  }

  if (const value* sel = root.find("namespaceSelector"); sel != nullptr && !sel->is_null()) {
    if (!sel->is_array()) return error::invalid(file + ": values: namespaceSelector: expected a list");
    for (const value& e : sel->as_array()) {
      const std::string* name = e.is_object() ? string_field(e, "name") : nullptr;
      if (name == nullptr) return error::invalid(file + ": values: namespaceSelector: each entry needs a name");
      const value* labels = e.find("labels");
      cluster.set_namespace_labels(*name, labels != nullptr && labels->is_object() ? *labels : value::object());
    }
  }
  if (const value* nss = root.find("namespaces"); nss != nullptr && !nss->is_null()) {
    if (!nss->is_array()) return error::invalid(file + ": values: namespaces: expected a list of Namespace objects");
    for (const value& n : nss->as_array()) {
      if (!n.is_object() || string_or_empty(n, "kind") != "Namespace") {
        return error::invalid(file + ": values: namespaces: expected a list of Namespace objects");
      }
      cluster.add(n);
    }
  }
  if (const value* subs = root.find("subresources"); subs != nullptr && !subs->is_null()) {
    if (!subs->is_array()) return error::invalid(file + ": values: subresources: expected a list");
    for (const value& e : subs->as_array()) {
      const value* sub = e.find("subresource");
      const value* parent = e.find("parentResource");
      if (sub == nullptr || parent == nullptr || !sub->is_object() || !parent->is_object()) {
        return error::invalid(file + ": values: subresources: each entry needs subresource and parentResource");
      }
      subresource_mapping m;
      m.sub_kind = string_or_empty(*sub, "kind");
      m.sub_group = string_or_empty(*sub, "group");
      m.sub_version = string_or_empty(*sub, "version");
      std::string full = string_or_empty(*sub, "name");  // e.g. "deployments/scale"
      auto slash = full.find('/');
      m.sub_name = slash == std::string::npos ? full : full.substr(slash + 1);
      m.parent_kind = string_or_empty(*parent, "kind");
      m.parent_group = string_or_empty(*parent, "group");
      m.parent_version = string_or_empty(*parent, "version");
      if (m.sub_kind.empty() || m.parent_kind.empty()) {
        return error::invalid(file + ": values: subresources: kind missing in subresource or parentResource");
      }
      s.values.subresources.push_back(std::move(m));
    }
  }
  return {};
}

status load_user_info(suite& s, const std::string& file) {
  auto docs = yaml::load_file(file);
  if (!docs.ok()) return std::move(docs).err();
  if (docs->empty() || !(*docs)[0].root.is_object()) return error::invalid(file + ": userinfo: expected a map");
  const value& root = (*docs)[0].root;
  s.has_user_info = true;
  if (const value* ui = root.find("userInfo"); ui != nullptr && ui->is_object()) s.user_info = *ui;
  else s.user_info = value::object();
  for (auto [key, out] : {std::pair{"roles", &s.roles}, std::pair{"clusterRoles", &s.cluster_roles}}) {
    auto list = string_list(file, (*docs)[0], root, key, "");
    if (!list.ok()) return std::move(list).err();
    *out = std::move(*list);
  }
  return {};
}

const std::set<std::string, std::less<>>& result_names() {
  static const std::set<std::string, std::less<>> names{"pass", "fail", "skip", "error", "warn"};
  return names;
}

status load_results(suite& s, const yaml::document& doc) {
  const value* results = doc.root.find("results");
  if (results == nullptr || results->is_null()) return {};
  if (!results->is_array()) return error::invalid(where(s.file, doc, "/results") + "results: expected a list");
  for (std::size_t i = 0; i < results->as_array().size(); ++i) {
    const value& e = results->as_array()[i];
    std::string ptr = "/results/" + std::to_string(i);
    std::string at = where(s.file, doc, ptr) + "results[" + std::to_string(i) + "]";
    if (!e.is_object()) return error::invalid(at + ": expected a map");
    for (const char* unsupported : {"generatedResource", "cloneSourceResource", "isValidatingAdmissionPolicy",
                                    "isValidatingPolicy", "isMutatingPolicy", "isMUtatingPolicy",
                                    "isImageValidatingPolicy", "isGeneratingPolicy", "isDeletingPolicy"}) {
      const value* v = e.find(unsupported);
      if (v != nullptr && !v->is_null() && !(v->is_bool() && !v->as_bool()) &&
          !(v->is_string() && v->as_string().empty())) {
        return error::unsupported(at + "." + unsupported + ": not supported by coco-admit test");
      }
    }
    expected_result r;
    r.index = i;
    r.policy = string_or_empty(e, "policy");
    if (r.policy.empty()) return error::invalid(at + ".policy: missing");
    r.rule = string_or_empty(e, "rule");
    r.kind = string_or_empty(e, "kind");
    // `result` (current) or `status` (older files).
    const value* res = e.find("result");
    if (res == nullptr) res = e.find("status");
    if (res == nullptr || !res->is_string()) return error::invalid(at + ".result: missing (pass, fail, skip, error or warn)");
    if (!result_names().contains(res->as_string())) {
      return error::invalid(where(s.file, doc, ptr + "/result") + "results[" + std::to_string(i) +
                            "].result: unknown value \"" + res->as_string() +
                            "\" (expected pass, fail, skip, error or warn)");
    }
    r.expected = res->as_string();
    auto list = string_list(s.file, doc, e, "resources", ptr);
    if (!list.ok()) return std::move(list).err();
    r.resources = std::move(*list);
    if (const std::string* one = string_field(e, "resource"); one != nullptr && !one->empty()) r.resources.push_back(*one);
    // Older files put the namespace in its own field.
    if (const std::string* ns = string_field(e, "namespace"); ns != nullptr && !ns->empty()) {
      for (std::string& name : r.resources) {
        if (name.find('/') == std::string::npos) name = *ns + "/" + name;
      }
    }
    if (r.resources.empty()) return error::invalid(at + ".resources: missing or empty");
    std::string patched = string_or_empty(e, "patchedResources");
    if (patched.empty()) patched = string_or_empty(e, "patchedResource");
    if (!patched.empty()) r.patched_file = resolve(s.dir, patched);
    s.results.push_back(std::move(r));
  }
  return {};
}

result<std::unique_ptr<suite>> load_suite(const std::string& file) {
  auto s = std::make_unique<suite>();
  s->file = file;
  s->dir = fs::path(file).parent_path().string();
  if (s->dir.empty()) s->dir = ".";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    return error::not_found(file + ": " + (fs::exists(file, ec) ? "not a regular file" : "no such file"));
  }
  auto docs = yaml::load_file(file);
  if (!docs.ok()) return std::move(docs).err();
  const yaml::document* doc = nullptr;
  for (const yaml::document& d : *docs) {
    if (is_test_document(d.root)) {
      doc = &d;
      break;
    }
  }
  if (doc == nullptr) return error::invalid(file + ": no cli.kyverno.io/v1alpha1 Test document in this file");
  const value& root = doc->root;
  s->name = metadata_string(root, "name");
  if (s->name.empty()) s->name = string_or_empty(root, "name");

  for (const char* unsupported : {"exceptions", "apiCallResponses", "checks", "context"}) {
    const value* v = root.find(unsupported);
    if (v != nullptr && !v->is_null() && !(v->is_array() && v->as_array().empty()) &&
        !(v->is_string() && v->as_string().empty())) {
      return error::unsupported(where(file, *doc, std::string("/") + unsupported) + unsupported +
                                ": not supported by coco-admit test");
    }
  }

  auto policies = string_list(file, *doc, root, "policies", "");
  if (!policies.ok()) return std::move(policies).err();
  if (policies->empty()) return error::invalid(file + ": policies: missing or empty");
  for (const std::string& p : *policies) s->policy_files.push_back(resolve(s->dir, p));
  auto resources = string_list(file, *doc, root, "resources", "");
  if (!resources.ok()) return std::move(resources).err();
  for (const std::string& r : *resources) s->resource_files.push_back(resolve(s->dir, r));

  COCO_ADMIT_TRY(load_results(*s, *doc));
  COCO_ADMIT_TRY(load_policies(*s));
  COCO_ADMIT_TRY(load_resources(*s));

  if (const std::string* vars = string_field(root, "variables"); vars != nullptr && !vars->empty()) {
    std::string path = resolve(s->dir, *vars);
    auto vdocs = yaml::load_file(path);
    if (!vdocs.ok()) return std::move(vdocs).err();
    if (vdocs->empty()) return error::invalid(path + ": empty values file");
    COCO_ADMIT_TRY(load_values(*s, path, (*vdocs)[0].root, s->cluster));
  } else if (const value* inline_values = root.find("values"); inline_values != nullptr && !inline_values->is_null()) {
    COCO_ADMIT_TRY(load_values(*s, file + " (values)", *inline_values, s->cluster));
  }
  if (const std::string* ui = string_field(root, "userinfo"); ui != nullptr && !ui->empty()) {
    COCO_ADMIT_TRY(load_user_info(*s, resolve(s->dir, *ui)));
  }
  auto cluster = string_list(file, *doc, root, "clusterResources", "");
  if (!cluster.ok()) return std::move(cluster).err();
  for (const std::string& c : *cluster) {
    status st = s->cluster.add_file(resolve(s->dir, c));
    if (!st.ok()) return st.err();
  }
  return s;
}

// ---------------------------------------------------------------- running

/// The values (global, then this policy's values for this resource) in the
/// order the CLI merges them; later entries win.
std::vector<std::pair<std::string, value>> resource_values(const suite& s, const std::string& policy,
                                                          const std::string& resource) {
  std::vector<std::pair<std::string, value>> out = s.values.global;
  for (const value& p : s.values.policies.as_array()) {
    if (string_or_empty(p, "name") != policy) continue;
    const value* rs = p.find("resources");
    if (rs == nullptr || !rs->is_array()) continue;
    for (const value& r : rs->as_array()) {
      if (string_or_empty(r, "name") != resource) continue;
      if (const value* vals = r.find("values"); vals != nullptr && vals->is_object()) {
        for (const member& m : vals->as_object()) out.emplace_back(m.key, m.val);
      }
    }
  }
  return out;
}

const value* rule_values(const suite& s, const std::string& policy, const std::string& rule) {
  for (const value& p : s.values.policies.as_array()) {
    if (string_or_empty(p, "name") != policy) continue;
    const value* rs = p.find("rules");
    if (rs == nullptr || !rs->is_array()) continue;
    for (const value& r : rs->as_array()) {
      if (string_or_empty(r, "name") != rule) continue;
      const value* vals = r.find("values");
      if (vals != nullptr && vals->is_object()) return vals;
    }
  }
  return nullptr;
}

bool targets_object(std::string_view key) {
  for (std::string_view prefix : {"request.object", "request.oldObject"}) {
    if (key == prefix || (key.starts_with(prefix) && key.size() > prefix.size() && key[prefix.size()] == '.')) {
      return true;
    }
  }
  return false;
}

/// Everything one policy needs to run on one resource.
struct prepared {
  engine_request req;
  std::vector<std::pair<std::string, value>> context_values;  ///< written by the context hook
};

prepared prepare(const suite& s, const loaded_policy& lp, const loaded_resource& r, const value& current) {
  std::vector<std::pair<std::string, value>> vals = resource_values(s, lp.name, r.name);
  std::string op = "CREATE";
  for (const auto& [k, v] : vals) {
    if (k == "request.operation" && v.is_string() && (v.as_string() == "UPDATE" || v.as_string() == "DELETE")) {
      op = v.as_string();
    } else if (k == "request.operation") {
      op = "CREATE";
    }
  }
  // Values under request.object / request.oldObject change the admitted
  // objects themselves: the CLI writes them into the JSON context and reads
  // the resource back from there.
  value holder = value::object();
  holder["request"].set("object", current);
  holder["request"].set("oldObject", current);
  prepared p;
  for (const auto& [k, v] : vals) {
    if (targets_object(k)) {
      (void)set_dotted(holder, k, v);
    } else {
      p.context_values.emplace_back(k, v);
    }
  }
  value object = *object_at(holder, "request", "object");
  value old_object = *object_at(holder, "request", "oldObject");
  p.req = engine_request::from_object(op == "DELETE" ? old_object : object, op);
  if (op == "DELETE") {
    p.req.object = value();
    p.req.old_object = std::move(old_object);
  } else {
    p.req.object = std::move(object);
    p.req.old_object = op == "UPDATE" ? std::move(old_object) : value();
  }
  for (const subresource_mapping& m : s.values.subresources) {
    if (m.sub_kind != r.kind) continue;
    std::string api = m.sub_group.empty() ? m.sub_version : m.sub_group + "/" + m.sub_version;
    if (!m.sub_version.empty() && !r.api_version.empty() && api != r.api_version) continue;
    p.req.kind = m.parent_kind;
    p.req.kind_group = m.parent_group;
    p.req.kind_version = m.parent_version;
    p.req.subresource = m.sub_name;
    break;
  }
  // Without a userinfo file the CLI has an empty RequestInfo: no
  // request.userInfo in the context, and Kyverno drops the user fields of
  // match/exclude filters. A null user_info tells the engine exactly that.
  if (s.has_user_info) {
    p.req.user_info = s.user_info;
    p.req.roles = s.roles;
    p.req.cluster_roles = s.cluster_roles;
  }
  return p;
}

engine_environment make_environment(const suite& s, const loaded_policy& lp, const prepared& p) {
  engine_environment env;
  env.cluster = &s.cluster;
  // Rule values are looked up by the rule's own name, as the CLI's store does
  // (so an autogen clone only gets values written for `autogen-<rule>`).
  env.override_context = [&s, &lp, &p](const policy& pol, const rule& r, value& context) {
    for (const auto& [k, v] : p.context_values) (void)set_dotted(context, k, v);
    if (const value* vals = rule_values(s, lp.name, r.name)) {
      for (const member& m : vals->as_object()) (void)set_dotted(context, m.key, m.val);
    }
  };
  return env;
}

const policy_response* find_response(const engine_response& resp, const loaded_policy& lp) {
  for (const policy_response& pr : resp.policies) {
    if (pr.pol != nullptr && pr.pol->name == lp.name) return &pr;
  }
  return resp.policies.size() == 1 ? &resp.policies.front() : nullptr;
}

resource_run run_resource(const suite& s, const loaded_resource& r) {
  resource_run run;
  run.policies.resize(s.policies.size());
  value current = r.object;
  for (std::size_t i = 0; i < s.policies.size(); ++i) {
    const loaded_policy& lp = s.policies[i];
    policy_run& out = run.policies[i];
    out.patched = current;
    if (!lp.has_mutate) continue;
    prepared p = prepare(s, lp, r, current);
    engine_environment env = make_environment(s, lp, p);
    const bool deleting = p.req.operation == "DELETE";
    engine_response resp = engine::mutate(*lp.prog, std::move(p.req), env);
    if (const policy_response* pr = find_response(resp, lp)) {
      out.rules = pr->rules;
      if (!pr->patched.is_null()) out.patched = pr->patched;
    }
    if (!deleting && !resp.resource.is_null()) current = resp.resource;
    if (out.patched.is_null()) out.patched = current;
  }
  for (std::size_t i = 0; i < s.policies.size(); ++i) {
    const loaded_policy& lp = s.policies[i];
    policy_run& out = run.policies[i];
    if (!lp.has_mutate) out.patched = current;
    if (!lp.has_validate) continue;
    prepared p = prepare(s, lp, r, current);
    engine_environment env = make_environment(s, lp, p);
    engine_response resp = engine::validate(*lp.prog, std::move(p.req), env);
    if (const policy_response* pr = find_response(resp, lp)) {
      out.rules.insert(out.rules.end(), pr->rules.begin(), pr->rules.end());
    }
  }
  return run;
}

bool rule_name_matches(std::string_view wanted, std::string_view actual) {
  if (wanted.empty()) return true;
  auto is_prefixed = [&](std::string_view prefix) {
    return actual.size() == prefix.size() + wanted.size() && actual.starts_with(prefix) && actual.ends_with(wanted);
  };
  return actual == wanted || is_prefixed("autogen-") || is_prefixed("autogen-cronjob-");
}

bool kind_matches(const std::string& wanted, const loaded_resource& r) {
  if (wanted.empty() || wanted == r.kind) return true;
  // "apps/v1/Deployment" or "v1/Pod"
  auto slash = wanted.rfind('/');
  if (slash == std::string::npos || wanted.substr(slash + 1) != r.kind) return false;
  return wanted.substr(0, slash) == r.api_version;
}

std::string display_resource(const loaded_resource& r) {
  return r.ns.empty() ? r.name : r.ns + "/" + r.name;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

/// Expected patched objects, loaded once per file.
class expected_cache {
 public:
  result<value> get(const std::string& path) {
    auto it = cache_.find(path);
    if (it == cache_.end()) it = cache_.emplace(path, load(path)).first;
    if (!it->second.ok()) return it->second.err();
    return it->second.value();
  }

 private:
  static result<value> load(const std::string& path) {
    auto docs = yaml::load_file(path);
    if (!docs.ok()) return std::move(docs).err();
    std::vector<value> objects;
    for (yaml::document& d : *docs) {
      if (!d.root.is_null()) objects.push_back(std::move(d.root));
    }
    if (objects.size() != 1) {
      return error::invalid(path + ": patchedResources: exactly one resource expected, found " +
                            std::to_string(objects.size()));
    }
    value obj = std::move(objects.front());
    if (!obj.is_object()) return error::invalid(path + ": patchedResources: the document is not an object");
    const std::string kind = string_or_empty(obj, "kind");
    if (metadata_string(obj, "namespace").empty() && !cluster_scoped(kind)) {
      obj["metadata"].set("namespace", value("default"));
    }
    return obj;
  }
  std::map<std::string, result<value>> cache_;
};

void check_one(const expected_result& e, const policy_run& run, bool rule_in_policy,
               const std::vector<std::string>& rule_names, const options& opt, expected_cache& cache, check& c) {
  std::vector<std::string> problems;
  if (!e.patched_file.empty()) {
    auto expected = cache.get(e.patched_file);
    std::string where_diff;
    if (!expected.ok()) {
      problems.push_back(expected.err().message);
    } else if (!same_resource(run.patched, *expected, &where_diff)) {
      problems.push_back("patched resource differs from " + e.patched_file + " at " + where_diff);
    }
  }
  std::vector<std::string> statuses;
  std::string message;
  bool status_ok = true;
  bool any = false;
  for (const rule_response& rr : run.rules) {
    if (!rule_name_matches(e.rule, rr.name)) continue;
    any = true;
    std::string st = rule_status_name(rr.status);
    if (std::find(statuses.begin(), statuses.end(), st) == statuses.end()) statuses.push_back(st);
    if (st != e.expected) {
      if (status_ok) message = rr.message;
      status_ok = false;
    } else if (message.empty() && status_ok) {
      message = rr.message;
    }
  }
  if (!any && !rule_in_policy && !run.rules.empty() && problems.empty()) {
    // The policy answered for this resource but has no rule of that name:
    // the Kyverno CLI finds no rule response to compare and reports nothing
    // for the entry (upstream suites with a misspelt rule name pass).
    c.actual = "none";
    c.message = "rule " + e.rule + " is not in policy " + e.policy + " (rules: " + join(rule_names, ", ") +
                "); the Kyverno CLI does not check such an entry";
    c.lenient = !opt.strict;
    c.passed = c.lenient;
    return;
  }
  if (!any) {
    // No response for the rule: it did not match the resource (or the policy
    // has no such rule). The CLI counts that as the expected `skip` only.
    c.actual = "none";
    if (e.expected != "skip") {
      status_ok = false;
      message = rule_in_policy ? "the rule produced no result for this resource (it did not match)"
                               : "rule " + e.rule + " not found in policy " + e.policy + " (rules: " +
                                     join(rule_names, ", ") + ")";
    } else {
      message = "the rule did not match the resource";
    }
  } else {
    c.actual = join(statuses, ",");
  }
  if (!status_ok) problems.insert(problems.begin(), message.empty() ? "unexpected result" : message);
  c.passed = problems.empty();
  c.message = c.passed ? message : join(problems, "; ");
  if (!c.passed && any && e.expected == "fail") {
    c.message = "the Kyverno CLI counts an expected fail as passed whenever the rule answers; here: " + c.message;
    c.lenient = !opt.strict;
    c.passed = c.lenient;
  }
}

void run_checks(const suite& s, const options& opt, suite_result& out) {
  std::map<std::size_t, resource_run> runs;  // by resource index, computed on first use
  expected_cache cache;
  for (const expected_result& e : s.results) {
    const loaded_policy* lp = nullptr;
    for (const loaded_policy& p : s.policies) {
      if (e.policy == p.name || (!p.ns.empty() && e.policy == p.ns + "/" + p.name)) {
        lp = &p;
        break;
      }
    }
    bool rule_exists = false;
    std::vector<std::string> rule_names;
    if (lp != nullptr) {
      for (const rule& r : lp->pol->rules) {
        rule_names.push_back(r.name);
        // An autogen name whose Pod rule exists counts as existing even when
        // the clone is missing, so a missing clone shows up as a failure.
        if (rule_name_matches(e.rule, r.name) || e.rule == "autogen-" + r.name ||
            e.rule == "autogen-cronjob-" + r.name) {
          rule_exists = true;
        }
      }
    }
    for (const std::string& wanted : e.resources) {
      std::vector<std::size_t> matches;
      for (std::size_t i = 0; i < s.resources.size(); ++i) {
        const loaded_resource& r = s.resources[i];
        if (!kind_matches(e.kind, r)) continue;
        if (wanted == r.name || wanted == r.ns + "/" + r.name) matches.push_back(i);
      }
      check base;
      base.entry = e.index;
      base.policy = e.policy;
      base.rule = e.rule;
      base.kind = e.kind;
      base.resource = wanted;
      base.expected = e.expected;
      if (lp == nullptr || matches.empty()) {
        if (lp == nullptr) {
          base.message = "policy " + e.policy + " not found in " + join(s.policy_files, ", ");
        } else {
          base.message = "resource " + (e.kind.empty() ? std::string() : e.kind + " ") + wanted + " not found in " +
                         join(s.resource_files, ", ");
        }
        base.actual = "none";
        base.passed = false;
        out.checks.push_back(std::move(base));
        continue;
      }
      std::size_t policy_index = static_cast<std::size_t>(lp - s.policies.data());
      for (std::size_t i : matches) {
        auto it = runs.find(i);
        if (it == runs.end()) it = runs.emplace(i, run_resource(s, s.resources[i])).first;
        check c = base;
        c.kind = s.resources[i].kind;
        c.resource = display_resource(s.resources[i]);
        check_one(e, it->second.policies[policy_index], rule_exists, rule_names, opt, cache, c);
        out.checks.push_back(std::move(c));
      }
    }
  }
}

void collect_differences(const value& a, const value& e, std::string& path, std::vector<std::string>& out) {
  if (out.size() >= max_reported_differences) return;
  if (a.is_object() && e.is_object()) {
    std::set<std::string> keys;
    for (const member& m : a.as_object()) keys.insert(m.key);
    for (const member& m : e.as_object()) keys.insert(m.key);
    for (const std::string& k : keys) {
      const value* av = a.find(k);
      const value* ev = e.find(k);
      std::size_t len = path.size();
      path += "/" + json::escape_pointer_token(k);
      if (av == nullptr) {
        out.push_back(path + " (only in expected)");
      } else if (ev == nullptr) {
        out.push_back(path + " (only in actual)");
      } else if (*av != *ev) {
        collect_differences(*av, *ev, path, out);
      }
      path.resize(len);
      if (out.size() >= max_reported_differences) return;
    }
    return;
  }
  if (a.is_array() && e.is_array() && a.size() == e.size()) {
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a.as_array()[i] == e.as_array()[i]) continue;
      std::size_t len = path.size();
      path += "/" + std::to_string(i);
      collect_differences(a.as_array()[i], e.as_array()[i], path, out);
      path.resize(len);
      if (out.size() >= max_reported_differences) return;
    }
    return;
  }
  std::string shown = path.empty() ? "/" : path;
  std::string av = json::serialize(a), ev = json::serialize(e);
  constexpr std::size_t max_shown = 120;
  if (av.size() > max_shown) av = av.substr(0, max_shown) + "...";
  if (ev.size() > max_shown) ev = ev.substr(0, max_shown) + "...";
  out.push_back(shown + " (expected " + ev + ", actual " + av + ")");
}

value tidy_at(const value& v, std::size_t depth) {
  if (depth > max_tidy_depth) return v;
  if (v.is_object()) {
    value out = value::object();
    for (const member& m : v.as_object()) {
      value t = tidy_at(m.val, depth + 1);
      if (!t.is_null()) out.set(m.key, std::move(t));
    }
    return out.size() == 0 ? value() : out;
  }
  if (v.is_array()) {
    value out = value::array();
    for (const value& e : v.as_array()) {
      value t = tidy_at(e, depth + 1);
      if (!t.is_null()) out.push_back(std::move(t));
    }
    return out.size() == 0 ? value() : out;
  }
  return v;
}

}  // namespace

// ---------------------------------------------------------------- public API

bool suite_result::passed() const {
  return error.empty() && !checks.empty() &&
         std::all_of(checks.begin(), checks.end(), [](const check& c) { return c.passed; });
}

std::size_t suite_result::passed_checks() const {
  return static_cast<std::size_t>(
      std::count_if(checks.begin(), checks.end(), [](const check& c) { return c.passed; }));
}

std::size_t suite_result::lenient_checks() const {
  return static_cast<std::size_t>(std::count_if(checks.begin(), checks.end(), [](const check& c) { return c.lenient; }));
}

std::size_t suite_result::passed_entries() const {
  if (!error.empty()) return 0;
  std::map<std::size_t, bool> ok;
  for (const check& c : checks) {
    auto [it, inserted] = ok.emplace(c.entry, c.passed);
    if (!inserted) it->second = it->second && c.passed;
  }
  return static_cast<std::size_t>(std::count_if(ok.begin(), ok.end(), [](const auto& kv) { return kv.second; }));
}

value tidy(const value& v) { return tidy_at(v, 0); }

bool same_resource(const value& actual, const value& expected, std::string* where_out) {
  value a = tidy(actual);
  value e = tidy(expected);
  if (a == e) return true;
  if (where_out != nullptr) {
    std::vector<std::string> diffs;
    std::string path;
    collect_differences(a, e, path, diffs);
    *where_out = diffs.empty() ? std::string("/") : join(diffs, ", ");
  }
  return false;
}

status set_dotted(value& root, std::string_view key, const value& v) {
  // Go's encoding/csv with Comma '.': a field may be quoted ("a.b"), and a
  // doubled quote inside a quoted field is a literal quote.
  std::vector<std::string> fields;
  std::size_t i = 0;
  while (true) {
    std::string field;
    if (i < key.size() && key[i] == '"') {
      ++i;
      bool closed = false;
      while (i < key.size()) {
        if (key[i] == '"') {
          if (i + 1 < key.size() && key[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        field.push_back(key[i++]);
      }
      if (!closed || (i < key.size() && key[i] != '.')) {
        return error::invalid("values: invalid key \"" + std::string(key) + "\": bad quoting");
      }
    } else {
      while (i < key.size() && key[i] != '.') {
        if (key[i] == '"') return error::invalid("values: invalid key \"" + std::string(key) + "\": bare quote");
        field.push_back(key[i++]);
      }
    }
    fields.push_back(std::move(field));
    if (fields.size() > max_dotted_fields) {
      return error::budget("values: key \"" + std::string(key) + "\" has more than " +
                           std::to_string(max_dotted_fields) + " fields");
    }
    if (i >= key.size()) break;
    ++i;  // the separator
  }
  if (!root.is_object()) root = value::object();
  value* cur = &root;
  for (std::size_t f = 0; f + 1 < fields.size(); ++f) {
    value& next = (*cur)[fields[f]];
    if (!next.is_object()) next = value::object();
    cur = &next;
  }
  // MergeMaps: maps merge key by key, anything else replaces.
  struct merger {
    static void merge(value& target, const value& src, std::size_t depth) {
      if (depth < max_tidy_depth && target.is_object() && src.is_object()) {
        for (const member& m : src.as_object()) {
          value* t = target.find(m.key);
          if (t != nullptr && t->is_object() && m.val.is_object()) {
            merge(*t, m.val, depth + 1);
          } else {
            target.set(m.key, m.val);
          }
        }
        return;
      }
      target = src;
    }
  };
  merger::merge((*cur)[fields.back()], v, 0);
  return {};
}

bool cluster_scoped(std::string_view kind) {
  static const std::set<std::string, std::less<>> kinds{
      "APIService", "CertificateSigningRequest", "ClusterIssuer", "ClusterPolicy", "ClusterPolicyReport",
      "ClusterRole", "ClusterRoleBinding", "ComponentStatus", "CSIDriver", "CSINode", "CustomResourceDefinition",
      "FlowSchema", "IngressClass", "MutatingWebhookConfiguration", "Namespace", "Node", "PersistentVolume",
      "PodSecurityPolicy", "PriorityClass", "PriorityLevelConfiguration", "RuntimeClass", "SelfSubjectAccessReview",
      "SelfSubjectRulesReview", "StorageClass", "SubjectAccessReview", "TokenReview", "TokenRequest",
      "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "ValidatingWebhookConfiguration",
      "VolumeAttachment", "VolumeSnapshotClass", "VolumeSnapshotContent", "ClusterCleanupPolicy",
      "ClusterPolicyException", "APIServer", "ClusterVersion", "SecurityContextConstraints", "Project",
      "ClusterTask", "ClusterImagePolicy", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding"};
  return kinds.contains(kind);
}

result<std::vector<std::string>> find_test_files(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const std::string& p : paths) {
    std::error_code ec;
    fs::file_status st = fs::status(p, ec);
    if (ec || !fs::exists(st)) return error::not_found(p + ": no such file or directory");
    if (fs::is_regular_file(st)) {
      out.push_back(p);
      continue;
    }
    auto files = yaml_files_under(p);
    if (!files.ok()) return std::move(files).err();
    std::size_t before = out.size();
    for (const std::string& f : *files) {
      std::string name = fs::path(f).filename().string();
      if (name == "kyverno-test.yaml" || name == "kyverno-test.yml") {
        out.push_back(f);
        continue;
      }
      // Any other YAML counts when it holds a Test: a cheap textual filter
      // first, so a large tree of manifests is not fully parsed.
      auto text = yaml::read_file(f);
      if (!text.ok() || text->find("Test") == std::string::npos ||
          text->find("cli.kyverno.io") == std::string::npos) {
        continue;
      }
      auto docs = yaml::parse_all(*text, f);
      if (!docs.ok()) continue;
      for (const yaml::document& d : *docs) {
        if (string_field(d.root, "kind") != nullptr && is_test_document(d.root)) {
          out.push_back(f);
          break;
        }
      }
    }
    if (out.size() == before) return error::not_found(p + ": no kyverno test files (kyverno-test.yaml) found");
  }
  return out;
}

suite_result run_suite(const std::string& file, const options& opt) {
  suite_result out;
  out.file = file;
  auto loaded = load_suite(file);
  if (!loaded.ok()) {
    out.error = loaded.err().message;
    if (out.error.find(file) == std::string::npos) out.error = file + ": " + out.error;
    return out;
  }
  const suite& s = **loaded;
  out.name = s.name;
  out.entries = s.results.size();
  run_checks(s, opt, out);
  return out;
}


result<context_override> load_values_hook(const std::string& file, cluster_state& cluster) {
  auto docs = yaml::load_file(file);
  if (!docs.ok()) return std::move(docs).err();
  if (docs->empty()) return error::invalid(file + ": empty values file");
  auto s = std::make_shared<suite>();
  status st = load_values(*s, file, (*docs)[0].root, cluster);
  if (!st.ok()) return st.err();
  return context_override([s](const policy& pol, const rule& r, value& context) {
    std::string resource;
    if (const value* req = context.find("request")) {
      if (const value* obj = req->find("object")) {
        if (const value* md = obj->find("metadata")) resource = string_or_empty(*md, "name");
      }
    }
    for (const auto& [k, v] : resource_values(*s, pol.name, resource)) (void)set_dotted(context, k, v);
    if (const value* vals = rule_values(*s, pol.name, r.name)) {
      for (const member& m : vals->as_object()) (void)set_dotted(context, m.key, m.val);
    }
  });
}

}  // namespace coco_admit::cli::kyverno_test
