// Bounded cost (issue 6 §3): hostile AdmissionReviews through admission::review,
// the path the server runs. Each case must complete and answer with a clear
// response: an error or denial that names the bound (never a crash, a hang or
// an unbounded allocation), and a Fail policy must not let the request through.
// There are no timing assertions: a missing bound shows up as a ctest timeout.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <initializer_list>
#include <ostream>

#include <string>
#include <vector>

#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/admission.h"
#include "coco-admit/core/coco/base64.h"
#include "coco-admit/core/coco/gzip.h"
#include "coco-admit/core/coco/initdata.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/strategic_merge.h"
#include "coco-admit/core/json_patch.h"
#include "policy_helpers.h"

using namespace coco_admit;
using coco_admit::testing::compile;

namespace {

// A validate ClusterPolicy (Enforce, failurePolicy Fail) with one rule whose
// body is `validate_body` (YAML, indented for the `validate:` key).
std::string validate_policy(const std::string& validate_body, const std::string& context = "") {
  return R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: bounds}
spec:
  validationFailureAction: Enforce
  failurePolicy: Fail
  rules:
  - name: check
    match: {any: [{resources: {kinds: [Pod]}}]}
)" + context + R"(
    validate:
)" + validate_body;
}

std::string deny_if(const std::string& key, const std::string& op = "Equals", const std::string& val = "never") {
  return "      message: denied\n      deny:\n        conditions:\n          any:\n          - key: \"" + key +
         "\"\n            operator: " + op + "\n            value: " + val + "\n";
}

value pod(value spec_extra = value::object(), value annotations = value::object()) {
  value p = value::object();
  p.set("apiVersion", value("v1"));
  p.set("kind", value("Pod"));
  value md = value::object();
  md.set("name", value("web"));
  md.set("namespace", value("default"));
  md.set("annotations", std::move(annotations));
  p.set("metadata", std::move(md));
  value spec = value::object();
  value c = value::object();
  c.set("name", value("app"));
  c.set("image", value("nginx:1.25"));
  value cs = value::array();
  cs.push_back(std::move(c));
  spec.set("containers", std::move(cs));
  for (auto& m : spec_extra.as_object()) spec.set(m.key, m.val);
  p.set("spec", std::move(spec));
  return p;
}

std::string review_of(const value& object) {
  return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","namespace":"default","name":"web","object":)" +
         json::serialize(object) + "}}";
}

struct answer {
  value response;  ///< the `response` member
  admission::review_outcome outcome;
  std::string text;
};

answer run(const program& prog, admission::webhook hook, const std::string& body,
           const engine_environment& env = engine_environment{}) {
  admission::scratch s;
  answer a;
  admission::review(prog, hook, body, false, env, s, a.text, a.outcome);
  auto doc = json::parse(a.text);
  EXPECT_TRUE(doc.ok()) << "response is not JSON: " << a.text.substr(0, 300);
  if (doc.ok()) a.response = (*doc)["response"];
  EXPECT_TRUE(a.response.is_object()) << a.text.substr(0, 300);
  return a;
}

