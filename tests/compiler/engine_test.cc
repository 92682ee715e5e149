// The compiler and engine together: policy YAML in, rule results and the
// mutated object out, on small hand-written cases with known Kyverno answers.
#include <gtest/gtest.h>

#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/admission.h"
#include "coco-admit/core/coco/base64.h"
#include "coco-admit/core/coco/initdata.h"
#include "coco-admit/core/engine.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/json_patch.h"
#include "coco-admit/core/yaml.h"
#include "policy_helpers.h"

using namespace coco_admit;
using coco_admit::testing::compile;
using coco_admit::testing::doc;

namespace {

const rule_response* find_rule(const engine_response& r, const std::string& name) {
  for (const auto& p : r.policies) {
    for (const auto& rr : p.rules) {
      if (rr.name == name) return &rr;
    }
  }
  return nullptr;
}

// The rule's status and message, as one check.
void expect_rule(const engine_response& r, const std::string& name, rule_status status, const std::string& message) {
  const rule_response* rr = find_rule(r, name);
  ASSERT_NE(rr, nullptr) << name;
  EXPECT_EQ(rr->status, status) << name;
  EXPECT_EQ(rr->message, message) << name;
}

const char* pod = R"(
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: team-a
  labels: {app: web}
spec:
  containers:
  - name: nginx
    image: nginx:1.25
)";

// An AdmissionReview (uid abc-123) that creates `object`, a Pod in team-a.
std::string pod_create_review(const value& object) {
  value review = value::object();
  review["apiVersion"] = "admission.k8s.io/v1";
  review["kind"] = "AdmissionReview";
  review["request"]["uid"] = "abc-123";
  review["request"]["kind"]["group"] = "";
  review["request"]["kind"]["version"] = "v1";
  review["request"]["kind"]["kind"] = "Pod";
  review["request"]["namespace"] = "team-a";
  review["request"]["operation"] = "CREATE";
  review["request"]["object"] = object;
  return json::serialize(review);
}

// Whether validating the reference pod, moved to namespace `ns`, runs `rule`.
bool validates_in(const program& prog, const std::string& ns, const std::string& rule) {
  value p = doc(pod);
  p["metadata"]["namespace"] = ns;
  return find_rule(engine::validate(prog, engine_request::from_object(p), {}), rule) != nullptr;
}

}  // namespace

TEST(Engine, StrategicMergeInjectsRuntimeClassAndPrependsInitContainer) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: coco}
spec:
  rules:
  - name: runtime-class
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        spec:
          +(runtimeClassName): kata-qemu-snp
          initContainers:
          - name: attest
            image: fedora
)");
  ASSERT_TRUE(prog);
  engine_environment env;
  auto r = engine::mutate(*prog, engine_request::from_object(doc(pod)), env);
  const rule_response* rr = find_rule(r, "runtime-class");
  ASSERT_NE(rr, nullptr);
  EXPECT_EQ(rr->status, rule_status::pass) << rr->message;
  EXPECT_EQ(rr->message, "mutated Pod/web in namespace team-a");
  EXPECT_EQ(r.resource["spec"]["runtimeClassName"].as_string(), "kata-qemu-snp");
  EXPECT_EQ(r.resource["spec"]["initContainers"].as_array()[0]["name"].as_string(), "attest");
}

TEST(Engine, AddIfNotPresentKeepsUserValueAndSkips) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: coco}
spec:
  rules:
  - name: runtime-class
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        spec:
          +(runtimeClassName): kata-qemu-snp
)");
  value p = doc(pod);
  p["spec"]["runtimeClassName"] = "kata-qemu-tdx";
  auto r = engine::mutate(*prog, engine_request::from_object(p), {});
  const rule_response* rr = find_rule(r, "runtime-class");
  ASSERT_NE(rr, nullptr);
  EXPECT_EQ(rr->status, rule_status::skip);
  EXPECT_EQ(r.resource["spec"]["runtimeClassName"].as_string(), "kata-qemu-tdx");
}

TEST(Engine, ValidatePatternFailureMessageMatchesKyverno) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: require-team}
spec:
  validationFailureAction: Enforce
  rules:
  - name: check-label
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "label 'team' is required"
      pattern:
        metadata:
          labels:
            team: "?*"
)");
  auto r = engine::validate(*prog, engine_request::from_object(doc(pod)), {});
  const rule_response* rr = find_rule(r, "check-label");
  ASSERT_NE(rr, nullptr);
  EXPECT_EQ(rr->status, rule_status::fail);
  EXPECT_EQ(rr->message,
            "validation error: label 'team' is required. rule check-label failed at path /metadata/labels/team/");
}

