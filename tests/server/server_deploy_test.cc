// Renders the kustomize base with `kubectl kustomize` and checks the objects
// an operator relies on: restricted pod security, probes on the server's
// endpoints, Service 443 -> 9443, the PDB, cert-manager CA injection, and the
// webhook configurations (paths the server serves, failure policies, selector).
#include <gtest/gtest.h>

#include <map>

#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/yaml.h"
#include "server_test_support.h"

namespace coco_admit::server {
namespace {

using namespace testing;

const value* at(const value& v, std::string_view pointer) { return json::at_pointer(v, pointer); }
std::string str(const value& v, std::string_view pointer) {
  const value* p = at(v, pointer);
  return p && p->is_string() ? p->as_string() : std::string("<missing " + std::string(pointer) + ">");
}

struct deploy_test : ::testing::Test {
  std::map<std::string, value> objects;  ///< "Kind/name" -> object

  void SetUp() override {
    if (run("command -v kubectl >/dev/null 2>&1").exit_code != 0) GTEST_SKIP() << "kubectl is not installed";
    auto r = run("kubectl kustomize " + quote(std::string(COCO_ADMIT_SOURCE_DIR) + "/deploy/kustomize/base") + " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    auto docs = yaml::parse_all(r.out, "kustomize");
    ASSERT_TRUE(docs.ok()) << docs.err().message;
    for (auto& d : *docs) objects[str(d.root, "/kind") + "/" + str(d.root, "/metadata/name")] = d.root;
  }

  const value& object(const std::string& key) {
    static const value none;
    auto it = objects.find(key);
    EXPECT_NE(it, objects.end()) << key;
    return it == objects.end() ? none : it->second;
  }
};

TEST_F(deploy_test, EveryObjectIsThere) {
  for (const char* k : {"Namespace/coco-admit", "ServiceAccount/coco-admit", "Deployment/coco-admit", "Service/coco-admit",
                        "PodDisruptionBudget/coco-admit", "Issuer/coco-admit-selfsigned", "Certificate/coco-admit-tls",
                        "ConfigMap/coco-admit-policies", "ConfigMap/coco-admit-cluster-resources",
                        "MutatingWebhookConfiguration/coco-admit", "ValidatingWebhookConfiguration/coco-admit"})
    EXPECT_EQ(objects.count(k), 1u) << k;
  for (const auto& [k, v] : objects) {
    if (k.rfind("Namespace/", 0) == 0 || k.find("WebhookConfiguration/") != std::string::npos) continue;
    EXPECT_EQ(str(v, "/metadata/namespace"), "coco-admit") << k;
  }
}

TEST_F(deploy_test, DeploymentIsRestrictedAndProbed) {
  const value& d = object("Deployment/coco-admit");
  const value& pod = *at(d, "/spec/template/spec");
  EXPECT_TRUE(at(pod, "/securityContext/runAsNonRoot")->as_bool());
  EXPECT_EQ(str(pod, "/securityContext/seccompProfile/type"), "RuntimeDefault");
  const value& c = *at(pod, "/containers/0");
  EXPECT_FALSE(at(c, "/securityContext/allowPrivilegeEscalation")->as_bool());
  EXPECT_TRUE(at(c, "/securityContext/readOnlyRootFilesystem")->as_bool());
  EXPECT_EQ(json::serialize(*at(c, "/securityContext/capabilities/drop")), R"(["ALL"])");
  EXPECT_EQ(str(c, "/livenessProbe/httpGet/path"), "/livez");
  EXPECT_EQ(str(c, "/readinessProbe/httpGet/path"), "/readyz");
  EXPECT_EQ(str(c, "/readinessProbe/httpGet/scheme"), "HTTPS");
  EXPECT_NE(at(c, "/resources/requests/cpu"), nullptr);
  EXPECT_NE(at(c, "/resources/limits/memory"), nullptr);
  EXPECT_EQ(str(c, "/image"), "ghcr.io/coco-admit/coco-admit:0.1.0");
  // The args are flags `coco-admit serve` accepts, pointing at the mounted volumes.
  const std::string args = json::serialize(*at(c, "/args"));
  for (const char* a : {"\"serve\"", "--tls-cert-file=/etc/coco-admit/tls/tls.crt", "--policy-dir=/etc/coco-admit/policies",
                        "--secure-port=9443", "--shutdown-grace-seconds=5"})
    EXPECT_NE(args.find(a), std::string::npos) << a;
  std::map<std::string, std::string> mounts;
  for (const auto& m : at(c, "/volumeMounts")->as_array()) {
    mounts[str(m, "/name")] = str(m, "/mountPath");
    EXPECT_EQ(m.find("subPath"), nullptr) << "subPath mounts never update";
  }
  EXPECT_EQ(mounts["tls"], "/etc/coco-admit/tls");
  EXPECT_EQ(mounts["policies"], "/etc/coco-admit/policies");
  EXPECT_EQ(str(pod, "/volumes/0/secret/secretName"), "coco-admit-tls");
  // Grace period: the server's 5 s grace plus drain fits in it.
  EXPECT_GE(at(pod, "/terminationGracePeriodSeconds")->as_double(), 15);
}

TEST_F(deploy_test, ServiceAndDisruptionBudget) {
  const value& s = object("Service/coco-admit");
  EXPECT_EQ(at(s, "/spec/ports/0/port")->as_double(), 443);
  EXPECT_EQ(str(s, "/spec/ports/0/targetPort"), "https");
  const value& d = object("Deployment/coco-admit");
  EXPECT_EQ(str(d, "/spec/template/spec/containers/0/ports/0/name"), "https");
  EXPECT_EQ(at(d, "/spec/template/spec/containers/0/ports/0/containerPort")->as_double(), 9443);
  // Selectors pick the Deployment's pods.
  const value& labels = *at(d, "/spec/template/metadata/labels");
  for (const value* sel : {at(s, "/spec/selector"), at(object("PodDisruptionBudget/coco-admit"), "/spec/selector/matchLabels")}) {
    ASSERT_NE(sel, nullptr);
    for (const auto& m : sel->as_object()) EXPECT_EQ(*labels.find(m.key), m.val) << m.key;
  }
  EXPECT_EQ(at(object("PodDisruptionBudget/coco-admit"), "/spec/minAvailable")->as_double(), 1);
}

TEST_F(deploy_test, WebhookConfigurations) {
  const value& cert = object("Certificate/coco-admit-tls");
  const std::string dns = str(cert, "/spec/dnsNames/0");
  EXPECT_EQ(dns, "coco-admit.coco-admit.svc");
  EXPECT_EQ(str(cert, "/spec/secretName"), "coco-admit-tls");
  const struct {
    std::string key;
    bool mutating;
  } configs[] = {{"MutatingWebhookConfiguration/coco-admit", true}, {"ValidatingWebhookConfiguration/coco-admit", false}};
  for (const auto& c : configs) {
    const value& cfg = object(c.key);
    EXPECT_EQ(str(cfg, "/metadata/annotations/cert-manager.io~1inject-ca-from"), "coco-admit/coco-admit-tls");
    const auto& hooks = at(cfg, "/webhooks")->as_array();
    ASSERT_EQ(hooks.size(), 2u);
    std::map<std::string, std::string> path_policy;
    for (const auto& h : hooks) {
      path_policy[str(h, "/clientConfig/service/path")] = str(h, "/failurePolicy");
      EXPECT_EQ(json::serialize(*at(h, "/admissionReviewVersions")), R"(["v1"])");
      EXPECT_EQ(str(h, "/sideEffects"), "None");
      EXPECT_EQ(at(h, "/timeoutSeconds")->as_double(), 10);
      EXPECT_EQ(str(h, "/clientConfig/service/name"), "coco-admit");
      EXPECT_EQ(str(h, "/clientConfig/service/namespace"), "coco-admit");
      EXPECT_EQ(at(h, "/clientConfig/service/port")->as_double(), 443);
      EXPECT_EQ(str(h, "/namespaceSelector/matchExpressions/0/key"), "kubernetes.io/metadata.name");
      EXPECT_EQ(str(h, "/namespaceSelector/matchExpressions/0/operator"), "NotIn");
      EXPECT_EQ(json::serialize(*at(h, "/namespaceSelector/matchExpressions/0/values")), R"(["kube-system","coco-admit"])");
      if (c.mutating) {
        EXPECT_EQ(str(h, "/reinvocationPolicy"), "IfNeeded");
      } else {
        EXPECT_EQ(h.find("reinvocationPolicy"), nullptr);
      }
      EXPECT_EQ(str(h, "/rules/0/resources/0"), "pods");
    }
    const std::string base = c.mutating ? "/mutate" : "/validate";
    EXPECT_EQ(path_policy[base + "/fail"], "Fail");
    EXPECT_EQ(path_policy[base + "/ignore"], "Ignore");
  }
}

TEST_F(deploy_test, PolicyConfigMapCompiles) {
  const value& cm = object("ConfigMap/coco-admit-policies");
  const value* data = cm.find("data");
  ASSERT_NE(data, nullptr);
  ASSERT_GE(data->size(), 1u);
  std::vector<compiler::source> sources;
  for (const auto& m : data->as_object()) sources.push_back({m.key, m.val.as_string()});
  auto out = compiler::compile_sources(sources);
  EXPECT_TRUE(out.ok()) << out.error_text();
  ASSERT_NE(out.prog, nullptr);
  EXPECT_EQ(out.prog->policies.size(), sources.size());
}

}  // namespace
}  // namespace coco_admit::server
