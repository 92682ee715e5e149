// `coco-admit compile`, `apply` and `review`: the offline faces of the engine.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/admission.h"
#include "coco-admit/core/engine.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/yaml.h"
#include "commands.h"
#include "kyverno_test.h"

namespace coco_admit::cli {
namespace {

struct compile_options {
  std::vector<std::string> policies;
  bool dump = false;
};

struct apply_options {
  std::vector<std::string> policies;
  std::vector<std::string> resources;
  std::vector<std::string> cluster_resources;
  std::string values;
  std::string output = "yaml";
  std::string operation = "CREATE";
};

struct review_options {
  std::vector<std::string> policies;
  std::vector<std::string> cluster_resources;
  std::string input = "-";
  std::string hook = "mutate";
  std::string subset = "all";
  bool pretty = false;
};

// Files named, and the *.yaml/*.yml/*.json files under directories named, sorted.
std::vector<std::string> expand(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) {
      out.push_back(p);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& e : fs::recursive_directory_iterator(p, ec)) {
      std::string ext = e.path().extension().string();
      if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) found.push_back(e.path().string());
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

// ConfigMaps and Namespaces for the policies; false (after saying why) on bad input.
bool load_cluster(const std::vector<std::string>& files, cluster_state& cluster, const char* command) {
  for (const auto& f : files) {
    status st = cluster.add_file(f);
    if (!st.ok()) {
      std::cerr << "coco-admit " << command << ": " << st.err().message << "\n";
      return false;
    }
  }
  return true;
}

int run_compile(const compile_options& o) {
  auto out = compiler::compile_paths(o.policies);
  if (!out.ok()) {
    std::cerr << out.error_text();
    std::cerr << "coco-admit compile: " << out.errors.size() << " error(s)\n";
    return 1;
  }
  if (o.dump) {
    std::cout << compiler::dump(*out.prog);
  } else {
    std::cout << "compiled " << out.prog->policies.size() << " policies, " << out.prog->rule_count() << " rules\n";
  }
  return 0;
}

int run_apply(const apply_options& o) {
  auto compiled = compiler::compile_paths(o.policies);
  if (!compiled.ok()) {
    std::cerr << compiled.error_text();
    return 2;
  }
  cluster_state cluster;
  if (!load_cluster(o.cluster_resources, cluster, "apply")) return 2;
  engine_environment env;
  env.cluster = &cluster;
  if (!o.values.empty()) {
    auto hook = kyverno_test::load_values_hook(o.values, cluster);
    if (!hook.ok()) {
      std::cerr << "coco-admit apply: " << hook.err().message << "\n";
      return 2;
    }
    env.override_context = std::move(hook).value();
  }
  std::vector<value> resources;
  for (const auto& f : expand(o.resources)) {
    auto docs = yaml::load_file(f);
    if (!docs.ok()) {
      std::cerr << "coco-admit apply: " << docs.err().message << "\n";
      return 2;
    }
    for (auto& d : *docs) {
      if (!d.root.is_object() || d.root.find("kind") == nullptr) {
        std::cerr << "coco-admit apply: " << f << ": a resource needs 'kind' and 'metadata'\n";
        return 2;
      }
      resources.push_back(std::move(d.root));
    }
  }
  int failures = 0;
  std::ostringstream table;
  table << "POLICY\tRULE\tRESOURCE\tRESULT\tMESSAGE\n";
  bool first = true;
  for (auto& res : resources) {
    engine_request req = engine_request::from_object(res, o.operation);
    std::string ident = req.kind + "/" + (req.ns.empty() ? "" : req.ns + "/") + req.name;
    engine_response m = engine::mutate(*compiled.prog, req, env);
    engine_request vreq = req;
    if (o.operation != "DELETE") vreq.object = m.resource;
    engine_response v = engine::validate(*compiled.prog, std::move(vreq), env);
    for (const auto* r : {&m, &v}) {
      for (const auto& p : r->policies) {
        for (const auto& rr : p.rules) {
          table << p.pol->name << "\t" << rr.name << "\t" << ident << "\t" << rule_status_name(rr.status) << "\t"
                << rr.message << "\n";
          if (rr.status == rule_status::fail || rr.status == rule_status::error) ++failures;
        }
      }
    }
    if (o.output == "json") {
      std::cout << json::serialize_pretty(m.resource) << "\n";
    } else {
      if (!first) std::cout << "---\n";
      std::cout << yaml::emit(m.resource);
    }
    first = false;
  }
  std::cerr << table.str();
  std::cerr << "\n" << failures << " rule(s) failed or errored\n";
  return failures > 0 ? 1 : 0;
}

int run_review(const review_options& o) {
  auto compiled = compiler::compile_paths(o.policies);
  if (!compiled.ok()) {
    std::cerr << compiled.error_text();
    return 2;
  }
  cluster_state cluster;
  if (!load_cluster(o.cluster_resources, cluster, "review")) return 2;
  std::string body;
  if (o.input == "-") {
    body.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto text = yaml::read_file(o.input);
    if (!text.ok()) {
      std::cerr << "coco-admit review: " << text.err().message << "\n";
      return 2;
    }
    body = std::move(text).value();
  }
  engine_environment env;
  env.cluster = &cluster;
  env.subset = o.subset == "fail" ? policy_subset::fail_only : o.subset == "ignore" ? policy_subset::ignore_only
                                                                                       : policy_subset::all;
  admission::scratch s;
  admission::review_outcome outcome;
  std::string out;
  admission::review(*compiled.prog, o.hook == "validate" ? admission::webhook::validate : admission::webhook::mutate,
                    body, false, env, s, out, outcome);
  if (o.pretty) {
    auto v = json::parse(out);
    std::cout << (v.ok() ? json::serialize_pretty(*v) : out) << "\n";
  } else {
    std::cout << out << "\n";
  }
  if (outcome.malformed) std::cerr << "coco-admit review: " << outcome.error << "\n";
  return outcome.malformed ? 2 : 0;
}

}  // namespace

void add_compile_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<compile_options>();
  auto* cmd = app.add_subcommand("compile", "Compile Kyverno policies into a program; report every error");
  cmd->add_option("--policy,-p", o->policies, "Policy files or directories")->required();
  cmd->add_flag("--dump", o->dump, "Print the compiled program in its stable text form");
  cmd->callback([o, &exit_code] { exit_code = run_compile(*o); });
}