// Kyverno resolves a variable that fails in conditions to "" (its
// preconditions resolver), so both rules are skipped, not errors.
TEST(Engine, PreconditionsMissingKeyResolvesToEmptyString) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: p}
spec:
  rules:
  - name: strict
    match: {any: [{resources: {kinds: [Pod]}}]}
    preconditions:
      all:
      - key: "{{ request.object.metadata.labels.missing }}"
        operator: Equals
        value: x
    validate:
      deny: {}
  - name: lenient
    match: {any: [{resources: {kinds: [Pod]}}]}
    preconditions:
      all:
      - key: "{{ request.object.metadata.labels.missing || '' }}"
        operator: Equals
        value: x
    validate:
      deny: {}
)");
  auto r = engine::validate(*prog, engine_request::from_object(doc(pod)), {});
  ASSERT_NE(find_rule(r, "strict"), nullptr);
  EXPECT_EQ(find_rule(r, "strict")->status, rule_status::skip);
  ASSERT_NE(find_rule(r, "lenient"), nullptr);
  EXPECT_EQ(find_rule(r, "lenient")->status, rule_status::skip);
}

// The messages of the conditions that failed are joined with "; " and appended to the skip reason of preconditions
// that do not hold and to the message of a deny that does. A deny that does not hold reports none (the broken
// message of its failed condition is never substituted).
TEST(Engine, ConditionMessagesAreTheFailedConditionsJoined) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: p}
spec:
  rules:
  - name: skipped
    match: {any: [{resources: {kinds: [Pod]}}]}
    preconditions:
      any:
      - {key: a, operator: Equals, value: b, message: "first for {{ request.object.metadata.name }}"}
      - {key: a, operator: Equals, value: c, message: second}
    validate:
      deny: {}
  - name: denied
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "not {{ request.object.metadata.name }}"
      deny:
        conditions:
          any:
          - {key: a, operator: Equals, value: b, message: "a is not b"}
          - {key: a, operator: Equals, value: a, message: "a is a"}
  - name: allowed
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: never
      deny:
        conditions:
          all:
          - {key: a, operator: Equals, value: a, message: "a is a"}
          - {key: a, operator: Equals, value: b, message: "{{ missing.variable }}"}
)");
  auto r = engine::validate(*prog, engine_request::from_object(doc(pod)), {});
  expect_rule(r, "skipped", rule_status::skip, "preconditions not met; first for web; second");
  expect_rule(r, "denied", rule_status::fail, "not web; a is not b");
  expect_rule(r, "allowed", rule_status::pass, "validation rule 'allowed' passed.");
}

TEST(Engine, AnyPatternReportsThePatternThatPassedOrEveryFailure) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: p}
spec:
  rules:
  - name: second-passes
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      anyPattern:
      - metadata: {labels: {app: db}}
      - metadata: {labels: {app: web}}
  - name: none-passes
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "app must be db or api"
      anyPattern:
      - metadata: {labels: {app: db}}
      - metadata: {labels: {app: api}}
)");
  auto r = engine::validate(*prog, engine_request::from_object(doc(pod)), {});
  expect_rule(r, "second-passes", rule_status::pass, "validation rule 'second-passes' anyPattern[1] passed.");
  expect_rule(r, "none-passes", rule_status::fail,
              "validation error: app must be db or api. rule none-passes[0] failed at path /metadata/labels/app/ "
              "rule none-passes[1] failed at path /metadata/labels/app/");
}

TEST(Engine, DenyWithConfigMapContext) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: allowed-classes}
spec:
  rules:
  - name: check-class
    match: {any: [{resources: {kinds: [Pod]}}]}
    context:
    - name: platform
      configMap: {name: coco-platform, namespace: coco-system}
    validate:
      message: "runtimeClassName {{ request.object.spec.runtimeClassName || 'none' }} is not allowed"
      deny:
        conditions:
          all:
          - key: "{{ request.object.spec.runtimeClassName || '' }}"
            operator: AnyNotIn
            value: "{{ platform.data.allowed | split(@, ',') }}"
)");
  cluster_state cluster;
  cluster.add(doc(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: coco-platform, namespace: coco-system}
data: {allowed: "kata-qemu-snp,kata-qemu-tdx"}
)"));
  engine_environment env;
  env.cluster = &cluster;
  auto r = engine::validate(*prog, engine_request::from_object(doc(pod)), env);
  expect_rule(r, "check-class", rule_status::fail, "runtimeClassName none is not allowed");
  value good = doc(pod);
  good["spec"]["runtimeClassName"] = "kata-qemu-snp";
  r = engine::validate(*prog, engine_request::from_object(good), env);
  EXPECT_EQ(find_rule(r, "check-class")->status, rule_status::pass);
  // Without the ConfigMap the rule errors when (and because) it is queried.
  r = engine::validate(*prog, engine_request::from_object(good), {});
  EXPECT_EQ(find_rule(r, "check-class")->status, rule_status::error);
}

