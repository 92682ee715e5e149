// JMESPath: Kyverno missing-key semantics, quoting, every custom function,
// budgets, syntax errors and the AST dump.
#include <gtest/gtest.h>

#include <ostream>

#include <set>

#include "coco-admit/core/jmespath.h"
#include "coco-admit/core/json.h"

namespace {

using namespace coco_admit;
using jmespath::error_class;

value doc(std::string_view text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : value();
}

const char* review_json = R"({
  "request": {
    "operation": "CREATE",
    "object": {
      "metadata": {
        "name": "web",
        "labels": {"app": "web", "tier": "front"},
        "annotations": {"io.katacontainers.config.hypervisor.cc_init_data": "abc",
                         "example.com/owner": "team-a"}
      },
      "spec": {
        "runtimeClassName": "kata-qemu-snp",
        "containers": [
          {"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}]},
          {"name": "side", "image": "ghcr.io/acme/side@sha256:0123456789abcdef0123456789abcdef"}
        ]
      }
    }
  },
  "n": 7, "f": 2.5, "s": "Hello", "empty": "", "nul": null, "list": [3, 1, 2]
})";

struct ok_case {
  const char* expr;
  const char* want;  // JSON
};
// gtest prints a parameter as raw bytes unless told how.
void PrintTo(const ok_case& c, std::ostream* os) { *os << c.expr; }

class Ok : public testing::TestWithParam<ok_case> {};

TEST_P(Ok, Evaluates) {
  static const value data = doc(review_json);
  auto r = jmespath::search(GetParam().expr, data);
  ASSERT_TRUE(r.ok()) << GetParam().expr << ": " << r.err().message;
  value want = doc(GetParam().want);
  EXPECT_EQ(*r, want) << GetParam().expr << " gave " << json::serialize(*r);
}

