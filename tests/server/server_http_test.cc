// The HTTP and TLS behaviour of the server, in process, with the echo test
// double (server_test_support.h) and real clients: curl, openssl s_client and
// Python's http.client + ssl (webhook_client.py).
#include <gtest/gtest.h>

#include "coco-admit/core/json.h"
#include "server_test_support.h"

namespace coco_admit::server {
namespace {

using namespace testing;

struct http_test : ::testing::Test {
  fixture_files files;
  std::string ca() const { return files.dir.path() + "/tls/tls.crt"; }

  /// Runs webhook_client.py in `mode` and parses its JSON output.
  value client(int port, const std::string& mode, const std::string& args, bool tls = true) {
    const std::string cmd = python() + " " + quote(client_script()) + " " + mode + " --port " + std::to_string(port) +
                            (tls ? " --ca " + quote(ca()) : "") + " " + args + " 2>&1";
    auto r = run(cmd);
    auto v = json::parse(r.out);
    EXPECT_TRUE(v.ok()) << cmd << "\n" << r.out;
    return v.ok() ? *v : value();
  }

  /// Sends `reqs` on one connection.
  value sequence(int port, const value& reqs, bool tls = true) {
    const std::string f = files.dir.file("requests.json");
    write_file(f, json::serialize(reqs));
    return client(port, "sequence", "--requests " + quote(f), tls);
  }

  static value request(const std::string& method, const std::string& path, const std::string& body,
                       const std::string& content_type = "application/json") {
    value r = value::object();
    r["method"] = method;
    r["path"] = path;
    r["body"] = body;
    r["headers"]["Content-Type"] = content_type;
    return r;
  }
};

TEST_F(http_test, EndpointsAndBadInputOnOneKeepAliveConnection) {
  running_server srv(files.config());
  ASSERT_TRUE(srv.started());
  const struct {
    value req;
    int status;
    std::string body_has;
  } cases[] = {
      {request("POST", "/mutate?timeout=10s", admission_review("u1", "default")), 200, R"("uid":"u1","allowed":true)"},
      {request("POST", "/mutate/fail", admission_review("u2", "default")), 200, "subset fail"},
      {request("POST", "/mutate/ignore", admission_review("u3", "default")), 200, "subset ignore"},
      {request("POST", "/validate", admission_review("u4", "default")), 200, "hook validate"},
      {request("POST", "/validate/fail", admission_review("u5", "default")), 200, "subset fail"},
      {request("POST", "/validate/ignore", admission_review("u6", "default")), 200, "subset ignore"},
      {request("POST", "/mutate", admission_review("u7", "default"), "application/json; charset=utf-8"), 200, "u7"},
      {request("POST", "/mutate", "garbage {"), 200, R"("allowed":false,"status":{"code":400)"},
      {request("POST", "/mutate", "", "application/json"), 200, R"("code":400)"},
      {request("POST", "/mutate", admission_review("u8", "default"), "text/plain"), 415, "application/json"},
      {request("POST", "/mutate", admission_review("u8", "default"), "application/yaml"), 415, "application/json"},
      {request("GET", "/mutate", ""), 405, "method not allowed"},
      {request("PUT", "/validate", admission_review("u9", "default")), 405, "method not allowed"},
      {request("POST", "/nope", admission_review("u9", "default")), 404, "not found"},
      {request("GET", "/metrics", ""), 404, "not found"},  // metrics live on their own port
      {request("GET", "/livez", ""), 200, "ok"},
      {request("GET", "/readyz", ""), 200, "ok"},
      {request("POST", "/readyz", ""), 405, ""},
  };
  value reqs = value::array();
  for (const auto& c : cases) reqs.push_back(c.req);
  value res = sequence(srv.port(), reqs);
  ASSERT_TRUE(res.is_array());
  ASSERT_EQ(res.size(), std::size(cases));
  const value* first_port = res.as_array()[0].find("local_port");
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const value& r = res.as_array()[i];
    EXPECT_EQ(r.find("status")->as_double(), cases[i].status) << i << " " << json::serialize(r);
    if (const value* b = r.find("body")) {
      EXPECT_NE(b->as_string().find(cases[i].body_has), std::string::npos) << i << " " << b->as_string();
    }
    // Every answer above keeps the connection: the same local port throughout.
    ASSERT_NE(r.find("local_port"), nullptr) << i;
    EXPECT_EQ(*r.find("local_port"), *first_port) << i;
  }
  EXPECT_EQ(res.as_array()[0].find("headers")->find("Content-Type")->as_string(), "application/json");
}

TEST_F(http_test, OversizedBodyIsRefusedBeforeItIsRead) {
  auto cfg = files.config();
  cfg.max_request_bytes = 4096;
  running_server srv(cfg);
  ASSERT_TRUE(srv.started());
  // Only the header is sent: the 413 must come without waiting for the body.
  write_file(files.dir.file("big.http"),
             "POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 8000000\r\n\r\n");
  value r = client(srv.port(), "raw", "--timeout 5 --data-file " + quote(files.dir.file("big.http")));
  EXPECT_EQ(r.find("response")->as_string().rfind("HTTP/1.1 413", 0), 0u) << json::serialize(r);
  // A chunked body that grows past the limit is cut off the same way.
  std::string chunked = "POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) chunked += "800\r\n" + std::string(0x800, 'a') + "\r\n";
  write_file(files.dir.file("chunked.http"), chunked);
  r = client(srv.port(), "raw", "--timeout 5 --data-file " + quote(files.dir.file("chunked.http")));
  EXPECT_EQ(r.find("response")->as_string().rfind("HTTP/1.1 413", 0), 0u) << json::serialize(r);
  // Within the limit still works.
  auto ok = status_and_body(curl(srv.port(), ca(),
                                 "-H 'Content-Type: application/json' --data-binary " +
                                     quote(admission_review("small", "ns")) + " https://localhost:" +
                                     std::to_string(srv.port()) + "/mutate"));
  EXPECT_EQ(ok.first, 200) << ok.second;
}

TEST_F(http_test, ExpectContinueIsAnswered) {
  running_server srv(files.config());
  ASSERT_TRUE(srv.started());
  write_file(files.dir.file("body.json"), admission_review("expect", "default"));
  const auto t0 = std::chrono::steady_clock::now();
  // Without the interim 100 response curl would wait the full 5 s before sending the body.
  auto r = status_and_body(curl(srv.port(), ca(),
                                "--expect100-timeout 5 -H 'Expect: 100-continue' -H 'Content-Type: application/json' "
                                "--data-binary @" + quote(files.dir.file("body.json")) + " https://localhost:" +
                                    std::to_string(srv.port()) + "/mutate"));
  EXPECT_EQ(r.first, 200) << r.second;
  EXPECT_NE(r.second.find(R"("uid":"expect")"), std::string::npos) << r.second;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 3.0);
}