TEST(Engine, ForeachJson6902AddsEnvToEveryContainer) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: env}
spec:
  rules:
  - name: add-env
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      foreach:
      - list: request.object.spec.containers
        patchesJson6902: |-
          - op: add
            path: /spec/containers/{{elementIndex}}/env
            value: [{name: COCO, value: "1"}]
)");
  value p = doc(pod);
  value second = p["spec"]["containers"].as_array()[0];
  second["name"] = "sidecar";
  p["spec"]["containers"].push_back(second);
  auto r = engine::mutate(*prog, engine_request::from_object(p), {});
  ASSERT_NE(find_rule(r, "add-env"), nullptr);
  EXPECT_EQ(find_rule(r, "add-env")->status, rule_status::pass) << find_rule(r, "add-env")->message;
  for (const auto& c : r.resource["spec"]["containers"].as_array()) {
    ASSERT_NE(c.find("env"), nullptr);
    EXPECT_EQ(c.find("env")->as_array()[0].find("name")->as_string(), "COCO");
  }
}

// A foreach whose third element fails (a JSON patch `test`, or a merge of a
// map into a string) is an error for the whole rule, and the elements
// already applied are undone: the next rule sees the resource unchanged.
TEST(Engine, ForeachRuleThatFailsPartWayLeavesTheResourceUnchanged) {
  for (const char* body : {R"(
        patchesJson6902: |-
          - {op: test, path: /spec/containers/{{elementIndex}}/name, value: "{{ element.name == 'c2' && 'x' || element.name }}"}
          - {op: add, path: /metadata/labels/{{element.name}}, value: seen})",
                           R"(
        patchStrategicMerge:
          metadata:
            labels: "{{ element.name == 'c2' && 'not-a-map' || `{\"seen\": \"yes\"}` }}")"}) {
    auto prog = compile(std::string(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: partial}
spec:
  rules:
  - name: each
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      foreach:
      - list: request.object.spec.containers)") + body + "\n");
    value p = doc(pod);
    value c = p["spec"]["containers"].as_array()[0];
    for (const char* name : {"c1", "c2", "c3"}) {
      c["name"] = name;
      p["spec"]["containers"].push_back(c);
    }
    auto r = engine::mutate(*prog, engine_request::from_object(p), {});
    ASSERT_NE(find_rule(r, "each"), nullptr) << body;
    EXPECT_EQ(find_rule(r, "each")->status, rule_status::error) << body << find_rule(r, "each")->message;
    EXPECT_EQ(r.resource, p) << body << json::serialize(r.resource);
  }
}

TEST(Engine, AutogenRulesCoverDeployments) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: require-team}
spec:
  rules:
  - name: check-label
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      pattern:
        metadata:
          labels:
            team: "?*"
)");
  ASSERT_EQ(prog->policies[0].rules.size(), 3u);
  EXPECT_EQ(prog->policies[0].rules[1].name, "autogen-check-label");
  EXPECT_EQ(prog->policies[0].rules[2].name, "autogen-cronjob-check-label");
  value deploy = doc(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team-a}
spec:
  template:
    metadata:
      labels: {team: shop}
    spec:
      containers: [{name: c, image: nginx}]
)");
  auto r = engine::validate(*prog, engine_request::from_object(deploy), {});
  ASSERT_NE(find_rule(r, "autogen-check-label"), nullptr);
  EXPECT_EQ(find_rule(r, "autogen-check-label")->status, rule_status::pass);
  EXPECT_EQ(find_rule(r, "check-label"), nullptr);
}

