#include "coco/initdata_memo.h"

#include "memo.h"

namespace coco_admit::coco {

const initdata_analysis& analysed_initdata(std::string_view annotation_value) {
  // 8 MiB: a few dozen of the largest initdata Kubernetes admits (256 KiB of annotations), or thousands of the
  // usual few-KB ones; the memo clears itself when full.
  thread_local memo<initdata_analysis> cache(8 << 20);
  if (const initdata_analysis* hit = cache.find(annotation_value)) return *hit;
  initdata_analysis analysis = analyse_initdata(annotation_value);
  // The decoded document holds the TOML's strings: bounded by the decompressed size, which for real initdata is a
  // few times the base64 text at most.
  std::size_t bytes = 4 * annotation_value.size();
  for (const auto& e : analysis.errors) bytes += e.size() + 32;
  return cache.put(annotation_value, std::move(analysis), bytes);
}

}  // namespace coco_admit::coco
