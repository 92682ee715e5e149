#include "bench_main.h"

#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <vector>

namespace coco_admit::bench {

void results::add(const std::string& name, double cpu_ns) {
  auto it = cpu_ns_.find(name);
  if (it == cpu_ns_.end() || cpu_ns < it->second) cpu_ns_[name] = cpu_ns;
}

double results::cpu_ns(const std::string& name) const {
  auto it = cpu_ns_.find(name);
  return it == cpu_ns_.end() ? -1.0 : it->second;
}

std::string ratio_text(double numerator, double denominator, double target) {
  if (numerator <= 0 || denominator <= 0) return "n/a (not run)";
  double r = numerator / denominator;
  char buf[128];
  if (r <= target) {
    std::snprintf(buf, sizeof buf, "%.2fx (target <= %.1fx: met)", r, target);
  } else {
    std::snprintf(buf, sizeof buf, "%.2fx (target <= %.1fx: missed by %.2fx)", r, target, r - target);
  }
  return buf;
}

namespace {

// Forwards to the reporter --benchmark_format asked for (console or json; the
// CSV reporter is deprecated upstream) and records results.
class recording_reporter : public benchmark::BenchmarkReporter {
 public:
  recording_reporter(std::unique_ptr<benchmark::BenchmarkReporter> inner, results& out) : inner_(std::move(inner)), out_(out) {}

  bool ReportContext(const Context& context) override { return inner_->ReportContext(context); }

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred) {
        errors_ = true;
        continue;
      }
      if (run.run_type != Run::RT_Iteration || run.iterations == 0) continue;
      out_.add(run.run_name.str(), run.cpu_accumulated_time / static_cast<double>(run.iterations) * 1e9);
    }
    inner_->ReportRuns(runs);
  }

  void Finalize() override { inner_->Finalize(); }
  bool errors() const { return errors_; }

 private:
  std::unique_ptr<benchmark::BenchmarkReporter> inner_;
  results& out_;
  bool errors_ = false;
};

}  // namespace

int run_benchmarks(int argc, char** argv, const summary_fn& summary) {
  std::string format = "console";
  for (int i = 1; i < argc; ++i) {
    const char* flag = "--benchmark_format=";
    if (std::strncmp(argv[i], flag, std::strlen(flag)) == 0) format = argv[i] + std::strlen(flag);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  std::unique_ptr<benchmark::BenchmarkReporter> inner;
  if (format == "json") inner = std::make_unique<benchmark::JSONReporter>();
  else inner = std::make_unique<benchmark::ConsoleReporter>();
  results res;
  recording_reporter reporter(std::move(inner), res);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::ostream& os = format == "console" ? std::cout : std::cerr;
  if (summary) {
    os << "\n";
    summary(res, os);
  }
  os.flush();
  if (reporter.errors()) {
    std::cerr << "\nat least one benchmark failed its output check (see error_message above)\n";
    return 1;
  }
  return 0;
}

}  // namespace coco_admit::bench
