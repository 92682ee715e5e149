// A patchStrategicMerge overlay that only sets scalars in maps runs as map edits in place (map_overlay.h), not
// as substitution, preprocessing and merge. The edits must give exactly what the general way gives: the same
// resource, statuses and messages from the engine, the same response bytes from admission (which reads the
// request lazily). Checked on fixed cases, then on random overlays and pods, each run twice: with the program as
// compiled and with engine_environment::map_edits off, so the general way answers.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/admission.h"
#include "coco-admit/core/coco/base64.h"
#include "coco-admit/core/engine.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/json_patch.h"
#include "coco-admit/core/map_overlay.h"
#include "coco-admit/core/strategic_merge.h"
#include "coco-admit/core/variables.h"
#include "policy_helpers.h"

using namespace coco_admit;
using coco_admit::testing::doc;

namespace {

std::string policy_with(const std::vector<std::string>& overlays) {
  std::string rules;
  for (std::size_t i = 0; i < overlays.size(); ++i) {
    rules += R"({"name":"r)" + std::to_string(i) +
             R"(","match":{"any":[{"resources":{"kinds":["Pod"]}}]},"mutate":{"patchStrategicMerge":)" + overlays[i] +
             "}}" + (i + 1 < overlays.size() ? "," : "");
  }
  return R"({"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"edits","annotations":)"
         R"({"pod-policies.kyverno.io/autogen-controllers":"none"}},"spec":{"rules":[)" +
         rules + "]}}";
}

std::shared_ptr<const program> compile_json(const std::string& text) {
  auto out = compiler::compile_sources({{"test.yaml", text}});
  EXPECT_TRUE(out.ok()) << out.error_text() << "\n" << text;
  return out.prog;
}

/// The same program without its map edits: every overlay goes the general way.
std::size_t rules_with_edits(const program& p) {
  std::size_t n = 0;
  for (const policy& pol : p.policies) {
    for (const rule& r : pol.rules) n += r.mutate.map_edits ? 1 : 0;
  }
  return n;
}

std::string outcome_text(const engine_response& r) {
  std::string out = json::serialize(r.resource);
  for (const policy_response& p : r.policies) {
    for (const rule_response& rr : p.rules) {
      out += "\n" + std::string(rr.name) + " " + std::to_string(static_cast<int>(rr.status)) + " " + rr.message;
    }
  }
  return out;
}

engine_environment with_edits(bool on) {
  engine_environment env;
  env.map_edits = on;
  return env;
}

std::string admit(const program& p, const value& pod, bool edits) {
  admission::scratch scratch;
  admission::review_outcome outcome;
  std::string out;
  admission::review(p, admission::webhook::mutate, coco_admit::testing::pod_create_review(pod), false, with_edits(edits), scratch, out, outcome);
  return out;
}

/// A mutate response without its patch, and the pod with the patch applied: the patches themselves may differ (map
/// edits log their operations, the general way diffs, and member order follows the operations), so two responses
/// are compared as the API server would see them.
struct applied_response {
  std::string rest;
  value patched;
};

applied_response as_applied(const std::string& response, const value& pod) {
  auto doc = json::parse(response);
  EXPECT_TRUE(doc.ok()) << response;
  if (!doc.ok()) return {response, value()};
  value& r = (*doc)["response"];
  value patched = pod;
  if (const value* patch = r.find("patch")) {
    patched = value("the patch does not apply");
    auto bytes = coco::base64_decode_strict(patch->as_string());
    auto ops_json = bytes.ok() ? json::parse(*bytes) : result<value>(bytes.err());
    auto ops = ops_json.ok() ? json_patch::parse(*ops_json) : result<std::vector<json_patch::operation>>(ops_json.err());
    if (ops.ok()) {
      if (auto applied = json_patch::apply(pod, *ops); applied.ok()) patched = std::move(applied).value();
    }
    EXPECT_FALSE(patched.is_string()) << response;
    r.erase("patch");
  }
  return {json::serialize(*doc), std::move(patched)};
}