std::string message_of(const answer& a) {
  const value* st = a.response.find("status");
  const value* m = st != nullptr ? st->find("message") : nullptr;
  return m != nullptr && m->is_string() ? m->as_string() : std::string();
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

// One rule, one hostile pod: the request is denied (Fail policy, rule error)
// with a message naming the bound that was hit.
struct bound_case {
  const char* name;
  std::string policy;
  value object;
  const char* expected_message;  ///< substring of the denial message
};
// gtest prints a parameter as raw bytes unless told how; every case struct
// of this file has a `name`.
template <class Case>
  requires requires(const Case& c) { c.name; }
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

class Bound : public ::testing::TestWithParam<bound_case> {};

TEST_P(Bound, DeniesWithAClearMessage) {
  const auto& c = GetParam();
  auto prog = compile(c.policy);
  ASSERT_TRUE(prog);
  answer a = run(*prog, admission::webhook::validate, review_of(c.object));
  EXPECT_FALSE(a.response["allowed"].as_bool()) << a.text.substr(0, 500);
  EXPECT_EQ(a.response["uid"].as_string(), "u-1");
  EXPECT_NE(message_of(a).find(c.expected_message), std::string::npos) << message_of(a).substr(0, 500);
  bool errored = false;
  for (const auto& r : a.outcome.rules) errored |= r.status == rule_status::error;
  EXPECT_TRUE(errored) << "the bound must make the rule an error, not a plain failure";
}

namespace {

value containers(std::size_t n) {
  value cs = value::array();
  for (std::size_t i = 0; i < n; ++i) {
    value c = value::object();
    c.set("name", value("c" + std::to_string(i)));
    c.set("image", value("nginx:1." + std::to_string(i)));
    cs.push_back(std::move(c));
  }
  value spec = value::object();
  spec.set("containers", std::move(cs));
  return spec;
}

value annotations(std::vector<std::pair<std::string, std::string>> kv) {
  value a = value::object();
  for (auto& [k, v] : kv) a.set(k, value(v));
  return a;
}

// [@,@][] doubles the list at every stage: 2^40 elements unless bounded
// (the amplification behind Kyverno's 2 MiB context cap, PR #14844).
std::string amplification(int stages) {
  std::string e = "request.object.spec.containers";
  for (int i = 0; i < stages; ++i) e += " | [@,@][]";
  return "{{ length(" + e + ") }}";
}

std::vector<bound_case> bound_cases() {
  std::vector<bound_case> out;
  out.push_back({"jmespath_amplification", validate_policy(deny_if(amplification(40))), pod(), "JMESPath evaluation"});
  out.push_back({"jmespath_result_size",
                 validate_policy(deny_if("{{ join('', [request.object.metadata.annotations.big, "
                                         "request.object.metadata.annotations.big, request.object.metadata.annotations.big]) }}")),
                 pod(value::object(), annotations({{"big", std::string(1 << 20, 'x')}})), "JMESPath evaluation"});
  out.push_back({"foreach_elements",
                 validate_policy("      foreach:\n      - list: request.object.spec.containers\n        deny:\n          conditions:\n"
                                 "            any:\n            - {key: \"{{ element.name }}\", operator: Equals, value: never}\n"),
                 pod(containers(10'001)), "over the limit of 10000"});
  out.push_back({"context_size",
                 validate_policy(deny_if("{{ length(a) }}-{{ length(b) }}"),
                                 "    context:\n    - name: a\n      variable: {jmesPath: request.object.metadata.annotations.big}\n"
                                 "    - name: b\n      variable: {jmesPath: request.object.metadata.annotations.big}\n"),
                 pod(value::object(), annotations({{"big", std::string(1'200'000, 'x')}})), "size limit of 2097152 bytes"});
  return out;
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Hostile, Bound, ::testing::ValuesIn(bound_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Bounds, LowerBudgetsFromTheEnvironmentAreHonoured) {
  auto prog = compile(validate_policy(deny_if("{{ length(request.object.spec.containers[].name) }}")));
  ASSERT_TRUE(prog);
  engine_environment env;
  env.max_jmespath_steps = 500;
  answer a = run(*prog, admission::webhook::validate, review_of(pod(containers(1'000))), env);
  EXPECT_FALSE(a.response["allowed"].as_bool());
  EXPECT_NE(message_of(a).find("exceeded 500 steps"), std::string::npos) << message_of(a);
  env = engine_environment{};
  a = run(*prog, admission::webhook::validate, review_of(pod(containers(1'000))), env);
  EXPECT_TRUE(a.response["allowed"].as_bool()) << message_of(a);
}

// Hitting a bound is counted (review_outcome::budget_exceeded feeds the
// server's metric), for every kind of bound.
TEST(Bounds, HittingABoundIsCounted) {
  for (const auto& c : bound_cases()) {
    auto prog = compile(c.policy);
    ASSERT_TRUE(prog);
    answer a = run(*prog, admission::webhook::validate, review_of(c.object));
    EXPECT_TRUE(a.outcome.budget_exceeded) << c.name;
  }
}

TEST(Bounds, BoundInAnIgnorePolicyAllowsAndSaysSoInTheOutcome) {
  std::string policy = validate_policy(deny_if(amplification(40)));
  policy.replace(policy.find("failurePolicy: Fail"), 19, "failurePolicy: Ignore");
  auto prog = compile(policy);
  ASSERT_TRUE(prog);
  answer a = run(*prog, admission::webhook::validate, review_of(pod()));
  EXPECT_TRUE(a.response["allowed"].as_bool()) << a.text;
  ASSERT_EQ(a.outcome.rules.size(), 1u);
  EXPECT_EQ(a.outcome.rules[0].status, rule_status::error);
}

TEST(Bounds, MutateForeachOverTheCapBlocksAFailPolicy) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: m}
spec:
  failurePolicy: Fail
  rules:
  - name: label
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      foreach:
      - list: request.object.spec.containers
        patchesJson6902: |-
          - {op: add, path: "/metadata/annotations/x-{{ element.name }}", value: "1"}
)");
  ASSERT_TRUE(prog);
  answer a = run(*prog, admission::webhook::mutate, review_of(pod(containers(10'001))));
  EXPECT_FALSE(a.response["allowed"].as_bool());
  EXPECT_EQ(a.response.find("patch"), nullptr);
  EXPECT_NE(message_of(a).find("over the limit of 10000"), std::string::npos) << message_of(a);
  // At the cap it works, and the patch has one operation per element (a
  // lower cap keeps the sanitizer run quick; 10,000 take about a second in
  // Release, the elements are patched in place).
  engine_environment env;
  env.max_foreach_elements = 500;
  a = run(*prog, admission::webhook::mutate, review_of(pod(containers(501))), env);
  EXPECT_FALSE(a.response["allowed"].as_bool());
  EXPECT_NE(message_of(a).find("over the limit of 500"), std::string::npos) << message_of(a);
  a = run(*prog, admission::webhook::mutate, review_of(pod(containers(500))), env);
  EXPECT_TRUE(a.response["allowed"].as_bool()) << message_of(a);
  EXPECT_EQ(a.outcome.patch_ops, 500u);
}

// A map with 100,000 keys (3 MiB of annotations fit 200,000): parsing,
// merging into it and diffing it stay linear (each once looked every key up
// by a linear scan: minutes). The mutation lands and the patch is one op.
TEST(Bounds, HugeMapsAreMergedAndDiffedInLinearTime) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: m}
spec:
  failurePolicy: Fail
  rules:
  - name: annotate
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        metadata:
          annotations:
            +(coco.io/checked): "yes"
)");
  ASSERT_TRUE(prog);
  value many = value::object();
  many.as_object().reserve(100'000);
  for (int i = 0; i < 100'000; ++i) many.as_object().push_back(member{"k" + std::to_string(i), value("v")});
  answer a = run(*prog, admission::webhook::mutate, review_of(pod(value::object(), std::move(many))));
  EXPECT_TRUE(a.response["allowed"].as_bool()) << message_of(a);
  EXPECT_EQ(a.outcome.patch_ops, 1u);
}

// 40,000 containers (a 3 MiB pod holds twice that): the `images` variable
// and merge() over a big map are built in linear time (images once took
// 8.5 s for 40,000 containers, inserting each name with a linear scan).
TEST(Bounds, ManyContainersAndBigMergesStayLinear) {
  auto prog = compile(validate_policy(
      deny_if("{{ length(keys(images.containers)) }}-{{ length(merge(request.object.metadata.annotations, `{}`)) }}",
              "Equals", "\"40000-100000\"")));
  ASSERT_TRUE(prog);
  value many = value::object();
  for (int i = 0; i < 100'000; ++i) many.as_object().push_back(member{"k" + std::to_string(i), value("v")});
  answer a = run(*prog, admission::webhook::validate, review_of(pod(containers(40'000), std::move(many))));
  EXPECT_FALSE(a.response["allowed"].as_bool()) << a.text.substr(0, 300);
  EXPECT_EQ(message_of(a).find("JMESPath"), std::string::npos) << message_of(a);
}

// A Fail policy with one mutate rule per name, each a foreach patchStrategicMerge over the containers that sets
// allowPrivilegeEscalation: false.
std::string no_escalation_policy(std::initializer_list<const char*> rule_names) {
  std::string policy = R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: m}
spec:
  failurePolicy: Fail
  rules:)";
  for (const char* name : rule_names) {
    policy += std::string(R"(
  - name: )") + name + R"(
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      foreach:
      - list: request.object.spec.containers
        patchStrategicMerge:
          spec:
            containers:
            - name: "{{ element.name }}"
              securityContext: {allowPrivilegeEscalation: false}
)";
  }
  return policy;
}

// A foreach patchStrategicMerge costs elements x resource size (each merge
// walks the whole object): 10,000 containers once took minutes. The product
// is capped before any merge runs, so the rule errors at once and a Fail
// policy blocks; below the cap every element is merged.
TEST(Bounds, MutateForeachMergeWorkIsCappedUpFront) {
  auto prog = compile(no_escalation_policy({"no-escalation"}));
  ASSERT_TRUE(prog);
  answer a = run(*prog, admission::webhook::mutate, review_of(pod(containers(3'000))));
  EXPECT_FALSE(a.response["allowed"].as_bool());
  EXPECT_EQ(a.response.find("patch"), nullptr);
  EXPECT_TRUE(a.outcome.budget_exceeded);
  EXPECT_NE(message_of(a).find("patchStrategicMerge on 3000 elements of a resource of"), std::string::npos)
      << message_of(a);
  EXPECT_NE(message_of(a).find("exceeds the work limit of 4000000 (elements x nodes)"), std::string::npos)
      << message_of(a);

  a = run(*prog, admission::webhook::mutate, review_of(pod(containers(200))));
  EXPECT_TRUE(a.response["allowed"].as_bool()) << message_of(a);
  EXPECT_EQ(a.outcome.patch_ops, 200u);
}

// The cap holds for the exact count, though the engine first judges each list on an upper bound of the
// resource's size (its words on simdjson's tape) and counts the nodes only when that bound cannot tell. Two lists
// that each fit and together fill the cap to the unit pass; one unit less and the second list fails, naming the
// exact size. The merges change nothing, so the resource keeps its size between the lists.
TEST(Bounds, MutateForeachMergeWorkIsCountedExactlyNearTheCap) {
  auto prog = compile(no_escalation_policy({"first", "second"}));
  ASSERT_TRUE(prog);
  constexpr std::size_t elements = 5;
  value spec = containers(elements);
  for (value& c : spec["containers"].as_array()) {
    value sc = value::object();
    sc.set("allowPrivilegeEscalation", value(false));
    c.set("securityContext", std::move(sc));
  }
  const value object = pod(std::move(spec));
  const std::size_t nodes = strategic_merge::take_census(object).nodes;
  const std::string body = review_of(object);

  engine_environment env;
  env.max_foreach_merge_work = 2 * elements * nodes;
  answer a = run(*prog, admission::webhook::mutate, body, env);
  EXPECT_TRUE(a.response["allowed"].as_bool()) << message_of(a);
  EXPECT_FALSE(a.outcome.budget_exceeded);

  env.max_foreach_merge_work = 2 * elements * nodes - 1;
  a = run(*prog, admission::webhook::mutate, body, env);
  EXPECT_FALSE(a.response["allowed"].as_bool());
  EXPECT_TRUE(a.outcome.budget_exceeded);
  EXPECT_EQ(message_of(a).find("first: foreach"), std::string::npos) << message_of(a);
  EXPECT_NE(message_of(a).find("second: foreach list request.object.spec.containers: patchStrategicMerge on 5 elements of a resource of " + std::to_string(nodes) +
                               " nodes exceeds the work limit of " + std::to_string(2 * elements * nodes - 1)),
            std::string::npos)
      << message_of(a);

  env.max_foreach_merge_work = elements * nodes - 1;
  a = run(*prog, admission::webhook::mutate, body, env);
  EXPECT_FALSE(a.response["allowed"].as_bool());
  EXPECT_NE(message_of(a).find("first: foreach list request.object.spec.containers: patchStrategicMerge on 5 "
                               "elements of a resource of " +
                               std::to_string(nodes) + " nodes"),
            std::string::npos)
      << message_of(a);
}

// Bodies the parser must refuse: answered 400 with the uid when readable.
struct malformed_case {
  const char* name;
  std::string body;
  const char* expected_message;
};

class Malformed : public ::testing::TestWithParam<malformed_case> {};

TEST_P(Malformed, IsAnswered400) {
  auto prog = compile(validate_policy(deny_if("{{ request.object.metadata.name }}")));
  ASSERT_TRUE(prog);
  for (auto hook : {admission::webhook::mutate, admission::webhook::validate}) {
    answer a = run(*prog, hook, GetParam().body);
    EXPECT_FALSE(a.response["allowed"].as_bool());
    EXPECT_EQ(a.response["status"]["code"].as_int(), 400) << a.text.substr(0, 300);
    EXPECT_TRUE(a.outcome.malformed);
    EXPECT_NE(message_of(a).find(GetParam().expected_message), std::string::npos) << message_of(a);
  }
}

namespace {

std::vector<malformed_case> malformed_cases() {
  auto nested = [](std::size_t depth) {
    std::string inner = repeat(R"({"a":)", depth) + "1" + std::string(depth, '}');
    return R"({"request":{"uid":"u-1","kind":{"kind":"Pod"},"operation":"CREATE","object":{"kind":"Pod","spec":)" + inner + "}}}";
  };
  return {
      {"json_nesting_over_our_cap", nested(300), "JSON nesting deeper than 256"},
      {"json_nesting_over_simdjson_cap", nested(5'000), "not valid JSON"},
      {"array_nesting", R"({"request":{"uid":"u","object":)" + std::string(100'000, '[') + "}}", "not valid JSON"},
      {"truncated", R"({"request":{"uid":"u-1","kind":{"kind":"Pod"},"operation":"CREATE","object":{"kind":)", "not valid JSON at line 1, column 85 (the end of the text): "},
      {"no_uid", R"({"request":{"kind":{"kind":"Pod"},"operation":"CREATE","object":{}}})", "no 'uid'"},
      {"nul_bytes", std::string("{\"request\":\0\0\0}", 16), "not valid JSON"},
      {"invalid_utf8", "{\"request\":{\"uid\":\"\xff\xfe\"}}", "not valid JSON at line 1, column 20: "},
  };
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Hostile, Malformed, ::testing::ValuesIn(malformed_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// initdata read from the pod: decompression and TOML parsing are bounded.
struct initdata_case {
  const char* name;
  std::string annotation;
  const char* expected_error;
};

class InitdataBound : public ::testing::TestWithParam<initdata_case> {};

TEST_P(InitdataBound, IsAnErrorNotAHang) {
  auto prog = compile(validate_policy(
      "      message: \"{{ join('; ', coco_initdata_errors(request.object.metadata.annotations.initdata)) }}\"\n"
      "      deny:\n        conditions:\n          any:\n"
      "          - key: \"{{ length(coco_initdata_errors(request.object.metadata.annotations.initdata)) }}\"\n"
      "            operator: GreaterThan\n            value: 0\n"));
  ASSERT_TRUE(prog);
  answer a = run(*prog, admission::webhook::validate,
                 review_of(pod(value::object(), annotations({{"initdata", GetParam().annotation}}))));
  EXPECT_FALSE(a.response["allowed"].as_bool());
  EXPECT_NE(message_of(a).find(GetParam().expected_error), std::string::npos) << message_of(a).substr(0, 500);
}

namespace {

std::vector<initdata_case> initdata_cases() {
  const std::string head = "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n";
  return {
      // 64 MiB of zeros compress to ~64 KiB: a gzip bomb that fits in an annotation.
      {"gzip_bomb", coco::base64_encode(coco::gzip_deterministic(std::string(64 << 20, '\0'))), "decompressed size exceeds"},
      {"toml_just_over_the_cap", coco::base64_encode(coco::gzip_deterministic(head + "\"a\" = \"" + std::string(1 << 20, 'a') + "\"\n")),
       "decompressed size exceeds"},
      {"annotation_over_256k", std::string(300 * 1024, 'A'), "262144-byte limit"},
      {"toml_nested_arrays", coco::initdata_encode(head + "x = " + std::string(50'000, '[') + std::string(50'000, ']') + "\n"), ""},
      {"toml_nested_tables", coco::initdata_encode(head + "x = " + repeat("{a=", 20'000) + "1" + std::string(20'000, '}') + "\n"), ""},
  };
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Hostile, InitdataBound, ::testing::ValuesIn(initdata_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// Strings the request controls reach regex matching; RE2 keeps it linear.
TEST(Bounds, RequestControlledRegexStaysCheap) {
  auto prog = compile(validate_policy(deny_if(
      "{{ regex_match(request.object.metadata.annotations.pat, request.object.metadata.annotations.text) }}", "Equals",
      "true")));
  ASSERT_TRUE(prog);
  answer a = run(*prog, admission::webhook::validate,
                 review_of(pod(value::object(), annotations({{"pat", "(a*)*(a*)*(a*)*b"}, {"text", std::string(100'000, 'a')}}))));
  EXPECT_TRUE(a.response["allowed"].as_bool()) << message_of(a);
}

// wildcard::match used to be O(pattern x text): a request-controlled pattern
// (pattern_match(), or a condition value that substitutes a request field) of
// 100 KB against 200 KB of text took ~21 s. It now searches literal segments.
TEST(Bounds, RequestControlledWildcardStaysCheap) {
  auto prog = compile(validate_policy(
      deny_if("{{ pattern_match(request.object.metadata.annotations.pat, request.object.metadata.annotations.text) }}",
              "Equals", "true")));
  ASSERT_TRUE(prog);
  // The matcher's worst case: one star, then a literal that almost matches
  // at every offset.
  std::string pat = "*" + std::string(100'000, 'a') + "b";
  answer a = run(*prog, admission::webhook::validate,
                 review_of(pod(value::object(), annotations({{"pat", pat}, {"text", std::string(200'000, 'a')}}))));
  EXPECT_TRUE(a.response["allowed"].as_bool()) << message_of(a);
}

// A label that looks like a variable must not be substituted again (or, if
// the engine rescans, the rescans are bounded).
TEST(Bounds, SelfReferencingVariablesSettle) {
  auto prog = compile(validate_policy(deny_if("{{ request.object.metadata.annotations.a }}", "Equals",
                                              "\"{{ request.object.metadata.annotations.a }}x\"")));
  ASSERT_TRUE(prog);
  answer a = run(*prog, admission::webhook::validate,
                 review_of(pod(value::object(), annotations({{"a", "{{ request.object.metadata.annotations.a }}"}}))));
  EXPECT_TRUE(a.response.find("allowed") != nullptr);
}

// Policies are input too: deep YAML is a diagnostic.
TEST(Bounds, DeepPolicyYamlIsADiagnostic) {
  for (std::size_t depth : {300, 1'000}) {
    std::string deep = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: d}\nspec:\n  rules:\n  - name: r\n"
                     "    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate:\n      pattern: " +
                     repeat("{a: ", depth) + "1" + std::string(depth, '}') + "\n";
  auto out = compiler::compile_sources({{"deep.yaml", deep}});
  EXPECT_FALSE(out.ok());
  ASSERT_FALSE(out.errors.empty());
  EXPECT_NE(out.error_text().find("deep.yaml:9:"), std::string::npos) << out.error_text();
  // Over 256 levels our converter refuses; yaml-cpp refuses ~500 on its own.
    if (depth == 300) {
      EXPECT_NE(out.error_text().find("nesting deeper than 256"), std::string::npos) << out.error_text();
    }
  }
}

// The scratch lives as long as its worker thread: a multi-megabyte review must not leave its parser capacity
// (about 14 bytes per input byte) behind, while ordinary reviews keep theirs for the next request.
TEST(Bounds, ScratchGivesBackTheParserCapacityOfAHugeReview) {
  auto prog = compile(validate_policy(deny_if("{{ request.object.metadata.name }}")));
  ASSERT_TRUE(prog);
  admission::scratch s;
  admission::review_outcome outcome;
  std::string out;
  const std::string small = review_of(pod());
  admission::review(*prog, admission::webhook::validate, small, false, engine_environment{}, s, out, outcome);
  EXPECT_TRUE(outcome.allowed) << out.substr(0, 300);
  EXPECT_GE(s.parser_capacity(), small.size());

  value annotations = value::object();
  annotations.set("filler", value(std::string(3 << 20, 'x')));
  const std::string huge = review_of(pod(value::object(), std::move(annotations)));
  admission::review(*prog, admission::webhook::validate, huge, false, engine_environment{}, s, out, outcome);
  EXPECT_TRUE(outcome.allowed) << out.substr(0, 300);
  EXPECT_EQ(s.parser_capacity(), 0u);

  admission::review(*prog, admission::webhook::validate, small, false, engine_environment{}, s, out, outcome);
  EXPECT_TRUE(outcome.allowed) << out.substr(0, 300);
  EXPECT_GE(s.parser_capacity(), small.size());
  EXPECT_LT(s.parser_capacity(), std::size_t{1} << 20);
}

// The mutate patch is diffed against the request as parsed, except when the
// object repeats a key: its value then holds the last of the twins (Go's
// encoding/json), and the patch must turn that reading into the result.
// Sets one label and adds another if missing: the patches of the two repeated-key tests below.
const char* const label_policy = R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: labels, annotations: {pod-policies.kyverno.io/autogen-controllers: none}}
spec:
  rules:
  - name: add
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        metadata:
          labels:
            team: payments
            +(app): default
)";

TEST(Bounds, PatchOfAnObjectWithRepeatedKeysAppliesToItsReading) {
  auto prog = compile(label_policy);
  ASSERT_TRUE(prog);
  for (const char* object : {
           R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default","labels":{"app":"a","team":"x","app":"b"}},"spec":{"containers":[{"name":"c","image":"nginx:1"}]}})",
           R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default","labels":{"app":"a","team":"x"}},"spec":{"containers":[{"name":"c","image":"nginx:1"}]}})"}) {
    const std::string body =
        R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","namespace":"default","name":"web","object":)" +
        std::string(object) + "}}";
    answer a = run(*prog, admission::webhook::mutate, body);
    ASSERT_TRUE(a.outcome.allowed) << a.text;
    ASSERT_TRUE(a.response.find("patch") != nullptr) << a.text;
    auto bytes = coco::base64_decode_strict(a.response["patch"].as_string());
    ASSERT_TRUE(bytes.ok());
    auto ops_doc = json::parse(*bytes);
    ASSERT_TRUE(ops_doc.ok()) << *bytes;
    auto ops = json_patch::parse(*ops_doc);
    ASSERT_TRUE(ops.ok()) << *bytes;
    auto reading = json::parse(object);
    ASSERT_TRUE(reading.ok());
    auto patched = json_patch::apply(*reading, *ops);
    ASSERT_TRUE(patched.ok()) << *bytes;
    const bool repeats = std::string_view(object).find(R"("app":"b")") != std::string_view::npos;
    EXPECT_EQ(json::serialize((*patched)["metadata"]["labels"]),
              repeats ? R"({"app":"b","team":"payments"})" : R"({"app":"a","team":"payments"})")
        << object << "\n" << *bytes;
  }
}

// A request that repeats "object" (found by the fuzzer): the engine reads the last one, as it reads every
// repeated key, so the patch must be a diff against that one, not against the first one simdjson's lookup finds.
TEST(Bounds, PatchOfARequestThatRepeatsObjectAppliesToTheLastOne) {
  auto prog = compile(label_policy);
  ASSERT_TRUE(prog);
  const std::string first = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"first"},"spec":{"containers":[]}})";
  const std::string last = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"last","labels":{"a":"b"}}})";
  const std::string body = R"({"request":{"uid":"u-1","kind":{"group":"","version":"v1","kind":"Pod"},)"
                           R"("operation":"CREATE","namespace":"default","object":)" + first +
                           R"(,"name":"web","object":)" + last + "}}";
  answer a = run(*prog, admission::webhook::mutate, body);
  ASSERT_TRUE(a.outcome.allowed) << a.text;
  ASSERT_TRUE(a.response.find("patch") != nullptr) << a.text;
  auto bytes = coco::base64_decode_strict(a.response["patch"].as_string());
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, R"([{"op":"add","path":"/metadata/labels/app","value":"default"},)"
                    R"({"op":"add","path":"/metadata/labels/team","value":"payments"}])");
}

// The request is read lazily, and its depth limit is then checked by the parser's own nesting limit, or by a walk
// when the document is deeper than that: either way the answer at the boundary is the one converting the whole
// request gives (a value at most json::max_depth below the request is fine, one level more is refused).
TEST(Bounds, NestingLimitAtTheBoundaryIsTheConversionsAnswer) {
  auto prog = compile(validate_policy(deny_if("{{ request.object.metadata.name }}")));
  ASSERT_TRUE(prog);
  admission::scratch s;
  for (std::size_t extra = json::max_depth - 3; extra <= json::max_depth + 2; ++extra) {
    for (const char* leaf : {"1", "[]", "{}"}) {
      // object.spec holds `extra` nested arrays around `leaf`: object is 1 below the request, spec 2.
      const std::string spec = std::string(extra, '[') + leaf + std::string(extra, ']');
      const std::string body = R"({"request":{"uid":"u-1","kind":{"kind":"Pod"},"operation":"CREATE",)"
                               R"("object":{"kind":"Pod","metadata":{"name":"web"},"spec":)" + spec + "}}}";
      simdjson::dom::parser p;
      simdjson::dom::element root;
      ASSERT_FALSE(p.parse(body).get(root));
      const bool convertible = json::from_element(root["request"].value()).ok();
      admission::review_outcome outcome;
      std::string out;
      admission::review(*prog, admission::webhook::validate, body, false, engine_environment{}, s, out, outcome);
      EXPECT_EQ(outcome.malformed, !convertible) << extra << " " << leaf << ": " << out.substr(0, 200);
      if (!convertible) {
        EXPECT_NE(out.find("nesting deeper than 256"), std::string::npos) << out.substr(0, 200);
      }
    }
  }
}
