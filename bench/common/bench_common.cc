#include "bench_common.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "coco-admit/core/coco/base64.h"
#include "coco-admit/core/coco/initdata.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/json_patch.h"

namespace coco_admit::bench {

namespace {

// Snippets are written as JSON text and parsed: far easier to read than
// value-builder calls, and a typo fails loudly on first use.
value J(const std::string& text) {
  auto v = json::parse(text);
  if (!v.ok()) {
    std::fprintf(stderr, "bench_common: bad JSON snippet: %s\n%s\n", v.err().message.c_str(), text.c_str());
    std::abort();
  }
  return std::move(v).value();
}

// Deterministic pseudo-random hex (splitmix64), for digests and hashes that
// must look like real ones (they keep gzip honest).
std::string hex_of(std::uint64_t seed, std::size_t chars) {
  std::string out;
  std::uint64_t x = seed;
  while (out.size() < chars) {
    x += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(z));
    out += buf;
  }
  out.resize(chars);
  return out;
}

std::string container_name(const pod_spec& spec, int i) {
  return i == 0 ? spec.app : spec.app + "-sidecar-" + std::to_string(i);
}

value make_container(const pod_spec& spec, int i) {
  const std::string name = container_name(spec, i);
  const std::string port = std::to_string(8080 + i);
  std::string text = R"({"name":")" + name + R"(","image":"registry.example.com/shop/)" + name +
                     R"(:2.7.1","ports":[{"name":"http","containerPort":)" + port +
                     R"(,"protocol":"TCP"}],"env":[{"name":"LOG_LEVEL","value":"info"}],"resources":{"limits":{"cpu":"1","memory":"512Mi"},"requests":{"cpu":"250m","memory":"256Mi"}})";
  if (!spec.minimal) {
    text += R"(,"volumeMounts":[{"name":"kube-api-access-q9w4z","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}])";
    text += R"(,"livenessProbe":{"httpGet":{"path":"/livez","port":)" + port +
            R"(,"scheme":"HTTP"},"initialDelaySeconds":5,"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3})";
    text += R"(,"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File")";
  }
  text += R"(,"imagePullPolicy":"IfNotPresent","securityContext":{"allowPrivilegeEscalation":false,"runAsNonRoot":true,"capabilities":{"drop":["ALL"]}}})";
  return J(text);
}

value managed_fields(const pod_spec& spec) {
  std::string containers;
  for (int i = 0; i < spec.containers; ++i) {
    if (i) containers += ",";
    containers += R"("k:{\"name\":\")" + container_name(spec, i) +
                  R"(\"}":{".":{},"f:env":{".":{},"k:{\"name\":\"LOG_LEVEL\"}":{".":{},"f:name":{},"f:value":{}}},"f:image":{},"f:imagePullPolicy":{},"f:livenessProbe":{},"f:name":{},"f:ports":{".":{},"k:{\"containerPort\":)" +
                  std::to_string(8080 + i) +
                  R"(,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:name":{},"f:protocol":{}}},"f:resources":{".":{},"f:limits":{},"f:requests":{}},"f:securityContext":{},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}})";
  }
  return J(R"([{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"2026-02-03T09:41:12Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/restartedAt":{},"f:prometheus.io/path":{},"f:prometheus.io/scrape":{}},"f:generateName":{},"f:labels":{".":{},"f:app.kubernetes.io/name":{},"f:app.kubernetes.io/part-of":{},"f:app.kubernetes.io/version":{},"f:pod-template-hash":{}},"f:ownerReferences":{".":{},"k:{\"uid\":\"0b8e4f2a-7c1d-4e9b-a3f6-5d2c8e1b7a40\"}":{}}},"f:spec":{"f:containers":{)" +
           containers +
           R"(},"f:dnsPolicy":{},"f:enableServiceLinks":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:serviceAccount":{},"f:serviceAccountName":{},"f:terminationGracePeriodSeconds":{}}}}])");
}

}  // namespace

std::string data_dir() { return COCO_ADMIT_BENCH_DATA_DIR; }

