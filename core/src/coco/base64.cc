// Hand-written rather than OpenSSL's EVP_DecodeBlock: that function accepts
// whitespace, does not report where the input went wrong and knows nothing of
// base64url, while our diagnostics must name the offset and the alphabet.
#include "coco-admit/core/coco/base64.h"

#include <array>
#include <cstdint>
#include <cstring>

#include "../cpu_features.h"
#ifdef COCO_ADMIT_X86_DISPATCH
#define COCO_ADMIT_BASE64_AVX2 1
#include <immintrin.h>
#endif

namespace coco_admit::coco {
namespace {

constexpr std::string_view std_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view url_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<std::int8_t, 256> make_table(std::string_view alphabet) {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (std::size_t i = 0; i < alphabet.size(); ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}

constexpr auto std_table = make_table(std_alphabet);
constexpr auto url_table = make_table(url_alphabet);

std::string describe_char(unsigned char c) {
  if (c == '\n') return "line break '\\n'";
  if (c == '\r') return "line break '\\r'";
  if (c == '\t') return "tab";
  if (c == ' ') return "space";
  if (c >= 0x21 && c < 0x7f) return std::string("invalid character '") + static_cast<char>(c) + "'";
  static constexpr char hex[] = "0123456789abcdef";
  return std::string("invalid byte 0x") + hex[c >> 4] + hex[c & 15];
}

// Two output characters per 12 input bits: half the lookups and shifts of one character per 6 bits. The
// response patch (up to hundreds of KB with initdata) is encoded on every mutating review.
using pair_table = std::array<std::array<char, 2>, 4096>;

constexpr pair_table make_pairs(std::string_view alphabet) {
  pair_table t{};
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = {alphabet[i >> 6], alphabet[i & 63]};
  return t;
}

constexpr pair_table std_pairs = make_pairs(std_alphabet);
constexpr pair_table url_pairs = make_pairs(url_alphabet);

#ifdef COCO_ADMIT_BASE64_AVX2
// Muła and Lemire's AVX2 encoding ("Faster Base64 Encoding and Decoding Using AVX2 Instructions", 2018), as
// aklomp/base64 writes it: 24 bytes in, 32 characters out per step, about 0.6 instructions a byte where the pair
// table takes five. No Debian package has a SIMD base64 codec, and a patch carrying initdata is tens of KB.

// Each lane holds 12 input bytes at offsets 4..15 (lane 0) and 0..11 (lane 1). Every 3 bytes become 4 bytes that
// each hold one 6-bit index in their low bits.
__attribute__((target("avx2"))) inline __m256i sextets_of(__m256i input) {
  // Bytes a b c of each group become b a c b (highest lane first, as _mm256_set_epi8 lists them).
  const __m256i order = _mm256_set_epi8(10, 11, 9, 10, 7, 8, 6, 7, 4, 5, 3, 4, 1, 2, 0, 1,  //
                                        14, 15, 13, 14, 11, 12, 10, 11, 8, 9, 7, 8, 5, 6, 4, 5);
  const __m256i in = _mm256_shuffle_epi8(input, order);
  const __m256i t0 = _mm256_and_si256(in, _mm256_set1_epi32(0x0FC0FC00));
  const __m256i t1 = _mm256_mulhi_epu16(t0, _mm256_set1_epi32(0x04000040));
  const __m256i t2 = _mm256_and_si256(in, _mm256_set1_epi32(0x003F03F0));
  const __m256i t3 = _mm256_mullo_epi16(t2, _mm256_set1_epi32(0x01000010));
  return _mm256_or_si256(t1, t3);
}

// The standard alphabet: 0..25 +65 ('A'), 26..51 +71 ('a'), 52..61 -4 ('0'), 62 -19 ('+'), 63 -16 ('/').
__attribute__((target("avx2"))) inline __m256i std_characters_of(__m256i sextets) {
  const __m256i offsets = _mm256_setr_epi8(65, 71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 0, 0, 65, 71, -4,
                                           -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 0, 0);
  // Index 0 for the first range, the sextet less 51 for the others (one short, which the compare's -1 makes up).
  __m256i index = _mm256_subs_epu8(sextets, _mm256_set1_epi8(51));
  index = _mm256_sub_epi8(index, _mm256_cmpgt_epi8(sextets, _mm256_set1_epi8(25)));
  return _mm256_add_epi8(sextets, _mm256_shuffle_epi8(offsets, index));
}

// Encodes blocks of 24 bytes while each 32-byte load stays inside the n input bytes; returns the bytes encoded (a
// multiple of 24, so of 3: the portable loop goes on from there).
__attribute__((target("avx2"))) std::size_t encode_std_avx2(const unsigned char* in, std::size_t n, char* out) {
  if (n < 32) return 0;
  // The first block is loaded from its start and moved up 4 bytes (nothing before the input may be read); later
  // blocks are loaded from 4 bytes before their start. Either way each lane's 12 bytes sit where sextets_of reads.
  __m256i block = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in));
  block = _mm256_permutevar8x32_epi32(block, _mm256_setr_epi32(0, 0, 1, 2, 3, 4, 5, 6));
  std::size_t done = 0;
  for (;;) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), std_characters_of(sextets_of(block)));
    done += 24;
    out += 32;
    if (done + 28 > n) return done;  // the next load reads in[done - 4, done + 28)
    block = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + done - 4));
  }
}

