#include <gtest/gtest.h>

#include <charconv>
#include <cstring>
#include <fstream>

#include "coco-admit/core/json.h"
#include "coco-admit/core/member_index.h"
#include "coco-admit/core/yaml.h"

using namespace coco_admit;

TEST(Json, RoundTripKeepsOrderAndTypes) {
  auto v = json::parse(R"({"b":1,"a":[true,null,1.5,"x\n"],"c":{"d":-3}})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(json::serialize(*v), R"({"b":1,"a":[true,null,1.5,"x\n"],"c":{"d":-3}})");
  EXPECT_TRUE(v->find("b")->is_integer());
  EXPECT_TRUE(v->find("a")->as_array()[2].is_double());
}

TEST(Json, GoNumberFormatting) {
  std::string s;
  json::append_number(3.0, s);
  EXPECT_EQ(s, "3");
  s.clear();
  json::append_number(1e-7, s);
  EXPECT_EQ(s, "1e-7");
  s.clear();
  json::append_number(1e21, s);
  EXPECT_EQ(s, "1e+21");
}

TEST(Json, ErrorsAreValues) {
  auto v = json::parse("{\"a\":");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.err().message.find("invalid JSON"), std::string::npos);
}

// Each refusal names its place: simdjson's reason, then where (line and byte column, from 1).
TEST(Json, ErrorsNameTheLineAndColumn) {
  const struct {
    std::string text;
    std::string place;
  } cases[] = {
      {R"({"a": 1, })", " at line 1, column 10:"},                  // the '}' where a key should be
      {"{\n  \"a\": [1, 2,, 3]\n}", " at line 2, column 14:"},    // the second ','
      {"{\"a\":\n   tru}", " at line 2, column 4:"},               // the atom
      {R"({"a": 01})", " at line 1, column 7:"},                    // the number
      {R"({"a": 1} x)", " at line 1, column 10:"},                  // text after the document
      {R"({"a" 1})", " at line 1, column 6:"},                      // a value where ':' belongs
      {R"({"a": "x\q"})", " at line 1, column 9:"},                 // the escape, not the string's end
      {R"({"a": "\uD800x"})", " at line 1, column 8:"},             // a surrogate without its pair
      {"{\"a\": \"\xff\"}", " at line 1, column 8:"},            // not UTF-8
      {"{\"a\": \"a\tb\"}", " at line 1, column 9:"},             // a control character in a string
      {"{\"a\": [\"b\", \"c}", " at line 1, column 13:"},          // where the unclosed string opens
      {"{\"a\": [1,\n 2", " at line 2, column 2:"},  // cut short after a value: that value
      {"{\"a\":\n", " at line 2, column 1 (the end of the text):"},  // cut short after a key
  };
  for (const auto& c : cases) {
    auto v = json::parse(c.text);
    ASSERT_FALSE(v.ok()) << c.text;
    EXPECT_NE(v.err().message.find(c.place), std::string::npos) << c.text << " -> " << v.err().message;
    EXPECT_EQ(v.err().message.rfind("invalid JSON at line ", 0), 0u) << v.err().message;
  }
  // Nothing to point at: the message says what, without a place.
  auto empty = json::parse("   ");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.err().message.find(" at line "), std::string::npos) << empty.err().message;
}