/// Both ways on one pod: engine outcome and admission response (the patch as applied) must be the same.
void expect_same_answers(const std::string& policy_text, const value& pod) {
  auto p = compile_json(policy_text);
  ASSERT_TRUE(p);
  const engine_response a = engine::mutate(*p, engine_request::from_object(pod), with_edits(true));
  const engine_response b = engine::mutate(*p, engine_request::from_object(pod), with_edits(false));
  ASSERT_EQ(outcome_text(a), outcome_text(b)) << policy_text << "\non " << json::serialize(pod);
  const applied_response x = as_applied(admit(*p, pod, true), pod);
  const applied_response y = as_applied(admit(*p, pod, false), pod);
  ASSERT_EQ(x.rest, y.rest) << policy_text << "\non " << json::serialize(pod);
  // value::operator== ignores member order; the engine's own object (above) holds it to the merge's.
  ASSERT_TRUE(x.patched == y.patched) << json::serialize(x.patched) << "\nvs " << json::serialize(y.patched) << "\n"
                                      << policy_text << "\non " << json::serialize(pod);
}

const char* const base_pod = R"(
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: team-a
  labels: {app: web, tier: back, count: 3}
  annotations: {note: x}
spec:
  runtimeClassName: runc
  containers: [{name: web, image: nginx:1}]
)";

bool compiles_to_edits(const std::string& overlay) {
  auto p = compile_json(policy_with({overlay}));
  return p && rules_with_edits(*p) == 1;
}

TEST(MapEdits, CompileOnlyOverlaysThatSetScalarsInMaps) {
  EXPECT_TRUE(compiles_to_edits(R"j({"metadata":{"labels":{"+(team)":"{{ request.namespace }}","tier":"web"}}})j"));
  EXPECT_TRUE(compiles_to_edits(R"({"spec":{"runtimeClassName":"kata","priority":1,"x":true,"y":1.5}})"));
  EXPECT_TRUE(compiles_to_edits(R"({"metadata":{"annotations":{"a":"pre-{{ request.name }}-post"}}})"));
  EXPECT_TRUE(compiles_to_edits(R"({"spec":{"containers":[{"name":"web","env":[{"name":"A","value":"1"}]}]}})"));
  EXPECT_TRUE(compiles_to_edits(R"({"spec":{"containers":[{"name":"a"},{"name":"b","args":["x","y"]}]}})"));
  EXPECT_TRUE(compiles_to_edits(R"({"metadata":{"finalizers":["a"]}})")) << "a set: left to the merge when applied";
  EXPECT_FALSE(compiles_to_edits(R"({"spec":{"containers":[]}})")) << "no element";
  EXPECT_FALSE(compiles_to_edits(R"({"spec":{"args":["{{ request.name }}"]}})")) << "a variable in a scalar list";
  EXPECT_FALSE(compiles_to_edits(R"({"spec":{"containers":[{"name":"a"},"b"]}})")) << "a scalar among maps";
  EXPECT_FALSE(compiles_to_edits(R"j({"spec":{"containers":[{"name":"web","+(image)":"x"}]}})j")) << "+() in a list";
  EXPECT_FALSE(compiles_to_edits(R"({"spec":{"template":{"apiVersion":"v1","kind":"Pod"}}})")) << "a schema";
  EXPECT_FALSE(compiles_to_edits(R"({"metadata":{"labels":{"gone":null}}})")) << "a deletion";
  EXPECT_FALSE(compiles_to_edits(R"({"metadata":{"labels":{}}})")) << "an empty map";
  EXPECT_FALSE(compiles_to_edits(R"({"metadata":{"labels":{"$patch":"replace","a":"b"}}})")) << "a directive";
  EXPECT_FALSE(compiles_to_edits(R"j({"metadata":{"(name)":"web","labels":{"a":"b"}}})j")) << "a condition";
  EXPECT_FALSE(compiles_to_edits(R"j({"metadata":{"=(labels)":{"a":"b"}}})j")) << "another anchor";
  EXPECT_FALSE(compiles_to_edits(R"j({"metadata":{"labels":{"+(a)":"x","a":"y"}}})j")) << "+(a) next to a";
  EXPECT_FALSE(compiles_to_edits(R"({"metadata":{"labels":{"{{ request.name }}":"x"}}})")) << "a variable key";
  EXPECT_FALSE(compiles_to_edits(R"({"metadata":{"labels":{"a":"{{@}}"}}})")) << "a self reference";
  EXPECT_FALSE(compiles_to_edits(R"({"metadata":{"labels":{"a":"{{ request.{{ request.name }} }}"}}})")) << "nested";
}

