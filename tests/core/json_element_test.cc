// json::equal (a parsed document against a value, without converting it), the
// repeated-keys report of json::from_element, the lazy values of
// json::from_element_lazy, and the views that read them in place (value_view).
// All of them must answer exactly what converting and comparing would: checked
// on fixed cases and on random documents with random edits.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <bit>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "coco-admit/core/json.h"
#include "coco-admit/core/json_patch.h"
#include "coco-admit/core/value_view.h"

using namespace coco_admit;

namespace {

struct parsed {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  explicit parsed(const std::string& text) {
    auto err = parser.parse(text).get(root);
    EXPECT_FALSE(err) << text;
  }
};

// The document converted whole (`eager`) and as a lazy value of the same parse (`lazy`); false when either fails.
bool read_both_ways(const parsed& doc, value& eager, value& lazy) {
  auto e = json::from_element(doc.root);
  auto l = json::from_element_lazy(doc.root);
  if (!e.ok() || !l.ok()) return false;
  eager = std::move(e).value();
  lazy = std::move(l).value();
  return true;
}

value must_parse(const std::string& text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : value();
}

struct equal_case {
  const char* document;
  const char* other;
  bool want;
};

class ElementEqual : public testing::TestWithParam<equal_case> {};

TEST_P(ElementEqual, AnswersAsConvertingWould) {
  const equal_case& c = GetParam();
  parsed doc(c.document);
  const value other = must_parse(c.other);
  EXPECT_EQ(json::equal(doc.root, other), c.want) << c.document << " vs " << c.other;
  EXPECT_EQ(must_parse(c.document) == other, c.want) << "the reference disagrees: " << c.document;
}

INSTANTIATE_TEST_SUITE_P(
    Json, ElementEqual,
    testing::Values(equal_case{"null", "null", true}, equal_case{"null", "false", false},
                    equal_case{"true", "true", true}, equal_case{"true", "false", false},
                    equal_case{"1", "1.0", true}, equal_case{"1.0", "1", true}, equal_case{"1", "2", false},
                    equal_case{"-9223372036854775808", "-9223372036854775808", true},
                    // Past int64: a double, as conversion makes it.
                    equal_case{"18446744073709551615", "1.8446744073709552e19", true},
                    equal_case{"1.5", "1.5", true}, equal_case{"1.5", "\"1.5\"", false},
                    equal_case{R"("a\u00e9")", R"("aé")", true}, equal_case{R"("a")", R"("b")", false},
                    equal_case{"[]", "[]", true}, equal_case{"[1,2]", "[1,2]", true},
                    equal_case{"[1,2]", "[2,1]", false}, equal_case{"[1,2]", "[1,2,3]", false},
                    equal_case{"[1,2,3]", "[1,2]", false}, equal_case{"{}", "{}", true},
                    equal_case{"{}", "[]", false}, equal_case{R"({"a":1,"b":[true]})", R"({"b":[true],"a":1})", true},
                    equal_case{R"({"a":1,"b":2})", R"({"a":1})", false},
                    equal_case{R"({"a":1})", R"({"a":1,"b":2})", false},
                    equal_case{R"({"a":1,"b":2})", R"({"a":1,"c":2})", false},
                    equal_case{R"({"a":{"x":[1,{"y":null}]}})", R"({"a":{"x":[1,{"y":null}]}})", true},
                    equal_case{R"({"a":{"x":[1,{"y":null}]}})", R"({"a":{"x":[1,{"y":0}]}})", false}));

TEST(ElementEqual, LargeObjectsInAnyOrder) {
  std::string a = "{", b = "{";
  for (int i = 0; i < 200; ++i) {
    a += (i ? "," : "") + ("\"k" + std::to_string(i) + "\":" + std::to_string(i));
    b += (i ? "," : "") + ("\"k" + std::to_string(199 - i) + "\":" + std::to_string(199 - i));
  }
  a += "}";
  b += "}";
  parsed doc(a);
  EXPECT_TRUE(json::equal(doc.root, must_parse(b)));
  value changed = must_parse(b);
  changed.as_object()[150].val = value(-1);
  EXPECT_FALSE(json::equal(doc.root, changed));
}

TEST(ElementConversion, ReportsRepeatedKeysAtAnyDepth) {
  for (const char* text : {R"({"a":1,"a":2})", R"({"x":[{"b":1,"c":2,"b":3}]})"}) {
    parsed doc(text);
    bool repeated = false;
    auto v = json::from_element(doc.root, repeated);
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(repeated) << text;
  }
  parsed doc(R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})");
  bool repeated = true;
  ASSERT_TRUE(json::from_element(doc.root, repeated).ok());
  EXPECT_FALSE(repeated);
}

