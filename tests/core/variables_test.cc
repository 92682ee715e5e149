// Variable substitution over a template: `{{@}}` resolves to the value at the
// template's own path in the object, through members, array elements and
// keys made of digits (which read as indexes: Kyverno turns the JSON pointer
// into a JMESPath the same way).
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "coco-admit/core/json.h"
#include "coco-admit/core/template.h"
#include "coco-admit/core/variables.h"

using namespace coco_admit;

namespace {

value json_of(const char* text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? std::move(v).value() : value();
}

}  // namespace

TEST(Variables, SelfReferenceFollowsTheTemplatePath) {
  value context = json_of(R"({"request":{"object":{
      "metadata":{"labels":{"app":"web","team.io/name":"a"}},
      "spec":{"containers":[{"name":"c0"},{"name":"c1","ports":[{"containerPort":80}]}]},
      "data":{"7":["x","y"]}}}})");
  auto t = compile_template(json_of(R"({
      "metadata":{"labels":{"app":"{{@}}","team.io/name":"{{ @ }}"}},
      "spec":{"containers":[{"name":"{{@}}"},{"name":"n-{{@}}","ports":[{"containerPort":"{{@}}"}]}]},
      "data":{"7":["{{@}}"]}})"));
  ASSERT_TRUE(t.ok()) << t.err().message;
  variables::options o;
  o.context = &context;
  auto out = variables::substitute(*t, o);
  ASSERT_TRUE(out.ok()) << out.err().message;
  EXPECT_EQ(json::serialize(*out),
            R"({"metadata":{"labels":{"app":"web","team.io/name":"a"}},)"
            R"("spec":{"containers":[{"name":"c0"},{"name":"n-c1","ports":[{"containerPort":80}]}]},)"
            R"("data":{"7":[null]}})");
}

// substitute_ref reads a template without variables in place and gives the
// same value as substitute otherwise, errors included.
TEST(Variables, SubstituteRefMatchesSubstitute) {
  value context = json_of(R"({"request":{"namespace":"team-a","object":{"metadata":{"name":"web"}}}})");
  variables::options o;
  o.context = &context;
  struct ref_case {
    const char* raw;
    bool in_place;
    const char* want;  ///< serialised result, or the error message
  };
  const ref_case cases[] = {
      {R"({"spec":{"x":["a","b"]}})", true, R"({"spec":{"x":["a","b"]}})"},
      {R"("plain")", true, R"("plain")"},
      {R"("escaped \\{{ x }}")", false, R"("escaped {{ x }}")"},
      {R"({"ns":"{{ request.namespace }}"})", false, R"({"ns":"team-a"})"},
      {R"("{{ request.object.metadata }}")", false, R"({"name":"web"})"},
      {R"("n={{ request.object.metadata }}")", false, R"("n={\"name\":\"web\"}")"},
      {R"("{{ request.missing }}")", false, "Unknown key \"missing\" in path"},
  };
  for (const auto& c : cases) {
    auto t = compile_template(json_of(c.raw));
    ASSERT_TRUE(t.ok()) << c.raw;
    value storage;
    auto ref = variables::substitute_ref(*t, o, storage);
    auto copy = variables::substitute(*t, o);
    ASSERT_EQ(ref.ok(), copy.ok()) << c.raw;
    if (!ref.ok()) {
      EXPECT_EQ(ref.err().message, c.want) << c.raw;
      EXPECT_EQ(copy.err().message, c.want) << c.raw;
      continue;
    }
    EXPECT_EQ(*ref == &t->raw, c.in_place) << c.raw;
    EXPECT_EQ(json::serialize(**ref), c.want) << c.raw;
    EXPECT_EQ(json::serialize(*copy), c.want) << c.raw;
  }
}

// Text pieces are appended as they are (strings) or as JSON; a piece holding
// `{{` is re-scanned unless the variable is shallow, and a `{{` that only
// appears across two pieces is not.
TEST(Variables, MixedTextAppendsPiecesAndRescansOnlyInsideThem) {
  value context = json_of(R"({"v":{"n":1.5,"t":true,"s":"x","inner":"{{ v.s }}","open":"{","list":[1,"a"]}})");
  variables::options o;
  o.context = &context;
  struct text_case {
    const char* raw;
    const char* want;
  };
  const text_case cases[] = {
      {R"("{{ v.n }}/{{ v.t }}/{{ v.s }}/{{ v.list }}")", R"("1.5/true/x/[1,\"a\"]")"},
      {R"("<{{ v.inner }}>")", R"("<x>")"},
      {R"("<{{- v.inner }}>")", R"("<{{ v.s }}>")"},
      {R"("{{ v.open }}{{ v.open }} v.s }}")", R"("{{ v.s }}")"},
  };
  for (const auto& c : cases) {
    auto t = compile_template(json_of(c.raw));
    ASSERT_TRUE(t.ok()) << c.raw;
    auto out = variables::substitute(*t, o);
    ASSERT_TRUE(out.ok()) << c.raw << ": " << out.err().message;
    EXPECT_EQ(json::serialize(*out), c.want) << c.raw;
  }
}

// The engine asks each compiled expression which deferred context entries it names through the identifiers noted
// at compile time. They must answer as the text scan does, for any expression and any entry name: names that are
// not one run of identifier characters go to the scan.
TEST(Variables, CompiledIdentifiersAnswerAsTheTextScan) {
  const std::vector<std::string> idents = {"a", "ab", "images", "element", "element0", "cfg", "cfg_2", "x1", "_"};
  const std::vector<std::string> names = {"a",  "ab",   "images", "element", "element0", "cfg",  "cfg_2",
                                          "x1", "_",    "b",      "cf",      "a-ab",     "a.ab", "cfg x1"};
  std::mt19937 rng(20261128);
  auto pick = [&](const std::vector<std::string>& from) { return from[rng() % from.size()]; };
  std::function<std::string(int)> expr = [&](int depth) -> std::string {
    const unsigned choice = depth > 3 ? rng() % 3 : rng() % 9;
    switch (choice) {
      case 0: return pick(idents);
      case 1: return "'" + pick(idents) + "-" + pick(idents) + "'";  // a raw string literal
      case 2: return "\"" + pick(idents) + "\"";                     // a quoted identifier
      case 3: return expr(depth + 1) + "." + pick(idents);
      case 4: return expr(depth + 1) + " || " + expr(depth + 1);
      case 5: return "lookup(" + expr(depth + 1) + ", " + expr(depth + 1) + ")";
      case 6: return expr(depth + 1) + "[0]";
      case 7: return "to_string(" + expr(depth + 1) + ")";
      default: return expr(depth + 1) + " | " + pick(idents);
    }
  };
  int compared = 0;
  for (int round = 0; round < 3'000; ++round) {
    const std::string text = expr(0);
    auto parsed = parse_template_string("{{ " + text + " }}");
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.err().message;
    ASSERT_EQ(parsed->segments.size(), 1u) << text;
    const template_segment& seg = parsed->segments[0];
    ASSERT_TRUE(seg.identifiers_known) << text;
    for (const std::string& name : names) {
      EXPECT_EQ(seg.references(name, is_identifier_run(name)), variables::references_identifier(text, name))
          << "expression " << text << ", name " << name;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 3'000 * static_cast<int>(names.size()));
}
