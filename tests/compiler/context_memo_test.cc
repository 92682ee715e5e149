// The values of variable context entries kept across requests (context_memo_plan): which entries the compiler
// plans to keep, and that a kept value is always what evaluating again would give.
#include <gtest/gtest.h>

#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/admission.h"
#include "coco-admit/core/coco/base64.h"
#include "coco-admit/core/engine.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/yaml.h"
#include "policy_helpers.h"

using namespace coco_admit;
using coco_admit::testing::compile;
using coco_admit::testing::doc;

namespace {

// A mutate rule that sets a label from `variable`, read with the ConfigMap `settings` (and whatever `extra` adds).
std::string policy_with(const std::string& variable, const std::string& extra = "") {
  return R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: kept}
spec:
  rules:
  - name: label
    match: {any: [{resources: {kinds: [Pod]}}]}
    context:
    - name: settings
      configMap: {name: settings, namespace: platform}
    - name: chosen
      variable:
        jmesPath: >-
          )" + variable + R"(
)" + extra + R"(
    mutate:
      patchStrategicMerge:
        metadata:
          labels:
            chosen: "{{ chosen }}"
)";
}

cluster_state settings(const std::string& data) {
  cluster_state c;
  c.add(doc("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: platform}\ndata: " + data + "\n"));
  return c;
}

const context_entry& entry(const program& prog, const std::string& name) {
  for (const auto& p : prog.policies) {
    for (const auto& r : p.rules) {
      for (const auto& c : r.context) {
        if (c.name == name) return c;
      }
    }
  }
  throw std::runtime_error("no context entry " + name);
}

// The AdmissionReview of a pod in `ns`, as the API server sends it.
std::string review_of(const std::string& ns, const std::string& uid) {
  return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":")" + uid +
         R"(","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},)"
         R"("namespace":")" + ns + R"(","operation":"CREATE","userInfo":{"username":"u"},"object":{"apiVersion":"v1",)"
         R"("kind":"Pod","metadata":{"name":"p","namespace":")" + ns +
         R"("},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}})";
}

// The patch the mutating webhook answers for a pod of `ns` ("" when none), through admission::review.
std::string chosen_label(const program& prog, const cluster_state& cluster, const std::string& ns) {
  engine_environment env;
  env.cluster = &cluster;
  admission::scratch scratch;
  admission::review_outcome outcome;
  std::string out;
  static int uid = 0;
  ++uid;
  // Built in a buffer of its own that dies here: a kept value must not point into it, nor into the parser's
  // strings, which the next request overwrites (the uid's length varies, so the strings after it move).
  {
    std::string body = review_of(ns, "uid-" + std::string(static_cast<std::size_t>(uid % 5 + 1), 'u'));
    admission::review(prog, admission::webhook::mutate, body, false, env, scratch, out, outcome);
  }
  auto response = json::parse(out);
  EXPECT_TRUE(response.ok()) << out;
  const value* patch = response->find("response")->find("patch");
  if (patch == nullptr) return "";
  auto text = coco::base64_decode_strict(patch->as_string());
  EXPECT_TRUE(text.ok());
  return text.ok() ? *text : "";
}

// The same program with nothing kept: the reference a kept value must agree with.
std::shared_ptr<const program> without_plans(const program& prog) {
  auto copy = std::make_shared<program>(prog);
  for (auto& p : copy->policies) {
    for (auto& r : p.rules) {
      for (auto& c : r.context) c.memo.reset();
    }
  }
  build_selector(*copy);
  return copy;
}

}  // namespace

