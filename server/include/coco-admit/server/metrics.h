// metrics: per-worker counters, summed into Prometheus text at scrape time.
//
// Each worker owns one core_metrics and is its only writer; the lock inside
// is taken once per request by that worker and once per scrape by the
// metrics thread, so it is uncontended on the request path. Kyverno's metric
// and label names are kept under the coco_admit_ prefix so dashboards carry
// over:
//
//   coco_admit_admission_requests_total{resource_kind,resource_namespace,resource_request_operation,request_allowed}
//   coco_admit_admission_review_duration_seconds{...same labels}   (histogram)
//   coco_admit_policy_results_total{policy_name,rule_name,rule_type,rule_result}
//   coco_admit_requests_in_flight, coco_admit_internal_errors_total,
//   coco_admit_http_responses_total{code}, coco_admit_connections_rejected_total,
//   coco_admit_reloads_total{kind,result}, coco_admit_policy_set_info{revision},
//   coco_admit_info{version}
//
// Label cardinality is bounded: once a worker holds `max_label_sets` distinct
// admission label sets, new namespaces are recorded as "other", and once it
// holds twice that, the kind too; policy results are bounded the same way
// (policy and rule names come from the program, so they rarely hit it).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "coco-admit/server/snapshot.h"

namespace coco_admit::server {

inline constexpr std::array<double, 14> duration_buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                           0.1,    0.25,  0.5,    1,     2.5,   5,    10};

class core_metrics {
 public:
  explicit core_metrics(std::size_t max_label_sets) : max_(max_label_sets) {}

  void record_review(const review_summary& s, double seconds);
  void request_started();
  void request_finished();
  void http_response(int code);
  void internal_error();
  void connection_rejected();

 private:
  friend class metrics_registry;
  struct series {
    std::uint64_t count = 0;
    double sum = 0;
    std::array<std::uint64_t, duration_buckets.size()> buckets{};
  };
  std::size_t max_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, series> admission_;    ///< key: kind \x1f ns \x1f op \x1f allowed
  std::unordered_map<std::string, std::uint64_t> rules_;  ///< key: policy \x1f rule \x1f type \x1f result
  std::map<int, std::uint64_t> responses_;
  std::int64_t in_flight_ = 0;
  std::uint64_t internal_errors_ = 0;
  std::uint64_t rejected_ = 0;
  std::string key_;  ///< reused so a known label set costs no allocation
};

class metrics_registry {
 public:
  explicit metrics_registry(std::size_t max_label_sets) : max_(max_label_sets) {}
  /// Adds one worker's metrics; call before the workers start.
  core_metrics& add_core();

  enum class reload_kind { policies, certificate };
  void record_reload(reload_kind k, bool ok);
  void set_revision(std::string revision);

  /// Prometheus text exposition format 0.0.4.
  std::string render(std::string_view version) const;

 private:
  std::size_t max_;
  std::vector<std::unique_ptr<core_metrics>> cores_;
  std::array<std::atomic<std::uint64_t>, 4> reloads_{};  ///< [kind*2 + failed]
  mutable std::mutex revision_mu_;
  std::string revision_;
};

}  // namespace coco_admit::server
