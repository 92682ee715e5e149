// Hot reload and shutdown while requests flow, in process with the echo test
// double: every request must be answered, through policy reloads (good and
// bad), certificate rotations (good and bad pairs) laid out the way the
// kubelet mounts Secrets and ConfigMaps, and a SIGTERM drain.
#include <gtest/gtest.h>
#include <signal.h>

#include <future>

#include "coco-admit/core/json.h"
#include "server_test_support.h"

namespace coco_admit::server {
namespace {

using namespace testing;

/// Lays `files` out like a kubelet volume: <dir>/..data -> ..<gen>/, and
/// <dir>/<name> -> ..data/<name>; later calls swap ..data atomically.
void kubelet_publish(const std::string& dir, const std::vector<std::pair<std::string, std::string>>& files, int gen) {
  const std::string ts = "..gen" + std::to_string(gen);
  for (const auto& [name, text] : files) write_file(dir + "/" + ts + "/" + name, text);
  const std::string tmp = dir + "/..data_tmp";
  std::filesystem::remove(tmp);
  std::filesystem::create_directory_symlink(ts, tmp);
  std::filesystem::rename(tmp, dir + "/..data");
  for (const auto& f : files) {
    const std::string link = dir + "/" + f.first;
    if (!std::filesystem::is_symlink(link)) std::filesystem::create_symlink("..data/" + f.first, link);
  }
}

struct reload_test : ::testing::Test {
  temp_dir dir;
  std::string tls_dir = dir.path() + "/tls";
  std::string policy_dir = dir.path() + "/policies";
  self_signed cert1, cert2;

  void SetUp() override {
    cert1 = *make_self_signed({"localhost"}, {"127.0.0.1"}, 30);
    cert2 = *make_self_signed({"localhost"}, {"127.0.0.1"}, 30);
    kubelet_publish(tls_dir, {{"tls.crt", cert1.cert_pem}, {"tls.key", cert1.key_pem}}, 1);
    kubelet_publish(policy_dir, {{"policy.yaml", "kind: ClusterPolicy # v1\n"}}, 1);
    // Clients trust both certificates, so rotation is invisible to them.
    write_file(dir.file("bundle.pem"), cert1.cert_pem + cert2.cert_pem);
    write_file(dir.file("body.json"), admission_review("flood", "default"));
  }

  server_config config() {
    server_config c;
    c.bind_address = "127.0.0.1";
    c.secure_port = 0;
    c.metrics_bind_address = "127.0.0.1:0";
    c.tls_cert_file = tls_dir + "/tls.crt";
    c.tls_private_key_file = tls_dir + "/tls.key";
    c.policy_dirs = {policy_dir};
    c.workers = 2;
    c.handle_signals = false;
    c.reload_interval_seconds = 0;  // inotify only: proves the watches follow the ..data swaps
    c.shutdown_grace_seconds = 0.2;
    return c;
  }

  std::string client_cmd(int port, const std::string& mode, const std::string& args) {
    return python() + " " + quote(client_script()) + " " + mode + " --port " + std::to_string(port) + " --ca " +
           quote(dir.file("bundle.pem")) + " " + args + " 2>&1";
  }

  /// Starts a flood of requests in the background.
  std::future<command_result> flood(int port, const std::string& args) {
    const std::string cmd = client_cmd(port, "flood", "--body-file " + quote(dir.file("body.json")) + " " + args);
    return std::async(std::launch::async, [cmd] { return run(cmd); });
  }

  static value parse(const command_result& r) {
    auto v = json::parse(r.out);
    EXPECT_TRUE(v.ok()) << r.out;
    return v.ok() ? *v : value::object();
  }

  std::string peer_cert(int port) {
    auto v = parse(run(client_cmd(port, "peer-cert", "")));
    const value* pem = v.find("pem");
    return pem ? pem->as_string() : "";
  }

  static std::string get(int port, const std::string& path) {
    return status_and_body(curl(0, "", "http://127.0.0.1:" + std::to_string(port) + path)).second;
  }

