#!/usr/bin/env bash
# Builds Release and runs coco-admit on the default profile (profiles/coco):
# applies its policies to the example workloads offline and prints the result.
cd "$(dirname "$0")"
source .ci/common.sh
coco_admit_install_deps
coco_admit_build build -DCOCO_ADMIT_BUILD_BENCH=OFF
profile=${COCO_ADMIT_PROFILE:-profiles/coco}
exec build/server/coco-admit apply --policy "$profile/policies" --cluster-resources "$profile/cluster" \
  --resource "$profile/workloads"