void add_apply_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<apply_options>();
  auto* cmd = app.add_subcommand("apply", "Apply policies to resources offline (like kyverno apply)");
  cmd->add_option("--policy,-p", o->policies, "Policy files or directories")->required();
  cmd->add_option("--resource,-r", o->resources, "Resource manifests (multi-document YAML or JSON)")->required();
  cmd->add_option("--cluster-resources,-c", o->cluster_resources, "ConfigMaps and Namespaces the policies may read");
  cmd->add_option("--values,-f", o->values, "Kyverno Values file (globalValues, per-policy rule and resource values, namespaceSelector)");
  cmd->add_option("--output,-o", o->output, "Output format of mutated resources")->check(CLI::IsMember({"yaml", "json"}));
  cmd->add_option("--operation", o->operation, "Admission operation")->check(CLI::IsMember({"CREATE", "UPDATE", "DELETE"}));
  cmd->callback([o, &exit_code] { exit_code = run_apply(*o); });
}

void add_review_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<review_options>();
  auto* cmd = app.add_subcommand("review", "AdmissionReview in, AdmissionReview out, through the server's code path");
  // One value per flag (repeatable), so the positional review file is not taken for a policy.
  cmd->add_option("--policy,-p", o->policies, "Policy file or directory (repeatable)")
      ->required()
      ->allow_extra_args(false);
  cmd->add_option("--cluster-resources,-c", o->cluster_resources, "ConfigMaps and Namespaces the policies may read (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--webhook", o->hook, "Which webhook to emulate")->check(CLI::IsMember({"mutate", "validate"}));
  cmd->add_option("--failure-policy", o->subset, "Policy subset, as the /fail and /ignore endpoints select")
      ->check(CLI::IsMember({"all", "fail", "ignore"}));
  cmd->add_flag("--pretty", o->pretty, "Indent the response");
  cmd->add_option("file", o->input, "AdmissionReview JSON file, or - for stdin");
  cmd->callback([o, &exit_code] { exit_code = run_review(*o); });
}

}  // namespace coco_admit::cli