TEST(Compiler, OutOfSubsetFieldsAreErrorsWithPositions) {
  auto out = compiler::compile_sources({{"bad.yaml", R"(apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: gen}
spec:
  rules:
  - name: make-cm
    match: {any: [{resources: {kinds: [Namespace]}}]}
    generate:
      kind: ConfigMap
)"}});
  ASSERT_FALSE(out.ok());
  ASSERT_EQ(out.errors.size(), 1u);
  std::string text = out.errors[0].to_string();
  EXPECT_NE(text.find("bad.yaml:8:"), std::string::npos) << text;
  EXPECT_NE(text.find("gen/make-cm"), std::string::npos) << text;
  EXPECT_NE(text.find("spec.rules[0].generate"), std::string::npos) << text;
  EXPECT_NE(text.find("outside the subset"), std::string::npos) << text;
}

TEST(Compiler, BadJmesPathIsAnError) {
  auto out = compiler::compile_sources({{"bad.yaml", R"(apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: p}
spec:
  rules:
  - name: r
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      deny:
        conditions:
          any:
          - key: "{{ request.object.metadata.[ }}"
            operator: Equals
            value: x
)"}});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error_text().find("deny.conditions.any[0].key"), std::string::npos) << out.error_text();
}

TEST(Compiler, DumpIsStable) {
  const char* text = R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: b}
spec:
  rules:
  - name: r
    match: {any: [{resources: {kinds: [Pod], namespaces: [team-*]}}]}
    validate: {pattern: {spec: {runtimeClassName: "kata-*"}}}
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: a}
spec:
  rules:
  - name: r
    match: {any: [{resources: {kinds: [ConfigMap], operations: [CREATE]}}]}
    validate: {deny: {}}
)";
  auto a = compile(text);
  auto b = compile(text);
  EXPECT_EQ(compiler::dump(*a), compiler::dump(*b));
  std::string d = compiler::dump(*a);
  // Policies are ordered by name, whatever the file order.
  EXPECT_LT(d.find("ClusterPolicy a"), d.find("ClusterPolicy b"));
  EXPECT_NE(d.find("CREATE ConfigMap ns=* -> 0.0"), std::string::npos) << d;
}

TEST(Admission, MutateResponseCarriesBase64PatchThatReproducesTheObject) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: coco}
spec:
  rules:
  - name: runtime-class
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        spec:
          +(runtimeClassName): kata-qemu-snp
)");
  value object = doc(pod);
  std::string body = pod_create_review(object);
  admission::scratch s;
  admission::review_outcome outcome;
  std::string out;
  admission::review(*prog, admission::webhook::mutate, body, false, {}, s, out, outcome);
  auto resp = json::parse(out);
  ASSERT_TRUE(resp.ok()) << out;
  const value& r = resp->find("response") ? *resp->find("response") : value();
  EXPECT_EQ(r.find("uid")->as_string(), "abc-123");
  EXPECT_TRUE(r.find("allowed")->as_bool());
  ASSERT_NE(r.find("patch"), nullptr) << out;
  auto patch_text = coco::base64_decode_strict(r.find("patch")->as_string());
  ASSERT_TRUE(patch_text.ok());
  auto ops = json_patch::parse(*json::parse(*patch_text));
  ASSERT_TRUE(ops.ok());
  auto patched = json_patch::apply(object, *ops);
  ASSERT_TRUE(patched.ok());
  EXPECT_EQ((*patched)["spec"]["runtimeClassName"].as_string(), "kata-qemu-snp");
  // Same input, same bytes.
  std::string again;
  admission::review(*prog, admission::webhook::mutate, body, false, {}, s, again, outcome);
  EXPECT_EQ(out, again);
}

TEST(Engine, WithoutPassMessagesRulesPassTheSameWithNoText) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: p}
spec:
  rules:
  - name: label
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        metadata: {labels: {+(team): a}}
  - name: second-passes
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      anyPattern:
      - metadata: {labels: {app: db}}
      - metadata: {labels: {app: web}}
  - name: fails
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "app must be db"
      pattern: {metadata: {labels: {app: db}}}
)");
  engine_environment quiet;
  quiet.pass_messages = false;
  auto m = engine::mutate(*prog, engine_request::from_object(doc(pod)), quiet);
  expect_rule(m, "label", rule_status::pass, "");
  auto v = engine::validate(*prog, engine_request::from_object(doc(pod)), quiet);
  expect_rule(v, "second-passes", rule_status::pass, "");
  // A failure keeps its text: only passes go without.
  expect_rule(v, "fails", rule_status::fail,
              "validation error: app must be db. rule fails failed at path /metadata/labels/app/");
  auto told = engine::mutate(*prog, engine_request::from_object(doc(pod)), {});
  expect_rule(told, "label", rule_status::pass, "mutated Pod/web in namespace team-a");
}

