// bench_admission: issue 2 section 6 in one run.
//
//   BM_parse_simdjson          bare simdjson DOM parse of the 4.3 KB Pod CREATE
//                              review (padded buffer, reused parser)
//   BM_parse_validating_request the same parse of the validating webhook's
//                              request (the pod after mutation)
//   BM_review_mutate/extra:N   admission::review, mutating webhook
//   BM_review_validate/extra:N admission::review, validating webhook (on the
//                              pod after mutation, as the apiserver sends it)
//   BM_review_full/extra:N     both webhooks: what one pod creation costs
//
// with the realistic policies of bench/data/policies and N in {0, 10, 100,
// 1000} generated policies that do not apply to the request. The summary at
// the end gives full/parse and full(1000)/full(0) against the targets
// (<= 1.5x and <= 2x).
//
// The review is the brief's reference fixture, shared/fixtures/pod-create-review.json, when shared/ is next to the
// checkout (COCO_ADMIT_SHARED_DIR; CI has it), and otherwise bench_common's generated look-alike (a Deployment's pod
// with managedFields, 4,347 bytes). The summary says which one was measured.
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <new>

#include "bench_main.h"
#include "review_fixture.h"

// Counts heap allocations made through operator new (the value model, strings,
// vectors), so the benchmarks can report allocations per review. Forwards to
// malloc, which is mimalloc's in this binary as in the server.
namespace {
thread_local std::size_t allocations = 0;
}  // namespace

