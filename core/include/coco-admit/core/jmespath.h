// JMESPath with the semantics of Kyverno's fork (github.com/kyverno/go-jmespath).
//
// An `expression` is the compiled, immutable AST of one JMESPath text: a flat
// vector of nodes linked by index (no per-node std::function, no virtual
// calls), plus the literal values and function-table pointers resolved at
// compile time. Compile once when a policy is loaded, evaluate per request;
// an expression may be shared between threads.
//
// Differences from the JMESPath specification, all taken from Kyverno:
//  - Selecting a key that an object does not have is an error of kind
//    error::kind::not_found (`Unknown key "<key>" in path`), not null. The
//    constructs that swallow it (turn it into null) are listed next to
//    `swallow_not_found` in src/jmespath/interpreter.cc. Selecting a key of
//    null or of a non-object is null, as standard.
//  - Kyverno's custom functions (base64_*, regex_*, add, ...) are built in.
//
//   auto e = jmespath::compile("request.object.metadata.labels.app || 'none'");
//   if (!e) return e.err();
//   auto v = jmespath::evaluate(**e, review);   // result<value>
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coco-admit/core/result.h"
#include "coco-admit/core/value.h"

namespace coco_admit::jmespath {

class expression;
using expression_ptr = std::shared_ptr<const expression>;

/// Bounds on one evaluation, so a hostile expression or document cannot
/// spin or amplify memory (Kyverno PR #14844 was a JMESPath amplification DoS).
struct limits {
  std::size_t max_steps = 1'000'000;        ///< node visits + projected elements
  std::size_t max_result_bytes = 2 << 20;   ///< estimated JSON size of any value built
  std::size_t max_depth = 256;              ///< evaluator recursion depth
};

/// Parses and type-checks (function names, arities) `text`.
/// Error message: "invalid JMESPath expression '<text>': <reason> at offset N".
result<expression_ptr> compile(std::string_view text);

/// Evaluates `e` against `data`. A missing object key that nothing swallowed is
/// error::kind::not_found with Kyverno's message `Unknown key "<key>" in path`;
/// budget overruns are error::kind::budget; type/arity/value errors are invalid.
result<value> evaluate(const expression& e, const value& data, const limits& l = {});

/// compile + evaluate.
result<value> search(std::string_view text, const value& data, const limits& l = {});

/// The paths of object fields from the input that `e` reads (`lookup(a.b, c)` reads {a, b} and {c}), when every read
/// of the input is such a path: the result is then a function of the values at those paths (Kyverno's functions are
/// pure). nullopt when the expression also reads the input some other way (`@`, `[0]`, `*`, `keys(@)`). A path may
/// repeat.
std::optional<std::vector<std::vector<std::string>>> input_paths(const expression& e);

/// Stable one-line text form of the AST (golden tests of `compile --dump`).
std::string dump(const expression& e);

/// The source text an expression was compiled from.
const std::string& source(const expression& e);

/// Names of every function the evaluator knows, sorted.
std::vector<std::string> function_names();

/// JMESPath error classes (the compliance suite's `error` values).
enum class error_class {
  syntax,            ///< "syntax"
  unknown_function,  ///< "unknown-function"
  invalid_arity,     ///< "invalid-arity"
  invalid_type,      ///< "invalid-type"
  invalid_value,     ///< "invalid-value"
  not_found,         ///< Kyverno's missing key
  budget,            ///< a `limits` bound was hit
  other,             ///< any other failure of a custom function
};
/// Classifies an error returned by compile/evaluate/search.
error_class classify(const error& e);

}  // namespace coco_admit::jmespath
