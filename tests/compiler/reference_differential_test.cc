// Differential test: generated pods and generated validate policies (the
// subset of tests/testing/reference_engine.h) run through the real compiler
// and engine and through the reference interpreter; every rule status must
// agree. Fixed seeds, so a failure reproduces; the failing policy and pod
// are printed in full.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/engine.h"
#include "coco-admit/core/json.h"
#include "reference_engine.h"

using namespace coco_admit;
using namespace coco_admit::testing;

namespace {

class generator {
 public:
  explicit generator(unsigned seed) : rng_(seed) {}

  value pod() {
    value p = value::object();
    p.set("apiVersion", value("v1"));
    p.set("kind", value(chance(8) ? "ConfigMap" : "Pod"));
    value md = value::object();
    md.set("name", value(pick({"web", "api-1", "api-2", "db", "d1", "worker"})));
    md.set("namespace", value(pick({"default", "payments", "kube-system", "team-a"})));
    if (!chance(6)) {
      value labels = value::object();
      for (const char* k : {"app", "tier", "coco.io/enabled"}) {
        if (chance(2)) labels.set(k, value(label_value(k)));
      }
      md.set("labels", std::move(labels));
    }
    p.set("metadata", std::move(md));
    value spec = value::object();
    value cs = value::array();
    int n = 1 + static_cast<int>(rng_() % 3);
    for (int i = 0; i < n; ++i) {
      value c = value::object();
      c.set("name", value(pick({"app", "sidecar", "proxy"})));
      c.set("image", value(pick({"nginx:1.25", "nginx:latest", "busybox", "registry.example/app@sha256:abc",
                                  "registry.example/api:v2"})));
      cs.push_back(std::move(c));
    }
    spec.set("containers", std::move(cs));
    p.set("spec", std::move(spec));
    return p;
  }

  ref_policy policy(int index) {
    ref_policy p;
    p.name = "ref-" + std::to_string(index);
    int n = 1 + static_cast<int>(rng_() % 3);
    for (int i = 0; i < n; ++i) p.rules.push_back(rule("r" + std::to_string(i)));
    return p;
  }

 private:
  bool chance(unsigned one_in) { return rng_() % one_in == 0; }
  std::string pick(std::initializer_list<const char*> options) {
    return *(options.begin() + rng_() % options.size());
  }
  std::string label_value(const std::string& key) {
    if (key == "app") return pick({"web", "api", "db"});
    if (key == "tier") return pick({"front", "back", ""});
    return pick({"true", "false"});
  }
  std::string label_key() { return pick({"app", "tier", "coco.io/enabled"}); }

  ref_filter filter() {
    ref_filter f;
    f.kinds.push_back(pick({"Pod", "Pod", "ConfigMap", "*"}));
    if (chance(3)) f.kinds.push_back(pick({"Pod", "Deployment"}));
    if (chance(3)) f.names.push_back(pick({"web", "api-*", "*", "d?", "w*r"}));
    if (chance(3)) f.namespaces.push_back(pick({"default", "pay*", "kube-*", "team-?"}));
    if (chance(4)) {
      std::string k = label_key();
      f.match_labels.push_back({k, label_value(k)});
    }
    return f;
  }

  // A pattern string for a label (never negated: see reference_engine.h).
  std::string label_pattern(const std::string& key) {
    if (chance(3)) return pick({"*", "?*"});
    std::string v = label_value(key);
    return chance(2) ? v : v.substr(0, 1) + "*";
  }

  value pattern() {
    value pat = value::object();
    if (chance(2)) {
      value labels = value::object();
      std::string k = label_key();
      labels.set(k, value(label_pattern(k)));
      if (chance(3)) {
        std::string k2 = label_key();
        if (k2 != k) labels.set(k2, value(label_pattern(k2)));
      }
      value md = value::object();
      md.set("labels", std::move(labels));
      pat.set("metadata", std::move(md));
    }
    if (pat.as_object().empty() || chance(2)) {
      value c = value::object();
      c.set("image", value(pick({"!*:latest", "nginx*", "*@sha256:*", "?*", "registry.example/*", "!busybox"})));
      if (chance(3)) c.set("name", value(pick({"?*", "app", "s*"})));
      value cs = value::array();
      cs.push_back(std::move(c));
      value spec = value::object();
      spec.set("containers", std::move(cs));
      pat.set("spec", std::move(spec));
    }
    return pat;
  }

