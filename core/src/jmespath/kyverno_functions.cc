#include "jmespath/functions.h"
namespace coco_admit::jmespath::detail {
namespace {
result<value> fn_sum(call& c) {
  double s = 0;
  for (const value& x : c.arg(0).as_array()) s += x.as_double();
  return value(s);
}
const function_def table[] = {
    {"sum", 1, false, {t_array_number}, fn_sum},
};
}
std::span<const function_def> kyverno_functions() { return table; }
}
