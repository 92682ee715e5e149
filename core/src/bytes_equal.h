// A byte comparison for short keys, shared by the object lookups (value.cc) and the tape lookups
// (lazy_access.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace coco_admit::detail {

/// Whether `n` bytes at `a` and `b` are equal. Keys are short, and a call to memcmp costs more than comparing
/// them: two overlapping loads cover 4 to 16 bytes, and nothing outside [0, n) is read.
inline bool short_bytes_equal(const char* a, const char* b, std::size_t n) noexcept {
  auto load8 = [](const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
  };
  auto load4 = [](const char* p) {
    std::uint32_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
  };
  if (n >= 8) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    return load8(a) == load8(b) && load8(a + n - 8) == load8(b + n - 8);
  }
  if (n >= 4) return load4(a) == load4(b) && load4(a + n - 4) == load4(b + n - 4);
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

}  // namespace coco_admit::detail