INSTANTIATE_TEST_SUITE_P(
    Kyverno, Ok,
    testing::Values(
        // Missing keys are swallowed by ||, &&, !, comparisons, functions, projections, filters, pipes.
        ok_case{"request.object.metadata.labels.foo || 'x'", R"("x")"},
        ok_case{"a.b || 'x'", R"("x")"},
        ok_case{"request.object.metadata.labels.foo && 'x'", "null"},
        ok_case{"!(request.object.metadata.labels.foo)", "true"},
        ok_case{"!request.object.metadata.labels.foo", "null"},  // `!` binds tighter than `.`
        ok_case{"request.object.metadata.labels.foo == null", "true"},
        ok_case{"request.object.metadata.labels.foo != 'x'", "true"},
        ok_case{"not_null(request.object.metadata.labels.foo, 'd')", R"("d")"},
        ok_case{"request.object.spec.containers[*].ports", R"([[{"containerPort":80}]])"},
        ok_case{"request.object.spec.containers[?ports].name", R"(["nginx"])"},
        ok_case{"request.object.spec.containers[?securityContext.privileged == `true`].name", "[]"},
        ok_case{"request.object.metadata.labels.foo | 'piped'", R"("piped")"},
        ok_case{"{a: request.object.metadata.name, b: nope}", R"({"a":"web","b":null})"},
        ok_case{"[request.object.metadata.name, nope]", R"(["web",null])"},
        // Null and non-objects give null, as standard.
        ok_case{"nul.a.b", "null"},
        ok_case{"s.a", "null"},
        ok_case{"list.a", "null"},
        // Quoted keys with dots and slashes.
        ok_case{R"(request.object.metadata.annotations."io.katacontainers.config.hypervisor.cc_init_data")",
                R"("abc")"},
        ok_case{R"(request.object.metadata.annotations."example.com/owner")", R"("team-a")"},
        ok_case{R"("request"."operation")", R"("CREATE")"},
        ok_case{R"(request.object.metadata.labels."\u0061pp")", R"("web")"},
        // Core grammar.
        ok_case{"list[-1]", "2"},
        ok_case{"list[::-1]", "[2,1,3]"},
        ok_case{"list[1:]", "[1,2]"},
        ok_case{"sort(list)", "[1,2,3]"},
        ok_case{"request.object.spec.containers[].name | [0]", R"("nginx")"},
        ok_case{"keys(request.object.metadata.labels)", R"(["app","tier"])"},
        ok_case{"length(request.object.spec.containers)", "2"},
        ok_case{"contains(request.object.spec.containers[*].name, 'side')", "true"},
        ok_case{"max_by(request.object.spec.containers, &name).name", R"("side")"},
        ok_case{"sort_by(request.object.spec.containers, &name)[0].name", R"("nginx")"},
        ok_case{"map(&name, request.object.spec.containers)", R"(["nginx","side"])"},
        ok_case{"to_string(`{\"b\":1,\"a\":\"<&>\"}`)", R"("{\"a\":\"\\u003c\\u0026\\u003e\",\"b\":1}")"},
        ok_case{"to_string(`1.5e3`)", R"("1500")"},
        ok_case{"to_string(f)", R"("2.5")"},
        ok_case{"n > `5` && f < `3`", "true"},
        ok_case{"s < `3`", "null"},
        // Kyverno string functions.
        ok_case{"to_upper(s)", R"("HELLO")"},
        ok_case{"to_lower(s)", R"("hello")"},
        ok_case{"trim('  xx  ', ' ')", R"("xx")"},
        ok_case{"trim('abcba', 'ab')", R"("c")"},
        ok_case{"trim_prefix('kata-qemu', 'kata-')", R"("qemu")"},
        ok_case{"split('a,b,,c', ',')", R"(["a","b","","c"])"},
        ok_case{"split('ab', '')", R"(["a","b"])"},
        ok_case{"replace('aaaa', 'a', 'b', `2`)", R"("bbaa")"},
        ok_case{"replace('aaaa', 'a', 'b', `-1`)", R"("bbbb")"},
        ok_case{"replace_all('a.b.c', '.', '/')", R"("a/b/c")"},
        ok_case{"compare('a', 'b')", "-1"},
        ok_case{"compare('b', 'b')", "0"},
        ok_case{"equal_fold('Kata', 'kATA')", "true"},
        ok_case{"equal_fold('Kata', 'kat')", "false"},
        ok_case{"to_boolean('TRUE')", "true"},
        ok_case{"to_boolean('false')", "false"},
        ok_case{"truncate('kata-qemu', `4`)", R"("kata")"},
        ok_case{"truncate('kata', `10`)", R"("kata")"},
        ok_case{"base64_encode('hello')", R"("aGVsbG8=")"},
        ok_case{"base64_encode('')", R"("")"},
        ok_case{"base64_decode('aGVsbG8=')", R"("hello")"},
        ok_case{"base64_decode('aGk=')", R"("hi")"},
        ok_case{"sha256('abc')", R"("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")"},
        ok_case{"sha1('abc')", R"("a9993e364706816aba3e25717850c26c9cd0d89d")"},
        ok_case{"md5('abc')", R"("900150983cd24fb0d6963f7d28e17f72")"},
        // Regular expressions (Go syntax via RE2) and wildcards.
        ok_case{"regex_match('^kata-.*$', request.object.spec.runtimeClassName)", "true"},
        ok_case{"regex_match('^[0-9]+$', `123`)", "true"},
        ok_case{"regex_match('snp', 'kata-qemu-tdx')", "false"},
        ok_case{"regex_replace_all('([a-z]+)-([a-z]+)', 'kata-qemu', '$2-${1}')", R"("qemu-kata")"},
        ok_case{"regex_replace_all('(?P<x>a)', 'banana', '<$x>')", R"("b<a>n<a>n<a>")"},
        ok_case{"regex_replace_all('a*', 'baaac', 'X')", R"("XbXcX")"},
        ok_case{"regex_replace_all_literal('a', 'banana', '$1')", R"("b$1n$1n$1")"},
        ok_case{"pattern_match('kata-*', request.object.spec.runtimeClassName)", "true"},
        ok_case{"pattern_match('1?3', `123`)", "true"},
        ok_case{"label_match(`{\"app\":\"web\"}`, request.object.metadata.labels)", "true"},
        ok_case{"label_match(`{\"app\":\"db\"}`, request.object.metadata.labels)", "false"},
        // Data functions.
        ok_case{"parse_json('{\"a\":[1,2]}').a[1]", "2"},
        ok_case{"parse_yaml('a: 1\nb: [x, z]').b", R"(["x","z"])"},
        ok_case{"parse_yaml('[y, n]')", "[true,false]"},  // YAML 1.1 booleans, as go-yaml v2
        ok_case{"items(`{\"b\":2,\"a\":1}`, 'k', 'v')", R"([{"k":"a","v":1},{"k":"b","v":2}])"},
        ok_case{"items(`[\"x\"]`, 'i', 'v')", R"([{"i":0,"v":"x"}])"},
        ok_case{"object_from_lists(`[\"a\",\"b\"]`, `[1]`)", R"({"a":1,"b":null})"},
        ok_case{"lookup(request.object.metadata.labels, 'app')", R"("web")"},
        ok_case{"lookup(request.object.metadata.labels, 'nope')", "null"},
        ok_case{"lookup(list, `1`)", "1"},
        ok_case{"lookup(list, `9`)", "null"},
        // Arithmetic on numbers and Go durations.
        ok_case{"add(`1`, `2.5`)", "3.5"},
        ok_case{"subtract(`1`, `3`)", "-2"},
        ok_case{"multiply(`4`, `2.5`)", "10"},
        ok_case{"divide(`7`, `2`)", "3.5"},
        ok_case{"modulo(`7`, `3`)", "1"},
        ok_case{"round(`3.14159`, `2`)", "3.14"},
        ok_case{"sum(`[1, 2, 3.5]`)", "6.5"},
        ok_case{"sum(`[]`)", "0"},
        ok_case{"add('1h', '30m0s')", R"("1h30m0s")"},
        ok_case{"subtract('1h', '90s')", R"("58m30s")"},
        ok_case{"multiply('1.5s', `2`)", R"("3s")"},
        ok_case{"divide('1h', '30m0s')", "2"},
        ok_case{"divide('1s', `4`)", R"("250ms")"},
        ok_case{"modulo('1h10s', '1h')", R"("10s")"},
        ok_case{"sum(`[\"1h\", \"1s\", \"1ms\"]`)", R"("1h0m1.001s")"},
        ok_case{"add('-1us', '0s')", R"("-1µs")"},
        // Quantities (Kyverno parses a string as a quantity before a duration).
        ok_case{"add('1Gi', '512Mi')", R"("1536Mi")"},
        ok_case{"subtract('1', '250m')", R"("750m")"},
        ok_case{"add('1m', '1m')", R"("2m")"},
        ok_case{"divide('1Gi', '256Mi')", "4"},
        ok_case{"sum(`[\"1Gi\", \"1Gi\"]`)", R"("2Gi")"},
        // semver (blang/semver ranges).
        ok_case{"semver_compare('1.2.3', '>=1.0.0 <2.0.0')", "true"},
        ok_case{"semver_compare('2.1.0', '>=1.0.0 <2.0.0')", "false"},
        ok_case{"semver_compare('2.1.0', '<1.0.0 || >=2.0.0')", "true"},
        ok_case{"semver_compare('1.4.0', '1.x')", "true"},
        ok_case{"semver_compare('1.2.3-alpha', '<1.2.3')", "true"},
        ok_case{"semver_compare('1.2.3', '1.2.3')", "true"},
        // Paths, images, URLs.
        ok_case{"path_canonicalize('/var//lib/../run/./x/')", R"("/var/run/x")"},
        ok_case{"path_canonicalize('a/../../b')", R"("../b")"},
        ok_case{"image_normalize('nginx')", R"("docker.io/nginx:latest")"},
        ok_case{"image_normalize('nginx:1.25')", R"("docker.io/nginx:1.25")"},
        ok_case{"image_normalize('ghcr.io/acme/app@sha256:0123456789abcdef0123456789abcdef')",
                R"("ghcr.io/acme/app@sha256:0123456789abcdef0123456789abcdef")"},
        ok_case{"image_normalize('localhost:5000/app')", R"("localhost:5000/app:latest")"},
        ok_case{"is_external_url('https://example.com/x')", "true"},
        ok_case{"is_external_url('http://127.0.0.1:8080/')", "false"},
        ok_case{"is_external_url('http://10.1.2.3/')", "false"},
        ok_case{"is_external_url('http://localhost/')", "false"},
        ok_case{"is_external_url('not a url')", "false"}));

struct err_case {
  const char* expr;
  error_class want;
  const char* message_part;
};
void PrintTo(const err_case& c, std::ostream* os) { *os << c.expr; }

class Err : public testing::TestWithParam<err_case> {};

TEST_P(Err, Fails) {
  static const value data = doc(review_json);
  auto r = jmespath::search(GetParam().expr, data);
  ASSERT_FALSE(r.ok()) << GetParam().expr << " gave " << json::serialize(*r);
  EXPECT_EQ(jmespath::classify(r.err()), GetParam().want) << r.err().message;
  EXPECT_NE(r.err().message.find(GetParam().message_part), std::string::npos) << r.err().message;
}

INSTANTIATE_TEST_SUITE_P(
    Kyverno, Err,
    testing::Values(
        // A missing key that nothing swallows is Kyverno's NotFound.
        err_case{"a.b", error_class::not_found, R"(Unknown key "a" in path)"},
        err_case{"request.object.metadata.labels.foo", error_class::not_found, R"(Unknown key "foo" in path)"},
        err_case{"request.object.metadata.labels.foo.bar", error_class::not_found, R"(Unknown key "foo")"},
        err_case{"request.object.nope[*].name", error_class::not_found, R"(Unknown key "nope")"},
        err_case{"request | nope", error_class::not_found, R"(Unknown key "nope")"},
        // Syntax errors carry the expression and the offset.
        err_case{"foo.", error_class::syntax, "invalid JMESPath expression 'foo.': syntax error: "},
        err_case{"a[?b==]", error_class::syntax, "at offset 6"},
        err_case{"a = b", error_class::syntax, "at offset 2"},
        err_case{"'unterminated", error_class::syntax, "at offset 0"},
        err_case{"foo[0:1:0]", error_class::invalid_value, "slice step cannot be 0"},
        err_case{"no_such_fn(@)", error_class::unknown_function, "unknown function 'no_such_fn' at offset 0"},
        err_case{"length(@, @)", error_class::invalid_arity, "takes 1 argument, got 2"},
        err_case{"replace('a', 'b', 'c')", error_class::invalid_arity, "takes 4 arguments, got 3"},
        err_case{"\"length\"(@)", error_class::syntax, "quoted identifier"},
        // Type errors at run time.
        err_case{"length(n)", error_class::invalid_type, "argument 1 must be string or array or object, got number"},
        err_case{"to_upper(n)", error_class::invalid_type, "JMESPath function 'to_upper': invalid type"},
        err_case{"sort_by(`[{\"a\":1},{\"a\":\"x\"}]`, &a)", error_class::invalid_type, "sort_by"},
        err_case{"&a", error_class::invalid_type, "only valid as a function argument"},
        err_case{"to_boolean('yes')", error_class::invalid_value, "cannot convert 'yes'"},
        err_case{"base64_decode('abc')", error_class::invalid_value, "illegal base64 data"},
        err_case{"base64_decode('a===')", error_class::invalid_value, "illegal base64 data"},
        err_case{"regex_match('(', 'x')", error_class::invalid_value, "invalid regular expression"},
        err_case{"parse_json('{')", error_class::invalid_value, "parse_json"},
        err_case{"divide(`1`, `0`)", error_class::invalid_value, "Zero divisor passed"},
        err_case{"modulo(`1.5`, `1`)", error_class::invalid_value, "Non-integer"},
        err_case{"add(`1`, '1h')", error_class::invalid_type, "types mismatch"},
        err_case{"add('x', '1h')", error_class::invalid_type, "must be a number, a quantity or a duration"},
        err_case{"multiply('1Gi', `2`)", error_class::other, "not supported"},
        err_case{"add('1Gi', '1h')", error_class::invalid_type, "types mismatch"},
        err_case{"sum(`[\"1Gi\", \"1h\"]`)", error_class::invalid_type, "all quantities"},
        err_case{"round(`1.5`, `0.5`)", error_class::invalid_value, "integer"},
        err_case{"lookup(list, 'a')", error_class::invalid_type, "number"},
        err_case{"semver_compare('1.0.0', '|| 1.0.0')", error_class::invalid_value, "invalid semver range"},
        err_case{"image_normalize('Bad Image')", error_class::invalid_value, "bad image"}));

TEST(Jmespath, MissingKeyErrorKind) {
  auto r = jmespath::search("a.b", value::object());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, error::kind::not_found);
  EXPECT_EQ(r.err().message, R"(Unknown key "a" in path)");
}