TEST_F(http_test, SilentConnectionsAreClosedAfterTheHeaderTimeout) {
  auto cfg = files.config();
  cfg.header_timeout_seconds = 1;
  cfg.idle_timeout_seconds = 60;
  running_server srv(cfg);
  ASSERT_TRUE(srv.started());
  // Connect (TLS handshake done) and send nothing: closed after ~1 s, not 60.
  auto r = run(python() + " -c " +
               quote("import socket,ssl,sys,time\n"
                     "ctx=ssl.create_default_context(cafile=sys.argv[2])\n"
                     "s=ctx.wrap_socket(socket.create_connection(('127.0.0.1',int(sys.argv[1])),timeout=10),server_hostname='localhost')\n"
                     "t=time.monotonic()\n"
                     "try:\n  s.recv(1)\nexcept Exception:\n  pass\n"
                     "print(time.monotonic()-t)") +
               " " + std::to_string(srv.port()) + " " + quote(ca()) + " 2>&1");
  const double after = std::atof(r.out.c_str());
  EXPECT_GE(after, 0.5) << r.out;
  EXPECT_LT(after, 5.0) << r.out;
}

TEST_F(http_test, SlowHeadersTimeOut) {
  auto cfg = files.config();
  cfg.header_timeout_seconds = 1;
  running_server srv(cfg);
  ASSERT_TRUE(srv.started());
  value r = client(srv.port(), "slow-header", "--timeout 10");
  const double after = r.find("closed_after")->as_double();
  EXPECT_GE(after, 0.9);
  EXPECT_LT(after, 5.0);
}

