#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "coco-admit/core/duration.h"

namespace coco_admit {
namespace {

struct dur_case {
  const char* in;
  std::int64_t want;
};

constexpr std::int64_t kMs = 1000000, kS = 1000000000, kM = 60 * kS, kH = 60 * kM;

TEST(GoDuration, ParsesLikeGo) {
  // From Go's time.TestParseDuration.
  const std::vector<dur_case> cases = {
      {"0", 0}, {"5s", 5 * kS}, {"30s", 30 * kS}, {"1478s", 1478 * kS}, {"-5s", -5 * kS}, {"+5s", 5 * kS},
      {"-0", 0}, {"+0", 0}, {"5.0s", 5 * kS}, {"5.6s", 5 * kS + 600 * kMs}, {"5.s", 5 * kS},
      {".5s", 500 * kMs}, {"1.004s", kS + 4 * kMs}, {"100.00100s", 100 * kS + kMs}, {"10ns", 10},
      {"11us", 11000}, {"12\xC2\xB5s", 12000}, {"12\xCE\xBCs", 12000}, {"13ms", 13 * kMs}, {"15m", 15 * kM},
      {"16h", 16 * kH}, {"3h30m", 3 * kH + 30 * kM}, {"10.5s4m", 4 * kM + 10 * kS + 500 * kMs},
      {"-2m3.4s", -(2 * kM + 3 * kS + 400 * kMs)}, {"1h2m3s4ms5us6ns", kH + 2 * kM + 3 * kS + 4 * kMs + 5000 + 6},
      {"52763797000ns", 52763797000}, {"0.3333333333333333333h", 20 * kM},
      {"9223372036854775807ns", INT64_MAX}, {"9223372036854775.807us", INT64_MAX},
      {"-9223372036854775808ns", INT64_MIN}, {"-2562047h47m16.854775808s", INT64_MIN},
      {"0.100000000000000000000h", 6 * kM}, {"0.830103483285477580700h", 49 * kM + 48 * kS + 372539827},
      {"1.5h", 90 * kM}, {"-1.5h", -90 * kM}, {"300ms", 300 * kMs},
  };
  for (const auto& c : cases) {
    auto d = parse_go_duration(c.in);
    ASSERT_TRUE(d.ok()) << c.in << ": " << d.err().message;
    EXPECT_EQ(*d, c.want) << c.in;
  }
  for (const char* in : {"", "3", "-", "s", ".", "-.", ".s", "+.s", "1d", "\x85\x85", "9223372036854775808ns",
                         "9223372036854775.808us", "9223372036854ms775us808ns", "-9223372036854775809ns", "1h ",
                         " 1h", "1H"}) {
    EXPECT_FALSE(parse_go_duration(in).ok()) << in;
  }
  EXPECT_EQ(parse_go_duration("1d").err().message, "time: unknown unit \"d\" in duration \"1d\"");
  EXPECT_EQ(parse_go_duration("3").err().message, "time: missing unit in duration \"3\"");
  EXPECT_EQ(parse_go_duration("x").err().message, "time: invalid duration \"x\"");
}

// may_be_go_duration turns operands down before a parse: it must never turn down one the parse accepts. Random
// strings over the duration bytes and a few others (most of them no duration, many of them one).
TEST(GoDuration, ThePreCheckTurnsDownNoDuration) {
  static const std::string_view pieces[] = {"0", "1", "9", "12", ".", "5.", ".5", "-", "+", "ns", "us", "\xC2\xB5s",
                                            "\xCE\xBCs", "ms", "s", "m", "h", "d", "x", " ", "\xC2", "e"};
  std::mt19937 rng(42);
  std::size_t accepted = 0;
  for (int i = 0; i < 200'000; ++i) {
    std::string s;
    const int n = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < n; ++k) s += pieces[rng() % std::size(pieces)];
    if (!parse_go_duration(s).ok()) continue;
    ++accepted;
    ASSERT_TRUE(may_be_go_duration(s)) << s;
  }
  EXPECT_GT(accepted, 5'000u);
  for (const char* no : {"", "-", "+", "s", ".s", "abc", "1d", "1 s", "aGVsbG8=", "1h30x"}) {
    EXPECT_FALSE(may_be_go_duration(no) && parse_go_duration(no).ok()) << no;
  }
  EXPECT_FALSE(may_be_go_duration("aGVsbG8gd29ybGQ0NTY3ODk="));  // base64: digits, but letters no unit has
}

TEST(GoDuration, FormatsLikeGo) {
  const std::vector<std::pair<std::int64_t, const char*>> cases = {
      {0, "0s"}, {1, "1ns"}, {1100, "1.1\xC2\xB5s"}, {2200 * 1000, "2.2ms"}, {3300 * kMs, "3.3s"},
      {4 * kM + 5 * kS, "4m5s"}, {4 * kM + 5001 * kMs, "4m5.001s"}, {5 * kH + 6 * kM + 7001 * kMs, "5h6m7.001s"},
      {8 * kM + 1, "8m0.000000001s"}, {INT64_MAX, "2562047h47m16.854775807s"},
      {INT64_MIN, "-2562047h47m16.854775808s"}, {90 * kM, "1h30m0s"}, {-kS, "-1s"},
  };
  for (const auto& [d, want] : cases) EXPECT_EQ(format_go_duration(d), want) << d;
}

TEST(GoDuration, SecondsConversions) {
  EXPECT_EQ(go_seconds_to_duration(std::int64_t{12}), 12 * kS);
  EXPECT_EQ(go_seconds_to_duration(1.9), kS);  // Go truncates the float first
  EXPECT_EQ(go_seconds_to_duration(-1.9), -kS);
  EXPECT_EQ(duration_seconds(1500 * kMs), 1.5);
  EXPECT_EQ(duration_seconds(*parse_go_duration("1h")), 3600.0);
}

}  // namespace
}  // namespace coco_admit