TEST(MapEdits, EditsInPlaceAsTheMergeDoes) {
  const value pod = doc(base_pod);
  // New keys after the existing ones in sorted order; an existing key keeps its place; +() keeps what is there.
  const std::string overlay =
      R"j({"metadata":{"labels":{"zeta":"1","+(app)":"other","alpha":"2","tier":"front"},"+(new)":{"k":"v"}}})j";
  auto p = compile_json(policy_with({overlay}));
  ASSERT_TRUE(p);
  ASSERT_EQ(rules_with_edits(*p), 1u);
  engine_response r = engine::mutate(*p, engine_request::from_object(pod), engine_environment{});
  EXPECT_EQ(json::serialize(r.resource["metadata"]["labels"]),
            R"({"app":"web","tier":"front","count":3,"alpha":"2","zeta":"1"})");
  EXPECT_EQ(json::serialize(r.resource["metadata"]["new"]), R"({"k":"v"})");
  expect_same_answers(policy_with({overlay}), pod);
}

TEST(MapEdits, NothingToChangeIsASkip) {
  auto p = compile_json(policy_with({R"j({"metadata":{"labels":{"app":"web","+(tier)":"x"}}})j"}));
  ASSERT_TRUE(p);
  const engine_response r = engine::mutate(*p, engine_request::from_object(doc(base_pod)), engine_environment{});
  ASSERT_EQ(r.policies.size(), 1u);
  EXPECT_EQ(r.policies[0].rules[0].status, rule_status::skip);
  EXPECT_EQ(r.policies[0].rules[0].message, "no patches applied");
}

TEST(MapEdits, WhatTheEditsDoNotModelGoesTheGeneralWay) {
  const value pod = doc(base_pod);
  // A variable's value that is a map (merged), null (a deletion), a double where the pod has an integer; a map
  // where the pod has a scalar (the merge's error); a missing variable (the substitution's error).
  for (const char* overlay : {R"({"metadata":{"labels":{"app":"{{ request.object.metadata.labels }}"}}})",
                              R"({"metadata":{"labels":{"app":"{{ request.object.metadata.nothing || `null` }}"}}})",
                              R"({"metadata":{"labels":{"count":"{{ `3` }}"}}})",
                              R"({"spec":{"runtimeClassName":{"nested":"map"}}})",
                              R"({"metadata":{"labels":{"a":"{{ request.object.metadata.nothing }}","b":"c"}}})",
                              R"({"metadata":{"finalizers":["a"]}})",
                              R"({"spec":{"containers":[{"name":"x"},{"name":"x","image":"y"}]}})",
                              R"({"spec":{"containers":[{"name":"x"},{"image":"y"}]}})"}) {
    auto p = compile_json(policy_with({overlay}));
    ASSERT_TRUE(p);
    EXPECT_EQ(rules_with_edits(*p), 1u) << overlay;
    expect_same_answers(policy_with({overlay}), pod);
  }
  // A list the schema merges as a set, or by key, given as scalars: the merge's business.
  value with_finalizers = pod;
  with_finalizers["metadata"].set("finalizers", doc(R"(["b"])"));
  for (const char* overlay : {R"({"metadata":{"finalizers":["a"]}})", R"({"spec":{"containers":["x"]}})"}) {
    expect_same_answers(policy_with({overlay}), with_finalizers);
  }
  // A resource with a null anywhere: the merge drops it, so the edits leave it to the merge.
  value with_null = pod;
  with_null["spec"].set("gone", value());
  expect_same_answers(policy_with({R"({"metadata":{"labels":{"a":"b"}}})"}), with_null);
}

// Random overlays over a few keys (some anchored, some leaves variables of every kind, now and then a list or a
// null that keeps the overlay from compiling to edits), applied in 1-3 rules to random pods (scalars, maps and
// lists where the overlays expect maps, now and then a null).
class generator {
 public:
  explicit generator(unsigned seed) : rng_(seed) {}

  std::string overlay(int depth) {
    std::string out = "{";
    const int n = 1 + pick(3);
    std::vector<std::string> used;
    for (int i = 0; i < n; ++i) {
      std::string key = keys[pick(std::size(keys))];
      bool dup = false;
      for (const std::string& u : used) dup = dup || u == key;
      if (dup) continue;
      used.push_back(key);
      if (!out.ends_with("{")) out += ",";
      out += json::serialize(value(pick(4) == 0 ? "+(" + key + ")" : key)) + ":";
      out += depth > 0 && pick(3) == 0 ? overlay(depth - 1) : leaf();
    }
    return out + "}";
  }

