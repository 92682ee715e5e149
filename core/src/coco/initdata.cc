#include "coco-admit/core/coco/initdata.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <optional>
#include <toml++/toml.h>

#include "checks.h"
#include "coco-admit/core/coco/base64.h"
#include "coco-admit/core/coco/gzip.h"

namespace coco_admit::coco {

// Rationale (COCO.md 2, 7.18): the agent denies any request whose policy
// result is undefined. These are the requests of every sandbox's life cycle
// that the COCO.md example decides explicitly: creating/starting/waiting on
// containers, reading their output and tearing the sandbox down must be
// defined or the pod never runs; ExecProcessRequest and SetPolicyRequest must
// be decided on purpose (normally `false`) rather than left implicit. A
// genpolicy-generated policy defines all of them. More requests exist
// (UpdateInterfaceRequest, CopyFileRequest, ...), but requiring them would
// reject the COCO.md example, which is a documented good case.
const std::vector<std::string_view> required_policy_requests = {
    "CreateContainerRequest", "CreateSandboxRequest", "DestroySandboxRequest", "ExecProcessRequest",
    "SetPolicyRequest",       "ReadStreamRequest",    "StartContainerRequest", "WaitProcessRequest",
};

namespace {

using detail::quote_for_message;

constexpr std::string_view credentials_dir = "/run/confidential-containers/cdh/kbs";
// Agent Rego limits (KC src/agent/policy/src/policy.rs).
constexpr std::size_t rego_max_line_bytes = 64 * 1024;
constexpr std::size_t rego_max_lines = 200000;
constexpr std::size_t rego_max_nesting = 1024;

const char* toml_type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "table";
    case toml::node_type::array: return "array";
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "float";
    case toml::node_type::boolean: return "boolean";
    case toml::node_type::date: return "date";
    case toml::node_type::time: return "time";
    case toml::node_type::date_time: return "date-time";
    default: return "none";
  }
}

// toml++ reports syntax errors with exceptions (the packaged shared library is
// built with TOML_EXCEPTIONS); they are caught right here and never leave
// this file.
result<toml::table> parse_toml(std::string_view text) {
  try {
    return toml::parse(text);
  } catch (const toml::parse_error& e) {
    return error::invalid(std::string(e.description()) + " at line " + std::to_string(e.source().begin.line) +
                          " column " + std::to_string(e.source().begin.column));
  } catch (const std::exception& e) {
    return error::internal(std::string("TOML parser failure: ") + e.what());
  }
}

// Collects messages under a fixed prefix ("initdata: data.\"cdh.toml\": ").
struct sink {
  std::vector<std::string>& out;
  std::string prefix;
  void add(std::string m) { out.push_back(prefix + std::move(m)); }
};

bool looks_like_toml_text(std::string_view s) {
  std::size_t probe = std::min<std::size_t>(s.size(), 4096);
  for (std::size_t i = 0; i < probe; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') return false;
  }
  return s.find("version") != std::string_view::npos || s.find("algorithm") != std::string_view::npos ||
         s.find("[data]") != std::string_view::npos;
}

bool is_http_url(std::string_view u) {
  return (u.rfind("http://", 0) == 0 && u.size() > 7) || (u.rfind("https://", 0) == 0 && u.size() > 8);
}

// Optional string field: reports a wrong type; returns the string if present.
std::optional<std::string_view> string_field(const toml::table& t, std::string_view key, std::string_view where,
                                             sink& s) {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  if (const auto* v = n->as_string()) return std::string_view(v->get());
  s.add(std::string(where) + " must be a string, got " + toml_type_name(n->type()));
  return std::nullopt;
}

const toml::table* table_field(const toml::table& t, std::string_view key, std::string_view where, sink& s) {
  const toml::node* n = t.get(key);
  if (!n) return nullptr;
  if (const auto* v = n->as_table()) return v;
  s.add(std::string(where) + " must be a table, got " + toml_type_name(n->type()));
  return nullptr;
}

