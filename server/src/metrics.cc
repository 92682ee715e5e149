#include "coco-admit/server/metrics.h"

#include <cstdio>

namespace coco_admit::server {
namespace {

constexpr char sep = '\x1f';

void split(std::string_view key, std::array<std::string_view, 4>& parts) {
  for (std::size_t i = 0; i < 4; ++i) {
    const auto p = key.find(sep);
    parts[i] = key.substr(0, p);
    key = p == std::string_view::npos ? std::string_view{} : key.substr(p + 1);
  }
}

/// Label value escaping of the text format: backslash, quote, newline.
void append_label(std::string& out, std::string_view name, std::string_view v, bool first) {
  if (!first) out += ',';
  out += name;
  out += "=\"";
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  out += '"';
}

void append_double(std::string& out, double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.17g", v);
  out += b;
}

}  // namespace

void core_metrics::record_review(const review_summary& s, double seconds) {
  std::lock_guard lock(mu_);
  auto make_key = [&](std::string_view kind, std::string_view ns) {
    key_.clear();
    key_.append(kind).push_back(sep);
    key_.append(ns).push_back(sep);
    key_.append(s.operation).push_back(sep);
    key_.append(s.allowed ? "true" : "false");
  };
  make_key(s.kind, s.ns);
  auto it = admission_.find(key_);
  if (it == admission_.end()) {
    if (admission_.size() >= 2 * max_) make_key("other", "other");
    else if (admission_.size() >= max_) make_key(s.kind, "other");
    it = admission_.try_emplace(key_).first;
  }
  series& se = it->second;
  ++se.count;
  se.sum += seconds;
  for (std::size_t i = 0; i < duration_buckets.size(); ++i)
    if (seconds <= duration_buckets[i]) ++se.buckets[i];
  for (const auto& r : s.rules) {
    key_.clear();
    key_.append(r.policy).push_back(sep);
    key_.append(r.rule).push_back(sep);
    key_.append(r.type).push_back(sep);
    key_.append(r.result);
    auto rit = rules_.find(key_);
    if (rit == rules_.end()) {
      if (rules_.size() >= 2 * max_) {
        key_.clear();
        key_.append("other").push_back(sep);
        key_.append("other").push_back(sep);
        key_.append(r.type).push_back(sep);
        key_.append(r.result);
      }
      rit = rules_.try_emplace(key_, 0).first;
    }
    ++rit->second;
  }
  if (s.internal_error) ++internal_errors_;
}

void core_metrics::request_started() {
  std::lock_guard lock(mu_);
  ++in_flight_;
}
void core_metrics::request_finished() {
  std::lock_guard lock(mu_);
  --in_flight_;
}
void core_metrics::http_response(int code) {
  std::lock_guard lock(mu_);
  ++responses_[code];
}
void core_metrics::internal_error() {
  std::lock_guard lock(mu_);
  ++internal_errors_;
}
void core_metrics::connection_rejected() {
  std::lock_guard lock(mu_);
  ++rejected_;
}

core_metrics& metrics_registry::add_core() {
  cores_.push_back(std::make_unique<core_metrics>(max_));
  return *cores_.back();
}

void metrics_registry::record_reload(reload_kind k, bool ok) {
  reloads_[static_cast<std::size_t>(k) * 2 + (ok ? 0 : 1)].fetch_add(1, std::memory_order_relaxed);
}

void metrics_registry::set_revision(std::string revision) {
  std::lock_guard lock(revision_mu_);
  revision_ = std::move(revision);
}

std::string metrics_registry::render(std::string_view version) const {
  // Sum the workers into ordered maps so the output is stable.
  std::map<std::string, core_metrics::series> admission;
  std::map<std::string, std::uint64_t> rules;
  std::map<int, std::uint64_t> responses;
  std::int64_t in_flight = 0;
  std::uint64_t internal_errors = 0, rejected = 0;
  for (const auto& c : cores_) {
    std::lock_guard lock(c->mu_);
    for (const auto& [k, s] : c->admission_) {
      auto& t = admission[k];
      t.count += s.count;
      t.sum += s.sum;
      for (std::size_t i = 0; i < s.buckets.size(); ++i) t.buckets[i] += s.buckets[i];
    }
    for (const auto& [k, n] : c->rules_) rules[k] += n;
    for (const auto& [k, n] : c->responses_) responses[k] += n;
    in_flight += c->in_flight_;
    internal_errors += c->internal_errors_;
    rejected += c->rejected_;
  }

  std::string o;
  o.reserve(4096 + admission.size() * 1200);
  std::array<std::string_view, 4> p;
  auto admission_labels = [&](const std::string& key) {
    split(key, p);
    append_label(o, "resource_kind", p[0], true);
    append_label(o, "resource_namespace", p[1], false);
    append_label(o, "resource_request_operation", p[2], false);
    append_label(o, "request_allowed", p[3], false);
  };

  o += "# HELP coco_admit_admission_requests_total Admission requests reviewed.\n"
       "# TYPE coco_admit_admission_requests_total counter\n";
  for (const auto& [k, s] : admission) {
    o += "coco_admit_admission_requests_total{";
    admission_labels(k);
    o += "} " + std::to_string(s.count) + "\n";
  }

  o += "# HELP coco_admit_admission_review_duration_seconds Time spent reviewing one admission request.\n"
       "# TYPE coco_admit_admission_review_duration_seconds histogram\n";
  for (const auto& [k, s] : admission) {
    for (std::size_t i = 0; i <= duration_buckets.size(); ++i) {
      o += "coco_admit_admission_review_duration_seconds_bucket{";
      admission_labels(k);
      o += ",le=\"";
      if (i == duration_buckets.size()) o += "+Inf";
      else {
        char b[32];
        std::snprintf(b, sizeof b, "%g", duration_buckets[i]);
        o += b;
      }
      o += "\"} " + std::to_string(i == duration_buckets.size() ? s.count : s.buckets[i]) + "\n";
    }
    o += "coco_admit_admission_review_duration_seconds_sum{";
    admission_labels(k);
    o += "} ";
    append_double(o, s.sum);
    o += "\ncoco_admit_admission_review_duration_seconds_count{";
    admission_labels(k);
    o += "} " + std::to_string(s.count) + "\n";
  }

  o += "# HELP coco_admit_policy_results_total Rule results of reviewed requests.\n"
       "# TYPE coco_admit_policy_results_total counter\n";
  for (const auto& [k, n] : rules) {
    split(k, p);
    o += "coco_admit_policy_results_total{";
    append_label(o, "policy_name", p[0], true);
    append_label(o, "rule_name", p[1], false);
    append_label(o, "rule_type", p[2], false);
    append_label(o, "rule_result", p[3], false);
    o += "} " + std::to_string(n) + "\n";
  }

  o += "# HELP coco_admit_requests_in_flight Webhook requests being read, reviewed or answered.\n"
       "# TYPE coco_admit_requests_in_flight gauge\n"
       "coco_admit_requests_in_flight " + std::to_string(in_flight) + "\n";
  o += "# HELP coco_admit_internal_errors_total Requests answered with an internal error.\n"
       "# TYPE coco_admit_internal_errors_total counter\n"
       "coco_admit_internal_errors_total " + std::to_string(internal_errors) + "\n";
  o += "# HELP coco_admit_connections_rejected_total Connections closed because --max-connections was reached.\n"
       "# TYPE coco_admit_connections_rejected_total counter\n"
       "coco_admit_connections_rejected_total " + std::to_string(rejected) + "\n";
  o += "# HELP coco_admit_http_responses_total Webhook-port HTTP responses by status code.\n"
       "# TYPE coco_admit_http_responses_total counter\n";
  for (const auto& [code, n] : responses)
    o += "coco_admit_http_responses_total{code=\"" + std::to_string(code) + "\"} " + std::to_string(n) + "\n";

  o += "# HELP coco_admit_reloads_total Reloads of policies and TLS certificates.\n"
       "# TYPE coco_admit_reloads_total counter\n";
  static constexpr const char* kinds[] = {"policies", "certificate"};
  for (std::size_t k = 0; k < 2; ++k) {
    for (std::size_t f = 0; f < 2; ++f) {
      o += "coco_admit_reloads_total{kind=\"";
      o += kinds[k];
      o += f ? "\",result=\"failure\"} " : "\",result=\"success\"} ";
      o += std::to_string(reloads_[k * 2 + f].load(std::memory_order_relaxed)) + "\n";
    }
  }
  {
    std::lock_guard lock(revision_mu_);
    o += "# HELP coco_admit_policy_set_info The policy set being served.\n"
         "# TYPE coco_admit_policy_set_info gauge\n"
         "coco_admit_policy_set_info{";
    append_label(o, "revision", revision_, true);
    o += "} 1\n";
  }
  o += "# HELP coco_admit_info coco-admit build information.\n"
       "# TYPE coco_admit_info gauge\n"
       "coco_admit_info{";
  append_label(o, "version", version, true);
  o += "} 1\n";
  return o;
}

}  // namespace coco_admit::server
