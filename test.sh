#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds Release, runs ctest.
# Then, unless COCO_ADMIT_SKIP_SANITIZERS=1, builds everything again with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer in build-asan/ (benchmarks
# off), runs the same suite there, and gives every fuzz harness a short
# libFuzzer run (COCO_ADMIT_FUZZ_SECONDS each, default 15) from that build.
# Idempotent; safe to re-run.
cd "$(dirname "$0")"
source .ci/common.sh
coco_admit_install_deps
coco_admit_build build
(cd build && ctest --output-on-failure -j"$(nproc)" --timeout 600)

if [ "${COCO_ADMIT_SKIP_SANITIZERS:-0}" = "1" ]; then
  exit 0
fi
# One sanitizer build serves both the test suite and the fuzz smoke run: clang
# (libFuzzer needs it), coverage instrumentation on every library
# (fuzzer-no-link; harmless for the test executables, ASan's runtime provides
# the hooks) and line tables so reports name file:line. -O1 (build type
# "Sanitize" has no flags of its own): much quicker to compile than -O3, and
# the suite still runs in seconds.
echo "coco-admit: sanitizer build (ASan+UBSan) in build-asan" >&2
CC=clang CXX=clang++ coco_admit_build build-asan -DCMAKE_BUILD_TYPE=Sanitize -DCOCO_ADMIT_SANITIZE=ON \
  -DCOCO_ADMIT_BUILD_BENCH=OFF "-DCMAKE_CXX_FLAGS=-O1 -gline-tables-only -fsanitize=fuzzer-no-link"
# Leak checking stays on: a leak on the request path is a slow OOM.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
(cd build-asan && ctest --output-on-failure -j"$(nproc)" --timeout 1200)
# The corpora are replayed by ctest above (deterministic, and they fail the
# suite). The smoke campaign explores at random: a find is printed and saved
# under fuzz/crashes/ for a regression test, but a random find does not fail
# the run, so the suite's verdict stays reproducible.
if ! COCO_ADMIT_FUZZ_BUILD=$PWD/build-asan fuzz/run --smoke "${COCO_ADMIT_FUZZ_SECONDS:-15}"; then
  echo "coco-admit: the fuzz smoke run found an input to look at (fuzz/crashes/); see fuzz/run" >&2
fi
