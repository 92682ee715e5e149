#include "coco-admit/core/coco/sealed_secret.h"

#include <array>

#include "checks.h"
#include "coco-admit/core/coco/base64.h"
#include "coco-admit/core/json.h"

namespace coco_admit::coco {
namespace {

using detail::quote_for_message;

constexpr std::string_view prefix = "sealed secret: ";

void add(std::vector<std::string>& out, std::string m) { out.push_back(std::string(prefix) + std::move(m)); }

// Decodes a base64url section into a JSON object; reports and returns null otherwise.
value json_section(std::string_view text, std::string_view name, std::vector<std::string>& out) {
  auto bytes = base64url_decode_strict(text);
  if (!bytes.ok()) {
    add(out, std::string(name) + ": base64url: " + bytes.err().message);
    return value();
  }
  auto doc = json::parse(*bytes);
  if (!doc.ok()) {
    add(out, std::string(name) + ": not JSON: " + doc.err().message);
    return value();
  }
  if (!doc->is_object()) {
    add(out, std::string(name) + ": must be a JSON object, got " + kind_name(doc->type()));
    return value();
  }
  return std::move(doc).value();
}

const value* require(const value& obj, std::string_view field, value::kind want, std::string_view where,
                     std::vector<std::string>& out) {
  const value* v = obj.find(field);
  if (!v) {
    add(out, std::string(where) + "." + std::string(field) + " is missing");
    return nullptr;
  }
  if (v->type() != want) {
    add(out, std::string(where) + "." + std::string(field) + " must be " + kind_name(want) + ", got " +
                 kind_name(v->type()));
    return nullptr;
  }
  return v;
}

void require_nonempty_string(const value& obj, std::string_view field, std::string_view where,
                             std::vector<std::string>& out) {
  if (const value* v = require(obj, field, value::kind::string, where, out); v && v->as_string().empty()) {
    add(out, std::string(where) + "." + std::string(field) + " is empty");
  }
}

void check_header(const value& h, std::vector<std::string>& out) {
  if (const value* alg = require(h, "alg", value::kind::string, "header", out); alg && alg->as_string() != "ES256") {
    add(out, "header.alg is " + quote_for_message(alg->as_string()) +
                 "; CDH verifies only ES256 (ECDSA P-256) signatures");
  }
  if (const value* kid = require(h, "kid", value::kind::string, "header", out)) {
    const std::string& k = kid->as_string();
    if (k.empty()) {
      add(out, "header.kid is empty; it must name the verification key (e.g. kbs:///default/signing-key/sealed-secret)");
    } else if (k.rfind("kbs", 0) == 0 && k.find("://") != std::string::npos) {
      if (auto p = detail::resource_uri_problem(k)) add(out, "header.kid: " + *p);
    }
  }
}

void check_b64_field(const value& obj, std::string_view field, std::vector<std::string>& out) {
  const value* v = require(obj, field, value::kind::string, "payload", out);
  if (!v) return;
  if (auto b = base64_decode_strict(v->as_string()); !b.ok()) {
    add(out, "payload." + std::string(field) + ": base64: " + b.err().message);
  }
}

void check_payload(const value& p, std::vector<std::string>& out) {
  if (const value* ver = require(p, "version", value::kind::string, "payload", out); ver && ver->as_string() != "0.1.0") {
    add(out, "payload.version is " + quote_for_message(ver->as_string()) + "; only \"0.1.0\" is accepted");
  }
  const value* type = require(p, "type", value::kind::string, "payload", out);
  if (!type) return;
  const std::string& t = type->as_string();
  // Neither layout struct has a serde default for these two, so omitting them
  // fails deserialisation even though the docs call annotations optional.
  auto common = [&] {
    require(p, "provider_settings", value::kind::object, "payload", out);
    require(p, "annotations", value::kind::object, "payload", out);
  };
  if (t == "vault") {
    const value* provider = require(p, "provider", value::kind::string, "payload", out);
    if (const value* name = require(p, "name", value::kind::string, "payload", out)) {
      if (name->as_string().empty()) {
        add(out, "payload.name is empty");
      } else if (provider && provider->as_string() == "kbs") {
        if (auto prob = detail::resource_uri_problem(name->as_string())) add(out, "payload.name: " + *prob);
      }
    }
    if (provider && provider->as_string().empty()) add(out, "payload.provider is empty");
    common();
  } else if (t == "envelope") {
    require_nonempty_string(p, "provider", "payload", out);
    require_nonempty_string(p, "key_id", "payload", out);
    check_b64_field(p, "encrypted_key", out);
    check_b64_field(p, "encrypted_data", out);
    check_b64_field(p, "iv", out);
    if (const value* w = require(p, "wrap_type", value::kind::string, "payload", out);
        w && w->as_string() != "A256GCM" && w->as_string() != "A256CTR") {
      add(out, "payload.wrap_type is " + quote_for_message(w->as_string()) + "; expected A256GCM (or A256CTR)");
    }
    common();
  } else {
    add(out, "payload.type is " + quote_for_message(t) + "; expected \"vault\" or \"envelope\"");
  }
}

}  // namespace

std::vector<std::string> sealed_secret_errors(std::string_view text) {
  std::vector<std::string> out;
  if (text.size() > max_sealed_secret_bytes) {
    add(out, "value is " + std::to_string(text.size()) + " bytes, more than the " +
                 std::to_string(max_sealed_secret_bytes) + "-byte limit");
    return out;
  }
  if (text.rfind("sealed.", 0) != 0) {
    add(out, "missing the \"sealed.\" prefix (the agent only unseals values that start with it, so the app would get "
             "the raw string)");
    return out;
  }
  std::array<std::string_view, 4> sections;
  std::size_t count = 0;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = text.find('.', start);
    std::string_view part = text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (count < sections.size()) sections[count] = part;
    ++count;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (count != 4) {
    add(out, "has " + std::to_string(count) +
                 " dot-separated sections; expected 4 (sealed.<header>.<payload>.<signature>)");
    return out;
  }
  bool legacy = sections[1] == "fakejwsheader";
  if (legacy) {
    add(out, "legacy unsigned form (sealed.fakejwsheader...fakesignature): CDH accepts it only when cdh.toml sets "
             "skip_sealed_secret_verification = true; seal it with an ES256 key instead");
  } else {
    value header = json_section(sections[1], "header", out);
    if (header.is_object()) check_header(header, out);
  }
  value payload = json_section(sections[2], "payload", out);
  if (payload.is_object()) check_payload(payload, out);
  if (!legacy) {
    auto sig = base64url_decode_strict(sections[3]);
    if (!sig.ok()) {
      add(out, "signature: base64url: " + sig.err().message);
    } else if (sig->size() != 64) {
      add(out, "signature is " + std::to_string(sig->size()) + " bytes; an ES256 JWS signature is 64 bytes (R || S)");
    }
  } else if (sections[3] != "fakesignature") {
    add(out, "legacy form: the signature section must be \"fakesignature\", got " + quote_for_message(sections[3]));
  }
  return out;
}

}  // namespace coco_admit::coco
