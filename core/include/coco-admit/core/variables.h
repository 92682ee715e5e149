// Kyverno variable substitution over templates (template.h).
//
// Strings holding `{{ expr }}` are replaced by the JMESPath result evaluated
// on the JSON context: a string that is exactly one variable takes the typed
// result, otherwise results are stringified (JSON for non-strings) into the
// text, which is then re-scanned for variables (nesting) unless `{{- }}`.
// Keys are substituted too. A missing key is an error (Kyverno's fork of
// go-jmespath), unless the expression itself swallows it (`||`, ...).
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coco-admit/core/jmespath.h"
#include "coco-admit/core/result.h"
#include "coco-admit/core/template.h"
#include "coco-admit/core/value.h"

namespace coco_admit::variables {

struct options {
  const value* context = nullptr;          ///< the JSON context queried by variables
  std::string self_prefix = "request.object";  ///< what {{@}} refers to
  jmespath::limits limits;
  /// Kyverno's preconditions resolver: a variable that fails to resolve
  /// becomes "" instead of an error (conditions and deny conditions).
  bool lenient = false;
  /// Context entries that failed to load (a missing ConfigMap): querying
  /// them stays an error even for the lenient resolver.
  const std::vector<std::pair<std::string, std::string>>* unavailable = nullptr;
  /// Called with each expression's text before it is evaluated (the engine
  /// loads the deferred context entries the expression names), and with its
  /// compiled segment when there is one (nullptr for a text queried as such).
  std::function<void(std::string_view, const template_segment*)> on_query;
};

/// Whether `name` appears in `expr` as a whole identifier (not as a field of
/// something else), e.g. `initdata` in `initdata.data.X || ''`.
bool references_identifier(std::string_view expr, std::string_view name);

/// Substitutes every variable of `t`.
result<value> substitute(const tmpl& t, const options& o);
/// The same result without copying a template that holds no variables: the
/// pointer is `&t.raw` then, else `&storage` (which receives the result).
/// For callers that only read the result.
result<const value*> substitute_ref(const tmpl& t, const options& o, value& storage);
/// Substitutes one string of a template, which sits at `path` in it (the object keys from the root, as the
/// template writes them: `{{@}}` stands for the value there). The same value substitute() puts there.
result<value> substitute_string(const template_string& s, std::span<const std::string> path, const options& o);
/// Substitutes variables in a string only known at run time (compiles them now).
result<value> substitute_text(std::string_view text, const options& o);
/// Evaluates one JMESPath expression text on the context.
result<value> query(std::string_view expression, const options& o);
/// The same for an expression compiled ahead (compile_query).
result<value> query(const template_segment& compiled, const options& o);

/// Kyverno's stringification of a substituted value inside a larger string.
std::string to_text(const value& v);
/// Appends to_text(v) to `out`.
void append_text(const value& v, std::string& out);

}  // namespace coco_admit::variables
