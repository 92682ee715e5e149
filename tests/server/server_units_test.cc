// Unit tests of the server's parts that need no network: configuration,
// health rendering, metrics, source scanning, TLS contexts, logging.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "coco-admit/core/json.h"
#include "coco-admit/server/config.h"
#include "coco-admit/server/health.h"
#include "coco-admit/server/log.h"
#include "coco-admit/server/metrics.h"
#include "coco-admit/server/sources.h"
#include "coco-admit/server/tls.h"
#include "server_test_support.h"

namespace coco_admit::server {
namespace {

using testing::temp_dir;
using testing::write_file;

TEST(ServerConfig, BindAddresses) {
  const struct {
    std::string text;
    bool ok;
    std::string host;
    int port;
  } cases[] = {
      {":8000", true, "0.0.0.0", 8000},     {"127.0.0.1:0", true, "127.0.0.1", 0}, {"[::1]:9", true, "::1", 9},
      {"0", true, "", -1},                  {"8000", false, "", 0},                {":99999", false, "", 0},
      {"host:", false, "", 0},              {":80x", false, "", 0},
  };
  for (const auto& c : cases) {
    auto r = parse_bind_address(c.text);
    ASSERT_EQ(r.ok(), c.ok) << c.text;
    if (!c.ok) continue;
    EXPECT_EQ(r->host, c.host) << c.text;
    EXPECT_EQ(r->port, c.port) << c.text;
  }
}

TEST(ServerConfig, ValidationNamesTheFlag) {
  temp_dir d;
  write_file(d.file("c.crt"), "x");
  const struct {
    std::function<void(server_config&)> edit;
    std::string expect;  ///< substring of the error; empty = valid
  } cases[] = {
      {[](server_config&) {}, ""},
      {[](server_config& c) { c.tls_cert_file.clear(); }, "--tls-cert-file"},
      {[](server_config& c) { c.secure_port = 70000; }, "--secure-port"},
      {[](server_config& c) { c.max_request_bytes = 10; }, "--max-request-bytes"},
      {[](server_config& c) { c.header_timeout_seconds = 0; }, "--header-timeout-seconds"},
      {[](server_config& c) { c.shutdown_grace_seconds = -1; }, "--shutdown-grace-seconds"},
      {[](server_config& c) { c.metrics_bind_address = "nope"; }, "--metrics-bind-address"},
      {[](server_config& c) { c.policy_dirs = {"/nonexistent/dir"}; }, "--policy-dir"},
      {[](server_config& c) { c.insecure_http = true, c.client_ca_file = c.tls_cert_file; }, "--client-ca-file"},
      {[](server_config& c) { c.tls_cert_file.clear(), c.insecure_http = true; }, ""},
  };
  for (const auto& c : cases) {
    server_config cfg;
    cfg.tls_cert_file = cfg.tls_private_key_file = d.file("c.crt");
    c.edit(cfg);
    status st = validate(cfg);
    if (c.expect.empty()) {
      EXPECT_TRUE(st.ok()) << st.err().message;
      EXPECT_GE(cfg.workers, 1u);
    } else {
      ASSERT_FALSE(st.ok()) << c.expect;
      EXPECT_NE(st.err().message.find(c.expect), std::string::npos) << st.err().message;
    }
  }
}

TEST(ServerConfig, EffectiveConfigurationIsJson) {
  server_config cfg;
  cfg.policy_dirs = {"/p \"quoted\""};
  auto v = json::parse(to_json(cfg));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->find("secure_port")->as_double(), 9443);
  EXPECT_EQ(v->find("policy_dirs")->as_array()[0].as_string(), "/p \"quoted\"");
}

TEST(Health, KubernetesFormat) {
  const std::vector<health_check> good = {{"ping", true, ""}, {"policies", true, "revision abc"}};
  const std::vector<health_check> bad = {{"ping", true, ""}, {"shutdown", false, "shutting down"}};
  const struct {
    const std::vector<health_check>* checks;
    std::string query;
    int status;
    std::string body;
  } cases[] = {
      {&good, "", 200, "ok"},
      {&good, "verbose", 200, "[+]ping ok\n[+]policies ok (revision abc)\nreadyz check passed\n"},
      {&good, "verbose&exclude=policies", 200, "[+]ping ok\n[+]policies excluded: ok\nreadyz check passed\n"},
      {&bad, "", 500, "[+]ping ok\n[-]shutdown failed: shutting down\nreadyz check failed\n"},
      {&bad, "exclude=shutdown", 200, "ok"},
      {&good, "verbose&exclude=nope", 200,
       "[+]ping ok\n[+]policies ok (revision abc)\nwarn: some health checks cannot be excluded: no matches for \"nope\"\nreadyz check passed\n"},
  };
  for (const auto& c : cases) {
    auto a = render_health("readyz", c.query, *c.checks);
    EXPECT_EQ(a.status, c.status) << c.query;
    EXPECT_EQ(a.body, c.body) << c.query;
  }
}

TEST(Metrics, SumsCoresAndBoundsLabels) {
  metrics_registry reg(2);
  core_metrics& a = reg.add_core();
  core_metrics& b = reg.add_core();
  review_summary s;
  s.kind = "Pod", s.ns = "default", s.operation = "CREATE", s.allowed = true;
  s.rules.push_back({"pol", "rule", "mutate", "pass"});
  a.record_review(s, 0.002);
  b.record_review(s, 0.2);
  for (const char* ns : {"a", "b", "c"}) {
    s.ns = ns;
    a.record_review(s, 0.001);
  }
  reg.record_reload(metrics_registry::reload_kind::certificate, false);
  reg.set_revision("abc");
  const std::string text = reg.render("1.2.3");
  const char* expected[] = {
      "coco_admit_admission_requests_total{resource_kind=\"Pod\",resource_namespace=\"default\","
      "resource_request_operation=\"CREATE\",request_allowed=\"true\"} 2\n",
      // max 2 label sets per core: "a" fits, then b and c fold into "other"
      "resource_namespace=\"a\",resource_request_operation=\"CREATE\",request_allowed=\"true\"} 1\n",
      "resource_namespace=\"other\",resource_request_operation=\"CREATE\",request_allowed=\"true\"} 2\n",
      "coco_admit_admission_review_duration_seconds_bucket{resource_kind=\"Pod\",resource_namespace=\"default\","
      "resource_request_operation=\"CREATE\",request_allowed=\"true\",le=\"0.0025\"} 1\n",
      "le=\"+Inf\"} 2\n",
      "coco_admit_policy_results_total{policy_name=\"pol\",rule_name=\"rule\",rule_type=\"mutate\",rule_result=\"pass\"} 5\n",
      "coco_admit_reloads_total{kind=\"certificate\",result=\"failure\"} 1\n",
      "coco_admit_reloads_total{kind=\"policies\",result=\"success\"} 0\n",
      "coco_admit_policy_set_info{revision=\"abc\"} 1\n",
      "coco_admit_info{version=\"1.2.3\"} 1\n",
      "coco_admit_requests_in_flight 0\n",
  };
  for (const char* e : expected) EXPECT_NE(text.find(e), std::string::npos) << e << "\n---\n" << text;
  EXPECT_EQ(text.find("resource_namespace=\"b\""), std::string::npos);
}

TEST(Sources, KubeletConfigMapLayoutIsReadOnce) {
  temp_dir d;
  // What the kubelet writes for a mounted ConfigMap.
  const std::string ts = d.file("cm/..2026_01_01_00_00_00.1");
  write_file(ts + "/a.yaml", "a: 1\n");
  write_file(ts + "/b.yml", "b: 1\n");
  write_file(ts + "/notes.txt", "x");
  std::filesystem::create_directory_symlink("..2026_01_01_00_00_00.1", d.file("cm/..data"));
  for (const char* f : {"a.yaml", "b.yml", "notes.txt"})
    std::filesystem::create_symlink(std::string("..data/") + f, d.file("cm/") + f);
  write_file(d.file("cm/sub/c.yaml"), "c: 1\n");
  write_file(d.file("cluster/ns.json"), "{}");

  auto s = scan_sources({d.file("cm")}, {d.file("cluster")});
  ASSERT_TRUE(s.ok()) << s.err().message;
  EXPECT_EQ(s->policy_files, (std::vector<std::string>{d.file("cm/a.yaml"), d.file("cm/b.yml"), d.file("cm/sub/c.yaml")}));
  EXPECT_EQ(s->cluster_files, (std::vector<std::string>{d.file("cluster/ns.json")}));
  EXPECT_EQ(s->watch_dirs, (std::vector<std::string>{d.file("cluster"), d.file("cm"), d.file("cm/sub")}));

  // Same content, same fingerprint; a swap of ..data changes it.
  auto again = scan_sources({d.file("cm")}, {d.file("cluster")});
  EXPECT_EQ(again->fingerprint, s->fingerprint);
  const std::string ts2 = d.file("cm/..2026_01_01_00_01_00.2");
  write_file(ts2 + "/a.yaml", "a: 2\n");
  write_file(ts2 + "/b.yml", "b: 1\n");
  write_file(ts2 + "/notes.txt", "x");
  std::filesystem::create_directory_symlink("..2026_01_01_00_01_00.2", d.file("cm/..data_tmp"));
  std::filesystem::rename(d.file("cm/..data_tmp"), d.file("cm/..data"));
  auto swapped = scan_sources({d.file("cm")}, {d.file("cluster")});
  ASSERT_TRUE(swapped.ok());
  EXPECT_NE(swapped->fingerprint, s->fingerprint);

  EXPECT_FALSE(scan_sources({d.file("missing")}, {}).ok());
  scan_limits tight;
  tight.max_files = 2;
  auto too_many = scan_sources({d.file("cm")}, {}, tight);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.err().message.find("more than 2 files"), std::string::npos);
}

