// Condition operators, in the style of Kyverno's pkg/engine/variables/evaluate_test.go
// (TestEvaluate): key and value are JSON, decoded the way Kyverno decodes them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "coco-admit/core/conditions.h"
#include "coco-admit/core/duration.h"
#include "coco-admit/core/quantity.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/semver.h"

namespace coco_admit {
namespace {

struct cond_case {
  const char* key;  // JSON
  const char* op;   // operator name as written in a policy
  const char* val;  // JSON
  bool want;
};

value j(const char* text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? std::move(*v) : value();
}

void run(const std::vector<cond_case>& cases) {
  for (const auto& c : cases) {
    auto o = conditions::parse_operator(c.op);
    ASSERT_TRUE(o.ok()) << c.op;
    auto r = conditions::evaluate(*o, j(c.key), j(c.val));
    ASSERT_TRUE(r.ok()) << r.err().message;
    EXPECT_EQ(*r, c.want) << c.key << " " << c.op << " " << c.val;
  }
}

TEST(Conditions, Equals) {
  run({
      {R"("string")", "Equals", R"("string")", true},
      {R"("string")", "Equal", R"("string1")", false},
      {"1", "Equals", "1", true},
      {"1", "Equals", "2", false},
      {"1.5", "Equals", "1.5", true},
      {"1", "Equals", "1.0", true},
      {"1", "Equals", R"("1")", true},
      {"1", "Equals", R"("1.0")", true},
      {"1", "Equals", R"("x")", false},
      {"true", "Equals", "true", true},
      {"true", "Equals", "false", false},
      {"true", "Equals", R"("true")", false},  // bool is strict
      {R"(["a","b"])", "Equals", R"(["a","b"])", true},
      {R"(["a","b"])", "Equals", R"(["b","a"])", false},
      {R"({"a":"b","c":1})", "Equals", R"({"c":1,"a":"b"})", true},
      {R"({"a":"b"})", "Equals", R"({"a":"c"})", false},
      {R"({"a":"b"})", "Equals", R"("a")", false},
      {"null", "Equals", "null", false},  // nil key: unsupported type
      {"null", "Equals", R"("")", false},
      // wildcards: the value is the pattern
      {R"("nginx:latest")", "Equals", R"("*:latest")", true},
      {R"("*:latest")", "Equals", R"("nginx:latest")", false},
      {R"("kata-qemu-snp")", "Equals", R"("kata-*")", true},
      {R"("abc")", "Equals", R"("a?c")", true},
      // durations (ints are seconds; "0" is not a duration)
      {R"("12s")", "Equals", R"("12s")", true},
      {R"("1h")", "Equals", R"("60m")", true},
      {R"("12s")", "Equals", "12", true},
      {"12", "Equals", R"("12s")", true},
      {"3600", "Equals", R"("1h")", true},
      {R"("1h")", "Equals", R"("3600")", false},
      {R"("1.5s")", "Equals", "1.5", false},  // Go truncates float seconds: 1s
      {R"("1s")", "Equals", "1.5", true},
      // quantities
      {R"("1Gi")", "Equals", R"("1024Mi")", true},
      {R"("10Mi")", "Equals", R"("10240Ki")", true},
      {R"("1.5")", "Equals", R"("1500m")", true},
      {R"("1Gi")", "Equals", R"("1G")", false},
      {R"("1Gi")", "Equals", "1073741824", false},  // quantity key, non-string value
      {R"("10")", "Equals", "10", false},
      {R"("0")", "Equals", "0", false},
      {"0", "Equals", R"("0")", true},
      {R"("1Gi")", "Equals", R"("1*")", false},  // no wildcard fallback for quantities
      {R"("m")", "Equals", R"("0")", true},     // k8s parses "m" as 0
  });
}

TEST(Conditions, NotEquals) {
  run({
      {R"("string")", "NotEquals", R"("string")", false},
      {R"("string")", "NotEquals", R"("other")", true},
      {R"("string")", "NotEqual", R"("str*")", false},
      {"1", "NotEquals", "2", true},
      {"1", "NotEquals", "1", false},
      {"1", "NotEquals", R"("2")", true},
      {"1", "NotEquals", R"("x")", true},  // NotEquals is !Equals (kyverno check-routes)
      {"true", "NotEquals", "false", true},
      {"true", "NotEquals", R"("false")", true},
      {R"("CREATE")", "NotEquals", R"(["DELETE"])", true},
      {"null", "NotEquals", R"("x")", false},
      {R"(["a"])", "NotEquals", R"(["b"])", true},
      {R"(["a"])", "NotEquals", R"("b")", true},
      {R"({"a":1})", "NotEquals", R"({"a":1})", false},
      {"null", "NotEquals", R"("x")", false},
      {R"("12s")", "NotEquals", "12", false},
      {R"("12s")", "NotEquals", R"("13s")", true},
      {R"("1Gi")", "NotEquals", R"("1024Mi")", false},
      {R"("1Gi")", "NotEquals", R"("2Gi")", true},
      {R"("1Gi")", "NotEquals", R"("abc")", true},
  });
}

TEST(Conditions, InFamily) {
  run({
      // scalar key, list value (wildcards both directions, elements stringified)
      {R"("a")", "AnyIn", R"(["a","b"])", true},
      {R"("c")", "AnyIn", R"(["a","b"])", false},
      {R"("abc")", "AnyIn", R"(["a*"])", true},
      {R"("a*")", "AnyIn", R"(["abc"])", true},
      {"1", "AnyIn", "[1,2]", true},
      {"1", "AnyIn", R"(["1","2"])", true},
      {"true", "AllIn", R"(["true"])", true},
      {R"("c")", "AnyNotIn", R"(["a","b"])", true},
      {R"("a")", "AllNotIn", R"(["a","b"])", false},
      // scalar key, string value: wildcard, then JSON array of strings (exact), else invalid => false
      {R"("abc")", "AnyIn", R"("a*")", true},
      {R"("a")", "AnyIn", R"("[\"a\",\"b\"]")", true},
      {R"("a*")", "AnyIn", R"("[\"abc\"]")", false},
      {R"("foo")", "AnyIn", R"("bar")", false},
      {R"("foo")", "AnyNotIn", R"("bar")", false},  // not a JSON array: invalid type
      {R"("foo")", "AnyNotIn", R"("[\"bar\"]")", true},
      {R"("foo")", "AnyIn", "1", false},
      // list key
      {R"(["a","b"])", "AnyIn", R"(["a"])", true},
      {R"(["a","b"])", "AllIn", R"(["a"])", false},
      {R"(["a","b"])", "AllIn", R"(["a","b","c"])", true},
      {R"(["a","b"])", "AllIn", R"(["*"])", true},
      {R"(["a*"])", "AllIn", R"(["abc"])", true},
      {R"(["a","b"])", "AnyNotIn", R"(["a"])", true},
      {R"(["a","b"])", "AnyNotIn", R"(["a","b"])", false},
      {R"(["a","b"])", "AllNotIn", R"(["c"])", true},
      {R"(["a","b"])", "AllNotIn", R"(["b","c"])", false},
      {R"(["a"])", "AnyIn", R"("a")", true},
      {R"(["a"])", "AnyNotIn", R"("a")", false},
      {R"(["a","b"])", "AllIn", R"("[\"a\",\"b*\"]")", true},
      {R"(["a","b"])", "AnyIn", R"("a")", false},  // "a" is not a JSON array
      {"[]", "AnyIn", R"(["a"])", false},
      {"[]", "AllIn", R"(["a"])", true},
      {"[]", "AllNotIn", R"(["a"])", true},
      {"[80,443]", "AllIn", "[80,443,8080]", true},
      {"[80,444]", "AllIn", "[80,443,8080]", false},
      {"[80,443]", "AnyNotIn", R"(["80","443"])", false},
      // numbers are float64 in Kyverno's conditions: fmt.Sprint(1e6) == "1e+06"
      {"1000000", "AnyIn", R"(["1000000"])", false},
      {"1000000", "AnyIn", R"(["1e+06"])", true},
      {"0.5", "AnyIn", R"(["0.5"])", true},
      {R"({"a":1})", "AnyIn", R"(["a"])", false},
      {"null", "AnyIn", R"(["<nil>"])", false},
      // ranges
      {"5", "AnyIn", R"("1-10")", true},
      {"5", "AnyIn", R"("6-10")", false},
      {"10", "AnyIn", R"("1-10")", true},
      {"5", "AnyIn", R"("1!-10")", false},
      {"15", "AnyIn", R"("1!-10")", true},
      {"-5", "AnyIn", R"("-10-0")", true},
      {"1.5", "AnyIn", R"("1.0-2.0")", true},
      {R"("5")", "AnyIn", R"("1-10")", true},
      {R"("x")", "AnyIn", R"("1-10")", false},
      {"5", "AnyNotIn", R"("1-10")", false},
      {"15", "AllNotIn", R"("1-10")", true},
      {"[1,5]", "AllIn", R"("1-10")", true},
      {"[1,15]", "AllIn", R"("1-10")", false},
      {"[1,15]", "AnyIn", R"("1-10")", true},
      {"[1,15]", "AnyNotIn", R"("1-10")", true},
      {"[11,15]", "AllNotIn", R"("1-10")", true},
      {"[8080]", "AnyIn", R"(["80","8000-9000"])", true},
      // In / NotIn (deprecated): scalar membership, list subset (exact)
      {R"("1")", "In", R"(["1","2"])", true},
      {R"("3")", "In", R"(["1","2"])", false},
      {R"("a")", "In", R"("[\"a\",\"b\"]")", true},
      {R"(["1","2"])", "In", R"(["1","2","3"])", true},
      {R"(["1","4"])", "In", R"(["1","2","3"])", false},
      {R"(["a*"])", "In", R"(["abc"])", false},
      {R"("3")", "NotIn", R"(["1","2"])", true},
      {R"("1")", "NotIn", R"(["1","2"])", false},
      {R"(["1","4"])", "NotIn", R"(["1","2","3"])", true},
      {R"(["1","2"])", "NotIn", R"(["1","2","3"])", false},
      {"5", "In", R"("1-10")", false},  // no ranges in the deprecated operators
  });
}

// List keys against list values: plain strings are hashed, wildcards and
// ranges compared one by one. The result must be what comparing every pair
// gives (checked here against that definition on random small lists), and
// the one-by-one work is bounded.
TEST(Conditions, SetOperatorsOnListsMatchPairwiseDefinition) {
  const std::vector<std::string> atoms = {"a", "b", "ab", "a*", "*b", "?", "1", "2", "1-3", "5!-9", "", "*"};
  auto pairwise = [](const std::vector<std::string>& keys, const std::vector<std::string>& vals, bool wild) {
    std::size_t found = 0;
    for (const auto& k : keys) {
      bool hit = false;
      for (const auto& v : vals) {
        // AnyIn & co. match a pair as a scalar AnyIn does (wildcards both ways,
        // ranges); the deprecated In of a list is exact (sets.HasAll).
        if (!wild) {
          hit = hit || k == v;
          continue;
        }
        auto r = conditions::evaluate(conditions::op::any_in, value(k), value(value::array_t{value(v)}));
        if (r.ok() && *r) hit = true;
      }
      found += hit ? 1 : 0;
    }
    return found;
  };
  std::uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::string> keys, vals;
    for (std::uint32_t i = 0, n = next() % 5 + 1; i < n; ++i) keys.push_back(atoms[next() % atoms.size()]);
    for (std::uint32_t i = 0, n = next() % 5; i < n; ++i) vals.push_back(atoms[next() % atoms.size()]);
    value key = value::array(), val = value::array();
    for (const auto& k : keys) key.push_back(value(k));
    for (const auto& v : vals) val.push_back(value(v));
    for (bool wild : {true, false}) {
      const std::size_t found = pairwise(keys, vals, wild);
      auto any = conditions::evaluate(wild ? conditions::op::any_in : conditions::op::in, key, val);
      auto all_not = conditions::evaluate(wild ? conditions::op::all_not_in : conditions::op::not_in, key, val);
      ASSERT_TRUE(any.ok() && all_not.ok());
      EXPECT_EQ(*any, wild ? found > 0 : found == keys.size()) << json::serialize(key) << " " << json::serialize(val);
      EXPECT_EQ(*all_not, wild ? found == 0 : found != keys.size()) << json::serialize(key) << " " << json::serialize(val);
    }
  }
}

TEST(Conditions, LargeListsAreHashedAndWildcardWorkIsBounded) {
  value keys = value::array(), vals = value::array();
  for (int i = 0; i < 100000; ++i) {
    keys.push_back(value("image-" + std::to_string(i)));
    vals.push_back(value("image-" + std::to_string(i + 50000)));
  }
  auto all_in = conditions::evaluate(conditions::op::all_in, keys, vals);
  ASSERT_TRUE(all_in.ok()) << all_in.err().message;
  EXPECT_FALSE(*all_in);
  auto any_in = conditions::evaluate(conditions::op::any_in, keys, vals);
  ASSERT_TRUE(any_in.ok());
  EXPECT_TRUE(*any_in);
  // Wildcards on the value side must be compared with every key.
  value wild = value::array();
  for (int i = 0; i < 100000; ++i) wild.push_back(value("registry-" + std::to_string(i) + "/*"));
  auto r = conditions::evaluate(conditions::op::any_in, keys, wild);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, error::kind::budget);
  EXPECT_NE(r.err().message.find("AnyIn would compare 100000 keys with 100000 values"), std::string::npos)
      << r.err().message;
}

TEST(Conditions, NumericFamily) {
  run({
      {"10", "GreaterThan", "5", true},
      {"5", "GreaterThan", "10", false},
      {"5", "GreaterThan", "5", false},
      {"5", "GreaterThanOrEquals", "5", true},
      {"-5", "GreaterThan", "1", false},
      {"1.5", "GreaterThan", "1", true},
      {"10", "GreaterThan", R"("5")", true},
      {"10", "GreaterThan", R"("x")", false},
      {R"("10")", "GreaterThan", R"("5")", true},
      {R"("1.5")", "GreaterThan", "1", true},
      {R"("1.1")", "GreaterThan", "1.2", true},  // Kyverno truncates the number: NewQuantity(int64(1.2))
      {R"("1Gi")", "GreaterThan", R"("1Mi")", true},
      {R"("512Mi")", "LessThan", R"("1Gi")", true},
      {R"("2")", "GreaterThan", R"("1500m")", true},
      {R"("1Gi")", "LessThanOrEquals", R"("1024Mi")", true},
      {R"("1Gi")", "LessThan", R"("abc")", false},
      {R"("10h")", "GreaterThan", R"("5h")", true},
      {R"("1h")", "GreaterThan", "60", true},
      {"10", "GreaterThan", R"("5s")", true},
      {R"("30m")", "LessThan", R"("1h")", true},
      {R"("1.1.1")", "GreaterThan", R"("1.0.0")", true},
      {R"("1.10.0")", "GreaterThan", R"("1.9.0")", true},
      {R"("1.0.0-rc.1")", "LessThan", R"("1.0.0")", true},
      {R"("1.0.0")", "GreaterThanOrEquals", R"("1.0.0+build")", true},
      {R"("1.1.1")", "GreaterThan", "1", false},
      {R"("v1.1.1")", "GreaterThan", R"("v1.0.0")", false},  // no v prefix in blang/semver
      {R"("abc")", "GreaterThan", R"("abb")", false},
      {"true", "GreaterThan", "false", false},
      {"null", "LessThan", "1", false},
      {"5", "LessThan", "10", true},
      {"10", "LessThanOrEquals", "10", true},
  });
}

TEST(Conditions, DeprecatedDurationOperators) {
  run({
      {R"("1h")", "DurationGreaterThan", R"("30m")", true},
      {R"("1h")", "DurationGreaterThanOrEquals", R"("60m")", true},
      {R"("1h")", "DurationLessThan", R"("30m")", false},
      {"3600", "DurationLessThanOrEquals", R"("1h")", true},
      {R"("10s")", "DurationGreaterThan", "5", true},
      {R"("0")", "DurationLessThan", R"("1s")", true},
      {R"("x")", "DurationLessThan", R"("1s")", false},
      {"true", "DurationLessThan", R"("1s")", false},
  });
}

TEST(Conditions, ParseOperator) {
  EXPECT_EQ(*conditions::parse_operator("equals"), conditions::op::equals);
  EXPECT_EQ(*conditions::parse_operator("EQUAL"), conditions::op::equals);
  EXPECT_EQ(*conditions::parse_operator("notequal"), conditions::op::not_equals);
  EXPECT_EQ(*conditions::parse_operator("anynotin"), conditions::op::any_not_in);
  EXPECT_EQ(*conditions::parse_operator("DurationLessThanOrEquals"), conditions::op::duration_less_than_or_equals);
  auto bad = conditions::parse_operator("Contains");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.err().message.find("\"Contains\""), std::string::npos);
  EXPECT_NE(bad.err().message.find("AnyNotIn"), std::string::npos);
  for (int i = 0; i <= static_cast<int>(conditions::op::duration_less_than_or_equals); ++i) {
    auto o = static_cast<conditions::op>(i);
    auto back = conditions::parse_operator(conditions::operator_name(o));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, o);
  }
}

TEST(Semver, ParseCompareAndRanges) {
  struct cmp {
    const char* a;
    const char* b;
    int want;
  };
  for (const auto& c : std::vector<cmp>{{"1.0.0", "1.0.0", 0},         {"1.0.0", "1.0.1", -1},
                                        {"2.0.0", "1.9.9", 1},         {"1.0.0-alpha", "1.0.0", -1},
                                        {"1.0.0-alpha", "1.0.0-alpha.1", -1}, {"1.0.0-alpha.1", "1.0.0-alpha.beta", -1},
                                        {"1.0.0-beta.2", "1.0.0-beta.11", -1}, {"1.0.0-rc.1", "1.0.0-beta.11", 1},
                                        {"1.0.0+build.1", "1.0.0+build.2", 0}}) {
    auto a = semver::parse(c.a), b = semver::parse(c.b);
    ASSERT_TRUE(a.ok() && b.ok()) << c.a << " " << c.b;
    EXPECT_EQ(semver::compare(*a, *b), c.want) << c.a << " vs " << c.b;
  }
  for (const char* bad : {"", "1", "1.0", "v1.0.0", "01.0.0", "1.0.0-01", "1.0.0-", "1.0.0+", "1.0.0-a_b", "1.a.0"}) {
    EXPECT_FALSE(semver::parse(bad).ok()) << bad;
  }
  EXPECT_EQ(semver::to_string(*semver::parse("1.2.3-rc.1+b.5")), "1.2.3-rc.1+b.5");
  struct rng {
    const char* version;
    const char* range;
    bool want;
  };
  for (const auto& c : std::vector<rng>{{"1.2.3", ">1.0.0", true},
                                        {"1.2.3", ">1.0.0 <1.2.0", false},
                                        {"1.2.3", "<1.0.0 || >=1.2.0", true},
                                        {"1.2.3", "1.2.x", true},
                                        {"1.3.0", "1.2.x", false},
                                        {"4.1.3", ">=4.1.x", true},
                                        {"1.9.0", "<=1.x", true},
                                        {"2.0.0", "<=1.x", false},
                                        {"2.0.0", ">1.x", true},
                                        {"1.2.3", "!=1.2.3", false},
                                        {"1.2.3", "> 1.2.2", true},
                                        {"1.2.3", "1.2.3", true},
                                        {"1.2.4", "!1.2.x", false}}) {
    auto r = semver::parse_range(c.range);
    ASSERT_TRUE(r.ok()) << c.range << ": " << r.err().message;
    EXPECT_EQ(r->contains(*semver::parse(c.version)), c.want) << c.version << " in " << c.range;
  }
  for (const char* bad : {"", "|| 1.0.0", "1.0.0 ||", "~1.0.0", ">=abc"}) {
    EXPECT_FALSE(semver::parse_range(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace coco_admit

// conditions.cc skips parse_go_duration and parse_quantity for texts that
// cannot parse (no digit; a byte outside a quantity's alphabet). That is only
// a shortcut if no text those tests reject ever parses: check it on random
// texts over the parsers' own alphabets plus a few bytes outside them.
TEST(Conditions, ParseShortcutsRejectOnlyUnparseableTexts) {
  const std::string alphabet = "0123456789+-.eEinumkKMGTPhs \xC2\xB5\xCE\xBC" "abxyz_:/";
  std::uint64_t seed = 0x9E3779B97F4A7C15ull;
  auto next = [&] {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
  };
  std::size_t durations = 0, quantities = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string s;
    const std::size_t len = next() % 7;
    for (std::size_t j = 0; j < len; ++j) s.push_back(alphabet[next() % alphabet.size()]);
    if (coco_admit::parse_go_duration(s).ok()) {
      ++durations;
      EXPECT_NE(s.find_first_of("0123456789"), std::string::npos) << s;
    }
    if (coco_admit::parse_quantity(s).ok()) {
      ++quantities;
      EXPECT_FALSE(s.empty());
      EXPECT_EQ(s.find_first_not_of("+-.0123456789eEinumkKMGTP"), std::string::npos) << s;
    }
  }
  // The random texts must exercise both parsers' success paths.
  EXPECT_GT(durations, 100u);
  EXPECT_GT(quantities, 100u);
}
