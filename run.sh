#!/usr/bin/env bash
# Builds Release and starts the coco-admit webhook on the default profile
# (profiles/coco: its policies and the platform configuration they read), with a
# self-signed localhost certificate whose caBundle it prints. Try it from
# another shell, e.g.:
#   curl -sk https://127.0.0.1:9443/readyz?verbose
#   build/server/coco-admit review --policy profiles/coco/policies \
#     --cluster-resources profiles/coco/cluster <AdmissionReview.json>   # the same path offline
# Stop it with Ctrl-C (SIGTERM drains in-flight requests). Set
# COCO_ADMIT_PROFILE=profiles/<name> for another profile.
cd "$(dirname "$0")"
source .ci/common.sh
coco_admit_install_deps
coco_admit_build build -DCOCO_ADMIT_BUILD_BENCH=OFF -DCOCO_ADMIT_BUILD_TESTS=OFF
profile=${COCO_ADMIT_PROFILE:-profiles/coco}
exec build/server/coco-admit serve --dev --policy-dir "$profile/policies" --cluster-resources-dir "$profile/cluster"
