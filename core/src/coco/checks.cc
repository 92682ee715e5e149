#include "checks.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace coco_admit::coco::detail {
namespace {

bool is_plugin_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::string openssl_reason() {
  unsigned long e = ERR_peek_last_error();
  std::string why = "unknown OpenSSL error";
  if (e != 0) {
    const char* r = ERR_reason_error_string(e);
    if (r) why = r;
  }
  ERR_clear_error();
  return why;
}

std::string subject_of(X509* cert) {
  char buf[256];
  buf[0] = '\0';
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
  return buf;
}

}  // namespace

std::string quote_for_message(std::string_view s, std::size_t max) {
  std::string out = "\"";
  std::size_t n = 0;
  for (char ch : s) {
    if (n++ == max) {
      out += "...";
      break;
    }
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  out += '"';
  return out;
}

std::optional<std::string> resource_uri_problem(std::string_view uri) {
  const std::string q = quote_for_message(uri);
  for (char c : uri) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return "resource URI " + q + " contains whitespace or control characters";
  }
  std::size_t sep = uri.find("://");
  if (sep == std::string_view::npos) {
    return "resource URI " + q + " is not a URI; expected kbs:///<repository>/<type>/<tag>";
  }
  std::string_view scheme = uri.substr(0, sep);
  bool default_plugin = scheme == "kbs";
  if (!default_plugin) {
    bool plugin = scheme.size() > 4 && scheme.substr(0, 4) == "kbs+";
    for (std::size_t i = 4; plugin && i < scheme.size(); ++i) plugin = is_plugin_char(scheme[i]);
    if (!plugin) {
      return "resource URI " + q + " has scheme " + quote_for_message(scheme) +
             "; only kbs:// (or kbs+<plugin>://) resources can be fetched from the KBS, e.g. kbs:///default/key/1";
    }
  }
  std::string_view rest = uri.substr(sep + 3);
  std::size_t end = rest.find_first_of("?#");
  std::string_view hier = rest.substr(0, end);
  std::size_t slash = hier.find('/');
  std::string_view host = hier.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : hier.substr(slash + 1);
  std::vector<std::string_view> segments;
  if (!path.empty() || slash != std::string_view::npos) {
    std::size_t start = 0;
    for (;;) {
      std::size_t next = path.find('/', start);
      segments.push_back(path.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start));
      if (next == std::string_view::npos) break;
      start = next + 1;
    }
  }
  for (std::string_view s : segments) {
    if (s.empty()) return "resource URI " + q + " has an empty path segment";
    if (s == "." || s == "..") {
      return "resource URI " + q + " has a '" + std::string(s) + "' path segment (URL normalisation changes the path)";
    }
  }
  if (default_plugin && segments.size() != 3) {
    std::string msg = "resource URI " + q + " has " + std::to_string(segments.size()) +
                      " path segment(s); the default KBS plugin needs exactly 3 (<repository>/<type>/<tag>)";
    if (!host.empty() && segments.size() == 2) {
      msg += "; " + quote_for_message(host) + " was read as the KBS address: write kbs:///" + std::string(host) + "/" +
             std::string(path);
    }
    return msg;
  }
  if (segments.empty()) return "resource URI " + q + " has no resource path";
  return std::nullopt;
}

std::vector<std::string> certificate_problems(std::string_view pem, std::size_t max_certs) {
  std::vector<std::string> out;
  static constexpr std::string_view begin = "-----BEGIN ";
  static constexpr std::string_view dashes = "-----";
  std::size_t pos = 0;
  std::size_t index = 0;
  while (true) {
    std::size_t b = pem.find(begin, pos);
    if (b == std::string_view::npos) break;
    ++index;
    std::size_t label_start = b + begin.size();
    std::size_t label_end = pem.find(dashes, label_start);
    if (label_end == std::string_view::npos || pem.substr(label_start, label_end - label_start).find('\n') != std::string_view::npos) {
      out.push_back("PEM block " + std::to_string(index) + " has a malformed BEGIN line");
      break;
    }
    std::string label(pem.substr(label_start, label_end - label_start));
    std::string end_line = "-----END " + label + "-----";
    std::size_t e = pem.find(end_line, label_end);
    if (e == std::string_view::npos) {
      out.push_back("PEM block " + std::to_string(index) + " (" + label + ") has no END line");
      break;
    }
    pos = e + end_line.size();
    if (label != "CERTIFICATE" && label != "X509 CERTIFICATE" && label != "TRUSTED CERTIFICATE") {
      std::string msg = "PEM block " + std::to_string(index) + " is a " + quote_for_message(label) + ", not a CERTIFICATE";
      if (label.find("PRIVATE KEY") != std::string::npos) msg += " (a private key must never be placed in initdata)";
      out.push_back(std::move(msg));
      continue;
    }
    if (index > max_certs) {
      out.push_back("more than " + std::to_string(max_certs) + " PEM blocks; the rest were not checked");
      break;
    }
    std::string_view block = pem.substr(b, pos - b);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(block.data(), static_cast<int>(block.size())), &BIO_free);
    if (!bio) {
      out.push_back("out of memory while reading PEM block " + std::to_string(index));
      break;
    }
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        label == "TRUSTED CERTIFICATE" ? PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr)
                                       : PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
        &X509_free);
    if (!cert) {
      out.push_back("PEM block " + std::to_string(index) + " is not a parsable X.509 certificate (" + openssl_reason() + ")");
      continue;
    }
    const std::string who = "certificate " + std::to_string(index) + " (" + subject_of(cert.get()) + ")";
    if (X509_cmp_current_time(X509_get0_notAfter(cert.get())) < 0) {
      out.push_back(who + " has expired");
    } else if (X509_cmp_current_time(X509_get0_notBefore(cert.get())) > 0) {
      out.push_back(who + " is not valid yet");
    }
    if ((X509_get_extension_flags(cert.get()) & EXFLAG_CA) == 0) {
      out.push_back(who + " is a leaf certificate (basicConstraints CA:TRUE missing); a CA certificate is expected");
    }
    int md_nid = NID_undef;
    int pk_nid = NID_undef;
    if (OBJ_find_sigid_algs(X509_get_signature_nid(cert.get()), &md_nid, &pk_nid) &&
        (md_nid == NID_sha1 || md_nid == NID_md5 || md_nid == NID_md4 || md_nid == NID_md2)) {
      out.push_back(who + " is signed with " + OBJ_nid2sn(md_nid) + ", which is broken; use SHA-256 or stronger");
    }
    if (EVP_PKEY* key = X509_get0_pubkey(cert.get());
        key && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA && EVP_PKEY_get_bits(key) < 1024) {
      out.push_back(who + " has a " + std::to_string(EVP_PKEY_get_bits(key)) + "-bit RSA key (at least 1024 bits required)");
    }
    ERR_clear_error();
  }
  if (index == 0) out.push_back("is not a PEM certificate (no -----BEGIN CERTIFICATE----- block)");
  return out;
}

}  // namespace coco_admit::coco::detail
