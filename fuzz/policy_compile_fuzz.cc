// The policy compiler: YAML bytes -> compiler::compile_sources. Input is the
// policy YAML, optionally followed by "\n~~\n" and a resource (YAML or JSON)
// to run it on; without one a fixed pod is used. When the policies compile,
// the program is dumped and run (mutate, then validate on the mutated
// object) with tight budgets: compiled programs must never crash or hang the
// engine, whatever the policy says. A compile failure must come with at least
// one diagnostic, and a success with none.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/engine.h"
#include "coco-admit/core/yaml.h"

using namespace coco_admit;

namespace {

const char* const fixed_pod = R"(
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: payments
  labels: {app: web, coco.io/enabled: "true"}
  annotations: {io.katacontainers.config.runtime.cc_init_data: H4sIAAAAAAAAA0tMTgQAQ7Z7sgMAAAA=}
spec:
  runtimeClassName: kata-qemu-snp
  initContainers:
  - {name: init, image: "busybox:1.36"}
  containers:
  - name: nginx
    image: nginx:latest
    ports: [{containerPort: 80}, {containerPort: 22}]
    resources: {limits: {memory: 512Mi, cpu: "1"}}
    securityContext: {privileged: false}
  - name: sidecar
    image: registry.example/sidecar@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    env: [{name: A, value: "1"}]
)";

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "policy_compile invariant broken: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 1 << 16) return 0;  // bigger policies only cost time
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view policy_text = in, resource_text = fixed_pod;
  if (auto sep = in.find("\n~~\n"); sep != std::string_view::npos) {
    policy_text = in.substr(0, sep);
    resource_text = in.substr(sep + 4);
  }
  auto out = compiler::compile_sources({{"fuzz.yaml", std::string(policy_text)}});
  if (out.prog == nullptr && out.errors.empty()) fail("no program and no diagnostic", policy_text);
  for (const auto& d : out.errors) (void)d.to_string();
  if (!out.ok()) return 0;
  (void)compiler::dump(*out.prog);

  auto resource = yaml::parse_one(resource_text);
  if (!resource.ok() || !resource->root.is_object()) return 0;
  cluster_state cluster;
  value labels = value::object();
  labels.set("coco.io/enabled", value("true"));
  cluster.set_namespace_labels("payments", std::move(labels));
  engine_environment env;
  env.cluster = &cluster;
  env.max_jmespath_steps = 100'000;
  env.max_foreach_elements = 1'000;
  engine_request req = engine_request::from_object(resource->root);
  engine_response m = engine::mutate(*out.prog, req, env);
  req.object = std::move(m.resource);
  (void)engine::validate(*out.prog, std::move(req), env);
  return 0;
}
