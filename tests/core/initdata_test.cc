// initdata: one case per COCO.md section-7 class that concerns the annotation
// value (each shows the rejection and its message), the section-8 good cases,
// decode/encode and digest known-answer vectors.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "coco-admit/core/coco/base64.h"
#include "coco-admit/core/coco/gzip.h"
#include "coco-admit/core/coco/initdata.h"

using namespace coco_admit::coco;

namespace {

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(COCO_ADMIT_SOURCE_DIR) + "/tests/data/coco/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << "fixture lacks: " << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

const std::string header = "version = \"0.1.0\"\nalgorithm = \"sha256\"\n\n[data]\n";

// A complete document with the given aa.toml, cdh.toml and (optional) policy.
std::string doc(const std::string& aa, const std::string& cdh, const std::string& policy = "") {
  std::string out = header + "\"aa.toml\" = '''\n" + aa + "'''\n\"cdh.toml\" = '''\n" + cdh + "'''\n";
  if (!policy.empty()) out += "\"policy.rego\" = '''\n" + policy + "'''\n";
  return out;
}

const std::string good_aa = "[token_configs.kbs]\nurl = \"https://kbs.example.com:8080\"\n";
const std::string good_cdh = "[kbc]\nname = \"cc_kbc\"\nurl = \"https://kbs.example.com:8080\"\n";
const std::string good_policy =
    "package agent_policy\n\n"
    "import future.keywords.if\n\n"
    "default CreateContainerRequest := false\n"
    "CreateContainerRequest if {\n  input.OCI.Version == \"1.1.0\" # a } comment\n}\n"
    "default CreateSandboxRequest := true\ndefault DestroySandboxRequest := true\n"
    "default ExecProcessRequest := false\ndefault SetPolicyRequest := false\n"
    "default ReadStreamRequest := true\ndefault StartContainerRequest := true\n"
    "WaitProcessRequest := true\n";

std::string cdh_with(const std::string& extra) { return good_cdh + extra; }

std::string with_cert(const std::string& pem) {
  return doc(good_aa + "cert = \"\"\"\n" + pem + "\"\"\"\n", good_cdh);
}

// An encoded value whose base64 needs padding (the gzip length is not a multiple of 3).
std::string padded_value() {
  std::string text = doc(good_aa, good_cdh);
  for (int i = 0; i < 3; ++i) {
    std::string v = initdata_encode(text);
    if (v.back() == '=') return v;
    text += "# pad\n";
  }
  ADD_FAILURE() << "no padded encoding found";
  return {};
}

struct bad_case {
  std::string name;   // COCO.md 7.<n>
  std::string value;  // annotation value
  std::string want;   // substring of one reported message
};

}  // namespace

TEST(InitdataErrors, GoodCases) {
  struct good { std::string name, value; };
  const good cases[] = {
      {"8.1 minimal (no policy)", initdata_encode(read_data("minimal.toml"))},
      {"8.2 full sha384 example with real CA PEMs", initdata_encode(read_data("example-with-ca.toml"))},
      {"8.3 empty [data]", initdata_encode(read_data("empty-data.toml"))},
      {"complete policy and extras",
       initdata_encode(doc(good_aa + "cert = \"\"\"\n" + read_data("certs/ca.pem") + "\"\"\"\n"
                               "[token_configs.coco_as]\nurl = \"http://as.example.com\"\n"
                               "[eventlog_config]\ninit_pcr = 17\nenable_eventlog = false\n[log]\nlevel = \"info\"\n",
                           cdh_with("kbs_cert = \"\"\"\n" + read_data("certs/ca.pem") + "\"\"\"\n"
                                    "skip_sealed_secret_verification = false\n"
                                    "[[credentials]]\nresource_uri = \"kbs:///default/credential/cred\"\n"
                                    "path = \"/run/confidential-containers/cdh/kbs/cred.json\"\n"
                                    "[image]\nimage_security_policy_uri = \"kbs:///default/security-policy/test\"\n"
                                    "sigstore_config_uri = \"kbs+plugin://example/a/b/c/d\"\n"
                                    "registry_configuration_uri = \"file:///etc/containers/registries.conf\"\n"
                                    "extra_root_certificates = [\"\"\"\n" + read_data("certs/ca.pem") + "\"\"\"]\n"),
                           good_policy))},
      {"offline_fs_kbc", initdata_encode(doc(good_aa, "[kbc]\nname = \"offline_fs_kbc\"\nurl = \"http://x.example\"\n"))},
  };
  for (const auto& t : cases) {
    EXPECT_EQ(join(initdata_errors(t.value)), "") << t.name;
  }
}

