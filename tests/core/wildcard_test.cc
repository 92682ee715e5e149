#include <gtest/gtest.h>

#include "coco-admit/core/wildcard.h"

using coco_admit::wildcard::match;

TEST(Wildcard, KyvernoSemantics) {
  EXPECT_TRUE(match("*", ""));
  EXPECT_TRUE(match("*", "anything"));
  EXPECT_TRUE(match("", ""));
  EXPECT_FALSE(match("", "a"));
  EXPECT_TRUE(match("?", "x"));
  EXPECT_FALSE(match("?", ""));
  EXPECT_TRUE(match("?*", "x"));
  EXPECT_FALSE(match("?*", ""));
  EXPECT_TRUE(match("kata-*", "kata-qemu-snp"));
  EXPECT_FALSE(match("kata-*", "Kata-qemu"));  // case-sensitive
  EXPECT_TRUE(match("*:latest", "nginx:latest"));
  EXPECT_TRUE(match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(match("a*b*c", "aXXbYY"));
  EXPECT_TRUE(match("a?c", "a-c"));  // any byte, not only alphanumerics
}

namespace {
// Obviously-right reference: exponential recursion, fine on short inputs.
bool reference(std::string_view p, std::string_view t) {
  if (p.empty()) return t.empty();
  if (p[0] == '*') return reference(p.substr(1), t) || (!t.empty() && reference(p, t.substr(1)));
  if (t.empty()) return false;
  return (p[0] == '?' || p[0] == t[0]) && reference(p.substr(1), t.substr(1));
}
}  // namespace

TEST(Wildcard, AgreesWithReferenceOnGeneratedInputs) {
  unsigned seed = 12345;
  auto next = [&seed] { return (seed = seed * 1103515245u + 12345u) >> 16; };
  const char pattern_alphabet[] = "ab*?";
  const char text_alphabet[] = "ab";
  for (int n = 0; n < 20000; ++n) {
    std::string p, t;
    for (unsigned i = 0, len = next() % 7; i < len; ++i) p.push_back(pattern_alphabet[next() % 4]);
    for (unsigned i = 0, len = next() % 9; i < len; ++i) t.push_back(text_alphabet[next() % 2]);
    ASSERT_EQ(match(p, t), reference(p, t)) << "pattern '" << p << "' text '" << t << "'";
  }
}

// Kind selectors skip the wildcard match when the texts are equal (match.cc): every pattern matches itself.
TEST(Wildcard, EveryPatternMatchesItsOwnText) {
  unsigned seed = 777;
  auto next = [&seed] { return (seed = seed * 1103515245u + 12345u) >> 16; };
  const char alphabet[] = "ab*?/.";
  for (int n = 0; n < 20000; ++n) {
    std::string p;
    for (unsigned i = 0, len = next() % 9; i < len; ++i) p.push_back(alphabet[next() % 6]);
    ASSERT_TRUE(match(p, p)) << "pattern '" << p << "'";
  }
}

TEST(Wildcard, HostileLiteralSegmentStaysLinear) {
  // One star, then a long literal that almost matches at every offset: a
  // backtracking matcher does ~n*m work here; this must answer at once.
  std::string pattern = "*" + std::string(100000, 'a') + "b";
  std::string text(200000, 'a');
  EXPECT_FALSE(match(pattern, text));
  EXPECT_TRUE(match(pattern, text + "b"));
}
