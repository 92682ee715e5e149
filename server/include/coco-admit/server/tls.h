// tls: building the server's TLS context from files, and dev certificates.
//
// A context is built whole from the certificate chain, private key and
// optional client CA, read into memory first so a pair that is swapped while
// we read is caught by SSL_CTX_check_private_key instead of half-loaded. The
// reloader publishes a new context only when this succeeds; connections keep
// the context they were accepted with.
//
// Protocol policy (Kyverno's and the Kubernetes API server's expectations):
// TLS 1.2 and 1.3 only; ECDHE key exchange with AES-GCM or ChaCha20-Poly1305
// only; no renegotiation, no compression; server-side session cache and
// session tickets for resumption, with the ticket keys carried over from the
// previous context so a certificate reload does not force full handshakes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "coco-admit/core/result.h"

namespace coco_admit::server {

struct tls_files {
  std::string cert;       ///< PEM chain, leaf first
  std::string key;        ///< PEM private key
  std::string client_ca;  ///< optional PEM bundle; when set clients must present a certificate it signed
};

/// Reads and checks the files and builds a server context. `previous` (may be
/// null) donates its session ticket keys.
result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const tls_files& files,
                                                                    const boost::asio::ssl::context* previous);

/// Hex SHA-256 over the three files' contents ("" entries for unreadable
/// files), to detect changes cheaply.
std::string tls_fingerprint(const tls_files& files);

/// A self-signed certificate (P-256, SHA-256) valid for the given DNS names
/// and IP addresses, for `serve --dev` and tests.
struct self_signed {
  std::string cert_pem;
  std::string key_pem;
};
result<self_signed> make_self_signed(const std::vector<std::string>& dns_names, const std::vector<std::string>& ips,
                                     int days);

/// Standard base64 (the caBundle field's encoding).
std::string base64(std::string_view bytes);

}  // namespace coco_admit::server