void typed_field(const toml::table& t, std::string_view key, toml::node_type want, std::string_view where, sink& s) {
  const toml::node* n = t.get(key);
  if (n && n->type() != want) {
    s.add(std::string(where) + " must be a " + toml_type_name(want) + ", got " + toml_type_name(n->type()));
  }
}

void check_certs(std::string_view pem, std::string_view where, sink& s) {
  for (std::string& p : detail::certificate_problems(pem)) s.add(std::string(where) + ": " + p);
}

void check_url(const toml::table& t, std::string_view key, std::string_view where, bool required, sink& s) {
  auto url = string_field(t, key, where, s);
  if (!url) {
    if (required && !t.get(key)) s.add(std::string(where) + " is missing");
    return;
  }
  if (!is_http_url(*url)) s.add(std::string(where) + " " + quote_for_message(*url) + " is not an http(s) URL");
}

void check_aa_toml(std::string_view text, sink& s) {
  auto parsed = parse_toml(text);
  if (!parsed.ok()) {
    s.add("toml: " + parsed.err().message);
    return;
  }
  const toml::table& doc = *parsed;
  if (const toml::table* tc = table_field(doc, "token_configs", "[token_configs]", s)) {
    if (const toml::table* kbs = table_field(*tc, "kbs", "[token_configs.kbs]", s)) {
      check_url(*kbs, "url", "[token_configs.kbs].url", true, s);
      if (auto cert = string_field(*kbs, "cert", "[token_configs.kbs].cert", s)) {
        check_certs(*cert, "[token_configs.kbs].cert", s);
      }
    }
    if (const toml::table* as = table_field(*tc, "coco_as", "[token_configs.coco_as]", s)) {
      check_url(*as, "url", "[token_configs.coco_as].url", true, s);
    }
  }
  if (const toml::table* ev = table_field(doc, "eventlog_config", "[eventlog_config]", s)) {
    typed_field(*ev, "init_pcr", toml::node_type::integer, "[eventlog_config].init_pcr", s);
    typed_field(*ev, "enable_eventlog", toml::node_type::boolean, "[eventlog_config].enable_eventlog", s);
  }
  if (const toml::table* log = table_field(doc, "log", "[log]", s)) {
    typed_field(*log, "level", toml::node_type::string, "[log].level", s);
  }
}

std::optional<std::string> credential_path_problem(std::string_view path) {
  std::string q = quote_for_message(path);
  if (path.size() <= credentials_dir.size() || path.substr(0, credentials_dir.size()) != credentials_dir ||
      path[credentials_dir.size()] != '/') {
    return "path " + q + " is outside " + std::string(credentials_dir) + "/ (CDH refuses to write it)";
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t next = path.find('/', start);
    std::string_view seg = path.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start);
    if (seg == "." || seg == "..") return "path " + q + " contains a '" + std::string(seg) + "' segment (CDH refuses it)";
    if (next == std::string_view::npos) break;
    start = next + 1;
  }
  if (path.back() == '/') return "path " + q + " names a directory, not a file";
  return std::nullopt;
}

void check_image_uri(const toml::table& image, std::string_view key, sink& s) {
  std::string where = "[image]." + std::string(key);
  auto uri = string_field(image, key, where, s);
  if (!uri) return;
  // image-rs also reads local files; anything else must be a KBS resource.
  if (uri->rfind("file://", 0) == 0) return;
  if (auto p = detail::resource_uri_problem(*uri)) s.add(where + ": " + *p);
}

