// Kyverno policy-library conformance: every `kyverno-policies` suite listed in
// conformance/MANIFEST.tsv (197 `kyverno test` suites copied from
// github.com/kyverno/policies) is run through the built `coco-admit test`, one
// process per suite so one crash costs one suite, not the run.
//
// Ratchet: the number of passing suites must not drop below
// `min_passing_suites`. When more suites pass, raise it (docs/conformance.md
// says how). The failing suites are printed with the reason.
//
// Report: with COCO_ADMIT_CONFORMANCE_REPORT=<file> set, the test also writes
// the Markdown report (docs/conformance.md) from this very run, merging the
// hand-written diagnoses of tests/data/conformance-notes.tsv.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "coco-admit/core/json.h"

namespace {

using coco_admit::value;

/// Suites that pass today (out of 197). Raise it when more pass; never lower it.
constexpr std::size_t min_passing_suites = 197;

struct suite_row {
  std::string path;  ///< relative to conformance/
  std::string kind;
  std::string features;
  std::size_t results = 0;
};

struct suite_outcome {
  bool passed = false;
  std::size_t entries = 0;
  std::size_t passed_entries = 0;
  std::vector<std::string> reasons;  ///< why it did not pass
  std::vector<std::string> lenient;  ///< checks passed only through the Kyverno CLI's leniency
};

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(line);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

std::vector<suite_row> read_manifest(const std::string& file) {
  std::vector<suite_row> rows;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cols = split(line, '\t');
    if (cols.size() < 5 || cols[0] != "kyverno-policies") continue;
    rows.push_back({cols[1], cols[2], cols[3], static_cast<std::size_t>(std::strtoul(cols[4].c_str(), nullptr, 10))});
  }
  return rows;
}

std::map<std::string, std::string> read_notes(const std::string& file) {
  std::map<std::string, std::string> notes;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto tab = line.find('\t');
    if (tab != std::string::npos) notes[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return notes;
}

struct process_output {
  int exit_code = -1;  ///< -1: killed by a signal
  std::string out;
};

process_output run_binary(const std::string& args) {
  std::string cmd = std::string("\"") + COCO_ADMIT_BINARY + "\" " + args + " 2>/dev/null";
  process_output r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 8192> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string field(const value& obj, const char* key) {
  const value* v = obj.find(key);
  return v != nullptr && v->is_string() ? v->as_string() : std::string();
}

/// Table cells are one line and must not break the Markdown table.
std::string cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r') out += ' ';
    else if (c == '|') out += "\\|";
    else out += c;
  }
  constexpr std::size_t max_cell = 600;
  if (out.size() > max_cell) out = out.substr(0, max_cell) + "...";
  return out;
}

/// Paths in messages are shown relative to the conformance folder.
std::string relative(std::string s, const std::string& base) {
  const std::string prefix = base + "/";
  for (auto pos = s.find(prefix); pos != std::string::npos; pos = s.find(prefix, pos)) s.erase(pos, prefix.size());
  return s;
}

