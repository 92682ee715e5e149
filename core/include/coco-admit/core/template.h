// tmpl: a JSON value whose strings (and object keys) may hold Kyverno
// variables `{{ expr }}`, with every variable's JMESPath parsed at compile time.
//
// Substitution (variables.h) walks `raw`; each string that holds variables has
// an entry in `strings` (keyed by the exact text) with its segments: literal
// text and compiled expressions, in order. A string that is exactly one
// variable yields the typed value; otherwise results are stringified.
// Nested variables (`{{ a.{{ b }} }}`) cannot be pre-parsed; their segment
// keeps the text and is resolved and parsed at run time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "coco-admit/core/jmespath.h"
#include "coco-admit/core/result.h"
#include "coco-admit/core/value.h"

namespace coco_admit {

struct template_segment {
  enum class kind : unsigned char {
    literal,    ///< text copied as is (escapes already resolved)
    variable,   ///< {{ expr }}: compiled JMESPath
    nested,     ///< {{ ... {{ inner }} ... }}: resolved at run time
    self_ref,   ///< {{@}}: the value at the same path in the target object
  } what = kind::literal;
  std::string text;               ///< literal text, or the expression source
  jmespath::expression_ptr expr;  ///< for `variable`
  bool shallow = false;           ///< {{- expr }}: result not re-scanned
  /// The identifiers the expression's text names: each maximal run of [A-Za-z0-9_] that neither '.' nor such a
  /// character comes before, as (offset, size) in `text`. The engine asks every expression, on every request,
  /// which deferred context entries it names; these answer without scanning the text for each entry. Filled when
  /// a variable is compiled (`identifiers_known`); a segment made at run time leaves them empty.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> identifiers;
  bool identifiers_known = false;

  /// Whether the expression names `name` as a whole identifier: variables::references_identifier(text, name).
  /// `name_is_run`: the caller knows that is_identifier_run(name), and `identifiers` then answer when known.
  bool references(std::string_view name, bool name_is_run) const;
};

/// Whether `name` is one run of [A-Za-z0-9_] (non-empty): the names template_segment::identifiers can answer for.
bool is_identifier_run(std::string_view name);

/// A JMESPath expression text (no {{ }}) compiled as the variable segment `{{ text }}` would be.
result<template_segment> compile_query(std::string text);

struct template_string {
  std::vector<template_segment> segments;
  /// Exactly one variable and nothing else: substitution keeps the value's type.
  bool single_variable() const {
    return segments.size() == 1 && segments[0].what != template_segment::kind::literal;
  }
};

struct tmpl {
  value raw;
  bool has_variables = false;
  bool has_references = false;  ///< holds a `$(...)` pattern reference somewhere
  std::shared_ptr<const std::unordered_map<std::string, template_string>> strings;
};

/// Splits `text` into template segments. Errors name the expression.
result<template_string> parse_template_string(std::string_view text);
/// Whether `text` contains an unescaped `{{`.
bool has_variables(std::string_view text);
/// [begin, end) of every unescaped `{{ ... }}` in `s`, as Kyverno's variable
/// regex finds them (one level of inner `{...}` allowed).
std::vector<std::pair<std::size_t, std::size_t>> find_variables(std::string_view s);
/// The JMESPath inside `{{ expr }}`; sets *shallow for `{{- expr }}`.
std::string variable_expression(std::string_view var, bool* shallow);
/// `\{{x}}` -> `{{x}}`.
std::string unescape_variables(std::string_view text);
/// Compiles every variable in `raw` (strings and keys). Errors carry the JSON
/// pointer of the offending string.
result<tmpl> compile_template(value raw);

}  // namespace coco_admit
