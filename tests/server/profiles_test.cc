// The shipped profiles (profiles/<name>/) run through the coco-admit binary as
// users and CI run it: each profile's kyverno-test suites, the generators that
// keep embedded initdata values in step with their TOML sources, the
// good/bad naming contract of workloads/ (docs/profiles.md), and the denial
// message of every class of bad input in COCO.md section 7 that admission
// can see.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <ostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path source_dir = COCO_ADMIT_SOURCE_DIR;
const std::string binary = COCO_ADMIT_BINARY;

// The coco-pattern profile runs the upstream policy from the shared folder
// cloned beside the repository (never copied in); the path is the one its
// kyverno-test.yaml uses, resolved from the repository root.
const char* const coco_pattern_policy = "../shared/conformance/coco-pattern/inject-coco-initdata.yaml";

struct run_result {
  int exit_code = -1;
  std::string output;  ///< stdout and stderr together
};

/// Runs `command` with the source directory as working directory.
run_result run(const std::string& command) {
  const std::string full = "cd '" + source_dir.string() + "' && " + command + " 2>&1";
  run_result r;
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return r;
  char buffer[65536];
  std::size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) r.output.append(buffer, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool shared_policy_present() { return fs::exists(source_dir / coco_pattern_policy); }

struct profile_case {
  const char* name;
  bool needs_shared;  ///< runs a policy from ../shared
};

// Readable parameter names in gtest/ctest output.
void PrintTo(const profile_case& p, std::ostream* os) { *os << p.name; }

const profile_case profiles[] = {
    {"coco", false},
    {"coco-pattern", true},
};

class ProfileSuite : public ::testing::TestWithParam<profile_case> {};

TEST_P(ProfileSuite, AllChecksPass) {
  const profile_case& p = GetParam();
  if (p.needs_shared && !shared_policy_present()) {
    GTEST_SKIP() << "profile " << p.name << " runs " << coco_pattern_policy
                 << " (relative to the repository root), which is absent: clone the shared folder beside the "
                    "repository to run it";
  }
  const run_result r = run("'" + binary + "' test profiles/" + p.name);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<std::string> out = lines(r.output);
  ASSERT_FALSE(out.empty());
  std::smatch m;
  const std::regex summary(R"(^(\d+) passed, 0 failed$)");
  ASSERT_TRUE(std::regex_match(out.back(), m, summary)) << r.output;
  EXPECT_GT(std::stoi(m[1].str()), 0) << r.output;
}

INSTANTIATE_TEST_SUITE_P(Profiles, ProfileSuite, ::testing::ValuesIn(profiles),
                         [](const auto& info) {
                           std::string n = info.param.name;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// generate.sh rebuilds every file that embeds an encoded initdata value; the
// committed copies must be byte-identical to a fresh run.
class ProfileGenerator : public ::testing::TestWithParam<const char*> {};

TEST_P(ProfileGenerator, CommittedFilesAreUpToDate) {
  const std::string profile = GetParam();
  const fs::path out = fs::temp_directory_path() / ("coco-admit-profile-" + profile + "-" + std::to_string(getpid()));
  fs::remove_all(out);
  const run_result r = run("sh profiles/" + profile + "/generate.sh '" + binary + "' '" + out.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::size_t compared = 0;
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    if (!entry.is_regular_file()) continue;
    const fs::path rel = fs::relative(entry.path(), out);
    const fs::path committed = source_dir / "profiles" / profile / rel;
    ASSERT_TRUE(fs::exists(committed)) << committed << " is generated but not committed";
    EXPECT_TRUE(read_file(entry.path()) == read_file(committed))
        << committed << " differs from a fresh `profiles/" << profile << "/generate.sh` run: rerun it and commit";
    ++compared;
  }
  fs::remove_all(out);
  EXPECT_GT(compared, 0u);
}

INSTANTIATE_TEST_SUITE_P(Profiles, ProfileGenerator, ::testing::Values("coco", "coco-pattern"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

/// `coco-admit apply` of a profile's policies on one workload.
std::string apply_command(const std::string& profile, const std::string& workload) {
  const std::string dir = "profiles/" + profile;
  const std::string policies = profile == "coco-pattern" ? std::string(coco_pattern_policy) : dir + "/policies";
  return "'" + binary + "' apply --policy " + policies + " --resource " + dir + "/workloads/" + workload +
         " --cluster-resources " + dir + "/cluster";
}

// docs/profiles.md: the benchmark replays workloads/ as traffic and takes the
// expected outcome from the file name, so every `*-good-*` file must be
// admitted and every `*-bad-*` file rejected by the profile's policies.
TEST(ProfileWorkloads, FileNamesMatchOutcome) {
  std::size_t checked = 0;
  for (const profile_case& p : profiles) {
    if (p.needs_shared && !shared_policy_present()) continue;
    const fs::path dir = source_dir / "profiles" / p.name / "workloads";
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.is_regular_file() && entry.path().extension() == ".yaml") files.push_back(entry.path().filename());
    }
    std::sort(files.begin(), files.end());
    for (const std::string& f : files) {
      const bool good = f.find("-good-") != std::string::npos;
      const bool bad = f.find("-bad-") != std::string::npos;
      ASSERT_TRUE(good != bad) << p.name << "/workloads/" << f << ": the name must contain -good- or -bad-";
      const run_result r = run(apply_command(p.name, f));
      EXPECT_EQ(r.exit_code, good ? 0 : 1) << p.name << "/workloads/" << f << "\n" << r.output.substr(0, 4000);
      ++checked;
    }
  }
  EXPECT_GT(checked, 0u);
}

// One bad input and the denial it must produce: the rule that fails and
// fragments of its message (the field it names and the fix it proposes).
struct denial_case {
  const char* coco_md;  ///< COCO.md section 7 item
  const char* workload;
  const char* rule;
  std::vector<std::string> fragments;
};

void PrintTo(const denial_case& c, std::ostream* os) { *os << "COCO.md 7." << c.coco_md << " " << c.workload; }

class CocoDenial : public ::testing::TestWithParam<denial_case> {};

TEST_P(CocoDenial, NamesTheFieldAndTheFix) {
  const denial_case& c = GetParam();
  const run_result r = run(apply_command("coco", c.workload));
  EXPECT_EQ(r.exit_code, 1) << r.output.substr(0, 4000);
  // apply prints one tab-separated line per rule: POLICY RULE RESOURCE RESULT MESSAGE.
  const std::string rule_field = "\t" + std::string(c.rule) + "\t";
  const std::string* found = nullptr;
  const std::vector<std::string> out = lines(r.output);
  for (const std::string& line : out) {
    if (line.find(rule_field) != std::string::npos && line.find("\tfail\t") != std::string::npos) {
      found = &line;
      break;
    }
  }
  ASSERT_NE(found, nullptr) << "COCO.md 7." << c.coco_md << ": no fail result for rule " << c.rule << "\n"
                            << r.output.substr(0, 4000);
  for (const std::string& fragment : c.fragments) {
    EXPECT_NE(found->find(fragment), std::string::npos)
        << "COCO.md 7." << c.coco_md << ": message lacks \"" << fragment << "\":\n" << *found;
  }
}

const std::string initdata_field = "metadata.annotations.\"io.katacontainers.config.hypervisor.cc_init_data\"";
const std::string reencode = "coco-admit initdata encode FILE.toml";

const denial_case denials[] = {
    {"1", "pod-bad-misspelled-initdata-key.yaml", "initdata-annotation-key",
     {"io.katacontainers.config.runtime.cc_init_data", "the only initdata key is io.katacontainers.config.hypervisor.cc_init_data"}},
    {"2", "pod-bad-initdata-plain-toml.yaml", "initdata-valid", {initdata_field, "value is plain TOML", reencode}},
    {"3", "pod-bad-initdata-not-gzipped.yaml", "initdata-valid", {initdata_field, "gzip: not gzip data", reencode}},
    {"4", "pod-bad-initdata-base64url.yaml", "initdata-valid", {initdata_field, "invalid character '_'", "not base64url"}},
    {"4", "pod-bad-initdata-unpadded.yaml", "initdata-valid", {initdata_field, "missing '=' padding"}},
    {"5", "pod-bad-initdata-line-wrapped.yaml", "initdata-valid", {initdata_field, "line break at offset 76", "-w0"}},
    {"6", "pod-bad-initdata-empty.yaml", "initdata-valid", {initdata_field, "value is empty"}},
    {"7", "pod-bad-initdata-toml-syntax.yaml", "initdata-valid", {initdata_field, "initdata: toml:", "line 14"}},
    {"8", "pod-bad-initdata-version.yaml", "initdata-valid", {initdata_field, "version is \"0.2.0\"", "\"0.1.0\""}},
    {"8", "deployment-bad-initdata-version.yaml", "autogen-initdata-valid", {initdata_field, "version is \"0.2.0\""}},
    {"9", "pod-bad-initdata-algorithm.yaml", "initdata-valid", {"algorithm is \"SHA256\"", "write \"sha256\""}},
    {"10", "pod-bad-initdata-no-data.yaml", "initdata-valid", {"[data] table is missing"}},
    {"11", "pod-bad-initdata-data-not-string.yaml", "initdata-valid", {"data.\"cdh.toml\": value must be a string"}},
    {"12", "pod-bad-initdata-aa-kbs-url.yaml", "initdata-valid", {"data.\"aa.toml\": [token_configs.kbs].url is missing"}},
    {"13", "pod-bad-initdata-cdh-kbc.yaml", "initdata-valid",
     {"[kbc].name \"kbs\" is not a supported KBC", "[kbc].url is missing"}},
    {"14", "pod-bad-initdata-resource-uri.yaml", "initdata-valid",
     {"[image].image_security_policy_uri", "write kbs:///default/security-policy/test"}},
    {"15", "pod-bad-initdata-credential-path.yaml", "initdata-valid", {"credentials[0].path", "'..' segment"}},
    {"16", "pod-bad-initdata-cert.yaml", "initdata-valid", {"[token_configs.kbs].cert", "leaf certificate"}},
    {"17", "pod-bad-initdata-rego-package.yaml", "initdata-valid", {"data.\"policy.rego\"", "package agent_policy"}},
    {"18", "pod-bad-initdata-rego-no-rules.yaml", "initdata-valid",
     {"data.\"policy.rego\": no rule or default for CreateContainerRequest"}},
    {"19", "pod-bad-initdata-production-agent-policy.yaml", "production-agent-policy",
     {initdata_field, "production namespace payments", "default SetPolicyRequest := false"}},
    {"20", "pod-bad-initdata-on-plain-kata.yaml", "initdata-requires-coco-runtime-class",
     {initdata_field, "spec.runtimeClassName \"kata-qemu\" is not a Confidential Containers runtime class",
      "Use a CoCo runtime class"}},
    {"20", "pod-bad-initdata-without-runtime-class.yaml", "initdata-without-runtime-class",
     {initdata_field, "spec.runtimeClassName is empty", "coco.io/enabled"}},
    {"21", "pod-bad-runtime-class-not-allowed.yaml", "runtime-class-allowed-in-coco-namespace",
     {"spec.runtimeClassName \"kata-qemu-coco-dev\" is not allowed in CoCo namespace payments",
      "use one of kata-qemu-snp, kata-qemu-tdx"}},
    {"21", "pod-bad-runtime-class-runc-in-coco-namespace.yaml", "runtime-class-allowed-in-coco-namespace",
     {"spec.runtimeClassName \"runc\"", "leave runtimeClassName unset to get kata-qemu-snp"}},
    {"21", "pod-bad-opt-in-runtime-class.yaml", "runtime-class-allowed-for-coco-pods",
     {"spec.runtimeClassName \"kata-qemu\" is not allowed for CoCo pods in namespace web"}},
    {"21", "deployment-bad-runtime-class.yaml", "autogen-runtime-class-allowed-in-coco-namespace",
     {"spec.runtimeClassName \"kata-qemu-coco-dev\""}},
    {"22", "pod-bad-hypervisor-annotation.yaml", "hypervisor-annotations-enabled",
     {"metadata.annotations.\"io.katacontainers.config.hypervisor.machine_type\"",
      "runtime class kata-qemu-snp does not enable this hypervisor annotation", "Remove the annotation"}},
    {"23", "pod-bad-agent-policy-annotation.yaml", "no-agent-policy-annotation",
     {"metadata.annotations.\"io.katacontainers.config.agent.policy\" is not allowed", "data.\"policy.rego\""}},
    {"24", "secret-bad-sealed-sections.yaml", "sealed-secret-data", {"data.password: sealed secret: has 3", "seal the secret again"}},
    {"24", "secret-bad-sealed-prefix.yaml", "sealed-secret-data", {"data.password", "missing the \"sealed.\" prefix"}},
    {"24", "secret-bad-sealed-payload-base64.yaml", "sealed-secret-data", {"data.password", "payload: base64url"}},
    {"24", "secret-bad-sealed-payload-json.yaml", "sealed-secret-data", {"data.password", "payload: not JSON"}},
    {"24", "secret-bad-sealed-version.yaml", "sealed-secret-data", {"data.password", "payload.version is \"0.2.0\""}},
    {"24", "secret-bad-sealed-type.yaml", "sealed-secret-data", {"data.password", "payload.type is \"kms\""}},
    {"24", "secret-bad-sealed-vault-fields.yaml", "sealed-secret-data",
     {"payload.provider_settings is missing", "payload.annotations is missing"}},
    {"24", "secret-bad-sealed-envelope-fields.yaml", "sealed-secret-data",
     {"data.tls.key", "payload.iv is missing", "payload.wrap_type is missing"}},
    {"25", "secret-bad-sealed-legacy.yaml", "sealed-secret-data", {"data.password", "skip_sealed_secret_verification"}},
    {"25", "secret-bad-sealed-alg.yaml", "sealed-secret-data", {"data.password", "header.alg is \"RS256\"", "ES256"}},
    {"26", "pod-bad-annotations-too-large.yaml", "annotations-size",
     {"metadata.annotations hold", "more than the Kubernetes limit of 262144", "shrink the initdata"}},
    {"27", "pod-bad-attestation-check-with-own-initdata.yaml", "attestation-check-present",
     {"spec.initContainers has no get-attn-status", "`coco-admit apply` on the manifest first, then genpolicy"}},
};

INSTANTIATE_TEST_SUITE_P(CocoMd7, CocoDenial, ::testing::ValuesIn(denials), [](const auto& info) {
  std::string n = info.param.workload;
  n = n.substr(0, n.rfind('.'));
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
});

}  // namespace