value make_pod(const pod_spec& spec) {
  const std::string hash = "5c9f7b6d84";
  value md = J(R"({"generateName":")" + spec.app + "-" + hash + R"(-","namespace":")" + spec.ns +
               R"(","uid":"9a3e6c1f-2b8d-4f0a-b5e7-3c1d9f8a6b24","creationTimestamp":"2026-02-03T09:41:12Z"})");
  md.set("labels", J(R"({"app.kubernetes.io/name":")" + spec.app + R"(","app.kubernetes.io/part-of":"shop","app.kubernetes.io/version":"2.7.1","pod-template-hash":")" +
                     hash + R"("})"));
  value annotations = J(R"({"kubectl.kubernetes.io/restartedAt":"2026-02-03T09:30:00Z","prometheus.io/scrape":"true","prometheus.io/path":"/metrics"})");
  if (!spec.initdata.empty()) annotations.set(coco::initdata_annotation, value(spec.initdata));
  md.set("annotations", std::move(annotations));
  md.set("ownerReferences", J(R"([{"apiVersion":"apps/v1","kind":"ReplicaSet","name":")" + spec.app + "-" + hash +
                              R"(","uid":"0b8e4f2a-7c1d-4e9b-a3f6-5d2c8e1b7a40","controller":true,"blockOwnerDeletion":true}])"));
  if (!spec.minimal) md.set("managedFields", managed_fields(spec));

  value pod_spec_v = value::object();
  if (!spec.minimal) {
    pod_spec_v.set("volumes", J(R"([{"name":"kube-api-access-q9w4z","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},{"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}],"defaultMode":420}}])"));
  }
  value containers = value::array();
  for (int i = 0; i < std::max(1, spec.containers); ++i) containers.push_back(make_container(spec, i));
  pod_spec_v.set("containers", std::move(containers));
  value rest = J(R"({"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"checkout","serviceAccount":"checkout","securityContext":{"fsGroup":2000},"schedulerName":"default-scheduler","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"})");
  for (auto& m : rest.as_object()) pod_spec_v.set(m.key, std::move(m.val));

  value pod = value::object();
  pod.set("kind", value("Pod"));
  pod.set("apiVersion", value("v1"));
  pod.set("metadata", std::move(md));
  pod.set("spec", std::move(pod_spec_v));
  pod.set("status", J(R"({"phase":"Pending","qosClass":"Burstable"})"));

  if (spec.min_bytes > 0) {
    // Grow with environment variables (config-heavy pods are the big ones in
    // practice), round-robin over the containers, until the review is large
    // enough. The review wrapper is ~900 bytes; measure rather than guess.
    std::size_t size = make_review(pod, spec).size();
    auto& list = (*pod.find("spec")->find("containers")).as_array();
    for (std::size_t n = 0; size < spec.min_bytes; ++n) {
      value& env = *list[n % list.size()].find("env");
      std::string name = "FEATURE_FLAG_" + std::to_string(n);
      std::string val = "enabled;rollout=" + hex_of(n, 48);
      size += name.size() + val.size() + 22;
      env.push_back(J(R"({"name":")" + name + R"(","value":")" + val + R"("})"));
    }
  }
  return pod;
}

std::string make_review(const value& object, const pod_spec& spec, const value* old_object) {
  const bool del = spec.operation == "DELETE";
  std::string out = R"({"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":)";
  json::append_quoted(spec.uid, out);
  out += R"(,"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"requestKind":{"group":"","version":"v1","kind":"Pod"},"requestResource":{"group":"","version":"v1","resource":"pods"})";
  if (spec.operation != "CREATE") {
    const value* md = (del && old_object ? *old_object : object).find("metadata");
    const value* name = md ? md->find("name") : nullptr;
    out += R"(,"name":)";
    json::append_quoted(name && name->is_string() ? name->as_string() : std::string(spec.app + "-5c9f7b6d84-x2v7q"), out);
  }
  out += R"(,"namespace":)";
  json::append_quoted(spec.ns, out);
  out += R"(,"operation":)";
  json::append_quoted(spec.operation, out);
  out += R"(,"userInfo":{"username":"system:serviceaccount:kube-system:replicaset-controller","uid":"c4e1a7b2-5d3f-4a9e-8b6c-1f2e3d4c5b6a","groups":["system:serviceaccounts","system:serviceaccounts:kube-system","system:authenticated"]},"object":)";
  if (del) out += "null";
  else json::serialize_to(object, out);
  out += R"(,"oldObject":)";
  if (old_object != nullptr) json::serialize_to(*old_object, out);
  else out += "null";
  out += R"(,"dryRun":false,"options":{"kind":")";
  out += spec.operation == "CREATE" ? "CreateOptions" : spec.operation == "UPDATE" ? "UpdateOptions" : "DeleteOptions";
  out += R"(","apiVersion":"meta.k8s.io/v1"}}})";
  return out;
}