  ref_condition condition() {
    ref_condition c;
    if (chance(5)) {
      c.key = ref_condition::key_kind::container_count;
      c.op = pick({"GreaterThan", "LessThan"});
      c.val = value(static_cast<std::int64_t>(rng_() % 4));
      return c;
    }
    c.label = label_key();
    c.op = pick({"Equals", "NotEquals", "AnyIn", "AnyNotIn"});
    auto one = [&]() -> std::string {
      if (chance(5)) return pick({"", "*"});
      std::string v = label_value(c.label);
      return chance(3) ? v.substr(0, 1) + "*" : v;
    };
    if (c.op == "Equals" || c.op == "NotEquals") {
      c.val = value(one());
    } else {
      c.val = value::array();
      int n = 1 + static_cast<int>(rng_() % 3);
      for (int i = 0; i < n; ++i) c.val.push_back(value(one()));
    }
    return c;
  }

  ref_rule rule(std::string name) {
    ref_rule r;
    r.name = std::move(name);
    int n = 1 + static_cast<int>(rng_() % 2);
    for (int i = 0; i < n; ++i) r.match_any.push_back(filter());
    if (chance(3)) r.exclude_any.push_back(filter());
    r.is_deny = chance(2);
    if (r.is_deny) {
      int na = static_cast<int>(rng_() % 3), nl = static_cast<int>(rng_() % 3);
      if (na + nl == 0) na = 1;
      for (int i = 0; i < na; ++i) r.deny_any.push_back(condition());
      for (int i = 0; i < nl; ++i) r.deny_all.push_back(condition());
    } else {
      r.pattern = pattern();
    }
    return r;
  }

  std::mt19937 rng_;
};

}  // namespace

TEST(ReferenceEngine, WildcardBasics) {
  struct {
    const char *pattern, *text;
    bool match;
  } cases[] = {{"", "", true},       {"*", "", true},       {"?*", "", false},   {"?*", "a", true},
               {"a*c", "abbc", true}, {"a*c", "abb", false}, {"d?", "db", true},  {"d?", "d", false},
               {"*:latest", "nginx:latest", true}};
  for (const auto& c : cases) EXPECT_EQ(wildcard_match(c.pattern, c.text), c.match) << c.pattern << " " << c.text;
}

TEST(ReferenceDifferential, CompiledEngineAgreesOnGeneratedPodsAndPolicies) {
  constexpr int policies = 400;
  constexpr int pods_per_policy = 8;
  int compared = 0, mismatches = 0;
  std::map<rule_status, int> seen;
  generator gen(20240611);
  for (int i = 0; i < policies && mismatches < 5; ++i) {
    ref_policy p = gen.policy(i);
    std::string doc = to_policy_document(p);
    auto out = compiler::compile_sources({{"ref.yaml", doc}});
    ASSERT_TRUE(out.ok()) << out.error_text() << "\n" << doc;
    for (int j = 0; j < pods_per_policy; ++j) {
      value pod = gen.pod();
      std::vector<rule_status> expected = evaluate(p, pod);
      engine_environment env;
      engine_response r = engine::validate(*out.prog, engine_request::from_object(pod), env);
      std::map<std::string, const rule_response*> got;
      for (const auto& pr : r.policies) {
        for (const auto& rr : pr.rules) got[std::string(rr.name)] = &rr;
      }
      for (std::size_t k = 0; k < p.rules.size(); ++k) {
        auto it = got.find(p.rules[k].name);
        rule_status actual = it == got.end() ? rule_status::skip : it->second->status;
        ++compared;
        ++seen[expected[k]];
        if (actual != expected[k]) {
          ++mismatches;
          ADD_FAILURE() << "rule " << p.rules[k].name << ": engine " << rule_status_name(actual) << " ("
                        << (it == got.end() ? "no response" : it->second->message) << "), reference "
                        << rule_status_name(expected[k]) << "\npolicy:\n"
                        << doc << "\npod:\n"
                        << json::serialize_pretty(pod);
        }
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
  // The generator must exercise every outcome, or the comparison proves little.
  EXPECT_GT(seen[rule_status::pass], compared / 10);
  EXPECT_GT(seen[rule_status::fail], compared / 10);
  EXPECT_GT(seen[rule_status::skip], compared / 10);
  std::printf("compared %d rule results (pass %d, fail %d, skip %d)\n", compared, seen[rule_status::pass],
              seen[rule_status::fail], seen[rule_status::skip]);
}
