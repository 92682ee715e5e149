// Feeds arbitrary bytes to the initdata checks twice: as an annotation value
// (exercises the base64/gzip layers), and as TOML that is gzip+base64 encoded
// first (exercises the TOML, aa.toml/cdh.toml, PEM and Rego checks). Also
// cross-checks decode/digest against the error list: a value without errors
// must decode and digest.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "coco-admit/core/coco/initdata.h"

using namespace coco_admit::coco;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)initdata_errors(bytes);
  (void)initdata_decode(bytes);
  (void)initdata_digest_hex(bytes, platform::snp);

  std::string value = initdata_encode(bytes);
  auto errors = initdata_errors(value);
  auto decoded = initdata_decode(value);
  if (errors.empty()) {
    if (!decoded.ok() || !initdata_digest_hex(value, platform::tdx).ok()) std::abort();
  }
  auto toml = initdata_decode_toml(value);
  if (!toml.ok() || *toml != bytes) std::abort();
  return 0;
}
