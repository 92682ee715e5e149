// The CoCo JMESPath functions, end to end through the expression evaluator.
#include <gtest/gtest.h>

#include "coco-admit/core/coco/initdata.h"
#include "coco-admit/core/jmespath.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/yaml.h"

using namespace coco_admit;

namespace {

// The COCO.md example (its PEMs are placeholders, so it is not error-free) and
// the same document with a real CA certificate.
std::string read_data(const char* name) {
  auto text = yaml::read_file(std::string(COCO_ADMIT_SOURCE_DIR) + "/tests/data/coco/" + name);
  EXPECT_TRUE(text.ok());
  return text.ok() ? *text : std::string();
}

value doc_with(const std::string& annotation) {
  value d = value::object();
  d["v"] = value(annotation);
  return d;
}

}  // namespace

std::string example_toml() { return read_data("example-initdata.toml"); }

TEST(CocoFunctions, EncodeDecodeDigestRoundTrip) {
  std::string toml = example_toml();
  value data = value::object();
  data["toml"] = value(toml);
  auto encoded = jmespath::search("coco_initdata_encode(toml)", data);
  ASSERT_TRUE(encoded.ok()) << encoded.err().message;
  ASSERT_TRUE(encoded->is_string());
  EXPECT_EQ(encoded->as_string(), coco::initdata_encode(toml));

  auto errors = jmespath::search("coco_initdata_errors(v)", doc_with(encoded->as_string()));
  ASSERT_TRUE(errors.ok()) << errors.err().message;
  EXPECT_EQ(errors->size(), 2u) << json::serialize(*errors);  // the two placeholder PEM blocks
  auto clean = jmespath::search("coco_initdata_errors(v)",
                                doc_with(coco::initdata_encode(read_data("example-with-ca.toml"))));
  ASSERT_TRUE(clean.ok());
  EXPECT_EQ(clean->size(), 0u) << json::serialize(*clean);

  auto decoded = jmespath::search("coco_initdata_decode(v).algorithm", doc_with(encoded->as_string()));
  ASSERT_TRUE(decoded.ok()) << decoded.err().message;
  EXPECT_EQ(decoded->as_string(), "sha384");

  auto digest = jmespath::search("coco_initdata_digest(v, 'raw')", doc_with(encoded->as_string()));
  ASSERT_TRUE(digest.ok()) << digest.err().message;
  EXPECT_EQ(digest->as_string().substr(0, 8), "97a4040c");
  auto snp = jmespath::search("coco_initdata_digest(v, 'snp')", doc_with(encoded->as_string()));
  ASSERT_TRUE(snp.ok());
  EXPECT_EQ(snp->as_string().size(), 64u);  // 32 bytes of HOST_DATA in hex
}

TEST(CocoFunctions, ErrorsNameTheLayer) {
  auto errors = jmespath::search("coco_initdata_errors(v)", doc_with("version = \"0.1.0\""));
  ASSERT_TRUE(errors.ok());
  ASSERT_GT(errors->size(), 0u);
  EXPECT_EQ(errors->as_array()[0].as_string().rfind("initdata: ", 0), 0u)
      << json::serialize(*errors);
}

TEST(CocoFunctions, BadPlatformIsAnError) {
  auto digest = jmespath::search("coco_initdata_digest(v, 'sgx-ish')", doc_with(coco::initdata_encode(example_toml())));
  ASSERT_FALSE(digest.ok());
  EXPECT_NE(digest.err().message.find("coco_initdata_digest"), std::string::npos) << digest.err().message;
}

TEST(CocoFunctions, SealedSecretErrors) {
  auto errors = jmespath::search("coco_sealed_secret_errors(v)", doc_with("not-sealed"));
  ASSERT_TRUE(errors.ok());
  ASSERT_GT(errors->size(), 0u);
  EXPECT_NE(errors->as_array()[0].as_string().find("sealed."), std::string::npos) << json::serialize(*errors);
}

TEST(CocoFunctions, WrongArityIsACompileError) {
  EXPECT_FALSE(jmespath::compile("coco_initdata_digest(v)").ok());
  EXPECT_FALSE(jmespath::compile("coco_initdata_errors(v, v)").ok());
}
