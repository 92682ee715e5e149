// CoCo-specific JMESPath functions (Confidential Containers helpers).
//
// Their names and signatures are fixed: other tools depend on them.
//   coco_initdata_errors(value: string) -> array[string]
//   coco_initdata_decode(value: string) -> object
//   coco_initdata_encode(toml: string) -> string
//   coco_initdata_digest(value: string, platform: string) -> string
//   coco_sealed_secret_errors(value: string) -> array[string]
// Each is a thin adapter over the codecs in core/coco, so the CLI
// (`coco-admit initdata`) and policies compute exactly the same thing.
#include "coco-admit/core/coco/initdata.h"
#include "coco-admit/core/coco/sealed_secret.h"
#include "coco/initdata_memo.h"
#include "memo.h"
#include "jmespath/functions.h"

namespace coco_admit::jmespath::detail {
namespace {

value string_array(const std::vector<std::string>& items) {
  value out = value::array();
  for (const auto& s : items) out.push_back(value(s));
  return out;
}

// The initdata functions read one shared analysis of the value (coco/initdata_memo.h): pods of a deployment share
// their initdata, and a policy often reads the same value through several of these functions.
result<value> fn_initdata_errors(call& c) {
  return string_array(coco::analysed_initdata(c.arg(0).as_string_view()).errors);
}

result<value> fn_initdata_decode(call& c) {
  const auto& decoded = coco::analysed_initdata(c.arg(0).as_string_view()).decoded;
  if (!decoded.ok()) return c.invalid_value(decoded.err().message);
  return *decoded;
}

result<value> fn_initdata_encode(call& c) {
  std::string encoded = coco::initdata_encode(c.arg(0).as_string());
  COCO_ADMIT_TRY(c.charge(encoded.size()));
  return value(std::move(encoded));
}

result<value> fn_initdata_digest(call& c) {
  auto p = coco::parse_platform(c.arg(1).as_string_view());
  if (!p.ok()) return c.invalid_value(p.err().message);
  const auto& measured = coco::analysed_initdata(c.arg(0).as_string_view()).measured;
  if (!measured.ok()) return c.invalid_value(measured.err().message);
  return value(coco::hex_of(coco::adjust_digest(measured->digest, *p)));
}

result<value> fn_sealed_secret_errors(call& c) {
  thread_local memo<std::vector<std::string>> cache(1 << 20);
  const std::string& v = c.arg(0).as_string();
  if (const auto* hit = cache.find(v)) return string_array(*hit);
  std::vector<std::string> errors = coco::sealed_secret_errors(v);
  std::size_t bytes = 0;
  for (const auto& e : errors) bytes += e.size() + 32;
  return string_array(cache.put(v, std::move(errors), bytes));
}

const function_def table[] = {
    {"coco_initdata_errors", 1, false, {t_string}, fn_initdata_errors},
    {"coco_initdata_decode", 1, false, {t_string}, fn_initdata_decode},
    {"coco_initdata_encode", 1, false, {t_string}, fn_initdata_encode},
    {"coco_initdata_digest", 2, false, {t_string, t_string}, fn_initdata_digest},
    {"coco_sealed_secret_errors", 1, false, {t_string}, fn_sealed_secret_errors},
};

}  // namespace

std::span<const function_def> coco_functions() { return table; }

}  // namespace coco_admit::jmespath::detail