TEST(Jmespath, Budgets) {
  value data = doc(R"({"a": [1,2,3,4,5,6,7,8,9,10]})");
  struct budget_case {
    const char* expr;
    jmespath::limits l;
    const char* message_part;
  };
  const budget_case cases[] = {
      {"a[*].to_string(@)", {.max_steps = 10}, "exceeded 10 steps"},
      {"[@,@,@,@] | [@,@,@,@] | [@,@,@,@] | [@,@,@,@] | [@,@,@,@] | [@,@,@,@] | [@,@,@,@] | [@,@,@,@]",
       {},
       "larger than"},
      {"replace_all(join('', a[].to_string(@)), '', 'xxxxxxxxxx')", {.max_result_bytes = 64}, "larger than"},
      {"a.b.c.d", {.max_depth = 2}, "nested deeper than 2"},
  };
  for (const auto& c : cases) {
    auto e = jmespath::compile(c.expr);
    ASSERT_TRUE(e.ok()) << e.err().message;
    auto r = jmespath::evaluate(**e, data, c.l);
    ASSERT_FALSE(r.ok()) << c.expr;
    EXPECT_EQ(r.err().code, error::kind::budget) << c.expr << ": " << r.err().message;
    EXPECT_NE(r.err().message.find(c.message_part), std::string::npos) << r.err().message;
  }
}

