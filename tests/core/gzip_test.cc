#include <gtest/gtest.h>

#include <string>

#include "coco-admit/core/coco/gzip.h"

using namespace coco_admit::coco;

namespace {
std::string sample(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<char>('a' + (i * 7 + i / 13) % 26);
  return s;
}
}  // namespace

TEST(Gzip, RoundTrip) {
  for (std::size_t n : {0u, 1u, 100u, 70000u}) {
    std::string text = sample(n);
    auto back = gunzip(gzip_deterministic(text), 1 << 20);
    ASSERT_TRUE(back.ok()) << back.err().message;
    EXPECT_EQ(*back, text);
  }
}

TEST(Gzip, DeterministicHeader) {
  std::string a = gzip_deterministic("version = \"0.1.0\"\n");
  EXPECT_EQ(a, gzip_deterministic("version = \"0.1.0\"\n"));
  ASSERT_GE(a.size(), 10u);
  // magic, deflate, no flags, mtime 0, XFL 2 (level 9), OS 255 (unknown).
  const unsigned char want[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(static_cast<unsigned char>(a[i]), want[i]) << "header byte " << i;
}

TEST(Gzip, BoundedOutput) {
  std::string bomb = gzip_deterministic(std::string(4 << 20, '\0'));
  EXPECT_LT(bomb.size(), 10000u);
  auto r = gunzip(bomb, 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, coco_admit::error::kind::budget);
  EXPECT_NE(r.err().message.find("decompressed size exceeds 1048576 bytes (gzip bomb protection)"), std::string::npos);
  EXPECT_TRUE(gunzip(bomb, 4 << 20).ok());
}

TEST(Gzip, Rejections) {
  std::string good = gzip_deterministic(sample(500));
  std::string corrupt = good;
  corrupt[12] = static_cast<char>(corrupt[12] ^ 0x55);
  std::string bad_crc = good;
  bad_crc[bad_crc.size() - 6] = static_cast<char>(bad_crc[bad_crc.size() - 6] ^ 1);
  struct c { std::string name, input, message; };
  const c cases[] = {
      {"plain text", "version = 1", "not gzip data (magic bytes missing)"},
      {"empty", "", "not gzip data"},
      {"truncated", good.substr(0, good.size() - 4), "truncated gzip stream"},
      {"header only", good.substr(0, 10), "truncated gzip stream"},
      {"corrupt", corrupt, "corrupt gzip stream"},
      {"crc", bad_crc, "corrupt gzip stream"},
      {"trailing", good + "xyz", "3 bytes of trailing data after the gzip stream"},
      {"two members", good + good, "bytes of trailing data"},
  };
  for (const auto& t : cases) {
    auto r = gunzip(t.input, 1 << 20);
    ASSERT_FALSE(r.ok()) << t.name;
    EXPECT_NE(r.err().message.find(t.message), std::string::npos) << t.name << " -> " << r.err().message;
  }
}