void check_cdh_toml(std::string_view text, sink& s) {
  auto parsed = parse_toml(text);
  if (!parsed.ok()) {
    s.add("toml: " + parsed.err().message);
    return;
  }
  const toml::table& doc = *parsed;
  typed_field(doc, "socket", toml::node_type::string, "socket", s);
  typed_field(doc, "skip_sealed_secret_verification", toml::node_type::boolean, "skip_sealed_secret_verification", s);
  const toml::node* kbc_node = doc.get("kbc");
  if (!kbc_node) {
    s.add("[kbc] is missing (CDH requires [kbc] with name and url)");
  } else if (const toml::table* kbc = table_field(doc, "kbc", "[kbc]", s)) {
    if (auto name = string_field(*kbc, "name", "[kbc].name", s)) {
      if (*name != "cc_kbc" && *name != "offline_fs_kbc") {
        s.add("[kbc].name " + quote_for_message(*name) + " is not a supported KBC (cc_kbc or offline_fs_kbc)");
      }
    } else if (!kbc->get("name")) {
      s.add("[kbc].name is missing (cc_kbc or offline_fs_kbc)");
    }
    check_url(*kbc, "url", "[kbc].url", true, s);
    if (auto cert = string_field(*kbc, "kbs_cert", "[kbc].kbs_cert", s)) check_certs(*cert, "[kbc].kbs_cert", s);
  }
  if (const toml::table* aa = table_field(doc, "aa", "[aa]", s)) {
    typed_field(*aa, "aa_socket", toml::node_type::string, "[aa].aa_socket", s);
  }
  if (const toml::node* creds = doc.get("credentials")) {
    if (const toml::array* arr = creds->as_array()) {
      std::size_t i = 0;
      for (const toml::node& c : *arr) {
        std::string where = "credentials[" + std::to_string(i++) + "]";
        const toml::table* ct = c.as_table();
        if (!ct) {
          s.add(where + " must be a table with resource_uri and path, got " + toml_type_name(c.type()));
          continue;
        }
        if (auto uri = string_field(*ct, "resource_uri", where + ".resource_uri", s)) {
          if (auto p = detail::resource_uri_problem(*uri)) s.add(where + ".resource_uri: " + *p);
        } else if (!ct->get("resource_uri")) {
          s.add(where + ".resource_uri is missing");
        }
        if (auto path = string_field(*ct, "path", where + ".path", s)) {
          if (auto p = credential_path_problem(*path)) s.add(where + ".path: " + *p);
        } else if (!ct->get("path")) {
          s.add(where + ".path is missing");
        }
      }
    } else {
      s.add(std::string("credentials must be an array of tables, got ") + toml_type_name(creds->type()));
    }
  }
  if (const toml::table* image = table_field(doc, "image", "[image]", s)) {
    for (std::string_view key : {"image_security_policy_uri", "sigstore_config_uri",
                                 "authenticated_registry_credentials_uri", "registry_configuration_uri"}) {
      check_image_uri(*image, key, s);
    }
    typed_field(*image, "image_security_policy", toml::node_type::string, "[image].image_security_policy", s);
    if (const toml::node* roots = image->get("extra_root_certificates")) {
      if (const toml::array* arr = roots->as_array()) {
        std::size_t i = 0;
        for (const toml::node& c : *arr) {
          std::string where = "[image].extra_root_certificates[" + std::to_string(i++) + "]";
          if (const auto* str = c.as_string()) {
            check_certs(str->get(), where, s);
          } else {
            s.add(where + " must be a string (PEM), got " + toml_type_name(c.type()));
          }
        }
      } else {
        s.add(std::string("[image].extra_root_certificates must be an array of PEM strings, got ") +
              toml_type_name(roots->type()));
      }
    }
  }
}

// A Rego statement that starts at bracket depth 0: its line number and the
// identifiers/operators it starts with.
struct rego_statement {
  std::size_t line;
  std::vector<std::string> tokens;
};

bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