using coco_admit::detail::cpu_has_avx2;
#endif

void encode_into(std::string_view bytes, std::string_view alphabet, bool pad, bool simd, std::string& out) {
  const pair_table& pairs = alphabet == std_alphabet ? std_pairs : url_pairs;
  const std::size_t whole = bytes.size() / 3;
  const std::size_t rest = bytes.size() % 3;
  const std::size_t at = out.size();
  out.resize(at + whole * 4 + (rest == 0 ? 0 : pad ? 4 : rest + 1));
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  const char* abc = alphabet.data();
  // Written through a pointer into the pre-sized string: appending a char at
  // a time re-checked the capacity for every output byte.
  char* o = out.data() + at;
  std::size_t k = 0;
#ifdef COCO_ADMIT_BASE64_AVX2
  if (simd && alphabet == std_alphabet && cpu_has_avx2()) {
    const std::size_t done = encode_std_avx2(in, bytes.size(), o);
    k = done / 3;
    in += done;
    o += done / 3 * 4;
  }
#else
  (void)simd;
#endif
  for (; k < whole; ++k, in += 3, o += 4) {
    const std::uint32_t n = (std::uint32_t{in[0]} << 16) | (std::uint32_t{in[1]} << 8) | in[2];
    std::memcpy(o, pairs[n >> 12].data(), 2);
    std::memcpy(o + 2, pairs[n & 0xFFF].data(), 2);
  }
  if (rest != 0) {
    const std::uint32_t n = (std::uint32_t{in[0]} << 16) | (rest == 2 ? std::uint32_t{in[1]} << 8 : 0u);
    o[0] = abc[n >> 18];
    o[1] = abc[(n >> 12) & 63];
    if (rest == 2) o[2] = abc[(n >> 6) & 63];
    if (pad) {
      if (rest == 1) o[2] = '=';
      o[3] = '=';
    }
  }
}

std::string encode(std::string_view bytes, std::string_view alphabet, bool pad) {
  std::string out;
  encode_into(bytes, alphabet, pad, true, out);
  return out;
}

