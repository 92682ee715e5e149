// Fuzzes pattern::match, pattern::match_scalar, pattern::resolve_references and
// conditions::evaluate. Input: resource JSON, "\n~~\n", pattern JSON (the same
// split convention as simdjson's FuzzUtils). Every call must return; results are
// not checked (the unit tests do that), only crashes, hangs and sanitizer reports.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "coco-admit/core/conditions.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/pattern.h"

using namespace coco_admit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto sep = in.find("\n~~\n");
  if (sep == std::string_view::npos) return 0;
  auto resource = json::parse(in.substr(0, sep));
  auto pat = json::parse(in.substr(sep + 4));
  if (!resource.ok() || !pat.ok()) return 0;

  (void)pattern::match(*resource, *pat);
  (void)pattern::match_scalar(*resource, *pat);
  value resolved = *pat;
  if (pattern::resolve_references(resolved).ok()) (void)pattern::match(*resource, resolved);

  for (auto o : {conditions::op::equals, conditions::op::not_equals, conditions::op::any_in,
                 conditions::op::all_not_in, conditions::op::in, conditions::op::greater_than,
                 conditions::op::less_than_or_equals, conditions::op::duration_greater_than}) {
    (void)conditions::evaluate(o, *resource, *pat);
    (void)conditions::evaluate(o, *pat, *resource);
  }
  return 0;
}