// Tokenises the first few tokens of a line (identifiers, ":=", "=", "{", "[",
// dotted names kept whole), stopping at a comment.
std::vector<std::string> head_tokens(std::string_view line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size() && out.size() < 4) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '#') {
      break;
    } else if (ident_start(c)) {
      std::size_t j = i;
      while (j < line.size() && (ident_char(line[j]) || line[j] == '.')) ++j;
      out.emplace_back(line.substr(i, j - i));
      i = j;
    } else if (c == ':' && i + 1 < line.size() && line[i + 1] == '=') {
      out.emplace_back(":=");
      i += 2;
    } else {
      out.emplace_back(1, c);
      ++i;
    }
  }
  return out;
}

void check_policy_rego(std::string_view rego, sink& s) {
  std::vector<rego_statement> statements;
  std::vector<std::pair<char, std::size_t>> stack;  // open bracket, line
  std::size_t line = 1;
  std::size_t line_start = 0;
  std::size_t lines = 1;
  bool in_string = false;
  bool in_raw = false;
  bool in_comment = false;
  bool long_line_reported = false;
  std::size_t string_line = 0;
  auto begin_line = [&](std::size_t pos) {
    if (!in_raw && !in_string && stack.empty()) {
      std::size_t eol = rego.find('\n', pos);
      auto toks = head_tokens(rego.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos));
      if (!toks.empty()) statements.push_back({line, std::move(toks)});
    }
  };
  begin_line(0);
  for (std::size_t i = 0; i < rego.size(); ++i) {
    char c = rego[i];
    if (c == '\n') {
      if (!long_line_reported && i - line_start > rego_max_line_bytes) {
        s.add("line " + std::to_string(line) + " is longer than 64 KiB (the agent's Rego limit)");
        long_line_reported = true;
      }
      if (in_string) {
        s.add("does not parse: unterminated string starting at line " + std::to_string(string_line));
        return;
      }
      in_comment = false;
      ++line;
      ++lines;
      line_start = i + 1;
      if (lines > rego_max_lines) {
        s.add("more than 200000 lines (the agent's Rego limit)");
        return;
      }
      begin_line(i + 1);
      continue;
    }
    if (in_comment) continue;
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (in_raw) {
      if (c == '`') in_raw = false;
      continue;
    }
    switch (c) {
      case '#': in_comment = true; break;
      case '"': in_string = true; string_line = line; break;
      case '`': in_raw = true; string_line = line; break;
      case '(': case '[': case '{':
        if (stack.size() >= rego_max_nesting) {
          s.add("brackets nested deeper than " + std::to_string(rego_max_nesting) + " levels at line " + std::to_string(line));
          return;
        }
        stack.emplace_back(c, line);
        break;
      case ')': case ']': case '}': {
        char open = c == ')' ? '(' : c == ']' ? '[' : '{';
        if (stack.empty() || stack.back().first != open) {
          s.add(std::string("does not parse: unbalanced '") + c + "' at line " + std::to_string(line));
          return;
        }
        stack.pop_back();
        break;
      }
      default: break;
    }
  }
  if (!long_line_reported && rego.size() - line_start > rego_max_line_bytes) {
    s.add("line " + std::to_string(line) + " is longer than 64 KiB (the agent's Rego limit)");
  }
  if (in_string || in_raw) {
    s.add("does not parse: unterminated string starting at line " + std::to_string(string_line));
    return;
  }
  if (!stack.empty()) {
    s.add(std::string("does not parse: '") + stack.back().first + "' opened at line " +
          std::to_string(stack.back().second) + " is never closed");
    return;
  }
  if (statements.empty() || statements.front().tokens[0] != "package") {
    s.add("does not start with a package declaration; it must declare `package agent_policy` (the agent queries data.agent_policy)");
  } else if (statements.front().tokens.size() < 2 || statements.front().tokens[1] != "agent_policy") {
    std::string pkg = statements.front().tokens.size() < 2 ? "" : statements.front().tokens[1];
    s.add("declares package " + quote_for_message(pkg) +
          "; it must be `package agent_policy` (the agent queries data.agent_policy, so nothing would be defined)");
  }
  std::vector<std::string_view> defined;
  for (const rego_statement& st : statements) {
    const auto& t = st.tokens;
    std::size_t k = t[0] == "default" ? 1 : 0;
    if (k >= t.size()) continue;
    const std::string& name = t[k];
    if (!ident_start(name[0])) continue;
    std::string_view next = k + 1 < t.size() ? std::string_view(t[k + 1]) : std::string_view{};
    bool rule = next.empty() || next == ":=" || next == "=" || next == "{" || next == "if" || next == "[" ||
                next == "contains";
    if (!rule) continue;
    defined.push_back(name);
    if (name == "AllowRequestsFailingPolicy" && (next == ":=" || next == "=") && k + 2 < t.size() && t[k + 2] == "true") {
      s.add("line " + std::to_string(st.line) +
            ": AllowRequestsFailingPolicy := true makes the agent allow every request whose policy fails or is "
            "undefined (insecure); remove it");
    }
  }
  std::string missing;
  for (std::string_view req : required_policy_requests) {
    if (std::find(defined.begin(), defined.end(), req) == defined.end()) {
      if (!missing.empty()) missing += ", ";
      missing += req;
    }
  }
  if (!missing.empty()) {
    s.add("no rule or default for " + missing +
          " (the agent denies undefined requests, so the sandbox fails); add e.g. `default " +
          std::string(missing.substr(0, missing.find(','))) + " := true` or generate the policy with genpolicy");
  }
}

