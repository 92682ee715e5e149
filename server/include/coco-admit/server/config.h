// config: the effective configuration of `coco-admit serve`.
//
// Filled from flags and COCO_ADMIT_* environment variables by the CLI (the
// flag wins), then checked by validate(), which also resolves defaults that
// depend on the machine (the worker count). to_json() is what the server logs
// once at start: paths and numbers only, never file contents.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "coco-admit/core/result.h"

namespace coco_admit::server {

struct server_config {
  // Webhook listener.
  std::string bind_address = "0.0.0.0";
  int secure_port = 9443;  ///< 0: the kernel picks one (logged as "listening")
  std::string tls_cert_file;
  std::string tls_private_key_file;
  std::string client_ca_file;  ///< empty: no client-certificate verification
  bool insecure_http = false;  ///< plain HTTP, local benchmarking only

  // Policies and the cluster objects they may read.
  std::vector<std::string> policy_dirs;
  std::vector<std::string> cluster_resources_dirs;
  double reload_interval_seconds = 10;  ///< periodic re-check besides inotify; 0 disables

  // Threads and limits.
  unsigned workers = 0;  ///< 0: one per CPU the process may run on
  std::size_t max_connections = 10000;
  std::size_t max_request_bytes = 7 * 1024 * 1024;
  double header_timeout_seconds = 10;
  double read_timeout_seconds = 30;
  double idle_timeout_seconds = 120;

  // Operations.
  std::string metrics_bind_address = ":8000";  ///< "host:port", ":port"; "0" disables
  std::size_t metrics_max_label_sets = 2000;   ///< per worker, beyond: namespace folded into "other"
  double shutdown_grace_seconds = 5;
  std::string port_file;  ///< when set, the bound webhook port is written there
  bool handle_signals = true;
  int verbosity = 0;
};

/// Checks the configuration and fills machine-dependent defaults. The error
/// names the flag and what is wrong with it.
status validate(server_config& cfg);

/// The configuration as one JSON object (for the start-up log line).
std::string to_json(const server_config& cfg);

/// CPUs this process may run on (sched_getaffinity), at least 1.
unsigned available_cpus();

/// Splits "host:port" / ":port" / "[v6]:port". `port` is -1 for "0" (disabled).
struct bind_address {
  std::string host;
  int port = -1;
};
result<bind_address> parse_bind_address(const std::string& text);

}  // namespace coco_admit::server
