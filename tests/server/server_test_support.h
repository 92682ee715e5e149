// Helpers shared by the server tests: temporary directories, test
// certificates, running commands, an in-process server around a test double
// of the admission service, and the Python client (webhook_client.py).
//
// The test double ("echo service") stands in for the engine so the HTTP, TLS,
// reload and metrics machinery is tested on its own:
//   - load(): every policy file must not contain the word INVALID (else the
//     load fails, naming the file); the revision is the sources' fingerprint.
//   - review(): answers an AdmissionReview whose warnings carry the revision,
//     the webhook path and the policy subset; a body that does not start with
//     '{' is "malformed" (allowed:false, code 400). A body containing
//     "sleep_ms":N sleeps N ms first (to hold requests in flight).
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "coco-admit/server/server.h"
#include "coco-admit/server/sources.h"
#include "coco-admit/server/tls.h"

namespace coco_admit::server::testing {

namespace fs = std::filesystem;

inline std::string python() { return "/usr/bin/python3"; }
inline std::string client_script() { return std::string(COCO_ADMIT_SOURCE_DIR) + "/tests/server/webhook_client.py"; }

/// A fresh directory removed at the end of the test.
class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "coco-admit-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void write_file(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  const std::string tmp = path + ".tmp-write";
  {
    std::ofstream f(tmp, std::ios::binary);
    f << text;
  }
  fs::rename(tmp, path);  // atomic, like an editor or the kubelet
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// Writes a self-signed localhost certificate as <dir>/<stem>.crt/.key.
inline self_signed write_cert(const std::string& dir, const std::string& stem) {
  auto c = make_self_signed({"localhost"}, {"127.0.0.1"}, 30);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.err().message);
  write_file(dir + "/" + stem + ".crt", c->cert_pem);
  write_file(dir + "/" + stem + ".key", c->key_pem);
  return *c;
}

struct command_result {
  int exit_code = -1;
  std::string out;  ///< stdout (stderr too when merged by the command)
};

/// Runs `cmd` with /bin/sh and captures stdout.
inline command_result run(const std::string& cmd) {
  command_result r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int st = ::pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

inline std::string quote(const std::string& s) {
  std::string o = "'";
  for (char c : s) {
    if (c == '\'') o += "'\\''";
    else o += c;
  }
  return o + "'";
}

class echo_reviewer final : public reviewer {
 public:
  void review(const snapshot& snap, webhook_kind hook, policy_selection subset, std::string_view body,
              std::string& out, review_summary& summary) override {
    auto field = [&](std::string_view name) {
      const std::string key = "\"" + std::string(name) + "\":\"";
      const auto p = body.find(key);
      if (p == std::string_view::npos) return std::string();
      const auto b = p + key.size();
      return std::string(body.substr(b, body.find('"', b) - b));
    };
    if (const auto p = body.find("\"sleep_ms\":"); p != std::string_view::npos)
      std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(std::string(body.substr(p + 11, 8)).c_str())));
    summary.uid = field("uid");
    if (body.empty() || body.front() != '{') {
      summary.malformed = true;
      summary.allowed = false;
      summary.error = "not a JSON object";
      out = R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":")" + summary.uid +
            R"(","allowed":false,"status":{"code":400,"message":"malformed AdmissionReview"}}})";
      return;
    }
    summary.kind = "Pod";
    summary.ns = field("namespace");
    summary.operation = "CREATE";
    summary.rules.push_back({"echo-policy", "echo-rule", hook == webhook_kind::mutate ? "mutate" : "validate", "pass"});
    const char* sub = subset == policy_selection::all ? "all" : subset == policy_selection::fail_only ? "fail" : "ignore";
    out = R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":")" + summary.uid +
          R"(","allowed":true,"warnings":["revision )" + snap.revision + R"(","hook )" +
          (hook == webhook_kind::mutate ? "mutate" : "validate") + R"(","subset )" + sub + R"("]}})";
  }
};

