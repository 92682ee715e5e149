// The fast paths of json::append_quoted, json::parse, json_patch::diff and
// base64_encode against straightforward reference versions (the code they
// replaced): outputs must stay byte-identical, since they end up in
// AdmissionResponses, patches and golden files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "coco-admit/core/coco/base64.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/json_patch.h"
#include "reference_diff.h"

using namespace coco_admit;

namespace {

// --- reference append_quoted: one byte at a time ---------------------------------------------------------

// Written differently from json.cc's byte-range test on purpose, so the two
// check each other: decode the code point, then reject overlong forms,
// surrogates and anything past U+10FFFF.
std::size_t ref_utf8_sequence(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if ((lead & 0xE0) == 0xC0) {
    n = 2;
    cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    n = 3;
    cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    n = 4;
    cp = lead & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto cont = static_cast<unsigned char>(s[i + k]);
    if ((cont & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cont & 0x3F);
  }
  static constexpr std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < smallest[n] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return 0;
  return n;
}

std::string ref_quoted(std::string_view s) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.push_back('"');
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      std::size_t n = ref_utf8_sequence(s, i);
      if (n == 0) {
        out += "\\ufffd";
        continue;
      }
      if (n == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
          (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
        out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      } else {
        out.append(s.substr(i, n));
      }
      i += n - 1;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 0xf]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string fast_quoted(std::string_view s) {
  std::string out = "prefix";  // append_quoted appends: existing content must survive
  json::append_quoted(s, out);
  EXPECT_EQ(out.substr(0, 6), "prefix");
  return out.substr(6);
}

// Pieces random strings are built from: plain runs of every length around the
// 8-byte word, each escape, valid and broken UTF-8, and the line separators.
const std::vector<std::string>& pieces() {
  static const std::vector<std::string> p = {
      "a", "abcdefg", "abcdefgh", "abcdefghi", "kubernetes.io/name", " ", "~", "/",
      "\"", "\\", "\n", "\r", "\t", std::string(1, '\0'), "\x01", "\x1f", "\x7f",
      "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xe2\x80\xa8", "\xe2\x80\xa9", "\xe2\x80\xaa",
      "\xc3", "\xe2\x82", "\xf0\x9f\x98", "\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80",
      "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xfe",
  };
  return p;
}

}  // namespace

TEST(JsonReference, QuotesEveryByteAloneAndInsideText) {
  for (int c = 0; c < 256; ++c) {
    const std::string one(1, static_cast<char>(c));
    EXPECT_EQ(fast_quoted(one), ref_quoted(one)) << c;
    // At every offset of a 41-byte string, so the scans meet the byte in each lane of both 16-byte blocks, of
    // the 8-byte word after them, and in the byte-at-a-time tail.
    for (std::size_t at = 0; at < 41; ++at) {
      std::string s(41, 'x');
      s[at] = static_cast<char>(c);
      ASSERT_EQ(fast_quoted(s), ref_quoted(s)) << c << " at " << at;
    }
  }
}

TEST(JsonReference, QuotesEveryBytePair) {
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      std::string s = "0123456";
      s.push_back(static_cast<char>(a));
      s.push_back(static_cast<char>(b));
      ASSERT_EQ(fast_quoted(s), ref_quoted(s)) << a << " " << b;
    }
  }
}

// Bytes 0xF5-0xFF never start a UTF-8 sequence; each becomes U+FFFD, as Go
// writes it. (A lead test of `>= 0xE0` once took F5 BF BF for a 3-byte
// character and copied invalid UTF-8 into responses.)
TEST(JsonReference, LeadBytesPastF4AreInvalid) {
  std::string out;
  json::append_quoted("a\xF5\xBF\xBF" "b\xFF\x80\x80", out);
  EXPECT_EQ(out, R"("a\ufffd\ufffd\ufffdb\ufffd\ufffd\ufffd")");
}