TEST(Admission, AnEmitWarningPolicyWarnsOfItsPassesAndOthersDoNot) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: warns}
spec:
  emitWarning: true
  rules:
  - name: has-app
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      pattern: {metadata: {labels: {app: "?*"}}}
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: silent}
spec:
  rules:
  - name: has-app-too
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      pattern: {metadata: {labels: {app: "?*"}}}
)");
  const std::string body = pod_create_review(doc(pod));
  admission::scratch s;
  admission::review_outcome outcome;
  std::string out;
  admission::review(*prog, admission::webhook::validate, body, false, {}, s, out, outcome);
  auto resp = json::parse(out);
  ASSERT_TRUE(resp.ok()) << out;
  const value* warnings = resp->find("response") ? resp->find("response")->find("warnings") : nullptr;
  ASSERT_NE(warnings, nullptr) << out;
  ASSERT_EQ(warnings->size(), 1u) << out;
  EXPECT_EQ(warnings->as_array()[0].as_string(), "policy warns.has-app: validation rule 'has-app' passed.");
}

TEST(Admission, MalformedReviewsAreAnsweredNotDropped) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: p}
spec:
  rules:
  - name: r
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate: {deny: {}}
)");
  admission::scratch s;
  admission::review_outcome outcome;
  std::string out;
  for (std::string body : {std::string("{"), std::string("[]"), std::string(R"({"request":{}})"),
                           std::string(R"({"request":{"uid":"u1","operation":"CREATE"}})")}) {
    admission::review(*prog, admission::webhook::validate, body, false, {}, s, out, outcome);
    EXPECT_TRUE(outcome.malformed) << body;
    auto resp = json::parse(out);
    ASSERT_TRUE(resp.ok()) << out;
    EXPECT_FALSE((*resp)["response"]["allowed"].as_bool());
    EXPECT_EQ((*resp)["response"]["status"]["code"].as_int(), 400);
  }
  EXPECT_EQ(outcome.uid, "u1");  // echoed when it could be read
}

TEST(Admission, EnforceBlocksWithKyvernoMessage) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: require-team}
spec:
  validationFailureAction: Enforce
  rules:
  - name: check-label
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "label 'team' is required"
      pattern: {metadata: {labels: {team: "?*"}}}
)");
  value review = value::object();
  review["request"]["uid"] = "u";
  review["request"]["kind"]["version"] = "v1";
  review["request"]["kind"]["kind"] = "Pod";
  review["request"]["namespace"] = "team-a";
  review["request"]["operation"] = "CREATE";
  review["request"]["object"] = doc(pod);
  admission::scratch s;
  admission::review_outcome outcome;
  std::string out;
  admission::review(*prog, admission::webhook::validate, json::serialize(review), false, {}, s, out, outcome);
  auto resp = json::parse(out);
  ASSERT_TRUE(resp.ok());
  EXPECT_FALSE((*resp)["response"]["allowed"].as_bool());
  EXPECT_EQ((*resp)["response"]["status"]["message"].as_string(),
            "\n\nresource Pod/team-a/web was blocked due to the following policies \n\nrequire-team:\n  check-label: "
            "'validation error: label ''team'' is required. rule check-label failed at path /metadata/labels/team/'\n");
}

