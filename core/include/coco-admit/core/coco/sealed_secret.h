// Confidential Data Hub sealed secrets: `sealed.` + a JWS compact
// serialisation `BASE64URL(header).BASE64URL(payload).BASE64URL(signature)`.
// The header must be {"alg":"ES256","kid":<KBS resource URI or key file>};
// the payload is JSON {"version":"0.1.0","type":"vault"|"envelope", ...}
// with the fields guest-components' layout structs require for that type.
// The legacy unsigned form `sealed.fakejwsheader.<payload>.fakesignature` is
// reported: CDH accepts it only with skip_sealed_secret_verification = true.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace coco_admit::coco {

/// Largest sealed secret examined (a Kubernetes Secret holds at most 1 MiB).
inline constexpr std::size_t max_sealed_secret_bytes = 1 << 20;

/// Every problem of a sealed secret string, each prefixed "sealed secret: ";
/// empty when valid.
std::vector<std::string> sealed_secret_errors(std::string_view text);

}  // namespace coco_admit::coco