TEST(Jmespath, ParserNestingIsBounded) {
  std::string deep(5000, '(');
  deep += "a";
  deep += std::string(5000, ')');
  auto e = jmespath::compile(deep);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.err().message.find("nested deeper than"), std::string::npos);
  std::string nots(5000, '!');
  EXPECT_FALSE(jmespath::compile(nots + "a").ok());
}

TEST(Jmespath, Dump) {
  struct dump_case {
    const char* expr;
    const char* want;
  };
  const dump_case cases[] = {
      {"a.b", R"((sub (field "a") (field "b")))"},
      {"a[*].b", R"((project (field "a") (field "b")))"},
      {"a[?x > `1`] | [0]", R"((pipe (filter (field "a") (> (field "x") (literal 1)) @) (index-expr @ (index 0))))"},
      {"length(@) || 'x'", R"((or (call length (current)) (literal "x")))"},
      {"{k: a[1:2]}", R"((hash ("k" (project (index-expr (field "a") (slice 1:2:_)) @))))"},
      {"sort_by(a, &b)", R"((call sort_by (field "a") (expref (field "b"))))"},
  };
  for (const auto& c : cases) {
    auto e = jmespath::compile(c.expr);
    ASSERT_TRUE(e.ok()) << e.err().message;
    EXPECT_EQ(jmespath::dump(**e), c.want) << c.expr;
    EXPECT_EQ(jmespath::source(**e), c.expr);
  }
}

