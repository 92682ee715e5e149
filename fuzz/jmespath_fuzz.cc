// Fuzz harness for JMESPath: input = expression "\n~~\n" JSON document
// (no separator: the whole input is the expression, evaluated on null).
// Must never crash, hang or allocate without bound; tight limits keep each
// run short. The document is also read as admission reads a request (a lazy
// value of simdjson's document, whose fields the interpreter reads in place):
// the answer must be the same, or the harness aborts.
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "coco-admit/core/jmespath.h"
#include "coco-admit/core/json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 1 << 16) return 0;  // bigger inputs only cost time
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view expr = in, document;
  if (auto sep = in.find("\n~~\n"); sep != std::string_view::npos) {
    expr = in.substr(0, sep);
    document = in.substr(sep + 4);
  }
  coco_admit::value root;
  if (!document.empty()) {
    auto v = coco_admit::json::parse(document);
    if (!v.ok()) return 0;
    root = std::move(v).value();
  }
  auto e = coco_admit::jmespath::compile(expr);
  if (!e.ok()) return 0;
  (void)coco_admit::jmespath::dump(**e);
  coco_admit::jmespath::limits l;
  l.max_steps = 100000;
  l.max_result_bytes = 1 << 18;
  auto r = coco_admit::jmespath::evaluate(**e, root, l);
  if (r.ok()) (void)coco_admit::json::serialize(*r);
  if (document.empty()) return 0;
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  if (parser.parse(document.data(), document.size()).get(element) != simdjson::SUCCESS) return 0;
  auto lazy = coco_admit::json::from_element_lazy(element);
  if (!lazy.ok()) return 0;
  auto lazy_r = coco_admit::jmespath::evaluate(**e, *lazy, l);
  const std::string want = r.ok() ? coco_admit::json::serialize(*r) : "error: " + r.err().message;
  const std::string got = lazy_r.ok() ? coco_admit::json::serialize(*lazy_r) : "error: " + lazy_r.err().message;
  if (got != want) {
    std::fprintf(stderr, "on the lazy document: %s\non the converted one: %s\n", got.c_str(), want.c_str());
    std::abort();
  }
  return 0;
}