TEST_F(http_test, TlsVersionsAndCiphers) {
  running_server srv(files.config());
  ASSERT_TRUE(srv.started());
  const std::string target = "-connect 127.0.0.1:" + std::to_string(srv.port()) + " -servername localhost -CAfile " + quote(ca());
  const struct {
    std::string args;
    bool ok;
    std::string has;
  } cases[] = {
      {"-tls1_3", true, "TLSv1.3"},
      {"-tls1_2", true, "Cipher is ECDHE-"},
      {"-tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-CHACHA20-POLY1305", true, "CHACHA20"},
      {"-tls1_1 -cipher DEFAULT@SECLEVEL=0", false, ""},
      {"-tls1 -cipher DEFAULT@SECLEVEL=0", false, ""},
      {"-tls1_2 -cipher AES128-SHA:AES256-SHA:AES128-GCM-SHA256", false, ""},  // no ECDHE
      {"-tls1_2 -cipher ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA", false, ""},  // CBC
  };
  for (const auto& c : cases) {
    auto r = run("openssl s_client " + target + " " + c.args + " </dev/null 2>&1");
    const bool handshake = r.out.find("Verify return code: 0 (ok)") != std::string::npos &&
                           r.out.find("Cipher is (NONE)") == std::string::npos;
    EXPECT_EQ(handshake, c.ok) << c.args << "\n" << r.out;
    if (c.ok) {
      EXPECT_NE(r.out.find(c.has), std::string::npos) << c.args << "\n" << r.out;
    }
  }
  // Session resumption: a TLS 1.2 session saved by one connection is reused by the next.
  const std::string sess = files.dir.file("session.pem");
  run("openssl s_client " + target + " -tls1_2 -sess_out " + quote(sess) + " </dev/null >/dev/null 2>&1");
  auto again = run("openssl s_client " + target + " -tls1_2 -sess_in " + quote(sess) + " </dev/null 2>&1");
  EXPECT_NE(again.out.find("Reused, TLSv1.2"), std::string::npos) << again.out;
}

TEST_F(http_test, ClientCertificatesAreVerifiedWhenConfigured) {
  auto client_cert = write_cert(files.dir.path() + "/client", "client");
  auto other = write_cert(files.dir.path() + "/other", "other");
  auto cfg = files.config();
  cfg.client_ca_file = files.dir.path() + "/client/client.crt";
  running_server srv(cfg);
  ASSERT_TRUE(srv.started());
  const std::string url = " https://localhost:" + std::to_string(srv.port()) + "/livez";
  const std::string client_dir = files.dir.path() + "/client/";
  const std::string other_dir = files.dir.path() + "/other/";
  EXPECT_EQ(status_and_body(curl(srv.port(), ca(), "--cert " + client_dir + "client.crt --key " + client_dir + "client.key" + url)).first, 200);
  EXPECT_NE(status_and_body(curl(srv.port(), ca(), url)).first, 200);
  EXPECT_NE(status_and_body(curl(srv.port(), ca(), "--cert " + other_dir + "other.crt --key " + other_dir + "other.key" + url)).first, 200);
}

TEST_F(http_test, ConnectionsBeyondTheCapAreAnsweredAndClosed) {
  auto cfg = files.config();
  cfg.max_connections = 2;
  running_server srv(cfg);
  ASSERT_TRUE(srv.started());
  value r = client(srv.port(), "cap", "--hold 2");
  EXPECT_EQ(json::serialize(*r.find("statuses")), "[200,200,503]");
  // Once those are gone there is room again.
  EXPECT_TRUE(eventually([&] { return status_and_body(curl(srv.port(), ca(), "https://localhost:" + std::to_string(srv.port()) + "/livez")).first == 200; }));
}

