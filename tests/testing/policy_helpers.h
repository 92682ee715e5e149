// policy_helpers: the two steps most compiler and engine tests start with,
// compiling policy YAML held in the test and reading a resource written as
// YAML, each failing the current test with the diagnostic when the text is bad.
// Header-only: the tests that include it link the compiler already.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/value.h"
#include "coco-admit/core/yaml.h"

namespace coco_admit::testing {

/// The program for `yaml_text` (file name "test.yaml" in diagnostics); null, with a test failure, when it does not
/// compile.
inline std::shared_ptr<const program> compile(const std::string& yaml_text) {
  auto out = compiler::compile_sources({{"test.yaml", yaml_text}});
  EXPECT_TRUE(out.ok()) << out.error_text();
  return out.prog;
}

/// The one YAML document in `yaml_text`; null, with a test failure, when it does not parse.
inline value doc(const std::string& yaml_text) {
  auto d = yaml::parse_one(yaml_text);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.err().message);
  return d.ok() ? d->root : value();
}

}  // namespace coco_admit::testing