// Integer literals simdjson cannot hold (outside [-2^63, 2^64)) are valid JSON, and Kubernetes (apimachinery's JSON
// decoding, which Kyverno's objects go through) reads an integer that int64 cannot hold as a float64: so do we. The
// numbers are then written as Go writes a float64 (strconv 'f' with the shortest digits under 1e21). The expected
// texts are Go 1.19's json.Marshal of the same float64s; integers that fit int64 stay integers, as apimachinery
// keeps them. Digits in strings stay as they are.
TEST(Json, IntegersPastSixtyFourBitsAreReadAsKubernetesReadsThem) {
  auto v = json::parse(R"({"s":"123456789012345678901234","a":[123456789012345678901234,-9223372036854775809,)"
                       R"(18446744073709551616,18446744073709551615,-9223372036854775808,1.5e3,151111111111102005248,)"
                       R"(0.000001,1e-7,123.456,1e20,1e21,0.1,12345678901234567890.5]})");
  ASSERT_TRUE(v.ok()) << v.err().message;
  EXPECT_EQ(json::serialize(*v),
            R"({"s":"123456789012345678901234","a":[1.2345678901234569e+23,-9223372036854776000,)"
            R"(18446744073709552000,18446744073709552000,-9223372036854775808,1500,151111111111102000000,)"
            R"(0.000001,1e-7,123.456,100000000000000000000,1e+21,0.1,12345678901234567000]})");
  const auto& a = v->find("a")->as_array();
  EXPECT_TRUE(a[0].is_double());
  EXPECT_TRUE(a[1].is_double());
  EXPECT_TRUE(a[4].is_integer());
  // A string's digits stay, after an escaped quote too.
  auto quoted = json::parse(R"({"q":"\"123456789012345678901234\\","n":123456789012345678901234})");
  ASSERT_TRUE(quoted.ok()) << quoted.err().message;
  EXPECT_EQ(json::serialize(*quoted), R"({"q":"\"123456789012345678901234\\","n":1.2345678901234569e+23})");
  // Still refused, as by Go: a number past float64's range, and malformed numbers next to a big one.
  for (const char* bad : {"[1e400]", "[1000000000000000000000000, 01]", "[18446744073709551616.]"}) {
    auto r = json::parse(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
}

// Every float64 of tests/data/go-json/numbers.tsv (written by Go's encoding/json, generate.go) is written as Go
// writes it.
TEST(Json, NumbersAreWrittenAsGoWritesThem) {
  std::ifstream in(std::string(COCO_ADMIT_SOURCE_DIR) + "/tests/data/go-json/numbers.tsv");
  ASSERT_TRUE(in) << "tests/data/go-json/numbers.tsv";
  std::size_t rows = 0;
  for (std::string line; std::getline(in, line);) {
    const std::size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    std::uint64_t bits = 0;
    std::from_chars(line.data(), line.data() + tab, bits, 16);
    double d;
    std::memcpy(&d, &bits, sizeof d);
    std::string out;
    json::append_number(d, out);
    EXPECT_EQ(out, line.substr(tab + 1)) << "bits " << line.substr(0, tab);
    ++rows;
  }
  EXPECT_GT(rows, 3000u);
}

TEST(Json, PointerEscapes) {
  auto v = json::parse(R"({"a/b":{"c~d":[10,20]}})");
  ASSERT_TRUE(v.ok());
  const value* p = json::at_pointer(*v, "/a~1b/c~0d/1");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->as_int(), 20);
  EXPECT_EQ(json::at_pointer(*v, "/a~1b/x"), nullptr);
}

TEST(Json, EqualityIgnoresMemberOrderAndIntVsDouble) {
  EXPECT_EQ(*json::parse(R"({"a":1,"b":2})"), *json::parse(R"({"b":2.0,"a":1})"));
  EXPECT_NE(*json::parse(R"([1,2])"), *json::parse(R"([2,1])"));
}

TEST(Yaml, ScalarsAreTypedLikeKubernetes) {
  auto d = yaml::parse_one("a: yes\nb: '1'\nc: 0x10\nd: ~\ne: 1.5\nf: text\ng: \"true\"\n");
  ASSERT_TRUE(d.ok());
  const value& r = d->root;
  EXPECT_TRUE(r.find("a")->as_bool());
  EXPECT_EQ(r.find("b")->as_string(), "1");
  EXPECT_EQ(r.find("c")->as_int(), 16);
  EXPECT_TRUE(r.find("d")->is_null());
  EXPECT_DOUBLE_EQ(r.find("e")->as_double(), 1.5);
  EXPECT_EQ(r.find("f")->as_string(), "text");
  EXPECT_EQ(r.find("g")->as_string(), "true");
}

TEST(Yaml, StringsThatReadAsTimestampsInYaml11AreWrittenQuoted) {
  value v = value::object();
  for (const char* t : {"2023-06-01T10:00:00Z", "2023-6-1", "2023-06-01 10:00:00.5", "2023-06-01t10:00:00+01:00"}) {
    v.set(t, value(t));
  }
  for (const char* t : {"2023-06-01x", "12023-06-01", "2023-13-01", "version 2023-06-01", "2023-06"}) v.set(t, value(t));
  const std::string out = yaml::emit(v);
  for (const char* quoted : {"\"2023-06-01T10:00:00Z\"", "\"2023-6-1\"", "\"2023-06-01 10:00:00.5\"",
                             "\"2023-06-01t10:00:00+01:00\""}) {
    EXPECT_NE(out.find(quoted), std::string::npos) << quoted << " in\n" << out;
  }
  for (const char* plain : {": 2023-06-01x\n", ": 12023-06-01\n", ": 2023-13-01\n", ": version 2023-06-01\n", ": 2023-06\n"}) {
    EXPECT_NE(out.find(plain), std::string::npos) << plain << " in\n" << out;
  }
  // Read back, every value is the string it was.
  auto back = yaml::parse_one(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->root, v);
}