TEST_F(http_test, MetricsAndProbesOnTheMetricsPort) {
  auto cfg = files.config();
  cfg.metrics_max_label_sets = 3;
  running_server srv(cfg);
  ASSERT_TRUE(srv.started());
  value reqs = value::array();
  for (const char* ns : {"a", "a", "b", "c", "d", "e"}) reqs.push_back(request("POST", "/validate", admission_review("u", ns)));
  reqs.push_back(request("POST", "/mutate", "not json"));
  reqs.push_back(request("POST", "/mutate", "x", "text/plain"));
  value res = sequence(srv.port(), reqs);
  ASSERT_EQ(res.size(), 8u);

  const std::string base = "http://127.0.0.1:" + std::to_string(srv.metrics_port());
  auto m = status_and_body(curl(0, "", base + "/metrics"));
  ASSERT_EQ(m.first, 200);
  const std::string& text = m.second;
  const char* expected[] = {
      R"(coco_admit_admission_requests_total{resource_kind="Pod",resource_namespace="a",resource_request_operation="CREATE",request_allowed="true"} 2)",
      R"(resource_namespace="other",resource_request_operation="CREATE",request_allowed="true"})",
      // the malformed review's empty namespace is a fourth label set: folded
      R"(coco_admit_admission_requests_total{resource_kind="",resource_namespace="other",resource_request_operation="",request_allowed="false"} 1)",
      R"(coco_admit_policy_results_total{policy_name="echo-policy",rule_name="echo-rule",rule_type="validate",rule_result="pass"} 6)",
      R"(coco_admit_http_responses_total{code="415"} 1)",
      R"(coco_admit_http_responses_total{code="200"} 7)",
      "coco_admit_requests_in_flight 0",
      "coco_admit_internal_errors_total 0",
      R"(coco_admit_info{version="test"} 1)",
      "# TYPE coco_admit_admission_review_duration_seconds histogram",
  };
  for (const char* e : expected) EXPECT_NE(text.find(e), std::string::npos) << "MISSING: " << e << "\n" << text;

  auto live = status_and_body(curl(0, "", base + "/livez?verbose"));
  EXPECT_EQ(live.first, 200);
  EXPECT_NE(live.second.find("[+]ping ok"), std::string::npos) << live.second;
  auto ready = status_and_body(curl(0, "", base + "/readyz?verbose"));
  EXPECT_EQ(ready.first, 200);
  for (const char* line : {"[+]ping ok", "[+]shutdown ok", "[+]listeners ok (2/2 workers listening)", "[+]tls-certificate ok",
                           "[+]policies ok (revision ", "readyz check passed"})
    EXPECT_NE(ready.second.find(line), std::string::npos) << line << "\n" << ready.second;
  EXPECT_EQ(status_and_body(curl(0, "", base + "/nope")).first, 404);
}

TEST_F(http_test, PlainHttpOnlyWhenAskedFor) {
  auto cfg = files.config();
  cfg.insecure_http = true;
  cfg.tls_cert_file.clear();
  cfg.tls_private_key_file.clear();
  running_server srv(cfg);
  ASSERT_TRUE(srv.started());
  auto r = status_and_body(curl(0, "", "-H 'Content-Type: application/json' --data-binary " + quote(admission_review("p", "ns")) +
                                           " http://127.0.0.1:" + std::to_string(srv.port()) + "/validate"));
  EXPECT_EQ(r.first, 200);
  EXPECT_NE(r.second.find(R"("uid":"p")"), std::string::npos);
  auto ready = status_and_body(curl(0, "", "http://127.0.0.1:" + std::to_string(srv.port()) + "/readyz?verbose"));
  EXPECT_EQ(ready.second.find("tls-certificate"), std::string::npos) << ready.second;
}

TEST_F(http_test, StartFailsOnBadInputsAndBusyPorts) {
  {
    auto cfg = files.config();
    write_file(files.policies + "/bad.yaml", "INVALID\n");
    server s(cfg, std::make_unique<echo_service>(), "test");
    status st = s.start();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.err().message.find("cannot load policies"), std::string::npos) << st.err().message;
    EXPECT_NE(st.err().message.find("bad.yaml"), std::string::npos) << st.err().message;
    std::filesystem::remove(files.policies + "/bad.yaml");
  }
  {
    auto cfg = files.config();
    cfg.tls_private_key_file = ca();  // a certificate where the key should be
    server s(cfg, std::make_unique<echo_service>(), "test");
    status st = s.start();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.err().message.find("TLS certificate"), std::string::npos) << st.err().message;
  }
  {
    running_server first(files.config());
    ASSERT_TRUE(first.started());
    auto cfg = files.config();
    cfg.metrics_bind_address = "127.0.0.1:" + std::to_string(first.metrics_port());
    server s(cfg, std::make_unique<echo_service>(), "test");
    status st = s.start();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.err().message.find("cannot listen"), std::string::npos) << st.err().message;
  }
}

}  // namespace
}  // namespace coco_admit::server
