// Golden test of the program's stable text form (`coco-admit compile --dump`).
// To accept an intended change, run from the source tree:
//   build/server/coco-admit compile --policy tests/compiler/golden/policies.yaml --dump
//     > tests/compiler/golden/policies.txt   (one command line)
#include <gtest/gtest.h>

#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/yaml.h"

using namespace coco_admit;

TEST(Golden, CompileDumpMatches) {
  const std::string dir = std::string(COCO_ADMIT_SOURCE_DIR) + "/tests/compiler/golden/";
  auto out = compiler::compile_paths({dir + "policies.yaml"});
  ASSERT_TRUE(out.ok()) << out.error_text();
  auto expected = yaml::read_file(dir + "policies.txt");
  ASSERT_TRUE(expected.ok()) << expected.err().message;
  std::string actual = compiler::dump(*out.prog);
  EXPECT_EQ(actual, *expected) << "the dump changed; if intended, regenerate the golden file (see the comment above)";
  // The dump is a function of the policies alone.
  auto again = compiler::compile_paths({dir + "policies.yaml"});
  EXPECT_EQ(compiler::dump(*again.prog), actual);
}
