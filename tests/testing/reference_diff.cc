#include "reference_diff.h"

#include <algorithm>
#include <string>

#include "coco-admit/core/json.h"

namespace coco_admit::testing {
namespace {

using json_patch::operation;

// `a` and `b` differ: callers compare before descending.
void diff_into(const value& a, const value& b, const std::string& path, std::vector<operation>& out, int depth) {
  if (depth > 256) {
    out.push_back(operation{"replace", path, {}, b, true});
    return;
  }
  if (a.is_object() && b.is_object()) {
    for (const member& m : a.as_object()) {
      const value* other = b.find(m.key);
      if (other != nullptr && *other == m.val) continue;
      const std::string child = path + "/" + json::escape_pointer_token(m.key);
      if (other == nullptr) out.push_back(operation{"remove", child, {}, {}, false});
      else diff_into(m.val, *other, child, out, depth + 1);
    }
    for (const member& m : b.as_object()) {
      if (a.find(m.key) == nullptr) {
        out.push_back(operation{"add", path + "/" + json::escape_pointer_token(m.key), {}, m.val, true});
      }
    }
    return;
  }
  if (a.is_array() && b.is_array()) {
    const auto& x = a.as_array();
    const auto& y = b.as_array();
    const std::size_t n = std::min(x.size(), y.size());
    for (std::size_t i = x.size(); i > n; --i) {
      out.push_back(operation{"remove", path + "/" + std::to_string(i - 1), {}, {}, false});
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (x[i] == y[i]) continue;
      diff_into(x[i], y[i], path + "/" + std::to_string(i), out, depth + 1);
    }
    for (std::size_t i = n; i < y.size(); ++i) {
      out.push_back(operation{"add", path + "/" + std::to_string(i), {}, y[i], true});
    }
    return;
  }
  out.push_back(operation{"replace", path, {}, b, true});
}

}  // namespace

std::vector<operation> reference_diff(const value& before, const value& after) {
  std::vector<operation> out;
  if (!(before == after)) diff_into(before, after, "", out, 0);
  return out;
}

}  // namespace coco_admit::testing