TEST(Admission, InitdataDigestGoesToAuditAnnotations) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: p}
spec:
  rules:
  - name: r
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate: {pattern: {metadata: {name: "?*"}}}
)");
  auto toml = yaml::read_file(std::string(COCO_ADMIT_SOURCE_DIR) + "/tests/data/coco/example-initdata.toml");
  ASSERT_TRUE(toml.ok());
  value object = doc(pod);
  object["metadata"]["annotations"]["io.katacontainers.config.hypervisor.cc_init_data"] =
      coco::initdata_encode(*toml);
  value review = value::object();
  review["request"]["uid"] = "u";
  review["request"]["kind"]["version"] = "v1";
  review["request"]["kind"]["kind"] = "Pod";
  review["request"]["operation"] = "CREATE";
  review["request"]["object"] = object;
  admission::scratch s;
  admission::review_outcome outcome;
  std::string out;
  admission::review(*prog, admission::webhook::validate, json::serialize(review), false, {}, s, out, outcome);
  auto resp = json::parse(out);
  ASSERT_TRUE(resp.ok()) << out;
  const value* audit = (*resp)["response"].find("auditAnnotations");
  ASSERT_NE(audit, nullptr) << out;
  EXPECT_EQ(audit->find("initdata-algorithm")->as_string(), "sha384");
  const std::string& raw = audit->find("initdata-digest-raw")->as_string();
  EXPECT_EQ(raw.substr(0, 8), "97a4040c");
  EXPECT_EQ(raw.size(), 96u);
  EXPECT_EQ(audit->find("initdata-digest-snp")->as_string(), raw.substr(0, 64));
  EXPECT_EQ(audit->find("initdata-digest-tdx")->as_string(), raw);
  EXPECT_EQ(audit->find("initdata-digest-cca")->as_string(), raw + std::string(32, '0'));

  // Initdata that Kata would refuse ([data] values must be strings) is still measured if it reaches a TEE: its
  // digests and their algorithm are recorded, and validation reports the rest.
  object["metadata"]["annotations"]["io.katacontainers.config.hypervisor.cc_init_data"] =
      coco::initdata_encode("algorithm = \"sha256\"\nversion = \"0.1.0\"\n[data.\"cdh.toml\"]\nx = 1\n");
  review["request"]["object"] = object;
  out.clear();
  admission::review(*prog, admission::webhook::validate, json::serialize(review), false, {}, s, out, outcome);
  auto refused = json::parse(out);
  ASSERT_TRUE(refused.ok()) << out;
  const value* measured = (*refused)["response"].find("auditAnnotations");
  ASSERT_NE(measured, nullptr) << out;
  EXPECT_EQ(measured->find("initdata-algorithm")->as_string(), "sha256");
  EXPECT_EQ(measured->find("initdata-digest-raw")->as_string().size(), 64u);
}

TEST(Selector, LiteralNamespacesAreIndexed) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: a}
spec:
  rules:
  - name: only-ns-a
    match: {any: [{resources: {kinds: [Pod], namespaces: [ns-a]}}]}
    validate: {deny: {}}
  - name: everywhere
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate: {deny: {}}
)");
  std::vector<rule_ref> scratch;
  EXPECT_EQ(prog->selector.select({"CREATE", "Pod", "ns-a", "web", nullptr, nullptr}, scratch).size(), 2u);
  EXPECT_EQ(prog->selector.select({"CREATE", "Pod", "ns-b", "web", nullptr, nullptr}, scratch).size(), 1u);
  EXPECT_EQ(prog->selector.select({"CREATE", "ConfigMap", "ns-a", "web", nullptr, nullptr}, scratch).size(), 0u);
  EXPECT_FALSE(validates_in(*prog, "ns-b", "only-ns-a"));
  EXPECT_TRUE(validates_in(*prog, "ns-b", "everywhere"));
  EXPECT_TRUE(validates_in(*prog, "ns-a", "only-ns-a"));
}

