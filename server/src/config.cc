#include "coco-admit/server/config.h"

#include <sched.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>

#include "coco-admit/core/json.h"

namespace coco_admit::server {

unsigned available_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<unsigned>(n) : 1;
}

result<bind_address> parse_bind_address(const std::string& text) {
  if (text == "0") return bind_address{};
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return error::invalid("\"" + text + "\" is not host:port, :port or 0");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  const std::string port_text = text.substr(colon + 1);
  int port = -1;
  const auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || p != port_text.data() + port_text.size() || port < 0 || port > 65535)
    return error::invalid("\"" + text + "\" has no valid port (0-65535)");
  return bind_address{host, port};
}

namespace {
status positive(double v, const char* flag, bool zero_ok = false) {
  if (!std::isfinite(v) || v < 0 || (!zero_ok && v == 0))
    return error::invalid(std::string("--") + flag + " must be " + (zero_ok ? "zero or positive" : "positive"));
  return {};
}
}  // namespace

status validate(server_config& cfg) {
  if (cfg.secure_port < 0 || cfg.secure_port > 65535) return error::invalid("--secure-port must be in 0-65535");
  if (cfg.bind_address.empty()) return error::invalid("--bind-address must not be empty");
  if (!cfg.insecure_http && (cfg.tls_cert_file.empty() || cfg.tls_private_key_file.empty()))
    return error::invalid("--tls-cert-file and --tls-private-key-file are required (or --dev, or --insecure-http for local benchmarking)");
  if (cfg.insecure_http && !cfg.client_ca_file.empty())
    return error::invalid("--client-ca-file needs TLS; it cannot be combined with --insecure-http");
  for (const auto& f : {cfg.tls_cert_file, cfg.tls_private_key_file, cfg.client_ca_file})
    if (!f.empty() && ::access(f.c_str(), R_OK) != 0) return error::invalid("cannot read \"" + f + "\"");
  for (const auto& d : cfg.policy_dirs)
    if (::access(d.c_str(), R_OK) != 0) return error::invalid("--policy-dir \"" + d + "\" cannot be read");
  for (const auto& d : cfg.cluster_resources_dirs)
    if (::access(d.c_str(), R_OK) != 0) return error::invalid("--cluster-resources-dir \"" + d + "\" cannot be read");
  if (cfg.workers == 0) cfg.workers = available_cpus();
  if (cfg.workers > 1024) return error::invalid("--workers must be at most 1024");
  if (cfg.max_connections == 0) return error::invalid("--max-connections must be positive");
  if (cfg.max_request_bytes < 1024 || cfg.max_request_bytes > (std::size_t{256} << 20))
    return error::invalid("--max-request-bytes must be between 1024 and 268435456");
  COCO_ADMIT_TRY(positive(cfg.header_timeout_seconds, "header-timeout-seconds"));
  COCO_ADMIT_TRY(positive(cfg.read_timeout_seconds, "read-timeout-seconds"));
  COCO_ADMIT_TRY(positive(cfg.idle_timeout_seconds, "idle-timeout-seconds"));
  COCO_ADMIT_TRY(positive(cfg.shutdown_grace_seconds, "shutdown-grace-seconds", true));
  COCO_ADMIT_TRY(positive(cfg.reload_interval_seconds, "reload-interval-seconds", true));
  if (cfg.metrics_max_label_sets == 0) return error::invalid("--metrics-max-label-sets must be positive");
  auto metrics = parse_bind_address(cfg.metrics_bind_address);
  if (!metrics) return error::invalid("--metrics-bind-address: " + metrics.err().message);
  if (metrics->port > 0 && metrics->port == cfg.secure_port)
    return error::invalid("--metrics-bind-address must use another port than --secure-port");
  return {};
}

std::string to_json(const server_config& cfg) {
  std::string o = "{";
  bool first = true;
  auto key = [&](const char* k) {
    if (!first) o += ',';
    first = false;
    json::append_quoted(k, o);
    o += ':';
  };
  auto str = [&](const char* k, const std::string& v) {
    key(k);
    json::append_quoted(v, o);
  };
  auto num = [&](const char* k, double v) {
    key(k);
    char b[32];
    std::snprintf(b, sizeof b, "%.9g", v);
    o += b;
  };
  auto boolean = [&](const char* k, bool v) {
    key(k);
    o += v ? "true" : "false";
  };
  auto list = [&](const char* k, const std::vector<std::string>& v) {
    key(k);
    o += '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) o += ',';
      json::append_quoted(v[i], o);
    }
    o += ']';
  };
  str("bind_address", cfg.bind_address);
  num("secure_port", cfg.secure_port);
  str("tls_cert_file", cfg.tls_cert_file);
  str("tls_private_key_file", cfg.tls_private_key_file);
  str("client_ca_file", cfg.client_ca_file);
  boolean("insecure_http", cfg.insecure_http);
  list("policy_dirs", cfg.policy_dirs);
  list("cluster_resources_dirs", cfg.cluster_resources_dirs);
  num("reload_interval_seconds", cfg.reload_interval_seconds);
  num("workers", cfg.workers);
  num("max_connections", static_cast<double>(cfg.max_connections));
  num("max_request_bytes", static_cast<double>(cfg.max_request_bytes));
  num("header_timeout_seconds", cfg.header_timeout_seconds);
  num("read_timeout_seconds", cfg.read_timeout_seconds);
  num("idle_timeout_seconds", cfg.idle_timeout_seconds);
  str("metrics_bind_address", cfg.metrics_bind_address);
  num("metrics_max_label_sets", static_cast<double>(cfg.metrics_max_label_sets));
  num("shutdown_grace_seconds", cfg.shutdown_grace_seconds);
  str("port_file", cfg.port_file);
  num("v", cfg.verbosity);
  o += '}';
  return o;
}

}  // namespace coco_admit::server
