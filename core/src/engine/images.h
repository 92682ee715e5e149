// The `images` context variable: every container image of a Pod (or pod
// template) split into registry, path, name, tag and digest, the way
// Kyverno's ImageInfo does (default registry docker.io, default tag latest).
#pragma once

#include <string_view>

#include "coco-admit/core/value.h"

namespace coco_admit {

/// {containers: {<name>: {registry, path, name, tag, digest, reference, referenceWithTag}},
///  initContainers: {...}, ephemeralContainers: {...}}; null when `object`
/// holds no pod spec.
value extract_images(const value& object);
/// One image reference.
value parse_image(std::string_view image);

}  // namespace coco_admit
