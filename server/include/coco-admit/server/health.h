// health: /livez and /readyz in the Kubernetes health-check format.
//
// Only the status code matters to probes. `?verbose` lists every check as
// `[+]name ok` or `[-]name failed: reason`; `?exclude=name` (repeatable)
// skips a check. A failing endpoint answers 500 and always lists the checks.
// A check may carry a detail that is shown on its line even when it passes
// (for example the policy set revision and why the last reload failed).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace coco_admit::server {

struct health_check {
  std::string name;
  bool ok = true;
  std::string detail;
};

struct health_answer {
  int status = 200;
  std::string body;
};

/// `endpoint` is "livez" or "readyz"; `query` is the URL query without '?'.
health_answer render_health(std::string_view endpoint, std::string_view query, const std::vector<health_check>& checks);

}  // namespace coco_admit::server