suite_outcome run_suite(const std::string& base, const std::string& file, std::size_t manifest_results) {
  suite_outcome o;
  o.entries = manifest_results;
  process_output r = run_binary("test --json \"" + file + "\"");
  if (r.exit_code < 0 || r.exit_code > 2) {
    o.reasons.push_back("coco-admit crashed or was killed (exit status " + std::to_string(r.exit_code) + ")");
    return o;
  }
  auto parsed = coco_admit::json::parse(r.out);
  if (!parsed.ok() || !parsed->is_array() || parsed->as_array().size() != 1) {
    o.reasons.push_back("unreadable runner output (exit " + std::to_string(r.exit_code) + ")");
    return o;
  }
  const value& s = parsed->as_array()[0];
  if (std::string err = field(s, "error"); !err.empty()) {
    o.reasons.push_back("load error: " + relative(err, base));
    return o;
  }
  if (const value* e = s.find("entries"); e != nullptr && e->is_integer()) o.entries = static_cast<std::size_t>(e->as_int());
  if (const value* e = s.find("passedEntries"); e != nullptr && e->is_integer()) {
    o.passed_entries = static_cast<std::size_t>(e->as_int());
  }
  if (const value* checks = s.find("checks"); checks != nullptr && checks->is_array()) {
    for (const value& c : checks->as_array()) {
      const value* ok = c.find("passed");
      const value* lenient = c.find("lenient");
      std::string where = field(c, "policy") + "/" + field(c, "rule") + " " + field(c, "kind") + "/" + field(c, "resource");
      if (lenient != nullptr && lenient->is_bool() && lenient->as_bool()) {
        o.lenient.push_back(relative(where + " (expected " + field(c, "expected") + "): " + field(c, "message"), base));
        continue;
      }
      if (ok != nullptr && ok->is_bool() && ok->as_bool()) continue;
      o.reasons.push_back(field(c, "policy") + "/" + field(c, "rule") + " " + field(c, "kind") + "/" +
                          field(c, "resource") + ": expected " + field(c, "expected") + ", got " + field(c, "actual") +
                          (field(c, "message").empty() ? "" : ": " + relative(field(c, "message"), base)));
    }
  }
  o.passed = r.exit_code == 0 && o.reasons.empty();
  return o;
}

std::string suite_name(const std::string& path) {
  // kyverno-policies/<category>/<policy>/.kyverno-test/kyverno-test.yaml -> <category>/<policy>
  std::string p = path;
  const std::string prefix = "kyverno-policies/";
  if (p.rfind(prefix, 0) == 0) p = p.substr(prefix.size());
  auto pos = p.find("/.kyverno-test/");
  if (pos != std::string::npos) p = p.substr(0, pos);
  return p;
}

void write_report(const std::string& out_file, const std::vector<suite_row>& rows,
                  const std::vector<suite_outcome>& outcomes, const std::map<std::string, std::string>& notes) {
  std::size_t suites_ok = 0, suites_strict = 0, entries = 0, entries_ok = 0;
  for (const suite_outcome& o : outcomes) {
    suites_ok += o.passed ? 1 : 0;
    suites_strict += o.passed && o.lenient.empty() ? 1 : 0;
    entries += o.entries;
    entries_ok += o.passed_entries;
  }
  std::ofstream out(out_file);
  out << "# Kyverno policy-library conformance\n\n"
      << "Generated from one run; regenerate with:\n\n"
      << "```sh\n"
      << "cmake --build build && COCO_ADMIT_CONFORMANCE_REPORT=$PWD/docs/conformance.md \\\n"
      << "  ctest --test-dir build -L conformance --output-on-failure\n"
      << "```\n\n"
      << "(configure with `-DCOCO_ADMIT_SHARED_DIR=/path/to/shared` when `../shared` is not next to the checkout).\n"
      << "The suites are the 197 `kyverno test` suites of github.com/kyverno/policies @ b9c4317 that stay inside\n"
      << "coco-admit's subset (`shared/conformance/MANIFEST.tsv`), each run as `coco-admit test <suite>`.\n"
      << "A suite passes when every check of every result entry passes. The ctest asserts at least\n"
      << "`min_passing_suites` (tests/conformance/kyverno_policies_test.cc) pass: raise it when this number grows.\n"
      << "Diagnoses come from `tests/data/conformance-notes.tsv`; the rest of the \"why\" column is the runner output.\n\n"
      << "**Suites passing: " << suites_ok << " / " << rows.size() << ". Result entries passing: " << entries_ok
      << " / " << entries << ".** Without the Kyverno CLI's leniency (`coco-admit test --strict`): " << suites_strict
      << " / " << rows.size() << " suites.\n\n";
  out << "## Not passing\n\n";
  if (suites_ok == rows.size()) out << "None.\n";
  else out << "| suite | kind | features | entries ok | why |\n|---|---|---|---|---|\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (outcomes[i].passed) continue;
    std::string why;
    auto note = notes.find(suite_name(rows[i].path));
    if (note != notes.end()) why = "**" + note->second + "** ";
    for (std::size_t k = 0; k < outcomes[i].reasons.size() && k < 3; ++k) {
      why += (k > 0 ? "; " : "") + std::string("`") + outcomes[i].reasons[k] + "`";
    }
    if (outcomes[i].reasons.size() > 3) why += " (+" + std::to_string(outcomes[i].reasons.size() - 3) + " more)";
    out << "| " << suite_name(rows[i].path) << " | " << rows[i].kind << " | " << rows[i].features << " | "
        << outcomes[i].passed_entries << "/" << outcomes[i].entries << " | " << cell(why) << " |\n";
  }
  out << "\n## Passing only through the Kyverno CLI's leniency\n\n"
      << "`coco-admit test` mirrors two lenient spots of the Kyverno CLI (see `--strict`): an entry naming a rule the\n"
      << "policy does not have is not checked, and an entry expecting `fail` passes whenever the rule answers.\n"
      << "These checks pass here as they do upstream; an engine mismatch in them would not show above.\n\n"
      << "| suite | check |\n|---|---|\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (const std::string& l : outcomes[i].lenient) out << "| " << suite_name(rows[i].path) << " | " << cell(l) << " |\n";
  }
  out << "\n## All suites\n\n| suite | kind | features | entries ok | result |\n|---|---|---|---|---|\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out << "| " << suite_name(rows[i].path) << " | " << rows[i].kind << " | " << rows[i].features << " | "
        << outcomes[i].passed_entries << "/" << outcomes[i].entries << " | " << (outcomes[i].passed ? "pass" : "FAIL")
        << " |\n";
  }
}