std::string reference_review() {
  pod_spec spec;
  return make_review(make_pod(spec), spec);
}

review_input generated_input(const pod_spec& spec) {
  review_input in;
  in.object = make_pod(spec);
  in.body = make_review(in.object, spec);
  in.uid = spec.uid;
  in.around = [spec](const value& object) { return make_review(object, spec); };
  return in;
}

result<review_input> file_input(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return error::invalid(path + ": cannot be read");
  std::stringstream text;
  text << f.rdbuf();
  auto doc = json::parse(text.str());
  if (!doc.ok()) return error::invalid(path + ": " + doc.err().message);
  const value* request = doc->find("request");
  const value* uid = request != nullptr ? request->find("uid") : nullptr;
  const value* object = request != nullptr ? request->find("object") : nullptr;
  if (uid == nullptr || !uid->is_string()) return error::invalid(path + ": request.uid is not a string");
  if (object == nullptr || !object->is_object()) return error::invalid(path + ": request.object is not an object");
  review_input in;
  in.body = text.str();
  in.uid = uid->as_string();
  in.object = *object;
  in.around = [review = std::move(doc).value()](const value& changed) {
    value copy = review;
    copy["request"]["object"] = changed;
    return json::serialize(copy);
  };
  return in;
}

std::string reference_fixture_path() {
  const std::string path = std::string(COCO_ADMIT_SHARED_DIR) + "/fixtures/pod-create-review.json";
  std::error_code ec;
  return std::filesystem::exists(path, ec) ? path : std::string();
}

std::string initdata_toml(std::size_t min_bytes, std::string_view kbs_host) {
  const std::string kbs = "https://" + std::string(kbs_host) + ":8080";
  std::string head = "version = \"0.1.0\"\nalgorithm = \"sha384\"\n\n[data]\n\"aa.toml\" = '''\n[token_configs]\n[token_configs.coco_as]\nurl = \"" +
                     kbs + "\"\n\n[token_configs.kbs]\nurl = \"" + kbs +
                     "\"\n'''\n\n\"cdh.toml\" = '''\nsocket = \"unix:///run/confidential-containers/cdh.sock\"\n\n[kbc]\nname = \"cc_kbc\"\nurl = \"" +
                     kbs + "\"\n\n[image]\nimage_security_policy_uri = \"kbs:///default/security-policy/test\"\n'''\n\n\"policy.rego\" = '''\npackage agent_policy\n\n";
  static const char* const requests[] = {
      "CopyFileRequest",      "CreateContainerRequest", "CreateSandboxRequest",  "DestroySandboxRequest",
      "ExecProcessRequest",   "GetOOMEventRequest",     "GuestDetailsRequest",   "ListInterfacesRequest",
      "ListRoutesRequest",    "PullImageRequest",       "ReadStreamRequest",     "RemoveContainerRequest",
      "SetPolicyRequest",     "SignalProcessRequest",   "StartContainerRequest", "StatsContainerRequest",
      "TtyWinResizeRequest",  "UpdateContainerRequest", "UpdateInterfaceRequest", "UpdateRoutesRequest",
      "WaitProcessRequest",   "WriteStreamRequest"};
  std::string rego;
  for (const char* r : requests) {
    std::string_view rv(r);
    bool deny = rv == "ExecProcessRequest" || rv == "SetPolicyRequest" || rv == "WriteStreamRequest";
    rego += "default " + std::string(r) + (deny ? " := false\n" : " := true\n");
  }
  const std::string tail = "'''\n";
  // genpolicy-like allow-list of image layers, one rule per layer digest.
  std::string layers;
  for (std::size_t i = 0; head.size() + rego.size() + layers.size() + tail.size() < min_bytes; ++i) {
    layers += "allowed_layer_" + std::to_string(i) + " := \"sha256:" + hex_of(i * 7919 + 17, 64) + "\"\n";
  }
  return head + rego + layers + tail;
}