TEST(ContextMemo, TheCompilerPlansOnlyWhatDependsOnConfigMapsAndRequestFields) {
  auto kept = compile(policy_with("lookup(settings.data, request.namespace) || settings.data._default"));
  const context_entry& c = entry(*kept, "chosen");
  ASSERT_TRUE(c.memo.has_value());
  ASSERT_EQ(c.memo->config_maps.size(), 1u);
  EXPECT_EQ(c.memo->config_maps[0].entry, "settings");
  EXPECT_EQ(c.memo->config_maps[0].ns, "platform");
  EXPECT_EQ(c.memo->config_maps[0].name, "settings");
  ASSERT_EQ(c.memo->request_paths.size(), 1u);
  EXPECT_EQ(c.memo->request_paths[0], std::vector<std::string>{"namespace"});
  EXPECT_FALSE(entry(*kept, "settings").memo.has_value());

  // Reads of anything else: the whole request, a built-in name, another variable, the input itself, images.
  for (const char* expression : {"request", "serviceAccountName", "keys(@)", "images.containers",
                                 "length(request.object.spec.containers[?image == 'x'])"}) {
    EXPECT_EQ(entry(*compile(policy_with(expression)), "chosen").memo.has_value(),
              std::string(expression).rfind("length", 0) == 0)
        << expression;
  }
  auto other = compile(policy_with("other", "    - name: other\n      variable: {value: x}\n"));
  EXPECT_FALSE(entry(*other, "chosen").memo.has_value());
  // A ConfigMap named by a variable is not one the compiler can name.
  auto dynamic = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: dynamic}
spec:
  rules:
  - name: r
    match: {any: [{resources: {kinds: [Pod]}}]}
    context:
    - name: settings
      configMap: {name: "{{ request.namespace }}", namespace: platform}
    - name: chosen
      variable: {jmesPath: settings.data.x}
    validate: {deny: {conditions: {any: [{key: "{{ chosen }}", operator: Equals, value: "no"}]}}}
)");
  EXPECT_FALSE(entry(*dynamic, "chosen").memo.has_value());
}

TEST(ContextMemo, AKeptValueFollowsTheNamespaceAndTheClusterState) {
  auto prog = compile(policy_with("lookup(settings.data, request.namespace) || settings.data._default"));
  const cluster_state first = settings("{_default: plain, team-a: alpha}");
  const std::string alpha = chosen_label(*prog, first, "team-a");
  EXPECT_NE(alpha.find("alpha"), std::string::npos) << alpha;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(chosen_label(*prog, first, "team-a"), alpha);
    EXPECT_NE(chosen_label(*prog, first, "team-b").find("plain"), std::string::npos);
  }
  // New ConfigMap contents: a new state, never the kept value.
  const cluster_state second = settings("{_default: plain, team-a: beta}");
  EXPECT_NE(chosen_label(*prog, second, "team-a").find("beta"), std::string::npos);
  EXPECT_NE(chosen_label(*prog, first, "team-a").find("alpha"), std::string::npos);
  // The same state changed in place.
  cluster_state changing = settings("{_default: plain, team-a: gamma}");
  EXPECT_NE(chosen_label(*prog, changing, "team-a").find("gamma"), std::string::npos);
  changing.add(doc("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: platform}\ndata: "
                   "{_default: plain, team-a: delta}\n"));
  EXPECT_NE(chosen_label(*prog, changing, "team-a").find("delta"), std::string::npos);
}

TEST(ContextMemo, AKeptValueReadFromTheRequestOutlivesIt) {
  // The value is the request's own string, kept past the request's buffer and parser (each review here has its
  // own, and the uid's length moves the strings after it). The engine copies kept values whole (own_deeply); this
  // path happens to hand it owned strings already, so the test guards the outcome, not that copy.
  auto prog = compile(policy_with("request.object.metadata.namespace || settings.data._default"));
  const cluster_state cluster = settings("{_default: plain}");
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(chosen_label(*prog, cluster, "team-a").find("team-a"), std::string::npos);
    EXPECT_NE(chosen_label(*prog, cluster, "team-bb").find("team-bb"), std::string::npos);
  }
}

