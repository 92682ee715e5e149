// snapshot: one immutable generation of everything a request reads, and the
// service that builds snapshots and reviews requests against them.
//
// The reloader builds a snapshot off the request path and publishes it in a
// `published<snapshot>` cell. Each worker keeps a `published<T>::reader`: on
// every request it compares one atomic generation number (a read-mostly cache
// line) and only copies the shared_ptr when a new generation was published.
// A request is reviewed synchronously on its worker thread against the
// reader's current snapshot, so it finishes on the snapshot it started with
// and the hot path touches no shared reference count.
//
// The server only sees the engine through admission_service/reviewer, so the
// HTTP, TLS, reload and metrics machinery is tested with a test double, and
// engine_service.cc is the one file that includes the engine's headers.
//
//   published<snapshot> cell;                      // reloader side
//   cell.publish(std::make_shared<const snapshot>(...));
//   published<snapshot>::reader r(cell);            // worker side
//   const snapshot& s = *r.get();
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "coco-admit/core/result.h"

namespace coco_admit {
struct program;
class cluster_state;
}  // namespace coco_admit

namespace coco_admit::server {

struct source_set;

struct snapshot {
  std::string revision;  ///< short content hash of the source files
  std::shared_ptr<const program> prog;
  std::shared_ptr<const cluster_state> cluster;
  std::size_t policy_count = 0;
  std::size_t file_count = 0;
};

/// A value published by one thread and read by many (see the file comment).
template <class T>
class published {
 public:
  void publish(std::shared_ptr<const T> v) {
    ptr_.store(std::move(v), std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_release);
  }
  std::shared_ptr<const T> load() const { return ptr_.load(std::memory_order_acquire); }
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  /// Per-thread cache of the published value.
  class reader {
   public:
    explicit reader(const published& cell) : cell_(cell) {}
    const std::shared_ptr<const T>& get() {
      const std::uint64_t g = cell_.generation();
      if (g != seen_) {
        seen_ = g;
        cur_ = cell_.load();
      }
      return cur_;
    }

   private:
    const published& cell_;
    std::uint64_t seen_ = 0;
    std::shared_ptr<const T> cur_;
  };

 private:
  std::atomic<std::shared_ptr<const T>> ptr_;
  std::atomic<std::uint64_t> generation_{0};
};

/// The webhook paths: /mutate, /validate and their /fail, /ignore variants.
enum class webhook_kind : std::uint8_t { mutate, validate };
enum class policy_selection : std::uint8_t { all, fail_only, ignore_only };

/// What a review did, for metrics and logs: names and verdicts only, never
/// object contents.
struct review_summary {
  std::string uid;
  std::string kind;
  std::string ns;
  std::string operation;
  bool allowed = true;
  bool malformed = false;  ///< the AdmissionReview could not be read
  bool internal_error = false;
  std::string error;  ///< why, when malformed or internal_error
  std::size_t patch_ops = 0;
  /// The names are views of the snapshot's program: the worker holds the snapshot until the summary is recorded.
  struct rule_result {
    std::string_view policy;
    std::string_view rule;
    const char* type = "validate";  ///< "mutate" | "validate"
    const char* result = "skip";    ///< "pass" | "fail" | "warn" | "error" | "skip"
  };
  std::vector<rule_result> rules;

  void clear() {
    uid.clear(), kind.clear(), ns.clear(), operation.clear(), error.clear();
    allowed = true, malformed = false, internal_error = false, patch_ops = 0;
    rules.clear();
  }
};

/// Reviews requests on one worker thread; owns that thread's scratch space.
class reviewer {
 public:
  virtual ~reviewer() = default;
  /// `body` is followed by at least 64 readable bytes (SIMDJSON_PADDING).
  /// Always writes a complete AdmissionReview into `out` (an unreadable body
  /// gets an error answer), and never throws.
  virtual void review(const snapshot& snap, webhook_kind hook, policy_selection subset, std::string_view body,
                      std::string& out, review_summary& summary) = 0;
};

/// Builds snapshots (off the request path) and per-worker reviewers.
class admission_service {
 public:
  virtual ~admission_service() = default;
  /// Compiles the policy files and loads the cluster resource files. The
  /// error text is what the log, the reload metric and /readyz?verbose show.
  virtual result<std::shared_ptr<const snapshot>> load(const source_set& sources) const = 0;
  virtual std::unique_ptr<reviewer> make_reviewer() const = 0;
};

/// The production service: compiler::compile_paths + cluster_state, reviewed
/// with admission::review (engine_service.cc).
std::unique_ptr<admission_service> make_engine_service();

}  // namespace coco_admit::server
