#include "coco-admit/core/admission.h"

#include <simdjson.h>

#include <algorithm>
#include <map>
#include <optional>

#include "coco-admit/core/coco/base64.h"
#include "coco-admit/core/coco/initdata.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/json_patch.h"
#include "coco-admit/core/value_view.h"
#include "coco/initdata_memo.h"
#include "json_syntax.h"
#include "memo.h"

namespace coco_admit::admission {

struct scratch::impl {
  simdjson::dom::parser parser;
  simdjson::padded_string copy;  ///< used only when the caller's body is not padded
};

scratch::scratch() : impl_(std::make_unique<impl>()) {}
scratch::~scratch() = default;
std::size_t scratch::parser_capacity() const noexcept { return impl_->parser.capacity(); }

namespace {

/// Documents up to this size leave their parser capacity in the scratch for the next request.
constexpr std::size_t retained_parser_document_bytes = std::size_t{1} << 20;

/// The scratch parser's nesting limit. The request is an object in the review object, so no value of it is
/// deeper than this minus one below it: within json::max_depth, which the request then needs no walk to check.
/// A deeper document (rare, and usually refused) is parsed again with simdjson's own limit, and walked.
constexpr std::size_t bounded_parser_depth = json::max_depth + 1;

// The string at `key` of `obj`, copied; empty when there is none.
std::string str_at(const value* obj, std::string_view key) {
  if (obj == nullptr) return {};
  const value* v = obj->find(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string_view()) : std::string();
}

// The same read through a view, and not copied: it converts no level of the request.
std::string_view string_at(const value_view& obj, std::string_view key) {
  value_view field;
  return obj.find(key, field) ? field.string() : std::string_view();
}

void open_response(std::string& out, std::string_view api_version, std::string_view uid, bool allowed) {
  out += R"({"kind":"AdmissionReview","apiVersion":)";
  json::append_quoted(api_version, out);
  out += R"(,"response":{"uid":)";
  json::append_quoted(uid, out);
  out += allowed ? R"(,"allowed":true)" : R"(,"allowed":false)";
}

// yaml.v3's choice between a plain and a quoted scalar, for the strings that
// appear in Kyverno's blocked message (policy names, rule names, messages).
void append_yaml_scalar(std::string_view s, std::string& out) {
  bool plain = !s.empty() && s.front() != ' ' && s.back() != ' ';
  if (plain) {
    static const std::string_view specials = "-?:,[]{}#&*!|>'\"%@`";
    if (specials.find(s.front()) != std::string_view::npos) plain = false;
    if (s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos || s.back() == ':') plain = false;
    if (s.find('\n') != std::string_view::npos || s.find('\t') != std::string_view::npos) plain = false;
    static const char* const reserved[] = {"true", "false", "yes", "no", "on", "off", "null", "~", "True", "False", "Null", "NULL", "TRUE", "FALSE"};
    for (const char* r : reserved) {
      if (s == r) plain = false;
    }
    if (plain && s.find_first_not_of("0123456789.+-eE") == std::string_view::npos) plain = false;
  }
  if (plain) {
    out.append(s);
    return;
  }
  if (s.find('\n') == std::string_view::npos) {
    out.push_back('\'');
    for (char c : s) {
      if (c == '\'') out += "''";
      else out.push_back(c);
    }
    out.push_back('\'');
    return;
  }
  json::append_quoted(s, out);
}

std::string blocked_message(const std::string& kind, const std::string& ns, const std::string& name,
                            const std::map<std::string, std::map<std::string, std::string>>& failures) {
  std::string out = "\n\nresource " + kind + "/" + ns + "/" + name + " was blocked due to the following policies \n\n";
  for (const auto& [policy, rules] : failures) {
    append_yaml_scalar(policy, out);
    out += ":\n";
    for (const auto& [rule, message] : rules) {
      out += "  ";
      append_yaml_scalar(rule, out);
      out += ": ";
      append_yaml_scalar(message, out);
      out += "\n";
    }
  }
  return out;
}

// The audit trail for the security team: when the admitted object carries
// initdata, the API server's audit log records what attestation will measure
// (the digest of the exact TOML bytes, raw and as each TEE field holds it).
std::string initdata_audit_fields(std::string_view initdata);

void append_initdata_audit(const value& object, std::string& out) {
  // Read through views: a level of the request nothing else looked into stays unconverted (value_view.h).
  value_view md, ann, initdata_field;
  if (!value_view(object).find("metadata", md) || !md.find("annotations", ann) ||
      !ann.find(coco::initdata_annotation, initdata_field)) {
    return;
  }
  const std::string_view initdata = initdata_field.string();
  if (initdata.empty()) return;
  // Formatting the five digests costs more than finding them again: keep the formatted members per initdata value.
  thread_local memo<std::string> formatted(4 << 20);
  const std::string* fields = formatted.find(initdata);
  if (fields == nullptr) {
    std::string made = initdata_audit_fields(initdata);
    const std::size_t bytes = made.size();
    fields = &formatted.put(initdata, std::move(made), bytes);
  }
  if (!fields->empty()) out.append(R"(,"auditAnnotations":{)").append(*fields).append("}");
}

// The auditAnnotations members for one initdata value ("" when undecodable).
std::string initdata_audit_fields(std::string_view initdata) {
  static const std::pair<const char*, coco::platform> platforms[] = {
      {"raw", coco::platform::raw}, {"snp", coco::platform::snp}, {"tdx", coco::platform::tdx},
      {"cca", coco::platform::cca}, {"se", coco::platform::se}};
  // The measurement is the one the policies' coco_initdata_* functions share (one decode, parse and hash per
  // distinct value per thread).
  const auto& measured = coco::analysed_initdata(initdata).measured;
  if (!measured.ok()) return {};  // undecodable initdata has no digest; validation reports it
  std::string fields;
  for (const auto& [name, p] : platforms) {
    fields.append(fields.empty() ? "" : ",").append("\"initdata-digest-").append(name).append("\":\"");
    fields.append(coco::hex_of(coco::adjust_digest(measured->digest, p))).append("\"");
  }
  fields += ",\"initdata-algorithm\":";
  json::append_quoted(measured->algorithm, fields);
  return fields;
}

void record(const engine_response& r, review_outcome& outcome) {
  std::size_t rules = outcome.rules.size();
  for (const auto& p : r.policies) rules += p.rules.size();
  outcome.rules.reserve(rules);
  for (const auto& p : r.policies) {
    for (const auto& rr : p.rules) {
      outcome.rules.push_back({p.pol->name, rr.name, rr.type, rr.status});
      if (rr.budget_exceeded) outcome.budget_exceeded = true;
    }
  }
}

}  // namespace

std::string error_response(std::string_view uid, int code, std::string_view message) {
  std::string out;
  open_response(out, "admission.k8s.io/v1", uid, false);
  out += R"(,"status":{"status":"Failure","code":)" + std::to_string(code) + R"(,"message":)";
  json::append_quoted(message, out);
  out += "}}}";
  return out;
}

void review(const program& prog, webhook hook, std::string_view body, bool padded, const engine_environment& env,
            scratch& s, std::string& out, review_outcome& outcome) {
  out.clear();
  outcome = review_outcome{};
  auto& st = s.get();
  // A simdjson parser keeps the capacity of the largest document it has parsed (about 14 bytes per input byte),
  // and this scratch lives as long as its thread: one 7 MiB request would pin ~100 MiB for good. Documents that
  // large are rare, and parsing one costs far more than allocating again.
  struct release_large_capacity {
    scratch::impl& st;
    std::size_t bytes;
    ~release_large_capacity() {
      if (bytes <= retained_parser_document_bytes) return;
      st.parser = simdjson::dom::parser{};
      st.copy = simdjson::padded_string{};
    }
  } release_after{st, body.size()};
  auto malformed = [&](std::string uid, std::string why) {
    outcome.malformed = true;
    outcome.allowed = false;
    outcome.uid = uid;
    outcome.error = why;
    out = error_response(uid, 400, why);
  };
  simdjson::dom::element root;
  simdjson::error_code err;
  if (st.parser.max_depth() != bounded_parser_depth) {
    err = st.parser.allocate(std::max(st.parser.capacity(), body.size()), bounded_parser_depth);
    if (err) return malformed("", std::string("AdmissionReview could not be parsed: ") + simdjson::error_message(err));
  }
  if (!padded) st.copy = simdjson::padded_string(body);
  const std::string_view text = padded ? body : std::string_view(st.copy.data(), st.copy.size());
  err = st.parser.parse(text.data(), text.size(), false).get(root);
  std::size_t request_depth_bound = bounded_parser_depth - 1;
  std::optional<simdjson::dom::parser> deep_parser;  // outlives the values read from its document
  if (err == simdjson::DEPTH_ERROR) {
    deep_parser.emplace();
    err = deep_parser->parse(text.data(), text.size(), false).get(root);
    request_depth_bound = SIZE_MAX;
  }
  std::optional<simdjson::padded_string> widened;  // integers simdjson cannot hold, read as Go does (json_syntax.h)
  if (err == simdjson::NUMBER_ERROR) {
    if (auto w = json::widen_big_integers(text)) {
      widened.emplace(*w);
      simdjson::dom::parser& again = deep_parser ? *deep_parser : st.parser;
      if (!again.parse(widened->data(), widened->size(), false).get(root)) err = simdjson::SUCCESS;
    }
  }
  if (err) {
    return malformed("", "AdmissionReview is not valid JSON" + json::error_location(text, err) + ": " +
                             simdjson::error_message(err));
  }
  simdjson::dom::element request_el;
  if (root.type() != simdjson::dom::element_type::OBJECT) return malformed("", "AdmissionReview must be a JSON object");
  std::string api_version = "admission.k8s.io/v1";
  if (std::string_view v; root["apiVersion"].get(v) == simdjson::SUCCESS) {
    if (v == "admission.k8s.io/v1beta1") api_version = std::string(v);
  }
  if (root["request"].get(request_el) != simdjson::SUCCESS || request_el.type() != simdjson::dom::element_type::OBJECT) {
    return malformed("", "AdmissionReview has no 'request' object");
  }
  std::string uid;
  if (std::string_view u; request_el["uid"].get(u) == simdjson::SUCCESS) uid = std::string(u);
  if (uid.empty()) return malformed("", "AdmissionReview request has no 'uid'");
  // Lazy: the parts of the request no policy reads are never converted, and the patch diff skips them. The
  // values live no longer than this call, the parser's document neither.
  auto converted = json::from_element_lazy(request_el, request_depth_bound);
  if (!converted.ok()) return malformed(uid, "AdmissionReview request: " + converted.err().message);
  value request = std::move(converted).value();

  engine_request req;
  req.operation = str_at(&request, "operation");
  if (req.operation.empty()) return malformed(uid, "AdmissionReview request has no 'operation'");
  const value* kind = request.find("kind");
  if (kind == nullptr || !kind->is_object()) return malformed(uid, "AdmissionReview request has no 'kind'");
  const value_view kind_view(*kind);  // read in place: nothing else reads this level
  req.kind_group = string_at(kind_view, "group");
  req.kind_version = string_at(kind_view, "version");
  req.kind = string_at(kind_view, "kind");
  req.subresource = str_at(&request, "subResource");
  req.ns = str_at(&request, "namespace");
  req.name = str_at(&request, "name");
  if (const value* d = request.find("dryRun"); d != nullptr && d->is_bool()) req.dry_run = d->as_bool();
  // Moved out, and null where they were: the engine puts them back in place (engine_request::admission_request).
  if (value* o = request.find("object")) {
    req.object = std::move(*o);
    *o = value();
  }
  if (value* o = request.find("oldObject")) {
    req.old_object = std::move(*o);
    *o = value();
  }
  if (const value* ui = request.find("userInfo")) req.user_info = *ui;
  for (const char* key : {"roles", "clusterRoles"}) {
    if (const value* r = request.find(key); r != nullptr && r->is_array()) {
      for (const auto& e : r->as_array()) {
        if (e.is_string()) (std::string_view(key) == "roles" ? req.roles : req.cluster_roles).push_back(e.as_string());
      }
    }
  }
  const value& subject = req.operation == "DELETE" ? req.old_object : req.object;
  if (!subject.is_object()) {
    return malformed(uid, std::string("AdmissionReview request has no '") +
                              (req.operation == "DELETE" ? "oldObject" : "object") + "' for operation " + req.operation);
  }
  // For the message of a refusal. Read through views: they convert no level of the object.
  const value_view subject_view(subject);
  value_view md;
  (void)subject_view.find("metadata", md);  // a view of null when absent: its strings are all empty
  std::string res_kind(string_at(subject_view, "kind"));
  std::string res_ns(string_at(md, "namespace"));
  if (res_ns.empty()) res_ns = req.ns;
  std::string res_name(string_at(md, "name"));
  if (res_name.empty()) res_name = req.name;
  outcome.uid = uid;
  outcome.kind = req.kind;
  outcome.ns = req.ns;
  outcome.operation = req.operation;
  req.admission_request = std::move(request);

  std::vector<std::string> warnings;
  auto collect_warnings = [&](const engine_response& r) {
    for (const auto& p : r.policies) {
      if (!p.pol->emit_warning) continue;
      for (const auto& rr : p.rules) {
        if (rr.status != rule_status::skip) {
          warnings.push_back("policy " + p.pol->name + "." + std::string(rr.name) + ": " + rr.message);
        }
      }
    }
  };
  auto close = [&](std::string& o) {
    if (!warnings.empty()) {
      o += R"(,"warnings":[)";
      for (std::size_t i = 0; i < warnings.size(); ++i) {
        if (i) o.push_back(',');
        json::append_quoted(warnings[i], o);
      }
      o += "]";
    }
    o += "}}";
  };

  engine_environment e = env;
  e.pass_messages = false;  // the response carries a pass's message only as a warning, which keeps it (engine.h)
  if (hook == webhook::mutate) {
    e.record_patched = false;
    e.drop_failed_ignore_policies = true;
    const bool deleting = req.operation == "DELETE";
    // The patch is the diff of the mutated object against the object as parsed, so the engine keeps no copy of
    // it. A request that repeats "object" gave the engine its last one (as it gives every repeated key), while
    // simdjson's lookup finds the first: the last is taken here.
    simdjson::dom::element parsed_object;
    bool diff_parsed = false;
    const simdjson::dom::object request_fields = request_el.get_object().value_unsafe();
    for (auto field = request_fields.begin(); field != request_fields.end(); ++field) {
      if (field.key() != "object") continue;
      parsed_object = field.value();
      diff_parsed = parsed_object.type() == simdjson::dom::element_type::OBJECT;
    }
    e.keep_original = !deleting && !diff_parsed;
    e.log_edits_patch = diff_parsed;
    engine_response r = engine::mutate(prog, std::move(req), e);
    record(r, outcome);
    collect_warnings(r);
    // A rule error in a Fail policy blocks the request.
    for (const auto& p : r.policies) {
      if (p.pol->on_error != failure_policy::fail) continue;
      std::vector<std::string> failed;
      for (const auto& rr : p.rules) {
        if (rr.status == rule_status::error) failed.push_back(std::string(rr.name) + ": " + rr.message);
      }
      if (failed.empty()) continue;
      std::string msg = "mutation policy " + p.pol->name + " error: failed to apply policy " + p.pol->name + " rules [";
      for (std::size_t i = 0; i < failed.size(); ++i) msg += (i ? " " : "") + failed[i];
      msg += "]";
      outcome.allowed = false;
      open_response(out, api_version, uid, false);
      out += R"(,"status":{"status":"Failure","message":)";
      json::append_quoted(msg, out);
      out += "}";
      close(out);
      return;
    }
    open_response(out, api_version, uid, true);
    // A DELETE is never patched; nor is an object no rule got to (every rule skipped).
    const bool ran = std::any_of(r.policies.begin(), r.policies.end(), [](const policy_response& p) {
      return std::any_of(p.rules.begin(), p.rules.end(),
                         [](const rule_response& rr) { return rr.status != rule_status::skip; });
    });
    if (!deleting && ran && r.resource.is_object()) {
      std::string patch;
      std::size_t ops = 0;
      if (r.edits_patch) {
        // Every change was a map edit, which logged its operations as it made them: no diff needed.
        if (r.edits_patch_ops > 0) patch = std::move(*r.edits_patch);
        ops = r.edits_patch_ops;
      } else if (diff_parsed) {
        if (auto n = json_patch::diff_serialized(parsed_object, r.resource, patch)) {
          ops = *n;
        } else if (auto original = json::from_element(parsed_object); original.ok()) {
          // A changed object of the request repeats a key: diff what the engine read (the last value wins).
          ops = json_patch::diff_serialized(*original, r.resource, patch);
        }
      } else if (r.original && r.original->is_object()) {
        ops = json_patch::diff_serialized(*r.original, r.resource, patch);
      }
      if (ops > 0) {
        outcome.patch_ops = ops;
        out += R"(,"patchType":"JSONPatch","patch":")";
        coco::base64_encode_append(patch, out);
        out += "\"";
      }
    }
    append_initdata_audit(r.resource, out);
    close(out);
    return;
  }