// GCC cannot see that these pairs match (both sides are malloc/free).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t n) {
  ++allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace coco_admit::bench {
namespace {

struct measured_review {
  review_input input;
  std::string label;  ///< which review, for the summary
  /// The fixture is there but unusable: the benchmarks fail rather than measure another review.
  std::string error;
};

const measured_review& measured() {
  static const measured_review m = [] {
    measured_review out;
    const std::string path = reference_fixture_path();
    if (path.empty()) {
      out.input = generated_input(pod_spec{});
      out.label = "generated look-alike (shared/fixtures/pod-create-review.json is not next to this checkout)";
    } else if (auto in = file_input(path); in.ok()) {
      out.input = std::move(in).value();
      out.label = path;
    } else {
      out.error = in.err().message;
      return out;
    }
    out.label += ", " + std::to_string(out.input.body.size()) + " bytes";
    return out;
  }();
  return m;
}

const review_fixture& fixture_for(int extra) {
  // Every realistic rule applies to the reference pod as to the look-alike: the same five patch operations.
  expected_response want = reference_mutate_expectation(pod_spec{});
  want.uid = measured().input.uid;
  return get_review_fixture("admission/" + std::to_string(extra), measured().input, non_applying_policies(extra), want);
}

// Times parser.parse on `body` after checking that the parse finds the request's uid and first container image.
void time_parse(benchmark::State& state, std::string_view body) {
  simdjson::dom::parser parser;
  auto check = [&]() -> std::string {
    simdjson::dom::element root;
    if (auto err = parser.parse(body.data(), body.size(), false).get(root)) return simdjson::error_message(err);
    std::string_view uid;
    if (root["request"]["uid"].get(uid) != simdjson::SUCCESS || uid != measured().input.uid) {
      return "request.uid not found";
    }
    std::string_view image;
    if (root.at_pointer("/request/object/spec/containers/0/image").get(image) != simdjson::SUCCESS || image.empty()) {
      return "container image not found";
    }
    return {};
  };
  if (std::string why = check(); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  const std::size_t allocations_before = allocations;
  for (auto _ : state) {
    simdjson::dom::element root;
    auto err = parser.parse(body.data(), body.size(), false).get(root);
    benchmark::DoNotOptimize(err);
    benchmark::DoNotOptimize(root);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
  state.counters["request_bytes"] = static_cast<double>(body.size());
  state.counters["allocs"] =
      static_cast<double>(allocations - allocations_before) / static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
}

void BM_parse_simdjson(benchmark::State& state) {
  if (!measured().error.empty()) {
    state.SkipWithError(measured().error.c_str());
    return;
  }
  padded_body body(measured().input.body);
  time_parse(state, body.view());
}
BENCHMARK(BM_parse_simdjson);

// The validating webhook's request (the pod after mutation, larger by the initdata): with BM_parse_simdjson, the
// parsing one pod creation needs before any rule runs, a floor under BM_review_full.
void BM_parse_validating_request(benchmark::State& state) {
  if (!measured().error.empty()) {
    state.SkipWithError(measured().error.c_str());
    return;
  }
  const review_fixture& f = fixture_for(0);
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  time_parse(state, f.validate_body->view());
}


enum class hooks { mutate, validate, both };

void run_reviews(benchmark::State& state, hooks h) {
  if (!measured().error.empty()) {
    state.SkipWithError(measured().error.c_str());
    return;
  }
  const review_fixture& f = fixture_for(static_cast<int>(state.range(0)));
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  if (const review_fixture& none = fixture_for(0);
      f.mutate_answers != none.mutate_answers || f.validate_answers != none.validate_answers) {
    state.SkipWithError("the extra policies are meant not to apply, but rules of theirs answered");
    return;
  }
  admission::scratch scratch;
  admission::review_outcome outcome;
  std::string out;
  // The fixture checked both answers once; check again with this scratch so
  // reuse across iterations is covered too.
  for (int round = 0; round < 2; ++round) {
    if (h != hooks::validate) {
      admission::review(*f.prog, admission::webhook::mutate, f.mutate_body->view(), true, f.env, scratch, out, outcome);
      if (std::string why = check_response(out, f.mutate_want); !why.empty()) {
        state.SkipWithError(("mutate: " + why).c_str());
        return;
      }
    }
    if (h != hooks::mutate) {
      admission::review(*f.prog, admission::webhook::validate, f.validate_body->view(), true, f.env, scratch, out, outcome);
      if (std::string why = check_response(out, f.validate_want); !why.empty()) {
        state.SkipWithError(("validate: " + why).c_str());
        return;
      }
    }
  }
  std::size_t bytes = 0;
  const std::size_t allocations_before = allocations;
  for (auto _ : state) {
    if (h != hooks::validate) {
      admission::review(*f.prog, admission::webhook::mutate, f.mutate_body->view(), true, f.env, scratch, out, outcome);
      benchmark::DoNotOptimize(out.data());
    }
    if (h != hooks::mutate) {
      admission::review(*f.prog, admission::webhook::validate, f.validate_body->view(), true, f.env, scratch, out, outcome);
      benchmark::DoNotOptimize(out.data());
    }
  }
  if (h != hooks::validate) bytes += f.mutate_body->size();
  if (h != hooks::mutate) bytes += f.validate_body->size();
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
  state.counters["rules"] = static_cast<double>(f.rules);
  state.counters["allocs"] =
      static_cast<double>(allocations - allocations_before) / static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
}

void BM_review_mutate(benchmark::State& state) { run_reviews(state, hooks::mutate); }
void BM_review_validate(benchmark::State& state) { run_reviews(state, hooks::validate); }
void BM_review_full(benchmark::State& state) { run_reviews(state, hooks::both); }

BENCHMARK(BM_parse_validating_request);

BENCHMARK(BM_review_mutate)->ArgName("extra")->Arg(0)->Arg(10)->Arg(100)->Arg(1000);
BENCHMARK(BM_review_validate)->ArgName("extra")->Arg(0)->Arg(10)->Arg(100)->Arg(1000);
BENCHMARK(BM_review_full)->ArgName("extra")->Arg(0)->Arg(10)->Arg(100)->Arg(1000);

void summary(const results& r, std::ostream& os) {
  const double parse = r.cpu_ns("BM_parse_simdjson");
  const double full0 = r.cpu_ns("BM_review_full/extra:0");
  const double full1000 = r.cpu_ns("BM_review_full/extra:1000");
  os << "summary (CPU time per iteration; full = mutating + validating webhook of one pod creation)\n";
  os << "  review: " << measured().label << "\n";
  auto line = [&](const char* what, double ns) {
    if (ns > 0) os << "  " << what << ": " << ns / 1000.0 << " us\n";
  };
  line("parse (simdjson DOM)", parse);
  line("full, 0 extra policies", full0);
  line("mutate only, 0 extra", r.cpu_ns("BM_review_mutate/extra:0"));
  line("validate only, 0 extra", r.cpu_ns("BM_review_validate/extra:0"));
  line("full, 1000 extra policies", full1000);
  os << "  full / parse:                 " << ratio_text(full0, parse, 1.5) << "\n";
  // Each webhook parses its own request: the two parses alone, with no rule run, are this many bare parses.
  const double floor = parse + r.cpu_ns("BM_parse_validating_request");
  if (parse > 0 && floor > parse) {
    char line[160];
    std::snprintf(line, sizeof line, "  two parses / parse:           %.2fx  (the floor under full: both requests parsed, no rule run)\n",
                  floor / parse);
    os << line;
    std::snprintf(line, sizeof line, "  full / two parses:            %.2fx\n", full0 / floor);
    os << line;
  }
  os << "  full(1000 extra) / full(0):   " << ratio_text(full1000, full0, 2.0) << "\n";
  os << "  mutate(1000) / mutate(0):     "
     << ratio_text(r.cpu_ns("BM_review_mutate/extra:1000"), r.cpu_ns("BM_review_mutate/extra:0"), 2.0) << "\n";
  os << "  validate(1000) / validate(0): "
     << ratio_text(r.cpu_ns("BM_review_validate/extra:1000"), r.cpu_ns("BM_review_validate/extra:0"), 2.0) << "\n";
}

}  // namespace
}  // namespace coco_admit::bench

int main(int argc, char** argv) { return coco_admit::bench::run_benchmarks(argc, argv, coco_admit::bench::summary); }
