// Kyverno autogen over raw policy documents (see autogen.cc).
#pragma once

#include <optional>
#include <vector>

#include "coco-admit/core/result.h"
#include "coco-admit/core/value.h"

namespace coco_admit::compiler {

/// The autogen rules of a ClusterPolicy/Policy document, as raw rule
/// documents in Kyverno's order (after all declared rules, each rule's
/// `autogen-` clone then its `autogen-cronjob-` clone). Empty when the policy
/// is not eligible or autogen is disabled by annotation.
result<std::vector<value>> autogen_rules(const value& policy);

}  // namespace coco_admit::compiler