TEST(ContextMemo, KeptAndEvaluatedAgainAgreeOnEveryOutcome) {
  // Missing ConfigMap, missing key with and without default, a null result, and a foreach entry that hides the
  // ConfigMap's name: each review gives what a fresh evaluation gives (the first review of a thread evaluates).
  const char* expressions[] = {
      "lookup(settings.data, request.namespace) || settings.data._default",
      "settings.data.missing",
      "settings.data.\"team-a\"",
      "request.object.metadata.labels.app || 'none'",
  };
  const cluster_state with = settings("{_default: plain, team-a: alpha}");
  const cluster_state without;
  for (const char* expression : expressions) {
    for (const std::string& extra : {std::string(), std::string("        default: fallback\n")}) {
      auto prog = compile(policy_with(expression, extra));
      auto reference = without_plans(*prog);
      for (const cluster_state* cluster : {&with, &without}) {
        for (const char* ns : {"team-a", "team-b"}) {
          const std::string want = chosen_label(*reference, *cluster, ns);
          EXPECT_EQ(chosen_label(*prog, *cluster, ns), want) << expression << " in " << ns;
          EXPECT_EQ(chosen_label(*prog, *cluster, ns), want) << expression << " in " << ns << ", again";
        }
      }
    }
  }
}

TEST(ContextMemo, AForeachEntryThatHidesTheConfigMapIsReadAsTheEngineReadsIt) {
  // Both rules define `chosen` alike, so they share its key; inside the second rule's foreach, an entry named like
  // the ConfigMap hides it, and `chosen`, loaded there, must be evaluated, not taken from the first rule.
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: kept}
spec:
  rules:
  - name: plain
    match: {any: [{resources: {kinds: [Pod]}}]}
    context:
    - name: settings
      configMap: {name: settings, namespace: platform}
    - name: chosen
      variable: {jmesPath: settings.data.x}
    mutate:
      patchStrategicMerge:
        metadata: {labels: {plain: "{{ chosen }}"}}
  - name: hidden
    match: {any: [{resources: {kinds: [Pod]}}]}
    context:
    - name: settings
      configMap: {name: settings, namespace: platform}
    - name: chosen
      variable: {jmesPath: settings.data.x}
    mutate:
      foreach:
      - list: request.object.spec.containers
        context:
        - name: settings
          variable: {value: {data: {x: from-foreach}}}
        patchStrategicMerge:
          metadata: {labels: {hidden: "{{ chosen }}"}}
)");
  const cluster_state cluster = settings("{x: from-configmap}");
  const std::string want = chosen_label(*without_plans(*prog), cluster, "team-a");
  EXPECT_NE(want.find("from-configmap"), std::string::npos) << want;
  for (int i = 0; i < 2; ++i) EXPECT_EQ(chosen_label(*prog, cluster, "team-a"), want);
}

TEST(ContextMemo, AKeptVariableLoadedWhileAnotherIsComputedKeepsItsOwnValue) {
  // `chosen` names `other` in a string, so the engine loads `other` (kept too) while it computes `chosen`.
  auto prog = compile(R"yaml(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: kept}
spec:
  rules:
  - name: both
    match: {any: [{resources: {kinds: [Pod]}}]}
    context:
    - name: settings
      configMap: {name: settings, namespace: platform}
    - name: chosen
      variable: {jmesPath: "lookup(settings.data, 'other')"}
    - name: other
      variable: {jmesPath: settings.data.y}
    mutate:
      patchStrategicMerge:
        metadata: {labels: {chosen: "{{ chosen }}", other: "{{ other }}"}}
)yaml");
  ASSERT_TRUE(entry(*prog, "chosen").memo.has_value());
  ASSERT_TRUE(entry(*prog, "other").memo.has_value());
  const cluster_state cluster = settings("{other: from-other-key, y: from-y}");
  const std::string want = chosen_label(*without_plans(*prog), cluster, "team-a");
  EXPECT_NE(want.find("from-y"), std::string::npos) << want;
  for (int i = 0; i < 2; ++i) EXPECT_EQ(chosen_label(*prog, cluster, "team-a"), want);
}