void check_document(const toml::table& doc, std::vector<std::string>& out) {
  sink top{out, "initdata: "};
  // version
  if (const toml::node* v = doc.get("version")) {
    if (const auto* str = v->as_string()) {
      if (str->get() != "0.1.0") {
        top.add("version is " + quote_for_message(str->get()) +
                "; only \"0.1.0\" is accepted (runtime-rs and the agent reject other versions)");
      }
    } else {
      top.add(std::string("version must be the string \"0.1.0\", got ") + toml_type_name(v->type()));
    }
  } else {
    top.add("version is missing; set version = \"0.1.0\"");
  }
  // algorithm
  if (const toml::node* a = doc.get("algorithm")) {
    if (const auto* str = a->as_string()) {
      const std::string& alg = str->get();
      if (alg != "sha256" && alg != "sha384" && alg != "sha512") {
        std::string msg = "algorithm is " + quote_for_message(alg) + "; only \"sha256\", \"sha384\" or \"sha512\" (exact, lowercase) are accepted";
        std::string lower;
        for (char c : alg) {
          if (c != '-' && c != '_') lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        }
        if (lower == "sha256" || lower == "sha384" || lower == "sha512") msg += "; write \"" + lower + "\"";
        top.add(std::move(msg));
      }
    } else {
      top.add(std::string("algorithm must be a string (sha256, sha384 or sha512), got ") + toml_type_name(a->type()));
    }
  } else {
    top.add("algorithm is missing; set algorithm = \"sha256\", \"sha384\" or \"sha512\"");
  }
  for (const auto& [key, node] : doc) {
    std::string_view k = key.str();
    if (k != "version" && k != "algorithm" && k != "data") {
      top.add("unknown top-level key " + quote_for_message(k) + " (ignored by Kata; expected version, algorithm, [data])");
    }
  }
  // data
  const toml::node* d = doc.get("data");
  if (!d) {
    top.add("[data] table is missing (the agent cannot parse initdata without it; an empty [data] is allowed)");
    return;
  }
  const toml::table* data = d->as_table();
  if (!data) {
    top.add(std::string("data must be a table of strings, got ") + toml_type_name(d->type()));
    return;
  }
  for (const auto& [key, node] : *data) {
    std::string k(key.str());
    sink field{out, "initdata: data." + quote_for_message(k) + ": "};
    const auto* str = node.as_string();
    if (!str) {
      field.add(std::string("value must be a string (a TOML string or '''multi-line literal'''), got ") +
                toml_type_name(node.type()) + " (Kata decodes [data] as string -> string)");
      continue;
    }
    if (k == "aa.toml") {
      check_aa_toml(str->get(), field);
    } else if (k == "cdh.toml") {
      check_cdh_toml(str->get(), field);
    } else if (k == "policy.rego") {
      check_policy_rego(str->get(), field);
    } else {
      field.add("unknown key (warning: the agent reads only \"aa.toml\", \"cdh.toml\" and \"policy.rego\"; it is ignored)");
    }
  }
}

