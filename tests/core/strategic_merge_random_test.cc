// Randomized checks of strategic_merge::merge_in_place on Pod-shaped resources (so the schema's merge-keyed lists
// are in play): the `clean` overload gives the same bytes, change flags and errors as the plain one along a chain
// of merges (as the engine runs a policy's rules), `clean` is only ever reported for a resource without null or
// NaN, and merge() agrees with merge_in_place. The generators favour what the fast paths special-case: nulls in
// untouched subtrees and inside lists, NaN, repeated keys, merge keys that are numbers, booleans, repeated or
// missing, and lists long enough to be hashed. The change_set the merges fill gives the same diff as a full one.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "coco-admit/core/json.h"
#include "coco-admit/core/json_patch.h"
#include "coco-admit/core/strategic_merge.h"

namespace coco_admit {
namespace {

namespace sm = strategic_merge;

bool has_null_or_nan(const value& v) {
  if (v.is_null()) return true;
  if (v.is_double() && std::isnan(v.as_double())) return true;
  if (v.is_array()) {
    for (const value& e : v.as_array()) {
      if (has_null_or_nan(e)) return true;
    }
  }
  if (v.is_object()) {
    for (const member& m : v.as_object()) {
      if (has_null_or_nan(m.val)) return true;
    }
  }
  return false;
}

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

TEST(StrategicMergeRandom, CleanOverloadMatchesThePlainOneAlongChains) {
  for (int odd : {4, 12, 1000}) {
    gen g{std::mt19937(static_cast<unsigned>(odd)), odd};
    int clean_seen = 0, changed_seen = 0;
    for (int i = 0; i < 1500; ++i) {
      value plain = g.pod(false);
      value tracked = plain;
      bool clean = false;
      for (int step = 0; step < 4; ++step) {
        const value overlay = g.pod(true);
        const std::string before = json::serialize(plain);
        auto merged = sm::merge(plain, overlay);
        auto a = sm::merge_in_place(plain, overlay);
        const bool was_clean = clean;
        auto b = sm::merge_in_place(tracked, overlay, clean);
        ASSERT_EQ(a.ok(), b.ok()) << before << " + " << json::serialize(overlay);
        ASSERT_EQ(a.ok(), merged.ok());
        if (!a.ok()) {
          EXPECT_EQ(a.err().message, b.err().message);
          EXPECT_EQ(clean, was_clean);  // untouched on error
          continue;
        }
        ASSERT_EQ(*a, *b) << before << " + " << json::serialize(overlay);
        ASSERT_EQ(json::serialize(plain), json::serialize(tracked)) << before << " + " << json::serialize(overlay);
        if (*a) {
          EXPECT_EQ(json::serialize(plain), json::serialize(*merged));
        }
        if (clean) {
          ASSERT_FALSE(has_null_or_nan(tracked)) << json::serialize(tracked);
        }
        clean_seen += clean ? 1 : 0;
        changed_seen += *a ? 1 : 0;
      }
    }
    EXPECT_GT(clean_seen, 100) << odd;
    EXPECT_GT(changed_seen, 1000) << odd;
  }
}

bool has_nan(const value& v) {
  if (v.is_double()) return std::isnan(v.as_double());
  if (v.is_array()) {
    for (const value& e : v.as_array()) {
      if (has_nan(e)) return true;
    }
  }
  if (v.is_object()) {
    for (const member& m : v.as_object()) {
      if (has_nan(m.val)) return true;
    }
  }
  return false;
}

TEST(StrategicMergeRandom, ChangeSetDiffMatchesTheFullDiff) {
  for (int odd : {4, 12, 1000}) {
    gen g{std::mt19937(static_cast<unsigned>(odd) + 100), odd};
    int nonempty = 0;
    for (int i = 0; i < 1500; ++i) {
      const value original = g.pod(false);
      value res = original;
      bool clean = false;
      json_patch::change_set changed;
      for (int step = static_cast<int>(g.rng() % 4); step >= 0; --step) {
        const value overlay = g.pod(true);
        (void)sm::merge_in_place(res, overlay, clean, changed);
      }
      // A NaN the merges did not reach is where the two may differ (diff() replaces it: NaN != NaN).
      if (has_nan(original)) continue;
      const std::string want = json_patch::serialize(json_patch::diff(original, res));
      ASSERT_EQ(json_patch::serialize(json_patch::diff(original, res, changed)), want) << json::serialize(original);
      std::string text;
      json_patch::diff_serialized(original, res, changed, text);
      ASSERT_EQ(text, want == "[]" ? "" : want);
      if (changed.empty()) {
        ASSERT_EQ(want, "[]");
      }
      nonempty += want == "[]" ? 0 : 1;
    }
    EXPECT_GT(nonempty, 300) << odd;
  }
}

TEST(StrategicMergeRandom, ChangeSetMarksWhatTheMergeTouched) {
  const auto J = [](const char* text) { return *json::parse(text); };
  value res = J(R"J({"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","labels":{"x":"1"}},
                     "spec":{"containers":[{"name":"c","image":"i"}],"dnsPolicy":"x"},"status":{}})J");
  bool clean = false;
  json_patch::change_set changed;
  auto r = sm::merge_in_place(res, J(R"J({"metadata":{"labels":{"y":"2"}}})J"), clean, changed);
  ASSERT_TRUE(r.ok() && *r);
  ASSERT_FALSE(changed.all);
  ASSERT_EQ(changed.members.size(), 1u);
  const json_patch::change_set* labels = changed.find("metadata")->find("labels");
  ASSERT_NE(labels, nullptr);
  EXPECT_FALSE(labels->all);
  EXPECT_TRUE(labels->find("y")->all);
  EXPECT_EQ(labels->find("x"), nullptr);
  // A merge that changes nothing marks nothing.
  json_patch::change_set none;
  r = sm::merge_in_place(res, J(R"J({"metadata":{"labels":{"y":"2"}},"spec":{"dnsPolicy":"x"}})J"), clean, none);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  EXPECT_TRUE(none.empty());
  // A keyed list is rebuilt: marked whole.
  r = sm::merge_in_place(res, J(R"J({"spec":{"containers":[{"name":"c","image":"j"}]}})J"), clean, changed);
  ASSERT_TRUE(r.ok() && *r);
  EXPECT_TRUE(changed.find("spec")->find("containers")->all);
  EXPECT_EQ(changed.find("spec")->find("dnsPolicy"), nullptr);
}

TEST(StrategicMergeRandom, CleanIsLearnedAndLost) {
  const auto J = [](const char* text) { return *json::parse(text); };
  struct clean_case {
    const char* name;
    const char* resource;
    const char* overlay;
    bool clean;  // reported after a merge that started from "unknown"
  };
  const clean_case cases[] = {
      {"plain", R"J({"kind":"Pod","apiVersion":"v1","metadata":{"name":"a"}})J", R"J({"metadata":{"labels":{"x":"1"}}})J", true},
      {"null stripped", R"J({"metadata":{"name":null}})J", R"J({"spec":{"a":1}})J", true},
      {"null kept in a list", R"J({"spec":{"args":["a",null]}})J", R"J({"metadata":{"name":"a"}})J", false},
      {"null copied from the overlay", R"J({"spec":{}})J", R"J({"spec":{"args":[null]}})J", false},
      {"null in a list replaced", R"J({"spec":{"args":[null]}})J", R"J({"spec":{"args":["a"]}})J", true},
      {"null in a keyed element",
       R"J({"kind":"Pod","apiVersion":"v1","spec":{"containers":[{"name":"c","image":null}]}})J",
       R"J({"spec":{"containers":[{"name":"c","env":[{"name":"E","value":"1"}]}]}})J", true},
      {"null element of a keyed list", R"J({"kind":"Pod","apiVersion":"v1","spec":{"containers":[{"name":"c"},null]}})J",
       R"J({"spec":{"containers":[{"name":"d"}]}})J", true},
  };
  for (const clean_case& c : cases) {
    value res = J(c.resource);
    bool clean = false;
    auto r = sm::merge_in_place(res, J(c.overlay), clean);
    ASSERT_TRUE(r.ok()) << c.name << ": " << r.err().message;
    EXPECT_EQ(clean, c.clean) << c.name << ": " << json::serialize(res);
    if (clean) {
      EXPECT_FALSE(has_null_or_nan(res)) << c.name;
    }
  }
  // A NaN anywhere: never clean, and the merge reports a change as operator== would.
  value res = J(R"J({"metadata":{"name":"a"},"spec":{"x":1}})J");
  res["spec"]["x"] = std::nan("");
  bool clean = false;
  auto r = sm::merge_in_place(res, J(R"J({"metadata":{"name":"a"}})J"), clean);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  EXPECT_FALSE(clean);
}

}  // namespace
}  // namespace coco_admit
