#include "memo.h"

#include <random>

// Inlined, with the SSE2 code every x86-64 CPU has (22 GB/s here). libxxhash's run-time dispatch chose AVX-512 on
// an Intel Xeon with AVX-512, and the reviews around the hashing then ran 40 % slower (measured on the capacity
// mix, docs/benchmarks.md).
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace coco_admit {

namespace {

XXH64_hash_t process_seed() {
  std::random_device random;
  return (static_cast<XXH64_hash_t>(random()) << 32) ^ random();
}

}  // namespace

std::size_t memo_hash(std::string_view key) noexcept {
  static const XXH64_hash_t seed = process_seed();
  return static_cast<std::size_t>(XXH3_64bits_withSeed(key.data(), key.size(), seed));
}

}  // namespace coco_admit