// Rules that need a literal name, label or annotation, or a name or
// namespace with a literal prefix, are reached through the object's own
// keys; bare wildcards, expressions and other shapes stay unkeyed. The
// candidates come back in program order.
TEST(Selector, NamesLabelsAndAnnotationsAreIndexed) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: a}
spec:
  rules:
  - name: by-name
    match: {any: [{resources: {kinds: [Pod], names: [web, api]}}]}
    validate: {deny: {}}
  - name: by-label
    match: {any: [{resources: {kinds: [Pod], selector: {matchLabels: {app: web}}}}]}
    validate: {deny: {}}
  - name: by-annotation
    match: {any: [{resources: {kinds: [Pod], annotations: {coco.io/opt-in: "yes"}}}]}
    validate: {deny: {}}
  - name: name-or-label
    match: {any: [{resources: {kinds: [Pod], names: [db]}}, {resources: {kinds: [Pod], selector: {matchLabels: {tier: db}}}}]}
    validate: {deny: {}}
  - name: wildcard-name
    match: {any: [{resources: {kinds: [Pod], names: ["web-*"]}}]}
    validate: {deny: {}}
  - name: all-of
    match: {all: [{resources: {kinds: [Pod]}}, {resources: {selector: {matchLabels: {app: web}}}}]}
    validate: {deny: {}}
  - name: namespace-patterns
    match: {any: [{resources: {kinds: [Pod], namespaces: ["ledger-?-*", payments]}}]}
    validate: {deny: {}}
  - name: bare-wildcard
    match: {any: [{resources: {kinds: [Pod], names: ["*-api"]}}]}
    validate: {deny: {}}
)");
  ASSERT_TRUE(prog);
  std::vector<rule_ref> scratch;
  auto names_in = [&](std::string_view ns, std::string_view name, const value& labels, const value& annotations) {
    std::string out;
    for (rule_ref r : prog->selector.select({"CREATE", "Pod", ns, name, &labels, &annotations}, scratch)) {
      out += (out.empty() ? "" : " ") + prog->policies[r.policy].rules[r.rule].name;
    }
    return out;
  };
  auto names_of = [&](std::string_view name, const value& labels, const value& annotations) {
    return names_in("default", name, labels, annotations);
  };
  value none = value::object();
  value web = value::object();
  web.set("app", value("web"));
  value db = value::object();
  db.set("tier", value("db"));
  value opt_in = value::object();
  opt_in.set("coco.io/opt-in", value("yes"));
  EXPECT_EQ(names_of("other", none, none), "bare-wildcard");
  EXPECT_EQ(names_of("web", none, none), "by-name bare-wildcard");
  EXPECT_EQ(names_of("web-1", none, none), "wildcard-name bare-wildcard");
  EXPECT_EQ(names_of("other", web, none), "by-label all-of bare-wildcard");
  EXPECT_EQ(names_of("db", none, none), "name-or-label bare-wildcard");
  EXPECT_EQ(names_of("other", db, none), "name-or-label bare-wildcard");
  EXPECT_EQ(names_of("api", web, opt_in), "by-name by-label by-annotation all-of bare-wildcard");
  // Pairs longer than every indexed one are skipped without a lookup; the ones as long still pick.
  value long_value = value::object();
  long_value.set("coco.io/opt-in", value("yes" + std::string(100'000, ' ')));
  long_value.set("app", value(std::string(100'000, 'w')));
  EXPECT_EQ(names_of("other", none, long_value), "bare-wildcard");
  value both = value::object();
  both.set("io.katacontainers.config.hypervisor.cc_init_data", value(std::string(50'000, 'H')));
  both.set("coco.io/opt-in", value("yes"));
  EXPECT_EQ(names_of("other", web, both), "by-label by-annotation all-of bare-wildcard");
  // The prefix is a superset: "ledger-" picks the rule, the full check decides.
  EXPECT_EQ(names_in("ledger-eu", "other", none, none), "namespace-patterns bare-wildcard");
  EXPECT_EQ(names_in("payments", "other", none, none), "namespace-patterns bare-wildcard");
  EXPECT_EQ(names_in("ledger", "other", none, none), "bare-wildcard");
  EXPECT_EQ(names_in("", "other", none, none), "bare-wildcard");
  EXPECT_FALSE(validates_in(*prog, "ledger-eu", "namespace-patterns"));  // "ledger-?-*": one byte, then a dash
  EXPECT_TRUE(validates_in(*prog, "ledger-e-1", "namespace-patterns"));
}

// A label added by one mutate rule brings in a later rule that selects it
// (Kyverno matches each rule against the resource as patched so far), even
// though the request did not carry the label when candidates were chosen.
TEST(Selector, ALabelAddedByAMutationSelectsLaterRules) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: a}
spec:
  rules:
  - name: add-label
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate: {patchStrategicMerge: {metadata: {labels: {coco.io/confidential: "true"}}}}
  - name: needs-label
    match: {any: [{resources: {kinds: [Pod], selector: {matchLabels: {coco.io/confidential: "true"}}}}]}
    mutate: {patchStrategicMerge: {spec: {runtimeClassName: kata-qemu-snp}}}
)");
  ASSERT_TRUE(prog);
  auto r = engine::mutate(*prog, engine_request::from_object(doc(pod)), {});
  ASSERT_NE(find_rule(r, "needs-label"), nullptr);
  EXPECT_EQ(find_rule(r, "needs-label")->status, rule_status::pass);
  EXPECT_EQ(r.resource["spec"]["runtimeClassName"].as_string(), "kata-qemu-snp");
}

// `images` is built on first use; it must still describe the resource as each
// rule finds it, after earlier rules patched it.
TEST(Engine, ImagesFollowEarlierMutationsAndStayFixedWithinAForeach) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: images}
spec:
  rules:
  - name: before
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        metadata:
          annotations:
            tag-before: "{{ images.containers.nginx.tag }}"
  - name: retag
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      foreach:
      - list: request.object.spec.containers
        patchStrategicMerge:
          spec:
            containers:
            - name: "{{ element.name }}"
              image: "nginx:2.0"
          metadata:
            annotations:
              tag-in-foreach: "{{ images.containers.nginx.tag }}"
  - name: after
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        metadata:
          annotations:
            tag-after: "{{ images.containers.nginx.tag }}"
)");
  ASSERT_TRUE(prog);
  engine_environment env;
  auto r = engine::mutate(*prog, engine_request::from_object(doc(pod)), env);
  for (const char* name : {"before", "retag", "after"}) {
    const rule_response* rr = find_rule(r, name);
    ASSERT_NE(rr, nullptr) << name;
    EXPECT_EQ(rr->status, rule_status::pass) << name << ": " << rr->message;
  }
  value& annotations = r.resource["metadata"]["annotations"];
  EXPECT_EQ(annotations["tag-before"].as_string(), "1.25");
  EXPECT_EQ(annotations["tag-in-foreach"].as_string(), "1.25");  // the resource as the rule found it
  EXPECT_EQ(annotations["tag-after"].as_string(), "2.0");
}

// The numbered foreach variables are added when an expression names them; they
// must still hold the element of their own level, inside nested foreach too.
TEST(Engine, NumberedForeachVariablesAtEveryLevel) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: numbered}
spec:
  rules:
  - name: tag-ports
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      foreach:
      - list: request.object.spec.containers
        foreach:
        - list: element.ports
          patchesJson6902: |-
            - op: add
              path: /metadata/annotations/{{ element0.name }}-{{ elementIndex0 }}-{{ elementIndex1 }}
              value: "{{ element1.containerPort }}/{{ element.containerPort }}"
)");
  ASSERT_TRUE(prog);
  value p = doc(R"(
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: team-a, annotations: {}}
spec:
  containers:
  - name: a
    image: nginx:1.25
    ports: [{containerPort: 80}, {containerPort: 443}]
  - name: b
    image: nginx:1.25
    ports: [{containerPort: 8080}]
)");
  engine_environment env;
  auto r = engine::mutate(*prog, engine_request::from_object(p), env);
  const rule_response* rr = find_rule(r, "tag-ports");
  ASSERT_NE(rr, nullptr);
  EXPECT_EQ(rr->status, rule_status::pass) << rr->message;
  EXPECT_EQ(json::serialize(r.resource["metadata"]["annotations"]),
            R"({"a-0-0":"80/80","a-0-1":"443/443","b-1-0":"8080/8080"})");
}

