// Fuzz harness for the Go time port behind Kyverno's time_* functions (core/src/go_time.cc), through the JMESPath
// functions that policies call: input = layout "\n" value. Must never crash or trip a sanitizer (the dates, offsets
// and durations are bounded only by what the text says), and must keep Go's own invariants:
//   - whatever time_parse gives with a year of four digits is RFC 3339 that time_parse reads back, and after one
//     more round (an offset of seconds prints as its whole minutes, "+00:00", which reads back as UTC and prints
//     "Z") the text is stable. (A zone "GMT-7" moves year 0 to "-0001", which Go prints and cannot read either.)
//   - a time is neither before nor after itself, and differs from itself by "0s";
//   - time_add and time_truncate give RFC 3339 too, for the durations the input's length makes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "coco-admit/core/jmespath.h"
#include "coco-admit/core/json.h"

namespace {

using coco_admit::value;
namespace jmespath = coco_admit::jmespath;

value call(const char* expression, const value& document) {
  auto e = jmespath::compile(expression);
  if (!e.ok()) std::abort();  // the expressions are constants of this harness
  auto r = jmespath::evaluate(**e, document);
  return r.ok() ? std::move(r).value() : value();
}

std::string text_of(const value& v) { return v.is_string() ? v.as_string() : std::string(); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = in.find('\n');
  if (newline == std::string_view::npos) return 0;
  value document = value::object();
  document.set("l", value(in.substr(0, newline)));
  document.set("v", value(in.substr(newline + 1)));
  const value parsed = call("time_parse(l, v)", document);
  if (!parsed.is_string()) return 0;
  const std::string& first = parsed.as_string();
  const bool four_digit_year = first.size() > 4 && first[4] == '-' &&
                               first.find_first_not_of("0123456789") == 4;
  if (!four_digit_year) return 0;
  value t = value::object();
  t.set("t", parsed);
  const std::string once = text_of(call("time_parse('2006-01-02T15:04:05Z07:00', t)", t));
  if (once.empty()) std::abort();
  value u = value::object();
  u.set("t", value(once));
  if (text_of(call("time_utc(t)", u)).empty()) std::abort();
  const std::string twice = text_of(call("time_parse('2006-01-02T15:04:05Z07:00', t)", u));
  if (twice != once) std::abort();
  if (text_of(call("time_diff(t, t)", u)) != "0s") std::abort();
  if (!call("time_before(t, t) || time_after(t, t) || time_between(t, t, t)", u).is_bool()) std::abort();
  if (call("time_before(t, t) || time_after(t, t) || time_between(t, t, t)", u).as_bool()) std::abort();
  // Durations up to Go's limits, from the input: hours by the value's length, nanoseconds by the layout's.
  u.set("d", value(std::to_string(size * 37) + "h" + std::to_string(newline * 1000003) + "ns"));
  u.set("n", value("-" + std::to_string(size * 1000003) + "h"));
  for (const char* e : {"time_add(t, d)", "time_add(t, n)", "time_truncate(t, d)", "time_to_cron(t)"}) {
    const value r = call(e, u);
    if (!r.is_string() && !r.is_null()) std::abort();
  }
  return 0;
}
