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
#include "memo.h"
#include "jmespath/functions.h"

namespace coco_admit::jmespath::detail {
namespace {

value string_array(const std::vector<std::string>& items) {
  value out = value::array();
  for (const auto& s : items) out.push_back(value(s));
  return out;
}

result<value> fn_initdata_errors(call& c) {
  // Pods of a namespace share their initdata: check each distinct value once per thread.
  thread_local memo<std::vector<std::string>> cache(4 << 20);
  const std::string& v = c.arg(0).as_string();
  if (const auto* hit = cache.find(v)) return string_array(*hit);
  std::vector<std::string> errors = coco::initdata_errors(v);
  std::size_t bytes = 0;
  for (const auto& e : errors) bytes += e.size() + 32;
  return string_array(cache.put(v, std::move(errors), bytes));
}

// A decode, kept whole (the document or why it failed) for the memo.
struct decoded_initdata {
  bool ok = false;
  value doc;
  std::string error;
};

result<value> fn_initdata_decode(call& c) {
  // Policies read several fields of the same initdata (each regex_match on
  // data."policy.rego" decodes it again): gunzip and TOML once per value.
  thread_local memo<decoded_initdata> cache(8 << 20);
  const std::string& v = c.arg(0).as_string();
  const decoded_initdata* d = cache.find(v);
  if (d == nullptr) {
    auto decoded = coco::initdata_decode(v);
    decoded_initdata entry;
    entry.ok = decoded.ok();
    if (decoded.ok()) entry.doc = std::move(decoded).value();
    else entry.error = decoded.err().message;
    // The document is bounded by the decompressed size, a few times the
    // base64 text at most for real initdata.
    d = &cache.put(v, std::move(entry), 4 * v.size());
  }
  if (!d->ok) return c.invalid_value(d->error);
  return d->doc;
}

result<value> fn_initdata_encode(call& c) {
  std::string encoded = coco::initdata_encode(c.arg(0).as_string());
  COCO_ADMIT_TRY(c.charge(encoded.size()));
  return value(std::move(encoded));
}

result<value> fn_initdata_digest(call& c) {
  auto p = coco::parse_platform(c.arg(1).as_string());
  if (!p.ok()) return c.invalid_value(p.err().message);
  // Keyed by platform and value: "<platform>\n<value>" (a platform name has no newline).
  thread_local memo<std::pair<bool, std::string>> cache(1 << 20);
  std::string key = c.arg(1).as_string();
  key.push_back('\n');
  key += c.arg(0).as_string();
  const auto* hit = cache.find(key);
  if (hit == nullptr) {
    auto digest = coco::initdata_digest_hex(c.arg(0).as_string(), *p);
    std::pair<bool, std::string> entry{digest.ok(), digest.ok() ? std::move(digest).value() : digest.err().message};
    hit = &cache.put(key, std::move(entry), 64);
  }
  if (!hit->first) return c.invalid_value(hit->second);
  return value(hit->second);
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