TEST(Tls, PairsAreCheckedTogether) {
  temp_dir d;
  auto one = testing::write_cert(d.path(), "one");
  auto two = testing::write_cert(d.path(), "two");
  write_file(d.file("garbage.pem"), "not a certificate\n");
  const struct {
    std::string cert, key, ca;
    std::string expect;  ///< error substring, empty = ok
  } cases[] = {
      {"one.crt", "one.key", "", ""},
      {"one.crt", "one.key", "two.crt", ""},
      {"one.crt", "two.key", "", "does not match"},
      {"garbage.pem", "one.key", "", "no PEM certificate"},
      {"one.crt", "garbage.pem", "", "no PEM private key"},
      {"one.crt", "missing.key", "", "cannot read"},
      {"one.crt", "one.key", "garbage.pem", "no PEM certificate"},
  };
  for (const auto& c : cases) {
    tls_files f{d.file(c.cert), d.file(c.key), c.ca.empty() ? "" : d.file(c.ca)};
    auto ctx = make_tls_context(f, nullptr);
    if (c.expect.empty()) {
      EXPECT_TRUE(ctx.ok()) << c.cert << " " << c.key << ": " << ctx.err().message;
    } else {
      ASSERT_FALSE(ctx.ok()) << c.cert << " " << c.key;
      EXPECT_NE(ctx.err().message.find(c.expect), std::string::npos) << ctx.err().message;
    }
  }
  EXPECT_NE(tls_fingerprint({d.file("one.crt"), d.file("one.key"), ""}),
            tls_fingerprint({d.file("two.crt"), d.file("two.key"), ""}));
  EXPECT_EQ(base64("hello"), "aGVsbG8=");
}

