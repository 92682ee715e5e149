// Kyverno's time_* JMESPath functions against Go: every row of tests/data/go-time/cases.tsv (written by Go's time
// package, see generate.go there) is evaluated and must give Go's result, or an error that ends with Go's text.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "coco-admit/core/jmespath.h"
#include "coco-admit/core/json.h"

namespace {

using namespace coco_admit;

struct time_case {
  std::string expr;
  std::string want;  ///< JSON, or "!" and Go's error text
};

// COCO_ADMIT_GO_TIME_CASES names another file of rows (tests/data/go-time/random.go writes a large one).
std::string cases_path() {
  const char* other = std::getenv("COCO_ADMIT_GO_TIME_CASES");
  return other != nullptr && *other != '\0' ? std::string(other)
                                            : std::string(COCO_ADMIT_SOURCE_DIR) + "/tests/data/go-time/cases.tsv";
}

std::vector<time_case> load_cases() {
  std::ifstream in(cases_path(), std::ios::binary);
  std::vector<time_case> out;
  for (std::string line; std::getline(in, line);) {
    const std::size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    out.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return out;
}

TEST(JmespathTime, EveryCaseAnswersAsGo) {
  const std::vector<time_case> cases = load_cases();
  ASSERT_GT(cases.size(), 800u) << cases_path() << " is missing or short";
  std::size_t errors = 0;
  for (const time_case& c : cases) {
    auto r = jmespath::search(c.expr, value::object());
    if (c.want[0] == '!') {
      ++errors;
      const std::string go_text = c.want.substr(1);
      if (r.ok()) {
        ADD_FAILURE() << c.expr << " gave " << json::serialize(*r) << ", Go: " << go_text;
        continue;
      }
      const std::string& got = r.err().message;
      EXPECT_TRUE(got.size() >= go_text.size() && got.compare(got.size() - go_text.size(), go_text.size(), go_text) == 0)
          << c.expr << "\n  got: " << got << "\n  Go:  " << go_text;
      continue;
    }
    if (!r.ok()) {
      ADD_FAILURE() << c.expr << ": " << r.err().message << ", Go: " << c.want;
      continue;
    }
    auto want = json::parse(c.want);
    ASSERT_TRUE(want.ok()) << c.want;
    EXPECT_EQ(*r, *want) << c.expr << " gave " << json::serialize(*r) << ", Go: " << c.want;
  }
  EXPECT_GT(errors, 50u) << "the cases should hold Go's errors too";
}

TEST(JmespathTime, TimeSinceWithoutItsSecondTimeIsRefusedRatherThanReadingTheClock) {
  auto r = jmespath::search("time_since('', '2024-01-01T00:00:00Z', '')", value::object());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.err().message.find("reads no clock"), std::string::npos) << r.err().message;
  // The first time is read first, as Kyverno reads it: its error comes before the clock's.
  r = jmespath::search("time_since('', 'yesterday', '')", value::object());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.err().message.find(R"(parsing time "yesterday")"), std::string::npos) << r.err().message;
}

TEST(JmespathTime, ArgumentsMustBeStrings) {
  auto r = jmespath::search("time_add(`1`, '1h')", value::object());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.err().message.find("time_add"), std::string::npos) << r.err().message;
}

TEST(JmespathTime, TheClockReadingFunctionsStayUnknown) {
  for (const char* expr : {"time_now()", "time_now_utc()"}) {
    auto r = jmespath::search(expr, value::object());
    ASSERT_FALSE(r.ok()) << expr;
    EXPECT_NE(r.err().message.find("unknown function"), std::string::npos) << r.err().message;
  }
}

}  // namespace
