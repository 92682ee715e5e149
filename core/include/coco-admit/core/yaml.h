// YAML text -> value, with a source map for error messages.
//
// Scalars are typed the way Kubernetes tooling types them (sigs.k8s.io/yaml on
// go-yaml v2, YAML 1.1 rules): unquoted true/false/yes/no/on/off are booleans,
// ~/null/empty are null, integers accept 0x/0o/0b and underscores, floats accept
// .inf/.nan; anything quoted or tagged !!str stays a string.
//
// Each document keeps a source map from JSON pointer to 1-based line:column, so
// a compiler error can say `policy.yaml:12:7: spec.rules[0].mutate: ...`.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "coco-admit/core/result.h"
#include "coco-admit/core/value.h"

namespace coco_admit::yaml {

struct position {
  int line = 0;    ///< 1-based; 0 when unknown
  int column = 0;  ///< 1-based
};

struct document {
  value root;
  /// JSON pointer ("" for the root, "/spec/rules/0") -> where that node starts.
  std::unordered_map<std::string, position> positions;

  /// The position of the deepest known node at or above `pointer`.
  position locate(std::string_view pointer) const;
};

/// Parses every document of a (multi-document) YAML stream. Empty documents
/// are dropped. `source_name` prefixes error messages ("file.yaml:3:5: ...").
result<std::vector<document>> parse_all(std::string_view text, std::string_view source_name = "<input>");
/// Parses exactly one document (an empty stream is an error).
result<document> parse_one(std::string_view text, std::string_view source_name = "<input>");
/// Reads a file and parses every document in it.
result<std::vector<document>> load_file(const std::string& path);

/// Reads a whole file; the error names the path and the OS reason.
result<std::string> read_file(const std::string& path);

/// Renders a value as block YAML (for CLI output; keys in stored order).
std::string emit(const value& v);

}  // namespace coco_admit::yaml