// Random documents without repeated keys, and random edits of their values
// (also used for the patch diff against a parsed document below).
struct generator {
  std::mt19937_64 rng;
  explicit generator(std::uint64_t seed) : rng(seed) {}
  int pick(int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); }

  std::string scalar() {
    switch (pick(8)) {
      case 0: return "null";
      case 1: return pick(2) ? "true" : "false";
      case 2: return std::to_string(pick(5) - 2);
      case 3: return std::to_string(pick(3)) + ".0";
      case 4: return "0.5";
      case 5: return "18446744073709551615";
      case 6: return "\"" + std::string(1, static_cast<char>('a' + pick(3))) + "\"";
      default: return "\"\"";
    }
  }
  std::string document(int depth) {
    if (depth == 0 || pick(3) == 0) return scalar();
    std::string out;
    const int n = pick(5);
    if (pick(2)) {
      out = "[";
      for (int i = 0; i < n; ++i) out += (i ? "," : "") + document(depth - 1);
      return out + "]";
    }
    out = "{";
    for (int i = 0; i < n; ++i) out += (i ? "," : "") + ("\"k" + std::to_string(i) + "\":" + document(depth - 1));
    return out + "}";
  }
  // One small change somewhere (or none), so equal and unequal pairs both occur.
  void edit(value& v) {
    if (v.is_array() && !v.as_array().empty() && pick(3)) return edit(v.as_array()[pick(v.as_array().size())]);
    if (v.is_object() && !v.as_object().empty() && pick(3)) {
      auto& members = v.as_object();
      switch (pick(4)) {
        case 0: return edit(members[pick(members.size())].val);
        case 1: std::swap(members.front(), members.back()); return;  // order alone: still equal
        case 2: members.pop_back(); return;
        default: members.push_back({"new", value(1)}); return;
      }
    }
    switch (pick(5)) {
      case 0: v = value(); return;
      case 1: v = value(1); return;
      case 2: v = value(1.0); return;
      case 3: v = value("a"); return;
      default: return;  // unchanged
    }
  }
};

