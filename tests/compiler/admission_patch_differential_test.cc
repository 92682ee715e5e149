// Differential test at the admission level: for generated pods, the base64
// JSON patch in the mutate response, applied by an independent RFC 6902
// implementation (python3-jsonpatch, via tests/core/jsonpatch_diff_check.py),
// must give exactly the object engine::mutate produces. Runs with a built-in
// mutate policy set (strategic merge with anchors, JSON 6902, foreach) and,
// when profiles/coco is in the source tree, with the shipped CoCo profile.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/admission.h"
#include "coco-admit/core/coco/base64.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/yaml.h"
#include "policy_helpers.h"

using namespace coco_admit;
namespace fs = std::filesystem;

namespace {

const char* const builtin_mutations = R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: diff-mutate
  annotations: {pod-policies.kyverno.io/autogen-controllers: none}
spec:
  rules:
  - name: defaults
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        metadata:
          labels:
            +(team): unknown
          annotations:
            coco.io/checked: "true"
        spec:
          +(runtimeClassName): kata-qemu-snp
          (containers):
          - (name): "*"
            +(imagePullPolicy): IfNotPresent
  - name: init
    match: {any: [{resources: {kinds: [Pod], selector: {matchLabels: {attest: "yes"}}}}]}
    mutate:
      patchStrategicMerge:
        spec:
          initContainers:
          - name: attest
            image: registry.example/attest:1
  - name: per-container
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      foreach:
      - list: request.object.spec.containers
        patchesJson6902: |-
          - op: add
            path: /metadata/annotations/image.coco.io~1{{ element.name }}
            value: "{{ element.image }}"
  - name: drop-host-network
    match: {any: [{resources: {kinds: [Pod]}}]}
    preconditions:
      all:
      - {key: "{{ request.object.spec.hostNetwork || false }}", operator: Equals, value: true}
    mutate:
      patchesJson6902: |-
        - {op: remove, path: /spec/hostNetwork}
        - {op: add, path: /spec/dnsPolicy, value: ClusterFirst}
  - name: env
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      foreach:
      - list: request.object.spec.containers
        patchStrategicMerge:
          spec:
            containers:
            - name: "{{ element.name }}"
              env:
              - {name: COCO, value: "1"}
)";

class pod_generator {
 public:
  explicit pod_generator(unsigned seed) : rng_(seed) {}

  value next(int index) {
    value p = value::object();
    p.set("apiVersion", value("v1"));
    p.set("kind", value("Pod"));
    value md = value::object();
    md.set("name", value("pod-" + std::to_string(index)));
    md.set("namespace", value(pick({"default", "payments", "coco-dev", "team-a"})));
    value labels = value::object();
    if (chance(2)) labels.set("app", value(pick({"web", "api"})));
    if (chance(3)) labels.set("team", value("payments"));
    if (chance(3)) labels.set("attest", value("yes"));
    if (chance(3)) labels.set("coco.io/enabled", value("true"));
    md.set("labels", std::move(labels));
    if (chance(2)) {
      value ann = value::object();
      ann.set(pick({"coco.io/enabled", "note", "a/b~c"}), value(pick({"true", "x", ""})));
      md.set("annotations", std::move(ann));
    }
    p.set("metadata", std::move(md));
    value spec = value::object();
    if (chance(3)) spec.set("runtimeClassName", value(pick({"kata-qemu-tdx", "runc", "kata-qemu-snp"})));
    if (chance(4)) spec.set("hostNetwork", value(true));
    value cs = value::array();
    int n = 1 + static_cast<int>(rng_() % 4);
    for (int i = 0; i < n; ++i) {
      value c = value::object();
      c.set("name", value("c" + std::to_string(i) + (chance(4) ? "/x" : "")));
      c.set("image", value(pick({"nginx:1.25", "busybox", "registry.example/app@sha256:abc"})));
      if (chance(3)) c.set("imagePullPolicy", value("Always"));
      if (chance(3)) {
        value env = value::array();
        value e = value::object();
        e.set("name", value(pick({"A", "COCO"})));
        e.set("value", value("0"));
        env.push_back(std::move(e));
        c.set("env", std::move(env));
      }
      cs.push_back(std::move(c));
    }
    spec.set("containers", std::move(cs));
    if (chance(4)) {
      value inits = value::array();
      value c = value::object();
      c.set("name", value(pick({"attest", "setup"})));
      c.set("image", value("busybox"));
      inits.push_back(std::move(c));
      spec.set("initContainers", std::move(inits));
    }
    p.set("spec", std::move(spec));
    return p;
  }

 private:
  bool chance(unsigned one_in) { return rng_() % one_in == 0; }
  std::string pick(std::initializer_list<const char*> options) { return *(options.begin() + rng_() % options.size()); }
  std::mt19937 rng_;
};