std::vector<value> cluster_objects() {
  std::vector<value> c;
  c.push_back(J(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a","labels":{"coco.io/enabled":"true","kubernetes.io/metadata.name":"team-a"}}})"));
  c.push_back(J(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-b","labels":{"kubernetes.io/metadata.name":"team-b"}}})"));
  c.push_back(J(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"coco-runtime-config","namespace":"confidential-containers-system"},"data":{"team-a":"[\"kata-qemu-snp\",\"kata-qemu-tdx\"]","_default":"[\"kata-qemu-snp\",\"kata-qemu-tdx\",\"kata-remote\"]"}})"));
  value initdata = J(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"coco-initdata","namespace":"coco-security"},"data":{}})");
  value& data = *initdata.find("data");
  data.set("team-a", value(coco::initdata_encode(initdata_toml(0))));
  data.set("_default", value(coco::initdata_encode(initdata_toml(0, "kbs.example.com"))));
  c.push_back(std::move(initdata));
  return c;
}

cluster_state make_cluster() {
  cluster_state c;
  for (auto& o : cluster_objects()) c.add(std::move(o));
  return c;
}

result<std::vector<compiler::source>> realistic_policies() {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(data_dir() + "/policies", ec)) {
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  }
  if (ec || files.empty()) return error::not_found("no policies in " + data_dir() + "/policies");
  std::sort(files.begin(), files.end());
  std::vector<compiler::source> out;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    out.push_back({f, ss.str()});
  }
  return out;
}

