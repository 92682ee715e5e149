// The per-thread memo of initdata analyses (coco::analyse_initdata) that the
// CoCo JMESPath functions and the admission audit share.
//
// Every pod of a deployment carries the same initdata, and one value is read
// several ways in a review: coco_initdata_errors in a deny, regex_match on
// coco_initdata_decode(...).data."policy.rego", the audit's digests. Decoding
// it once for all of them matters when it holds a generated agent policy of
// hundreds of KB: the TOML parse alone costs about 170 instructions a byte.
#pragma once

#include <string_view>

#include "coco-admit/core/coco/initdata.h"

namespace coco_admit::coco {

/// analyse_initdata(annotation_value), computed once per distinct value per thread. The reference stays valid
/// until the next call on this thread.
const initdata_analysis& analysed_initdata(std::string_view annotation_value);

}  // namespace coco_admit::coco
