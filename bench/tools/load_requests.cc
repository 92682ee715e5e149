// bench_load_requests: turns a profile's workloads into the request mix the
// wrk scripts replay (bench/load/admission.lua), with the answer coco-admit
// must give to each (bench/common/profile_mix.h, which lists the classes).
//
//   bench_load_requests --profile profiles/coco --out build/load/coco.tsv
//       [--sample-response FILE]   the mutate response of the first CoCo pod
//                                  (what the nginx ceiling answers)
//       [--extra-policies N FILE]  N generated policies that do not apply to
//                                  the reference pod (bench_common), as YAML
//
// Output: one request per line, tab-separated:
//   class  path  allowed  body
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "bench_common.h"
#include "profile_mix.h"

using namespace coco_admit;

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
  const bench::profile_mix mix = bench::load_profile_mix(profile);
  if (!mix.error.empty()) {
    std::fprintf(stderr, "%s\n", mix.error.c_str());
    return 1;
  }
  std::ofstream out(out_path, std::ios::trunc);
  for (const auto& l : mix.requests) out << l.cls << '\t' << l.path << '\t' << (l.allowed ? "true" : "false") << '\t' << l.body << '\n';
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", out_path.c_str());
    return 1;
  }
  if (!sample_path.empty()) {
    std::ofstream sample(sample_path, std::ios::trunc);
    sample << mix.sample_response;
    if (!sample || mix.sample_response.empty()) {
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
  std::printf("wrote %zu requests to %s:", mix.requests.size(), out_path.c_str());
  for (const auto& [cls, n] : mix.counts) std::printf(" %s=%d", cls.c_str(), n);
  std::printf("\n");
  return 0;
}
