// The real `coco-admit serve` binary (COCO_ADMIT_BINARY) with the real engine:
// configuration errors, environment variables, JSON logs, --dev, mutate and
// validate round trips checked against `coco-admit apply` (the patch applied
// with python3-jsonpatch), and the SIGTERM sequence of a real process.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <future>

#include "coco-admit/core/json.h"
#include "coco-admit/core/yaml.h"
#include "server_test_support.h"

namespace coco_admit::server {
namespace {

using namespace testing;

/// A child process running the binary, stdout and stderr captured in files.
class process {
 public:
  process(const temp_dir& dir, std::vector<std::string> args, std::vector<std::string> env = {})
      : out_(dir.file("stdout-" + std::to_string(counter_))), err_(dir.file("stderr-" + std::to_string(counter_))) {
    ++counter_;
    pid_ = ::fork();
    if (pid_ == 0) {
      const int o = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int e = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(o, 1);
      ::dup2(e, 2);
      for (const auto& kv : env) ::putenv(const_cast<char*>(kv.c_str()));
      std::vector<char*> argv;
      std::string bin = COCO_ADMIT_BINARY;
      argv.push_back(bin.data());
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(bin.c_str(), argv.data());
      ::_exit(127);
    }
  }
  ~process() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  std::string out() const { return read_file(out_); }
  std::string err() const { return read_file(err_); }

  /// The stderr log lines, parsed.
  std::vector<value> log() const {
    std::vector<value> lines;
    std::istringstream in(err());
    for (std::string line; std::getline(in, line);) {
      auto v = json::parse(line);
      EXPECT_TRUE(v.ok()) << "not a JSON log line: " << line;
      if (v.ok()) lines.push_back(*v);
    }
    return lines;
  }
  const value* log_line(const std::string& msg) const {
    static thread_local std::vector<value> lines;
    lines = log();
    for (const auto& l : lines)
      if (const value* m = l.find("msg"); m && m->as_string() == msg) return &l;
    return nullptr;
  }
  /// Waits for the "listening" line; returns {port, metrics_port} or {0,0}.
  std::pair<int, int> wait_listening() {
    std::pair<int, int> ports{0, 0};
    eventually([&] {
      if (const value* l = log_line("listening")) {
        ports = {static_cast<int>(l->find("port")->as_double()), static_cast<int>(l->find("metrics_port")->as_double())};
        return true;
      }
      return exited();
    });
    return ports;
  }
  bool exited() {
    if (exited_) return true;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      exited_ = true;
      code_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    return exited_;
  }
  /// Waits for the exit; returns the exit code (-1 on timeout).
  int wait(std::chrono::milliseconds timeout = std::chrono::milliseconds(20000)) {
    eventually([&] { return exited(); }, timeout);
    return exited_ ? code_ : -1;
  }
  void signal(int sig) { ::kill(pid_, sig); }

 private:
  static inline int counter_ = 0;
  std::string out_, err_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int code_ = -1;
};

double at_or_null(const value& v, std::string_view pointer) {
  const value* x = json::at_pointer(v, pointer);
  return x && x->is_number() ? x->as_double() : -1;
}
std::string str_at(const value& v, std::string_view pointer) {
  const value* x = json::at_pointer(v, pointer);
  return x && x->is_string() ? x->as_string() : std::string();
}

constexpr const char* validate_policy = R"(apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-team-label
spec:
  validationFailureAction: Enforce
  rules:
    - name: check-team
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: "label 'team' is required"
        pattern:
          metadata:
            labels:
              team: "?*"
)";

struct binary_test : ::testing::Test {
  temp_dir dir;
  std::string policies = dir.path() + "/policies";
  self_signed cert;

  void SetUp() override {
    if (!std::filesystem::exists(COCO_ADMIT_BINARY)) GTEST_SKIP() << "coco-admit is not built";
    cert = write_cert(dir.path() + "/tls", "tls");
    write_file(policies + "/inject.yaml",
               read_file(std::string(COCO_ADMIT_SOURCE_DIR) + "/deploy/kustomize/base/policies/inject-kata-cc-runtime.yaml"));
    write_file(policies + "/validate.yaml", validate_policy);
  }

