// `coco-admit compile`, `apply`, `review` and `version`, run as a user runs them.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <regex>
#include <string>

namespace {

struct run_result {
  int exit_code;
  std::string output;
};

run_result run(const std::string& args) {
  std::string cmd = std::string(COCO_ADMIT_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int st = pclose(p);
  return {WEXITSTATUS(st), out};
}

const std::string src = COCO_ADMIT_SOURCE_DIR;

}  // namespace

TEST(ApplyCommand, ValuesFileAndResultTable) {
  std::string dir = src + "/tests/data/kyverno-test/pass/values-file/";
  auto r = run("apply --policy " + dir + "policy.yaml --resource " + dir + "resources.yaml --values " + dir +
               "values.yaml");
  EXPECT_EQ(r.exit_code, 1) << r.output;  // a rule fails, as `kyverno apply` reports it
  EXPECT_NE(r.output.find("block-updates\tConfigMap/locked/cm-update\tfail\tupdates to cm-update are blocked"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("ConfigMap/locked/cm-allowed\tpass"), std::string::npos) << r.output;
}

TEST(ApplyCommand, MutatesTheDefaultProfileDeterministically) {
  std::string args = "apply --policy " + src + "/profiles/coco/policies --cluster-resources " + src +
                     "/profiles/coco/cluster --resource " + src + "/profiles/coco/workloads -o json";
  auto a = run(args);
  auto b = run(args);
  EXPECT_EQ(a.output, b.output);  // same input, same bytes out
  EXPECT_NE(a.output.find("io.katacontainers.config.hypervisor.cc_init_data"), std::string::npos);
}

TEST(ApplyCommand, BadInputIsAClearErrorNotACrash) {
  auto r = run("apply --policy " + src + "/does/not/exist.yaml --resource " + src + "/README.md");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("does/not/exist.yaml"), std::string::npos) << r.output;
}

TEST(CompileCommand, ReportsOutOfSubsetFieldsWithPosition) {
  std::string path = testing::TempDir() + "/gen-policy.yaml";
  std::ofstream(path) << "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: gen}\nspec:\n  rules:\n"
                         "  - name: r\n    match: {any: [{resources: {kinds: [Namespace]}}]}\n    generate: {kind: X}\n";
  auto r = run("compile --policy " + path);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("gen-policy.yaml:8:5: gen/r: spec.rules[0].generate: 'generate' is outside the subset"),
            std::string::npos)
      << r.output;
}

TEST(ReviewCommand, AnswersMalformedReviewsWithTheirUid) {
  std::string path = testing::TempDir() + "/review.json";
  std::ofstream(path) << R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1"}})";
  auto r = run("review --policy " + src + "/profiles/coco/policies " + path);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(R"("uid":"u-1","allowed":false)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no 'operation'"), std::string::npos) << r.output;
}

TEST(VersionCommand, FlagAndSubcommandPrintTheSameVersion) {
  auto flag = run("--version");
  auto sub = run("version");
  EXPECT_EQ(flag.exit_code, 0);
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_TRUE(std::regex_match(flag.output, std::regex("coco-admit [0-9]+\\.[0-9]+\\.[0-9]+\n"))) << flag.output;
  EXPECT_EQ(sub.output, flag.output);
}
