// json_patch::diff and diff_serialized against the straightforward algorithm they replaced (compare, then descend
// into what differs, members looked up by key), on random documents that include what the single-walk diff treats
// specially: objects repeating a key, NaN (unequal to itself), 1 vs 1.0, objects past member_index's hashing
// threshold, reordered members and deep nesting.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "coco-admit/core/json.h"
#include "coco-admit/core/json_patch.h"
#include "reference_diff.h"

namespace coco_admit {
namespace {

namespace jp = json_patch;

using testing::reference_diff;

struct gen {
  std::mt19937 rng;
  bool dups;

  std::string key() {
    static const char* keys[] = {"a", "b", "name", "a/b", "~", "~1/~0", "kubernetes.io/x", "", "-", "0", "é"};
    return keys[rng() % 11];
  }
  value scalar() {
    switch (rng() % 7) {
      case 0: return value(static_cast<long long>(rng() % 3));
      case 1: return value(static_cast<double>(rng() % 3));  // 1.0 == 1
      case 2: return rng() % 4 == 0 ? value(std::nan("")) : value(0.5);
      case 3: return value(key());
      case 4: return value(rng() % 2 == 0);
      default: return value();
    }
  }
  value doc(int depth) {
    const unsigned pick = rng() % (depth > 3 ? 2 : 5);
    if (pick < 2) return scalar();
    if (pick == 2) {
      value arr = value::array();
      for (int i = static_cast<int>(rng() % 6); i > 0; --i) arr.push_back(doc(depth + 1));
      return arr;
    }
    value obj = value::object();
    // Sometimes wide enough for member_index to hash.
    const int n = rng() % 16 == 0 ? 40 : static_cast<int>(rng() % 6);
    for (int i = 0; i < n; ++i) {
      std::string k = n > 11 ? "k" + std::to_string(i) : key();
      if (dups && rng() % 3 == 0) obj.as_object().push_back(member{std::move(k), doc(depth + 1)});
      else obj.set(k, doc(depth + 1));
    }
    // A twin of an earlier member, value and all: operator== then pairs members in ways only the reference
    // algorithm reproduces (it is not even symmetric).
    if (dups && obj.size() > 0 && rng() % 2 == 0) {
      const member twin = obj.as_object()[rng() % obj.size()];
      obj.as_object().insert(obj.as_object().begin() + static_cast<long>(rng() % (obj.size() + 1)), twin);
    }
    return obj;
  }
  // Small edits, so most of the tree stays equal (the case the merge produces).
  void edit(value& v, int depth) {
    if (v.is_object() && v.size() > 0) {
      auto& mem = v.as_object();
      switch (rng() % 6) {
        case 0: mem[rng() % mem.size()].val = doc(depth + 1); break;
        case 1: mem.erase(mem.begin() + static_cast<long>(rng() % mem.size())); break;
        case 2: mem.push_back(member{key(), doc(depth + 1)}); break;
        case 3: std::swap(mem[0], mem[rng() % mem.size()]); break;
        default: edit(mem[rng() % mem.size()].val, depth + 1);
      }
      return;
    }
    if (v.is_array() && v.size() > 0) {
      auto& arr = v.as_array();
      switch (rng() % 4) {
        case 0: arr[rng() % arr.size()] = doc(depth + 1); break;
        case 1: arr.pop_back(); break;
        case 2: arr.push_back(doc(depth + 1)); break;
        default: edit(arr[rng() % arr.size()], depth + 1);
      }
      return;
    }
    v = doc(depth);
  }
};

TEST(JsonPatchDiff, MatchesTheReferenceOnRandomDocuments) {
  for (bool dups : {false, true}) {
    gen g{std::mt19937(dups ? 7 : 3), dups};
    int nonempty = 0;
    for (int i = 0; i < 6000; ++i) {
      const value before = g.doc(0);
      value after = before;
      for (int e = static_cast<int>(g.rng() % 3); e >= 0; --e) g.edit(after, 0);
      if (g.rng() % 10 == 0) after = before;  // equal documents (unless NaN)
      const auto want = jp::serialize(reference_diff(before, after));
      const auto got = jp::diff(before, after);
      ASSERT_EQ(jp::serialize(got), want) << json::serialize(before) << " -> " << json::serialize(after);
      std::string text = "prefix";
      const std::size_t n = jp::diff_serialized(before, after, text);
      ASSERT_EQ(n, got.size());
      ASSERT_EQ(text, got.empty() ? std::string("prefix") : "prefix" + want);
      nonempty += got.empty() ? 0 : 1;
    }
    EXPECT_GT(nonempty, 3000) << dups;
  }
}

TEST(JsonPatchDiff, EdgeCases) {
  struct diff_case {
    const char* name;
    value before, after;
  };
  auto obj = [](std::vector<std::pair<std::string, value>> members) {
    value o = value::object();
    for (auto& [k, v] : members) o.as_object().push_back(member{k, std::move(v)});
    return o;
  };
  const value nan(std::nan(""));
  const diff_case cases[] = {
      {"equal", obj({{"a", 1}, {"b", "x"}}), obj({{"a", 1}, {"b", "x"}})},
      {"int vs double", obj({{"a", 1}}), obj({{"a", 1.0}})},
      {"nan", obj({{"a", nan}}), obj({{"a", nan}})},
      {"nan in array", value::array_t{nan, 1}, value::array_t{nan, 1}},
      {"reordered", obj({{"a", 1}, {"b", 2}}), obj({{"b", 2}, {"a", 1}})},
      {"reordered and changed", obj({{"a", 1}, {"b", 2}, {"c", 3}}), obj({{"c", 4}, {"b", 2}, {"a", 1}})},
      // Repeated keys: operator== calls these equal, the lookups pair members with the first twin.
      {"dup equal by lookup", obj({{"x", 1}, {"x", 1}}), obj({{"x", 1}, {"y", 2}})},
      {"dup differ", obj({{"x", 1}, {"x", 1}}), obj({{"x", 1}, {"x", 2}})},
      {"dup in after", obj({{"x", 1}}), obj({{"x", 1}, {"x", 2}})},
      // b == a but a != b: members compare b-first, the top level a-first.
      {"dup asymmetric nested", obj({{"n", obj({{"k", 1}, {"k", 1}})}, {"z", 1}}), obj({{"n", obj({{"k", 1}, {"b", 0}})}, {"z", 2}})},
      {"dup asymmetric top", obj({{"k", 1}, {"k", 1}}), obj({{"k", 1}, {"b", 0}})},
      {"dup asymmetric below equal", obj({{"n", obj({{"m", obj({{"k", 1}, {"k", 1}})}})}}),
       obj({{"n", obj({{"m", obj({{"k", 1}, {"b", 0}})}})}})},
      {"dup late", obj({{"a", obj({{"q", 1}})}, {"b", 1}, {"b", 2}}), obj({{"a", obj({{"q", 2}})}, {"b", 1}})},
      {"kind change", obj({{"a", obj({})}}), obj({{"a", value::array()}})},
      {"scalar root", value(1), value("1")},
      {"empty", obj({}), obj({{"a", value()}})},
      {"escaped keys", obj({{"a/b", 1}, {"~0", 1}}), obj({{"a/b", 2}, {"~0", 2}, {"~1/", 3}})},
      {"unicode keys", obj({{"é", 1}, {"日本", 1}}), obj({{"é", 1}, {"日本", 2}})},
  };
  for (const diff_case& c : cases) {
    const auto want = jp::serialize(reference_diff(c.before, c.after));
    EXPECT_EQ(jp::serialize(jp::diff(c.before, c.after)), want) << c.name;
    std::string text;
    const std::size_t n = jp::diff_serialized(c.before, c.after, text);
    EXPECT_EQ(text, n == 0 ? "" : want) << c.name;
  }
}

TEST(JsonPatchDiff, DeeperThanTheLimitMatchesTheReference) {
  for (const char* leaf : {R"({"x":[3],"y":1})", R"({"x":[1,2],"y":1})"}) {
    auto deep = [](value v) {
      for (int i = 0; i < 300; ++i) {
        value wrap = value::object();
        wrap.set(i % 2 == 0 ? "k" : "a/~b", std::move(v));
        if (i % 7 == 0) wrap.set("same", i);
        v = std::move(wrap);
      }
      return v;
    };
    const value before = deep(*json::parse(R"({"x":[1,2],"y":1})"));
    const value after = deep(*json::parse(leaf));
    const auto want = jp::serialize(reference_diff(before, after));
    EXPECT_EQ(jp::serialize(jp::diff(before, after)), want);
    std::string text;
    jp::diff_serialized(before, after, text);
    EXPECT_EQ(text, want == "[]" ? "" : want);
  }
}

}  // namespace
}  // namespace coco_admit
