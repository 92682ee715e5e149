// bench_load_requests: turns a profile's workloads into the request mix the
// wrk scripts replay (bench/load/admission.lua), with the answer coco-admit
// must give to each, computed by running the same admission::review here.
//
//   bench_load_requests --profile profiles/coco --out build/load/coco.tsv
//       [--sample-response FILE]   the mutate response of the first CoCo pod
//                                  (what the nginx ceiling answers)
//       [--extra-policies N FILE]  N generated policies that do not apply to
//                                  the reference pod (bench_common), as YAML
//
// Output: one request per line, tab-separated:
//   class  path  allowed  body
// `body` is a compact AdmissionReview whose request.uid is "__UID__" (the Lua
// script puts a unique uid there per request), `allowed` is what the
// response must say. Classes:
//   coco-mutate      Pod CREATE to /mutate that gets patched (CoCo pods)
//   untouched        Pod CREATE to /mutate that no policy changes
//   pod-validate     Pod CREATE (after mutation) to /validate, admitted
//   broken-initdata  Pod CREATE (after mutation) to /validate, denied
//   denied           any other request the policies deny
//   deployment       Deployment (and other controllers) CREATE, autogen rules
//   update           Pod UPDATE (labels changed) to /mutate and /validate
//   delete           Pod DELETE to /validate
//   other            every other kind in the workloads (Secrets, ...)
#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "bench_common.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/yaml.h"

namespace fs = std::filesystem;
using namespace coco_admit;

namespace {

struct line {
  std::string cls, path;
  bool allowed;
  std::string body;
};

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
  cluster_state cluster;
  engine_environment env;
  admission::scratch scratch;

  /// Runs one review; fills `allowed` and returns the response.
  std::string run(admission::webhook hook, const std::string& body, bool& allowed) {
    std::string out;
    admission::review_outcome outcome;
    std::string with_uid = body;
    with_uid.replace(with_uid.find("__UID__"), 7, "generator-check");
    admission::review(*prog, hook, with_uid, false, env, scratch, out, outcome);
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

int main(int argc, char** argv) {
  std::string profile, out_path, sample_path, extra_path;
  int extra = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--profile") == 0) profile = argv[i + 1];
    else if (std::strcmp(argv[i], "--out") == 0) out_path = argv[i + 1];
    else if (std::strcmp(argv[i], "--sample-response") == 0) sample_path = argv[i + 1];
    else if (std::strcmp(argv[i], "--extra-policies") == 0 && i + 2 < argc) {
      extra = std::atoi(argv[i + 1]);
      extra_path = argv[i + 2];
      ++i;
    } else {
      std::fprintf(stderr, "unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  if (profile.empty() || out_path.empty()) {
    std::fprintf(stderr, "usage: bench_load_requests --profile DIR --out FILE\n");
    return 2;
  }
  reviewer rv;
  std::vector<std::string> policy_paths{profile + "/policies"};
  auto compiled = compiler::compile_paths(policy_paths);
  if (!compiled.ok()) {
    std::fprintf(stderr, "%s\n", compiled.error_text().c_str());
    return 1;
  }
  rv.prog = compiled.prog;
  if (fs::exists(profile + "/cluster")) {
    if (auto st = rv.cluster.add_file(profile + "/cluster"); !st.ok()) {
      std::fprintf(stderr, "%s\n", st.err().message.c_str());
      return 1;
    }
  }
  rv.env.cluster = &rv.cluster;

  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(profile + "/workloads")) {
    auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<line> lines;
  std::map<std::string, int> counts;
  std::string sample_response;
  auto emit = [&](std::string cls, const char* path, bool allowed, std::string body) {
    ++counts[cls];
    lines.push_back({std::move(cls), path, allowed, std::move(body)});
  };
  for (const auto& f : files) {
    auto docs = yaml::load_file(f);
    if (!docs.ok()) {
      std::fprintf(stderr, "%s\n", docs.err().message.c_str());
      return 1;
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
      if (sample_response.empty() && response.find("\"patch\"") != std::string::npos) sample_response = response;
      auto mutated = bench::apply_response_patch(response, obj);
      if (!mutated.ok()) {
        std::fprintf(stderr, "%s: %s\n", f.c_str(), mutated.err().message.c_str());
        return 1;
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
    bench::pod_spec spec;
    spec.ns = "default";
    value pod = bench::make_pod(spec);
    std::string body = review_for(pod, "CREATE", nullptr);
    bool allowed = false;
    rv.run(admission::webhook::mutate, body, allowed);
    emit("untouched", "/mutate", allowed, body);
  }
  std::ofstream out(out_path, std::ios::trunc);
  for (const auto& l : lines) out << l.cls << '\t' << l.path << '\t' << (l.allowed ? "true" : "false") << '\t' << l.body << '\n';
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", out_path.c_str());
    return 1;
  }
  if (!sample_path.empty()) {
    std::ofstream sample(sample_path, std::ios::trunc);
    sample << sample_response;
    if (!sample || sample_response.empty()) {
      std::fprintf(stderr, "cannot write a sample response to %s\n", sample_path.c_str());
      return 1;
    }
  }
  if (!extra_path.empty()) {
    std::ofstream ex(extra_path, std::ios::trunc);
    ex << bench::non_applying_policies(extra);
    if (!ex) {
      std::fprintf(stderr, "cannot write %s\n", extra_path.c_str());
      return 1;
    }
  }
  std::printf("wrote %zu requests to %s:", lines.size(), out_path.c_str());
  for (const auto& [cls, n] : counts) std::printf(" %s=%d", cls.c_str(), n);
  std::printf("\n");
  return 0;
}
