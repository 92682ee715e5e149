// reference_diff: the RFC 6902 diff written the plain way (a lookup of every
// member on both sides, a fresh path string per node, ops holding copies),
// used only by tests as the oracle for json_patch::diff and the faster walks
// built on it. The output contract is the product's: objects in `before`'s
// member order with removes and descents first, then adds in `after`'s order;
// arrays by index (removes from the tail, per-index diffs, then adds); past
// 256 levels the subtree is replaced whole. NEVER USE IT IN PRODUCTION.
#pragma once

#include <vector>

#include "coco-admit/core/json_patch.h"
#include "coco-admit/core/value.h"

namespace coco_admit::testing {

std::vector<json_patch::operation> reference_diff(const value& before, const value& after);

}  // namespace coco_admit::testing
