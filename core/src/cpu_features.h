// What the CPU running us can do, asked once, for the loops that pick their instructions at run time (the build
// targets baseline x86-64, so AVX2 code is compiled with a target attribute and called only where it runs).
#pragma once

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define COCO_ADMIT_X86_DISPATCH 1
#endif

namespace coco_admit::detail {

#ifdef COCO_ADMIT_X86_DISPATCH
inline bool cpu_has_avx2() noexcept {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

}  // namespace coco_admit::detail
