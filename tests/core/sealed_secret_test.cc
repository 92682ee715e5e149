// Sealed secrets: COCO.md section 3, 7.14 (sealed name), 7.24-25 and good case 8.5.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "coco-admit/core/coco/base64.h"
#include "coco-admit/core/coco/sealed_secret.h"

using namespace coco_admit::coco;

namespace {

const std::string es256_header = R"({"b64":true,"alg":"ES256","kid":"kbs:///default/signing-key/sealed-secret"})";
const std::string vault =
    R"({"version":"0.1.0","type":"vault","name":"kbs:///default/sealed-secret/test","provider":"kbs","provider_settings":{},"annotations":{}})";
const std::string envelope =
    R"({"version":"0.1.0","type":"envelope","provider":"kbs","key_id":"kbs:///default/key/1","encrypted_key":"AAEC","encrypted_data":"AAECAw==","wrap_type":"A256GCM","iv":"AAAAAAAAAAAAAAAA","provider_settings":{},"annotations":{}})";

std::string sig(std::size_t n = 64) { return base64url_encode(std::string(n, '\x5a')); }

std::string sealed(const std::string& header, const std::string& payload, const std::string& signature = sig()) {
  return "sealed." + base64url_encode(header) + "." + base64url_encode(payload) + "." + signature;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

}  // namespace

TEST(SealedSecret, GoodCases) {
  const std::string cases[] = {
      sealed(es256_header, vault),
      sealed(es256_header, envelope),
      sealed(R"({"alg":"ES256","kid":"/run/confidential-containers/cdh/kbs/sealed-secret/key.jwk"})", vault),
      sealed(es256_header, replace(vault, R"("provider":"kbs")", R"("provider":"aliyun")")
                               .replace(vault.find("kbs:///default/sealed-secret/test"), 33, "secret-name")),
  };
  for (const auto& s : cases) EXPECT_EQ(join(sealed_secret_errors(s)), "") << s;
}

TEST(SealedSecret, Rejections) {
  std::string url_payload = base64url_encode(vault);
  struct c { std::string name, value, want; };
  const c cases[] = {
      {"7.24 no prefix", base64url_encode(vault),
       "sealed secret: missing the \"sealed.\" prefix (the agent only unseals values that start with it"},
      {"7.24 prefix only", "sealed.", "sealed secret: has 2 dot-separated sections; expected 4 (sealed.<header>.<payload>.<signature>)"},
      {"7.24 three sections", "sealed." + base64url_encode(es256_header) + "." + url_payload, "has 3 dot-separated sections"},
      {"7.24 five sections", sealed(es256_header, vault) + ".x", "has 5 dot-separated sections"},
      {"7.24 payload standard base64", "sealed." + base64url_encode(es256_header) + "." + base64_encode(vault) + "." + sig(),
       "sealed secret: payload: base64url: "},
      {"7.24 payload not JSON", sealed(es256_header, "not json"), "sealed secret: payload: not JSON: "},
      {"7.24 payload not object", sealed(es256_header, "[1]"), "sealed secret: payload: must be a JSON object, got array"},
      {"7.24 version", sealed(es256_header, replace(vault, "0.1.0", "0.2.0")),
       "sealed secret: payload.version is \"0.2.0\"; only \"0.1.0\" is accepted"},
      {"7.24 version missing", sealed(es256_header, replace(vault, R"("version":"0.1.0",)", "")), "sealed secret: payload.version is missing"},
      {"7.24 type", sealed(es256_header, replace(vault, R"("type":"vault")", R"("type":"Vault")")),
       "sealed secret: payload.type is \"Vault\"; expected \"vault\" or \"envelope\""},
      {"7.24 vault provider_settings", sealed(es256_header, replace(vault, R"("provider_settings":{},)", "")),
       "sealed secret: payload.provider_settings is missing"},
      {"7.24 vault annotations", sealed(es256_header, replace(vault, R"(,"annotations":{})", "")), "sealed secret: payload.annotations is missing"},
      {"7.24 vault annotations type", sealed(es256_header, replace(vault, R"("annotations":{})", R"("annotations":"x")")),
       "sealed secret: payload.annotations must be object, got string"},
      {"7.24 vault name", sealed(es256_header, replace(vault, R"("name":"kbs:///default/sealed-secret/test",)", "")),
       "sealed secret: payload.name is missing"},
      {"7.14 vault name URI", sealed(es256_header, replace(vault, "kbs:///default/sealed-secret/test", "kbs://default/sealed-secret/test")),
       "sealed secret: payload.name: resource URI \"kbs://default/sealed-secret/test\" has 2 path segment(s)"},
      {"7.24 envelope iv", sealed(es256_header, replace(envelope, R"(,"iv":"AAAAAAAAAAAAAAAA")", "")), "sealed secret: payload.iv is missing"},
      {"7.24 envelope wrap_type", sealed(es256_header, replace(envelope, "A256GCM", "AES")),
       "sealed secret: payload.wrap_type is \"AES\"; expected A256GCM (or A256CTR)"},
      {"7.24 envelope encrypted_key", sealed(es256_header, replace(envelope, R"("encrypted_key":"AAEC",)", "")),
       "sealed secret: payload.encrypted_key is missing"},
      {"7.24 envelope encrypted_data base64", sealed(es256_header, replace(envelope, "AAECAw==", "AAECAw")),
       "sealed secret: payload.encrypted_data: base64: missing '=' padding"},
      {"7.24 envelope key_id", sealed(es256_header, replace(envelope, R"("key_id":"kbs:///default/key/1",)", "")),
       "sealed secret: payload.key_id is missing"},
      {"7.25 legacy fakejwsheader", "sealed.fakejwsheader." + url_payload + ".fakesignature",
       "sealed secret: legacy unsigned form (sealed.fakejwsheader...fakesignature): CDH accepts it only when cdh.toml sets "
       "skip_sealed_secret_verification = true"},
      {"7.25 legacy bad signature", "sealed.fakejwsheader." + url_payload + ".sig", "the signature section must be \"fakesignature\""},
      {"7.25 alg", sealed(replace(es256_header, "ES256", "RS256"), vault),
       "sealed secret: header.alg is \"RS256\"; CDH verifies only ES256 (ECDSA P-256) signatures"},
      {"7.25 alg none", sealed(R"({"alg":"none","kid":"k"})", vault), "header.alg is \"none\""},
      {"7.25 kid missing", sealed(R"({"alg":"ES256"})", vault), "sealed secret: header.kid is missing"},
      {"7.25 kid URI", sealed(replace(es256_header, "kbs:///default/", "kbs:///"), vault),
       "sealed secret: header.kid: resource URI \"kbs:///signing-key/sealed-secret\" has 2 path segment(s)"},
      {"7.25 header not base64url", "sealed.e30=." + url_payload + "." + sig(), "sealed secret: header: base64url: '=' padding at offset 3"},
      {"7.25 signature length", sealed(es256_header, vault, sig(32)),
       "sealed secret: signature is 32 bytes; an ES256 JWS signature is 64 bytes (R || S)"},
      {"7.25 signature empty", sealed(es256_header, vault, ""), "signature is 0 bytes"},
      {"too large", "sealed." + std::string(max_sealed_secret_bytes, 'A'), "more than the 1048576-byte limit"},
  };
  for (const auto& t : cases) {
    auto errs = sealed_secret_errors(t.value);
    std::string all = join(errs);
    EXPECT_NE(all.find(t.want), std::string::npos) << t.name << "\nwant: " << t.want << "\ngot:\n" << all;
  }
}

TEST(SealedSecret, LegacyFormOtherwiseValidReportsOnlyTheLegacyProblem) {
  auto errs = sealed_secret_errors("sealed.fakejwsheader." + base64url_encode(vault) + ".fakesignature");
  ASSERT_EQ(errs.size(), 1u) << join(errs);
}