TEST(Jmespath, FunctionNames) {
  auto names = jmespath::function_names();
  std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size()) << "a function is defined twice";
  for (const char* want : {"abs", "avg", "ceil", "contains", "ends_with", "floor", "join", "keys", "length", "map",
                           "max", "max_by", "merge", "min", "min_by", "not_null", "reverse", "sort", "sort_by",
                           "starts_with", "sum", "to_array", "to_number", "to_string", "type", "values",
                           "base64_encode", "base64_decode", "to_upper", "to_lower", "trim", "trim_prefix", "split",
                           "replace", "replace_all", "regex_match", "regex_replace_all", "regex_replace_all_literal",
                           "pattern_match", "label_match", "compare", "equal_fold", "to_boolean", "truncate",
                           "parse_json", "parse_yaml", "items", "object_from_lists", "lookup", "add", "subtract",
                           "multiply", "divide", "modulo", "round", "semver_compare", "path_canonicalize", "sha256",
                           "sha1", "md5", "image_normalize", "is_external_url", "time_add", "time_after", "time_before",
                           "time_between", "time_diff", "time_parse", "time_since", "time_to_cron", "time_truncate",
                           "time_utc"}) {
    EXPECT_TRUE(unique.count(want)) << want;
  }
}

TEST(Jmespath, CompiledExpressionIsReusable) {
  auto e = jmespath::compile("metadata.labels.app || 'none'");
  ASSERT_TRUE(e.ok());
  const value with = doc(R"({"metadata":{"labels":{"app":"web"}}})");
  const value without = doc(R"({"metadata":{"labels":{}}})");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(*jmespath::evaluate(**e, with), value("web"));
    EXPECT_EQ(*jmespath::evaluate(**e, without), value("none"));
  }
}

}  // namespace