TEST(Yaml, MultiDocumentAndPositions) {
  auto docs = yaml::parse_all("a: 1\n---\nspec:\n  rules:\n  - name: x\n", "p.yaml");
  ASSERT_TRUE(docs.ok());
  ASSERT_EQ(docs->size(), 2u);
  auto pos = (*docs)[1].locate("/spec/rules/0/name");
  EXPECT_EQ(pos.line, 5);  // lines count from the start of the stream
  EXPECT_EQ(pos.column, 5);  // where the key is written
}

TEST(Yaml, SyntaxErrorNamesFileLineColumn) {
  auto docs = yaml::parse_all("a: [1, 2\nb: 3\n", "bad.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.err().message.rfind("bad.yaml:", 0), 0u) << docs.err().message;
}

TEST(Json, QuotedStringsAreAlwaysValidUtf8) {
  std::string out;
  json::append_quoted("ok \xc3\xa9 bad \xa6 cut \xe2\x82 sep \xe2\x80\xa8", out);
  EXPECT_EQ(out, "\"ok \xc3\xa9 bad \\ufffd cut \\ufffd\\ufffd sep \\u2028\"");
  auto back = json::parse(out);
  ASSERT_TRUE(back.ok()) << back.err().message;
}

// Go's encoding/json keeps the last of duplicate keys; the member stays where
// the key first appeared. Small objects are scanned, large ones hashed: both
// must agree.
TEST(Json, DuplicateKeysLastOneWinsInSmallAndLargeObjects) {
  for (int size : {3, 40, 5000}) {
    std::string text = "{";
    for (int i = 0; i < size; ++i) text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
    text += "\"k1\":\"again\"}";
    auto v = json::parse(text);
    ASSERT_TRUE(v.ok()) << size;
    ASSERT_EQ(v->size(), static_cast<std::size_t>(size)) << size;
    EXPECT_EQ(v->as_object()[1].key, "k1");
    EXPECT_EQ(v->as_object()[1].val.as_string(), "again") << size;
    EXPECT_EQ(v->as_object()[2].val.as_int(), 2) << size;
  }
}

// Past member_index::linear_limit keys, == looks keys up through a hash
// index once the orders diverge; the verdict must not change.
TEST(Json, EqualityOfLargeObjectsInAnotherOrder) {
  value a = value::object(), b = value::object();
  for (int i = 0; i < 1000; ++i) a.as_object().push_back(member{"k" + std::to_string(i), value(i)});
  for (int i = 999; i >= 0; --i) b.as_object().push_back(member{"k" + std::to_string(i), value(i)});
  EXPECT_TRUE(a == b);
  b.as_object()[0].val = value("changed");
  EXPECT_FALSE(a == b);
  b.as_object()[0] = member{"other", value(999)};
  EXPECT_FALSE(a == b);
}

// object_builder has value::set's semantics at every size: a repeated key
// keeps its first position and takes the last value.
TEST(Json, ObjectBuilderMatchesSetAtEverySize) {
  for (int size : {3, 40, 5000}) {
    object_builder built;
    value by_set = value::object();
    for (int i = 0; i < size; ++i) {
      built.set("k" + std::to_string(i), value(i));
      if (size <= 40) by_set.set("k" + std::to_string(i), value(i));
    }
    built.set("k1", value("again"));
    if (size <= 40) by_set.set("k1", value("again"));
    value obj = std::move(built).take();
    ASSERT_EQ(obj.size(), static_cast<std::size_t>(size));
    EXPECT_EQ(obj.as_object()[1].key, "k1");
    EXPECT_EQ(obj.as_object()[1].val.as_string(), "again");
    EXPECT_EQ(obj.as_object()[size - 1].key, "k" + std::to_string(size - 1));
    if (size <= 40) {
      EXPECT_EQ(json::serialize(obj), json::serialize(by_set));
    }
  }
}
