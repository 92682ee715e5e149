// bench_main: a Google Benchmark main that also remembers every result, so a
// binary can print derived numbers (ratios against targets) after the table.
//
// The display format still follows --benchmark_format (console or json);
// the summary goes to stdout after a console table and to stderr otherwise,
// so JSON output stays parseable.
#pragma once

#include <benchmark/benchmark.h>

#include <functional>
#include <map>
#include <ostream>
#include <string>

namespace coco_admit::bench {

/// CPU nanoseconds per iteration, by benchmark name ("BM_x/arg"); with
/// repetitions, the fastest repetition (least disturbed by other load).
class results {
 public:
  void add(const std::string& name, double cpu_ns);
  /// nullptr-safe lookup: < 0 when the benchmark did not run (filtered out,
  /// skipped with an error).
  double cpu_ns(const std::string& name) const;

 private:
  std::map<std::string, double> cpu_ns_;
};

using summary_fn = std::function<void(const results&, std::ostream&)>;

/// Parses flags, runs the registered benchmarks, prints `summary`.
/// Returns non-zero when a benchmark reported an error (a wrong answer).
int run_benchmarks(int argc, char** argv, const summary_fn& summary);

/// "1.23x (target <= 1.5x: met)" or "... missed by 0.27x"; "n/a" when either side did not run.
std::string ratio_text(double numerator, double denominator, double target);

}  // namespace coco_admit::bench