// Diagnoses the base64 layer: reports every class of problem once and, when
// the intent is clear (line breaks, base64url characters, missing padding),
// recovers the bytes so the deeper layers are still checked.
std::optional<std::string> decode_base64_layer(std::string_view v, std::vector<std::string>& out) {
  auto strict = base64_decode_strict(v);
  if (strict.ok()) return std::move(strict).value();
  std::string normalized;
  normalized.reserve(v.size());
  std::optional<std::size_t> first_break, first_url;
  for (std::size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '\n' || c == '\r') {
      if (!first_break) first_break = i;
      continue;
    }
    if (c == '-' || c == '_') {
      if (!first_url) first_url = i;
      normalized += c == '-' ? '+' : '/';
      continue;
    }
    normalized += c;
  }
  if (first_break) {
    out.push_back("initdata: base64: line break at offset " + std::to_string(*first_break) +
                  "; the value must be one line (encode with base64 -w0): the Go shim skips line breaks but runtime-rs rejects them");
  }
  if (first_url) {
    out.push_back("initdata: base64: invalid character '" + std::string(1, v[*first_url]) + "' at offset " +
                  std::to_string(*first_url) + " (standard alphabet required, not base64url)");
  }
  if (normalized.find('=') == std::string::npos && normalized.size() % 4 > 1) {
    bool only_alphabet = std::all_of(normalized.begin(), normalized.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    });
    if (only_alphabet) {
      out.push_back("initdata: base64: missing '=' padding: length " + std::to_string(normalized.size()) +
                    " is not a multiple of 4 (standard base64 with padding required)");
      normalized.append(4 - normalized.size() % 4, '=');
    }
  }
  auto again = base64_decode_strict(normalized);
  if (again.ok()) return std::move(again).value();
  if (!first_break && !first_url) {
    out.push_back("initdata: base64: " + strict.err().message);
  } else {
    out.push_back("initdata: base64: " + again.err().message + " (after removing line breaks and base64url characters)");
  }
  return std::nullopt;
}

result<std::string> digest(std::string_view algorithm, std::string_view bytes) {
  const EVP_MD* md = algorithm == "sha256"   ? EVP_sha256()
                     : algorithm == "sha384" ? EVP_sha384()
                     : algorithm == "sha512" ? EVP_sha512()
                                             : nullptr;
  if (!md) {
    return error::invalid("initdata: algorithm " + quote_for_message(algorithm) +
                          " is not sha256, sha384 or sha512; no digest can be computed");
  }
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), buf, &len, md, nullptr) != 1) {
    return error::internal("initdata: OpenSSL digest failed");
  }
  return std::string(reinterpret_cast<char*>(buf), len);
}

// initdata_decode below the TOML parse.
result<value> decode_document(const toml::table& doc) {
  value out = value::object();
  for (std::string_view key : {"version", "algorithm"}) {
    const toml::node* n = doc.get(key);
    if (!n) return error::invalid("initdata: " + std::string(key) + " is missing");
    const auto* s = n->as_string();
    if (!s) return error::invalid("initdata: " + std::string(key) + " must be a string, got " + toml_type_name(n->type()));
    out.set(key, value(s->get()));
  }
  const toml::node* d = doc.get("data");
  if (!d) return error::invalid("initdata: [data] table is missing");
  const toml::table* data = d->as_table();
  if (!data) return error::invalid(std::string("initdata: data must be a table, got ") + toml_type_name(d->type()));
  value dv = value::object();
  for (const auto& [key, node] : *data) {
    const auto* s = node.as_string();
    if (!s) {
      return error::invalid("initdata: data." + quote_for_message(key.str()) + ": value must be a string, got " +
                            toml_type_name(node.type()));
    }
    dv.set(key.str(), value(s->get()));
  }
  out.set("data", std::move(dv));
  return out;
}