std::string non_applying_policies(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    const std::string id = std::to_string(i);
    std::string head = "---\napiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: extra-" + id + "\n";
    std::string enforce = "spec:\n  validationFailureAction: Enforce\n  rules:\n";
    switch (i % 10) {
      case 0:  // a team's namespaced Policy in its own namespace
        out += "---\napiVersion: kyverno.io/v1\nkind: Policy\nmetadata:\n  name: team-policy-" + id + "\n  namespace: team-" + id +
               "-prod\n" + enforce +
               "    - name: require-team-label\n      match:\n        any:\n          - resources:\n              kinds: [Pod]\n"
               "      validate:\n        message: team label required\n        pattern:\n          metadata:\n            labels:\n"
               "              team: \"?*\"\n";
        break;
      case 1:  // Pods of other namespaces
        out += head + enforce + "    - name: restrict-registry\n      match:\n        any:\n          - resources:\n              kinds: [Pod]\n"
               "              namespaces: [\"payments-" + id + "\", \"ledger-" + id + "-*\"]\n"
               "      validate:\n        message: images must come from the payments registry\n        pattern:\n          spec:\n"
               "            containers:\n              - image: \"payments.registry.example.com/*\"\n";
        break;
      case 2:  // Pods by name
        out += head + "spec:\n  rules:\n    - name: batch-defaults\n      match:\n        any:\n          - resources:\n              kinds: [Pod]\n"
               "              names: [\"batch-" + id + "-*\"]\n      mutate:\n        patchStrategicMerge:\n          spec:\n"
               "            +(priorityClassName): batch-low\n";
        break;
      case 3:  // Pods by label
        out += head + enforce + "    - name: gpu-nodes\n      match:\n        any:\n          - resources:\n              kinds: [Pod]\n"
               "              selector:\n                matchLabels:\n                  app.kubernetes.io/name: ml-" + id +
               "\n      validate:\n        message: ML pods need a GPU limit\n        pattern:\n          spec:\n            containers:\n"
               "              - resources:\n                  limits:\n                    nvidia.com/gpu: \">=1\"\n";
        break;
      case 4:  // Pods, other operations
        out += head + enforce + "    - name: block-exec-" + id + "\n      match:\n        any:\n          - resources:\n              kinds: [Pod]\n"
               "              operations: [UPDATE, DELETE]\n              annotations:\n                locked.example.com/" + id +
               ": \"true\"\n      validate:\n        message: locked pod\n        deny: {}\n";
        break;
      case 5:  // Services
        out += head + enforce + "    - name: no-nodeport\n      match:\n        any:\n          - resources:\n              kinds: [Service]\n"
               "              namespaces: [\"team-" + id + "\"]\n      validate:\n        message: NodePort services are not allowed\n"
               "        pattern:\n          spec:\n            =(type): \"!NodePort\"\n";
        break;
      case 6:  // Deployments
        out += head + enforce + "    - name: min-replicas\n      match:\n        any:\n          - resources:\n              kinds: [apps/v1/Deployment]\n"
               "              selector:\n                matchLabels:\n                  tier: frontend-" + id +
               "\n      validate:\n        message: frontends run at least two replicas\n        pattern:\n          spec:\n            replicas: \">=2\"\n";
        break;
      case 7:  // ConfigMaps and Secrets
        out += head + "spec:\n  rules:\n    - name: label-config\n      match:\n        any:\n          - resources:\n"
               "              kinds: [ConfigMap, Secret]\n      mutate:\n        patchStrategicMerge:\n          metadata:\n            labels:\n"
               "              +(config.example.com/owner-" + id + "): platform\n";
        break;
      case 8:  // Ingresses
        out += head + enforce + "    - name: tls-hosts\n      match:\n        any:\n          - resources:\n"
               "              kinds: [networking.k8s.io/v1/Ingress]\n      validate:\n        message: ingresses must use TLS\n"
               "        pattern:\n          spec:\n            tls: \"?*\"\n";
        break;
      default:  // Pods with an opt-in annotation they do not carry
        out += head + "spec:\n  rules:\n    - name: inject-agent-" + id + "\n      match:\n        any:\n          - resources:\n"
               "              kinds: [Pod]\n              annotations:\n                sidecar.example.com/inject-" + id +
               ": \"true\"\n      mutate:\n        patchStrategicMerge:\n          spec:\n            containers:\n"
               "              - name: agent-" + id + "\n                image: registry.example.com/agent:1.0." + id + "\n";
        break;
    }
  }
  return out;
}

std::string applying_policies(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    const std::string id = std::to_string(i);
    out += "---\napiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: applies-" + id + "\n";
    if (i % 10 == 9) {
      out += "spec:\n  rules:\n    - name: annotate\n      match:\n        any:\n          - resources:\n              kinds: [Pod]\n"
             "      mutate:\n        patchStrategicMerge:\n          metadata:\n            annotations:\n"
             "              +(audit.example.com/p" + id + "): seen\n";
    } else {
      out += "spec:\n  validationFailureAction: Enforce\n  rules:\n    - name: check\n      match:\n        any:\n          - resources:\n"
             "              kinds: [Pod]\n      validate:\n        message: check " + id + "\n        pattern:\n          metadata:\n"
             "            labels:\n              app.kubernetes.io/part-of: \"shop | web-" + id + "\"\n          spec:\n"
             "            containers:\n              - name: \"?*\"\n                resources:\n                  limits:\n"
             "                    memory: \"<=" + std::to_string(1024 + i) + "Mi\"\n";
    }
  }
  return out;
}

result<std::shared_ptr<const program>> compile(const std::vector<compiler::source>& sources) {
  auto out = compiler::compile_sources(sources);
  if (!out.ok()) {
    std::string text = out.error_text();
    if (text.size() > 2000) text.resize(2000);
    return error::invalid("compile: " + text);
  }
  return out.prog;
}

result<std::shared_ptr<const program>> compile_with(std::string extra_yaml, bool realistic) {
  std::vector<compiler::source> sources;
  if (realistic) {
    auto r = realistic_policies();
    if (!r.ok()) return r.err();
    sources = std::move(r).value();
  }
  if (!extra_yaml.empty()) sources.push_back({"generated.yaml", std::move(extra_yaml)});
  return compile(sources);
}

