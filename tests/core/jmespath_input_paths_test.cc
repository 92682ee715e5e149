// jmespath::input_paths: the fields of its input an expression reads, or no claim.
#include <gtest/gtest.h>

#include "coco-admit/core/jmespath.h"

using namespace coco_admit;

namespace {

// The paths as "a.b|c" (sorted), or "none" for no claim.
std::string paths_of(const std::string& text) {
  auto e = jmespath::compile(text);
  EXPECT_TRUE(e.ok()) << text;
  if (!e.ok()) return "invalid";
  auto paths = jmespath::input_paths(**e);
  if (!paths) return "none";
  std::vector<std::string> joined;
  for (const auto& p : *paths) {
    std::string s;
    for (const auto& f : p) s += (s.empty() ? "" : ".") + f;
    joined.push_back(s);
  }
  std::sort(joined.begin(), joined.end());
  std::string out;
  for (const auto& s : joined) out += (out.empty() ? "" : "|") + s;
  return out;
}

}  // namespace

TEST(JmespathInputPaths, FieldsFunctionsAndOperators) {
  EXPECT_EQ(paths_of("request.namespace"), "request.namespace");
  EXPECT_EQ(paths_of("lookup(cm.data, request.namespace) || cm.data._default"),
            "cm.data|cm.data._default|request.namespace");
  EXPECT_EQ(paths_of("parse_json(lookup(cm.data, request.namespace) || cm.data._default)"),
            "cm.data|cm.data._default|request.namespace");
  EXPECT_EQ(paths_of("a.b == 'x' && !c"), "a.b|c");
  EXPECT_EQ(paths_of("a | b.c"), "a.b.c");
  EXPECT_EQ(paths_of("\"quoted key\".x"), "quoted key.x");
  EXPECT_EQ(paths_of("`1`"), "");
  EXPECT_EQ(paths_of("'text'"), "");
}

TEST(JmespathInputPaths, WhatIsReadWholeEndsThePath) {
  // An index, a projection or a filter reads the value whole; what follows reads elements, not the input.
  EXPECT_EQ(paths_of("a.b[0].c"), "a.b");
  EXPECT_EQ(paths_of("a[*].name"), "a");
  EXPECT_EQ(paths_of("a[?name == other].value"), "a");
  EXPECT_EQ(paths_of("a.*.x"), "a");
  EXPECT_EQ(paths_of("a[].b"), "a");
  EXPECT_EQ(paths_of("a[1:2]"), "a");
  EXPECT_EQ(paths_of("sort_by(a.items, &name)"), "a.items");
  EXPECT_EQ(paths_of("a.{x: b, y: c}"), "a|a.b|a.c");
  EXPECT_EQ(paths_of("[a, b.c]"), "a|b.c");
}

TEST(JmespathInputPaths, TheInputReadWholeIsNoClaim) {
  EXPECT_EQ(paths_of("@"), "none");
  EXPECT_EQ(paths_of("keys(@)"), "none");
  EXPECT_EQ(paths_of("*"), "none");
  EXPECT_EQ(paths_of("[0]"), "none");
  EXPECT_EQ(paths_of("[*].a"), "none");
  EXPECT_EQ(paths_of("length(@)"), "none");
  EXPECT_EQ(paths_of("a || @"), "none");
  EXPECT_EQ(paths_of("[?a].b"), "none");
}