// initdata_measure below the TOML parse: `text` is the TOML `doc` was parsed from.
result<initdata_measurement> measure_document(const toml::table& doc, std::string_view text) {
  const toml::node* alg = doc.get("algorithm");
  if (!alg || !alg->as_string()) return error::invalid("initdata: algorithm is missing or not a string");
  initdata_measurement m;
  m.algorithm = alg->as_string()->get();
  auto d = digest(m.algorithm, text);
  if (!d.ok()) return std::move(d).err();
  m.digest = std::move(d).value();
  return m;
}


}  // namespace

std::vector<std::string> initdata_toml_errors(std::string_view toml_text, const initdata_limits& limits) {
  std::vector<std::string> out;
  if (toml_text.size() > limits.max_toml_bytes) {
    out.push_back("initdata: toml: document is " + std::to_string(toml_text.size()) + " bytes, more than the " +
                  std::to_string(limits.max_toml_bytes) + "-byte limit");
    return out;
  }
  auto parsed = parse_toml(toml_text);
  if (!parsed.ok()) {
    out.push_back("initdata: toml: " + parsed.err().message);
    return out;
  }
  check_document(*parsed, out);
  return out;
}

std::vector<std::string> initdata_errors(std::string_view v, const initdata_limits& limits) {
  std::vector<std::string> out;
  if (v.empty()) {
    out.push_back("initdata: value is empty; both Kata shims silently skip empty initdata, so the pod would run "
                  "without attested configuration (remove the annotation or set base64(gzip(TOML)))");
    return out;
  }
  if (v.size() > limits.max_annotation_bytes) {
    out.push_back("initdata: value is " + std::to_string(v.size()) + " bytes, more than the " +
                  std::to_string(limits.max_annotation_bytes) +
                  "-byte limit (Kubernetes caps all annotations of an object at 256 KiB together)");
    return out;
  }
  // Plain TOML pasted as the value: say so instead of pointing at a character.
  if (looks_like_toml_text(v) && (v.find('"') != std::string_view::npos || v.find(' ') != std::string_view::npos)) {
    out.push_back("initdata: value is plain TOML, not base64(gzip(TOML)); encode with: gzip | base64 -w0 "
                  "(the Go shim fails with a gzip reader error and runtime-rs panics)");
    for (std::string& e : initdata_toml_errors(v, limits)) out.push_back(std::move(e));
    return out;
  }
  auto bytes = decode_base64_layer(v, out);
  if (!bytes) return out;
  if (!has_gzip_magic(*bytes)) {
    if (looks_like_toml_text(*bytes)) {
      out.push_back("initdata: gzip: not gzip data (magic bytes missing): the value is base64 of plain TOML; "
                    "encode with: gzip | base64 -w0");
      for (std::string& e : initdata_toml_errors(*bytes, limits)) out.push_back(std::move(e));
    } else {
      out.push_back("initdata: gzip: not gzip data (magic bytes missing); encode with: gzip | base64 -w0");
    }
    return out;
  }
  auto toml_text = gunzip(*bytes, limits.max_toml_bytes);
  if (!toml_text.ok()) {
    out.push_back("initdata: gzip: " + toml_text.err().message);
    return out;
  }
  for (std::string& e : initdata_toml_errors(*toml_text, limits)) out.push_back(std::move(e));
  return out;
}

