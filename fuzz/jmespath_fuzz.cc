// Fuzz harness for JMESPath: input = expression "\n~~\n" JSON document
// (no separator: the whole input is the expression, evaluated on null).
// Must never crash, hang or allocate without bound; tight limits keep each
// run short.
#include <cstdint>
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
  return 0;
}
