// The hot path: AdmissionReview bytes -> admission::review, mutate and then
// validate, with the shipped CoCo profile loaded (profiles/coco/policies
// compiled and profiles/coco/cluster loaded once, in LLVMFuzzerInitialize),
// or a built-in policy set covering the same handler kinds when the profile
// is not in the source tree.
//
// Besides crashes, hangs and sanitizer reports, it checks what a webhook must
// guarantee for every input: each review yields a JSON AdmissionReview
// response; a request whose uid could be read echoes it; a mutate response
// that allows with a patch carries a base64 RFC 6902 patch that applies to
// the request object, and the validate webhook answers on the patched object
// too (the order the API server calls them in). The mutate response must not
// change when the engine's map edits are off (engine_environment::map_edits),
// except for the patch's operations, which must give the same object.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/admission.h"
#include "coco-admit/core/coco/base64.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/json_patch.h"
#include "coco-admit/core/yaml.h"

using namespace coco_admit;

namespace {

// Used when profiles/coco is absent: validate (pattern, deny, foreach,
// anyPattern), mutate (strategic merge, JSON patch, foreach), context from a
// ConfigMap and from JMESPath, the CoCo initdata and sealed-secret functions.
const char* const builtin_policies = R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: fuzz-mutate}
spec:
  failurePolicy: Fail
  rules:
  - name: runtime-class
    match: {any: [{resources: {kinds: [Pod], namespaceSelector: {matchLabels: {coco.io/enabled: "true"}}}}]}
    context:
    - name: classes
      configMap: {name: coco-classes, namespace: confidential-containers-system}
    preconditions:
      all:
      - key: "{{ request.object.spec.runtimeClassName || '' }}"
        operator: Equals
        value: ""
    mutate:
      patchStrategicMerge:
        spec:
          runtimeClassName: "{{ classes.data.default }}"
  - name: label-containers
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      foreach:
      - list: request.object.spec.containers
        patchesJson6902: |-
          - op: add
            path: /metadata/annotations/fuzz.coco.io~1{{ element.name }}
            value: "{{ element.image }}"
  - name: initcontainer
    match: {any: [{resources: {kinds: [Pod], selector: {matchLabels: {attest: "yes"}}}}]}
    mutate:
      patchStrategicMerge:
        metadata:
          annotations:
            +(io.katacontainers.config.runtime.cc_init_data): H4sIAAAAAAAAA0tMTgQAQ7Z7sgMAAAA=
        spec:
          initContainers:
          - name: attest
            image: registry.example/attest:1
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: fuzz-validate}
spec:
  validationFailureAction: Enforce
  failurePolicy: Fail
  background: false
  rules:
  - name: images
    match: {any: [{resources: {kinds: [Pod]}}]}
    exclude: {any: [{resources: {namespaces: [kube-system]}}]}
    validate:
      message: "images must be pinned"
      pattern:
        spec:
          containers:
          - image: "!*:latest"
            =(securityContext):
              =(privileged): false
  - name: resources
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      anyPattern:
      - spec: {containers: [{resources: {limits: {memory: "<=4Gi"}}}]}
      - metadata: {labels: {tier: batch}}
  - name: initdata
    match: {any: [{resources: {kinds: [Pod], annotations: {"io.katacontainers.config.runtime.cc_init_data": "?*"}}}]}
    validate:
      message: "{{ coco_initdata_errors(request.object.metadata.annotations.\"io.katacontainers.config.runtime.cc_init_data\") | join(', ', @) }}"
      deny:
        conditions:
          any:
          - key: "{{ length(coco_initdata_errors(request.object.metadata.annotations.\"io.katacontainers.config.runtime.cc_init_data\")) }}"
            operator: GreaterThan
            value: 0
  - name: ports
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      foreach:
      - list: request.object.spec.containers[].ports[]
        deny:
          conditions:
            all:
            - key: "{{ element.containerPort }}"
              operator: AnyIn
              value: [22, 2375, "1-10"]
  - name: sealed
    match: {any: [{resources: {kinds: [Secret]}}]}
    validate:
      message: "sealed secrets must be well formed"
      deny:
        conditions:
          any:
          - key: "{{ length(coco_sealed_secret_errors(base64_decode(request.object.data.secret || ''))) }}"
            operator: GreaterThan
            value: 0
)";

const char* const builtin_cluster = R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: coco-classes, namespace: confidential-containers-system}
data: {default: kata-qemu-snp}
---
apiVersion: v1
kind: Namespace
metadata: {name: payments, labels: {coco.io/enabled: "true"}}
)";

struct setup {
  std::shared_ptr<const program> prog;
  cluster_state cluster;
  engine_environment env;
};

setup* state = nullptr;

void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "admission_review invariant broken: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

value patched_by(const value& response, std::string_view body) {
  const value* patch = response.find("response")->find("patch");
  if (patch == nullptr) return value("no patch");
  auto bytes = coco::base64_decode_strict(patch->as_string());
  auto ops_json = bytes.ok() ? json::parse(*bytes) : result<value>(bytes.err());
  auto ops = ops_json.ok() ? json_patch::parse(*ops_json) : result<std::vector<json_patch::operation>>(ops_json.err());
  auto review_doc = json::parse(body);
  if (!ops.ok() || !review_doc.ok()) return value("patch or request unreadable");
  auto patched = json_patch::apply((*review_doc)["request"]["object"], *ops);
  return patched.ok() ? std::move(patched).value() : value("patch does not apply");
}

