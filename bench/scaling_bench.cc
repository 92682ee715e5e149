// bench_scaling: how the cost of one pod creation (mutating + validating
// webhook through admission::review) grows (issue 5 section 1):
//
//   BM_scale_not_applying/policies:N  realistic set + N policies that do not apply
//   BM_scale_applying/policies:N      realistic set + N policies that apply (and pass)
//   BM_scale_pod_bytes/bytes:N        request of N bytes (environment-heavy pod)
//   BM_scale_containers/containers:N  pod with N containers
//   BM_scale_initdata_errors/bytes:N  coco_initdata_errors() on initdata of N TOML bytes
//   BM_scale_initdata_review/bytes:N  validating webhook on a pod carrying that initdata
//   BM_profile_mix/<class>            profiles/coco's workloads as the API server sends them (profile_mix.h), one
//                                     class at a time: CPU per review in-process, to which bench/capacity's CPU per
//                                     review adds TLS and HTTP
#include <algorithm>

#include "bench_main.h"
#include "coco-admit/core/coco/initdata.h"
#include "coco-admit/core/jmespath.h"
#include "profile_mix.h"
#include "review_fixture.h"

namespace coco_admit::bench {
namespace {

enum class hooks { mutate, validate, both };

void time_reviews(benchmark::State& state, const review_fixture& f, hooks h = hooks::both) {
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  admission::scratch scratch;
  admission::review_outcome outcome;
  std::string out;
  auto run = [&](bool check) -> std::string {
    if (h != hooks::validate) {
      admission::review(*f.prog, admission::webhook::mutate, f.mutate_body->view(), true, f.env, scratch, out, outcome);
      if (check) {
        if (std::string why = check_response(out, f.mutate_want); !why.empty()) return "mutate: " + why;
      }
    }
    if (h != hooks::mutate) {
      admission::review(*f.prog, admission::webhook::validate, f.validate_body->view(), true, f.env, scratch, out, outcome);
      if (check) {
        if (std::string why = check_response(out, f.validate_want); !why.empty()) return "validate: " + why;
      }
    }
    return {};
  };
  if (std::string why = run(true); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  for (auto _ : state) {
    run(false);
    benchmark::DoNotOptimize(out.data());
  }
  std::size_t bytes = (h != hooks::validate ? f.mutate_body->size() : 0) + (h != hooks::mutate ? f.validate_body->size() : 0);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
  state.counters["rules"] = static_cast<double>(f.rules);
  state.counters["request_bytes"] = static_cast<double>(f.mutate_body->size());
}

void BM_scale_not_applying(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  pod_spec spec;
  time_reviews(state, get_review_fixture("not_applying/" + std::to_string(n), spec, non_applying_policies(n),
                                         reference_mutate_expectation(spec)));
}
BENCHMARK(BM_scale_not_applying)->ArgName("policies")->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

void BM_scale_applying(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  pod_spec spec;
  expected_response want = reference_mutate_expectation(spec);
  want.patch_ops += n / 10;  // every tenth applying policy adds an annotation
  if (n >= 10) want.patch_paths.push_back("/metadata/annotations/audit.example.com~1p9");
  time_reviews(state, get_review_fixture("applying/" + std::to_string(n), spec, applying_policies(n), want));
}
BENCHMARK(BM_scale_applying)->ArgName("policies")->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

void BM_scale_pod_bytes(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  pod_spec spec;
  spec.min_bytes = n;
  spec.minimal = n <= 2048;
  expected_response want = reference_mutate_expectation(spec);
  want.patch_ops = -1;  // env [A..Z] -> [POD_NAMESPACE, A..Z]: one logged add, or an index-wise diff that grows
  time_reviews(state, get_review_fixture("bytes/" + std::to_string(n), spec, "", want));
}
BENCHMARK(BM_scale_pod_bytes)
    ->ArgName("bytes")
    ->Arg(1 << 10)
    ->Arg(4 << 10)
    ->Arg(16 << 10)
    ->Arg(64 << 10)
    ->Arg(256 << 10)
    ->Arg(1 << 20)
    ->Unit(benchmark::kMicrosecond);

void BM_scale_containers(benchmark::State& state) {
  pod_spec spec;
  spec.containers = static_cast<int>(state.range(0));
  expected_response want = reference_mutate_expectation(spec);
  want.patch_ops = -1;
  // See reference_mutate_expectation: one container's env entry is logged as added first, more are diffed.
  for (int i = 0; i < spec.containers; ++i) {
    want.patch_paths.push_back("/spec/containers/" + std::to_string(i) + (spec.containers == 1 ? "/env/0" : "/env/1"));
  }
  time_reviews(state, get_review_fixture("containers/" + std::to_string(spec.containers), spec, "", want));
}
BENCHMARK(BM_scale_containers)->ArgName("containers")->Arg(1)->Arg(2)->Arg(5)->Arg(10)->Arg(20)->Arg(50)->Unit(benchmark::kMicrosecond);

void BM_scale_initdata_errors(benchmark::State& state) {
  const std::string toml = initdata_toml(static_cast<std::size_t>(state.range(0)));
  value data = value::object();
  data.set("v", value(coco::initdata_encode(toml)));
  auto e = jmespath::compile("coco_initdata_errors(v)");
  if (!e.ok()) {
    state.SkipWithError(e.err().message.c_str());
    return;
  }
  auto got = jmespath::evaluate(**e, data);
  if (!got.ok() || !got->is_array() || !got->as_array().empty()) {
    state.SkipWithError(got.ok() ? ("initdata has errors: " + got->as_array()[0].as_string()).c_str() : got.err().message.c_str());
    return;
  }
  for (auto _ : state) {
    auto r = jmespath::evaluate(**e, data);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(toml.size()));
  state.counters["toml_bytes"] = static_cast<double>(toml.size());
  state.counters["annotation_bytes"] = static_cast<double>(data.find("v")->as_string().size());
}
BENCHMARK(BM_scale_initdata_errors)->ArgName("bytes")->Arg(1 << 10)->Arg(4 << 10)->Arg(16 << 10)->Arg(64 << 10);

void BM_scale_initdata_review(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  pod_spec spec;
  spec.initdata = coco::initdata_encode(initdata_toml(n));
  expected_response want = reference_mutate_expectation(spec);
  want.patch_ops -= 1;  // the pod brings its own initdata: not injected
  want.patch_paths.erase(want.patch_paths.begin() + 1);
  time_reviews(state, get_review_fixture("initdata/" + std::to_string(n), spec, "", want), hooks::validate);
}
BENCHMARK(BM_scale_initdata_review)->ArgName("bytes")->Arg(1 << 10)->Arg(4 << 10)->Arg(16 << 10)->Arg(64 << 10)->Unit(benchmark::kMicrosecond);

const profile_mix& coco_profile() {
  static const profile_mix mix = load_profile_mix(data_dir() + "/../../profiles/coco");
  return mix;
}

std::size_t requests_of(const profile_mix& mix, std::string_view cls) {
  return static_cast<std::size_t>(std::count_if(mix.requests.begin(), mix.requests.end(),
                                                [&](const mix_request& r) { return r.cls == cls; }));
}

// Every request of the class once per iteration, each checked first against the answer the mix recorded.
void BM_profile_mix(benchmark::State& state, const char* cls) {
  const profile_mix& mix = coco_profile();
  if (!mix.error.empty()) {
    state.SkipWithError(mix.error.c_str());
    return;
  }
  struct prepared {
    padded_body body;
    admission::webhook hook;
    bool allowed;
  };
  std::vector<prepared> requests;
  for (const mix_request& r : mix.requests) {
    if (r.cls != cls) continue;
    requests.push_back({padded_body(with_uid(r.body, "bench-uid")),
                        r.path == "/mutate" ? admission::webhook::mutate : admission::webhook::validate, r.allowed});
  }
  if (requests.empty()) {
    state.SkipWithError("profiles/coco has no request of this class");
    return;
  }
  engine_environment env;
  env.cluster = &mix.cluster;
  admission::scratch scratch;
  admission::review_outcome outcome;
  std::string out;
  for (const prepared& p : requests) {
    admission::review(*mix.prog, p.hook, p.body.view(), true, env, scratch, out, outcome);
    if (outcome.allowed != p.allowed || out.find("\"uid\":\"bench-uid\"") == std::string::npos) {
      state.SkipWithError(("a response differs from the mix's answer: " + out.substr(0, 300)).c_str());
      return;
    }
  }
  std::size_t bytes = 0;
  for (const prepared& p : requests) bytes += p.body.size();
  for (auto _ : state) {
    for (const prepared& p : requests) {
      admission::review(*mix.prog, p.hook, p.body.view(), true, env, scratch, out, outcome);
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(requests.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
  state.counters["requests"] = static_cast<double>(requests.size());
}
BENCHMARK_CAPTURE(BM_profile_mix, coco_mutate, "coco-mutate")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_profile_mix, untouched, "untouched")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_profile_mix, pod_validate, "pod-validate")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_profile_mix, broken_initdata, "broken-initdata")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_profile_mix, denied, "denied")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_profile_mix, deployment, "deployment")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_profile_mix, update, "update")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_profile_mix, delete, "delete")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_profile_mix, other, "other")->Unit(benchmark::kMicrosecond);

