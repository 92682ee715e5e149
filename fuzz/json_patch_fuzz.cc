// Fuzzes JSON patch parse/apply and the diff round trip: input is document JSON "\n~~\n" ops JSON.
// Invariants (abort otherwise): when the ops apply, diff(doc, result) re-applied to doc gives the same result;
// apply_in_place gives that result too, and its `changed` flag is set whenever the result differs (and, for a
// single op other than move, only then); diff_serialized writes exactly serialize(diff).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "coco-admit/core/json.h"
#include "coco-admit/core/json_patch.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace coco_admit;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t sep = in.find("\n~~\n");
  if (sep == std::string_view::npos) return 0;
  auto doc = json::parse(in.substr(0, sep));
  auto raw_ops = json::parse(in.substr(sep + 4));
  if (!doc.ok() || !raw_ops.ok()) return 0;
  auto ops = json_patch::parse(*raw_ops);
  if (!ops.ok()) return 0;
  auto applied = json_patch::apply(*doc, *ops);
  if (!applied.ok()) return 0;

  value in_place = *doc;
  bool changed = false;
  if (!json_patch::apply_in_place(in_place, *ops, &changed).ok() || !(in_place == *applied)) std::abort();
  const bool differs = !(*applied == *doc);
  if (differs && !changed) std::abort();
  // A move between equal array elements changes nothing yet counts as a change.
  if (ops->size() == 1 && (*ops)[0].op != "move" && changed != differs) std::abort();

  auto d = json_patch::diff(*doc, *applied);
  auto round = json_patch::apply(*doc, d);
  if (!round.ok() || !(*round == *applied)) std::abort();
  std::string text;
  if (json_patch::diff_serialized(*doc, *applied, text) != d.size()) std::abort();
  if (text != (d.empty() ? std::string() : json_patch::serialize(d))) std::abort();
  auto wire = json::parse(json_patch::serialize(d));
  // An add may create parents up to 512 levels deep, past what json::parse
  // accepts (json::max_depth); that refusal is the parser's bound, not a bug.
  if (!wire.ok() && wire.err().message.find("nesting deeper than") != std::string::npos) return 0;
  if (!wire.ok()) std::abort();
  auto reparsed = json_patch::parse(*wire);
  if (!reparsed.ok() || reparsed->size() != d.size()) std::abort();
  return 0;
}
