// bench_stages: each stage of admission::review on its own (issue 5 section 1),
// on the reference 4.3 KB Pod CREATE review and the realistic policies.
//
//   parse          simdjson DOM; simdjson + conversion to the value model
//   select         rule_selector candidates + match/exclude per candidate
//   jmespath       compiled expressions over the request context
//   substitute     a template with several variables
//   pattern        validate patterns (pass), anyPattern
//   strategic      patchStrategicMerge: anchor preprocessing + merge (and merge_in_place, as the engine does it)
//   patch_diff     RFC 6902 diff of before/after, serialised, base64
//   response       the AdmissionReview response envelope
//   value_copy     a deep copy of the pod (the engine keeps the original for the diff)
#include <simdjson.h>

#include "bench_main.h"
#include "bench_common.h"
#include "coco-admit/core/coco/base64.h"
#include "coco-admit/core/jmespath.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/json_patch.h"
#include "coco-admit/core/match.h"
#include "coco-admit/core/pattern.h"
#include "coco-admit/core/strategic_merge.h"
#include "coco-admit/core/template.h"
#include "coco-admit/core/variables.h"

namespace coco_admit::bench {
namespace {

value parse_or_die(std::string_view text) {
  auto v = json::parse(text);
  if (!v.ok()) std::abort();
  return std::move(v).value();
}

/// The context policies see: {request: <AdmissionRequest>, runtimeConfig: <ConfigMap>}.
const value& request_context() {
  static const value ctx = [] {
    value review = parse_or_die(reference_review());
    value c = value::object();
    c.set("request", *review.find("request"));
    for (const auto& o : cluster_objects()) {
      const value* md = o.find("metadata");
      if (md && md->find("name")->as_string() == "coco-runtime-config") {
        value cm = value::object();
        cm.set("data", *o.find("data"));
        c.set("runtimeConfig", std::move(cm));
      }
    }
    return c;
  }();
  return ctx;
}

const value& reference_pod() {
  static const value pod = *request_context().find("request")->find("object");
  return pod;
}

void set_request_throughput(benchmark::State& state, std::size_t bytes) {
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
}

// --- parse -----------------------------------------------------------------

void BM_stage_parse_simdjson(benchmark::State& state) {
  padded_body body(reference_review());
  simdjson::dom::parser parser;
  std::string_view uid;
  simdjson::dom::element root;
  if (parser.parse(body.view().data(), body.size(), false).get(root) != simdjson::SUCCESS ||
      root["request"]["uid"].get(uid) != simdjson::SUCCESS || uid != pod_spec{}.uid) {
    state.SkipWithError("simdjson did not find request.uid");
    return;
  }
  for (auto _ : state) {
    auto err = parser.parse(body.view().data(), body.size(), false).get(root);
    benchmark::DoNotOptimize(err);
  }
  set_request_throughput(state, body.size());
}
BENCHMARK(BM_stage_parse_simdjson);

void BM_stage_parse_to_value(benchmark::State& state) {
  const std::string body = reference_review();
  simdjson::dom::parser parser;
  auto v = json::parse(parser, body);
  if (!v.ok() || *v != parse_or_die(body) || json::serialize(*v) != body) {
    state.SkipWithError("json::parse does not round-trip the review");
    return;
  }
  for (auto _ : state) {
    auto r = json::parse(parser, body);
    benchmark::DoNotOptimize(r);
  }
  set_request_throughput(state, body.size());
}
BENCHMARK(BM_stage_parse_to_value);

// --- selection -------------------------------------------------------------

request_facts facts_for(const value& pod, const cluster_state& cluster) {
  request_facts f;
  const value* md = pod.find("metadata");
  f.group = "";
  f.version = "v1";
  f.kind = "Pod";
  f.operation = "CREATE";
  f.object_kind = "Pod";
  f.name = md->find("generateName")->as_string();
  f.ns = md->find("namespace")->as_string();
  f.labels = md->find("labels");
  f.annotations = md->find("annotations");
  f.namespace_labels = cluster.namespace_labels(f.ns);
  return f;
}

void BM_stage_select(benchmark::State& state) {
  const int extra = static_cast<int>(state.range(0));
  auto prog = compile_with(non_applying_policies(extra));
  if (!prog.ok()) {
    state.SkipWithError(prog.err().message.c_str());
    return;
  }
  const program& p = **prog;
  cluster_state cluster = make_cluster();
  request_facts facts = facts_for(reference_pod(), cluster);
  std::vector<rule_ref> scratch;
  const selection_keys keys{"CREATE", "Pod", facts.ns, facts.name, facts.labels, facts.annotations};
  auto select = [&] {
    std::span<const rule_ref> candidates = p.selector.select(keys, scratch);
    std::size_t matched = 0;
    for (rule_ref ref : candidates) {
      const policy& pol = p.policies[ref.policy];
      if (pol.namespaced && pol.ns != facts.ns) continue;
      matched += rule_matches(pol.rules[ref.rule], facts);
    }
    return matched;
  };
  // 12 rules of bench/data/policies apply to the pod: 4 mutate (runtime
  // class, initdata, labels, env) and 8 validate; the extras never match.
  const std::size_t want = 12;
  if (std::size_t got = select(); got != want) {
    state.SkipWithError(("matched " + std::to_string(got) + " rules, expected " + std::to_string(want)).c_str());
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(select());
  state.SetItemsProcessed(state.iterations());
  state.counters["candidates"] = static_cast<double>(p.selector.select(keys, scratch).size());
  state.counters["rules"] = static_cast<double>(p.rule_count());
}
BENCHMARK(BM_stage_select)->ArgName("extra")->Arg(0)->Arg(100)->Arg(1000);

// --- JMESPath --------------------------------------------------------------

void BM_stage_jmespath(benchmark::State& state, const char* text, const char* want_json) {
  auto e = jmespath::compile(text);
  if (!e.ok()) {
    state.SkipWithError(e.err().message.c_str());
    return;
  }
  const value want = parse_or_die(want_json);
  auto got = jmespath::evaluate(**e, request_context());
  if (!got.ok() || *got != want) {
    state.SkipWithError((std::string("unexpected result for ") + text).c_str());
    return;
  }
  for (auto _ : state) {
    auto r = jmespath::evaluate(**e, request_context());
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_stage_jmespath, field, "request.object.metadata.labels.\"app.kubernetes.io/name\"", R"("checkout")");
BENCHMARK_CAPTURE(BM_stage_jmespath, projection, "request.object.spec.containers[].image",
                  R"(["registry.example.com/shop/checkout:2.7.1"])");
BENCHMARK_CAPTURE(BM_stage_jmespath, filter_length,
                  "length(request.object.spec.containers[?securityContext.allowPrivilegeEscalation == `false`])", "1");
BENCHMARK_CAPTURE(BM_stage_jmespath, lookup_parse_json,
                  "parse_json(lookup(runtimeConfig.data, request.namespace) || runtimeConfig.data._default)[0]",
                  R"("kata-qemu-snp")");
BENCHMARK_CAPTURE(BM_stage_jmespath, or_default,
                  "request.object.metadata.annotations.\"io.katacontainers.config.hypervisor.cc_init_data\" || ''", R"("")");

void BM_stage_substitute(benchmark::State& state) {
  auto t = compile_template(parse_or_die(
      R"({"env":[{"name":"TLS_CERT_URI","value":"kbs:///{{ request.namespace }}/sidecar-tls-{{ request.object.metadata.labels.\"app.kubernetes.io/name\" }}/server-cert"},{"name":"FORWARD_PORT","value":"{{ request.object.spec.containers[0].ports[0].containerPort }}"}]})"));
  if (!t.ok()) {
    state.SkipWithError(t.err().message.c_str());
    return;
  }
  variables::options o;
  o.context = &request_context();
  const value want = parse_or_die(
      R"({"env":[{"name":"TLS_CERT_URI","value":"kbs:///team-a/sidecar-tls-checkout/server-cert"},{"name":"FORWARD_PORT","value":8080}]})");
  auto got = variables::substitute(*t, o);
  if (!got.ok() || *got != want) {
    state.SkipWithError(got.ok() ? ("unexpected " + json::serialize(*got)).c_str() : got.err().message.c_str());
    return;
  }
  for (auto _ : state) {
    auto r = variables::substitute(*t, o);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_stage_substitute);

// --- patterns --------------------------------------------------------------

void BM_stage_pattern(benchmark::State& state, const char* pattern_json) {
  value pat = parse_or_die(pattern_json);
  const value& pod = reference_pod();
  if (auto o = pattern::match(pod, pat); o.st != pattern::status::pass) {
    state.SkipWithError(("pattern did not pass: " + o.path + " " + o.reason).c_str());
    return;
  }
  for (auto _ : state) {
    auto o = pattern::match(pod, pat);
    benchmark::DoNotOptimize(o);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_stage_pattern, require_labels,
                  R"({"metadata":{"labels":{"app.kubernetes.io/name":"?*","app.kubernetes.io/part-of":"?*"}}})");
BENCHMARK_CAPTURE(BM_stage_pattern, requests_limits,
                  R"({"spec":{"containers":[{"resources":{"requests":{"memory":"?*","cpu":"?*"},"limits":{"memory":"<=1Gi"}}}]}})");
BENCHMARK_CAPTURE(BM_stage_pattern, image_tag, R"({"spec":{"containers":[{"image":"!*:latest & *:*"}]}})");
BENCHMARK_CAPTURE(BM_stage_pattern, anchors,
                  R"J({"spec":{"=(initContainers)":[{"securityContext":{"runAsNonRoot":true}}],"containers":[{"(name)":"checkout","securityContext":{"runAsNonRoot":true,"X(privileged)":"null","=(readOnlyRootFilesystem)":true}}]}})J");

// --- mutation --------------------------------------------------------------

const char* const overlay_json =
    R"J({"metadata":{"labels":{"+(tenant.example.com/namespace)":"team-a","+(app.kubernetes.io/managed-by)":"coco-admit"},"annotations":{"io.katacontainers.config.hypervisor.cc_init_data":"H4sIAAAAAAAA"}},"spec":{"runtimeClassName":"kata-qemu-snp","containers":[{"name":"checkout","env":[{"name":"POD_NAMESPACE","valueFrom":{"fieldRef":{"fieldPath":"metadata.namespace"}}}]}]}})J";

bool no_condition(const value&, const value&, void*) { return true; }

result<value> strategic(const value& pod, const value& overlay) {
  auto pre = strategic_merge::preprocess(pod, overlay, {no_condition, nullptr});
  if (!pre.ok()) return pre.err();
  return strategic_merge::merge(pod, pre->overlay);
}

void BM_stage_strategic_merge(benchmark::State& state) {
  const value overlay = parse_or_die(overlay_json);
  const value& pod = reference_pod();
  auto merged = strategic(pod, overlay);
  const value* env0 = merged.ok() ? json::at_pointer(*merged, "/spec/containers/0/env/0/name") : nullptr;
  const value* rc = merged.ok() ? json::at_pointer(*merged, "/spec/runtimeClassName") : nullptr;
  if (env0 == nullptr || *env0 != value("POD_NAMESPACE") || rc == nullptr || *rc != value("kata-qemu-snp")) {
    state.SkipWithError("strategic merge result is not the expected pod");
    return;
  }
  for (auto _ : state) {
    auto r = strategic(pod, overlay);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_stage_strategic_merge);

// As the engine merges: into the resource itself. Each iteration needs a fresh pod, so the time includes one
// pod copy (BM_stage_value_copy) that the engine does not pay.
void BM_stage_strategic_merge_in_place(benchmark::State& state) {
  const value overlay = parse_or_die(overlay_json);
  const value& pod = reference_pod();
  auto expected = strategic(pod, overlay);
  value check = pod;
  auto pre = strategic_merge::preprocess(check, overlay, {no_condition, nullptr});
  auto changed = pre.ok() ? strategic_merge::merge_in_place(check, pre->overlay) : result<bool>(pre.err());
  if (!expected.ok() || !changed.ok() || !*changed || json::serialize(check) != json::serialize(*expected)) {
    state.SkipWithError("in-place strategic merge differs from merge()");
    return;
  }
  for (auto _ : state) {
    value res = pod;
    auto p = strategic_merge::preprocess(res, overlay, {no_condition, nullptr});
    if (!p.ok()) std::abort();
    auto r = strategic_merge::merge_in_place(res, p->overlay);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(res);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_stage_strategic_merge_in_place);

void BM_stage_patch_diff(benchmark::State& state) {
  const value& pod = reference_pod();
  auto after = strategic(pod, parse_or_die(overlay_json));
  if (!after.ok()) {
    state.SkipWithError(after.err().message.c_str());
    return;
  }
  auto ops = json_patch::diff(pod, *after);
  auto round = json_patch::apply(pod, ops);
  // labels x2, annotation, runtimeClassName, and env [A] -> [N,A] diffed
  // index-wise (as gomodules jsonpatch does): 4 ops.
  if (!round.ok() || *round != *after || ops.size() != 8) {
    state.SkipWithError(("diff does not reproduce the merge (" + std::to_string(ops.size()) + " ops)").c_str());
    return;
  }
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto d = json_patch::diff(pod, *after);
    std::string wire = coco::base64_encode(json_patch::serialize(d));
    bytes = wire.size();
    benchmark::DoNotOptimize(wire.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["patch_b64_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_stage_patch_diff);

void BM_stage_response(benchmark::State& state) {
  // What admission::review appends after evaluation: the envelope with the
  // echoed uid, allowed, patchType and the base64 patch.
  auto after = strategic(reference_pod(), parse_or_die(overlay_json));
  if (!after.ok()) {
    state.SkipWithError(after.err().message.c_str());
    return;
  }
  const std::string patch = coco::base64_encode(json_patch::serialize(json_patch::diff(reference_pod(), *after)));
  const std::string uid = pod_spec{}.uid;
  std::string out;
  auto build = [&] {
    out.clear();
    out += R"({"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","response":{"uid":)";
    json::append_quoted(uid, out);
    out += R"(,"allowed":true,"patchType":"JSONPatch","patch":")";
    out += patch;
    out += "\"}}";
  };
  build();
  expected_response want;
  want.uid = uid;
  want.patch_ops = 8;
  if (std::string why = check_response(out, want); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  for (auto _ : state) {
    build();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(out.size()));
}
BENCHMARK(BM_stage_response);

void BM_stage_serialize_pod(benchmark::State& state) {
  const value& pod = reference_pod();
  std::string out;
  json::serialize_to(pod, out);
  if (parse_or_die(out) != pod) {
    state.SkipWithError("serialisation does not round-trip");
    return;
  }
  for (auto _ : state) {
    out.clear();
    json::serialize_to(pod, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(out.size()));
}
BENCHMARK(BM_stage_serialize_pod);

void BM_stage_value_copy(benchmark::State& state) {
  const value& pod = reference_pod();
  if (value copy = pod; copy != pod) {
    state.SkipWithError("copy differs");
    return;
  }
  for (auto _ : state) {
    value copy = pod;
    benchmark::DoNotOptimize(copy);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_stage_value_copy);

void summary(const results& r, std::ostream& os) {
  const double parse = r.cpu_ns("BM_stage_parse_simdjson");
  if (parse <= 0) return;
  os << "stage costs in units of one simdjson parse of the 4.3 KB review (" << parse << " ns):\n";
  for (const char* name :
       {"BM_stage_parse_to_value", "BM_stage_select/extra:0", "BM_stage_select/extra:1000", "BM_stage_jmespath/lookup_parse_json",
        "BM_stage_substitute", "BM_stage_pattern/requests_limits", "BM_stage_strategic_merge", "BM_stage_patch_diff",
        "BM_stage_response", "BM_stage_serialize_pod", "BM_stage_value_copy"}) {
    double ns = r.cpu_ns(name);
    if (ns > 0) os << "  " << name << ": " << ns / parse << "x\n";
  }
}

}  // namespace
}  // namespace coco_admit::bench

int main(int argc, char** argv) { return coco_admit::bench::run_benchmarks(argc, argv, coco_admit::bench::summary); }
