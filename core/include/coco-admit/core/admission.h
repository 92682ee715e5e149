// admission: AdmissionReview (admission.k8s.io/v1) in, AdmissionReview out.
//
// The one path both the server and `coco-admit review` use. The request body
// is parsed in place with simdjson (the caller keeps SIMDJSON_PADDING readable
// bytes after it, so nothing is copied first), the program runs, and the
// response is serialised into `out`: the uid echoed, `allowed`, `status`,
// `patchType: JSONPatch` with the base64 RFC 6902 patch only when non-empty,
// `warnings` and `auditAnnotations`. Same input, same bytes out.
//
// Every outcome is an answer: a body that cannot be read still yields a
// response (allowed=false, code 400, the uid when it could be read), and the
// error is also reported in `review_outcome` for metrics and logs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "coco-admit/core/engine.h"

namespace coco_admit::admission {

enum class webhook : unsigned char { mutate, validate };

/// What happened, for metrics and logs (no object contents, no secrets).
struct review_outcome {
  std::string uid;
  std::string kind;       ///< request kind, e.g. "Pod"
  std::string ns;
  std::string operation;
  bool allowed = true;
  bool malformed = false;        ///< the review could not be read
  bool budget_exceeded = false;  ///< some evaluation hit a bound
  std::string error;             ///< reason when malformed
  std::size_t patch_ops = 0;
  /// The names are views of the program's: read them while the program lives.
  struct rule_result {
    std::string_view policy, rule;
    rule_type type;
    rule_status status;
  };
  std::vector<rule_result> rules;
};

/// Per-thread scratch space (simdjson parser and buffers), reused across
/// requests so the hot path does not allocate them again.
class scratch {
 public:
  scratch();
  ~scratch();
  scratch(const scratch&) = delete;
  scratch& operator=(const scratch&) = delete;
  struct impl;
  impl& get() { return *impl_; }
  /// Largest document the kept parser takes without allocating (0 before the first review, and after one of
  /// more than 1 MiB, whose capacity is given back).
  std::size_t parser_capacity() const noexcept;

 private:
  std::unique_ptr<impl> impl_;
};

/// Reviews one AdmissionReview. `body` must be followed by at least
/// SIMDJSON_PADDING (64) readable bytes (pass `padded = false` to have it
/// copied into a padded buffer instead). Never throws.
void review(const program& prog, webhook hook, std::string_view body, bool padded, const engine_environment& env,
            scratch& s, std::string& out, review_outcome& outcome);

/// The response for a request that never reached the engine (bad HTTP, body
/// too large, ...): allowed=false with `code` and `message`, uid echoed when
/// known.
std::string error_response(std::string_view uid, int code, std::string_view message);

}  // namespace coco_admit::admission
