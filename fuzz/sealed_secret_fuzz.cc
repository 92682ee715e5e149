// Arbitrary bytes as a sealed secret, raw and with the bytes placed as the
// payload of an otherwise well-formed JWS (reaches the JSON payload checks).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "coco-admit/core/coco/base64.h"
#include "coco-admit/core/coco/sealed_secret.h"

using namespace coco_admit::coco;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)sealed_secret_errors(bytes);
  static const std::string header = base64url_encode(R"({"alg":"ES256","kid":"kbs:///default/signing-key/k"})");
  static const std::string sig = base64url_encode(std::string(64, 'x'));
  (void)sealed_secret_errors("sealed." + header + "." + base64url_encode(bytes) + "." + sig);
  return 0;
}
