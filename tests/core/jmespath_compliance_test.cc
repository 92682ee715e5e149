// Runs the JMESPath compliance suite of kyverno/go-jmespath (shared/conformance/
// jmespath/*.json). Like the upstream runner, a NotFound error counts as null.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "coco-admit/core/jmespath.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/yaml.h"

namespace {

using namespace coco_admit;

// Numbers compare with a relative tolerance (the suite's float sums come from
// Go's float64 arithmetic; ours may associate differently).
bool same(const value& a, const value& b) {
  if (a.is_number() && b.is_number()) {
    double x = a.as_double(), y = b.as_double();
    return x == y || std::fabs(x - y) <= 1e-9 * std::max(std::fabs(x), std::fabs(y));
  }
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!same(a.as_array()[i], b.as_array()[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (const member& m : a.as_object()) {
      const value* o = b.find(m.key);
      if (o == nullptr || !same(m.val, *o)) return false;
    }
    return true;
  }
  return a == b;
}

const char* class_name(jmespath::error_class c) {
  switch (c) {
    case jmespath::error_class::syntax: return "syntax";
    case jmespath::error_class::unknown_function: return "unknown-function";
    case jmespath::error_class::invalid_arity: return "invalid-arity";
    case jmespath::error_class::invalid_type: return "invalid-type";
    case jmespath::error_class::invalid_value: return "invalid-value";
    case jmespath::error_class::not_found: return "not-found";
    case jmespath::error_class::budget: return "budget";
    case jmespath::error_class::other: return "other";
  }
  return "?";
}

TEST(JmespathCompliance, AllCases) {
  std::filesystem::path dir = COCO_ADMIT_SHARED_DIR "/conformance/jmespath";
  if (!std::filesystem::is_directory(dir)) {
    GTEST_SKIP() << "JMESPath compliance data not found at " << dir;
  }
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty());
  std::size_t total = 0, failed = 0;
  for (const auto& f : files) {
    auto text = yaml::read_file(f.string());
    ASSERT_TRUE(text.ok()) << text.err().message;
    auto suite = json::parse(*text);
    ASSERT_TRUE(suite.ok()) << f << ": " << suite.err().message;
    for (const value& group : suite->as_array()) {
      const value& given = *group.find("given");
      for (const value& c : group.find("cases")->as_array()) {
        ++total;
        const std::string& expr = c.find("expression")->as_string();
        auto r = jmespath::search(expr, given);
        std::string where = f.filename().string() + ": " + expr;
        if (const value* want_err = c.find("error")) {
          if (r.ok()) {
            ++failed;
            ADD_FAILURE() << where << ": expected error " << want_err->as_string() << ", got "
                          << json::serialize(*r);
          } else if (class_name(jmespath::classify(r.err())) != want_err->as_string()) {
            ++failed;
            ADD_FAILURE() << where << ": expected error " << want_err->as_string() << ", got "
                          << class_name(jmespath::classify(r.err())) << ": " << r.err().message;
          }
          continue;
        }
        value got;
        if (r.ok()) {
          got = *r;
        } else if (r.err().code != error::kind::not_found) {
          ++failed;
          ADD_FAILURE() << where << ": unexpected error: " << r.err().message;
          continue;
        }
        const value& want = *c.find("result");
        if (!same(got, want)) {
          ++failed;
          ADD_FAILURE() << where << ": got " << json::serialize(got) << ", want " << json::serialize(want);
        }
      }
    }
  }
  EXPECT_EQ(failed, 0u) << "of " << total << " cases";
  EXPECT_GT(total, 800u);
}

}  // namespace