  std::vector<std::string> serve_args(std::vector<std::string> extra = {}, const std::string& grace = "0.3") {
    std::vector<std::string> a = {"serve",
                                  "--bind-address=127.0.0.1",
                                  "--secure-port=0",
                                  "--metrics-bind-address=127.0.0.1:0",
                                  "--tls-cert-file=" + dir.path() + "/tls/tls.crt",
                                  "--tls-private-key-file=" + dir.path() + "/tls/tls.key",
                                  "--policy-dir=" + policies,
                                  "--workers=2",
                                  "--shutdown-grace-seconds=" + grace};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  /// `args` with the value of flag `prefix` (e.g. "--x=") replaced.
  static std::vector<std::string> replaced(std::vector<std::string> args, const std::string& prefix, const std::string& v) {
    for (auto& a : args)
      if (a.rfind(prefix, 0) == 0) a = prefix + v;
    return args;
  }

  std::string ca() const { return dir.path() + "/tls/tls.crt"; }

  /// POSTs `body` and returns the parsed AdmissionReview answer.
  value post(int port, const std::string& path, const std::string& body) {
    write_file(dir.file("req.json"), body);
    auto r = status_and_body(curl(port, ca(), "-H 'Content-Type: application/json' --data-binary @" + quote(dir.file("req.json")) +
                                                  " https://localhost:" + std::to_string(port) + path));
    EXPECT_EQ(r.first, 200) << r.second;
    auto v = json::parse(r.second);
    EXPECT_TRUE(v.ok()) << r.second;
    return v.ok() ? *v : value::object();
  }
};

TEST_F(binary_test, BadConfigurationExitsNonZeroWithAClearMessage) {
  const struct {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string says;
  } cases[] = {
      {{"serve", "--policy-dir=" + policies}, {}, "--tls-cert-file and --tls-private-key-file are required"},
      {serve_args({"--policy-dir=/nonexistent/policies"}), {}, "--policy-dir \\\"/nonexistent/policies\\\" cannot be read"},
      {serve_args({"--max-request-bytes=12"}), {}, "--max-request-bytes"},
      {serve_args(), {"COCO_ADMIT_HEADER_TIMEOUT_SECONDS=-1"}, "--header-timeout-seconds"},
      {replaced(serve_args(), "--tls-private-key-file=", dir.path() + "/tls/tls.crt"), {}, "cannot load the TLS certificate"},
      {serve_args({"--metrics-bind-address=nonsense"}), {}, "--metrics-bind-address"},
  };
  for (const auto& c : cases) {
    process p(dir, c.args, c.env);
    EXPECT_EQ(p.wait(), 2) << c.says << "\n" << p.err();
    EXPECT_NE(p.err().find(c.says), std::string::npos) << p.err();
  }
  // CLI-level errors (out of range) also exit 2.
  process range(dir, serve_args({"--secure-port=70000"}));
  EXPECT_EQ(range.wait(), 2);
}

TEST_F(binary_test, ServesRealReviewsThatMatchApply) {
  // The flag wins over the environment; the environment fills the rest.
  process p(dir, serve_args({"--max-connections=77"}), {"COCO_ADMIT_MAX_CONNECTIONS=5", "COCO_ADMIT_IDLE_TIMEOUT_SECONDS=33"});
  auto [port, mport] = p.wait_listening();
  ASSERT_GT(port, 0) << p.err();
  const value* start = p.log_line("starting coco-admit serve");
  ASSERT_NE(start, nullptr) << p.err();
  EXPECT_EQ(at_or_null(*start, "/config/max_connections"), 77);
  EXPECT_EQ(at_or_null(*start, "/config/idle_timeout_seconds"), 33);

  // Mutate: the patch applied with python3-jsonpatch equals `coco-admit apply`.
  const std::string pod =
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"apps","labels":{"coco":"enabled","team":"a"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}})";
  const std::string review = R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"m-1","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"namespace":"apps","operation":"CREATE","userInfo":{"username":"alice"},"object":)" +
                             pod + "}}";
  value m = post(port, "/mutate", review);
  EXPECT_EQ(str_at(m, "/response/uid"), "m-1");
  EXPECT_TRUE(json::at_pointer(m, "/response/allowed")->as_bool());
  EXPECT_EQ(str_at(m, "/response/patchType"), "JSONPatch");
  write_file(dir.file("pod.json"), pod);
  write_file(dir.file("answer.json"), json::serialize(m));
  auto patched = run(python() + " -c " +
                     quote("import base64,json,sys,jsonpatch\n"
                           "a=json.load(open(sys.argv[1]));o=json.load(open(sys.argv[2]))\n"
                           "p=json.loads(base64.b64decode(a['response']['patch']))\n"
                           "print(json.dumps(jsonpatch.apply_patch(o,p)))") +
                     " " + quote(dir.file("answer.json")) + " " + quote(dir.file("pod.json")) + " 2>&1");
  ASSERT_EQ(patched.exit_code, 0) << patched.out;
  auto via_server = json::parse(patched.out);
  ASSERT_TRUE(via_server.ok()) << patched.out;
  EXPECT_EQ(str_at(*via_server, "/spec/runtimeClassName"), "kata-cc");
  auto applied = run(std::string(COCO_ADMIT_BINARY) + " apply -p " + quote(policies + "/inject.yaml") + " -r " +
                     quote(dir.file("pod.json")) + " -o json 2>/dev/null");
  auto via_apply = yaml::parse_all(applied.out);
  ASSERT_TRUE(via_apply.ok() && !via_apply->empty()) << applied.out;
  EXPECT_EQ(via_apply->front().root, *via_server) << applied.out << "\n" << patched.out;

