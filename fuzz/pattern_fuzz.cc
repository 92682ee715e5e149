// Fuzzes pattern::match, pattern::match_scalar, pattern::resolve_references and
// conditions::evaluate. Input: resource JSON, "\n~~\n", pattern JSON (the same
// split convention as simdjson's FuzzUtils). Every call must return; results are
// not checked (the unit tests do that), only crashes, hangs and sanitizer reports,
// with three exceptions, where the harness aborts: the resource is also matched as
// admission reads a request (a lazy value of simdjson's document, which the
// pattern walk reads in place), the pattern also as the compiler prepares it
// (pattern::prepare), and both without texts (pattern::match_status); every
// outcome must be the plain one.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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

  const pattern::outcome want = pattern::match(*resource, *pat);
  auto differ = [&](const pattern::outcome& got, const char* how) {
    if (got.st == want.st && got.path == want.path && got.reason == want.reason) return;
    std::fprintf(stderr, "%s: %d %s %s\nplain: %d %s %s\n", how, static_cast<int>(got.st), got.path.c_str(),
                 got.reason.c_str(), static_cast<int>(want.st), want.path.c_str(), want.reason.c_str());
    std::abort();
  };
  const pattern::prepared ahead = pattern::prepare(*pat);
  differ(pattern::match(*resource, *pat, &ahead), "prepared pattern");
  if (pattern::match_status(*resource, *pat) != want.st || pattern::match_status(*resource, *pat, &ahead) != want.st) {
    std::fprintf(stderr, "the walk without texts decides otherwise than plain: %d\n", static_cast<int>(want.st));
    std::abort();
  }
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  const std::string_view resource_text = in.substr(0, sep);
  if (parser.parse(resource_text.data(), resource_text.size()).get(element) == simdjson::SUCCESS) {
    if (auto lazy = json::from_element_lazy(element); lazy.ok()) {
      differ(pattern::match(*lazy, *pat), "lazy resource");
      differ(pattern::match(*lazy, *pat, &ahead), "lazy resource, prepared pattern");
    }
  }
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