class echo_service final : public admission_service {
 public:
  result<std::shared_ptr<const snapshot>> load(const source_set& sources) const override {
    for (const auto& f : sources.policy_files)
      if (read_file(f).find("INVALID") != std::string::npos) return error::invalid(f + ": policy marked INVALID");
    auto s = std::make_shared<snapshot>();
    s->revision = sources.fingerprint.substr(0, 12);
    s->policy_count = sources.policy_files.size();
    s->file_count = sources.policy_files.size() + sources.cluster_files.size();
    return std::shared_ptr<const snapshot>(std::move(s));
  }
  std::unique_ptr<reviewer> make_reviewer() const override { return std::make_unique<echo_reviewer>(); }
};

/// A configuration on free ports with a fresh certificate and one policy file.
struct fixture_files {
  temp_dir dir;
  self_signed cert;
  std::string policies;
  fixture_files() {
    cert = write_cert(dir.path() + "/tls", "tls");
    policies = dir.path() + "/policies";
    write_file(policies + "/policy.yaml", "kind: ClusterPolicy # v1\n");
  }
  server_config config() const {
    server_config c;
    c.bind_address = "127.0.0.1";
    c.secure_port = 0;
    c.metrics_bind_address = "127.0.0.1:0";
    c.tls_cert_file = dir.path() + "/tls/tls.crt";
    c.tls_private_key_file = dir.path() + "/tls/tls.key";
    c.policy_dirs = {policies};
    c.workers = 2;
    c.handle_signals = false;
    c.reload_interval_seconds = 0.5;
    c.header_timeout_seconds = 2;
    c.shutdown_grace_seconds = 0.2;
    return c;
  }
};

/// An in-process server running on its own thread.
class running_server {
 public:
  explicit running_server(server_config cfg) {
    status v = validate(cfg);
    EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.err().message);
    srv_ = std::make_unique<server>(cfg, std::make_unique<echo_service>(), "test");
    status st = srv_->start();
    started_ = st.ok();
    EXPECT_TRUE(started_) << (st.ok() ? "" : st.err().message);
    if (started_) thread_ = std::thread([this] { exit_code_ = srv_->run(); });
  }
  ~running_server() { stop(); }
  /// Graceful shutdown, waits for run() to return; returns its exit code.
  int stop() {
    if (thread_.joinable()) {
      srv_->shutdown();
      thread_.join();
    }
    return exit_code_;
  }
  std::thread& thread() { return thread_; }
  server& get() { return *srv_; }
  int port() const { return srv_->port(); }
  int metrics_port() const { return srv_->metrics_port(); }
  bool started() const { return started_; }

 private:
  std::unique_ptr<server> srv_;
  std::thread thread_;
  bool started_ = false;
  int exit_code_ = -1;
};

/// curl against the server; `args` are extra curl arguments. Output is
/// "<status>\n<body>".
inline command_result curl(int port, const std::string& ca, const std::string& args) {
  std::string cmd = "curl -sS --max-time 10 -o - -w '\\n%{http_code}' ";
  cmd += ca.empty() ? "" : "--cacert " + quote(ca) + " ";
  cmd += args + " 2>&1";
  (void)port;
  return run(cmd);
}

/// Splits curl()'s output into body and status code.
inline std::pair<int, std::string> status_and_body(const command_result& r) {
  const auto nl = r.out.rfind('\n');
  if (nl == std::string::npos) return {0, r.out};
  return {std::atoi(r.out.c_str() + nl + 1), r.out.substr(0, nl)};
}

/// Polls `pred` every 50 ms for up to `timeout`.
template <class F>
bool eventually(F pred, std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

inline std::string admission_review(const std::string& uid, const std::string& ns, const std::string& extra = "") {
  return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":")" + uid +
         R"(","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"namespace":")" +
         ns + R"(","operation":"CREATE","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":")" +
         ns + R"("},"spec":{"containers":[{"name":"c","image":"nginx"}]}})" + extra + "}}";
}

}  // namespace coco_admit::server::testing
