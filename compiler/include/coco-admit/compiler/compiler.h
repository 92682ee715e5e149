// compiler: Kyverno policy YAML -> program.
//
// Accepts kyverno.io/v1 (and v2beta1) ClusterPolicy and Policy documents in
// the subset coco-admit implements. Anything outside it (generate,
// verifyImages, apiCall, validate.cel, podSecurity, ...) is an error naming
// file, line, policy, rule and field; nothing is silently ignored. The
// compiler keeps going after an error so one run reports all of them.
//
// Policy order in the program is defined: ClusterPolicies first, then
// namespaced Policies, each sorted by (namespace, name); rules keep their
// declared order, followed by the autogen clones (Kyverno's ComputeRules
// order). So the same policy set always produces the same bytes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "coco-admit/core/program.h"
#include "coco-admit/core/result.h"
#include "coco-admit/core/value.h"

namespace coco_admit::compiler {

struct diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string path;     ///< field path, e.g. spec.rules[0].mutate.foreach[1].list
  std::string message;
  /// "file:line:col: policy/rule: path: message"
  std::string to_string() const;
};

struct compile_output {
  std::shared_ptr<const program> prog;  ///< null when there were errors
  std::vector<diagnostic> errors;
  bool ok() const { return prog != nullptr && errors.empty(); }
  /// All errors, one per line.
  std::string error_text() const;
};

/// A parsed policy document with where it came from.
struct source {
  std::string file;
  std::string text;
};

/// Compiles every policy document found in `paths` (files or directories,
/// searched recursively for *.yaml/*.yml; non-policy documents are skipped
/// only when they are not kyverno.io kinds).
compile_output compile_paths(const std::vector<std::string>& paths);
/// Compiles in-memory sources.
compile_output compile_sources(const std::vector<source>& sources);

/// The stable text form of a program (`coco-admit compile --dump`).
std::string dump(const program& prog);

}  // namespace coco_admit::compiler