  value pod() {
    value p = doc(base_pod);
    value& md = p["metadata"];
    for (const char* where : {"labels", "annotations"}) {
      value m = value::object();
      for (const char* k : keys) {
        if (pick(3) == 0) m.set(k, resource_value());
      }
      if (pick(6) == 0) md.erase(where);
      else md.set(where, std::move(m));
    }
    for (const char* k : keys) {
      if (pick(4) == 0) p["spec"].set(k, resource_value());
    }
    if (pick(12) == 0) p["spec"].set("dropped", value());
    return p;
  }

  int pick(std::size_t n) { return static_cast<int>(rng_() % n); }

  static constexpr const char* keys[] = {"app", "tier", "zone", "count", "a/b", "1"};

 private:
  std::string leaf() {
    static const char* const leaves[] = {
        R"("web")", R"("")", "7", "2.5", "true", "false",
        R"("{{ request.namespace }}")", R"("{{ request.object.metadata.name }}")",
        R"("x-{{ request.object.metadata.labels.app || 'none' }}")", R"("{{ request.object.metadata.labels.count || `4` }}")",
        R"("{{ `7` }}")", R"("{{ request.object.metadata.labels }}")", R"("{{ request.object.spec.nothing }}")",
        R"("{{ request.object.metadata.labels.zone || `null` }}")", R"("{{ to_upper(request.namespace) }}")",
        "null", R"(["l"])", R"(["l","m"])", R"({})",
    };
    return leaves[pick(std::size(leaves))];
  }
  value resource_value() {
    switch (pick(7)) {
      case 0: return value("web");
      case 1: return value(7);
      case 2: return value(7.0);
      case 3: return value(true);
      case 4: return doc(R"({"app":"inner"})");
      case 5: return doc(R"(["x"])");
      default: return value("other");
    }
  }
  std::mt19937 rng_;
};