TEST(InitdataErrors, ExampleWithElidedPemsOnlyFailsOnThePems) {
  // COCO.md's example elides its PEMs ("...KBS CA PEM..."), so the certificate
  // check (7.16) must reject exactly those two fields and nothing else.
  auto errs = initdata_errors(initdata_encode(read_data("example-initdata.toml")));
  ASSERT_EQ(errs.size(), 2u) << join(errs);
  EXPECT_EQ(errs[0].rfind("initdata: data.\"aa.toml\": [token_configs.kbs].cert: PEM block 1 is not a parsable X.509 certificate", 0), 0u) << errs[0];
  EXPECT_EQ(errs[1].rfind("initdata: data.\"cdh.toml\": [kbc].kbs_cert: PEM block 1 is not a parsable X.509 certificate", 0), 0u) << errs[1];
}

TEST(InitdataErrors, EverySection7Class) {
  const std::string good_value = initdata_encode(doc(good_aa, good_cdh));
  const std::string padded = padded_value();
  std::string unpadded = padded;
  while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
  std::string url_value = good_value;
  std::size_t url_at = url_value.find_first_of("+/");
  ASSERT_NE(url_at, std::string::npos) << "fixture encoding has no '+' or '/'";
  url_value[url_at] = url_value[url_at] == '+' ? '-' : '_';
  std::string wrapped = good_value;
  wrapped.insert(76, "\n");
  std::string gz = gzip_deterministic(doc(good_aa, good_cdh));
  std::string huge_toml = header + "\"big.txt\" = '''\n" + std::string(2 << 20, 'x') + "\n'''\n";

  const bad_case cases[] = {
      {"7.2 plain TOML", doc(good_aa, good_cdh), "initdata: value is plain TOML, not base64(gzip(TOML)); encode with: gzip | base64 -w0"},
      {"7.3 base64 of un-gzipped TOML", base64_encode(doc(good_aa, good_cdh)),
       "initdata: gzip: not gzip data (magic bytes missing): the value is base64 of plain TOML; encode with: gzip | base64 -w0"},
      {"7.3 base64 of random bytes", base64_encode("\x01\x02\x03\x04"),
       "initdata: gzip: not gzip data (magic bytes missing); encode with: gzip | base64 -w0"},
      {"7.4 base64url alphabet", url_value,
       "initdata: base64: invalid character '" + std::string(1, url_value[url_at]) + "' at offset " + std::to_string(url_at) +
           " (standard alphabet required, not base64url)"},
      {"7.4 missing padding", unpadded, "initdata: base64: missing '=' padding: length " + std::to_string(unpadded.size())},
      {"7.4 other character", "H4sI*AAA", "initdata: base64: invalid character '*' at offset 4"},
      {"7.5 line-wrapped base64", wrapped, "initdata: base64: line break at offset 76; the value must be one line (encode with base64 -w0)"},
      {"7.6 empty value", "", "initdata: value is empty; both Kata shims silently skip empty initdata"},
      {"7.7 unterminated '''", initdata_encode(header + "\"aa.toml\" = '''\n[x]\n"), "initdata: toml: "},
      {"7.7 duplicate key", initdata_encode(header + "\"a\" = \"1\"\n\"a\" = \"2\"\n"), " at line 6 column"},
      {"7.7 bad quoting", initdata_encode("version = \"0.1.0\nalgorithm = \"sha256\"\n[data]\n"), "initdata: toml: "},
      {"7.8 version missing", initdata_encode("algorithm = \"sha256\"\n[data]\n"), "initdata: version is missing; set version = \"0.1.0\""},
      {"7.8 version wrong", initdata_encode(replace(doc(good_aa, good_cdh), "0.1.0", "0.2.0")),
       "initdata: version is \"0.2.0\"; only \"0.1.0\" is accepted"},
      {"7.8 version not a string", initdata_encode(replace(doc(good_aa, good_cdh), "\"0.1.0\"", "1")),
       "initdata: version must be the string \"0.1.0\", got integer"},
      {"7.9 algorithm missing", initdata_encode("version = \"0.1.0\"\n[data]\n"), "initdata: algorithm is missing"},
      {"7.9 algorithm SHA256", initdata_encode(replace(doc(good_aa, good_cdh), "\"sha256\"", "\"SHA256\"")),
       "initdata: algorithm is \"SHA256\"; only \"sha256\", \"sha384\" or \"sha512\" (exact, lowercase) are accepted; write \"sha256\""},
      {"7.9 algorithm sha-256", initdata_encode(replace(doc(good_aa, good_cdh), "\"sha256\"", "\"sha-256\"")), "write \"sha256\""},
      {"7.9 algorithm md5", initdata_encode(replace(doc(good_aa, good_cdh), "\"sha256\"", "\"md5\"")), "initdata: algorithm is \"md5\""},
      {"7.10 [data] missing", initdata_encode("version = \"0.1.0\"\nalgorithm = \"sha256\"\n"), "initdata: [data] table is missing"},
      {"7.11 integer value", initdata_encode(header + "\"aa.toml\" = 1\n"),
       "initdata: data.\"aa.toml\": value must be a string (a TOML string or '''multi-line literal'''), got integer"},
      {"7.11 sub-table value", initdata_encode(header + "[data.\"cdh.toml\"]\nkbc = \"x\"\n"), "initdata: data.\"cdh.toml\": value must be a string"},
      {"7.11 array value", initdata_encode(header + "\"policy.rego\" = [\"a\"]\n"), "got array"},
      {"unknown [data] key", initdata_encode(doc(good_aa, good_cdh) + "\"aa.tml\" = \"\"\n"),
       "initdata: data.\"aa.tml\": unknown key (warning: the agent reads only"},
      {"unknown top-level key", initdata_encode("extra = 1\n" + doc(good_aa, good_cdh)), "initdata: unknown top-level key \"extra\""},
      {"7.12 aa.toml not TOML", initdata_encode(doc("[token_configs\n", good_cdh)), "initdata: data.\"aa.toml\": toml: "},
      {"7.12 kbs url missing", initdata_encode(doc("[token_configs.kbs]\ncert = \"\"\n", good_cdh)),
       "initdata: data.\"aa.toml\": [token_configs.kbs].url is missing"},
      {"7.12 kbs url not http", initdata_encode(doc("[token_configs.kbs]\nurl = \"kbs.example.com\"\n", good_cdh)),
       "[token_configs.kbs].url \"kbs.example.com\" is not an http(s) URL"},
      {"7.12 coco_as url missing", initdata_encode(doc("[token_configs.coco_as]\n", good_cdh)), "[token_configs.coco_as].url is missing"},
      {"7.13 [kbc] missing", initdata_encode(doc(good_aa, "socket = \"unix:///run/x.sock\"\n")),
       "initdata: data.\"cdh.toml\": [kbc] is missing"},
      {"7.13 kbc.name missing", initdata_encode(doc(good_aa, "[kbc]\nurl = \"https://k\"\n")), "initdata: data.\"cdh.toml\": [kbc].name is missing"},
      {"7.13 kbc.url missing", initdata_encode(doc(good_aa, "[kbc]\nname = \"cc_kbc\"\n")), "initdata: data.\"cdh.toml\": [kbc].url is missing"},
      {"7.13 kbc.name unsupported", initdata_encode(doc(good_aa, replace(good_cdh, "cc_kbc", "sample_kbc"))),
       "[kbc].name \"sample_kbc\" is not a supported KBC (cc_kbc or offline_fs_kbc)"},
      {"7.14 address instead of repository",
       initdata_encode(doc(good_aa, cdh_with("[image]\nimage_security_policy_uri = \"kbs://default/key/1\"\n"))),
       "[image].image_security_policy_uri: resource URI \"kbs://default/key/1\" has 2 path segment(s); the default KBS plugin needs "
       "exactly 3 (<repository>/<type>/<tag>); \"default\" was read as the KBS address: write kbs:///default/key/1"},
      {"7.14 https URI", initdata_encode(doc(good_aa, cdh_with("[image]\nsigstore_config_uri = \"https://x/y\"\n"))),
       "resource URI \"https://x/y\" has scheme \"https\"; only kbs:// (or kbs+<plugin>://)"},
      {"7.14 credential URI segments",
       initdata_encode(doc(good_aa, cdh_with("[[credentials]]\nresource_uri = \"kbs:///default/key\"\npath = \"/run/confidential-containers/cdh/kbs/k\"\n"))),
       "credentials[0].resource_uri: resource URI \"kbs:///default/key\" has 2 path segment(s)"},
      {"7.15 path outside",
       initdata_encode(doc(good_aa, cdh_with("[[credentials]]\nresource_uri = \"kbs:///default/key/1\"\npath = \"/etc/shadow\"\n"))),
       "initdata: data.\"cdh.toml\": credentials[0].path: path \"/etc/shadow\" is outside /run/confidential-containers/cdh/kbs/"},
      {"7.15 path prefix trick",
       initdata_encode(doc(good_aa, cdh_with("[[credentials]]\nresource_uri = \"kbs:///default/key/1\"\npath = \"/run/confidential-containers/cdh/kbsx/a\"\n"))),
       "is outside /run/confidential-containers/cdh/kbs/"},
      {"7.15 path dot-dot",
       initdata_encode(doc(good_aa, cdh_with("[[credentials]]\nresource_uri = \"kbs:///default/key/1\"\npath = \"/run/confidential-containers/cdh/kbs/../../../etc/x\"\n"))),
       "contains a '..' segment (CDH refuses it)"},
      {"7.15 path missing", initdata_encode(doc(good_aa, cdh_with("[[credentials]]\nresource_uri = \"kbs:///default/key/1\"\n"))),
       "credentials[0].path is missing"},
      {"7.16 not PEM", with_cert("hello\n"),
       "initdata: data.\"aa.toml\": [token_configs.kbs].cert: is not a PEM certificate (no -----BEGIN CERTIFICATE----- block)"},
      {"7.16 expired", with_cert(read_data("certs/expired-ca.pem")), "certificate 1 (/CN=coco-admit expired CA) has expired"},
      {"7.16 leaf", with_cert(read_data("certs/leaf.pem")),
       "certificate 1 (/CN=kbs.example.com) is a leaf certificate (basicConstraints CA:TRUE missing); a CA certificate is expected"},
      {"7.16 SHA-1", with_cert(read_data("certs/sha1-ca.pem")), "(/CN=coco-admit SHA-1 CA) is signed with SHA1, which is broken"},
      {"7.16 RSA-512", with_cert(read_data("certs/rsa512-ca.pem")), "has a 512-bit RSA key (at least 1024 bits required)"},
      {"7.16 private key", with_cert("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
       "PEM block 1 is a \"PRIVATE KEY\", not a CERTIFICATE (a private key must never be placed in initdata)"},
      {"7.16 kbs_cert second block", initdata_encode(doc(good_aa, cdh_with("kbs_cert = \"\"\"\n" + read_data("certs/ca.pem") +
                                                                           read_data("certs/leaf.pem") + "\"\"\"\n"))),
       "initdata: data.\"cdh.toml\": [kbc].kbs_cert: certificate 2 (/CN=kbs.example.com) is a leaf certificate"},
      {"7.16 extra_root_certificates", initdata_encode(doc(good_aa, cdh_with("[image]\nextra_root_certificates = [\"x\"]\n"))),
       "[image].extra_root_certificates[0]: is not a PEM certificate"},
      {"7.17 wrong package", initdata_encode(doc(good_aa, good_cdh, replace(good_policy, "package agent_policy", "package policy"))),
       "initdata: data.\"policy.rego\": declares package \"policy\"; it must be `package agent_policy`"},
      {"7.17 no package", initdata_encode(doc(good_aa, good_cdh, replace(good_policy, "package agent_policy", "# none"))),
       "does not start with a package declaration"},
      {"7.17 does not parse", initdata_encode(doc(good_aa, good_cdh, good_policy + "x if {\n")),
       "initdata: data.\"policy.rego\": does not parse: '{' opened at line 16 is never closed"},
      {"7.17 unterminated string", initdata_encode(doc(good_aa, good_cdh, good_policy + "x := \"abc\n")),
       "does not parse: unterminated string starting at line 16"},
      {"7.18 only default allow", initdata_encode(doc(good_aa, good_cdh, "package agent_policy\n\ndefault allow = true\n")),
       "initdata: data.\"policy.rego\": no rule or default for CreateContainerRequest, CreateSandboxRequest, DestroySandboxRequest, "
       "ExecProcessRequest, SetPolicyRequest, ReadStreamRequest, StartContainerRequest, WaitProcessRequest (the agent denies "
       "undefined requests, so the sandbox fails)"},
      {"7.18 one missing", initdata_encode(doc(good_aa, good_cdh, replace(good_policy, "WaitProcessRequest := true\n", ""))),
       "no rule or default for WaitProcessRequest "},
      {"7.19 AllowRequestsFailingPolicy", initdata_encode(doc(good_aa, good_cdh, good_policy + "default AllowRequestsFailingPolicy := true\n")),
       "line 16: AllowRequestsFailingPolicy := true makes the agent allow every request"},
      {"7.26 annotation too large", std::string(300 * 1024, 'A'), "initdata: value is 307200 bytes, more than the 262144-byte limit"},
      {"gzip bomb", initdata_encode(huge_toml), "initdata: gzip: decompressed size exceeds 1048576 bytes (gzip bomb protection)"},
      {"gzip trailing data", base64_encode(gz + "junk"), "initdata: gzip: 4 bytes of trailing data after the gzip stream"},
      {"gzip truncated", base64_encode(gz.substr(0, gz.size() / 2)), "initdata: gzip: truncated gzip stream"},
  };
  for (const auto& t : cases) {
    auto errs = initdata_errors(t.value);
    std::string all = join(errs);
    EXPECT_NE(all.find(t.want), std::string::npos) << t.name << "\nwant: " << t.want << "\ngot:\n" << all;
    for (const auto& e : errs) EXPECT_EQ(e.rfind("initdata: ", 0), 0u) << t.name << ": " << e;
  }
}

TEST(InitdataErrors, RecoversFromBase64FormattingAndKeepsChecking) {
  // A wrapped value with a deeper problem reports both.
  std::string v = initdata_encode(doc(good_aa, "[kbc]\nname = \"cc_kbc\"\n"));
  v.insert(40, "\n");
  auto errs = initdata_errors(v);
  ASSERT_EQ(errs.size(), 2u) << join(errs);
  EXPECT_NE(errs[0].find("line break at offset 40"), std::string::npos);
  EXPECT_NE(errs[1].find("[kbc].url is missing"), std::string::npos);
}

TEST(InitdataErrors, CustomLimits) {
  initdata_limits small;
  small.max_annotation_bytes = 16;
  auto errs = initdata_errors(initdata_encode(read_data("minimal.toml")), small);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_NE(errs[0].find("more than the 16-byte limit"), std::string::npos);
  small = initdata_limits{};
  small.max_toml_bytes = 100;
  errs = initdata_errors(initdata_encode(read_data("minimal.toml")), small);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_NE(errs[0].find("gzip bomb protection"), std::string::npos);
}

TEST(InitdataDecode, ExampleDocument) {
  std::string toml = read_data("example-initdata.toml");
  auto v = initdata_decode(initdata_encode(toml));
  ASSERT_TRUE(v.ok()) << v.err().message;
  EXPECT_EQ(v->find("version")->as_string(), "0.1.0");
  EXPECT_EQ(v->find("algorithm")->as_string(), "sha384");
  const auto* data = v->find("data");
  ASSERT_NE(data, nullptr);
  ASSERT_EQ(data->size(), 3u);
  EXPECT_EQ(data->find("policy.rego")->as_string().rfind("package agent_policy\n", 0), 0u);
  EXPECT_EQ(data->find("aa.toml")->as_string().rfind("[token_configs]\n", 0), 0u);
  auto text = initdata_decode_toml(initdata_encode(toml));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, toml);
}

