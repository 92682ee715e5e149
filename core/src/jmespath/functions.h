// The JMESPath function table.
//
// Every function the evaluator knows is one `function_def` row: name, arity,
// a type mask per argument, and a plain function pointer. Rows come from
// several tables (standard JMESPath, Kyverno's additions, CoCo additions), each
// defined in its own .cc file; `find_function` searches all of them, and the
// compiler resolves names and arities once, so an unknown function or a wrong
// argument count is a compile error. The evaluator checks argument types
// against the masks before calling `impl`, so implementations may assume them.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "coco-admit/core/result.h"
#include "coco-admit/core/value.h"

namespace coco_admit::jmespath::detail {

/// Argument type bits. `array_number`/`array_string` accept arrays whose
/// elements are all numbers / all strings (an empty array is both).
enum type_bits : std::uint16_t {
  t_null = 1 << 0,
  t_bool = 1 << 1,
  t_number = 1 << 2,
  t_string = 1 << 3,
  t_array = 1 << 4,
  t_object = 1 << 5,
  t_expref = 1 << 6,
  t_array_number = 1 << 7,
  t_array_string = 1 << 8,
  t_any = t_null | t_bool | t_number | t_string | t_array | t_object,
};

class call;
using function_impl = result<value> (*)(call&);

struct function_def {
  std::string_view name;
  std::uint8_t arity = 0;       ///< declared arguments (minimum when variadic)
  bool variadic = false;        ///< the last declared type repeats, any count
  std::array<std::uint16_t, 4> types{};  ///< per declared argument
  function_impl impl = nullptr;
};

class interpreter;

/// One invocation, as seen by an implementation.
class call {
 public:
  call(interpreter& in, const function_def& fn, const value* const* args, const std::uint32_t* exprefs,
       std::size_t n)
      : in_(in), fn_(fn), args_(args), exprefs_(exprefs), n_(n) {}

  std::size_t size() const noexcept { return n_; }
  /// A non-expref argument (types already checked).
  const value& arg(std::size_t i) const noexcept { return *args_[i]; }
  /// Evaluates expref argument `i` on `element` (a missing key gives null).
  result<value> apply(std::size_t i, const value& element);
  std::string_view name() const noexcept { return fn_.name; }

  /// "JMESPath function '<name>': invalid type: <what>"
  error invalid_type(std::string_view what) const;
  /// "JMESPath function '<name>': invalid value: <what>"
  error invalid_value(std::string_view what) const;
  /// "JMESPath function '<name>': <what>" (class other)
  error failed(std::string_view what) const;
  /// Fails with a budget error when a value of `bytes` (estimated JSON size)
  /// would exceed limits::max_result_bytes; call it while building large output.
  status charge(std::size_t bytes);

 private:
  interpreter& in_;
  const function_def& fn_;
  const value* const* args_;
  const std::uint32_t* exprefs_;
  std::size_t n_;
};

std::span<const function_def> builtin_functions();  ///< JMESPath specification
std::span<const function_def> kyverno_functions();  ///< Kyverno pkg/engine/jmespath
/// CoCo-specific functions; this table is the extension point for them.
std::span<const function_def> coco_functions();

/// Searches every table; nullptr when unknown.
const function_def* find_function(std::string_view name);

/// Type name used in messages ("number", "array[string]", "expref", ...).
std::string describe_types(std::uint16_t mask);

/// Truthiness per JMESPath: false, null, "", [], {} are false.
bool truthy(const value& v) noexcept;
/// Go's json.Marshal of a decoded value: map keys sorted, HTML-escaped.
void go_marshal(const value& v, std::string& out);
/// Approximate JSON size of `v`, stopping early once it exceeds `cap`.
std::size_t estimate_size(const value& v, std::size_t cap) noexcept;
/// Number of UTF-8 code points (invalid bytes count as one each, like Go).
std::size_t rune_count(std::string_view s) noexcept;

}  // namespace coco_admit::jmespath::detail
