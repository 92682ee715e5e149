// `coco-admit initdata encode|decode|check|digest`: the security team's tool
// for producing the cc_init_data annotation value and the reference values
// (per-platform digests) it loads into the attestation service.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "coco-admit/core/coco/base64.h"
#include "coco-admit/core/coco/initdata.h"
#include "coco-admit/core/json.h"
#include "commands.h"

namespace coco_admit::cli {
namespace {

struct initdata_options {
  std::string input;
  std::string platform_name = "raw";
  std::string format = "hex";
  bool json = false;
};

result<std::string> read_stream(std::istream& in, const std::string& what) {
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return error::invalid("cannot read " + what);
  return data;
}

result<std::string> read_file(const std::string& path) {
  if (path == "-") return read_stream(std::cin, "standard input");
  std::ifstream in(path, std::ios::binary);
  if (!in) return error::not_found("cannot open " + path);
  return read_stream(in, path);
}

// VALUE|FILE: a path when such a file exists (or "-" for stdin), else the
// literal value. Trailing line breaks of a file are dropped (`base64 -w0 >
// file` adds none but editors do); line breaks inside stay and are reported.
result<std::string> read_value(const std::string& arg) {
  std::error_code ec;
  if (arg != "-" && !std::filesystem::is_regular_file(arg, ec)) return arg;
  auto data = read_file(arg);
  if (!data.ok()) return data;
  while (!data->empty() && (data->back() == '\n' || data->back() == '\r')) data->pop_back();
  return data;
}

int fail(const std::string& message) {
  std::cerr << "coco-admit: " << message << "\n";
  return 2;
}

}  // namespace

void add_initdata_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("initdata", "Encode, decode, check and digest Kata initdata (cc_init_data) values");
  cmd->require_subcommand(1);
  auto opts = std::make_shared<initdata_options>();

  auto* encode = cmd->add_subcommand("encode", "Print base64(gzip(TOML)) of a TOML file, deterministic bytes");
  encode->add_option("FILE", opts->input, "initdata TOML file ('-' for stdin)")->required();
  encode->callback([opts, &exit_code] {
    auto toml = read_file(opts->input);
    if (!toml.ok()) {
      exit_code = fail(toml.err().message);
      return;
    }
    std::cout << coco::initdata_encode(*toml) << "\n";
    exit_code = 0;
  });

  auto* decode = cmd->add_subcommand("decode", "Print the TOML inside a value (or JSON {version, algorithm, data} with --json)");
  decode->add_option("VALUE", opts->input, "annotation value, or a file holding it ('-' for stdin)")->required();
  decode->add_flag("--json", opts->json, "print {version, algorithm, data} as JSON");
  decode->callback([opts, &exit_code] {
    auto v = read_value(opts->input);
    if (!v.ok()) {
      exit_code = fail(v.err().message);
      return;
    }
    if (opts->json) {
      auto doc = coco::initdata_decode(*v);
      if (!doc.ok()) {
        exit_code = fail(doc.err().message);
        return;
      }
      std::cout << json::serialize_pretty(*doc) << "\n";
    } else {
      auto toml = coco::initdata_decode_toml(*v);
      if (!toml.ok()) {
        exit_code = fail(toml.err().message);
        return;
      }
      std::cout << *toml;
    }
    exit_code = 0;
  });

  auto* check = cmd->add_subcommand("check", "Print every problem of a value; exit 1 if there is any");
  check->add_option("VALUE", opts->input, "annotation value, or a file holding it ('-' for stdin)")->required();
  check->callback([opts, &exit_code] {
    auto v = read_value(opts->input);
    if (!v.ok()) {
      exit_code = fail(v.err().message);
      return;
    }
    auto errs = coco::initdata_errors(*v);
    for (const auto& e : errs) std::cout << e << "\n";
    if (errs.empty()) std::cout << "initdata: ok\n";
    exit_code = errs.empty() ? 0 : 1;
  });

  auto* digest = cmd->add_subcommand(
      "digest", "Print the initdata digest as the TEE measures it (raw, SNP HOST_DATA, TDX MRCONFIGID, CCA, SE)");
  digest->add_option("--platform", opts->platform_name, "raw | snp | tdx | cca | se")
      ->required()
      ->check(CLI::IsMember({"raw", "snp", "tdx", "cca", "se"}));
  digest->add_option("--format", opts->format, "hex (default) | base64")->check(CLI::IsMember({"hex", "base64"}));
  digest->add_option("VALUE", opts->input, "annotation value, or a file holding it ('-' for stdin)")->required();
  digest->callback([opts, &exit_code] {
    auto v = read_value(opts->input);
    if (!v.ok()) {
      exit_code = fail(v.err().message);
      return;
    }
    auto p = coco::parse_platform(opts->platform_name);
    if (!p.ok()) {
      exit_code = fail(p.err().message);
      return;
    }
    auto out = opts->format == "base64" ? coco::initdata_digest_bytes(*v, *p) : coco::initdata_digest_hex(*v, *p);
    if (!out.ok()) {
      exit_code = fail(out.err().message);
      return;
    }
    std::cout << (opts->format == "base64" ? coco::base64_encode(*out) : *out) << "\n";
    exit_code = 0;
  });
}

}  // namespace coco_admit::cli
