// The production admission_service: policies compiled with the compiler,
// cluster resources loaded into a cluster_state, requests reviewed with
// admission::review on the body in place (padded by the server).
#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/admission.h"
#include "coco-admit/core/cluster_state.h"
#include "coco-admit/core/engine.h"
#include "coco-admit/server/snapshot.h"
#include "coco-admit/server/sources.h"

namespace coco_admit::server {
namespace {

const char* status_label(rule_status s) {
  switch (s) {
    case rule_status::pass: return "pass";
    case rule_status::fail: return "fail";
    case rule_status::warn: return "warn";
    case rule_status::error: return "error";
    case rule_status::skip: return "skip";
  }
  return "error";
}

class engine_reviewer final : public reviewer {
 public:
  void review(const snapshot& snap, webhook_kind hook, policy_selection subset, std::string_view body,
              std::string& out, review_summary& summary) override {
    engine_environment env;
    env.cluster = snap.cluster.get();
    env.subset = subset == policy_selection::all         ? policy_subset::all
                 : subset == policy_selection::fail_only ? policy_subset::fail_only
                                                         : policy_subset::ignore_only;
    outcome_ = {};
    admission::review(*snap.prog, hook == webhook_kind::mutate ? admission::webhook::mutate : admission::webhook::validate,
                      body, /*padded=*/true, env, scratch_, out, outcome_);
    summary.uid = std::move(outcome_.uid);
    summary.kind = std::move(outcome_.kind);
    summary.ns = std::move(outcome_.ns);
    summary.operation = std::move(outcome_.operation);
    summary.allowed = outcome_.allowed;
    summary.malformed = outcome_.malformed;
    summary.error = std::move(outcome_.error);
    summary.patch_ops = outcome_.patch_ops;
    summary.rules.reserve(outcome_.rules.size());
    for (auto& r : outcome_.rules)
      summary.rules.push_back({r.policy, r.rule, r.type == rule_type::mutate ? "mutate" : "validate",
                               status_label(r.status)});
  }

 private:
  admission::scratch scratch_;
  admission::review_outcome outcome_;
};

class engine_service final : public admission_service {
 public:
  result<std::shared_ptr<const snapshot>> load(const source_set& sources) const override {
    compiler::compile_output compiled = compiler::compile_paths(sources.policy_files);
    if (!compiled.ok()) return error::invalid(compiled.error_text());
    auto cluster = std::make_shared<cluster_state>();
    for (const auto& f : sources.cluster_files) COCO_ADMIT_TRY(cluster->add_file(f));
    auto s = std::make_shared<snapshot>();
    s->revision = sources.fingerprint.substr(0, 12);
    s->policy_count = compiled.prog->policies.size();
    s->file_count = sources.policy_files.size() + sources.cluster_files.size();
    s->prog = std::move(compiled.prog);
    s->cluster = std::move(cluster);
    return std::shared_ptr<const snapshot>(std::move(s));
  }
  std::unique_ptr<reviewer> make_reviewer() const override { return std::make_unique<engine_reviewer>(); }
};

}  // namespace

std::unique_ptr<admission_service> make_engine_service() { return std::make_unique<engine_service>(); }

}  // namespace coco_admit::server
