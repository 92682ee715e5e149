// Fuzzes anchor preprocessing and kyaml-style merge: input is resource JSON "\n~~\n" overlay JSON.
// Invariants: no crash or hang, bounded errors, merging is deterministic (same input, same bytes), and
// merge_in_place agrees with merge(): the merged bytes when it reports a change, which it does exactly when
// the merged tree differs under value::operator==, the resource untouched otherwise and on error; and so
// does merge_in_place told that a resource without nulls is clean (resource_state::clean).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "coco-admit/core/json.h"
#include "coco-admit/core/strategic_merge.h"
#include "coco-admit/core/wildcard.h"

namespace {

bool fuzz_match(const coco_admit::value& r, const coco_admit::value& p, void*) {
  if (p.is_string() && r.is_string()) return coco_admit::wildcard::match(p.as_string(), r.as_string());
  return r == p;
}

void check_in_place(const coco_admit::value& resource, const coco_admit::value& overlay,
                    const coco_admit::result<coco_admit::value>& merged, coco_admit::strategic_merge::resource_state state) {
  using namespace coco_admit;
  value in_place = resource;
  auto changed = strategic_merge::merge_in_place(in_place, overlay, state);
  if (changed.ok() != merged.ok()) std::abort();
  if (!changed.ok()) {
    if (changed.err().message != merged.err().message || json::serialize(in_place) != json::serialize(resource)) {
      std::abort();
    }
    return;
  }
  if (*changed != (*merged != resource)) std::abort();
  if (json::serialize(in_place) != json::serialize(*changed ? *merged : resource)) std::abort();
}

// As the engine merges: told that the resource is clean when a census says so (the merge then skips what the
// overlay leaves alone), which must not change the answer.
void check_in_place(const coco_admit::value& resource, const coco_admit::value& overlay,
                    const coco_admit::result<coco_admit::value>& merged) {
  using coco_admit::strategic_merge::resource_state;
  check_in_place(resource, overlay, merged, resource_state::unknown);
  if (coco_admit::strategic_merge::take_census(resource).clean) check_in_place(resource, overlay, merged, resource_state::clean);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace coco_admit;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t sep = in.find("\n~~\n");
  if (sep == std::string_view::npos) return 0;
  auto resource = json::parse(in.substr(0, sep));
  auto overlay = json::parse(in.substr(sep + 4));
  if (!resource.ok() || !overlay.ok()) return 0;

  auto direct = strategic_merge::merge(*resource, *overlay);
  auto again = strategic_merge::merge(*resource, *overlay);
  if (direct.ok() != again.ok()) std::abort();
  if (direct.ok() && json::serialize(*direct) != json::serialize(*again)) std::abort();
  check_in_place(*resource, *overlay, direct);

  auto pre = strategic_merge::preprocess(*resource, *overlay, strategic_merge::matcher{fuzz_match, nullptr});
  if (!pre.ok() || pre->skip) return 0;
  auto merged = strategic_merge::merge(*resource, pre->overlay);
  if (merged.ok()) (void)json::serialize(*merged);
  check_in_place(*resource, pre->overlay, merged);
  return 0;
}
