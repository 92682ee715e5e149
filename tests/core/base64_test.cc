#include <gtest/gtest.h>

#include <string>

#include "coco-admit/core/coco/base64.h"

using namespace coco_admit::coco;

TEST(Base64, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    auto std_dec = base64_decode_strict(base64_encode(bytes));
    ASSERT_TRUE(std_dec.ok()) << i << ": " << std_dec.err().message;
    EXPECT_EQ(*std_dec, bytes);
    auto url_dec = base64url_decode_strict(base64url_encode(bytes));
    ASSERT_TRUE(url_dec.ok()) << i << ": " << url_dec.err().message;
    EXPECT_EQ(*url_dec, bytes);
    bytes.push_back(static_cast<char>(i * 37 + 250));
  }
}

TEST(Base64, KnownVectors) {
  struct c { const char* plain; const char* std_enc; const char* url_enc; };
  const c cases[] = {
      {"", "", ""},
      {"f", "Zg==", "Zg"},
      {"fo", "Zm8=", "Zm8"},
      {"foo", "Zm9v", "Zm9v"},
      {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
      {"\xfb\xff\xbf", "+/+/", "-_-_"},
  };
  for (const auto& t : cases) {
    EXPECT_EQ(base64_encode(t.plain), t.std_enc);
    EXPECT_EQ(base64url_encode(t.plain), t.url_enc);
    EXPECT_EQ(*base64_decode_strict(t.std_enc), t.plain);
    EXPECT_EQ(*base64url_decode_strict(t.url_enc), t.plain);
  }
}

TEST(Base64, StrictStandardRejections) {
  struct c { const char* input; const char* message; };
  const c cases[] = {
      {"Zm9v-_8=", "invalid character '-' at offset 4 (standard alphabet required, not base64url)"},
      {"Zm9v\nYmFy", "line break '\\n' at offset 4 (the value must be one line: encode with base64 -w0)"},
      {"Zm9v\r\nYmFy", "line break '\\r' at offset 4"},
      {"Zm9v YmFy", "space at offset 4"},
      {"Zm9v*mFy", "invalid character '*' at offset 4"},
      {"Zg", "missing '=' padding: length 2 is not a multiple of 4"},
      {"Zm8", "missing '=' padding: length 3"},
      {"Zg=", "missing '=' padding"},
      {"Zg===", "too much '=' padding at offset 4"},
      {"Zg==Zg==", "data after '=' padding at offset 4"},
      {"Z===", "truncated input"},
      {"Zh==", "non-zero trailing bits in the last character at offset 1"},
      {"Zm9vZm9=", "non-zero trailing bits in the last character at offset 6"},
      {"\x80QQQ", "invalid byte 0x80 at offset 0"},
  };
  for (const auto& t : cases) {
    auto r = base64_decode_strict(t.input);
    ASSERT_FALSE(r.ok()) << t.input;
    EXPECT_NE(r.err().message.find(t.message), std::string::npos) << t.input << " -> " << r.err().message;
  }
}

TEST(Base64, StrictUrlRejections) {
  struct c { const char* input; const char* message; };
  const c cases[] = {
      {"Zg==", "'=' padding at offset 2 (base64url without padding required"},
      {"Zm9v+/8", "invalid character '+' at offset 4 (base64url alphabet required, not standard base64)"},
      {"Zm9v.", "invalid character '.' at offset 4"},
      {"Z", "truncated input"},
      {"Zh", "non-zero trailing bits"},
  };
  for (const auto& t : cases) {
    auto r = base64url_decode_strict(t.input);
    ASSERT_FALSE(r.ok()) << t.input;
    EXPECT_NE(r.err().message.find(t.message), std::string::npos) << t.input << " -> " << r.err().message;
  }
}
