// The engine tells a merge when the resource is known to hold no null and no
// NaN (strategic_merge::resource_state::clean), so a run of merges walks the
// resource once instead of once each. A merge drops every null of the
// resource, including those in subtrees its overlay leaves alone, so each
// change that can bring a null back (a JSON patch, the restore of a failed
// foreach or of a failed Ignore policy) must make the next merge look again.
// These cases put a null there by each route and check the merge after it
// still drops it.
#include <gtest/gtest.h>

#include "coco-admit/compiler/compiler.h"
#include "coco-admit/core/engine.h"
#include "coco-admit/core/json.h"
#include "policy_helpers.h"

using namespace coco_admit;
using coco_admit::testing::compile;
using coco_admit::testing::doc;

namespace {

const char* pod_with_null = R"(
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: team-a, labels: {app: web, gone: ~}}
spec:
  containers:
  - {name: nginx, image: nginx:1.25}
)";

const char* clean_pod = R"(
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: team-a, labels: {app: web}}
spec:
  containers:
  - {name: nginx, image: nginx:1.25}
)";

std::string labels_after(const std::string& policies, const char* pod, engine_environment env = {}) {
  auto prog = compile(policies);
  if (!prog) return "(no program)";
  auto r = engine::mutate(*prog, engine_request::from_object(doc(pod)), env);
  return json::serialize(r.resource["metadata"]["labels"]);
}

const char* annotate = R"(
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: z-annotate}
spec:
  rules:
  - name: annotate
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        metadata: {annotations: {seen: "yes"}}
)";

TEST(EngineCensus, TheFirstMergeDropsTheNullsOfTheRequest) {
  EXPECT_EQ(labels_after(annotate, pod_with_null), R"({"app":"web"})");
}

TEST(EngineCensus, AMergeAfterAJsonPatchDropsTheNullItAdded) {
  const std::string policies = R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: a-first}
spec:
  rules:
  - name: merge
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        metadata: {labels: {tier: front}}
  - name: add-null
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchesJson6902: |-
        - {op: add, path: /metadata/labels/gone, value: null}
)" + std::string(annotate);
  // The first merge leaves the resource clean; the patch puts a null back; the last merge must find it.
  EXPECT_EQ(labels_after(policies, clean_pod), R"({"app":"web","tier":"front"})");
}

TEST(EngineCensus, AMergeAfterADroppedIgnorePolicyDropsTheNullItRestored) {
  const std::string policies = R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: a-fails}
spec:
  failurePolicy: Ignore
  rules:
  - name: first-merge
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        metadata: {labels: {tier: front}}
  - name: second-merge
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        metadata: {labels: {zone: a}}
  - name: error
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      patchStrategicMerge:
        metadata: {labels: {broken: "{{ request.object.metadata.nosuchkey }}"}}
)" + std::string(annotate);
  engine_environment env;
  env.drop_failed_ignore_policies = true;
  // The first merge drops the null, so the second finds the resource clean and leaves it known clean. The error
  // drops a-fails: the resource comes back with its null, which z-annotate's merge must find and drop.
  EXPECT_EQ(labels_after(policies, pod_with_null, env), R"({"app":"web"})");
}

TEST(EngineCensus, AMergeAfterAFailedForeachDropsTheNullItRestored) {
  const char* pod = R"(
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: team-a, labels: {app: web, gone: ~}}
spec:
  containers:
  - {name: no-tier, image: a}
  - {name: b, image: b, tier: back}
  - {name: c, image: c, tier: front}
)";
  const std::string policies = R"(
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: a-foreach}
spec:
  rules:
  - name: label-per-container
    match: {any: [{resources: {kinds: [Pod]}}]}
    mutate:
      foreach:
      - list: request.object.spec.containers
        patchStrategicMerge:
          metadata:
            labels:
              "tier-{{ element.name }}": "{{ element.tier }}"
)" + std::string(annotate);
  // Merges go last element first: c's merge drops the null, b's finds the resource clean, and no-tier (no
  // `tier`) fails the rule, which restores the resource as the foreach found it, null included. z-annotate's
  // merge must find that null and drop it.
  EXPECT_EQ(labels_after(policies, pod, {}), R"({"app":"web"})");
}

}  // namespace
