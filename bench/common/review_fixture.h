// review_fixture: everything one admission::review benchmark needs, built and
// checked once: the compiled program, the cluster, the mutate request body
// and the validate request body (the pod after mutation, which is what the
// apiserver sends the validating webhook), each with its expected answer.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "bench_common.h"

namespace coco_admit::bench {

struct review_fixture {
  std::shared_ptr<const program> prog;
  cluster_state cluster;
  engine_environment env;
  std::unique_ptr<padded_body> mutate_body;
  std::unique_ptr<padded_body> validate_body;
  expected_response mutate_want;
  expected_response validate_want;
  std::size_t rules = 0;
  /// How many rules answered (any status) in each webhook's checked run: policies that do not apply add none.
  std::size_t mutate_answers = 0;
  std::size_t validate_answers = 0;
  /// Non-empty when building or checking failed; the benchmark reports it.
  std::string error;
};

/// Builds the fixture for `input` with the realistic policies plus
/// `extra_yaml`, runs both webhooks once and checks their answers against
/// `mutate_want` (patch_ops -1: any patch, as long as it carries the expected
/// paths) and "allowed" for validation. Cached by `key`.
const review_fixture& get_review_fixture(const std::string& key, const review_input& input,
                                         const std::string& extra_yaml, expected_response mutate_want,
                                         bool realistic = true);
/// The same for the review generated from `spec`.
const review_fixture& get_review_fixture(const std::string& key, const pod_spec& spec, const std::string& extra_yaml,
                                         expected_response mutate_want, bool realistic = true);

}  // namespace coco_admit::bench