TEST(JsonReference, QuotesEveryUtf8Sequence) {
  // Every lead byte with every second byte, and 3/4-byte leads with varied
  // continuation bytes: valid, overlong, surrogate, past U+10FFFF, truncated.
  for (int lead = 0xC0; lead < 0x100; ++lead) {
    for (int second = 0; second < 256; ++second) {
      for (const char* tail : {"", "\x80", "\xbf\xbf", "\x80\x80\x80", "z"}) {
        std::string s = "k";
        s.push_back(static_cast<char>(lead));
        s.push_back(static_cast<char>(second));
        s += tail;
        ASSERT_EQ(fast_quoted(s), ref_quoted(s)) << lead << " " << second << " " << tail;
      }
    }
  }
}

TEST(JsonReference, QuotesRandomMixtures) {
  std::mt19937 rng(20240611);
  const auto& p = pieces();
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    for (int k = static_cast<int>(rng() % 12); k > 0; --k) s += p[rng() % p.size()];
    ASSERT_EQ(fast_quoted(s), ref_quoted(s)) << i;
  }
  std::string random_bytes;
  for (int len = 0; len < 300; ++len) {
    random_bytes.clear();
    for (int k = 0; k < len; ++k) random_bytes.push_back(static_cast<char>(rng()));
    ASSERT_EQ(fast_quoted(random_bytes), ref_quoted(random_bytes)) << len;
  }
}

TEST(JsonReference, SerializeCompactAndPretty) {
  auto v = json::parse(R"({"a":[1,-2.5,"x\u2028\"",true,null,{}],"b":{"c":[]},"":1e-7})");
  ASSERT_TRUE(v.ok()) << v.err().message;
  EXPECT_EQ(json::serialize(*v), R"({"a":[1,-2.5,"x\u2028\"",true,null,{}],"b":{"c":[]},"":1e-7})");
  EXPECT_EQ(json::serialize_pretty(*v),
            "{\n  \"a\": [\n    1,\n    -2.5,\n    \"x\\u2028\\\"\",\n    true,\n    null,\n    {}\n  ],\n"
            "  \"b\": {\n    \"c\": []\n  },\n  \"\": 1e-7\n}");
}

// --- conversion ------------------------------------------------------------------------------------------

namespace {
std::string nested(int levels, std::string_view inner) {
  return std::string(static_cast<std::size_t>(levels), '[') + std::string(inner) +
         std::string(static_cast<std::size_t>(levels), ']');
}
}  // namespace

TEST(JsonReference, NestingLimitIsExactAndItsErrorUnchanged) {
  // The root is depth 0: 256 levels of arrays around a scalar puts the scalar
  // at depth 256, the last allowed; an empty array may sit at depth 256 too.
  EXPECT_TRUE(json::parse(nested(256, "1")).ok());
  EXPECT_TRUE(json::parse(nested(257, "")).ok());
  for (const std::string& text : {nested(257, "1"), nested(258, ""), nested(300, "{\"a\":1}")}) {
    auto v = json::parse(text);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.err().code, error::kind::budget);
    EXPECT_EQ(v.err().message, "JSON nesting deeper than 256 levels");
  }
  std::string objects;
  for (int i = 0; i < 257; ++i) objects += "{\"k\":";
  objects += "1";
  objects += std::string(257, '}');
  auto v = json::parse(objects);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.err().message, "JSON nesting deeper than 256 levels");
}

TEST(JsonReference, DuplicateKeysReplaceTheWholeEarlierValue) {
  auto v = json::parse(R"({"a":{"x":[1,2]},"b":2,"a":[{"y":1}],"c":{"d":1,"d":{"e":null}}})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(json::serialize(*v), R"({"a":[{"y":1}],"b":2,"c":{"d":{"e":null}}})");
}

TEST(JsonReference, ParseKeepsEveryKindAndString) {
  const std::string text =
      R"({"s":"plain","e":"\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t\u0001","i":-9223372036854775808,)"
      R"("d":0.5,"t":true,"f":false,"n":null,"long":"0123456789abcdefghijklmnop"})";
  auto v = json::parse(text);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->find("e")->as_string(), "\xc3\xa9\xf0\x9f\x98\x80\"\\/\b\f\n\r\t\x01");
  EXPECT_EQ(v->find("i")->as_int(), INT64_MIN);
  EXPECT_TRUE(v->find("d")->is_double());
  EXPECT_EQ(v->find("long")->as_string(), "0123456789abcdefghijklmnop");
  auto big = json::parse("[18446744073709551615,9223372036854775807]");
  ASSERT_TRUE(big.ok());
  EXPECT_TRUE(big->as_array()[0].is_double());  // past int64: a double, as Go's float64
  EXPECT_EQ(big->as_array()[1].as_int(), INT64_MAX);
  EXPECT_EQ(json::serialize(*v),
            R"({"s":"plain","e":"é😀\"\\/\u0008\u000c\n\r\t\u0001","i":-9223372036854775808,)"
            R"("d":0.5,"t":true,"f":false,"n":null,"long":"0123456789abcdefghijklmnop"})");
}