TEST(InitdataDecode, Failures) {
  struct c { std::string name, value, want; };
  const c cases[] = {
      {"empty", "", "initdata: value is empty"},
      {"base64", "H4sI-AAA", "initdata: base64: invalid character '-' at offset 4"},
      {"not gzip", base64_encode("version = 1"), "initdata: gzip: not gzip data (magic bytes missing); encode with: gzip | base64 -w0"},
      {"toml", initdata_encode("version = \n"), "initdata: toml: "},
      {"version type", initdata_encode("version = 1\nalgorithm = \"sha256\"\n[data]\n"), "initdata: version must be a string, got integer"},
      {"no data", initdata_encode("version = \"0.1.0\"\nalgorithm = \"sha256\"\n"), "initdata: [data] table is missing"},
      {"non-string data", initdata_encode(header + "a = 1\n"), "initdata: data.\"a\": value must be a string, got integer"},
  };
  for (const auto& t : cases) {
    auto r = initdata_decode(t.value);
    ASSERT_FALSE(r.ok()) << t.name;
    EXPECT_NE(r.err().message.find(t.want), std::string::npos) << t.name << ": " << r.err().message;
  }
}

TEST(InitdataEncode, DeterministicAndRoundTrips) {
  std::string toml = read_data("minimal.toml");
  std::string a = initdata_encode(toml);
  EXPECT_EQ(a, initdata_encode(toml));
  EXPECT_EQ(a.find('\n'), std::string::npos);
  // 1f 8b 08 00, mtime 0: every encoding starts with this prefix.
  EXPECT_EQ(a.rfind("H4sIAAAAAAAC/", 0), 0u) << a;
  EXPECT_EQ(*initdata_decode_toml(a), toml);
}

