// `coco-admit test PATH...`: Kyverno `kyverno test` suites run on coco-admit's
// engine. Output: one line per checked (result entry, resource), then
// `N passed, M failed` alone on the last line. Exit 0 iff every check passed,
// 1 when one failed, 2 when a test file (or a file it names) is unreadable.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "coco-admit/core/json.h"
#include "commands.h"
#include "kyverno_test.h"

namespace coco_admit::cli {
namespace {

struct test_options {
  std::vector<std::string> paths;
  bool detailed = false;
  bool json = false;
  bool strict = false;
};

std::string rule_label(const kyverno_test::check& c) {
  return c.policy + "/" + (c.rule.empty() ? std::string("*") : c.rule);
}

std::string resource_label(const kyverno_test::check& c) {
  return (c.kind.empty() ? std::string() : c.kind + "/") + c.resource;
}

/// Messages go on one line: the report is line oriented.
std::string one_line(std::string s) {
  for (char& ch : s) {
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  }
  return s;
}

value to_json(const kyverno_test::suite_result& r) {
  value out = value::object();
  out.set("file", value(r.file));
  out.set("name", value(r.name));
  out.set("error", value(r.error));
  out.set("entries", value(static_cast<long long>(r.entries)));
  out.set("passedEntries", value(static_cast<long long>(r.passed_entries())));
  out.set("lenientChecks", value(static_cast<long long>(r.lenient_checks())));
  out.set("passed", value(r.passed()));
  value checks = value::array();
  for (const kyverno_test::check& c : r.checks) {
    value j = value::object();
    j.set("entry", value(static_cast<long long>(c.entry)));
    j.set("policy", value(c.policy));
    j.set("rule", value(c.rule));
    j.set("kind", value(c.kind));
    j.set("resource", value(c.resource));
    j.set("expected", value(c.expected));
    j.set("actual", value(c.actual));
    j.set("passed", value(c.passed));
    j.set("lenient", value(c.lenient));
    j.set("message", value(c.message));
    checks.push_back(std::move(j));
  }
  out.set("checks", std::move(checks));
  return out;
}

int run_tests(const test_options& opt) {
  auto files = kyverno_test::find_test_files(opt.paths);
  if (!files.ok()) {
    std::cerr << "coco-admit test: " << files.err().message << "\n";
    return 2;
  }
  std::size_t passed = 0, failed = 0, lenient = 0;
  kyverno_test::options run_opt;
  run_opt.strict = opt.strict;
  bool unreadable = false;
  value report = value::array();
  for (const std::string& f : *files) {
    kyverno_test::suite_result r = kyverno_test::run_suite(f, run_opt);
    if (!r.error.empty()) {
      unreadable = true;
      std::cerr << "ERROR " << r.error << "\n";
    }
    if (opt.json) {
      report.push_back(to_json(r));
    } else if (r.error.empty()) {
      std::cout << "TEST  " << f << (r.name.empty() ? "" : "  (" + r.name + ")") << "\n";
    }
    for (const kyverno_test::check& c : r.checks) {
      (c.passed ? passed : failed)++;
      lenient += c.lenient ? 1 : 0;
      if (opt.json) continue;
      std::cout << (c.lenient ? "PASS* " : c.passed ? "PASS  " : "FAIL  ") << rule_label(c) << "  "
                << resource_label(c) << "  ";
      if (c.lenient) {
        std::cout << "result=" << c.expected << " (Kyverno CLI leniency): " << one_line(c.message);
      } else if (c.passed) {
        std::cout << "result=" << c.expected;
        if (opt.detailed && !c.message.empty()) std::cout << ": " << one_line(c.message);
      } else {
        std::cout << "expected=" << c.expected << " actual=" << (c.actual.empty() ? "none" : c.actual);
        if (!c.message.empty()) std::cout << ": " << one_line(c.message);
      }
      std::cout << "\n";
    }
  }
  if (opt.json) {
    std::cout << json::serialize_pretty(report) << "\n";
  } else {
    if (lenient > 0) {
      std::cout << lenient << " of the passes (PASS*) rely on the Kyverno CLI's leniency; --strict fails them\n";
    }
    std::cout << passed << " passed, " << failed << " failed\n";
  }
  if (unreadable) return 2;
  return failed == 0 ? 0 : 1;
}

}  // namespace

void add_test_command(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<test_options>();
  auto* cmd = app.add_subcommand("test", "Run Kyverno CLI test suites (kyverno-test.yaml) on coco-admit's engine");
  cmd->add_option("paths", opt->paths, "kyverno-test.yaml files, or directories searched recursively")
      ->required();
  cmd->add_flag("-v,--detailed-results", opt->detailed, "Also print the engine message of passing checks");
  cmd->add_flag("--strict", opt->strict,
                "Fail the entries the Kyverno CLI passes without checking (unknown rule names, expected fail)");
  cmd->add_flag("--json", opt->json, "Print a JSON report (per suite, per check) instead of text lines");
  cmd->callback([opt, &exit_code] { exit_code = run_tests(*opt); });
}

}  // namespace coco_admit::cli
