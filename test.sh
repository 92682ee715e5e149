#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds Release, runs ctest.
# Idempotent; safe to re-run.
cd "$(dirname "$0")"
source .ci/common.sh
coco_admit_install_deps
coco_admit_build build
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 600