TEST(InitdataDigest, KnownAnswers) {
  const std::string example = initdata_encode(read_data("example-initdata.toml"));
  const std::string minimal = initdata_encode(read_data("minimal.toml"));
  const std::string empty = initdata_encode(read_data("empty-data.toml"));
  const std::string ex384 =
      "97a4040c7a9c22bdd269ada66503133166c6cbbb6eb80e02359043846746d9728d7f8c30ccfb422cabe78a1bafd18fa1";
  const std::string min256 = "d7841f044a07ffac7205f00a48d83e0ab0a243dd8d8da32503224d7ed8ccbfc9";
  const std::string empty512 =
      "b2990822659a11d57c0bc2cc7219bc2468d507e4c9acb0e2203678ca198de3b806d4794f17ee976b41028b8735ea0dabb3b1b2742c20d7e944bcd8e9c92a0952";
  auto zeros = [](std::size_t bytes) { return std::string(bytes * 2, '0'); };
  struct c { std::string name, value; platform p; std::string hex; };
  const c cases[] = {
      {"example raw (sha384sum)", example, platform::raw, ex384},
      {"example tdx", example, platform::tdx, ex384},
      {"example snp truncated", example, platform::snp, ex384.substr(0, 64)},
      {"example cca padded", example, platform::cca, ex384 + zeros(16)},
      {"example se padded", example, platform::se, ex384 + zeros(208)},
      {"minimal raw (sha256sum)", minimal, platform::raw, min256},
      {"minimal snp", minimal, platform::snp, min256},
      {"minimal tdx padded", minimal, platform::tdx, min256 + zeros(16)},
      {"empty raw (sha512sum)", empty, platform::raw, empty512},
      {"empty snp", empty, platform::snp, empty512.substr(0, 64)},
      {"empty tdx", empty, platform::tdx, empty512.substr(0, 96)},
      {"empty cca", empty, platform::cca, empty512},
  };
  for (const auto& t : cases) {
    auto d = initdata_digest_hex(t.value, t.p);
    ASSERT_TRUE(d.ok()) << t.name << ": " << d.err().message;
    EXPECT_EQ(*d, t.hex) << t.name;
  }
  EXPECT_EQ(ex384.rfind("97a4040c", 0), 0u);
  EXPECT_EQ(ex384.substr(ex384.size() - 9), "bafd18fa1");
  EXPECT_EQ(base64_encode(*initdata_digest_bytes(example, platform::tdx)), "l6QEDHqcIr3Saa2mZQMTMWbGy7tuuA4CNZBDhGdG2XKNf4wwzPtCLKvnihuv0Y+h");
  EXPECT_EQ(base64_encode(*initdata_digest_bytes(example, platform::snp)), "l6QEDHqcIr3Saa2mZQMTMWbGy7tuuA4CNZBDhGdG2XI=");
}