  std::string ns = req.ns;
  engine_response r = engine::validate(prog, std::move(req), e);
  record(r, outcome);
  collect_warnings(r);
  std::map<std::string, std::map<std::string, std::string>> failures;
  for (const auto& p : r.policies) {
    bool blocks = false;
    for (const auto& rr : p.rules) {
      const rule* def = nullptr;
      for (const auto& x : p.pol->rules) {
        if (x.name == rr.name) def = &x;
      }
      if (rr.status == rule_status::fail && def != nullptr &&
          engine::effective_action(*p.pol, *def, ns) == failure_action::enforce) {
        blocks = true;
      }
      if (rr.status == rule_status::error && p.pol->on_error == failure_policy::fail) blocks = true;
    }
    if (!blocks) {
      // Audit failures surface as warnings, as Kyverno's emitWarning does.
      continue;
    }
    for (const auto& rr : p.rules) {
      if (rr.status == rule_status::fail || rr.status == rule_status::error) {
        failures[p.pol->name][std::string(rr.name)] = rr.message;
      }
    }
  }
  if (failures.empty()) {
    open_response(out, api_version, uid, true);
    append_initdata_audit(r.resource, out);
    close(out);
    return;
  }
  outcome.allowed = false;
  open_response(out, api_version, uid, false);
  out += R"(,"status":{"status":"Failure","message":)";
  json::append_quoted(blocked_message(res_kind, res_ns, res_name, failures), out);
  out += "}";
  close(out);
}

}  // namespace coco_admit::admission
