// Feeds arbitrary bytes to the initdata checks twice: as an annotation value
// (exercises the base64/gzip layers), and as TOML that is gzip+base64 encoded
// first (exercises the TOML, aa.toml/cdh.toml, PEM and Rego checks). Also
// cross-checks decode/digest against the error list: a value without errors
// must decode and digest, and the shared analysis (analyse_initdata) against
// each function alone.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "coco-admit/core/coco/initdata.h"

using namespace coco_admit::coco;

namespace {

// Aborts unless analyse_initdata(v) gives what initdata_errors, initdata_decode and initdata_measure give alone.
void check_analysis(std::string_view v) {
  const initdata_analysis a = analyse_initdata(v);
  if (a.errors != initdata_errors(v)) std::abort();
  auto decoded = initdata_decode(v);
  if (a.decoded.ok() != decoded.ok()) std::abort();
  if (decoded.ok() ? !(*a.decoded == *decoded) : a.decoded.err().message != decoded.err().message) std::abort();
  auto measured = initdata_measure(v);
  if (a.measured.ok() != measured.ok()) std::abort();
  if (measured.ok() ? a.measured->digest != measured->digest || a.measured->algorithm != measured->algorithm
                    : a.measured.err().message != measured.err().message) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)initdata_errors(bytes);
  (void)initdata_decode(bytes);
  (void)initdata_digest_hex(bytes, platform::snp);
  check_analysis(bytes);

  std::string value = initdata_encode(bytes);
  auto errors = initdata_errors(value);
  auto decoded = initdata_decode(value);
  if (errors.empty()) {
    if (!decoded.ok() || !initdata_digest_hex(value, platform::tdx).ok()) std::abort();
  }
  check_analysis(value);
  auto toml = initdata_decode_toml(value);
  if (!toml.ok() || *toml != bytes) std::abort();
  return 0;
}
