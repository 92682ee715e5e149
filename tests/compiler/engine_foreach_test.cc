// foreach elements are moved into the evaluation context, not copied, and
// moved back when a nested level takes the `element` entry over (engine.cc,
// set_element). These cases pin what the copies always gave: the pattern
// target after the context grew, the numbered names of outer levels inside
// nested loops, and a context entry that itself is named `element`.
#include <gtest/gtest.h>

#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/engine.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/yaml.h"
#include "policy_helpers.h"

using namespace coco_admit;
using coco_admit::testing::compile;
using coco_admit::testing::doc;

namespace {

const char* pod = R"(
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: team-a, annotations: {}}
spec:
  containers:
  - name: nginx
    image: nginx:1.25
    ports: [{containerPort: 80}, {containerPort: 443}]
  - name: ngx-sidecar
    image: envoy:1.30
    ports: [{containerPort: 9901}]
  - name: apache
    image: httpd:2.4
    ports: []
)";

std::string policy(const std::string& name, const std::string& rule_body) {
  return "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: " + name +
         "}\nspec:\n  validationFailureAction: Enforce\n  rules:\n  - name: " + name +
         "\n    match: {any: [{resources: {kinds: [Pod]}}]}\n" + rule_body;
}

struct foreach_case {
  const char* name;
  std::string rule_body;
  rule_status want_status;
  std::string want_message;
};

class ValidateForeach : public ::testing::TestWithParam<foreach_case> {};

TEST_P(ValidateForeach, Answers) {
  const foreach_case& c = GetParam();
  auto prog = compile(policy(c.name, c.rule_body));
  ASSERT_TRUE(prog);
  // Twice on one program: nothing of the first run may leak into the second.
  for (int round = 0; round < 2; ++round) {
    auto r = engine::validate(*prog, engine_request::from_object(doc(pod)), {});
    ASSERT_EQ(r.policies.size(), 1u);
    ASSERT_EQ(r.policies[0].rules.size(), 1u);
    const rule_response& rr = r.policies[0].rules[0];
    EXPECT_EQ(rr.status, c.want_status) << c.name << ": " << rr.message;
    EXPECT_EQ(rr.message, c.want_message) << c.name;
    // The resource itself is never touched by validation.
    EXPECT_EQ(json::serialize(r.resource), json::serialize(doc(pod))) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Engine, ValidateForeach,
    ::testing::Values(
        // The pattern is matched against the element after substituting it
        // loaded three context entries (the context grew under the element).
        foreach_case{"pattern-after-context-growth", R"(    validate:
      message: "bad name"
      foreach:
      - list: request.object.spec.containers
        context:
        - {name: one, variable: {value: "n"}}
        - {name: two, variable: {jmesPath: "element.name"}}
        - {name: three, variable: {value: "{{ one }}"}}
        pattern:
          name: "{{ three }}*"
)",
                     rule_status::fail,
                     "validation failure: validation error: bad name. rule pattern-after-context-growth failed at path "
                     "/name/"},
        foreach_case{"pattern-passes-on-every-element", R"(    validate:
      foreach:
      - list: request.object.spec.containers
        context:
        - {name: img, variable: {jmesPath: "element.image"}}
        pattern:
          image: "{{ img }}"
          name: "?*"
)",
                     rule_status::pass, "rule passed"},
        // element0 (outer) and element (inner) inside a nested foreach, and
        // the outer element again for the next outer iteration.
        foreach_case{"nested-numbered", R"(    validate:
      message: "{{ element0.name }}/{{ elementIndex0 }}/{{ element.containerPort }}/{{ element1.containerPort }}"
      foreach:
      - list: request.object.spec.containers
        foreach:
        - list: element.ports
          deny:
            conditions:
              any:
              - key: "{{ element.containerPort }}"
                operator: Equals
                value: 9901
)",
                     rule_status::fail, "validation failure: validation failure: ngx-sidecar/1/9901/9901"},
        // A rule context entry first named by an element's context: each
        // element's restore drops it, and the next element loads it again
        // (it once stayed marked loaded: `Unknown key "one"` from the second
        // element on).
        foreach_case{"rule-context-first-used-in-element-context", R"(    context:
    - {name: one, variable: {value: "x"}}
    validate:
      message: "{{ two }}"
      foreach:
      - list: request.object.spec.containers
        context:
        - {name: two, variable: {value: "{{ one }}-{{ element.name }}"}}
        deny:
          conditions:
            any:
            - {key: "{{ two }}", operator: Equals, value: "x-apache"}
)",
                     rule_status::fail, "validation failure: x-apache"},
        foreach_case{"rule-context-first-used-in-element-context-passes", R"(    context:
    - {name: one, variable: {jmesPath: "request.object.metadata.name"}}
    validate:
      foreach:
      - list: request.object.spec.containers
        context:
        - {name: two, variable: {value: "{{ one }}/{{ element.name }}"}}
        deny:
          conditions:
            any:
            - {key: "{{ two }}", operator: Equals, value: "web/none"}
)",
                     rule_status::pass, "rule passed"},
        // The outer element, read after an inner loop that had no elements.
        foreach_case{"outer-after-empty-inner", R"(    validate:
      message: "{{ element.name }}"
      foreach:
      - list: request.object.spec.containers
        preconditions:
          all:
          - {key: "{{ element.name }}", operator: Equals, value: apache}
        deny:
          conditions:
            all:
            - {key: "{{ element.name }}", operator: Equals, value: apache}
)",
                     rule_status::fail, "validation failure: apache"},
        // A context entry named `element` replaces the element in the
        // context; element0 still is the element of the list.
        foreach_case{"context-entry-named-element", R"(    validate:
      message: "{{ element0.name }} became {{ element.name }}"
      foreach:
      - list: request.object.spec.containers
        context:
        - name: element
          variable:
            value: {name: replaced}
        deny:
          conditions:
            any:
            - {key: "{{ element.name }}", operator: Equals, value: replaced}
)",
                     rule_status::fail, "validation failure: nginx became replaced"}));

