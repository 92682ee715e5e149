// End-to-end tests of `coco-admit initdata`: runs the built binary through
// /bin/sh (popen) and checks stdout and the exit status.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

struct run_result {
  std::string out;
  int status = -1;
};

std::string data(const std::string& name) { return std::string(COCO_ADMIT_SOURCE_DIR) + "/tests/data/coco/" + name; }

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

// Runs a shell command line; `cmd` may use $BIN for the coco-admit binary.
run_result run(const std::string& cmd) {
  std::string line = "BIN=" + quote(COCO_ADMIT_BINARY) + "; " + cmd + " 2>&1";
  run_result r;
  FILE* p = popen(line.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string trim(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::string encode(const std::string& file) { return trim(run("$BIN initdata encode " + quote(data(file))).out); }

const std::string example_sha384 =
    "97a4040c7a9c22bdd269ada66503133166c6cbbb6eb80e02359043846746d9728d7f8c30ccfb422cabe78a1bafd18fa1";

}  // namespace

TEST(InitdataCli, Commands) {
  const std::string example = encode("example-initdata.toml");
  const std::string minimal = encode("minimal.toml");
  ASSERT_EQ(example.rfind("H4sIAAAAAAAC/", 0), 0u) << example;
  struct c { std::string name, cmd; int status; std::string out; bool exact; };
  const c cases[] = {
      {"encode is deterministic", "$BIN initdata encode " + quote(data("minimal.toml")), 0, minimal + "\n", true},
      {"encode stdin", "$BIN initdata encode - < " + quote(data("minimal.toml")), 0, minimal + "\n", true},
      {"encode missing file", "$BIN initdata encode /nonexistent/x.toml", 2, "coco-admit: cannot open /nonexistent/x.toml", false},
      {"check ok", "$BIN initdata check " + minimal, 0, "initdata: ok\n", true},
      {"check stdin", "printf '%s\\n' " + minimal + " | $BIN initdata check -", 0, "initdata: ok\n", true},
      {"check elided PEMs", "$BIN initdata check " + example, 1,
       "initdata: data.\"aa.toml\": [token_configs.kbs].cert: PEM block 1 is not a parsable X.509 certificate", false},
      {"check plain TOML file", "$BIN initdata check " + quote(data("minimal.toml")), 1, "initdata: value is plain TOML", false},
      {"check empty", "$BIN initdata check ''", 1, "initdata: value is empty", false},
      {"decode toml", "$BIN initdata decode " + minimal + " | cmp - " + quote(data("minimal.toml")) + " && echo same", 0, "same\n", true},
      {"decode json", "$BIN initdata decode --json " + example, 0, "  \"algorithm\": \"sha384\",\n", false},
      {"decode bad", "$BIN initdata decode H4sI-AAA", 2, "coco-admit: initdata: base64: invalid character '-' at offset 4", false},
      {"digest raw", "$BIN initdata digest --platform raw " + example, 0, example_sha384 + "\n", true},
      {"digest tdx base64", "$BIN initdata digest --platform tdx --format base64 " + example, 0,
       "l6QEDHqcIr3Saa2mZQMTMWbGy7tuuA4CNZBDhGdG2XKNf4wwzPtCLKvnihuv0Y+h\n", true},
      {"digest snp base64", "$BIN initdata digest --format base64 --platform snp " + example, 0,
       "l6QEDHqcIr3Saa2mZQMTMWbGy7tuuA4CNZBDhGdG2XI=\n", true},
      {"digest snp hex", "$BIN initdata digest --platform snp " + example, 0, example_sha384.substr(0, 64) + "\n", true},
      {"digest cca", "$BIN initdata digest --platform cca " + example, 0, example_sha384 + std::string(32, '0') + "\n", true},
      {"digest minimal sha256", "$BIN initdata digest --platform raw " + minimal, 0,
       "d7841f044a07ffac7205f00a48d83e0ab0a243dd8d8da32503224d7ed8ccbfc9\n", true},
      {"digest bad platform", "$BIN initdata digest --platform sgx " + example, 2, "--platform: sgx not in {raw,snp,tdx,cca,se}", false},
      {"digest platform required", "$BIN initdata digest " + example, 2, "--platform is required", false},
      {"digest bad format", "$BIN initdata digest --platform snp --format b64 " + example, 2, "--format: b64 not in", false},
      {"digest invalid value", "$BIN initdata digest --platform snp ''", 2, "coco-admit: initdata: value is empty", false},
      {"no subcommand", "$BIN initdata", 2, "A subcommand is required", false},
  };
  for (const auto& t : cases) {
    run_result r = run(t.cmd);
    EXPECT_EQ(r.status, t.status) << t.name << "\n" << r.out;
    if (t.exact) {
      EXPECT_EQ(r.out, t.out) << t.name;
    } else {
      EXPECT_NE(r.out.find(t.out), std::string::npos) << t.name << "\nwant: " << t.out << "\ngot: " << r.out;
    }
  }
}

TEST(InitdataCli, ValueFileAndCoreutilsEncoding) {
  if (run("command -v gzip && command -v base64 && command -v sha384sum").status != 0) {
    GTEST_SKIP() << "gzip/base64/sha384sum not installed";
  }
  const std::string toml = data("example-with-ca.toml");
  auto tmp = std::filesystem::temp_directory_path() / ("coco-admit-initdata-" + std::to_string(::getpid()));
  std::filesystem::create_directories(tmp);
  const std::string value_file = (tmp / "value.b64").string();
  // The documented recipe (gzip with a file name and mtime in the header, then
  // base64 -w0) must check clean, and its digest must equal sha384sum of the TOML.
  ASSERT_EQ(run("gzip -c " + quote(toml) + " | base64 -w0 > " + quote(value_file) + " && echo >> " + quote(value_file)).status, 0);
  run_result check = run("$BIN initdata check " + quote(value_file));
  EXPECT_EQ(check.status, 0) << check.out;
  EXPECT_EQ(check.out, "initdata: ok\n");
  run_result digest = run("$BIN initdata digest --platform raw " + quote(value_file));
  run_result sum = run("sha384sum < " + quote(toml) + " | cut -d' ' -f1");
  EXPECT_EQ(digest.status, 0) << digest.out;
  EXPECT_EQ(digest.out, sum.out);
  // A line-wrapped value (base64 without -w0) is reported.
  ASSERT_EQ(run("gzip -c " + quote(toml) + " | base64 > " + quote(value_file)).status, 0);
  run_result wrapped = run("$BIN initdata check " + quote(value_file));
  EXPECT_EQ(wrapped.status, 1);
  EXPECT_NE(wrapped.out.find("initdata: base64: line break at offset 76"), std::string::npos) << wrapped.out;
  std::filesystem::remove_all(tmp);
}