void summary(const results& r, std::ostream& os) {
  os << "scaling summary (CPU time per pod creation, relative to the first point):\n";
  auto curve = [&](const char* name, std::initializer_list<long> args, const char* argname) {
    double base = -1;
    os << "  " << name << ":";
    for (long a : args) {
      double ns = r.cpu_ns(std::string(name) + "/" + argname + ":" + std::to_string(a));
      if (ns <= 0) continue;
      if (base < 0) base = ns;
      char buf[96];
      std::snprintf(buf, sizeof buf, " %ld=%.1fus(%.2fx)", a, ns / 1000, ns / base);
      os << buf;
    }
    os << "\n";
  };
  curve("BM_scale_not_applying", {1, 10, 100, 1000, 10000}, "policies");
  curve("BM_scale_applying", {1, 10, 100, 1000, 10000}, "policies");
  curve("BM_scale_pod_bytes", {1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20}, "bytes");
  curve("BM_scale_containers", {1, 2, 5, 10, 20, 50}, "containers");
  curve("BM_scale_initdata_errors", {1 << 10, 4 << 10, 16 << 10, 64 << 10}, "bytes");
  curve("BM_scale_initdata_review", {1 << 10, 4 << 10, 16 << 10, 64 << 10}, "bytes");
  os << "  profiles/coco, CPU per review by class:";
  for (const char* cls : {"coco-mutate", "untouched", "pod-validate", "broken-initdata", "denied", "deployment", "update",
                          "delete", "other"}) {
    std::string name = std::string("BM_profile_mix/") + cls;
    std::replace(name.begin(), name.end(), '-', '_');
    const double ns = r.cpu_ns(name);
    const std::size_t n = requests_of(coco_profile(), cls);
    if (ns <= 0 || n == 0) continue;
    char buf[96];
    std::snprintf(buf, sizeof buf, " %s=%.1fus", cls, ns / 1000 / static_cast<double>(n));
    os << buf;
  }
  os << "\n";
}

}  // namespace
}  // namespace coco_admit::bench

int main(int argc, char** argv) { return coco_admit::bench::run_benchmarks(argc, argv, coco_admit::bench::summary); }