// Mutation: every element is patched, elements read through a context entry
// loaded per element, and the outer element inside a nested foreach.
TEST(EngineForeach, MutateReadsEachElementOnce) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: tag}
spec:
  rules:
  - name: tag
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      foreach:
      - list: request.object.spec.containers
        context:
        - {name: cname, variable: {jmesPath: "element.name"}}
        patchStrategicMerge:
          spec:
            containers:
            - name: "{{ element.name }}"
              env:
              - {name: SELF, value: "{{ cname }}-{{ elementIndex }}"}
  - name: ports
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      foreach:
      - list: request.object.spec.containers
        foreach:
        - list: element.ports
          patchesJson6902: |-
            - op: add
              path: /metadata/annotations/{{ element0.name }}-{{ element.containerPort }}
              value: "{{ elementIndex0 }}.{{ elementIndex1 }}"
)");
  ASSERT_TRUE(prog);
  for (int round = 0; round < 2; ++round) {
    auto r = engine::mutate(*prog, engine_request::from_object(doc(pod)), {});
    ASSERT_EQ(r.policies.size(), 1u);
    for (const auto& rr : r.policies[0].rules) EXPECT_EQ(rr.status, rule_status::pass) << rr.name << ": " << rr.message;
    std::string env;
    for (const value& c : r.resource["spec"]["containers"].as_array()) env += json::serialize(*c.find("env")) + " ";
    EXPECT_EQ(env, R"([{"name":"SELF","value":"nginx-0"}] [{"name":"SELF","value":"ngx-sidecar-1"}] )"
                   R"([{"name":"SELF","value":"apache-2"}] )");
    EXPECT_EQ(json::serialize(r.resource["metadata"]["annotations"]),
              R"({"nginx-80":"0.0","nginx-443":"0.1","ngx-sidecar-9901":"1.0"})");
  }
}

// A foreach entry named like a rule entry shadows it for the element only: Kyverno restores the whole context
// after each element, so the next foreach block (and anything after) reads the rule's value again, even when the
// rule's entry was loaded (by a precondition) before the foreach replaced it.
TEST(EngineForeach, AForeachEntryShadowsARuleEntryOnlyForItsElement) {
  auto prog = compile(R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: shadow}
spec:
  rules:
  - name: shadow
    match: {any: [{resources: {kinds: [Pod]}}]}
    context:
    - {name: who, variable: {value: rule}}
    preconditions:
      all:
      - {key: "{{ who }}", operator: Equals, value: rule}
    mutate:
      foreach:
      - list: request.object.spec.containers
        context:
        - {name: who, variable: {jmesPath: element.name}}
        patchesJson6902: |-
          - {op: add, path: "/metadata/annotations/first-{{ elementIndex }}", value: "{{ who }}"}
      - list: request.object.spec.containers
        patchesJson6902: |-
          - {op: add, path: "/metadata/annotations/second-{{ elementIndex }}", value: "{{ who }}"}
)");
  ASSERT_TRUE(prog);
  auto r = engine::mutate(*prog, engine_request::from_object(doc(pod)), {});
  ASSERT_EQ(r.policies.size(), 1u);
  ASSERT_EQ(r.policies[0].rules.size(), 1u);
  EXPECT_EQ(r.policies[0].rules[0].status, rule_status::pass) << r.policies[0].rules[0].message;
  EXPECT_EQ(json::serialize(r.resource["metadata"]["annotations"]),
            R"({"first-0":"nginx","first-1":"ngx-sidecar","first-2":"apache",)"
            R"("second-0":"rule","second-1":"rule","second-2":"rule"})");
}

}  // namespace
