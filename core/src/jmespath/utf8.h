// UTF-8 decoding with Go's rules (unicode/utf8): an invalid or truncated
// sequence decodes as one byte of RuneError, so string functions count and
// slice text the way Kyverno does.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace coco_admit::jmespath::detail::utf8 {

/// Decodes the rune at s[i]; sets `len` (>= 1). Returns -1 for invalid input.
inline std::int32_t decode_one(std::string_view s, std::size_t i, std::size_t& len) noexcept {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  len = 1;
  if (c < 0x80) return c;
  std::size_t n;
  std::uint32_t r, min;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2, r = c & 0x1f, min = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3, r = c & 0x0f, min = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4, r = c & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (i + n > s.size()) return -1;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xc0) != 0x80) return -1;
    r = (r << 6) | (b(k) & 0x3f);
  }
  if (r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) return -1;
  len = n;
  return static_cast<std::int32_t>(r);
}

/// Runes in `s` as Go's utf8.RuneCountInString counts them (an invalid byte is one rune).
inline std::size_t rune_count(std::string_view s) noexcept {
  std::size_t n = 0, i = 0;
  while (i < s.size()) {
    // Runs of ASCII, most of what policies measure (base64 initdata, Rego, YAML), 8 bytes a step: a byte each.
    while (i + 8 <= s.size()) {
      std::uint64_t word;
      std::memcpy(&word, s.data() + i, sizeof word);
      if ((word & 0x8080808080808080ULL) != 0) break;
      i += 8;
      n += 8;
    }
    if (i == s.size()) break;
    std::size_t len = 1;
    decode_one(s, i, len);
    i += len;
    ++n;
  }
  return n;
}

/// Code points of `s`; invalid bytes become U+FFFD (Go's []rune(s)).
inline std::vector<std::uint32_t> decode(std::string_view s) {
  std::vector<std::uint32_t> out;
  out.reserve(s.size());
  for (std::size_t i = 0, len = 0; i < s.size(); i += len) {
    std::int32_t r = decode_one(s, i, len);
    out.push_back(r < 0 ? 0xfffd : static_cast<std::uint32_t>(r));
  }
  return out;
}

inline void append(std::uint32_t r, std::string& out) {
  if (r < 0x80) {
    out.push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (r >> 6)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3f)));
  } else if (r < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (r >> 12)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (r >> 18)));
    out.push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3f)));
  }
}

inline std::string encode(const std::vector<std::uint32_t>& runes) {
  std::string out;
  out.reserve(runes.size());
  for (std::uint32_t r : runes) append(r, out);
  return out;
}

}  // namespace coco_admit::jmespath::detail::utf8
