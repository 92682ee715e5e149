#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "coco-admit/core/quantity.h"

namespace coco_admit {
namespace {

struct canon_case {
  const char* in;
  const char* canonical;
};

TEST(Quantity, ParsesAndPrintsCanonically) {
  // Expected strings are Quantity.String() of resource.MustParse(in).
  const std::vector<canon_case> cases = {
      {"0", "0"},          {"1", "1"},          {"1Gi", "1Gi"},        {"1024Mi", "1Gi"},
      {"1.5Gi", "1536Mi"}, {"0.5", "500m"},     {"1000m", "1"},        {"100m", "100m"},
      {"1k", "1k"},        {"1e3", "1e3"},      {"1E", "1E"},          {"1e-3", "1e-3"},
      {"2048Ki", "2Mi"},   {"1536Ki", "1536Ki"}, {"1Ki", "1Ki"},       {"0.5Ki", "512"},
      {"1.G", "1G"},       {"1500m", "1500m"},  {"12345", "12345"},    {"1.5", "1500m"},
      {"0.0000000001", "1n"}, {"-0.0000000001", "-1n"}, {"-1.5Gi", "-1536Mi"}, {"+2", "2"},
      {"1e1000", "9223372036854775807"}, {"1e+3", "1e3"}, {"10M", "10M"}, {"0.1", "100m"},
      {"1n", "1n"},        {"1u", "1u"},        {"001.500", "1500m"},  {"500Mi", "500Mi"},
  };
  for (const auto& c : cases) {
    auto q = parse_quantity(c.in);
    ASSERT_TRUE(q.ok()) << c.in << ": " << q.err().message;
    EXPECT_EQ(to_string(*q), c.canonical) << c.in;
  }
}

TEST(Quantity, K8sLeniencies) {
  // parseQuantityString lets these through as zero.
  for (const char* in : {"-", "+", ".", "m", "Mi", "Ti", "k"}) {
    auto q = parse_quantity(in);
    ASSERT_TRUE(q.ok()) << in;
    EXPECT_TRUE(q->is_zero()) << in;
  }
  // ... but these fail (suffix grammar, no digits on the inf.Dec path).
  for (const char* in : {"", "abc", "1.5.3", "1Ki3", "K", "12e", "1 Gi", "Ei", "1e+", "1GiB", "0x10", "1-2",
                         "--1", "1e3.5"}) {
    auto q = parse_quantity(in);
    EXPECT_FALSE(q.ok()) << in;
  }
  auto bad = parse_quantity("abc");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.err().message.find("\"abc\""), std::string::npos);
}

struct cmp_case {
  const char* a;
  const char* b;
  int want;
};

TEST(Quantity, ExactComparison) {
  const std::vector<cmp_case> cases = {
      {"1Gi", "1024Mi", 0}, {"1Gi", "1G", 1},        {"500m", "0.5", 0},   {"1500m", "2", -1},
      {"1e3", "1k", 0},     {"0.1", "100m", 0},      {"1Ei", "1E", 1},     {"-1", "1", -1},
      {"1n", "0", 1},       {"0.0000000001", "1n", 0}, {"999Mi", "1Gi", -1}, {"1e1000", "1e999", 0},
      {"128Mi", "134217728", 0}, {"2", "2000m", 0},
  };
  for (const auto& c : cases) {
    auto a = parse_quantity(c.a), b = parse_quantity(c.b);
    ASSERT_TRUE(a.ok() && b.ok()) << c.a << " " << c.b;
    EXPECT_EQ(compare(*a, *b), c.want) << c.a << " vs " << c.b;
  }
}

TEST(Quantity, Arithmetic) {
  auto a = parse_quantity("1Gi"), b = parse_quantity("512Mi");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(to_string(add(*a, *b)), "1536Mi");
  EXPECT_EQ(to_string(subtract(*a, *b)), "512Mi");
  EXPECT_EQ(to_string(quantity::from_int(3)), "3");
  EXPECT_DOUBLE_EQ(to_double(*parse_quantity("1500m")), 1.5);
}

}  // namespace
}  // namespace coco_admit
