// Checks shared by the initdata and sealed-secret validators (private to core).
// Each returns human text without a layer prefix; the caller adds the layer
// and field ("initdata: data.\"cdh.toml\": [kbc].kbs_cert: ...").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coco_admit::coco::detail {

/// Problem with a KBS resource URI (`kbs://<addr>/<repo>/<type>/<tag>` or
/// `kbs+<plugin>://<addr>/<path...>`), as guest-components' resource_uri crate
/// parses it; nullopt when well formed.
std::optional<std::string> resource_uri_problem(std::string_view uri);

/// Problems with a PEM bundle that must hold CA certificates: no certificate,
/// unparsable block, expired or not yet valid, leaf (not CA), SHA-1/MD5
/// signature, RSA key below 1024 bits (the checks cococtl's `initdata
/// validate` makes). At most `max_certs` certificates are examined.
std::vector<std::string> certificate_problems(std::string_view pem, std::size_t max_certs = 64);

/// A short JSON-ish rendering of a string for messages: quoted, control
/// bytes escaped, cut after `max` bytes.
std::string quote_for_message(std::string_view s, std::size_t max = 80);

}  // namespace coco_admit::coco::detail