result<std::string> initdata_decode_toml(std::string_view v) {
  if (v.empty()) return error::invalid("initdata: value is empty");
  initdata_limits limits;
  if (v.size() > limits.max_annotation_bytes) {
    return error::budget("initdata: value is larger than " + std::to_string(limits.max_annotation_bytes) + " bytes");
  }
  auto bytes = base64_decode_strict(v);
  if (!bytes.ok()) return error::invalid("initdata: base64: " + bytes.err().message);
  auto text = gunzip(*bytes, limits.max_toml_bytes);
  if (!text.ok()) {
    std::string msg = "initdata: gzip: " + text.err().message;
    if (!has_gzip_magic(*bytes)) msg += "; encode with: gzip | base64 -w0";
    return error{text.err().code, std::move(msg)};
  }
  return text;
}

result<value> initdata_decode(std::string_view v) {
  auto text = initdata_decode_toml(v);
  if (!text.ok()) return std::move(text).err();
  auto parsed = parse_toml(*text);
  if (!parsed.ok()) return error::invalid("initdata: toml: " + parsed.err().message);
  return decode_document(*parsed);
}

std::string initdata_encode(std::string_view toml_text) { return base64_encode(gzip_deterministic(toml_text)); }

result<platform> parse_platform(std::string_view name) {
  if (name == "raw") return platform::raw;
  if (name == "snp") return platform::snp;
  if (name == "tdx") return platform::tdx;
  if (name == "cca") return platform::cca;
  if (name == "se") return platform::se;
  return error::invalid("unknown platform " + quote_for_message(name) + " (expected raw, snp, tdx, cca or se)");
}

std::size_t platform_digest_bytes(platform p) noexcept {
  switch (p) {
    case platform::snp: return 32;
    case platform::tdx: return 48;
    case platform::cca: return 64;
    case platform::se: return 256;
    case platform::raw: return 0;
  }
  return 0;
}

result<initdata_measurement> initdata_measure(std::string_view v) {
  auto text = initdata_decode_toml(v);
  if (!text.ok()) return std::move(text).err();
  auto parsed = parse_toml(*text);
  if (!parsed.ok()) return error::invalid("initdata: toml: " + parsed.err().message);
  return measure_document(*parsed, *text);
}

initdata_analysis analyse_initdata(std::string_view v) {
  const initdata_limits limits;
  auto text = initdata_decode_toml(v);
  // The strict layers failed: initdata_errors diagnoses them its own, more forgiving way (line breaks, base64url,
  // plain TOML), and decode and measure fail with the same error. A value this broken is small work anyway.
  if (!text.ok()) return {initdata_errors(v, limits), text.err(), text.err()};
  // initdata_errors' checks before the layers: an empty value has no layers, and an oversized one fails
  // initdata_decode_toml, so neither gets here.
  auto parsed = parse_toml(*text);
  if (!parsed.ok()) {
    error e = error::invalid("initdata: toml: " + parsed.err().message);
    return {{e.message}, e, e};
  }
  std::vector<std::string> errors;
  check_document(*parsed, errors);
  return {std::move(errors), decode_document(*parsed), measure_document(*parsed, *text)};
}

std::string adjust_digest(std::string digest, platform p) {
  const std::size_t want = platform_digest_bytes(p);
  if (want != 0) digest.resize(want, '\0');
  return digest;
}

std::string hex_of(std::string_view bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  char* o = out.data();
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    *o++ = hex[c >> 4];
    *o++ = hex[c & 15];
  }
  return out;
}

result<std::string> initdata_digest_bytes(std::string_view v, platform p) {
  auto m = initdata_measure(v);
  if (!m.ok()) return std::move(m).err();
  return adjust_digest(std::move(m->digest), p);
}

result<std::string> initdata_digest_hex(std::string_view v, platform p) {
  auto bytes = initdata_digest_bytes(v, p);
  if (!bytes.ok()) return bytes;
  return hex_of(*bytes);
}

}  // namespace coco_admit::coco
