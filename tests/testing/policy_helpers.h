// policy_helpers: the steps most compiler and engine tests start with,
// compiling policy YAML held in the test and reading a resource written as
// YAML, each failing the current test with the diagnostic when the text is bad,
// and wrapping a pod into the AdmissionReview the API server would send.
// Header-only: the tests that include it link the compiler already.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/json.h"
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

/// A Pod CREATE AdmissionReview (uid "u") carrying `pod`, its namespace and name read from its metadata.
inline std::string pod_create_review(const value& pod) {
  value req = value::object();
  req.set("uid", value("u"));
  value kind = value::object();
  kind.set("group", value(""));
  kind.set("version", value("v1"));
  kind.set("kind", value("Pod"));
  req.set("kind", std::move(kind));
  req.set("operation", value("CREATE"));
  if (const value* md = pod.find("metadata")) {
    if (const value* ns = md->find("namespace")) req.set("namespace", *ns);
    if (const value* name = md->find("name")) req.set("name", *name);
  }
  req.set("object", pod);
  value review = value::object();
  review.set("apiVersion", value("admission.k8s.io/v1"));
  review.set("kind", value("AdmissionReview"));
  review.set("request", std::move(req));
  return json::serialize(review);
}

}  // namespace coco_admit::testing
