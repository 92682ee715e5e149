// Hand-written rather than OpenSSL's EVP_DecodeBlock: that function accepts
// whitespace, does not report where the input went wrong and knows nothing of
// base64url, while our diagnostics must name the offset and the alphabet.
#include "coco-admit/core/coco/base64.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

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

void encode_into(std::string_view bytes, std::string_view alphabet, bool pad, std::string& out) {
  const pair_table& pairs = alphabet == std_alphabet ? std_pairs : url_pairs;
  const std::size_t whole = bytes.size() / 3;
  const std::size_t rest = bytes.size() % 3;
  const std::size_t at = out.size();
  out.resize(at + whole * 4 + (rest == 0 ? 0 : pad ? 4 : rest + 1));
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* const end = in + bytes.size();
  const char* abc = alphabet.data();
  // Written through a pointer into the pre-sized string: appending a char at
  // a time re-checked the capacity for every output byte.
  char* o = out.data() + at;
  std::size_t k = 0;
  // Six bytes per step while eight can be read: one load, four pair lookups, one store of eight characters.
  for (; k + 2 <= whole && end - in >= 8; k += 2, in += 6, o += 8) {
    std::uint64_t word;
    std::memcpy(&word, in, 8);
    if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
    const std::uint64_t n = word >> 16;  // the six bytes, first one highest
    char chars[8];
    std::memcpy(chars, pairs[(n >> 36) & 0xFFF].data(), 2);
    std::memcpy(chars + 2, pairs[(n >> 24) & 0xFFF].data(), 2);
    std::memcpy(chars + 4, pairs[(n >> 12) & 0xFFF].data(), 2);
    std::memcpy(chars + 6, pairs[n & 0xFFF].data(), 2);
    std::memcpy(o, chars, 8);
  }
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
  encode_into(bytes, alphabet, pad, out);
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

void base64_encode_append(std::string_view bytes, std::string& out) { encode_into(bytes, std_alphabet, true, out); }

std::string base64url_encode(std::string_view bytes) { return encode(bytes, url_alphabet, false); }

}  // namespace coco_admit::coco
