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