// The map edits of simple overlays must answer as the general merge does: the same response but for the patch,
// whose operations may differ (logged against diffed, and the member order they give), and the same object once
// the patch is applied (value::operator== ignores member order).
void same_as_the_general_merge(const value& response, std::string_view body, const std::string& out,
                               const std::string& general_out) {
  if (general_out == out) return;
  auto general = json::parse(general_out);
  if (!general.ok()) fail("mutate response with map edits off is not JSON", general_out);
  value a = response, b = *general;
  const value pa = patched_by(a, body), pb = patched_by(b, body);
  a["response"].erase("patch");
  b["response"].erase("patch");
  if (json::serialize(a) != json::serialize(b) || !(pa == pb)) {
    fail("map edits and the general merge disagree", out + "\n" + general_out);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  state = new setup;
  namespace fs = std::filesystem;
  // COCO_ADMIT_FUZZ_PROFILE=DIR fuzzes another profile; =builtin forces the built-in set.
  const char* chosen = std::getenv("COCO_ADMIT_FUZZ_PROFILE");
  const fs::path profile = chosen != nullptr ? fs::path(chosen) : fs::path(COCO_ADMIT_SOURCE_DIR) / "profiles" / "coco";
  if (fs::is_directory(profile / "policies")) {
    auto out = compiler::compile_paths({(profile / "policies").string()});
    if (!out.ok()) fail("profiles/coco/policies do not compile", out.error_text());
    state->prog = out.prog;
    if (fs::is_directory(profile / "cluster")) {
      if (auto st = state->cluster.add_file((profile / "cluster").string()); !st.ok()) {
        fail("profiles/coco/cluster does not load", st.err().message);
      }
    }
  } else {
    auto out = compiler::compile_sources({{"builtin.yaml", builtin_policies}});
    if (!out.ok()) fail("built-in policies do not compile", out.error_text());
    state->prog = out.prog;
    auto docs = yaml::parse_all(builtin_cluster);
    if (!docs.ok()) fail("built-in cluster resources do not parse", docs.err().message);
    for (const auto& d : *docs) state->cluster.add(d.root);
  }
  state->env.cluster = &state->cluster;
  // Tighter than production so one input cannot take seconds.
  state->env.max_jmespath_steps = 200'000;
  state->env.max_foreach_elements = 2'000;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 1 << 20) return 0;  // over the server's body cap
  if (state == nullptr) LLVMFuzzerInitialize(nullptr, nullptr);
  std::string_view body(reinterpret_cast<const char*>(data), size);
  static thread_local admission::scratch scratch;
  std::string out;
  admission::review_outcome outcome;

  admission::review(*state->prog, admission::webhook::mutate, body, false, state->env, scratch, out, outcome);
  std::string general_out;
  {
    engine_environment general = state->env;
    general.map_edits = false;
    admission::review_outcome general_outcome;
    admission::review(*state->prog, admission::webhook::mutate, body, false, general, scratch, general_out,
                      general_outcome);
  }
  auto response = json::parse(out);
  if (!response.ok()) fail("mutate response is not JSON", out);
  value* resp = response->find("response");
  if (resp == nullptr || !resp->is_object() || resp->find("allowed") == nullptr) fail("mutate response has no response.allowed", out);
  if (!outcome.malformed && (*resp)["uid"].as_string() != outcome.uid) fail("uid not echoed", out);
  if (outcome.malformed && (*resp)["allowed"].as_bool()) fail("malformed request allowed", out);

  // Validate what the API server would send next: the patched object.
  std::string next(body);
  if (const value* patch = resp->find("patch"); patch != nullptr) {
    if (!(*resp)["allowed"].as_bool()) fail("denied response with a patch", out);
    auto bytes = coco::base64_decode_strict(patch->as_string());
    if (!bytes.ok()) fail("patch is not base64", out);
    auto ops_json = json::parse(*bytes);
    if (!ops_json.ok()) fail("patch is not JSON", *bytes);
    auto ops = json_patch::parse(*ops_json);
    if (!ops.ok()) fail("patch is not RFC 6902", *bytes);
    auto review_doc = json::parse(body);
    if (!review_doc.ok()) fail("patched a request that is not JSON", body);
    value& object = (*review_doc)["request"]["object"];
    auto patched = json_patch::apply(object, *ops);
    if (!patched.ok()) fail("patch does not apply to the request object", *bytes + "\n" + patched.err().message);
    object = std::move(patched).value();
    next = json::serialize(*review_doc);
  }
  same_as_the_general_merge(*response, body, out, general_out);

  admission::review(*state->prog, admission::webhook::validate, next, false, state->env, scratch, out, outcome);
  auto vresponse = json::parse(out);
  if (!vresponse.ok()) fail("validate response is not JSON", out);
  const value* vresp = vresponse->find("response");
  if (vresp == nullptr || !vresp->is_object() || vresp->find("allowed") == nullptr) fail("validate response has no response.allowed", out);
  if (vresp->find("patch") != nullptr) fail("validate response carries a patch", out);
  return 0;
}
