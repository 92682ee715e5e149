// Kata Containers initdata: the `io.katacontainers.config.hypervisor.cc_init_data`
// annotation value, standard base64 of gzip of a TOML document
//
//   version = "0.1.0"
//   algorithm = "sha256" | "sha384" | "sha512"
//   [data]            # string -> string
//   "aa.toml" = '''...'''  "cdh.toml" = '''...'''  "policy.rego" = '''...'''
//
// initdata_errors() walks every layer (base64, gzip, TOML, schema, then the
// aa.toml / cdh.toml / policy.rego documents inside) and reports every problem
// it finds, each message prefixed with "initdata: " and naming the layer and
// field. Work is bounded by initdata_limits on any input.
//
// The digest is the hash (with the document's algorithm) of the exact
// decompressed TOML bytes, truncated or zero-padded to the TEE field the
// platform measures (Kata's adjust_digest): SNP HOST_DATA 32 bytes, TDX
// MRCONFIGID 48, Arm CCA personalization value 64, IBM SE 256, raw = full.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "coco-admit/core/result.h"
#include "coco-admit/core/value.h"

namespace coco_admit::coco {

/// The annotation key Kata reads (the only one).
inline constexpr std::string_view initdata_annotation = "io.katacontainers.config.hypervisor.cc_init_data";

struct initdata_limits {
  /// Largest annotation value examined; Kubernetes caps all annotations of an
  /// object together at 256 KiB, so a larger value can never be admitted.
  std::size_t max_annotation_bytes = 256 * 1024;
  /// Largest decompressed TOML (gzip bomb protection).
  std::size_t max_toml_bytes = 1 << 20;
};

/// The agent requests policy.rego must define (a rule or a default) for a
/// sandbox to start and be managed: the requests the COCO.md example lists.
/// An undefined request is denied by the agent.
extern const std::vector<std::string_view> required_policy_requests;

/// Every problem in an annotation value; empty when valid.
std::vector<std::string> initdata_errors(std::string_view annotation_value, const initdata_limits& limits = {});

/// Problems in a decompressed initdata TOML document (the layers below gzip).
std::vector<std::string> initdata_toml_errors(std::string_view toml, const initdata_limits& limits = {});

/// Decodes to {version, algorithm, data: {key: string}}. Fails when the value
/// cannot be decoded (base64, gzip, TOML) or does not have that shape
/// (version/algorithm not strings, [data] missing or not string -> string).
/// Semantic problems (version value, contents of aa.toml, ...) are left to
/// initdata_errors.
result<value> initdata_decode(std::string_view annotation_value);

/// The exact decompressed TOML bytes of a value (base64 and gzip layers only).
result<std::string> initdata_decode_toml(std::string_view annotation_value);

/// base64(gzip(toml)), deterministic (see gzip_deterministic).
std::string initdata_encode(std::string_view toml);

enum class platform { raw, snp, tdx, cca, se };

/// "raw" | "snp" | "tdx" | "cca" | "se".
result<platform> parse_platform(std::string_view name);
/// Bytes of the TEE field for the platform (0 for raw = digest length).
std::size_t platform_digest_bytes(platform p) noexcept;

/// What attestation measures of an initdata value: its `algorithm` and the digest of its TOML bytes under it, before
/// any platform's adjustment. One decode and one parse, for callers that want the digest of several platforms.
struct initdata_measurement {
  std::string algorithm;
  std::string digest;  ///< raw bytes
};
result<initdata_measurement> initdata_measure(std::string_view annotation_value);
/// What the policies' CoCo functions and the admission audit read of one initdata value, from one base64 decode,
/// one gunzip and one TOML parse: each field equals what the function of that name computes alone (tests and the
/// initdata fuzzer hold them to it).
struct initdata_analysis {
  std::vector<std::string> errors;        ///< initdata_errors (default limits)
  result<value> decoded = value();                                ///< initdata_decode
  result<initdata_measurement> measured = initdata_measurement{};  ///< initdata_measure
};
initdata_analysis analyse_initdata(std::string_view annotation_value);
/// The digest as the platform's TEE field holds it (Kata adjust_digest: truncated to the field, or zero-padded).
std::string adjust_digest(std::string digest, platform p);
/// Lowercase hex.
std::string hex_of(std::string_view bytes);

/// Lowercase hex of the adjusted digest.
result<std::string> initdata_digest_hex(std::string_view annotation_value, platform p);
/// The adjusted digest as raw bytes.
result<std::string> initdata_digest_bytes(std::string_view annotation_value, platform p);

}  // namespace coco_admit::coco