  static bool same_cert(const std::string& a, const std::string& b) {
    auto strip = [](std::string s) {
      std::erase_if(s, [](char c) { return c == '\n' || c == '\r'; });
      return s;
    };
    return !a.empty() && strip(a) == strip(b);
  }
};

void expect_all_answered(const value& r, int min_count) {
  EXPECT_EQ(json::serialize(*r.find("errors")), "[]");
  const value* statuses = r.find("statuses");
  ASSERT_NE(statuses, nullptr);
  EXPECT_EQ(statuses->size(), 1u) << json::serialize(*statuses);
  ASSERT_NE(statuses->find("200"), nullptr) << json::serialize(*statuses);
  EXPECT_EQ(statuses->find("200")->as_double(), r.find("count")->as_double());
  EXPECT_GE(r.find("count")->as_double(), min_count);
}

TEST_F(reload_test, PoliciesReloadWhileRequestsFlow) {
  running_server srv(config());
  ASSERT_TRUE(srv.started());
  const int mport = srv.metrics_port();
  const std::string rev1 = get(mport, "/readyz?verbose");
  auto f = flood(srv.port(), "--threads 4 --seconds 4");

  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  kubelet_publish(policy_dir, {{"policy.yaml", "kind: ClusterPolicy # v2\n"}}, 2);
  EXPECT_TRUE(eventually([&] { return get(mport, "/readyz?verbose") != rev1; }));

  // A set that fails to load keeps the old one, and /readyz says why.
  kubelet_publish(policy_dir, {{"policy.yaml", "kind: ClusterPolicy # v3\n"}, {"broken.yaml", "INVALID\n"}}, 3);
  EXPECT_TRUE(eventually([&] { return get(mport, "/readyz?verbose").find("last reload failed") != std::string::npos; }));
  const std::string failing = get(mport, "/readyz?verbose");
  EXPECT_NE(failing.find("broken.yaml: policy marked INVALID"), std::string::npos) << failing;
  EXPECT_NE(failing.find("[+]policies ok"), std::string::npos) << failing;  // still serving
  EXPECT_EQ(status_and_body(curl(0, "", "http://127.0.0.1:" + std::to_string(mport) + "/readyz")).first, 200);

  kubelet_publish(policy_dir, {{"policy.yaml", "kind: ClusterPolicy # v4\n"}}, 4);
  std::filesystem::remove(policy_dir + "/broken.yaml");
  EXPECT_TRUE(eventually([&] { return get(mport, "/readyz?verbose").find("last reload failed") == std::string::npos; }));

  value r = parse(f.get());
  expect_all_answered(r, 20);
  EXPECT_GE(r.find("revisions")->size(), 2u) << json::serialize(r);
  const std::string metrics = get(mport, "/metrics");
  EXPECT_NE(metrics.find(R"(coco_admit_reloads_total{kind="policies",result="success"} 2)"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(R"(coco_admit_reloads_total{kind="policies",result="failure"} 1)"), std::string::npos) << metrics;
  EXPECT_EQ(srv.stop(), 0);
}

TEST_F(reload_test, CertificatesRotateWhileRequestsFlow) {
  running_server srv(config());
  ASSERT_TRUE(srv.started());
  const int mport = srv.metrics_port();
  EXPECT_TRUE(same_cert(peer_cert(srv.port()), cert1.cert_pem));
  auto f = flood(srv.port(), "--threads 3 --seconds 3");

  // A mismatched pair is refused; the old certificate stays in use.
  kubelet_publish(tls_dir, {{"tls.crt", cert2.cert_pem}, {"tls.key", cert1.key_pem}}, 2);
  EXPECT_TRUE(eventually([&] {
    return get(mport, "/metrics").find(R"(coco_admit_reloads_total{kind="certificate",result="failure"} 1)") != std::string::npos;
  }));
  EXPECT_TRUE(same_cert(peer_cert(srv.port()), cert1.cert_pem));
  const std::string ready = get(mport, "/readyz?verbose");
  EXPECT_NE(ready.find("[+]tls-certificate ok (serving the previous certificate; last reload failed:"), std::string::npos) << ready;
  EXPECT_NE(ready.find("does not match"), std::string::npos) << ready;

  // So is a certificate that is not PEM at all, and a truncated key.
  kubelet_publish(tls_dir, {{"tls.crt", "not a certificate\n"}, {"tls.key", cert2.key_pem.substr(0, 100)}}, 3);
  EXPECT_TRUE(eventually([&] {
    return get(mport, "/metrics").find(R"(coco_admit_reloads_total{kind="certificate",result="failure"} 2)") != std::string::npos;
  }));
  EXPECT_TRUE(same_cert(peer_cert(srv.port()), cert1.cert_pem));

  // The matching pair is taken; new connections see it.
  kubelet_publish(tls_dir, {{"tls.crt", cert2.cert_pem}, {"tls.key", cert2.key_pem}}, 4);
  EXPECT_TRUE(eventually([&] { return same_cert(peer_cert(srv.port()), cert2.cert_pem); }));
  EXPECT_EQ(get(mport, "/readyz?verbose").find("last reload failed"), std::string::npos);

  value r = parse(f.get());
  expect_all_answered(r, 20);
  EXPECT_NE(get(mport, "/metrics").find(R"(coco_admit_reloads_total{kind="certificate",result="success"} 1)"), std::string::npos);
  // Resumption still works after the rotation (ticket keys were carried over).
  EXPECT_EQ(srv.stop(), 0);
}

// The periodic re-check fires every millisecond here, so a shutdown almost
// always meets a timer whose handler is already queued (and an inotify read
// that completed). Such a handler must not re-arm once the listeners close,
// or the control loop never ends and run() never returns (it hung a ctest
// run for 600 s once, with the default 10 s interval).
TEST_F(reload_test, ShutdownEndsWhileReloadTimersAreFiring) {
  for (int i = 0; i < 40; ++i) {
    auto cfg = config();
    cfg.reload_interval_seconds = 0.001;
    cfg.shutdown_grace_seconds = 0;
    auto srv = std::make_unique<running_server>(cfg);
    ASSERT_TRUE(srv->started());
    std::this_thread::sleep_for(std::chrono::microseconds(500 * (i % 7)));
    kubelet_publish(policy_dir, {{"policy.yaml", "kind: ClusterPolicy # v" + std::to_string(i + 2) + "\n"}}, i + 2);
    auto stopped = std::async(std::launch::async, [&] { return srv->stop(); });
    ASSERT_EQ(stopped.wait_for(std::chrono::seconds(20)), std::future_status::ready) << "run() did not return, round " << i;
    EXPECT_EQ(stopped.get(), 0);
  }
}

TEST_F(reload_test, SigtermDrainsInFlightRequests) {
  auto cfg = config();
  cfg.handle_signals = true;
  cfg.shutdown_grace_seconds = 1;
  running_server srv(cfg);
  ASSERT_TRUE(srv.started());
  const int port = srv.port(), mport = srv.metrics_port();
  // Six requests that take 0.8 s each on two workers: they are still being
  // reviewed, or waiting to be, when the listeners close.
  write_file(dir.file("body.json"), admission_review("slow", "default", R"(,"sleep_ms":800)"));
  auto f = flood(port, "--threads 6 --count 1 --timeout 20");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(::raise(SIGTERM), 0);

  // Not ready any more, but still serving during the grace period.
  EXPECT_TRUE(eventually([&] {
    return status_and_body(curl(0, "", "http://127.0.0.1:" + std::to_string(mport) + "/readyz")).first == 500;
  }, std::chrono::milliseconds(900)));
  EXPECT_NE(get(mport, "/readyz?verbose").find("[-]shutdown failed: shutting down"), std::string::npos);

  value r = parse(f.get());
  expect_all_answered(r, 6);
  EXPECT_EQ(r.find("count")->as_double(), 6);
  srv.thread().join();
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_GE(took, 1.0);  // the grace period was honoured
  EXPECT_LT(took, 15.0);
  // The listener is gone.
  EXPECT_NE(status_and_body(curl(port, "", "-k https://127.0.0.1:" + std::to_string(port) + "/livez")).first, 200);
}

}  // namespace
}  // namespace coco_admit::server