// A foreach that merges one element takes no backup of the resource: a merge
// that fails must leave the resource exactly as the rule found it.
TEST(Engine, FailingSingleElementForeachMergeLeavesTheResourceAlone) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: single}
spec:
  rules:
  - name: bad-merge
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      foreach:
      - list: request.object.spec.containers
        patchStrategicMerge:
          metadata:
            labels: {touched: "yes"}
          spec:
            containers: "{{ element.name }}"
)");
  ASSERT_TRUE(prog);
  value before = doc(pod);
  engine_environment env;
  auto r = engine::mutate(*prog, engine_request::from_object(before), env);
  const rule_response* rr = find_rule(r, "bad-merge");
  ASSERT_NE(rr, nullptr);
  EXPECT_EQ(rr->status, rule_status::error) << rr->message;
  EXPECT_NE(rr->message.find("wrong node kind"), std::string::npos) << rr->message;
  EXPECT_EQ(json::serialize(r.resource), json::serialize(before));
}

// When the webhook drops a failed Ignore policy's patches, `images` built
// from the patched object must go with them (lazily built images live as long
// as the rule that asked for them).
TEST(Engine, ImagesForgetTheDroppedPatchesOfAFailedIgnorePolicy) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: a-ignore}
spec:
  failurePolicy: Ignore
  rules:
  - name: retag
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        spec:
          containers:
          - name: nginx
            image: "nginx:2.0"
  - name: read-then-fail
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchesJson6902: |-
        - op: add
          path: /metadata/labels/tag
          value: "{{ images.containers.nginx.tag }}"
        - op: test
          path: /metadata/name
          value: not-web
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: b-after}
spec:
  rules:
  - name: tag-annotation
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        metadata:
          annotations:
            tag: "{{ images.containers.nginx.tag }}"
)");
  ASSERT_TRUE(prog);
  engine_environment env;
  env.drop_failed_ignore_policies = true;
  auto r = engine::mutate(*prog, engine_request::from_object(doc(pod)), env);
  const rule_response* failed = find_rule(r, "read-then-fail");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->status, rule_status::error) << failed->message;
  EXPECT_EQ(r.resource["spec"]["containers"].as_array()[0]["image"].as_string(), "nginx:1.25");
  EXPECT_EQ(r.resource["metadata"]["annotations"]["tag"].as_string(), "1.25");
}