TEST(Published, ReadersSeeNewGenerations) {
  published<std::string> cell;
  published<std::string>::reader r(cell);
  EXPECT_EQ(r.get(), nullptr);
  cell.publish(std::make_shared<const std::string>("a"));
  const std::shared_ptr<const std::string> held = r.get();
  EXPECT_EQ(*held, "a");
  cell.publish(std::make_shared<const std::string>("b"));
  EXPECT_EQ(*held, "a");  // a request in flight keeps its value
  EXPECT_EQ(*r.get(), "b");
}

TEST(Logging, OneJsonObjectPerLine) {
  temp_dir d;
  const int saved = ::dup(2);
  const int fd = ::open(d.file("log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(fd, 2);
  logging::set_verbosity(2);
  logging::info("hello \"world\"").num("port", 9443).str("k", "v\nw").boolean("b", true);
  logging::info("hidden", 4).str("secret", "never");
  logging::error("bad").str("err", "why");
  logging::set_verbosity(0);
  ::dup2(saved, 2);
  ::close(fd);
  ::close(saved);
  std::istringstream in(testing::read_file(d.file("log")));
  std::vector<value> lines;
  for (std::string line; std::getline(in, line);) {
    auto v = json::parse(line);
    ASSERT_TRUE(v.ok()) << line;
    lines.push_back(*v);
  }
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].find("msg")->as_string(), "hello \"world\"");
  EXPECT_EQ(lines[0].find("level")->as_string(), "info");
  EXPECT_EQ(lines[0].find("port")->as_double(), 9443);
  EXPECT_EQ(lines[0].find("k")->as_string(), "v\nw");
  EXPECT_TRUE(lines[0].find("ts")->is_number());
  EXPECT_EQ(lines[1].find("level")->as_string(), "error");
  EXPECT_EQ(lines[1].find("err")->as_string(), "why");
}

}  // namespace
}  // namespace coco_admit::server
