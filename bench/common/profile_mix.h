// profile_mix: a profile's workloads (profiles/<name>/workloads/*.yaml) as the AdmissionReview requests the API
// server sends for them, each with its class, its webhook and the answer coco-admit gives (computed by running the
// same admission::review). bench_load_requests writes them for the wrk scripts (bench/load/admission.lua), and
// bench_scaling's BM_profile_mix times each class in-process.
//
// Classes:
//   coco-mutate      Pod CREATE to /mutate that gets patched (CoCo pods)
//   untouched        Pod CREATE to /mutate that no policy changes
//   pod-validate     Pod CREATE (after mutation) to /validate, admitted
//   broken-initdata  Pod CREATE (after mutation) to /validate, denied
//   denied           any other request the policies deny
//   deployment       Deployment (and other controllers) CREATE, autogen rules
//   update           Pod UPDATE (labels changed) to /mutate and /validate
//   delete           Pod DELETE to /validate
//   other            every other kind in the workloads (Secrets, ...)
// A body's request.uid is "__UID__" (the Lua script puts a unique uid there per request).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.h"

namespace coco_admit::bench {

struct mix_request {
  std::string cls;
  std::string path;  ///< "/mutate" or "/validate"
  bool allowed = false;
  std::string body;
};

struct profile_mix {
  std::shared_ptr<const program> prog;  ///< the profile's policies
  cluster_state cluster;                ///< the profile's cluster/ objects
  std::vector<mix_request> requests;
  std::map<std::string, int> counts;  ///< requests per class
  std::string sample_response;        ///< the mutate response of the first patched pod
  /// Non-empty when the profile could not be read, compiled or reviewed.
  std::string error;
};

/// The mix of the profile in `profile_dir` (with policies/, workloads/ and optionally cluster/).
profile_mix load_profile_mix(const std::string& profile_dir);

/// `body` with its "__UID__" placeholder replaced.
std::string with_uid(std::string body, std::string_view uid);

}  // namespace coco_admit::bench