// --- base64 ----------------------------------------------------------------------------------------------

namespace {
std::string ref_base64(std::string_view bytes, std::string_view alphabet, bool pad) {
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t n = (std::uint32_t(static_cast<unsigned char>(bytes[i])) << 16) |
                      (std::uint32_t(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                      std::uint32_t(static_cast<unsigned char>(bytes[i + 2]));
    for (int shift : {18, 12, 6, 0}) out += alphabet[(n >> shift) & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 0) return out;
  std::uint32_t n = std::uint32_t(static_cast<unsigned char>(bytes[i])) << 16;
  if (rest == 2) n |= std::uint32_t(static_cast<unsigned char>(bytes[i + 1])) << 8;
  out += alphabet[(n >> 18) & 63];
  out += alphabet[(n >> 12) & 63];
  if (rest == 2) out += alphabet[(n >> 6) & 63];
  if (pad) out += rest == 1 ? "==" : "=";
  return out;
}
}  // namespace

TEST(JsonReference, Base64EncodeMatchesReferenceAndRoundTrips) {
  constexpr std::string_view std_abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  constexpr std::string_view url_abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::mt19937 rng(7);
  for (int len = 0; len < 600; ++len) {
    for (int trial = 0; trial < (len <= 10 ? 50 : 2); ++trial) {
      std::string bytes;
      for (int k = 0; k < len; ++k) bytes.push_back(static_cast<char>(rng()));
      const std::string std_enc = coco::base64_encode(bytes);
      const std::string url_enc = coco::base64url_encode(bytes);
      ASSERT_EQ(std_enc, ref_base64(bytes, std_abc, true)) << len;
      ASSERT_EQ(url_enc, ref_base64(bytes, url_abc, false)) << len;
      std::string appended = "prefix";  // as an admission response takes its patch
      coco::base64_encode_append(bytes, appended);
      ASSERT_EQ(appended, "prefix" + std_enc) << len;
      std::string portable = "prefix";  // the same without SIMD, whatever this CPU has
      coco::detail::base64_encode_append_portable(bytes, portable);
      ASSERT_EQ(portable, "prefix" + std_enc) << len;
      auto std_dec = coco::base64_decode_strict(std_enc);
      ASSERT_TRUE(std_dec.ok()) << len;
      EXPECT_EQ(*std_dec, bytes);
      auto url_dec = coco::base64url_decode_strict(url_enc);
      ASSERT_TRUE(url_dec.ok()) << len;
      EXPECT_EQ(*url_dec, bytes);
    }
  }
}

// --- json_patch::diff ------------------------------------------------------------------------------------

namespace {
value random_doc(std::mt19937& rng, int depth) {
  static const char* keys[] = {"a", "b", "name", "a/b", "~", "~1/~0", "kubernetes.io/x", "", "-", "0"};
  switch (rng() % (depth > 3 ? 4 : 6)) {
    case 0: return value(static_cast<long long>(rng() % 5));
    case 1: return value(std::string(keys[rng() % 10]));
    case 2: return value(rng() % 2 == 0);
    case 3: return value();
    case 4: {
      value arr = value::array();
      for (int i = static_cast<int>(rng() % 14); i > 0; --i) arr.push_back(random_doc(rng, depth + 1));
      return arr;
    }
    default: {
      value obj = value::object();
      for (int i = static_cast<int>(rng() % 6); i > 0; --i) obj.set(keys[rng() % 10], random_doc(rng, depth + 1));
      return obj;
    }
  }
}
}  // namespace

TEST(JsonReference, DiffMatchesReference) {
  std::mt19937 rng(99);
  int nonempty = 0;
  for (int i = 0; i < 5000; ++i) {
    const value before = random_doc(rng, 0);
    value after = rng() % 3 == 0 ? random_doc(rng, 0) : before;
    if (after.is_object() && after.size() > 0) after.as_object()[rng() % after.size()].val = random_doc(rng, 1);
    if (after.is_array() && after.size() > 0) after.as_array()[rng() % after.size()] = random_doc(rng, 1);
    const auto want = coco_admit::testing::reference_diff(before, after);
    const auto got = json_patch::diff(before, after);
    ASSERT_EQ(json_patch::serialize(got), json_patch::serialize(want))
        << json::serialize(before) << " -> " << json::serialize(after);
    nonempty += got.empty() ? 0 : 1;
  }
  EXPECT_GT(nonempty, 1000);
}

TEST(JsonReference, DiffDeeperThanTheLimitReplacesTheSubtree) {
  // Built directly: the parser stops at 256 levels, the diff only past them.
  auto deep = [](const value& leaf) {
    value v = leaf;
    for (int i = 0; i < 300; ++i) {
      value wrap = value::object();
      wrap.set(i % 2 == 0 ? "k" : "a/~b", std::move(v));
      v = std::move(wrap);
    }
    return v;
  };
  const value before = deep(*json::parse(R"({"x":[1,2],"y":1})"));
  const value after = deep(*json::parse(R"({"x":[3],"y":1})"));
  const auto want = coco_admit::testing::reference_diff(before, after);
  const auto got = json_patch::diff(before, after);
  EXPECT_EQ(json_patch::serialize(got), json_patch::serialize(want));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].op, "replace");
  EXPECT_EQ(std::count(got[0].path.begin(), got[0].path.end(), '/'), 257);
}