  // Validate: a pod without the team label is denied with Kyverno's message.
  const std::string bad_pod = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"bad","namespace":"apps"},"spec":{"containers":[{"name":"c","image":"nginx"}]}})";
  value v = post(port, "/validate?timeout=10s",
                 R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"v-1","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"namespace":"apps","operation":"CREATE","object":)" +
                     bad_pod + "}}");
  EXPECT_EQ(str_at(v, "/response/uid"), "v-1");
  EXPECT_FALSE(json::at_pointer(v, "/response/allowed")->as_bool());
  EXPECT_NE(str_at(v, "/response/status/message").find("require-team-label"), std::string::npos) << json::serialize(v);

  // An unreadable review still gets an AdmissionReview answer.
  value g = post(port, "/mutate", "{\"request\": garbage");
  EXPECT_FALSE(json::at_pointer(g, "/response/allowed")->as_bool());

  auto metrics = status_and_body(curl(0, "", "http://127.0.0.1:" + std::to_string(mport) + "/metrics")).second;
  EXPECT_NE(metrics.find(R"(coco_admit_policy_results_total{policy_name="inject-kata-cc-runtime",rule_name="set-runtime-class",rule_type="mutate",rule_result="pass"} 1)"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(resource_kind="Pod",resource_namespace="apps",resource_request_operation="CREATE",request_allowed="false"} 1)"),
            std::string::npos)
      << metrics;

  // Default verbosity: lifecycle lines only, nothing from the objects.
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(), 0) << p.err();
  EXPECT_EQ(p.err().find("nginx"), std::string::npos) << p.err();
  EXPECT_EQ(p.err().find("admission review"), std::string::npos) << p.err();
  EXPECT_NE(p.log_line("stopped"), nullptr) << p.err();
}

TEST_F(binary_test, VerboseLogsOneLinePerRequestWithoutContents) {
  process p(dir, serve_args({"-v=4"}));  // klog spelling
  auto [port, mport] = p.wait_listening();
  ASSERT_GT(port, 0) << p.err();
  post(port, "/mutate/fail", admission_review("verbose-1", "default"));
  EXPECT_TRUE(eventually([&] { return p.log_line("admission review") != nullptr; }));
  const value* l = p.log_line("admission review");
  ASSERT_NE(l, nullptr) << p.err();
  EXPECT_EQ(str_at(*l, "/uid"), "verbose-1");
  EXPECT_EQ(str_at(*l, "/path"), "/mutate/fail");
  EXPECT_EQ(str_at(*l, "/kind"), "Pod");
  EXPECT_EQ(p.err().find("nginx"), std::string::npos) << p.err();
  p.signal(SIGINT);
  EXPECT_EQ(p.wait(), 0);
}

TEST_F(binary_test, SigtermFailsReadinessThenDrains) {
  process p(dir, serve_args({}, "2"));
  auto [port, mport] = p.wait_listening();
  ASSERT_GT(port, 0) << p.err();
  // clang 14 cannot capture a structured binding in a lambda.
  const int metrics_port = mport;
  write_file(dir.file("body.json"), admission_review("drain", "default"));
  const std::string flood = python() + " " + quote(client_script()) + " flood --port " + std::to_string(port) + " --ca " +
                            quote(ca()) + " --body-file " + quote(dir.file("body.json")) + " --threads 4 --seconds 1.5 2>&1";
  auto f = std::async(std::launch::async, [&] { return run(flood); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto t0 = std::chrono::steady_clock::now();
  p.signal(SIGTERM);
  EXPECT_TRUE(eventually([&] {
    return status_and_body(curl(0, "", "http://127.0.0.1:" + std::to_string(metrics_port) + "/readyz")).first == 500;
  }, std::chrono::milliseconds(1500)));
  auto r = json::parse(f.get().out);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(json::serialize(*r->find("errors")), "[]");
  EXPECT_EQ(r->find("statuses")->find("200")->as_double(), r->find("count")->as_double());
  EXPECT_GT(r->find("count")->as_double(), 10);
  EXPECT_EQ(p.wait(), 0) << p.err();
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_GE(took, 2.0);
  EXPECT_LT(took, 10.0);
}

TEST_F(binary_test, DevModePrintsTheCaBundle) {
  const std::string cert_dir = dir.path() + "/dev-certs";
  process p(dir, {"serve", "--dev", "--secure-port=0", "--metrics-bind-address=127.0.0.1:0", "--policy-dir=" + policies,
                  "--cert-dir=" + cert_dir, "--shutdown-grace-seconds=0"});
  auto [port, mport] = p.wait_listening();
  ASSERT_GT(port, 0) << p.err();
  EXPECT_TRUE(eventually([&] { return p.out().find("caBundle: ") != std::string::npos; }));
  const std::string out = p.out();
  const auto b = out.find("caBundle: ") + 10;
  const std::string bundle = out.substr(b, out.find('\n', b) - b);
  EXPECT_EQ(bundle, base64(read_file(cert_dir + "/tls.crt")));
  EXPECT_NE(out.find("https://localhost:" + std::to_string(port) + "/mutate"), std::string::npos) << out;
  EXPECT_EQ(std::filesystem::status(cert_dir + "/tls.key").permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  // The printed CA verifies the server (curl checks localhost against the SAN).
  auto r = status_and_body(curl(port, cert_dir + "/tls.crt", "https://localhost:" + std::to_string(port) + "/readyz"));
  EXPECT_EQ(r.first, 200) << r.second;
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(), 0);
}

}  // namespace
}  // namespace coco_admit::server