// length() counts runes as Go's utf8.RuneCountInString: a valid sequence is one, an invalid byte is one. The count
// takes ASCII 8 bytes a step, so strings of every length mix ASCII runs with sequences valid, truncated and invalid
// at every offset; the reference decodes byte by byte.
TEST(Jmespath, LengthCountsRunesAsGoDoes) {
  auto reference = [](std::string_view s) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++n) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      std::size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
      bool ok = len != 0 && i + len <= s.size();
      std::uint32_t r = len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
      for (std::size_t k = 1; ok && k < len; ++k) {
        const unsigned char b = static_cast<unsigned char>(s[i + k]);
        ok = (b & 0xc0) == 0x80;
        r = (r << 6) | (b & 0x3f);
      }
      if (ok && len > 1) {
        const std::uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
        ok = r >= min && r <= 0x10ffff && !(r >= 0xd800 && r <= 0xdfff);
      }
      i += ok ? len : 1;
    }
    return n;
  };
  static const char* const pieces[] = {"a", "abcdefgh", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xff",
                                       "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xc0\x80", "\xf4\x90\x80\x80", "\x80"};
  std::uint64_t seed = 42;
  for (int round = 0; round < 3000; ++round) {
    std::string s;
    const int parts = static_cast<int>(seed % 12);
    for (int p = 0; p < parts; ++p) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      s += pieces[(seed >> 33) % std::size(pieces)];
    }
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    value data = value::object();
    data["s"] = s;
    auto r = jmespath::search("length(s)", data);
    ASSERT_TRUE(r.ok()) << r.err().message;
    ASSERT_EQ(r->as_int(), static_cast<std::int64_t>(reference(s))) << "round " << round;
  }
}

// regex_match keeps its answers for long subjects (kept per pattern and whole subject): each pattern gets its own
// answer, a subject differing in its last byte is matched again, and a pattern and subject that concatenate to the
// same text as another pair are still told apart.
TEST(Jmespath, RegexMatchOnLongSubjectsKeepsEachPairsAnswer) {
  value data = value::object();
  const std::string body(600, 'x');
  data["a"] = body + "needle";
  data["b"] = body + "needlf";
  data["c"] = "d" + body;
  data["d"] = body;
  auto match = [&](const std::string& expr) {
    auto r = jmespath::search(expr, data);
    EXPECT_TRUE(r.ok()) << expr << ": " << (r.ok() ? "" : r.err().message);
    return r.ok() && r->is_bool() && r->as_bool();
  };
  for (int round = 0; round < 2; ++round) {
    EXPECT_TRUE(match("regex_match('needle$', a)"));
    EXPECT_FALSE(match("regex_match('needlf$', a)"));
    EXPECT_FALSE(match("regex_match('needle$', b)"));
    EXPECT_TRUE(match("regex_match('needlf$', b)"));
    EXPECT_TRUE(match("regex_match('^d', c)"));     // the pattern "^d" and the subject "dxxx..." ...
    EXPECT_FALSE(match("regex_match('^dd', d)"));  // ... are not the pattern "^dd" and the subject "xxx..."
  }
}

// What a field or an index finds in a function's result is moved out of it (the result is the evaluation's own);
// anything else is copied. One compiled expression evaluated twice gives the same answers, and its literals are
// left alone.
TEST(Jmespath, FieldsOfAFunctionsResultAreTakenWhole) {
  value data = value::object();
  data["s"] = R"({"a":{"b":"bee","c":[10,20]},"d":[{"e":"x"}]})";
  for (const char* expr : {"parse_json(s).a.b", "parse_json(s).a.c[1]", "parse_json(s).d[0].e", "parse_json(s) | a.b",
                           "parse_json(s).a | c", "parse_json(s) | `\"lit\"`", "parse_json(s).a.c[5]"}) {
    auto compiled = jmespath::compile(expr);
    ASSERT_TRUE(compiled.ok()) << expr;
    std::string first;
    for (int round = 0; round < 2; ++round) {
      auto r = jmespath::evaluate(**compiled, data);
      ASSERT_TRUE(r.ok()) << expr << ": " << r.err().message;
      if (round == 0) first = json::serialize(*r);
      EXPECT_EQ(json::serialize(*r), first) << expr;
    }
  }
  auto answer = [&](const char* expr) { return json::serialize(*jmespath::search(expr, data)); };
  EXPECT_EQ(answer("parse_json(s).a.b"), "\"bee\"");
  EXPECT_EQ(answer("parse_json(s).a.c[1]"), "20");
  EXPECT_EQ(answer("parse_json(s).a | c"), "[10,20]");
  EXPECT_EQ(answer("parse_json(s) | `\"lit\"`"), "\"lit\"");
  EXPECT_EQ(answer("parse_json(s).a.c[5]"), "null");
}
