// `coco-admit test` end to end: the built binary runs the suites under
// tests/data/kyverno-test/ and we check its exit code, its last line (the
// summary) and a few lines of its report.
#include <gtest/gtest.h>

#include <ostream>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

namespace {

struct run_output {
  int exit_code = -1;
  std::string text;  ///< stdout and stderr
};

run_output run(const std::string& args) {
  std::string cmd = std::string("\"") + COCO_ADMIT_BINARY + "\" " + args + " 2>&1";
  run_output out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.text.append(buf.data(), n);
  int st = pclose(p);
  out.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

std::string data(const std::string& rel) { return std::string(COCO_ADMIT_SOURCE_DIR) + "/tests/data/kyverno-test/" + rel; }

struct test_case {
  const char* name;
  std::string args;
  int exit_code;
  std::string summary;                ///< expected last line; empty: not checked
  std::vector<std::string> contains;  ///< substrings of the whole output
};
// gtest prints a parameter as raw bytes unless told how.
void PrintTo(const test_case& c, std::ostream* os) { *os << c.name; }

class TestCommand : public ::testing::TestWithParam<test_case> {};

TEST_P(TestCommand, ExitCodeSummaryAndLines) {
  const test_case& tc = GetParam();
  run_output out = run("test " + tc.args);
  EXPECT_EQ(out.exit_code, tc.exit_code) << out.text;
  if (!tc.summary.empty()) {
    EXPECT_EQ(last_line(out.text), tc.summary) << out.text;
  }
  for (const std::string& s : tc.contains) EXPECT_NE(out.text.find(s), std::string::npos) << s << "\n" << out.text;
}

INSTANTIATE_TEST_SUITE_P(
    Suites, TestCommand,
    ::testing::Values(
        test_case{"mutate_with_patched_resources", data("pass/mutate-runtimeclass"), 0, "5 passed, 0 failed",
                  {"PASS  add-runtimeclass/set-runtimeclass  Pod/default/plain  result=pass",
                   "PASS  add-runtimeclass/set-runtimeclass  Pod/tenant/preset  result=skip",
                   "PASS  add-runtimeclass/autogen-set-runtimeclass  Deployment/tenant/web  result=pass"}},
        test_case{"validate_pass_fail_skip_autogen", data("pass/validate-labels/kyverno-test.yaml"), 0,
                  "6 passed, 0 failed",
                  {"PASS  require-team-label/check-team  Pod/default/bad  result=fail",
                   "PASS  require-team-label/check-team  Pod/default/skipped  result=skip",
                   "PASS  require-team-label/check-team  Deployment/default/bad-deploy  result=fail",
                   "PASS  require-team-label/check-team  Service/default/unrelated  result=skip"}},
        test_case{"values_file", data("pass/values-file"), 0, "4 passed, 0 failed",
                  {"PASS  block-protected-updates/block-updates  ConfigMap/locked/cm-update  result=fail",
                   "PASS  block-protected-updates/block-updates  ConfigMap/open/cm-open  result=skip"}},
        test_case{"cluster_resources_configmap", data("pass/cluster-resources"), 0, "2 passed, 0 failed",
                  {"PASS  allowed-runtimeclasses/check-runtimeclass  Pod/default/pod-runc  result=fail"}},
        test_case{"mutate_policies_cascade_in_file_order", data("pass/file-order"), 0, "2 passed, 0 failed",
                  {"PASS  aa-copy-tier/copy-tier  Pod/shop/app  result=pass"}},
        test_case{"whole_pass_tree", data("pass"), 0, "24 passed, 0 failed", {}},
        test_case{"detailed_results_flag", "-v " + data("pass/validate-labels"), 0, "6 passed, 0 failed",
                  {"label `team` is required"}},
        test_case{"expected_failures_exit_1", data("fail"), 1, "2 passed, 2 failed",
                  {"FAIL  require-team-label/check-team  Pod/default/bad  expected=pass actual=fail: validation error: "
                   "label `team` is required",
                   "FAIL  require-team-label/check-team  Pod/no-such-pod  expected=pass actual=none: resource Pod "
                   "no-such-pod not found in",
                   "PASS* require-team-label/check-team  Pod/default/good  result=fail (Kyverno CLI leniency)"}},
        test_case{"strict_fails_lenient_passes", "--strict " + data("fail"), 1, "1 passed, 3 failed",
                  {"FAIL  require-team-label/check-team  Pod/default/good  expected=fail actual=pass"}},
        test_case{"bad_yaml_exit_2", data("bad/bad-yaml/kyverno-test.yaml"), 2, "",
                  {"bad/bad-yaml/kyverno-test.yaml:"}},
        test_case{"unknown_result_exit_2", data("bad/unknown-result/kyverno-test.yaml"), 2, "",
                  {"bad/unknown-result/kyverno-test.yaml:", "unknown value \"passed\""}},
        test_case{"missing_policy_file_exit_2", data("bad/missing-policy"), 2, "", {"no-such-policy.yaml"}},
        test_case{"missing_path_exit_2", data("does-not-exist"), 2, "", {"does-not-exist: no such file or directory"}},
        test_case{"directory_without_tests_exit_2", std::string(COCO_ADMIT_SOURCE_DIR) + "/tests/core", 2, "",
                  {"no kyverno test files"}}),
    [](const ::testing::TestParamInfo<test_case>& info) { return std::string(info.param.name); });

}  // namespace
