// Randomized checks of strategic_merge::merge_in_place on Pod-shaped resources (so the schema's merge-keyed lists
// are in play): along a chain of merges (as the engine runs a policy's rules) merge() agrees with merge_in_place on
// success, error and merged bytes. The generators favour what the fast paths special-case: nulls in untouched
// subtrees and inside lists, NaN, repeated keys, merge keys that are numbers, booleans, repeated or missing, and
// lists long enough to be hashed.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "coco-admit/core/json.h"
#include "coco-admit/core/strategic_merge.h"

namespace coco_admit {
namespace {

namespace sm = strategic_merge;

struct gen {
  std::mt19937 rng;
  int odd = 12;  // 1 in `odd` leaves is a null, a NaN or a repeated key

  bool chance(int n) { return rng() % static_cast<unsigned>(n) == 0; }
  std::string word() {
    static const char* words[] = {"a", "b", "c", "app", "x/y", "é", "", "k8s.io/name"};
    return words[rng() % 8];
  }
  value leaf() {
    if (chance(odd)) return chance(2) ? value() : value(std::nan(""));
    switch (rng() % 5) {
      case 0: return value(static_cast<long long>(rng() % 3));
      case 1: return value(static_cast<double>(rng() % 3));
      case 2: return value(chance(2));
      default: return value(word());
    }
  }
  value map(int depth) {
    value m = value::object();
    for (int i = static_cast<int>(rng() % 4); i > 0; --i) {
      std::string k = word();
      value v = depth > 2 || chance(2) ? leaf() : (chance(3) ? list(depth + 1) : map(depth + 1));
      if (chance(odd)) m.as_object().push_back(member{std::move(k), std::move(v)});
      else m.set(k, std::move(v));
    }
    return m;
  }
  value list(int depth) {
    value l = value::array();
    for (int i = static_cast<int>(rng() % 3); i > 0; --i) l.push_back(depth > 2 || chance(2) ? leaf() : map(depth + 1));
    return l;
  }
  // A merge key value: mostly names, sometimes numbers or booleans (compared as text), repeated or absent.
  value key_value(int spread) {
    switch (rng() % 8) {
      case 0: return value(static_cast<long long>(rng() % spread));
      case 1: return value(chance(2));
      case 2: return value(static_cast<double>(rng() % spread) + (chance(2) ? 0.5 : 0.0));
      default: return value("c" + std::to_string(rng() % spread));
    }
  }
  value keyed_list(const char* key, int n, int spread, bool overlay) {
    value l = value::array();
    for (int i = 0; i < n; ++i) {
      if (chance(odd)) {
        l.push_back(chance(2) ? value() : value::object());
        continue;
      }
      value e = overlay ? value::object() : map(2);
      if (!chance(10)) e.set(key, key_value(spread));
      if (chance(3)) {
        value env = value::array();
        for (int j = static_cast<int>(rng() % 3); j > 0; --j) {
          value v = value::object();
          v.set("name", "E" + std::to_string(rng() % 3));
          v.set("value", leaf());
          env.push_back(std::move(v));
        }
        e.set("env", std::move(env));
      }
      if (overlay && chance(8)) e.set("$patch", chance(2) ? "delete" : "replace");
      e.set(word(), leaf());
      l.push_back(std::move(e));
    }
    if (overlay && chance(20)) {
      value d = value::object();
      d.set("$patch", "replace");
      l.push_back(std::move(d));
    }
    return l;
  }
  value pod(bool overlay) {
    value p = value::object();
    if (!overlay) {
      p.set("apiVersion", "v1");
      p.set("kind", "Pod");
    }
    if (!overlay || chance(2)) {
      value md = overlay ? value::object() : map(1);
      if (!overlay || chance(2)) {
        value labels = map(2);
        if (overlay && chance(5)) labels.set("$patch", "replace");  // a map replaced in place
        md.set("labels", std::move(labels));
      }
      if (!overlay && chance(3)) md.set("finalizers", list(2));
      p.set("metadata", std::move(md));
    }
    if (!overlay || chance(2)) {
      value spec = overlay ? value::object() : map(1);
      const bool wide = !overlay && chance(6);
      const int spread = wide ? 40 : 4;
      if (!overlay || chance(2)) {
        spec.set("containers", keyed_list("name", wide ? 30 : static_cast<int>(rng() % 4), spread, overlay));
      }
      if (chance(3)) {
        value ports = value::array();
        for (int i = static_cast<int>(rng() % 3); i > 0; --i) {
          value port = value::object();
          port.set("containerPort", key_value(3));
          port.set("protocol", "TCP");
          ports.push_back(std::move(port));
        }
        value c = value::object();
        c.set("name", "c0");
        c.set("ports", std::move(ports));
        value cs = value::array();
        cs.push_back(std::move(c));
        spec.set("initContainers", std::move(cs));
      }
      if (overlay && chance(4)) spec.set("runtimeClassName", chance(4) ? value() : value(word()));
      p.set("spec", std::move(spec));
    }
    if (overlay && chance(10)) p.set("status", value());
    return p;
  }
};

TEST(StrategicMergeRandom, MergeInPlaceMatchesMergeAlongChains) {
  for (int odd : {4, 12, 1000}) {
    gen g{std::mt19937(static_cast<unsigned>(odd)), odd};
    int changed_seen = 0;
    for (int i = 0; i < 1500; ++i) {
      value plain = g.pod(false);
      for (int step = 0; step < 4; ++step) {
        const value overlay = g.pod(true);
        const std::string before = json::serialize(plain);
        auto merged = sm::merge(plain, overlay);
        auto a = sm::merge_in_place(plain, overlay);
        ASSERT_EQ(a.ok(), merged.ok()) << before << " + " << json::serialize(overlay);
        if (!a.ok()) {
          EXPECT_EQ(a.err().message, merged.err().message);
          continue;
        }
        if (*a) {
          EXPECT_EQ(json::serialize(plain), json::serialize(*merged));
        }
        changed_seen += *a ? 1 : 0;
      }
    }
    EXPECT_GT(changed_seen, 1000) << odd;
  }
}

// resource_state::clean lets the merge skip the scans of untouched subtrees: on every resource the census finds
// clean, it must not change the answer, the changed flag or the bytes. The engine's bookkeeping (a clean resource
// merged with a clean overlay stays clean, so the next merge may skip the census) is checked on every step too.
TEST(StrategicMergeRandom, ACleanResourceMergesTheSameWithoutItsScans) {
  for (int odd : {4, 12, 1000}) {
    gen g{std::mt19937(static_cast<unsigned>(odd) + 7), odd};
    int clean_merges = 0, stayed_clean = 0;
    for (int i = 0; i < 1500; ++i) {
      value hinted = g.pod(false);
      for (int step = 0; step < 4; ++step) {
        const sm::census before = sm::take_census(hinted);
        ASSERT_EQ(sm::is_clean(hinted), before.clean) << json::serialize(hinted);
        if (!before.clean) break;
        const value overlay = g.pod(true);
        value plain = hinted;
        auto want = sm::merge_in_place(plain, overlay);
        auto got = sm::merge_in_place(hinted, overlay, sm::resource_state::clean);
        ++clean_merges;
        ASSERT_EQ(got.ok(), want.ok()) << json::serialize(plain) << " + " << json::serialize(overlay);
        if (!got.ok()) {
          EXPECT_EQ(got.err().message, want.err().message);
          break;
        }
        EXPECT_EQ(*got, *want);
        ASSERT_EQ(json::serialize(hinted), json::serialize(plain));
        if (sm::take_census(overlay).clean) {
          EXPECT_TRUE(sm::take_census(hinted).clean) << json::serialize(overlay);
          ++stayed_clean;
        }
      }
    }
    EXPECT_GT(clean_merges, 500) << odd;
    EXPECT_GT(stayed_clean, 100) << odd;
  }
}

TEST(StrategicMergeRandom, CensusCountsEveryNodeAndFindsNullsAndNan) {
  const auto J = [](const char* text) { return *json::parse(text); };
  EXPECT_EQ(sm::take_census(J(R"({"a":[1,{"b":"c"}],"d":true})")).nodes, 6u);
  EXPECT_TRUE(sm::take_census(J(R"({"a":[1,{"b":"c"}],"d":true})")).clean);
  EXPECT_FALSE(sm::take_census(J(R"({"a":[1,{"b":null}]})")).clean);
  EXPECT_TRUE(sm::is_clean(J(R"({"a":[1,{"b":"c"}],"d":true})")));
  EXPECT_FALSE(sm::is_clean(J(R"({"a":[1,{"b":null}]})")));
  value nan = J(R"({"a":[1]})");
  nan["a"].as_array()[0] = std::nan("");
  EXPECT_FALSE(sm::take_census(nan).clean);
  EXPECT_FALSE(sm::is_clean(nan));
}

// The foreach shape: one element of a long keyed list named per merge, the others (deep, clean) left alone.
TEST(StrategicMergeRandom, OneElementOfALongListMergesTheSameInACleanResource) {
  gen g{std::mt19937(99), 1000};
  for (int i = 0; i < 300; ++i) {
    value pod = g.pod(false);
    value containers = value::array();
    const int n = 1 + static_cast<int>(g.rng() % 40);
    for (int c = 0; c < n; ++c) {
      value e = g.map(2);
      e.set("name", "c" + std::to_string(c));
      containers.push_back(std::move(e));
    }
    pod["spec"]["containers"] = std::move(containers);
    if (!sm::take_census(pod).clean) continue;
    value overlay = value::object();
    value target = value::object();
    target.set("name", "c" + std::to_string(g.rng() % static_cast<unsigned>(n + 2)));  // sometimes a new one
    target.set(g.word(), g.leaf());
    overlay["spec"]["containers"].push_back(std::move(target));
    value plain = pod;
    auto want = sm::merge_in_place(plain, overlay);
    auto got = sm::merge_in_place(pod, overlay, sm::resource_state::clean);
    ASSERT_EQ(got.ok(), want.ok());
    if (!got.ok()) continue;
    EXPECT_EQ(*got, *want);
    EXPECT_EQ(json::serialize(pod), json::serialize(plain));
  }
}

TEST(StrategicMergeRandom, NanReportsAChange) {
  const auto J = [](const char* text) { return *json::parse(text); };
  // A NaN anywhere: the merge reports a change as operator== would.
  value res = J(R"J({"metadata":{"name":"a"},"spec":{"x":1}})J");
  res["spec"]["x"] = std::nan("");
  auto r = sm::merge_in_place(res, J(R"J({"metadata":{"name":"a"}})J"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
}

}  // namespace
}  // namespace coco_admit
