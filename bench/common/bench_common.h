// bench_common: the inputs every benchmark uses, generated in-process so that
// a benchmark needs nothing outside the repository. The one input read from
// outside is the brief's reference review (shared/fixtures), measured by
// bench_admission when it is there.
//
//  - pod_spec / make_pod / make_review: a Deployment's pod (ReplicaSet owner,
//    managedFields, probes, projected service-account volume) in an
//    AdmissionReview. The default spec gives the reference 4.3 KB Pod CREATE
//    review in namespace team-a; the knobs grow it (containers, bytes, initdata).
//  - make_cluster: the Namespaces and ConfigMaps the policies read (the
//    team-a namespace is a CoCo namespace; runtime class and initdata come
//    from ConfigMaps, as in profiles/coco).
//  - realistic_policies: bench/data/policies/*.yaml, mutate and validate
//    policies that all apply to the reference pod.
//  - non_applying_policies(n) / applying_policies(n): generated policy sets
//    for the scaling curves (a deterministic, realistic mix).
//  - review_input: a Pod CREATE review to measure, and the same review around
//    the object as the mutating webhook left it (what the validating webhook
//    receives): generated from a pod_spec, or read from a file such as the
//    reference fixture shared/fixtures/pod-create-review.json.
//  - padded_body: a request body followed by SIMDJSON_PADDING bytes, as the
//    server hands it to admission::review.
//  - check_response: decodes an AdmissionReview response and compares it with
//    the expected answer, so a benchmark that computes something wrong fails
//    instead of reporting a fast time.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/admission.h"
#include "coco-admit/core/cluster_state.h"
#include "coco-admit/core/program.h"
#include "coco-admit/core/result.h"
#include "coco-admit/core/value.h"

namespace coco_admit::bench {

/// bench/data (set by CMake); the checked-in policies live there.
std::string data_dir();

struct pod_spec {
  std::string ns = "team-a";
  std::string uid = "6f0c3b2e-4a1d-4c8e-9f7a-2b5d8e1c0a93";
  std::string operation = "CREATE";
  int containers = 1;
  /// Pad the review with environment variables (spread over the containers)
  /// until it is at least this many bytes; 0 keeps the natural size.
  std::size_t min_bytes = 0;
  /// Leave out managedFields, probes and the projected volume (small pods).
  bool minimal = false;
  /// cc_init_data annotation value; empty: none.
  std::string initdata;
  std::string app = "checkout";
};

/// The pod object (kind Pod) described by `spec`.
value make_pod(const pod_spec& spec);
/// An admission.k8s.io/v1 AdmissionReview request around `object` (and
/// `old_object` for UPDATE/DELETE; DELETE sends object null).
std::string make_review(const value& object, const pod_spec& spec, const value* old_object = nullptr);
/// The reference review: make_review(make_pod(pod_spec{})), about 4.3 KB.
std::string reference_review();

/// A review to measure: its body (the mutating webhook's request), its request.uid and request.object, and the
/// same review around another object.
struct review_input {
  std::string body;
  std::string uid;
  value object;
  std::function<std::string(const value& object)> around;
};
/// make_review(make_pod(spec), spec), rebuilt by make_review.
review_input generated_input(const pod_spec& spec);
/// The AdmissionReview in `path`, rebuilt by replacing its request.object; an error names the file and what is
/// wrong with it.
result<review_input> file_input(const std::string& path);
/// shared/fixtures/pod-create-review.json (COCO_ADMIT_SHARED_DIR at configure time): the reference 4.3 KB Pod
/// CREATE review of the brief. A user's clone has no shared/: empty then.
std::string reference_fixture_path();

/// An initdata TOML document (version, algorithm, aa.toml, cdh.toml,
/// policy.rego) of at least `min_bytes`; the agent policy grows with
/// genpolicy-like per-image rules so the document does not compress to nothing.
std::string initdata_toml(std::size_t min_bytes, std::string_view kbs_host = "kbs.team-a.example.com");

/// Namespaces (team-a is a CoCo namespace) and the ConfigMaps the realistic
/// policies read: coco-runtime-config and coco-initdata.
cluster_state make_cluster();
/// The objects make_cluster() holds (written to bench/data/cluster.json).
std::vector<value> cluster_objects();

/// bench/data/policies/*.yaml as compiler sources.
result<std::vector<compiler::source>> realistic_policies();
/// `n` policies (YAML, one document each) that do not apply to the
/// reference pod: other kinds, namespaces, names, labels, annotations,
/// operations and namespaced Policies in other namespaces.
std::string non_applying_policies(int n);
/// `n` validate policies (one in ten a mutate adding an annotation) that
/// apply to the reference pod and pass.
std::string applying_policies(int n);

/// Compiles `sources`; the error text names the first problems.
result<std::shared_ptr<const program>> compile(const std::vector<compiler::source>& sources);
/// realistic_policies() plus `extra_yaml` as one more source.
result<std::shared_ptr<const program>> compile_with(std::string extra_yaml, bool realistic = true);

/// A request body followed by at least SIMDJSON_PADDING readable bytes.
class padded_body {
 public:
  explicit padded_body(std::string body);
  std::string_view view() const { return {buf_.data(), size_}; }
  std::size_t size() const { return size_; }

 private:
  std::string buf_;
  std::size_t size_;
};

/// What a response must say.
struct expected_response {
  std::string uid;
  bool allowed = true;
  /// Exact number of patch operations (-1: do not check).
  int patch_ops = -1;
  /// JSON pointers that must appear as a patch op path.
  std::vector<std::string> patch_paths;
  /// A substring of status.message (denials).
  std::string message_contains;
};

/// Empty when `response` is what `want` describes, otherwise why not.
std::string check_response(std::string_view response, const expected_response& want);

/// The patch of a mutate response applied to `object` (for building the
/// review the validating webhook receives after mutation).
result<value> apply_response_patch(std::string_view response, const value& object);

/// Expected answer of the realistic mutate webhook on the reference pod.
expected_response reference_mutate_expectation(const pod_spec& spec);

}  // namespace coco_admit::bench
