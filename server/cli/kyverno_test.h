// kyverno_test: runs Kyverno CLI test suites (`kyverno test`, cli.kyverno.io/v1alpha1 `Test`) on
// coco-admit's engine, reproducing the Kyverno CLI execution model
// (cmd/cli/kubectl-kyverno processor/policy_processor.go and commands/test).
//
// A suite is one Test document: policy files, resource files, an optional
// values file (`variables:`) or inline `values:`, an optional `userinfo:` file,
// optional `clusterResources:` files and `results[]`. Each results entry names
// (policy, rule, kind, resources, result[, patchedResources]); every resource it
// names is one `check`. A check passes when the rule status the engine reports
// equals the expected result and, when `patchedResources` is given, the object
// after that policy equals the expected file (both tidied, see `tidy`).
//
// Per resource (mirrors the Kyverno CLI): every policy's mutate rules run in
// file order, cumulatively, then every policy's validate rules run on the
// mutated object. Each policy is compiled into its own program so the file
// order, not the program's name order, drives the cascade.
//
//   auto files = kyverno_test::find_test_files({"policies/"});
//   for (const auto& f : *files) {
//     kyverno_test::suite_result r = kyverno_test::run_suite(f);
//     ...
//   }
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "coco-admit/core/engine.h"
#include "coco-admit/core/result.h"
#include "coco-admit/core/value.h"

namespace coco_admit::cli::kyverno_test {

/// One (results entry, resource) pair and its outcome.
struct check {
  std::size_t entry = 0;  ///< index in the suite's results[]
  std::string policy;
  std::string rule;
  std::string kind;
  std::string resource;  ///< "ns/name" (namespaced) or "name"
  std::string expected;  ///< pass|fail|skip|error|warn
  std::string actual;    ///< the rule status found; empty when none could be determined
  bool passed = false;
  /// Passed only because the Kyverno CLI is lenient here (see `options`);
  /// `message` says why. Always false in strict mode.
  bool lenient = false;
  std::string message;  ///< engine message, or why the check could not be made
};

/// The outcome of one test file. When `error` is set the suite could not be
/// loaded (unreadable or invalid input) and `checks` is empty.
struct suite_result {
  std::string file;
  std::string name;   ///< metadata.name
  std::string error;  ///< "<file>: <reason>"
  std::size_t entries = 0;
  std::vector<check> checks;
  /// Whether every check passed (false on a load error or when there are no checks).
  bool passed() const;
  std::size_t passed_checks() const;
  std::size_t lenient_checks() const;
  /// Results entries whose checks all passed.
  std::size_t passed_entries() const;
};

/// The test files named by `paths`: a file is taken as given; a directory is
/// searched recursively (hidden folders included, `.kyverno-test` is one) for
/// `kyverno-test.yaml`/`.yml` and any other YAML holding a
/// cli.kyverno.io/v1alpha1 `Test`. Sorted per directory, deterministic.
result<std::vector<std::string>> find_test_files(const std::vector<std::string>& paths);

struct options {
  /// The Kyverno CLI (commands/test/output.go) passes two kinds of entries
  /// without checking them, and by default so do we, flagging them `lenient`:
  /// an entry naming a rule the policy does not have, when the policy answered
  /// for the resource (no rule response, so no row), and an entry expecting
  /// `fail` when the rule answered anything (`success := ok || result == fail`).
  /// Strict mode counts both as failures.
  bool strict = false;
};

/// A Kyverno Values file for `coco-admit apply --values` (as `kyverno apply
/// --values-file`): its namespaces and namespaceSelector labels go into
/// `cluster`; the hook writes global, per-resource and per-rule values into
/// each rule's context.
result<context_override> load_values_hook(const std::string& file, cluster_state& cluster);

/// Loads and runs one test file. Never throws; bad input ends up in `error`.
suite_result run_suite(const std::string& file, const options& opt = {});

// Building blocks of the comparison, each the counterpart of a Kyverno CLI helper; the
// suites under tests/data/kyverno-test exercise them through `coco-admit test`.

/// Kyverno's `resource.Tidy`: removes null, {} and [] recursively (an object
/// or array left empty by the removal is removed in turn). Returns null when
/// nothing is left.
value tidy(const value& v);

/// Kyverno's `resource.Compare(actual, expected, tidy=true)`: both tidied,
/// then equal iff their JSON merge patch is `{}` (lists compared whole, in order).
/// On a difference `where` receives up to a few JSON pointers that differ.
bool same_resource(const value& actual, const value& expected, std::string* where = nullptr);

/// Kyverno's JSON-context `AddVariable`: `key` is a dotted path (split like a
/// CSV record with `.` as separator, so `"a.b".c` is two fields), `v` is
/// merged at that path: objects merge key by key, anything else replaces.
status set_dotted(value& root, std::string_view key, const value& v);

/// Whether `kind` is a well-known cluster-scoped Kubernetes kind (these keep an
/// empty namespace; every other kind defaults to "default", as the CLI does).
bool cluster_scoped(std::string_view kind);

}  // namespace coco_admit::cli::kyverno_test
