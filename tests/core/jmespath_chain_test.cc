// Field chains (`a.b.c`) are evaluated in a loop rather than by recursion
// (interpreter.cc, eval_field_chain). These cases pin what the recursion
// always did: results, missing-key errors, and exactly where the step and
// depth budgets stop an evaluation, including after a swallowed error.
#include <gtest/gtest.h>

#include <string>

#include "coco-admit/core/jmespath.h"
#include "coco-admit/core/json.h"

namespace {

using namespace coco_admit;

value doc(std::string_view text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : value();
}

struct chain_case {
  const char* expr;
  const char* data;
  std::size_t max_steps;
  std::size_t max_depth;
  const char* want;  ///< JSON result, or "error:<kind>:<message>"
};

std::string outcome(const chain_case& c) {
  auto e = jmespath::compile(c.expr);
  if (!e.ok()) return "compile:" + e.err().message;
  jmespath::limits l;
  l.max_steps = c.max_steps;
  l.max_depth = c.max_depth;
  auto r = jmespath::evaluate(**e, doc(c.data), l);
  if (r.ok()) return json::serialize(*r);
  const char* kind = r.err().code == error::kind::not_found ? "not_found"
                     : r.err().code == error::kind::budget  ? "budget"
                                                            : "other";
  return std::string("error:") + kind + ":" + r.err().message;
}

class Chain : public testing::TestWithParam<chain_case> {};

TEST_P(Chain, MatchesTheRecursiveEvaluation) { EXPECT_EQ(outcome(GetParam()), GetParam().want) << GetParam().expr; }

constexpr std::size_t big = 1'000'000;
const char* abc = R"({"a":{"b":{"c":1,"s":"x"},"n":null,"arr":[1]},"k":{"\u00e9t\u00e9":{"z":true}}})";

INSTANTIATE_TEST_SUITE_P(
    Results, Chain,
    testing::Values(
        chain_case{"a.b.c", abc, big, 256, "1"},
        chain_case{"a.b", abc, big, 256, R"({"c":1,"s":"x"})"},
        chain_case{"a.b.s", abc, big, 256, R"("x")"},
        chain_case{"k.\"\u00e9t\u00e9\".z", abc, big, 256, "true"},
        // A field of a non-object is null, and so is everything after it.
        chain_case{"a.n.x.y", abc, big, 256, "null"},
        chain_case{"a.arr.x", abc, big, 256, "null"},
        chain_case{"a.b.c.d.e", abc, big, 256, "null"},
        // Missing keys: Kyverno's error, naming the first missing key.
        chain_case{"x.b.c", abc, big, 256, "error:not_found:Unknown key \"x\" in path"},
        chain_case{"a.x.c", abc, big, 256, "error:not_found:Unknown key \"x\" in path"},
        chain_case{"a.b.x", abc, big, 256, "error:not_found:Unknown key \"x\" in path"},
        chain_case{"a.x.c || 'd'", abc, big, 256, R"("d")"},
        chain_case{"a.b.c || 'd'", abc, big, 256, "1"},
        chain_case{"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.aa.bb.cc.dd.ee.ff.gg.hh", abc, big, 256,
                   "null"},
        chain_case{"[a.b.c, a.x.y]", abc, big, 256, "[1,null]"}));

// `a.b.c` is five nodes: subexpr, subexpr, a, b, c, visited in that order.
INSTANTIATE_TEST_SUITE_P(
    StepBudget, Chain,
    testing::Values(
        chain_case{"a.b.c", abc, 5, 256, "1"},
        chain_case{"a.b.c", abc, 4, 256, "error:budget:JMESPath evaluation of 'a.b.c' exceeded 4 steps"},
        chain_case{"a.b.c", abc, 2, 256, "error:budget:JMESPath evaluation of 'a.b.c' exceeded 2 steps"},
        chain_case{"a.b.c", abc, 1, 256, "error:budget:JMESPath evaluation of 'a.b.c' exceeded 1 steps"},
        // The missing key `x` is the fourth visit: three steps are not enough to find it missing.
        chain_case{"a.x.c", abc, 4, 256, "error:not_found:Unknown key \"x\" in path"},
        chain_case{"a.x.c", abc, 3, 256, "error:budget:JMESPath evaluation of 'a.x.c' exceeded 3 steps"},
        // After a swallowed miss the count goes on from where the chain stopped:
        // or(1) + subexprs(2) + a + x = 5, then the literal = 6.
        chain_case{"a.x.c || 'd'", abc, 6, 256, R"("d")"},
        chain_case{"a.x.c || 'd'", abc, 5, 256,
                   "error:budget:JMESPath evaluation of 'a.x.c || 'd'' exceeded 5 steps"},
        // Null part way: every field is still a visit.
        chain_case{"a.n.x.y", abc, 7, 256, "null"},
        chain_case{"a.n.x.y", abc, 6, 256, "error:budget:JMESPath evaluation of 'a.n.x.y' exceeded 6 steps"}));

// The first field of `a.b.c` is evaluated three levels down.
INSTANTIATE_TEST_SUITE_P(
    DepthBudget, Chain,
    testing::Values(
        chain_case{"a.b.c", abc, big, 3, "1"},
        chain_case{"a.b.c", abc, big, 2,
                   "error:budget:JMESPath evaluation of 'a.b.c' nested deeper than 2 levels"},
        chain_case{"a.b.c", abc, big, 1,
                   "error:budget:JMESPath evaluation of 'a.b.c' nested deeper than 1 levels"},
        chain_case{"a.b.c || 'd'", abc, big, 4, "1"},
        chain_case{"a.b.c || 'd'", abc, big, 3,
                   "error:budget:JMESPath evaluation of 'a.b.c || 'd'' nested deeper than 3 levels"}));

// parse_json results are kept per thread by the whole text: repeated and
// interleaved calls, errors and texts too large to keep all give what a fresh
// parse gives.
TEST(JmespathParseJson, RepeatedCallsGiveFreshResults) {
  std::string large = "[";
  for (int i = 0; i < 60000; ++i) large += (i ? ",\"v" : "\"v") + std::to_string(i) + "\"";
  large += "]";
  value data = value::object();
  data.set("a", value(R"(["kata-qemu-snp","kata-qemu-tdx"])"));
  data.set("b", value(R"({"x":[1,2.5,"y"],"z":null})"));
  data.set("bad", value(R"({"x":)"));
  data.set("large", value(large));
  struct expectation {
    const char* expr;
    std::string want;
  };
  const expectation cases[] = {
      {"parse_json(a)", R"(["kata-qemu-snp","kata-qemu-tdx"])"},
      {"parse_json(b)", R"({"x":[1,2.5,"y"],"z":null})"},
      {"parse_json(a)[1]", R"("kata-qemu-tdx")"},
      {"length(parse_json(large))", "60000"},
      {"parse_json(large)[59999]", R"("v59999")"},
  };
  std::string bad_error;
  for (int round = 0; round < 3; ++round) {
    for (const auto& c : cases) {
      auto r = jmespath::search(c.expr, data);
      ASSERT_TRUE(r.ok()) << c.expr << ": " << r.err().message;
      EXPECT_EQ(json::serialize(*r), c.want) << c.expr << " round " << round;
    }
    auto bad = jmespath::search("parse_json(bad)", data);
    ASSERT_FALSE(bad.ok());
    if (round == 0) bad_error = bad.err().message;
    EXPECT_EQ(bad.err().message, bad_error);
    EXPECT_NE(bad_error.find("parse_json"), std::string::npos) << bad_error;
  }
}

}  // namespace