padded_body::padded_body(std::string body) : buf_(std::move(body)), size_(buf_.size()) {
  buf_.append(simdjson::SIMDJSON_PADDING, '\0');
}

namespace {

result<std::vector<json_patch::operation>> response_patch(const value& response) {
  const value* p = response.find("patch");
  if (p == nullptr) return std::vector<json_patch::operation>{};
  if (!p->is_string()) return error::invalid("response.patch is not a string");
  auto bytes = coco::base64_decode_strict(p->as_string());
  if (!bytes.ok()) return error::invalid("response.patch is not base64: " + bytes.err().message);
  auto ops = json::parse(*bytes);
  if (!ops.ok()) return error::invalid("response.patch is not JSON: " + ops.err().message);
  return json_patch::parse(*ops);
}

}  // namespace

std::string check_response(std::string_view response, const expected_response& want) {
  auto doc = json::parse(response);
  if (!doc.ok()) return "response is not JSON: " + doc.err().message;
  const value* r = doc->find("response");
  if (r == nullptr || !r->is_object()) return "response has no 'response' object";
  const value* uid = r->find("uid");
  if (uid == nullptr || !uid->is_string() || uid->as_string() != want.uid) return "response uid is not " + want.uid;
  const value* allowed = r->find("allowed");
  if (allowed == nullptr || !allowed->is_bool() || allowed->as_bool() != want.allowed) {
    std::string msg;
    if (const value* st = r->find("status")) msg = json::serialize(*st);
    return std::string("response.allowed is not ") + (want.allowed ? "true" : "false") + " " + msg;
  }
  if (!want.message_contains.empty()) {
    const value* st = r->find("status");
    const value* m = st ? st->find("message") : nullptr;
    if (m == nullptr || !m->is_string() || m->as_string().find(want.message_contains) == std::string::npos) {
      return "status.message does not contain '" + want.message_contains + "'";
    }
  }
  auto ops = response_patch(*r);
  if (!ops.ok()) return ops.err().message;
  if (!ops->empty()) {
    const value* pt = r->find("patchType");
    if (pt == nullptr || !pt->is_string() || pt->as_string() != "JSONPatch") return "patch without patchType JSONPatch";
  }
  if (want.patch_ops >= 0 && static_cast<int>(ops->size()) != want.patch_ops) {
    std::string paths;
    for (const auto& o : *ops) paths += " " + o.op + ":" + o.path;
    return "expected " + std::to_string(want.patch_ops) + " patch ops, got " + std::to_string(ops->size()) + ":" + paths;
  }
  for (const auto& path : want.patch_paths) {
    bool found = std::any_of(ops->begin(), ops->end(), [&](const json_patch::operation& o) { return o.path == path; });
    if (!found) return "no patch op at " + path;
  }
  return {};
}

result<value> apply_response_patch(std::string_view response, const value& object) {
  auto doc = json::parse(response);
  if (!doc.ok()) return doc.err();
  const value* r = doc->find("response");
  if (r == nullptr) return error::invalid("response has no 'response' object");
  auto ops = response_patch(*r);
  if (!ops.ok()) return ops.err();
  return json_patch::apply(object, *ops);
}

expected_response reference_mutate_expectation(const pod_spec& spec) {
  expected_response e;
  e.uid = spec.uid;
  e.allowed = true;
  // runtimeClassName, the initdata annotation, two labels, and per container
  // the env list [LOG_LEVEL] -> [POD_NAMESPACE, LOG_LEVEL]. With one container
  // every change is a map edit, whose logged patch adds env/0; with more, the
  // foreach puts each container first in turn, and the patch is the diff,
  // index-wise as Kyverno's webhook makes it (replace name, remove value, add
  // valueFrom, add).
  e.patch_ops = spec.containers <= 1 ? 5 : 4 + 4 * spec.containers;
  e.patch_paths = {"/spec/runtimeClassName", "/metadata/annotations/io.katacontainers.config.hypervisor.cc_init_data",
                   "/metadata/labels/tenant.example.com~1namespace", "/metadata/labels/app.kubernetes.io~1managed-by"};
  return e;
}

}  // namespace coco_admit::bench
