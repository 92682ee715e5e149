// CoCo-specific JMESPath functions (Confidential Containers helpers).
//
// This table is the extension point for functions that are neither standard
// JMESPath nor Kyverno's: add rows here (see functions.h for the row format)
// and they become callable, arity-checked and type-checked like the others.
#include "jmespath/functions.h"

namespace coco_admit::jmespath::detail {

std::span<const function_def> coco_functions() { return {}; }

}  // namespace coco_admit::jmespath::detail
