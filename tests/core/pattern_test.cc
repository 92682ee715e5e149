// validate.pattern matching, in the style of Kyverno's pkg/engine/pattern/pattern_test.go
// (Validate on single values) and pkg/engine/validate/validate_test.go
// (TestConditionalAnchorWithMultiplePatterns, Test_global_anchor: pattern, resource, status).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "coco-admit/core/json.h"
#include "coco-admit/core/pattern.h"

namespace coco_admit {
namespace {

using pattern::status;

value j(const char* text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? std::move(*v) : value();
}

struct scalar_case {
  const char* resource;  // JSON
  const char* pattern;   // JSON
  bool want;
};

TEST(PatternScalar, KyvernoValidateTable) {
  const std::vector<scalar_case> cases = {
      // bool
      {"true", "true", true}, {"true", "false", false}, {"false", "false", true}, {R"~("true")~", "true", false},
      // numbers (patterns are float64 in Kyverno)
      {"7", "7", true}, {"7.0", "7", true}, {"7.1", "7", false}, {R"~("7")~", "7", true}, {R"~("7.0")~", "7", true},
      {"7.9914", "7.9914", true}, {"7", "7.5", false}, {"true", "1", false},
      // null pattern
      {"null", "null", true}, {R"~("")~", "null", true}, {"0", "null", true}, {"0.0", "null", true},
      {"false", "null", true}, {R"~("x")~", "null", false}, {"1", "null", false}, {"{}", "null", false},
      {"[]", "null", false},
      // map / list patterns
      {R"~({"a":1})~", R"~({"b":2})~", true}, {R"~("a")~", "{}", false}, {"[1]", "[1]", false},
      // wildcards
      {R"~("anything")~", R"~("*")~", true}, {R"~("")~", R"~("*")~", true}, {R"~("")~", R"~("?*")~", false},
      {R"~("x")~", R"~("?*")~", true}, {"null", R"~("*")~", false}, {"null", R"~("?*")~", false},
      {R"~("leftright")~", R"~("*right")~", true}, {R"~("leftmiddle")~", R"~("*right")~", false},
      {R"~("nginx:latest")~", R"~("!*:latest")~", false}, {R"~("nginx:1.2")~", R"~("!*:latest")~", true},
      // logical or / and
      {R"~("192.168.88.1")~", R"~("192.168.88.1 | 10.100.11.*")~", true},
      {R"~("10.100.11.54")~", R"~("192.168.88.1 | 10.100.11.*")~", true},
      {R"~("10.100.12.54")~", R"~("192.168.88.1 | 10.100.11.*")~", false},
      {"3", R"~(">= 1 & <= 5")~", true}, {"6", R"~(">= 1 & <= 5")~", false},
      {R"~("a")~", R"~("!b & !c")~", true}, {R"~("b")~", R"~("!b & !c")~", false},
      // numeric comparisons go through quantities
      {"2", R"~(">1")~", true}, {"1", R"~(">1")~", false}, {"1", R"~(">=1")~", true}, {"0", R"~("<1")~", true},
      {R"~("500m")~", R"~(">= 0.4")~", true}, {R"~("300m")~", R"~(">= 0.4")~", false},
      {"1024", R"~("1Ki")~", true}, {R"~("1Gi")~", R"~("1024Mi")~", true}, {R"~("2Gi")~", R"~("<=1Gi")~", false},
      {"7", R"~("!5")~", true}, {"5", R"~("!5")~", false}, {R"~("abc")~", R"~(">1")~", false},
      // durations
      {R"~("12s")~", R"~("12s")~", true}, {R"~("12s")~", R"~(">10s")~", true}, {R"~("12s")~", R"~("<10s")~", false},
      {R"~("1h")~", R"~(">59m")~", true}, {R"~("60m")~", R"~("1h")~", true},
      // ranges
      {R"~("2.7")~", R"~("1-3")~", true}, {"3", R"~("1-3")~", true}, {"4", R"~("1-3")~", false},
      {"5", R"~("1!-3")~", true}, {"2", R"~("1!-3")~", false}, {"0", R"~("1!-3")~", true},
      {R"~("10s")~", R"~("5s-15s")~", true}, {R"~("20s")~", R"~("5s-15s")~", false},
      {R"~("1Gi")~", R"~("512Mi-2Gi")~", true}, {R"~("4Gi")~", R"~("512Mi-2Gi")~", false},
      {R"~("2020-01")~", R"~("2020-01")~", true},   // exact string equality wins before the range
      {R"~("2020-02")~", R"~("2020-0*")~", false},  // Kyverno's range regex takes this as 2020..0*
      {"-5", R"~("-10-0")~", false},              // ranges have no negative endpoints
      // stringification: bools, ints, floats in Go 'E' notation
      {"true", R"~("true")~", true}, {"false", R"~("t*")~", false}, {"42", R"~("4?")~", true},
      {"0.5", R"~("5E*")~", true}, {"2.5", R"~("2.5")~", true}, {"100.5", R"~("1.005E+02")~", true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(pattern::match_scalar(j(c.resource), j(c.pattern)), c.want) << c.resource << " vs " << c.pattern;
  }
}

struct match_case {
  const char* name;
  const char* pattern;
  const char* resource;
  status want;
  const char* path;  // expected failure path ("" for pass/skip)
};

void run(const std::vector<match_case>& cases) {
  for (const auto& c : cases) {
    auto out = pattern::match(j(c.resource), j(c.pattern));
    EXPECT_EQ(static_cast<int>(out.st), static_cast<int>(c.want)) << c.name << ": " << out.reason;
    EXPECT_EQ(out.path, c.path) << c.name << ": " << out.reason;
  }
}

TEST(PatternMatch, MapsListsAndScalars) {
  run({
      {"image ok", R"~({"spec":{"containers":[{"image":"!*:latest"}]}})~",
       R"~({"spec":{"containers":[{"name":"a","image":"nginx:1.0"}]}})~", status::pass, ""},
      {"image latest", R"~({"spec":{"containers":[{"image":"!*:latest"}]}})~",
       R"~({"spec":{"containers":[{"name":"a","image":"nginx:latest"}]}})~", status::fail, "/spec/containers/0/image/"},
      {"second container", R"~({"spec":{"containers":[{"image":"!*:latest"}]}})~",
       R"~({"spec":{"containers":[{"image":"a:1"},{"image":"b:latest"}]}})~", status::fail,
       "/spec/containers/1/image/"},
      {"empty resource list", R"~({"spec":{"containers":[{"image":"!*:latest"}]}})~", R"~({"spec":{"containers":[]}})~",
       status::pass, ""},
      {"missing label ?*", R"~({"metadata":{"labels":{"app":"?*"}}})~", R"~({"metadata":{"labels":{}}})~", status::fail,
       "/metadata/labels/app/"},
      {"empty label ?*", R"~({"metadata":{"labels":{"app":"?*"}}})~", R"~({"metadata":{"labels":{"app":""}}})~",
       status::fail, "/metadata/labels/app/"},
      {"label ok", R"~({"metadata":{"labels":{"app":"?*"}}})~", R"~({"metadata":{"labels":{"app":"web"}}})~",
       status::pass, ""},
      {"missing labels map", R"~({"metadata":{"labels":{"app":"?*"}}})~", R"~({"metadata":{"name":"x"}})~",
       status::fail, "/metadata/labels/"},
      {"star missing: parent path", R"~({"metadata":{"labels":{"app":"*"}}})~", R"~({"metadata":{"labels":{}}})~",
       status::fail, "/metadata/labels/"},
      {"star present empty", R"~({"metadata":{"labels":{"app":"*"}}})~", R"~({"metadata":{"labels":{"app":""}}})~",
       status::pass, ""},
      {"star present null", R"~({"a":"*"})~", R"~({"a":null})~", status::fail, "/"},
      {"null pattern missing", R"~({"spec":{"hostPID":null}})~", R"~({"spec":{}})~", status::pass, ""},
      {"null pattern false", R"~({"spec":{"hostPID":null}})~", R"~({"spec":{"hostPID":false}})~", status::pass, ""},
      {"null pattern true", R"~({"spec":{"hostPID":null}})~", R"~({"spec":{"hostPID":true}})~", status::fail,
       "/spec/hostPID/"},
      {"positional list ok", R"~({"spec":{"args":["a","b"]}})~", R"~({"spec":{"args":["a","b","c"]}})~", status::pass,
       ""},
      {"positional list short", R"~({"spec":{"args":["a","b"]}})~", R"~({"spec":{"args":["a"]}})~", status::fail,
       "/spec/args/"},
      {"positional list mismatch", R"~({"spec":{"args":["a","b"]}})~", R"~({"spec":{"args":["a","x"]}})~",
       status::fail, "/spec/args/1/"},
      {"scalar vs list", R"~({"spec":{"args":"a*"}})~", R"~({"spec":{"args":["ab","ac"]}})~", status::pass, ""},
      {"scalar vs list fail", R"~({"spec":{"args":"a*"}})~", R"~({"spec":{"args":["ab","x"]}})~", status::fail,
       "/spec/args/"},
      {"map vs scalar", R"~({"spec":{"replicas":{"x":1}}})~", R"~({"spec":{"replicas":3}})~", status::fail,
       "/spec/replicas/"},
      {"list vs map", R"~({"spec":{"containers":[{"name":"*"}]}})~", R"~({"spec":{"containers":{"name":"a"}}})~",
       status::fail, "/spec/containers/"},
      {"empty pattern list", R"~({"spec":{"x":[]}})~", R"~({"spec":{"x":[1]}})~", status::fail, "/spec/x/"},
      {"number pattern int", R"~({"spec":{"replicas":3}})~", R"~({"spec":{"replicas":3}})~", status::pass, ""},
      {"number pattern string", R"~({"spec":{"replicas":3}})~", R"~({"spec":{"replicas":"3"}})~", status::pass, ""},
      {"number pattern mismatch", R"~({"spec":{"replicas":3}})~", R"~({"spec":{"replicas":4}})~", status::fail,
       "/spec/replicas/"},
      {"top-level scalar", R"~("a*")~", R"~("abc")~", status::pass, ""},
      {"only first map of a list", R"~({"spec":{"c":[{"a":"1"},{"a":"2"}]}})~", R"~({"spec":{"c":[{"a":"1"}]}})~",
       status::pass, ""},
      {"pattern key absent in resource map", R"~({"spec":{"nodeName":"node-*"}})~", R"~({"spec":{}})~", status::fail,
       "/spec/nodeName/"},
      {"add-if-not-present is a literal key here", R"~({"metadata":{"+(x)":"y"}})~", R"~({"metadata":{"x":"y"}})~",
       status::fail, "/metadata/+(x)/"},
  });
}

TEST(PatternMatch, ConditionalAnchors) {
  const char* p1 = R"~({"spec":{"containers":[{"(name)":"nginx","image":"nginx:1.*"}]}})~";
  const char* p2 = R"~({"spec":{"containers":[{"(image)":"*:latest","imagePullPolicy":"!IfNotPresent"}]}})~";
  const char* p3 =
      R"~({"spec":{"(runtimeClassName)":"kata*","containers":[{"resources":{"limits":{"memory":"<=2Gi"}}}]}})~";
  run({
      {"cond pass", p1, R"~({"spec":{"containers":[{"name":"nginx","image":"nginx:1.2"}]}})~", status::pass, ""},
      {"cond skip", p1, R"~({"spec":{"containers":[{"name":"other","image":"x"}]}})~", status::skip, ""},
      {"cond fail", p1, R"~({"spec":{"containers":[{"name":"nginx","image":"nginx:2.0"}]}})~", status::fail,
       "/spec/containers/0/image/"},
      {"cond mixed", p1, R"~({"spec":{"containers":[{"name":"other","image":"x"},{"name":"nginx","image":"nginx:1.2"}]}})~",
       status::pass, ""},
      {"cond mixed fail", p1,
       R"~({"spec":{"containers":[{"name":"other","image":"x"},{"name":"nginx","image":"nginx:3"}]}})~", status::fail,
       "/spec/containers/1/image/"},
      {"cond key missing", p1, R"~({"spec":{"containers":[{"image":"x"}]}})~", status::skip, ""},
      {"latest always", p2, R"~({"spec":{"containers":[{"image":"nginx:latest","imagePullPolicy":"Always"}]}})~",
       status::pass, ""},
      {"latest ifnotpresent", p2,
       R"~({"spec":{"containers":[{"image":"nginx:latest","imagePullPolicy":"IfNotPresent"}]}})~", status::fail,
       "/spec/containers/0/imagePullPolicy/"},
      {"not latest", p2, R"~({"spec":{"containers":[{"image":"nginx:1","imagePullPolicy":"IfNotPresent"}]}})~",
       status::skip, ""},
      {"map cond skip", p3, R"~({"spec":{"runtimeClassName":"runc","containers":[{"resources":{}}]}})~", status::skip,
       ""},
      {"map cond missing", p3, R"~({"spec":{"containers":[{"resources":{}}]}})~", status::skip, ""},
      {"map cond fail", p3,
       R"~({"spec":{"runtimeClassName":"kata-qemu","containers":[{"resources":{"limits":{"memory":"4Gi"}}}]}})~",
       status::fail, "/spec/containers/0/resources/limits/memory/"},
      {"map cond pass", p3,
       R"~({"spec":{"runtimeClassName":"kata-qemu","containers":[{"resources":{"limits":{"memory":"1Gi"}}}]}})~",
       status::pass, ""},
      {"anchors sorted: condition before equality", R"~({"spec":{"(a)":"x","=(b)":"y"}})~", R"~({"spec":{"b":"z"}})~",
       status::skip, ""},
      {"condition holds, equality fails", R"~({"spec":{"(a)":"x","=(b)":"y"}})~", R"~({"spec":{"a":"x","b":"z"}})~",
       status::fail, "/spec/b/"},
      {"nested anchors before plain keys", R"~({"spec":{"a":"1","b":[{"(n)":"x"}]}})~",
       R"~({"spec":{"a":"2","b":[{"n":"y"}]}})~", status::skip, ""},
      {"conditional with map value", R"~({"spec":{"(securityContext)":{"runAsNonRoot":true},"hostPID":false}})~",
       R"~({"spec":{"securityContext":{"runAsNonRoot":false},"hostPID":true}})~", status::skip, ""},
  });
}

TEST(PatternMatch, GlobalEqualityNegationExistence) {
  const char* global =
      R"~({"spec":{"containers":[{"name":"*","<(image)":"someimage:latest"}],"imagePullSecrets":[{"name":"my-registry-secret"}]}})~";
  run({
      // Test_global_anchor
      {"global fail", global, R"~({"spec":{"containers":[{"name":"pod","image":"someimage:latest"}]}})~",
       status::fail, "/spec/imagePullSecrets/"},
      {"global pass", global,
       R"~({"spec":{"containers":[{"name":"pod","image":"someimage:latest"}],"imagePullSecrets":[{"name":"my-registry-secret"}]}})~",
       status::pass, ""},
      {"global skip", global, R"~({"spec":{"containers":[{"name":"pod","image":"someotherimage:latest"}]}})~",
       status::skip, ""},
      {"global in map", R"~({"spec":{"<(runtimeClassName)":"kata*","hostNetwork":false}})~",
       R"~({"spec":{"runtimeClassName":"runc","hostNetwork":true}})~", status::skip, ""},
      {"global in map holds", R"~({"spec":{"<(runtimeClassName)":"kata*","hostNetwork":false}})~",
       R"~({"spec":{"runtimeClassName":"kata","hostNetwork":true}})~", status::fail, "/spec/hostNetwork/"},
      // equality
      {"equality absent", R"~({"spec":{"=(hostNetwork)":false}})~", R"~({"spec":{}})~", status::pass, ""},
      {"equality ok", R"~({"spec":{"=(hostNetwork)":false}})~", R"~({"spec":{"hostNetwork":false}})~", status::pass, ""},
      {"equality fail", R"~({"spec":{"=(hostNetwork)":false}})~", R"~({"spec":{"hostNetwork":true}})~", status::fail,
       "/spec/hostNetwork/"},
      {"equality nested", R"~({"spec":{"=(securityContext)":{"=(runAsUser)":">0"}}})~",
       R"~({"spec":{"securityContext":{"runAsUser":0}}})~", status::fail, "/spec/securityContext/runAsUser/"},
      {"runtimeClass allow-list", R"~({"spec":{"=(runtimeClassName)":"kata-qemu-snp | kata-qemu-tdx"}})~",
       R"~({"spec":{"runtimeClassName":"runc"}})~", status::fail, "/spec/runtimeClassName/"},
      // negation
      {"negation absent", R"~({"spec":{"=(volumes)":[{"X(hostPath)":"null"}]}})~",
       R"~({"spec":{"volumes":[{"name":"a","emptyDir":{}}]}})~", status::pass, ""},
      {"negation present", R"~({"spec":{"=(volumes)":[{"X(hostPath)":"null"}]}})~",
       R"~({"spec":{"volumes":[{"name":"a","hostPath":{"path":"/"}}]}})~", status::fail, "/spec/volumes/0/hostPath/"},
      // existence
      {"existence pass", R"~({"spec":{"^(containers)":[{"image":"nginx*"}]}})~",
       R"~({"spec":{"containers":[{"image":"busybox"},{"image":"nginx:1"}]}})~", status::pass, ""},
      {"existence fail", R"~({"spec":{"^(containers)":[{"image":"nginx*"}]}})~",
       R"~({"spec":{"containers":[{"image":"busybox"}]}})~", status::fail, "/spec/containers/"},
      {"existence absent", R"~({"spec":{"^(containers)":[{"image":"nginx*"}]}})~", R"~({"spec":{}})~", status::pass, ""},
      {"existence on non-list", R"~({"spec":{"^(containers)":[{"image":"nginx*"}]}})~",
       R"~({"spec":{"containers":"x"}})~", status::fail, "/spec/containers/"},
      // Kyverno's AnchorMap rule: a plain failure with a tracked anchor key absent everywhere => skip
      {"missing anchor key turns fail into skip", R"~({"metadata":{"X(annotations)":null},"spec":{"replicas":2}})~",
       R"~({"metadata":{"name":"a"},"spec":{"replicas":3}})~", status::skip, ""},
  });
}

TEST(PatternMatch, Reasons) {
  auto neg = pattern::match(j(R"~({"spec":{"X(hostPID)":"*"}})~"), j(R"~({"spec":{"X(hostPID)":"*"}})~"));
  EXPECT_EQ(neg.st, status::pass);  // the resource has no key named hostPID (only a literal "X(hostPID)")
  auto n2 = pattern::match(j(R"~({"spec":{"hostPID":true}})~"), j(R"~({"spec":{"X(hostPID)":"*"}})~"));
  EXPECT_EQ(n2.st, status::fail);
  EXPECT_EQ(n2.reason, "negation anchor matched in resource: /spec/hostPID/ is not allowed");
  auto v = pattern::match(j(R"~({"spec":{"containers":[{"image":"nginx:latest"}]}})~"),
                          j(R"~({"spec":{"containers":[{"image":"!*:latest"}]}})~"));
  EXPECT_EQ(v.reason, "resource value 'nginx:latest' does not match '!*:latest' at path /spec/containers/0/image/");
  auto m = pattern::match(j(R"~({"spec":{"replicas":3}})~"), j(R"~({"spec":{"replicas":{"x":1}}})~"));
  EXPECT_EQ(m.reason,
            "pattern and resource have different structures. Path: /spec/replicas/. Expected map[string]interface {}, "
            "found int64");
  auto s = pattern::match(j(R"~({"spec":{"containers":[{"name":"b"}]}})~"),
                          j(R"~({"spec":{"containers":[{"(name)":"a","image":"x"}]}})~"));
  EXPECT_EQ(s.st, status::skip);
  EXPECT_NE(s.reason.find("conditional anchor mismatch"), std::string::npos);
}

TEST(PatternMatch, WildcardMetadataKeys) {
  const char* p = R"~({"metadata":{"labels":{"app.kubernetes.io/*":"?*"}}})~";
  run({
      {"expanded ok", p, R"~({"metadata":{"labels":{"app.kubernetes.io/name":"web"}}})~", status::pass, ""},
      {"expanded empty", p, R"~({"metadata":{"labels":{"app.kubernetes.io/name":""}}})~", status::fail,
       "/metadata/labels/app.kubernetes.io/name/"},
      {"no key matches", p, R"~({"metadata":{"labels":{"other":"x"}}})~", status::fail,
       "/metadata/labels/app.kubernetes.io/*/"},
      {"anchored wildcard key", R"~({"metadata":{"annotations":{"=(io.katacontainers.*)":"?*"}}})~",
       R"~({"metadata":{"annotations":{"io.katacontainers.config.x":""}}})~", status::fail,
       "/metadata/annotations/io.katacontainers.config.x/"},
  });
}

// A prepared string leaf that is a plain wildcard is matched by the wildcard alone: it must answer as the full
// scalar match does, and the operands it cannot take (operators, alternatives, ranges, durations, quantities,
// blanks) must not be taken for one.
TEST(PatternPrepared, PlainWildcardLeavesAnswerAsTheScalarMatch) {
  const std::vector<std::pair<const char*, bool>> patterns = {
      {"?*", true},        {"*", true},          {"*:*", true},        {"*:latest", true},
      {"nginx", true},     {"registry.io/*", true}, {"", false},       {"1h", false},
      {"60m", false},      {"1Gi", false},       {"100", false},       {"!*:latest", false},
      {"a | b", false},    {"a&b", false},       {"1-5", false},       {">1", false},
      {" x", false},       {"x ", false},        {"true", true},       {"e", false},
  };
  const std::vector<const char*> resources = {
      "", "x", "nginx", "nginx:latest", "registry.io/app:1", "1h", "3600s", "1Gi", "1024Mi", "100", "3", "a",
      "b", "true", " x", "e"};
  for (const auto& [text, plain] : patterns) {
    value pat = value::object();
    pat["v"] = value(std::string(text));
    const pattern::prepared ahead = pattern::prepare(pat);
    ASSERT_EQ(ahead.children.size(), 1u);
    EXPECT_EQ(ahead.children[0].plain_wildcard, plain) << "'" << text << "'";
    for (const char* r : resources) {
      value res = value::object();
      res["v"] = value(std::string(r));
      EXPECT_EQ(pattern::match_status(res, pat, &ahead), pattern::match_status(res, pat, nullptr))
          << "'" << text << "' on '" << r << "'";
      const bool scalar = pattern::match_scalar(value(std::string(r)), value(std::string(text)));
      EXPECT_EQ(pattern::match_status(res, pat, &ahead) == status::pass, scalar) << "'" << text << "' on '" << r << "'";
    }
  }
}

TEST(PatternMatch, AnchorParsing) {
  struct c {
    const char* key;
    pattern::anchor_kind kind;
    const char* bare;
  };
  for (const auto& t : std::vector<c>{{"(name)", pattern::anchor_kind::condition, "name"},
                                      {"<(image)", pattern::anchor_kind::global, "image"},
                                      {"=(x)", pattern::anchor_kind::equality, "x"},
                                      {"X(hostPath)", pattern::anchor_kind::negation, "hostPath"},
                                      {"^(containers)", pattern::anchor_kind::existence, "containers"},
                                      {"+(a)", pattern::anchor_kind::add_if_not_present, "a"},
                                      {" (name) ", pattern::anchor_kind::condition, "name"},
                                      {"((a))", pattern::anchor_kind::condition, "(a)"},
                                      {"()", pattern::anchor_kind::none, ""},
                                      {"name", pattern::anchor_kind::none, ""},
                                      {"Y(a)", pattern::anchor_kind::none, ""},
                                      {"(a", pattern::anchor_kind::none, ""}}) {
    auto a = pattern::parse_anchor(t.key);
    EXPECT_EQ(static_cast<int>(a.kind), static_cast<int>(t.kind)) << t.key;
    if (a.kind != pattern::anchor_kind::none) {
      EXPECT_EQ(a.key, t.bare) << t.key;
    }
  }
}

TEST(PatternMatch, DepthIsBounded) {
  value pat = "x";
  value res = "x";
  for (int i = 0; i < 2 * pattern::max_depth; ++i) {
    value p = value::object();
    p.set("a", std::move(pat));
    pat = std::move(p);
    value r = value::object();
    r.set("a", std::move(res));
    res = std::move(r);
  }
  auto out = pattern::match(res, pat);
  EXPECT_EQ(out.st, status::fail);
  EXPECT_NE(out.reason.find("nesting"), std::string::npos);
}

TEST(PatternReferences, ResolvesRelativeAndAbsolute) {
  value p = j(
      R"~({"spec":{"containers":[{"name":"*","resources":{"requests":{"memory":"$(<=./../../limits/memory)","cpu":"$(./../../limits/cpu)"},"limits":{"memory":"2048Mi","cpu":"2"}}}]},"metadata":{"name":"$(/spec/containers/0/name)x","note":"\\$(./a)"}})~");
  ASSERT_TRUE(pattern::resolve_references(p).ok());
  EXPECT_EQ(*json::at_pointer(p, "/spec/containers/0/resources/requests/memory"), value("<=2048Mi"));
  EXPECT_EQ(*json::at_pointer(p, "/spec/containers/0/resources/requests/cpu"), value("2"));
  EXPECT_EQ(*json::at_pointer(p, "/metadata/name"), value("*x"));
  EXPECT_EQ(*json::at_pointer(p, "/metadata/note"), value("\\$(./a)"));

  value pat = j(
      R"~({"spec":{"containers":[{"resources":{"requests":{"memory":"$(<=./../../limits/memory)"},"limits":{"memory":"2048Mi"}}}]}})~");
  ASSERT_TRUE(pattern::resolve_references(pat).ok());
  auto ok = pattern::match(
      j(R"~({"spec":{"containers":[{"resources":{"requests":{"memory":"1Gi"},"limits":{"memory":"2048Mi"}}}]}})~"), pat);
  EXPECT_EQ(ok.st, status::pass) << ok.reason;
  auto bad = pattern::match(
      j(R"~({"spec":{"containers":[{"resources":{"requests":{"memory":"3Gi"},"limits":{"memory":"2048Mi"}}}]}})~"), pat);
  EXPECT_EQ(bad.st, status::fail);
  EXPECT_EQ(bad.path, "/spec/containers/0/resources/requests/memory/");

  value anchored = j(R"~({"spec":{"=(a)":{"b":"$(<./../c)","c":5}}})~");
  ASSERT_TRUE(pattern::resolve_references(anchored).ok());
  EXPECT_EQ(*json::at_pointer(anchored, "/spec/=(a)/b"), value("<5"));

  value missing = j(R"~({"a":"$(./../nothing)"})~");
  auto st = pattern::resolve_references(missing);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.err().message.find("not resolved"), std::string::npos);
  value empty = j(R"~({"a":"$(<=)"})~");
  EXPECT_FALSE(pattern::resolve_references(empty).ok());
}

}  // namespace
}  // namespace coco_admit
