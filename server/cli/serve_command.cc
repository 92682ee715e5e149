// `coco-admit serve`: flags (each with a COCO_ADMIT_* environment variable;
// the flag wins) -> server_config -> server. `--dev` generates a self-signed
// localhost certificate and prints the caBundle and URL to use.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "coco-admit/server/config.h"
#include "coco-admit/server/log.h"
#include "coco-admit/server/server.h"
#include "coco-admit/server/tls.h"
#include "commands.h"

namespace coco_admit::cli {
namespace {

constexpr const char* version = COCO_ADMIT_VERSION;

struct serve_options {
  server::server_config cfg;
  bool dev = false;
  std::string cert_dir;
};

/// Registers `--name` with its environment variable COCO_ADMIT_NAME.
template <class T>
CLI::Option* flag(CLI::App* cmd, const std::string& name, T& target, const std::string& help) {
  std::string env = "COCO_ADMIT_";
  for (char c : name) env += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return cmd->add_option("--" + name, target, help)->envname(env)->capture_default_str();
}

/// For --dev: writes a fresh self-signed localhost pair into `dir`.
status write_dev_certificate(const std::string& dir, server::server_config& cfg, std::string& ca_bundle) {
  auto cert = server::make_self_signed({"localhost"}, {"127.0.0.1", "::1"}, 365);
  if (!cert) return cert.err();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return error::invalid("cannot create --cert-dir \"" + dir + "\": " + ec.message());
  cfg.tls_cert_file = dir + "/tls.crt";
  cfg.tls_private_key_file = dir + "/tls.key";
  {
    std::ofstream f(cfg.tls_cert_file, std::ios::trunc);
    f << cert->cert_pem;
    if (!f) return error::invalid("cannot write \"" + cfg.tls_cert_file + "\"");
  }
  {
    const int fd = ::open(cfg.tls_private_key_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return error::invalid("cannot write \"" + cfg.tls_private_key_file + "\"");
    const bool ok = ::write(fd, cert->key_pem.data(), cert->key_pem.size()) == static_cast<ssize_t>(cert->key_pem.size());
    ::close(fd);
    if (!ok) return error::invalid("cannot write \"" + cfg.tls_private_key_file + "\"");
  }
  ca_bundle = server::base64(cert->cert_pem);
  return {};
}

int serve(serve_options& o, const CLI::App& cmd) {
  server::logging::set_verbosity(o.cfg.verbosity);
  auto bad = [](const std::string& why) {
    server::logging::error("invalid configuration").str("err", why);
    return 2;
  };
  std::string ca_bundle;
  if (o.dev) {
    if (cmd.get_option("--bind-address")->count() == 0) o.cfg.bind_address = "127.0.0.1";
    if (cmd.get_option("--metrics-bind-address")->count() == 0) o.cfg.metrics_bind_address = "127.0.0.1:8000";
    if (o.cfg.policy_dirs.empty()) {
      // The default profile: its policies and the platform configuration they read.
      if (!std::filesystem::is_directory("profiles/coco/policies"))
        return bad("--dev serves the default profile profiles/coco by default, which does not exist here; pass --policy-dir");
      o.cfg.policy_dirs = {"profiles/coco/policies"};
      if (o.cfg.cluster_resources_dirs.empty()) o.cfg.cluster_resources_dirs = {"profiles/coco/cluster"};
    }
    if (o.cfg.tls_cert_file.empty() != o.cfg.tls_private_key_file.empty())
      return bad("--tls-cert-file and --tls-private-key-file go together");
    if (o.cfg.tls_cert_file.empty()) {
      std::string dir = o.cert_dir;
      if (dir.empty()) {
        std::string tmpl = (std::filesystem::temp_directory_path() / "coco-admit-dev-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) return bad("cannot create a temporary directory for the dev certificate");
        dir = tmpl;
      }
      if (status st = write_dev_certificate(dir, o.cfg, ca_bundle); !st) return bad(st.err().message);
    }
  } else if (!o.cert_dir.empty()) {
    return bad("--cert-dir only applies with --dev");
  }
  if (status st = server::validate(o.cfg); !st) return bad(st.err().message);

  server::logging::info("starting coco-admit serve").str("version", version).raw("config", server::to_json(o.cfg));
  server::server srv(o.cfg, server::make_engine_service(), version);
  if (status st = srv.start(); !st) return bad(st.err().message);
  if (o.dev) {
    const std::string scheme = o.cfg.insecure_http ? "http" : "https";
    std::cout << "coco-admit dev server\n"
              << "  url:      " << scheme << "://localhost:" << srv.port() << "/mutate (and /validate)\n"
              << "  cert:     " << o.cfg.tls_cert_file << "\n";
    if (!ca_bundle.empty()) std::cout << "  caBundle: " << ca_bundle << "\n";
    std::cout << "  policies: ";
    for (const auto& d : o.cfg.policy_dirs) std::cout << d << " ";
    std::cout << "\n" << std::flush;
  }
  return srv.run();
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<serve_options>();
  server::server_config& c = o->cfg;
  auto* cmd = app.add_subcommand("serve", "Run the HTTPS admission webhook server");
  cmd->footer(
      "Every flag can also be set with the environment variable COCO_ADMIT_<FLAG> (upper case, '-' -> '_'); the flag\n"
      "wins. Repeatable flags take a comma-separated list from the environment. See docs/operations.md.");
  flag(cmd, "secure-port", c.secure_port, "HTTPS port for the webhook endpoints (0: pick a free port)")->check(CLI::Range(0, 65535));
  flag(cmd, "bind-address", c.bind_address, "IP address to listen on");
  flag(cmd, "tls-cert-file", c.tls_cert_file, "PEM certificate chain (reloaded when it changes)");
  flag(cmd, "tls-private-key-file", c.tls_private_key_file, "PEM private key matching --tls-cert-file");
  flag(cmd, "client-ca-file", c.client_ca_file, "PEM CA bundle; when set, clients must present a certificate it signed");
  cmd->add_flag("--insecure-http", c.insecure_http, "Serve plain HTTP (local benchmarking only)")->envname("COCO_ADMIT_INSECURE_HTTP");
  flag(cmd, "policy-dir", c.policy_dirs, "Directory (or file) of Kyverno policies; repeatable")->delimiter(',');
  flag(cmd, "cluster-resources-dir", c.cluster_resources_dirs,
       "Directory (or file) of ConfigMaps/Namespaces the policies may read; repeatable")->delimiter(',');
  flag(cmd, "reload-interval-seconds", c.reload_interval_seconds, "Periodic re-check of policy and certificate files besides inotify (0: off)");
  flag(cmd, "workers", c.workers, "Worker threads, each with its own listener (0: one per CPU available)");
  flag(cmd, "max-connections", c.max_connections, "Open connections beyond which new ones get 503 and are closed");
  flag(cmd, "max-request-bytes", c.max_request_bytes, "Largest request body accepted (larger: 413)");
  flag(cmd, "header-timeout-seconds", c.header_timeout_seconds, "Time allowed for the TLS handshake and the request header");
  flag(cmd, "read-timeout-seconds", c.read_timeout_seconds, "Time allowed to read a request body and to write the response");
  flag(cmd, "idle-timeout-seconds", c.idle_timeout_seconds, "Keep-alive connections idle this long are closed");
  flag(cmd, "metrics-bind-address", c.metrics_bind_address, "host:port for /metrics, /livez and /readyz over plain HTTP (\"0\": off)");
  flag(cmd, "metrics-max-label-sets", c.metrics_max_label_sets, "Distinct admission label sets per worker before namespaces fold into \"other\"");
  flag(cmd, "shutdown-grace-seconds", c.shutdown_grace_seconds, "After SIGTERM, keep serving this long (with /readyz failing) before closing listeners");
  flag(cmd, "port-file", c.port_file, "Write the bound webhook port to this file once listening");
  cmd->add_option("-v,--v", c.verbosity, "Log verbosity (4: one line per request)")
      ->envname("COCO_ADMIT_V")
      ->capture_default_str()
      // klog spells it -v=4; CLI11 hands the short option "=4".
      ->transform(CLI::Validator(
          [](std::string& s) {
            if (!s.empty() && s.front() == '=') s.erase(0, 1);
            return std::string();
          },
          "", "klog-v"));
  cmd->add_flag("--dev", o->dev, "Generate a self-signed localhost certificate, print its caBundle, serve profiles/coco by default")
      ->envname("COCO_ADMIT_DEV");
  flag(cmd, "cert-dir", o->cert_dir, "With --dev: where to write tls.crt/tls.key (default: a new temporary directory)");
  cmd->callback([o, cmd, &exit_code] { exit_code = serve(*o, *cmd); });
}

}  // namespace coco_admit::cli