TEST(MapEdits, SameAnswersAsTheGeneralWayOnRandomOverlaysAndPods) {
  generator g(20261128);
  std::size_t programs_with_edits = 0, runs_of_rules_with_edits = 0;
  for (int round = 0; round < 1'500; ++round) {
    std::vector<std::string> overlays;
    const int rules = 1 + g.pick(3);
    for (int i = 0; i < rules; ++i) {
      const int root = g.pick(3);
      const std::string inner = g.overlay(2);
      overlays.push_back(root == 0   ? R"({"metadata":{"labels":)" + inner + "}}"
                         : root == 1 ? R"({"metadata":)" + inner + "}"
                                     : R"({"spec":)" + inner + "}");
    }
    const std::string text = policy_with(overlays);
    auto fast = compile_json(text);
    ASSERT_TRUE(fast);
    const std::size_t with_edits = rules_with_edits(*fast);
    programs_with_edits += with_edits > 0 ? 1 : 0;
    for (int p = 0; p < 3; ++p) {
      const value pod = g.pod();
      runs_of_rules_with_edits += with_edits;
      expect_same_answers(text, pod);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  // Most rounds had rules compiled to edits (whether they applied or fell back depends on the pod).
  EXPECT_GT(programs_with_edits, 500u);
  EXPECT_GT(runs_of_rules_with_edits, 2'000u);
}

// After a rule changes the pod, the later rules are selected on the pod as it is now. Edits below `spec` leave the
// selection's facts as they were and skip selecting again; edits of the metadata, or a key added at the root (which
// moves the root's members, the kind among them), do not. Checked against the general way, which always selects
// again, with rules that select by the labels the earlier rules set.
TEST(MapEdits, LaterRulesAreSelectedOnThePodAsEdited) {
  auto rule = [](const std::string& name, const std::string& selector, const std::string& overlay,
                 const char* selector_kind = "selector") {
    return R"({"name":")" + name + R"(","match":{"any":[{"resources":{"kinds":["Pod"])" +
           (selector.empty() ? "" : R"(,")" + std::string(selector_kind) + R"(":{"matchLabels":)" + selector + "}") +
           R"(}}]},"mutate":{"patchStrategicMerge":)" + overlay + "}}";
  };
  const std::string rules =
      rule("spec-only", "", R"({"spec":{"runtimeClassName":"kata"}})") + "," +
      rule("needs-app", R"({"app":"web"})", R"({"spec":{"priorityClassName":"high"}})") + "," +
      rule("adds-root-key", "", R"({"status":{"phase":"Pending"}})") + "," +
      // Reads the object's kind (a namespaceSelector does not apply to a Namespace), which the root's new key moved.
      rule("by-namespace", R"({"team":"a"})", R"({"spec":{"subdomain":"a"}})", "namespaceSelector") + "," +
      rule("labels", "", R"({"metadata":{"labels":{"stage":"two"}}})") + "," +
      rule("needs-stage", R"({"stage":"two"})", R"({"spec":{"schedulerName":"coco"}})") + "," +
      rule("needs-missing", R"({"stage":"three"})", R"({"spec":{"hostname":"never"}})");
  const std::string text = R"({"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"cascade",)"
                           R"("annotations":{"pod-policies.kyverno.io/autogen-controllers":"none"}},)"
                           R"("spec":{"rules":[)" + rules + "]}}";
  auto p = compile_json(text);
  ASSERT_TRUE(p);
  EXPECT_EQ(rules_with_edits(*p), 7u);
  const value pod = doc(base_pod);
  const engine_response r = engine::mutate(*p, engine_request::from_object(pod), with_edits(true));
  const value* spec = r.resource.find("spec");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(json::serialize(*spec->find("priorityClassName")), R"("high")");
  EXPECT_EQ(json::serialize(*spec->find("schedulerName")), R"("coco")");
  EXPECT_EQ(spec->find("hostname"), nullptr);
  expect_same_answers(text, pod);
}

TEST(MapEdits, KeyedListsInKyamlsOrder) {
  value pod = doc(base_pod);
  pod["spec"].set("containers", doc(R"([{"name":"side","image":"s:1"},{"name":"web","image":"w:1",)"
                                    R"("env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}])"));
  // The named container moves to the front, a new env entry goes first.
  const std::string overlay = R"({"spec":{"containers":[{"name":"web","env":[{"name":"C","value":"3"}]}]}})";
  auto p = compile_json(policy_with({overlay}));
  ASSERT_TRUE(p);
  ASSERT_EQ(rules_with_edits(*p), 1u);
  engine_response r = engine::mutate(*p, engine_request::from_object(pod), engine_environment{});
  EXPECT_EQ(json::serialize(r.resource["spec"]["containers"]),
            R"([{"name":"web","image":"w:1","env":[{"name":"C","value":"3"},{"name":"A","value":"1"},)"
            R"({"name":"B","value":"2"}]},{"name":"side","image":"s:1"}])");
  expect_same_answers(policy_with({overlay}), pod);
  // An entry without its key is kept after the keyed ones, a repeated key folds: both left to the merge.
  value keyless = pod;
  keyless["spec"]["containers"].as_array()[1].set("env", doc(R"([{"value":"0"},{"name":"A","value":"1"}])"));
  expect_same_answers(policy_with({overlay}), keyless);
  value repeated = pod;
  repeated["spec"]["containers"].as_array()[1].set("env", doc(R"([{"name":"A","value":"0"},{"name":"A","value":"1"}])"));
  expect_same_answers(policy_with({overlay}), repeated);
  // Ports are merged by containerPort, a number: matched by its spelling, as the merge matches them (so "8080"
  // finds 8080).
  value ports = pod;
  ports["spec"]["containers"].as_array()[1].set("ports", doc(R"([{"containerPort":8080,"protocol":"TCP"}])"));
  for (const char* port : {R"(8443)", R"(8080)", R"("8080")", R"("{{ `8080` }}")"}) {
    const std::string with_port =
        std::string(R"({"spec":{"containers":[{"name":"web","ports":[{"name":"p","containerPort":)") + port + "}]}]}}";
    auto compiled = compile_json(policy_with({with_port}));
    ASSERT_TRUE(compiled);
    EXPECT_EQ(rules_with_edits(*compiled), 1u) << with_port;
    expect_same_answers(policy_with({with_port}), ports);
  }
}

// Lists: keyed ones (containers, env by name), replaced ones (args, tolerations), in rules and in foreach
// (per container, as platform teams inject env), on pods whose lists have one to three elements, now and then a
// repeated or missing name that the edits leave to the merge.
class list_generator {
 public:
  explicit list_generator(unsigned seed) : rng_(seed) {}
  int pick(std::size_t n) { return static_cast<int>(rng_() % n); }

  value pod() {
    value p = doc(base_pod);
    value containers = value::array();
    const int n = 1 + pick(3);
    for (int i = 0; i < n; ++i) {
      value c = value::object();
      if (pick(15) != 0) c.set("name", value(container_names[pick(std::size(container_names))]));
      c.set("image", value("nginx:1"));
      if (pick(2) == 0) {
        value env = value::array();
        const int m = pick(4);
        for (int j = 0; j < m; ++j) {
          value e = value::object();
          if (pick(6) != 0) e.set("name", value(env_names[pick(std::size(env_names))]));
          e.set("value", value(pick(2) == 0 ? "1" : "2"));
          env.push_back(std::move(e));
        }
        c.set("env", std::move(env));
      }
      if (pick(4) == 0) c.set("args", doc(R"(["serve"])"));
      if (pick(4) == 0) c.set("ports", doc(pick(2) == 0 ? R"([{"containerPort":8080}])" : R"([{"containerPort":8080},{"containerPort":9090}])"));
      if (pick(4) == 0) c.set("resources", doc(R"({"limits":{"cpu":"1"}})"));
      containers.push_back(std::move(c));
    }
    p["spec"].set("containers", std::move(containers));
    if (pick(4) == 0) p["spec"].set("tolerations", doc(R"([{"key":"a","operator":"Exists"}])"));
    if (pick(20) == 0) p["spec"].set("dropped", value());
    return p;
  }

  std::string container_overlay(bool in_foreach) {
    std::string out = "{";
    auto add = [&](const std::string& k, const std::string& v) { out += (out.size() > 1 ? "," : "") + ("\"" + k + "\":" + v); };
    if (in_foreach) {
      add("name", R"("{{ element.name }}")");
    } else if (pick(10) != 0) {
      static const char* const names[] = {R"("web")", R"("side")", R"("new")", R"("{{ request.object.metadata.name }}")",
                                          R"("{{ `1` }}")"};
      add("name", names[pick(std::size(names))]);
    }
    if (pick(2) == 0) add("image", pick(2) == 0 ? R"("nginx:2")" : R"("{{ request.namespace }}:1")");
    if (pick(2) == 0 || in_foreach) {
      std::string e = "{";
      if (pick(10) != 0) e += R"("name":)" + std::string(pick(2) == 0 ? R"("POD_NAMESPACE")" : R"("A")") + ",";
      e += pick(2) == 0 ? R"("value":"{{ request.namespace }}")" : R"("valueFrom":{"fieldRef":{"fieldPath":"metadata.namespace"}})";
      std::string env = "[" + e + "}";
      if (pick(3) == 0) env += pick(2) == 0 ? R"(,{"name":"B","value":"b"})" : R"(,{"name":"A","value":"a"})";
      add("env", env + "]");
    }
    if (pick(4) == 0) add("args", R"(["run"])");
    if (pick(4) == 0) add("ports", pick(2) == 0 ? R"([{"name":"http","containerPort":8080}])" : R"([{"containerPort":9090},{"containerPort":443}])");
    if (pick(4) == 0) add("resources", R"({"limits":{"cpu":"{{ `2` }}","memory":"1Gi"}})");
    if (pick(6) == 0) add("securityContext", R"({"runAsNonRoot":true})");
    if (out.size() == 1) add("image", R"("nginx:3")");
    return out + "}";
  }

  std::string rule(int i) {
    const std::string head = R"({"name":"l)" + std::to_string(i) + R"(","match":{"any":[{"resources":{"kinds":["Pod"]}}]},"mutate":)";
    switch (pick(4)) {
      case 0:
        return head + R"({"foreach":[{"list":"request.object.spec.containers","patchStrategicMerge":{"spec":{"containers":[)" +
               container_overlay(true) + "]}}}]}}";
      case 1: return head + R"({"patchStrategicMerge":{"spec":{"tolerations":[{"key":"coco","effect":"NoSchedule"}]}}}})";
      default: {
        std::string containers = container_overlay(false);
        if (pick(3) == 0) containers += "," + container_overlay(false);
        return head + R"({"patchStrategicMerge":{"spec":{"containers":[)" + containers + "]}}}}";
      }
    }
  }

  static constexpr const char* container_names[] = {"web", "side", "init"};
  static constexpr const char* env_names[] = {"A", "B", "POD_NAMESPACE"};

 private:
  std::mt19937 rng_;
};

/// Applies every map edit of `p` to `pod` in turn, as the rules cascade (a foreach's once per container, with
/// `element` set to it), with the holes evaluated as the engine evaluates them, and checks the node count change
/// each reports against a census of the pod before and after. Returns how many edits applied.
std::size_t expect_node_changes_counted(const program& p, value pod) {
  if (!strategic_merge::take_census(pod).clean) return 0;  // the engine takes such a pod the general way
  std::size_t applied = 0;
  auto edit = [&](const map_overlay& edits, const value* element) {
    value ctx = value::object();
    value request = value::object();
    request.set("namespace", value("team-a"));
    request.set("object", pod);
    ctx.set("request", std::move(request));
    if (element != nullptr) ctx.set("element", *element);
    variables::options o;
    o.context = &ctx;
    std::vector<value> holes;
    for (const map_overlay::hole& h : edits.holes) {
      auto v = variables::substitute_string(*h.text, h.path, o);
      if (!v.ok()) return;
      holes.push_back(std::move(v).value());
    }
    const std::size_t before = strategic_merge::take_census(pod).nodes;
    const std::string was = json::serialize(pod);
    const std::optional<map_edit_outcome> done = apply_map_overlay(edits, holes, pod);
    if (!done) return;
    ++applied;
    EXPECT_EQ(static_cast<std::ptrdiff_t>(strategic_merge::take_census(pod).nodes),
              static_cast<std::ptrdiff_t>(before) + done->node_change)
        << was << "\nbecame " << json::serialize(pod);
    EXPECT_EQ(done->changed, json::serialize(pod) != was) << was;
  };
  for (const policy& pol : p.policies) {
    for (const rule& r : pol.rules) {
      if (r.mutate.map_edits) edit(*r.mutate.map_edits, nullptr);
      for (const foreach_block& f : r.mutate.foreach) {
        if (!f.map_edits) continue;
        const value containers = pod["spec"]["containers"];
        for (const value& c : containers.as_array()) edit(*f.map_edits, &c);
      }
    }
  }
  return applied;
}

// The engine keeps the resource's node count for foreach budgets across map edits from what the edits report.
TEST(MapEdits, ReportTheNodesTheyAddAndReplace) {
  generator maps(7);
  list_generator lists(11);
  std::size_t applied = 0;
  for (int round = 0; round < 600; ++round) {
    const std::string text = policy_with({R"({"metadata":{"labels":)" + maps.overlay(2) + "}}",
                                          R"({"spec":)" + maps.overlay(2) + "}"});
    auto p = compile_json(text);
    ASSERT_TRUE(p);
    applied += expect_node_changes_counted(*p, maps.pod());
    std::string rules;
    for (int i = 0; i < 3; ++i) rules += (i ? "," : "") + lists.rule(i);
    auto q = compile_json(R"({"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"lists",)"
                          R"("annotations":{"pod-policies.kyverno.io/autogen-controllers":"none"}},)"
                          R"("spec":{"rules":[)" + rules + "]}}");
    ASSERT_TRUE(q);
    applied += expect_node_changes_counted(*q, lists.pod());
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GT(applied, 1'000u);
}

TEST(MapEdits, SameAnswersAsTheGeneralWayOnListsAndForeach) {
  list_generator g(4711);
  std::size_t with_edits = 0;
  for (int round = 0; round < 800; ++round) {
    std::string rules;
    const int n = 1 + g.pick(3);
    for (int i = 0; i < n; ++i) rules += (i ? "," : "") + g.rule(i);
    const std::string text = R"({"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"lists",)"
                             R"("annotations":{"pod-policies.kyverno.io/autogen-controllers":"none"}},"spec":{"rules":[)" +
                             rules + "]}}";
    auto fast = compile_json(text);
    ASSERT_TRUE(fast);
    for (const policy& pol : fast->policies) {
      for (const rule& r : pol.rules) {
        with_edits += r.mutate.map_edits ? 1 : 0;
        for (const foreach_block& f : r.mutate.foreach) with_edits += f.map_edits ? 1 : 0;
      }
    }
    for (int p = 0; p < 3; ++p) {
      expect_same_answers(text, g.pod());
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  EXPECT_GT(with_edits, 1'000u);
}

}  // namespace