TEST(KyvernoPolicies, SuitesPass) {
  const std::string base = std::string(COCO_ADMIT_SHARED_DIR) + "/conformance";
  if (!std::filesystem::is_directory(base + "/kyverno-policies")) {
    GTEST_SKIP() << "conformance data not found at " << base
                 << "/kyverno-policies (it lives in the read-only shared/ folder next to the checkout; "
                    "configure with -DCOCO_ADMIT_SHARED_DIR=... to point at it)";
  }
  std::vector<suite_row> rows = read_manifest(base + "/MANIFEST.tsv");
  ASSERT_FALSE(rows.empty()) << base << "/MANIFEST.tsv lists no kyverno-policies suite";

  std::vector<suite_outcome> outcomes;
  std::size_t passing = 0, entries = 0, entries_ok = 0;
  std::ostringstream failures;
  for (const suite_row& row : rows) {
    suite_outcome o = run_suite(base, base + "/" + row.path, row.results);
    passing += o.passed ? 1 : 0;
    entries += o.entries;
    entries_ok += o.passed_entries;
    if (!o.passed) {
      failures << "  " << suite_name(row.path) << ": " << (o.reasons.empty() ? "?" : o.reasons.front())
               << (o.reasons.size() > 1 ? " (+" + std::to_string(o.reasons.size() - 1) + " more)" : "") << "\n";
    }
    outcomes.push_back(std::move(o));
  }
  std::cout << "kyverno-policies conformance: " << passing << " / " << rows.size() << " suites pass, " << entries_ok
            << " / " << entries << " result entries pass\n";
  if (passing < rows.size()) std::cout << "failing suites:\n" << failures.str();

  if (const char* report = std::getenv("COCO_ADMIT_CONFORMANCE_REPORT"); report != nullptr && *report != '\0') {
    write_report(report, rows, outcomes, read_notes(std::string(COCO_ADMIT_SOURCE_DIR) + "/tests/data/conformance-notes.tsv"));
    std::cout << "report written to " << report << "\n";
  }
  EXPECT_GE(passing, min_passing_suites) << "conformance regressed below the ratchet; failing suites:\n"
                                         << failures.str();
}

}  // namespace
