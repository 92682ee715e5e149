// result<T>: a value or an error, returned by everything on the request path.
//
// The hot path never throws: functions return result<T> (like simdjson_result<T>),
// and callers test `ok()` or use COCO_ADMIT_TRY to propagate. An error carries a
// human message that already names what went wrong and where (file:line:col or a
// JSON path), because it usually ends up verbatim in an AdmissionResponse status,
// a CLI diagnostic or a log line.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace coco_admit {

/// What went wrong, in words a user can act on. `kind` lets callers react to
/// classes of failure (for example Kyverno treats a missing JMESPath key
/// differently from a syntax error).
struct error {
  enum class kind : unsigned char {
    invalid,       ///< bad input (syntax, type, schema)
    not_found,     ///< a path, key or object that does not exist
    budget,        ///< a configured bound (steps, depth, bytes) was hit
    unsupported,   ///< outside the supported subset
    internal,      ///< a broken invariant; counted and reported
  };
  kind code = kind::invalid;
  std::string message;

  static error invalid(std::string m) { return {kind::invalid, std::move(m)}; }
  static error not_found(std::string m) { return {kind::not_found, std::move(m)}; }
  static error budget(std::string m) { return {kind::budget, std::move(m)}; }
  static error unsupported(std::string m) { return {kind::unsupported, std::move(m)}; }
  static error internal(std::string m) { return {kind::internal, std::move(m)}; }
};

template <class T>
class [[nodiscard]] result {
 public:
  result(T v) : v_(std::in_place_index<0>, std::move(v)) {}  // NOLINT: implicit by design
  result(error e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const error& err() const& { return std::get<1>(v_); }
  error&& err() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, error> v_;
};

/// result<void> equivalent.
class [[nodiscard]] status {
 public:
  status() = default;
  status(error e) : failed_(true), e_(std::move(e)) {}  // NOLINT
  bool ok() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return ok(); }
  const error& err() const { return e_; }

 private:
  bool failed_ = false;
  error e_;
};

}  // namespace coco_admit

/// Propagates the error of a result/status expression; otherwise continues.
#define COCO_ADMIT_TRY(expr)                         \
  do {                                               \
    auto&& coco_admit_try_ = (expr);                 \
    if (!coco_admit_try_.ok()) return coco_admit_try_.err(); \
  } while (0)