// RFC 6901 reference tokens: '~' becomes "~0" and '/' becomes "~1" wherever they stand, and every other byte is
// kept, so that the pointer resolves back to the key (json::at_pointer).
TEST(JsonPointer, TokensAreEscapedAtEveryPositionAndResolveBack) {
  const std::string bytes = "ab~/c";
  for (std::size_t len = 0; len <= 6; ++len) {
    std::vector<std::size_t> digits(len, 0);
    for (;;) {
      std::string key, want;
      for (std::size_t d : digits) {
        key.push_back(bytes[d]);
        want += bytes[d] == '~' ? "~0" : bytes[d] == '/' ? "~1" : std::string(1, bytes[d]);
      }
      std::string out = "/x/";
      json::append_pointer_token(key, out);
      ASSERT_EQ(out, "/x/" + want) << key;
      ASSERT_EQ(json::escape_pointer_token(key), want) << key;
      value doc = value::object();
      doc.set(key, value(1));
      const value* back = json::at_pointer(doc, "/" + want);
      ASSERT_NE(back, nullptr) << key;
      ASSERT_EQ(back->as_int(), 1) << key;
      std::size_t k = 0;
      while (k < len && ++digits[k] == bytes.size()) digits[k++] = 0;
      if (k == len) break;
    }
  }
  // Long keys, scanned a block at a time: the byte to escape in every position of the first three blocks.
  for (std::size_t len = 1; len <= 50; ++len) {
    for (std::size_t at = 0; at < len; ++at) {
      for (const char special : {'~', '/'}) {
        std::string key(len, 'k');
        key[at] = special;
        std::string want = key.substr(0, at) + (special == '~' ? "~0" : "~1") + key.substr(at + 1);
        std::string out;
        json::append_pointer_token(key, out);
        ASSERT_EQ(out, want) << len << " " << at;
      }
      std::string out;
      json::append_pointer_token(std::string(len, 'k'), out);
      ASSERT_EQ(out, std::string(len, 'k'));
    }
  }
  // Two to escape in one long key, each in every position (a label key such as app.kubernetes.io/name has one).
  for (std::size_t first = 0; first < 40; ++first) {
    for (std::size_t second = first + 1; second < 40; ++second) {
      std::string key(40, 'k');
      key[first] = '/';
      key[second] = '~';
      std::string want;
      for (char c : key) want += c == '/' ? "~1" : c == '~' ? "~0" : std::string(1, c);
      std::string out;
      json::append_pointer_token(key, out);
      ASSERT_EQ(out, want) << first << " " << second;
    }
  }
}