TEST(InitdataDigest, IgnoresGzipHeaderButNotTomlBytes) {
  std::string toml = read_data("minimal.toml");
  std::string gz = gzip_deterministic(toml);
  gz[4] = 0x12;  // mtime
  gz[9] = 3;     // OS = Unix
  auto a = initdata_digest_hex(base64_encode(gz), platform::raw);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, *initdata_digest_hex(initdata_encode(toml), platform::raw));
  EXPECT_NE(*a, *initdata_digest_hex(initdata_encode(toml + "\n"), platform::raw));
}

TEST(InitdataDigest, Failures) {
  auto r = initdata_digest_hex(initdata_encode(replace(read_data("minimal.toml"), "sha256", "md5")), platform::snp);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.err().message.find("algorithm \"md5\" is not sha256, sha384 or sha512"), std::string::npos);
  EXPECT_FALSE(initdata_digest_hex("", platform::raw).ok());
  for (const char* p : {"raw", "snp", "tdx", "cca", "se"}) EXPECT_TRUE(parse_platform(p).ok()) << p;
  auto bad = parse_platform("sgx");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.err().message, "unknown platform \"sgx\" (expected raw, snp, tdx, cca or se)");
}

// The analysis the CoCo functions and the audit share must give exactly what each function gives alone, on good
// values and on values broken at every layer (the strict layers, the forgiving base64 diagnosis, TOML, schema).
TEST(InitdataAnalysis, EqualsEachFunctionAlone) {
  const std::string good_value = initdata_encode(doc(good_aa, good_cdh, good_policy));
  std::string wrapped = good_value;
  wrapped.insert(40, "\n");
  std::string url_value = good_value;
  url_value[url_value.find_first_of("+/")] = '-';
  const std::string gz = gzip_deterministic(doc(good_aa, good_cdh));
  std::vector<std::string> values = {
      good_value,
      initdata_encode(read_data("example-initdata.toml")),
      initdata_encode(read_data("minimal.toml")),
      initdata_encode(read_data("empty-data.toml")),
      "",
      "not base64!",
      wrapped,
      url_value,
      doc(good_aa, good_cdh),
      base64_encode(doc(good_aa, good_cdh)),
      base64_encode(gz + "junk"),
      base64_encode(gz.substr(0, gz.size() / 2)),
      initdata_encode("version = \n"),
      initdata_encode("version = 1\nalgorithm = \"sha256\"\n[data]\n"),
      initdata_encode("version = \"0.1.0\"\nalgorithm = \"sha256\"\n"),
      initdata_encode(header + "a = 1\n"),
      initdata_encode(replace(read_data("minimal.toml"), "sha256", "md5")),
      initdata_encode("version = \"0.1.0\"\n[data]\n"),
      std::string(300 * 1024, 'A'),
  };
  // Every truncation point of a small good value crosses each layer's failure modes.
  const std::string small = initdata_encode(read_data("minimal.toml"));
  for (std::size_t n = 0; n < small.size(); n += 3) values.push_back(small.substr(0, n));
  for (const auto& v : values) {
    const std::string name = v.size() > 60 ? v.substr(0, 60) + "..." : v;
    const initdata_analysis a = analyse_initdata(v);
    EXPECT_EQ(join(a.errors), join(initdata_errors(v))) << name;
    const auto decoded = initdata_decode(v);
    ASSERT_EQ(a.decoded.ok(), decoded.ok()) << name;
    if (decoded.ok()) EXPECT_TRUE(*a.decoded == *decoded) << name;
    else EXPECT_EQ(a.decoded.err().message, decoded.err().message) << name;
    const auto measured = initdata_measure(v);
    ASSERT_EQ(a.measured.ok(), measured.ok()) << name;
    if (measured.ok()) {
      EXPECT_EQ(a.measured->algorithm, measured->algorithm) << name;
      EXPECT_EQ(a.measured->digest, measured->digest) << name;
    } else {
      EXPECT_EQ(a.measured.err().message, measured.err().message) << name;
    }
  }
}