TEST(ElementEqual, AgreesWithConvertingOnRandomDocuments) {
  generator g(20261128);
  int equal_pairs = 0, unequal_pairs = 0;
  for (int round = 0; round < 20'000; ++round) {
    const std::string text = g.document(4);
    parsed doc(text);
    bool repeated = true;
    auto converted = json::from_element(doc.root, repeated);
    ASSERT_TRUE(converted.ok()) << text;
    ASSERT_FALSE(repeated) << text;
    ASSERT_TRUE(json::equal(doc.root, *converted)) << text;
    value other = *converted;
    g.edit(other);
    const bool want = *converted == other;
    ASSERT_EQ(json::equal(doc.root, other), want) << text << " vs " << json::serialize(other);
    (want ? equal_pairs : unequal_pairs)++;
  }
  // Both answers were exercised, many times.
  EXPECT_GT(equal_pairs, 1'000);
  EXPECT_GT(unequal_pairs, 1'000);
}

// diff_serialized against the parsed request (what admission does) must give the bytes of the diff against its
// converted copy, for random edits of a copy made from the conversion or (as admission reads it) from the lazy value.
void diff_matches_the_conversions(std::uint64_t seed, bool from_lazy) {
  generator g(seed);
  int with_ops = 0;
  for (int round = 0; round < 20'000; ++round) {
    const std::string text = g.document(5);
    parsed doc(text);
    auto before = json::from_element(doc.root);
    auto start = from_lazy ? json::from_element_lazy(doc.root) : json::from_element(doc.root);
    ASSERT_TRUE(before.ok() && start.ok()) << text;
    value after = *start;
    for (int e = g.pick(4); e >= 0; --e) g.edit(after);
    if (after.is_array() && g.pick(4) == 0) after.as_array().push_back(value("tail"));
    std::string want, got;
    const std::size_t want_ops = json_patch::diff_serialized(*before, after, want);
    const auto got_ops = json_patch::diff_serialized(doc.root, after, got);
    ASSERT_TRUE(got_ops.has_value()) << text;
    ASSERT_EQ(got, want) << text << " -> " << json::serialize(after);
    ASSERT_EQ(*got_ops, want_ops);
    with_ops += want_ops > 0;
  }
  EXPECT_GT(with_ops, 5'000);
}

TEST(ElementDiff, SameBytesAsDiffingTheConvertedDocument) { diff_matches_the_conversions(4242, false); }

TEST(ElementDiff, LargeObjectsAndArrays) {
  std::string text = R"({"m":{)";
  for (int i = 0; i < 100; ++i) text += (i ? "," : "") + ("\"k" + std::to_string(i) + "\":" + std::to_string(i));
  text += R"(},"a":[)";
  for (int i = 0; i < 100; ++i) text += (i ? "," : "") + std::to_string(i);
  text += "]}";
  parsed doc(text);
  value after = must_parse(text);
  value& m = after["m"];
  m.erase("k7");
  m.set("new/key~", value(true));
  std::swap(m.as_object()[0], m.as_object()[50]);
  after["a"].as_array().resize(60);
  after["a"].as_array()[3] = value("x");
  std::string want, got;
  json_patch::diff_serialized(must_parse(text), after, want);
  json_patch::diff_serialized(doc.root, after, got);
  EXPECT_EQ(got, want);
  EXPECT_NE(got.find(R"("path":"/m/new~1key~0")"), std::string::npos) << got;
  EXPECT_NE(got.find(R"({"op":"remove","path":"/a/99"})"), std::string::npos) << got;
}

// A lazy value reads as the conversion does, whatever is looked at first, and its copies are values of their own.
TEST(LazyValue, ReadsAsTheConversionOnRandomDocuments) {
  generator g(7);
  for (int round = 0; round < 5'000; ++round) {
    const std::string text = g.document(5);
    parsed doc(text);
    value eager, lazy;
    ASSERT_TRUE(read_both_ways(doc, eager, lazy)) << text;
    ASSERT_EQ(lazy.type(), eager.type());
    value copy = lazy;                            // a copy made while everything is still lazy
    ASSERT_TRUE(lazy == copy);                    // same element: equal without a look
    ASSERT_TRUE(json::equal(doc.root, lazy));
    g.edit(copy);                                  // converts the levels on the edit's path, in the copy only
    ASSERT_EQ(json::serialize(lazy), json::serialize(eager)) << text;
    ASSERT_EQ(copy == lazy, copy == eager) << text;
    ASSERT_EQ(json::equal(doc.root, copy), copy == eager) << text;
  }
}

// A lazy level is converted off the tape (json.cc level_of_object): repeated keys keep the last value at the first
// position, in small objects and in ones past the 32 keys where an index takes over, as the eager conversion.
TEST(LazyValue, LevelsWithRepeatedKeysReadAsTheConversion) {
  std::mt19937_64 rng(5);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  std::function<std::string(int)> doc = [&](int depth) -> std::string {
    switch (depth == 0 ? pick(4) : pick(7)) {
      case 0: return std::to_string(pick(100) - 50);
      case 1: return "\"s" + std::to_string(pick(5)) + "\"";
      case 2: return pick(2) ? "18446744073709551615" : "-0.25";
      case 3: return pick(2) ? "null" : "true";
      case 4: {
        std::string out = "[";
        for (int i = pick(4); i > 0; --i) out += doc(depth - 1) + (i > 1 ? "," : "");
        return out + "]";
      }
      default: {
        // Keys from a pool smaller than the object, so that some repeat; some objects pass 32 keys.
        const int size = pick(3) == 0 ? 30 + pick(20) : pick(6);
        const int pool = 1 + pick(size + 1);
        std::string out = "{";
        for (int i = 0; i < size; ++i) {
          out += (i ? "," : "") + ("\"k" + std::to_string(pick(pool)) + "\":") + doc(depth - 1);
        }
        return out + "}";
      }
    }
  };
  int repeated_docs = 0;
  for (int round = 0; round < 2'000; ++round) {
    const std::string text = doc(4);
    parsed d(text);
    bool repeated = false;
    auto eager = json::from_element(d.root, repeated);
    auto lazy = json::from_element_lazy(d.root);
    ASSERT_TRUE(eager.ok() && lazy.ok()) << text;
    repeated_docs += repeated;
    ASSERT_EQ(json::serialize(*lazy), json::serialize(*eager)) << text;
    ASSERT_TRUE(*lazy == *eager) << text;
  }
  EXPECT_GT(repeated_docs, 500);
}

TEST(LazyValue, KnowsItsKindAndSizeWithoutSurprises) {
  parsed doc(R"({"a":[1,{"b":null}],"c":{},"d":"x","a2":{"k":1,"k":2}})");
  auto v = json::from_element_lazy(doc.root);
  ASSERT_TRUE(v.ok());
  ASSERT_NE(v->lazy(), nullptr);
  EXPECT_TRUE(v->is_object());
  EXPECT_NE(v->lazy(), nullptr) << "type() alone converts nothing";
  const value* a = v->find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(v->lazy(), nullptr) << "find converts the level it looks into";
  EXPECT_TRUE(a->is_array());
  EXPECT_NE(a->lazy(), nullptr) << "and leaves the levels below lazy";
  EXPECT_EQ(a->size(), 2u);
  EXPECT_TRUE(a->as_array()[1].find("b")->is_null());
  // Repeated keys: the last value at the first position, as from_element.
  EXPECT_EQ(json::serialize(*v->find("a2")), R"({"k":2})");
  EXPECT_EQ(json::serialize(*v), json::serialize(*json::from_element(doc.root)));
}


// The strings of a converted level are views of the parser's buffer: reading one as a view copies nothing, the first
// as_string() copies it into the value, and a copy of the value is a string of its own either way.
TEST(LazyValue, StringsAreCopiedOnlyWhenAStdStringIsAskedFor) {
  const std::string long_text = "a string longer than any small-string buffer";
  parsed doc(R"({"s":")" + long_text + R"(","t":"x","n":1})");
  auto v = json::from_element_lazy(doc.root);
  ASSERT_TRUE(v.ok());
  const value* s = v->find("s");
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->is_string());
  EXPECT_EQ(s->size(), long_text.size());
  const std::string_view view = s->as_string_view();
  EXPECT_EQ(view, long_text);
  value copy = *s;
  EXPECT_EQ(copy.as_string_view().data(), view.data()) << "a copy of a lazy string copies the view";
  EXPECT_TRUE(copy == *s);
  EXPECT_TRUE(*s == value(long_text)) << "a view equals an owned string of the same text";
  EXPECT_FALSE(*s == value("other"));
  const std::string& owned = s->as_string();
  EXPECT_EQ(owned, long_text);
  EXPECT_NE(owned.data(), view.data()) << "as_string() owns a copy";
  EXPECT_EQ(s->as_string_view().data(), owned.data()) << "and keeps it";
  copy.as_string() += "!";
  EXPECT_EQ(copy.as_string_view(), long_text + "!");
  EXPECT_EQ(s->as_string_view(), long_text) << "editing a copy leaves the original alone";
  EXPECT_EQ(json::serialize(*v), json::serialize(*json::from_element(doc.root)));
  // An eager conversion owns its strings from the start.
  auto eager = json::from_element(doc.root);
  ASSERT_TRUE(eager.ok());
  EXPECT_EQ(eager->find("s")->as_string_view().data(), eager->find("s")->as_string().data());
}
TEST(LazyValue, CensusReadsTheDocument) {
  parsed doc(R"({"a":[1,{"b":null}],"c":"x"})");
  auto v = json::from_element_lazy(doc.root);
  ASSERT_TRUE(v.ok());
  const json::element_census c = json::census_of(*v->lazy());
  EXPECT_EQ(c.nodes, 6u);
  EXPECT_TRUE(c.has_null);
}

// The scan behind has_null, with AVX2 (where this CPU has it) and without: every length up to 70, the word at every
// position or nowhere, and words that differ from it in one bit.
TEST(LazyValue, TheTapeWordScanFindsTheWordAtEveryPosition) {
  constexpr std::uint64_t word = std::uint64_t{'n'} << 56;
  for (std::size_t n = 0; n <= 70; ++n) {
    for (std::size_t at = 0; at <= n; ++at) {
      std::vector<std::uint64_t> words(n + 1);
      for (std::size_t i = 0; i < n; ++i) words[i] = word ^ (std::uint64_t{1} << ((i * 7) % 64));
      words[n] = word;  // just past the end: never read
      if (at < n) words[at] = word;
      const bool want = at < n;
      ASSERT_EQ(json::detail::any_word_equals(words.data(), n, word), want) << n << " " << at;
      ASSERT_EQ(json::detail::any_word_equals_portable(words.data(), n, word), want) << n << " " << at;
    }
  }
}

// has_null looks for the null's tape word; a number whose 64 bits are that word must not pass for a null, at
// any position in a block of the scan, whether or not a real null follows.
TEST(LazyValue, HasNullTellsANullFromANumberWithTheSameTapeWord) {
  constexpr std::uint64_t null_word = std::uint64_t{'n'} << 56;
  char as_double[64];
  std::snprintf(as_double, sizeof as_double, "%.17g", std::bit_cast<double>(null_word));
  ASSERT_EQ(std::bit_cast<std::uint64_t>(std::strtod(as_double, nullptr)), null_word) << as_double;
  for (const std::string& number : {std::to_string(null_word), std::string(as_double)}) {
    for (int before = 0; before < 12; ++before) {
      std::string fill;
      for (int k = 0; k < before; ++k) fill += "\"f" + std::to_string(k) + "\":true,";
      for (const char* tail : {"", ",\"z\":null", ",\"z\":[1,{\"y\":null}]"}) {
        const std::string text = "{" + fill + "\"n\":" + number + tail + "}";
        parsed doc(text);
        auto v = json::from_element_lazy(doc.root);
        ASSERT_TRUE(v.ok()) << text;
        EXPECT_EQ(json::has_null(*v->lazy()), *tail != '\0') << text;
        EXPECT_EQ(json::census_of(*v->lazy()).has_null, *tail != '\0') << text;
      }
    }
  }
}

// census_of reads the tape word by word; census_by_elements walks the elements. Every lazy level of random
// documents (numbers of each width, nulls, empty and repeated-key objects) must get the same answer from both.
TEST(LazyValue, CensusOnTheTapeCountsAsTheElementWalk) {
  generator g(31337);
  std::size_t levels = 0;
  for (int round = 0; round < 3'000; ++round) {
    std::string text = g.document(5);
    if (round % 7 == 0) text = "{\"r\":" + text + ",\"r\":[null,1.5,{\"r\":{}}]}";  // a repeated key at the root
    parsed doc(text);
    auto lazy = json::from_element_lazy(doc.root);
    ASSERT_TRUE(lazy.ok()) << text;
    std::vector<const value*> todo{&*lazy};
    while (!todo.empty()) {
      const value* v = todo.back();
      todo.pop_back();
      const lazy_element* l = v->lazy();
      if (l == nullptr) continue;
      const json::element_census walked = json::census_by_elements(*l);
      // has_null asked before the census (its own scan) and after it (the census's answer).
      ASSERT_EQ(json::has_null(*l), walked.has_null) << text;
      const json::element_census read = json::census_of(*l);
      ASSERT_EQ(json::has_null(*l), walked.has_null) << text;
      ASSERT_EQ(read.nodes, walked.nodes) << text;
      ASSERT_EQ(read.has_null, walked.has_null) << text;
      ++levels;
      if (v->is_array()) {
        for (const value& e : v->as_array()) todo.push_back(&e);
      } else {
        for (const member& m : v->as_object()) todo.push_back(&m.val);
      }
    }
  }
  EXPECT_GT(levels, 5'000u);
}

// A view (value_view.h) reads what the converted value reads: the same kinds, members, elements and scalars, through
// lazy levels, converted ones and a mix of both. `want` is the eager conversion.
void expect_view_reads(const value_view& view, const value& want, const std::string& where) {
  ASSERT_EQ(view.type(), want.type()) << where;
  if (want.is_object()) {
    for (const member& m : want.as_object()) {
      value_view child;
      ASSERT_TRUE(view.find(m.key, child)) << where << "/" << m.key;
      expect_view_reads(child, m.val, where + "/" + m.key);
    }
    value_view absent;
    EXPECT_FALSE(view.find("absent", absent)) << where;
  } else if (want.is_array()) {
    ASSERT_EQ(view.size(), want.as_array().size()) << where;
    value_view::items items(view);
    value_view child;
    for (std::size_t i = 0; i < want.as_array().size(); ++i) {
      ASSERT_TRUE(items.next(child)) << where;
      expect_view_reads(child, want.as_array()[i], where + "/" + std::to_string(i));
    }
    EXPECT_FALSE(items.next(child)) << where;
  } else {
    value_view nothing;
    EXPECT_FALSE(view.find("k0", nothing)) << where;
    EXPECT_EQ(view.size(), 0u) << where;
  }
  const value copy = view.to_value();
  EXPECT_TRUE(copy == want) << where;
  EXPECT_EQ(json::serialize(copy), json::serialize(want)) << where;
}

TEST(LazyValue, ViewReadsAsTheConversionOnRandomDocuments) {
  generator g(11);
  for (int round = 0; round < 3'000; ++round) {
    const std::string text = g.document(5);
    parsed doc(text);
    value eager, lazy;
    ASSERT_TRUE(read_both_ways(doc, eager, lazy)) << text;
    expect_view_reads(value_view(lazy), eager, text);  // every level still lazy
    expect_view_reads(value_view(eager), eager, text);  // every level converted
    // Partly converted: the levels a serialisation looks into are converted, the ones read first by views not.
    value partly = lazy;
    if (partly.is_object() || partly.is_array()) (void)partly.size();
    if (partly.is_object() && !partly.as_object().empty()) (void)partly.as_object()[0].val.size();
    expect_view_reads(value_view(partly), eager, text);
  }
}

TEST(LazyValue, ViewReadsTheLastOfRepeatedKeysAndLargeNumbersAsConversionDoes) {
  parsed doc(R"({"a":1,"b":{"x":1},"a":{"c":[1,2]},"u":18446744073709551615,"s":"text","a2":[{"k":1,"k":"v"}]})");
  value eager, lazy;
  ASSERT_TRUE(read_both_ways(doc, eager, lazy));
  expect_view_reads(value_view(lazy), eager, "");
  value_view a, u;
  ASSERT_TRUE(value_view(lazy).find("a", a));
  EXPECT_TRUE(a.is_object());
  ASSERT_TRUE(value_view(lazy).find("u", u));
  EXPECT_EQ(u.type(), value::kind::number);
  EXPECT_NE(lazy.lazy(), nullptr) << "reading through a view converts nothing";
}

// Member lookups compare keys of up to 16 bytes with overlapping word loads: every length from 0 to 40, with the
// one differing byte at every position (the first, inside either word, where the words overlap, the last).
TEST(LazyValue, LookupsTellApartKeysThatDifferInOneByteAtAnyPosition) {
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string wanted(n, 'k');
    for (std::size_t i = 0; i < n; ++i) wanted[i] = static_cast<char>('a' + (i * 7) % 26);
    std::string text = "{";
    for (std::size_t i = 0; i < n; ++i) {
      std::string other = wanted;
      other[i] = other[i] == 'Z' ? 'Y' : 'Z';
      text += "\"" + other + "\":" + std::to_string(i) + ",";
    }
    text += "\"" + wanted + "x\":-2,\"" + wanted + "\":-1}";
    parsed doc(text);
    value eager, lazy;
    ASSERT_TRUE(read_both_ways(doc, eager, lazy)) << text;
    value_view found;
    ASSERT_TRUE(value_view(lazy).find(wanted, found)) << "length " << n;
    EXPECT_EQ(found.to_value(), value(-1LL)) << "length " << n;
    const value* converted = eager.find(wanted);
    ASSERT_NE(converted, nullptr) << "length " << n;
    EXPECT_EQ(*converted, value(-1LL)) << "length " << n;
    if (n == 0) continue;
    std::string absent = wanted;
    absent[n - 1] = '0';
    EXPECT_FALSE(value_view(lazy).find(absent, found)) << "length " << n;
    EXPECT_EQ(eager.find(absent), nullptr) << "length " << n;
  }
}

TEST(LazyValue, DepthLimitIsCheckedWhenTheValueIsMade) {
  std::string deep;
  for (std::size_t i = 0; i <= json::max_depth + 1; ++i) deep += "[";
  for (std::size_t i = 0; i <= json::max_depth + 1; ++i) deep += "]";
  parsed doc(deep);
  auto eager = json::from_element(doc.root);
  auto lazy = json::from_element_lazy(doc.root);
  ASSERT_FALSE(eager.ok());
  ASSERT_FALSE(lazy.ok());
  EXPECT_EQ(lazy.err().message, eager.err().message);
  // At the limit itself both accept it.
  std::string at_limit;
  for (std::size_t i = 0; i <= json::max_depth; ++i) at_limit += "[";
  for (std::size_t i = 0; i <= json::max_depth; ++i) at_limit += "]";
  parsed ok(at_limit);
  EXPECT_EQ(json::from_element(ok.root).ok(), json::from_element_lazy(ok.root).ok());
}

// The patch diff of a lazily read document after edits: parts still lazy are skipped, the bytes are the same.
TEST(LazyValue, DiffAgainstTheDocumentSkipsWhatIsStillLazy) { diff_matches_the_conversions(99, true); }

TEST(LazyValue, DiffGivesUpWhereAChangedObjectRepeatsAKey) {
  parsed doc(R"({"a":{"k":1,"k":2},"b":{"x":1}})");
  auto lazy = json::from_element_lazy(doc.root);
  ASSERT_TRUE(lazy.ok());
  value after = *lazy;
  after["b"]["x"] = value(2);  // the repeating object is untouched: diffed in place
  std::string text;
  auto ops = json_patch::diff_serialized(doc.root, after, text);
  ASSERT_TRUE(ops.has_value());
  EXPECT_EQ(text, R"([{"op":"replace","path":"/b/x","value":2}])");
  after["a"]["j"] = value(3);  // now it is changed: the caller must diff the conversion
  text = "keep";
  EXPECT_FALSE(json_patch::diff_serialized(doc.root, after, text).has_value());
  EXPECT_EQ(text, "keep");
}

}  // namespace
