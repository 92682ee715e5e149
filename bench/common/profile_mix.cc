#include "profile_mix.h"

#include <algorithm>
#include <filesystem>
#include <initializer_list>

#include "coco-admit/core/json.h"
#include "coco-admit/core/yaml.h"

namespace coco_admit::bench {

namespace fs = std::filesystem;

std::string with_uid(std::string body, std::string_view uid) {
  if (const std::size_t at = body.find("__UID__"); at != std::string::npos) body.replace(at, 7, uid);
  return body;
}

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

std::string str_at(const value& v, std::initializer_list<const char*> path) {
  const value* cur = &v;
  for (const char* k : path) {
    if (cur == nullptr || !cur->is_object()) return {};
    cur = cur->find(k);
  }
  return cur != nullptr && cur->is_string() ? cur->as_string() : std::string();
}

std::string review_for(const value& object, const std::string& operation, const value* old_object) {
  const value& subject = operation == "DELETE" ? *old_object : object;
  std::string api = str_at(subject, {"apiVersion"});
  std::string kind = str_at(subject, {"kind"});
  std::string group, version = api;
  if (auto slash = api.find('/'); slash != std::string::npos) {
    group = api.substr(0, slash);
    version = api.substr(slash + 1);
  }
  std::string ns = str_at(subject, {"metadata", "namespace"});
  if (ns.empty()) ns = "default";
  std::string name = str_at(subject, {"metadata", "name"});
  std::string resource = lower(kind) + "s";
  std::string gvk = R"({"group":)";
  json::append_quoted(group, gvk);
  gvk += R"(,"version":)";
  json::append_quoted(version, gvk);
  std::string gvr = gvk + R"(,"resource":)";
  json::append_quoted(resource, gvr);
  gvk += R"(,"kind":)";
  json::append_quoted(kind, gvk);
  gvk += "}";
  gvr += "}";
  std::string out = R"({"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"__UID__","kind":)" + gvk +
                    R"(,"resource":)" + gvr + R"(,"requestKind":)" + gvk + R"(,"requestResource":)" + gvr;
  if (!name.empty()) {
    out += R"(,"name":)";
    json::append_quoted(name, out);
  }
  out += R"(,"namespace":)";
  json::append_quoted(ns, out);
  out += R"(,"operation":)";
  json::append_quoted(operation, out);
  out += R"(,"userInfo":{"username":"system:serviceaccount:kube-system:replicaset-controller","groups":["system:serviceaccounts","system:authenticated"]},"object":)";
  if (operation == "DELETE") out += "null";
  else json::serialize_to(object, out);
  out += R"(,"oldObject":)";
  if (old_object != nullptr) json::serialize_to(*old_object, out);
  else out += "null";
  out += R"(,"dryRun":false}})";
  return out;
}

struct reviewer {
  std::shared_ptr<const program> prog;
  const cluster_state* cluster;
  admission::scratch scratch;

  /// Runs one review; fills `allowed` and returns the response.
  std::string run(admission::webhook hook, const std::string& body, bool& allowed) {
    engine_environment env;
    env.cluster = cluster;
    std::string out;
    admission::review_outcome outcome;
    admission::review(*prog, hook, with_uid(body, "generator-check"), false, env, scratch, out, outcome);
    allowed = outcome.allowed;
    return out;
  }
};
void set_namespace(value& obj) {
  value& md = obj["metadata"];
  if (!md.is_object()) md = value::object();
  if (md.find("namespace") == nullptr) md.set("namespace", value("default"));
  if (md.find("name") == nullptr) {
    const value* gen = md.find("generateName");
    md.set("name", value((gen && gen->is_string() ? gen->as_string() : std::string("pod-")) + "x7k2p"));
  }
}

}  // namespace

profile_mix load_profile_mix(const std::string& profile) {
  profile_mix mix;
  auto compiled = compiler::compile_paths({profile + "/policies"});
  if (!compiled.ok()) {
    mix.error = compiled.error_text();
    return mix;
  }
  mix.prog = compiled.prog;
  if (fs::exists(profile + "/cluster")) {
    if (auto st = mix.cluster.add_file(profile + "/cluster"); !st.ok()) {
      mix.error = st.err().message;
      return mix;
    }
  }
  reviewer rv{mix.prog, &mix.cluster, {}};

  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(profile + "/workloads")) {
    auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  auto emit = [&](std::string cls, const char* path, bool allowed, std::string body) {
    ++mix.counts[cls];
    mix.requests.push_back({std::move(cls), path, allowed, std::move(body)});
  };
  for (const auto& f : files) {
    auto docs = yaml::load_file(f);
    if (!docs.ok()) {
      mix.error = docs.err().message;
      return mix;
    }
    for (auto& d : *docs) {
      value obj = std::move(d.root);
      if (!obj.is_object()) continue;
      set_namespace(obj);
      const std::string kind = str_at(obj, {"kind"});
      bool allowed = false;
      if (kind != "Pod") {
        std::string body = review_for(obj, "CREATE", nullptr);
        rv.run(admission::webhook::validate, body, allowed);
        bool controller = kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" || kind == "Job" ||
                          kind == "CronJob" || kind == "ReplicaSet";
        emit(controller ? "deployment" : "other", "/validate", allowed, body);
        bool mallowed = false;
        rv.run(admission::webhook::mutate, body, mallowed);
        emit(controller ? "deployment" : "other", "/mutate", mallowed, body);
        continue;
      }
      // CREATE through both webhooks, the validating one on the mutated pod.
      std::string body = review_for(obj, "CREATE", nullptr);
      std::string response = rv.run(admission::webhook::mutate, body, allowed);
      if (mix.sample_response.empty() && response.find("\"patch\"") != std::string::npos) {
        mix.sample_response = response;
      }
      auto mutated = apply_response_patch(response, obj);
      if (!mutated.ok()) {
        mix.error = f + ": " + mutated.err().message;
        return mix;
      }
      bool patched = *mutated != obj;
      emit(!allowed ? "denied" : patched ? "coco-mutate" : "untouched", "/mutate", allowed, body);
      std::string vbody = review_for(*mutated, "CREATE", nullptr);
      rv.run(admission::webhook::validate, vbody, allowed);
      bool initdata = f.find("initdata") != std::string::npos;
      emit(allowed ? "pod-validate" : initdata ? "broken-initdata" : "denied", "/validate", allowed, vbody);
      // UPDATE: a label changes on the running pod.
      value updated = *mutated;
      updated["metadata"]["labels"].set("rollout.example.com/revision", value("2"));
      std::string ubody = review_for(updated, "UPDATE", &*mutated);
      rv.run(admission::webhook::validate, ubody, allowed);
      emit("update", "/validate", allowed, ubody);
      rv.run(admission::webhook::mutate, ubody, allowed);
      emit("update", "/mutate", allowed, ubody);
      std::string dbody = review_for(value(), "DELETE", &*mutated);
      rv.run(admission::webhook::validate, dbody, allowed);
      emit("delete", "/validate", allowed, dbody);
    }
  }
  // A pod nobody configured for CoCo, in an ordinary namespace, for profiles
  // whose workloads are all CoCo pods.
  {
    pod_spec spec;
    spec.ns = "default";
    value pod = make_pod(spec);
    std::string body = review_for(pod, "CREATE", nullptr);
    bool allowed = false;
    rv.run(admission::webhook::mutate, body, allowed);
    emit("untouched", "/mutate", allowed, body);
  }
  return mix;
}

}  // namespace coco_admit::bench
