#include "coco-admit/server/tls.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <sstream>

#include "coco-admit/server/sources.h"

namespace coco_admit::server {
namespace {

std::string openssl_errors() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

result<std::string> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error::invalid("cannot read \"" + path + "\"");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() > (1u << 20)) return error::invalid("\"" + path + "\" is larger than 1 MiB");
  return std::move(ss).str();
}

struct bio_deleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;

bio_ptr mem_bio(const std::string& s) { return bio_ptr(BIO_new_mem_buf(s.data(), static_cast<int>(s.size()))); }

constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* tls13_suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr unsigned char session_id_context[] = "coco-admit";

}  // namespace

std::string tls_fingerprint(const tls_files& files) {
  std::string acc;
  for (const auto* f : {&files.cert, &files.key, &files.client_ca}) {
    if (f->empty()) {
      acc += "-\n";
      continue;
    }
    auto s = slurp(*f);
    acc += s ? sha256_hex(*s) : std::string("unreadable");
    acc += '\n';
  }
  return sha256_hex(acc);
}

result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const tls_files& files,
                                                                    const boost::asio::ssl::context* previous) {
  ERR_clear_error();
  auto cert_pem = slurp(files.cert);
  if (!cert_pem) return std::move(cert_pem).err();
  auto key_pem = slurp(files.key);
  if (!key_pem) return std::move(key_pem).err();

  std::shared_ptr<boost::asio::ssl::context> ctx;
  try {
    ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  } catch (const std::exception& e) {
    return error::internal(std::string("cannot create a TLS context: ") + e.what());
  }
  SSL_CTX* c = ctx->native_handle();
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Idle connections must stay cheap (thousands are held during apiserver
  // bursts): let OpenSSL free its per-connection read/write buffers between records.
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(c, tls12_ciphers) != 1 || SSL_CTX_set_ciphersuites(c, tls13_suites) != 1)
    return error::internal("cannot set the cipher policy: " + openssl_errors());
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
  SSL_CTX_sess_set_cache_size(c, 20480);
  SSL_CTX_set_session_id_context(c, session_id_context, sizeof session_id_context - 1);

  {
    auto bio = mem_bio(*cert_pem);
    X509* leaf = PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr);
    if (leaf == nullptr) return error::invalid("\"" + files.cert + "\" holds no PEM certificate: " + openssl_errors());
    const int ok = SSL_CTX_use_certificate(c, leaf);
    X509_free(leaf);
    if (ok != 1) return error::invalid("\"" + files.cert + "\": " + openssl_errors());
    SSL_CTX_clear_chain_certs(c);
    while (X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      if (SSL_CTX_add0_chain_cert(c, extra) != 1) {
        X509_free(extra);
        return error::invalid("\"" + files.cert + "\": bad chain certificate: " + openssl_errors());
      }
    }
    ERR_clear_error();  // the loop ends on "no start line"
  }
  {
    auto bio = mem_bio(*key_pem);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (key == nullptr) return error::invalid("\"" + files.key + "\" holds no PEM private key: " + openssl_errors());
    const int ok = SSL_CTX_use_PrivateKey(c, key);
    EVP_PKEY_free(key);
    if (ok != 1)
      return error::invalid("\"" + files.key + "\" does not match the certificate in \"" + files.cert + "\": " + openssl_errors());
  }
  if (SSL_CTX_check_private_key(c) != 1)
    return error::invalid("\"" + files.key + "\" does not match the certificate in \"" + files.cert + "\"");

  if (!files.client_ca.empty()) {
    auto ca_pem = slurp(files.client_ca);
    if (!ca_pem) return std::move(ca_pem).err();
    X509_STORE* store = SSL_CTX_get_cert_store(c);
    STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
    auto bio = mem_bio(*ca_pem);
    int count = 0;
    while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      X509_STORE_add_cert(store, ca);
      if (X509_NAME* n = X509_NAME_dup(X509_get_subject_name(ca))) sk_X509_NAME_push(names, n);
      X509_free(ca);
      ++count;
    }
    ERR_clear_error();
    if (count == 0) {
      sk_X509_NAME_pop_free(names, X509_NAME_free);
      return error::invalid("\"" + files.client_ca + "\" holds no PEM certificate");
    }
    SSL_CTX_set_client_CA_list(c, names);
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }

  if (previous != nullptr) {
    // Keep tickets issued before the reload valid (80 bytes: name, HMAC, AES keys).
    unsigned char keys[80];
    SSL_CTX* old = const_cast<boost::asio::ssl::context*>(previous)->native_handle();
    if (SSL_CTX_get_tlsext_ticket_keys(old, keys, sizeof keys) == 1) SSL_CTX_set_tlsext_ticket_keys(c, keys, sizeof keys);
    OPENSSL_cleanse(keys, sizeof keys);
  }
  return ctx;
}

result<self_signed> make_self_signed(const std::vector<std::string>& dns_names, const std::vector<std::string>& ips,
                                     int days) {
  ERR_clear_error();
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) return error::internal("cannot generate a P-256 key: " + openssl_errors());
  X509* x = X509_new();
  auto cleanup = [&] {
    X509_free(x);
    EVP_PKEY_free(key);
  };
  X509_set_version(x, 2);
  {
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    BN_free(bn);
  }
  X509_gmtime_adj(X509_getm_notBefore(x), -300);
  X509_gmtime_adj(X509_getm_notAfter(x), static_cast<long>(days) * 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  const std::string cn = dns_names.empty() ? std::string("coco-admit") : dns_names.front();
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, name);

  std::string san;
  for (const auto& d : dns_names) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
  for (const auto& ip : ips) san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
  const std::pair<int, std::string> exts[] = {
      {NID_subject_alt_name, san},
      {NID_basic_constraints, "critical,CA:TRUE"},
      {NID_key_usage, "critical,digitalSignature,keyCertSign"},
      {NID_ext_key_usage, "serverAuth,clientAuth"},
  };
  for (const auto& [nid, val] : exts) {
    if (val.empty()) continue;
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, val.c_str());
    if (ext == nullptr) {
      cleanup();
      return error::invalid("bad certificate extension \"" + val + "\": " + openssl_errors());
    }
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(x, key, EVP_sha256()) == 0) {
    cleanup();
    return error::internal("cannot sign the certificate: " + openssl_errors());
  }
  self_signed out;
  {
    bio_ptr b(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(b.get(), x);
    char* p = nullptr;
    const long n = BIO_get_mem_data(b.get(), &p);
    out.cert_pem.assign(p, static_cast<std::size_t>(n));
  }
  {
    bio_ptr b(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(b.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
    char* p = nullptr;
    const long n = BIO_get_mem_data(b.get(), &p);
    out.key_pem.assign(p, static_cast<std::size_t>(n));
  }
  cleanup();
  return out;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace coco_admit::server
