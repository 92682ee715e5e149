// Variable substitution over a template: `{{@}}` resolves to the value at the
// template's own path in the object, through members, array elements and
// keys made of digits (which read as indexes: Kyverno turns the JSON pointer
// into a JMESPath the same way).
#include <gtest/gtest.h>

#include "coco-admit/core/json.h"
#include "coco-admit/core/template.h"
#include "coco-admit/core/variables.h"

using namespace coco_admit;

namespace {

value json_of(const char* text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? std::move(v).value() : value();
}

}  // namespace

TEST(Variables, SelfReferenceFollowsTheTemplatePath) {
  value context = json_of(R"({"request":{"object":{
      "metadata":{"labels":{"app":"web","team.io/name":"a"}},
      "spec":{"containers":[{"name":"c0"},{"name":"c1","ports":[{"containerPort":80}]}]},
      "data":{"7":["x","y"]}}}})");
  auto t = compile_template(json_of(R"({
      "metadata":{"labels":{"app":"{{@}}","team.io/name":"{{ @ }}"}},
      "spec":{"containers":[{"name":"{{@}}"},{"name":"n-{{@}}","ports":[{"containerPort":"{{@}}"}]}]},
      "data":{"7":["{{@}}"]}})"));
  ASSERT_TRUE(t.ok()) << t.err().message;
  variables::options o;
  o.context = &context;
  auto out = variables::substitute(*t, o);
  ASSERT_TRUE(out.ok()) << out.err().message;
  EXPECT_EQ(json::serialize(*out),
            R"({"metadata":{"labels":{"app":"web","team.io/name":"a"}},)"
            R"("spec":{"containers":[{"name":"c0"},{"name":"n-c1","ports":[{"containerPort":80}]}]},)"
            R"("data":{"7":[null]}})");
}