// Decodes `text` whose data characters all belong to `table`; `padded`
// selects the standard (padding required) or base64url (padding forbidden)
// rules. `other` is the table of the alternative alphabet, used for a hint.
result<std::string> decode(std::string_view text, const std::array<std::int8_t, 256>& table, bool padded) {
  const char* other_hint = padded ? " (standard alphabet required, not base64url)"
                                  : " (base64url alphabet required, not standard base64)";
  const auto& other = padded ? url_table : std_table;
  // Data characters end at the first '=' (padded form only).
  std::size_t data_end = text.size();
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '=') {
      if (!padded) {
        return error::invalid("'=' padding at offset " + std::to_string(i) +
                              " (base64url without padding required, as in JWS)");
      }
      data_end = i;
      break;
    }
    if (table[c] < 0) {
      std::string msg = describe_char(c) + " at offset " + std::to_string(i);
      if (c == '\n' || c == '\r') {
        msg += " (the value must be one line: encode with base64 -w0)";
      } else if (other[c] >= 0) {
        msg += other_hint;
      }
      return error::invalid(std::move(msg));
    }
  }
  std::size_t data_len = data_end;
  std::size_t rem = data_len % 4;
  if (rem == 1) {
    return error::invalid("truncated input: " + std::to_string(data_len) +
                          " data characters cannot encode whole bytes");
  }
  if (padded) {
    std::size_t pad_len = text.size() - data_end;
    std::size_t want = rem == 0 ? 0 : 4 - rem;
    for (std::size_t i = data_end; i < text.size(); ++i) {
      if (text[i] != '=') {
        return error::invalid("data after '=' padding at offset " + std::to_string(i));
      }
    }
    if (pad_len < want) {
      return error::invalid("missing '=' padding: length " + std::to_string(text.size()) +
                            " is not a multiple of 4 (standard base64 with padding required)");
    }
    if (pad_len > want) {
      return error::invalid("too much '=' padding at offset " + std::to_string(data_end + want));
    }
  }
  // Four characters to three bytes at a time, into the pre-sized string (every character was checked above): the
  // initdata annotation can be hundreds of KB, and appending a byte at a time cost ten times as much.
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  auto six = [&](std::size_t i) { return static_cast<std::uint32_t>(table[in[i]]); };
  std::string out(data_len / 4 * 3 + (rem == 0 ? 0 : rem - 1), '\0');
  char* o = out.data();
  const std::size_t whole = data_len - rem;
  for (std::size_t i = 0; i < whole; i += 4, o += 3) {
    const std::uint32_t n = (six(i) << 18) | (six(i + 1) << 12) | (six(i + 2) << 6) | six(i + 3);
    o[0] = static_cast<char>(n >> 16);
    o[1] = static_cast<char>(n >> 8);
    o[2] = static_cast<char>(n);
  }
  if (rem != 0) {
    // 2 characters carry 1 byte and 4 spare bits, 3 carry 2 bytes and 2 spare bits.
    std::uint32_t n = (six(whole) << 6) | six(whole + 1);
    if (rem == 3) n = (n << 6) | six(whole + 2);
    const int spare = rem == 2 ? 4 : 2;
    // Leftover bits must be zero (canonical encoding): Rust's engines reject
    // anything else, Go's accepts it, so the shims would disagree.
    if ((n & ((1u << spare) - 1)) != 0) {
      return error::invalid("non-zero trailing bits in the last character at offset " +
                            std::to_string(data_len - 1) + " (non-canonical encoding)");
    }
    n >>= spare;
    if (rem == 2) {
      o[0] = static_cast<char>(n);
    } else {
      o[0] = static_cast<char>(n >> 8);
      o[1] = static_cast<char>(n);
    }
  }
  return out;
}

}  // namespace

result<std::string> base64_decode_strict(std::string_view text) { return decode(text, std_table, true); }

result<std::string> base64url_decode_strict(std::string_view text) { return decode(text, url_table, false); }

std::string base64_encode(std::string_view bytes) { return encode(bytes, std_alphabet, true); }

void base64_encode_append(std::string_view bytes, std::string& out) {
  encode_into(bytes, std_alphabet, true, true, out);
}

namespace detail {
void base64_encode_append_portable(std::string_view bytes, std::string& out) {
  encode_into(bytes, std_alphabet, true, false, out);
}
}  // namespace detail

std::string base64url_encode(std::string_view bytes) { return encode(bytes, url_alphabet, false); }

}  // namespace coco_admit::coco