struct policy_set {
  std::string name;
  std::shared_ptr<const program> prog;
  cluster_state cluster;
};

// Writes one JSON line per allowed, patched review; returns how many.
int collect(const policy_set& set, int pods, std::ofstream& lines, std::vector<value> extra = {}) {
  engine_environment env;
  env.cluster = &set.cluster;
  engine_environment engine_env = env;  // what admission::review uses for mutate
  engine_env.record_patched = false;
  engine_env.drop_failed_ignore_policies = true;
  admission::scratch scratch;
  pod_generator gen(7);
  int patched = 0;
  for (int i = 0; i < pods + static_cast<int>(extra.size()); ++i) {
    value pod = i < pods ? gen.next(i) : extra[i - pods];
    std::string out;
    admission::review_outcome outcome;
    admission::review(*set.prog, admission::webhook::mutate, coco_admit::testing::pod_create_review(pod), false, env, scratch, out, outcome);
    auto response = json::parse(out);
    EXPECT_TRUE(response.ok()) << out;
    if (!response.ok()) continue;
    value& resp = (*response)["response"];
    if (!resp["allowed"].as_bool() || resp.find("patch") == nullptr) continue;
    auto bytes = coco::base64_decode_strict(resp["patch"].as_string());
    EXPECT_TRUE(bytes.ok()) << out;
    if (!bytes.ok()) continue;
    auto ops = json::parse(*bytes);
    EXPECT_TRUE(ops.ok()) << *bytes;
    if (!ops.ok()) continue;
    engine_request req = engine_request::from_object(pod);
    engine_response expected = engine::mutate(*set.prog, std::move(req), engine_env);
    value line = value::object();
    line.set("before", pod);
    line.set("after", expected.resource);
    line.set("patch", std::move(ops).value());
    lines << json::serialize(line) << "\n";
    ++patched;
  }
  return patched;
}

}  // namespace

TEST(AdmissionPatchDifferential, PythonJsonpatchReproducesTheMutatedObject) {
  const std::string script = std::string(COCO_ADMIT_SOURCE_DIR) + "/tests/core/jsonpatch_diff_check.py";
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "/usr/bin/python3 is not installed";
  if (std::system("/usr/bin/python3 -c 'import jsonpatch' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 module jsonpatch (Debian python3-jsonpatch) is not installed";
  }
  std::vector<policy_set> sets(1);
  sets[0].name = "built-in";
  auto out = compiler::compile_sources({{"builtin.yaml", builtin_mutations}});
  ASSERT_TRUE(out.ok()) << out.error_text();
  sets[0].prog = out.prog;

  std::vector<value> profile_workloads;
  const fs::path profile = fs::path(COCO_ADMIT_SOURCE_DIR) / "profiles" / "coco";
  if (fs::is_directory(profile / "policies")) {
    policy_set& p = sets.emplace_back();
    p.name = "profiles/coco";
    auto compiled = compiler::compile_paths({(profile / "policies").string()});
    ASSERT_TRUE(compiled.ok()) << compiled.error_text();
    p.prog = compiled.prog;
    if (fs::is_directory(profile / "cluster")) {
      ASSERT_TRUE(p.cluster.add_file((profile / "cluster").string()).ok());
    }
    if (fs::is_directory(profile / "workloads")) {
      for (const auto& e : fs::directory_iterator(profile / "workloads")) {
        if (e.path().extension() != ".yaml") continue;
        auto docs = yaml::load_file(e.path().string());
        if (!docs.ok()) continue;
        for (const auto& d : *docs) {
          if (d.root.is_object() && d.root.find("kind") != nullptr && d.root.find("kind")->is_string() &&
              d.root.find("kind")->as_string() == "Pod") {
            profile_workloads.push_back(d.root);
          }
        }
      }
    }
  }

  const fs::path input = fs::temp_directory_path() / ("coco-admit-admission-patches-" + std::to_string(::getpid()) + ".jsonl");
  int total = 0;
  {
    std::ofstream lines(input);
    for (auto& set : sets) {
      int n = collect(set, 300, lines, set.name == "built-in" ? std::vector<value>{} : profile_workloads);
      EXPECT_GT(n, 30) << set.name << ": too few patched responses to compare";
      total += n;
    }
  }
  const std::string cmd = "/usr/bin/python3 '" + script + "' < '" + input.string() + "'";
  int rc = std::system(cmd.c_str());
  fs::remove(input);
  EXPECT_EQ(rc, 0) << "python-jsonpatch applied our admission patches and got a different object (see stderr)";
  EXPECT_GT(total, 0);
}
