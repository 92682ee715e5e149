#include "coco-admit/core/strategic_merge.h"

#include <gtest/gtest.h>

#include <cmath>
#include <ostream>

#include <string>

#include "coco-admit/core/json.h"
#include "coco-admit/core/wildcard.h"

namespace sm = coco_admit::strategic_merge;
using coco_admit::value;
namespace json = coco_admit::json;

namespace {

value J(const std::string& text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v.ok()) << text << ": " << (v.ok() ? "" : v.err().message);
  return v.ok() ? *v : value();
}

// Test stand-in for Kyverno's pattern matcher: wildcard on strings, recursive subset on maps, equality otherwise.
bool simple_match(const value& r, const value& p, void*) {
  if (p.is_string()) {
    if (r.is_string()) return coco_admit::wildcard::match(p.as_string(), r.as_string());
    if (r.is_number() || r.is_bool()) return coco_admit::wildcard::match(p.as_string(), json::serialize(r));
    return false;
  }
  if (p.is_object()) {
    if (!r.is_object()) return false;
    for (const auto& m : p.as_object()) {
      const value* rv = r.find(m.key);
      if (rv == nullptr || !simple_match(*rv, m.val, nullptr)) return false;
    }
    return true;
  }
  return r == p;
}

const sm::matcher kMatch{simple_match, nullptr};

// ---------------------------------------------------------------------------------------------------------
struct merge_case {
  const char* name;
  const char* resource;
  const char* overlay;
  const char* expected;  // compact JSON, compared byte-for-byte (order matters)
};
// gtest prints a parameter as raw bytes unless told how.
void PrintTo(const merge_case& c, std::ostream* os) { *os << c.name; }

const merge_case kMergeCases[] = {
    {"inject_sidecar_deployment_prepends",  // POL other/inject-sidecar-deployment
     R"J({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx"}]}}}})J",
     R"J({"spec":{"template":{"spec":{"containers":[{"name":"vault-agent","image":"vault:1.5.4"}]}}}})J",
     R"J({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"vault-agent","image":"vault:1.5.4"},{"name":"nginx","image":"nginx"}]}}}})J"},
    {"patches_utils_new_container_first",  // KY patchesUtils_test: [nginx(new), wordpress]
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"wordpress","image":"wordpress"}]}})J",
     R"J({"spec":{"containers":[{"name":"nginx","image":"nginx"}]}})J",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"nginx","image":"nginx"},{"name":"wordpress","image":"wordpress"}]}})J"},
    {"patched_existing_moves_to_front",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a","image":"a"},{"name":"b","image":"b"},{"name":"c","image":"c"}]}})J",
     R"J({"spec":{"containers":[{"name":"c","image":"c2"},{"name":"a","imagePullPolicy":"Always"}]}})J",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","image":"c2"},{"name":"a","image":"a","imagePullPolicy":"Always"},{"name":"b","image":"b"}]}})J"},
    {"init_container_and_volume_prepended",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"initContainers":[{"name":"i1"}],"volumes":[{"name":"v1","emptyDir":{}}],"containers":[{"name":"c"}]}})J",
     R"J({"spec":{"initContainers":[{"name":"init"}],"volumes":[{"name":"secret","emptyDir":{"medium":"Memory"}}]}})J",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"initContainers":[{"name":"init"},{"name":"i1"}],"volumes":[{"name":"secret","emptyDir":{"medium":"Memory"}},{"name":"v1","emptyDir":{}}],"containers":[{"name":"c"}]}})J"},
    {"env_by_name_mounts_by_mountPath_ports_by_containerPort",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"volumeMounts":[{"name":"x","mountPath":"/x"}],"ports":[{"containerPort":80,"name":"http"}]}]}})J",
     R"J({"spec":{"containers":[{"name":"c","env":[{"name":"B","value":"3"}],"volumeMounts":[{"name":"y","mountPath":"/x","readOnly":true}],"ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443}]}]}})J",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","env":[{"name":"B","value":"3"},{"name":"A","value":"1"}],"volumeMounts":[{"name":"y","mountPath":"/x","readOnly":true}],"ports":[{"containerPort":80,"name":"http","protocol":"TCP"},{"containerPort":443}]}]}})J"},
    {"atomic_lists_replaced",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"tolerations":[{"key":"a"}],"containers":[{"name":"c","args":["x","y"],"envFrom":[{"configMapRef":{"name":"a"}}],"command":["sh"]}]}})J",
     R"J({"spec":{"tolerations":[{"key":"b"}],"containers":[{"name":"c","args":["z"],"envFrom":[{"secretRef":{"name":"s"}}]}]}})J",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"tolerations":[{"key":"b"}],"containers":[{"name":"c","args":["z"],"envFrom":[{"secretRef":{"name":"s"}}],"command":["sh"]}]}})J"},
    {"fields_newer_than_1_21_replaced",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"schedulingGates":[{"name":"a"}]}})J",
     R"J({"spec":{"schedulingGates":[{"name":"b"}]}})J",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"schedulingGates":[{"name":"b"}]}})J"},
    {"crd_lists_replaced_no_inference",
     R"J({"apiVersion":"example.com/v1","kind":"Widget","spec":{"containers":[{"name":"a"}]}})J",
     R"J({"spec":{"containers":[{"name":"b"}]}})J",
     R"J({"apiVersion":"example.com/v1","kind":"Widget","spec":{"containers":[{"name":"b"}]}})J"},
    {"null_deletes_and_new_keys_sorted",
     R"J({"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"z":"1","foo":"bar"}}})J",
     R"J({"metadata":{"labels":{"foo":null,"b":"2","a":"1"},"annotations":{"k":"v"}}})J",
     R"J({"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"z":"1","a":"1","b":"2"},"annotations":{"k":"v"}}})J"},
    {"patch_delete_element",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a"},{"name":"b"}]}})J",
     R"J({"spec":{"containers":[{"name":"a","$patch":"delete"}]}})J",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"b"}]}})J"},
    {"patch_replace_map",
     R"J({"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"a":"1","b":"2"}}})J",
     R"J({"metadata":{"labels":{"$patch":"replace","c":"3"}}})J",
     R"J({"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"c":"3"}}})J"},
    {"patch_delete_map",
     R"J({"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"a":"1"},"name":"p"}})J",
     R"J({"metadata":{"labels":{"$patch":"delete"}}})J",
     R"J({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}})J"},
    {"patch_replace_keyed_list",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a"},{"name":"b"}]}})J",
     R"J({"spec":{"containers":[{"$patch":"replace"},{"name":"c"}]}})J",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c"}]}})J"},
    {"keyless_patch_element_cannot_target",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a"}]}})J",
     R"J({"spec":{"containers":[{"image":"x"}]}})J",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a"}]}})J"},
    {"finalizers_set_prepended",
     R"J({"apiVersion":"v1","kind":"ConfigMap","metadata":{"finalizers":["a","b"]}})J",
     R"J({"metadata":{"finalizers":["c","b"]}})J",
     R"J({"apiVersion":"v1","kind":"ConfigMap","metadata":{"finalizers":["c","b","a"]}})J"},
    {"service_ports_by_port",
     R"J({"apiVersion":"v1","kind":"Service","spec":{"ports":[{"port":80,"targetPort":8080},{"port":443}]}})J",
     R"J({"spec":{"ports":[{"port":443,"targetPort":8443}]}})J",
     R"J({"apiVersion":"v1","kind":"Service","spec":{"ports":[{"port":443,"targetPort":8443},{"port":80,"targetPort":8080}]}})J"},
    {"cronjob_template_containers",
     R"J({"apiVersion":"batch/v1","kind":"CronJob","spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"a"}]}}}}}})J",
     R"J({"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"b"}]}}}}}})J",
     R"J({"apiVersion":"batch/v1","kind":"CronJob","spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"b"},{"name":"a"}]}}}}}})J"},
    {"added_subtree_drops_nulls_keeps_empty_maps",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{}})J",
     R"J({"spec":{"containers":[{"name":"a","image":null,"env":[{"name":"x","value":null}]}],"volumes":[{"name":"v","emptyDir":{}}]}})J",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a","env":[{"name":"x"}]}],"volumes":[{"name":"v","emptyDir":{}}]}})J"},
    {"existing_nulls_dropped_like_kyaml",
     R"J({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","creationTimestamp":null}})J",
     R"J({"metadata":{"labels":{"a":"b"}}})J",
     R"J({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"b"}}})J"},
    {"scalar_replaced",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"runtimeClassName":"runc","hostNetwork":true}})J",
     R"J({"spec":{"runtimeClassName":"kata-qemu-snp","hostNetwork":false}})J",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"runtimeClassName":"kata-qemu-snp","hostNetwork":false}})J"},
    {"image_pull_secrets_and_host_aliases",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"imagePullSecrets":[{"name":"a"}],"hostAliases":[{"ip":"1.1.1.1","hostnames":["x"]}]}})J",
     R"J({"spec":{"imagePullSecrets":[{"name":"regcred"}],"hostAliases":[{"ip":"1.1.1.1","hostnames":["y"]}]}})J",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"imagePullSecrets":[{"name":"regcred"},{"name":"a"}],"hostAliases":[{"ip":"1.1.1.1","hostnames":["y"]}]}})J"},
    {"resource_keyless_elements_kept_after",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"image":"anon"},{"name":"a"}]}})J",
     R"J({"spec":{"containers":[{"name":"b"}]}})J",
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"b"},{"name":"a"},{"image":"anon"}]}})J"},
};

class MergeTable : public ::testing::TestWithParam<merge_case> {};

TEST_P(MergeTable, MatchesKyaml) {
  const merge_case& c = GetParam();
  auto r = sm::merge(J(c.resource), J(c.overlay));
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(json::serialize(*r), c.expected);
}

// merge_in_place against merge(): the merged bytes when something changed and the resource untouched otherwise,
// `changed` exactly when the merged tree differs under value::operator==, and the same error (resource untouched).
void expect_in_place_matches(const value& resource, const value& overlay) {
  auto merged = sm::merge(resource, overlay);
  value in_place = resource;
  auto changed = sm::merge_in_place(in_place, overlay);
  ASSERT_EQ(merged.ok(), changed.ok()) << json::serialize(overlay);
  if (!merged.ok()) {
    EXPECT_EQ(changed.err().message, merged.err().message);
    EXPECT_EQ(json::serialize(in_place), json::serialize(resource));
    return;
  }
  EXPECT_EQ(*changed, *merged != resource) << json::serialize(overlay);
  EXPECT_EQ(json::serialize(in_place), json::serialize(*changed ? *merged : resource)) << json::serialize(overlay);
}

TEST_P(MergeTable, InPlaceMatchesMerge) {
  const merge_case& c = GetParam();
  expect_in_place_matches(J(c.resource), J(c.overlay));
  // Merging the result again changes nothing (kyaml merges are idempotent for these overlays).
  value once = J(c.resource);
  ASSERT_TRUE(sm::merge_in_place(once, J(c.overlay)).ok());
  expect_in_place_matches(once, J(c.overlay));
}

INSTANTIATE_TEST_SUITE_P(Kyaml, MergeTable, ::testing::ValuesIn(kMergeCases),
                         [](const auto& info) { return std::string(info.param.name); });

struct flag_case {
  const char* name;
  const char* resource;
  const char* overlay;
  bool changed;
  const char* expected;  // the resource afterwards
};
void PrintTo(const flag_case& c, std::ostream* os) { *os << c.name; }

const flag_case kFlagCases[] = {
    {"empty_overlay", R"J({"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}})J", R"J({})J", false,
     R"J({"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}})J"},
    {"same_scalar", R"J({"metadata":{"name":"a","labels":{"x":"1"}}})J", R"J({"metadata":{"labels":{"x":"1"}}})J", false,
     R"J({"metadata":{"name":"a","labels":{"x":"1"}}})J"},
    {"equal_number_other_kind_keeps_bytes", R"J({"spec":{"replicas":1}})J", R"J({"spec":{"replicas":1.0}})J", false,
     R"J({"spec":{"replicas":1}})J"},
    {"replace_with_reordered_members_keeps_bytes", R"J({"spec":{"a":1,"b":2}})J",
     R"J({"spec":{"$patch":"replace","b":2,"a":1}})J", false, R"J({"spec":{"a":1,"b":2}})J"},
    {"same_atomic_list", R"J({"spec":{"args":["a","b"]}})J", R"J({"spec":{"args":["a","b"]}})J", false,
     R"J({"spec":{"args":["a","b"]}})J"},
    {"same_keyed_element", R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a","image":"x"}]}})J",
     R"J({"spec":{"containers":[{"name":"a","image":"x"}]}})J", false,
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a","image":"x"}]}})J"},
    {"nulls_stripped", R"J({"metadata":{"name":"a","labels":null},"spec":{"x":{"y":null,"z":1}}})J", R"J({})J", true,
     R"J({"metadata":{"name":"a"},"spec":{"x":{"z":1}}})J"},
    {"null_in_untouched_sibling", R"J({"metadata":{"name":"a"},"spec":{"x":[null]}})J",
     R"J({"metadata":{"name":"a"}})J", false, R"J({"metadata":{"name":"a"},"spec":{"x":[null]}})J"},
    {"new_field", R"J({"metadata":{"name":"a"}})J", R"J({"metadata":{"labels":{"x":"1"}}})J", true,
     R"J({"metadata":{"name":"a","labels":{"x":"1"}}})J"},
    {"changed_scalar", R"J({"metadata":{"name":"a"}})J", R"J({"metadata":{"name":"b"}})J", true,
     R"J({"metadata":{"name":"b"}})J"},
    {"null_deletes", R"J({"metadata":{"name":"a","labels":{"x":"1","y":"2"}}})J", R"J({"metadata":{"labels":{"x":null}}})J",
     true, R"J({"metadata":{"name":"a","labels":{"y":"2"}}})J"},
    {"delete_then_add_same_size", R"J({"metadata":{"labels":{"x":"1"}}})J", R"J({"metadata":{"labels":{"x":null,"y":"1"}}})J",
     true, R"J({"metadata":{"labels":{"y":"1"}}})J"},
    {"keyed_list_reorder", R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a"},{"name":"b"}]}})J",
     R"J({"spec":{"containers":[{"name":"b"}]}})J", true,
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"b"},{"name":"a"}]}})J"},
    {"element_delete", R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a"},{"name":"b"}]}})J",
     R"J({"spec":{"containers":[{"name":"a","$patch":"delete"}]}})J", true,
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"b"}]}})J"},
    {"moved_element_edited", R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a","image":"1"},{"name":"b","image":"2","x":null}]}})J",
     R"J({"spec":{"containers":[{"name":"b","image":"3"}]}})J", true,
     R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"b","image":"3"},{"name":"a","image":"1"}]}})J"},
    {"map_replaced", R"J({"spec":{"a":{"b":1,"c":2}}})J", R"J({"spec":{"a":{"$patch":"replace","b":1}}})J", true,
     R"J({"spec":{"a":{"b":1}}})J"},
};

class InPlaceFlag : public ::testing::TestWithParam<flag_case> {};

TEST_P(InPlaceFlag, ChangedExactlyWhenTheTreeDiffers) {
  const flag_case& c = GetParam();
  value res = J(c.resource);
  auto changed = sm::merge_in_place(res, J(c.overlay));
  ASSERT_TRUE(changed.ok()) << changed.err().message;
  EXPECT_EQ(*changed, c.changed);
  EXPECT_EQ(json::serialize(res), c.expected);
  expect_in_place_matches(J(c.resource), J(c.overlay));
}

INSTANTIATE_TEST_SUITE_P(StrategicMergeInPlace, InPlaceFlag, ::testing::ValuesIn(kFlagCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(StrategicMergeInPlace, ErrorLeavesTheResourceUnchanged) {
  struct bad {
    const char* resource;
    const char* overlay;
  };
  const bad cases[] = {
      // "a" sorts before "z": its change is planned before "z" fails.
      {R"J({"a":1,"metadata":{"labels":{"x":"1"}},"z":"x"})J", R"J({"a":2,"metadata":{"labels":{"y":"2"}},"z":{"b":1}})J"},
      {R"J({"kind":"Pod","apiVersion":"v1","spec":{"containers":[{"name":"c","env":[]}]}})J",
       R"J({"metadata":{"name":"n"},"spec":{"containers":[{"name":"c","env":{"a":1}}]}})J"},
      {R"J({"metadata":{"labels":{}}})J", R"J({"metadata":{"name":"x","labels":{"$patch":"nope"}}})J"},
      {R"J({"a":1})J", R"J({"$patch":"delete"})J"},
  };
  for (const bad& b : cases) {
    value res = J(b.resource);
    auto r = sm::merge_in_place(res, J(b.overlay));
    EXPECT_FALSE(r.ok()) << b.overlay;
    EXPECT_EQ(json::serialize(res), b.resource);
    expect_in_place_matches(J(b.resource), J(b.overlay));
  }
}

TEST(StrategicMergeInPlace, NaNNeverCompareEqual) {
  // value::operator== says a NaN differs from itself, so a resource holding one always "changes", as the engine
  // saw it when it compared the merged tree with the old one.
  value res = J(R"J({"metadata":{"name":"a"},"spec":{"x":1}})J");
  res["spec"]["x"] = std::nan("");
  expect_in_place_matches(res, J(R"J({"metadata":{"name":"a"}})J"));
  value overlay = J(R"J({"metadata":{"name":"a"}})J");
  overlay["metadata"]["y"] = std::nan("");
  expect_in_place_matches(J(R"J({"metadata":{"name":"a"}})J"), overlay);
}

TEST(StrategicMergeInPlace, RepeatedKeysBehaveAsInMerge) {
  // Parsers never produce them, but a value built by hand can hold a key twice: the first one wins its position.
  value res = J(R"J({"metadata":{"name":"a"}})J");
  res["metadata"].as_object().push_back(coco_admit::member{"name", value("b")});
  res["metadata"].as_object().push_back(coco_admit::member{"z", value(1)});
  expect_in_place_matches(res, J(R"J({"metadata":{"labels":{"x":"1"}}})J"));
  expect_in_place_matches(res, J(R"J({"metadata":{"name":"a"}})J"));
  expect_in_place_matches(res, J(R"J({"metadata":{"z":null}})J"));
  // Larger maps take other paths to find repeats (hashes, then a heap buffer past 64 keys).
  for (int n : {20, 100}) {
    value big = J(R"J({"metadata":{"labels":{}}})J");
    for (int i = 0; i < n; ++i) big["metadata"]["labels"].set("k" + std::to_string(i), value(i));
    const value overlay = J(R"J({"metadata":{"labels":{"k1":"x","new":"y","k3":null}}})J");
    expect_in_place_matches(big, overlay);
    expect_in_place_matches(big, J(R"J({"metadata":{"labels":{"k1":1}}})J"));
    big["metadata"]["labels"].as_object().push_back(coco_admit::member{"k1", value("again")});
    expect_in_place_matches(big, overlay);
  }
}

TEST(StrategicMerge, Errors) {
  struct bad {
    const char* resource;
    const char* overlay;
    const char* needle;
  };
  const bad cases[] = {
      {R"J({"kind":"Pod","apiVersion":"v1","spec":{"containers":[]}})J", R"J({"spec":{"containers":{"a":1}}})J", "wrong node kind"},
      {R"J({"spec":"x"})J", R"J({"spec":{"a":1}})J", "wrong node kind"},
      {R"J({"metadata":{"labels":{}}})J", R"J({"metadata":{"labels":{"$patch":"nope"}}})J", "unknown patch strategy"},
      {R"J({"a":1})J", R"J({"$patch":"delete"})J", "deletes the whole resource"},
  };
  for (const bad& b : cases) {
    auto r = sm::merge(J(b.resource), J(b.overlay));
    ASSERT_FALSE(r.ok()) << b.overlay;
    EXPECT_NE(r.err().message.find(b.needle), std::string::npos) << r.err().message;
  }
}

TEST(StrategicMerge, MergeKeyTable) {
  EXPECT_STREQ(sm::list_merge_key("io.k8s.api.core.v1.PodSpec", "containers"), "name");
  EXPECT_STREQ(sm::list_merge_key("io.k8s.api.core.v1.Container", "volumeMounts"), "mountPath");
  EXPECT_STREQ(sm::list_merge_key("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "finalizers"), "");
  EXPECT_EQ(sm::list_merge_key("io.k8s.api.core.v1.PodSpec", "tolerations"), nullptr);
  EXPECT_EQ(sm::list_merge_key("io.k8s.api.core.v1.PodSpec", "schedulingGates"), nullptr);
}

TEST(StrategicMerge, DeepNestingIsBounded) {
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 200; ++i) deep += "}";
  auto r = sm::merge(J(deep), J(deep));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, coco_admit::error::kind::budget);
}

TEST(StrategicMerge, LargeKeyedListsStayLinear) {
  value pod = J(R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[]}})J");
  value overlay = J(R"J({"spec":{"containers":[]}})J");
  for (int i = 0; i < 20000; ++i) {
    value c = value::object();
    c.set("name", "c" + std::to_string(i));
    pod["spec"]["containers"].push_back(c);
    if (i % 2 == 0) overlay["spec"]["containers"].push_back(c);
  }
  auto r = sm::merge(pod, overlay);
  ASSERT_TRUE(r.ok());
  const auto& out = (*r)["spec"]["containers"].as_array();
  ASSERT_EQ(out.size(), 20000u);
  EXPECT_EQ(out[0].find("name")->as_string(), "c0");
  EXPECT_EQ(out[1].find("name")->as_string(), "c2");
  EXPECT_EQ(out[10000].find("name")->as_string(), "c1");
}

// ---------------------------------------------------------------------------------------------------------
struct pre_case {
  const char* name;
  const char* resource;
  const char* overlay;
  const char* expected;  // preprocessed overlay, or "SKIP"
};
void PrintTo(const pre_case& c, std::ostream* os) { *os << c.name; }

const pre_case kPreCases[] = {
    {"add_if_not_present_absent_parent",
     R"J({"metadata":{"name":"p"}})J",
     R"J({"metadata":{"annotations":{"+(annotation1)":"atest1"}}})J",
     R"J({"metadata":{"annotations":{"annotation1":"atest1"}}})J"},
    {"add_if_not_present_present_dropped",
     R"J({"metadata":{"annotations":{"annotation1":"x"}}})J",
     R"J({"metadata":{"annotations":{"+(annotation1)":"atest1","+(annotation2)":"atest2"}}})J",
     R"J({"metadata":{"annotations":{"annotation2":"atest2"}}})J"},
    {"add_if_not_present_on_list_value",
     R"J({"spec":{"containers":[{"name":"a"}]}})J",
     R"J({"spec":{"+(volumes)":[{"name":"v","emptyDir":{}}],"+(containers)":[{"name":"z"}]}})J",
     R"J({"spec":{"volumes":[{"name":"v","emptyDir":{}}]}})J"},
    {"conditional_on_container_image",
     R"J({"spec":{"containers":[{"name":"a","image":"nginx:latest"},{"name":"b","image":"redis:1.0"},{"image":"x:latest"}]}})J",
     R"J({"spec":{"containers":[{"(image)":"*:latest","imagePullPolicy":"IfNotPresent"}]}})J",
     R"J({"spec":{"containers":[{"imagePullPolicy":"IfNotPresent","name":"a"}]}})J"},
    {"conditional_every_named_container",
     R"J({"spec":{"containers":[{"name":"a"},{"name":"b"}]}})J",
     R"J({"spec":{"containers":[{"(name)":"*","securityContext":{"runAsNonRoot":true}}]}})J",
     R"J({"spec":{"containers":[{"securityContext":{"runAsNonRoot":true},"name":"a"},{"securityContext":{"runAsNonRoot":true},"name":"b"}]}})J"},
    {"conditional_nested_in_element",
     R"J({"spec":{"containers":[{"name":"a","securityContext":{"privileged":true}},{"name":"b","securityContext":{"privileged":false}}]}})J",
     R"J({"spec":{"containers":[{"(name)":"*","securityContext":{"(privileged)":true,"privileged":false}}]}})J",
     R"J({"spec":{"containers":[{"securityContext":{"privileged":false},"name":"a"}]}})J"},
    {"conditional_no_match_removes_list_and_parents",
     R"J({"spec":{"containers":[{"name":"a","image":"redis"}]}})J",
     R"J({"spec":{"containers":[{"(image)":"nginx*","imagePullPolicy":"Always"}]},"metadata":{"labels":{"x":"y"}}})J",
     R"J({"metadata":{"labels":{"x":"y"}}})J"},
    {"conditional_in_map_fails_skip",
     R"J({"metadata":{"labels":{"app":"other"}}})J",
     R"J({"metadata":{"labels":{"(app)":"nginx","patched":"yes"}}})J",
     "SKIP"},
    {"conditional_in_map_passes",
     R"J({"metadata":{"labels":{"app":"nginx"}}})J",
     R"J({"metadata":{"labels":{"(app)":"nginx","patched":"yes"}}})J",
     R"J({"metadata":{"labels":{"patched":"yes"}}})J"},
    {"conditional_missing_key_skip",
     R"J({"metadata":{"name":"p"}})J",
     R"J({"metadata":{"annotations":{"(foo)":"bar","x":"y"}}})J",
     "SKIP"},
    {"global_in_list_passes_gates_rest",
     R"J({"spec":{"containers":[{"name":"a","image":"docker.io/nginx"}]}})J",
     R"J({"spec":{"containers":[{"<(image)":"*nginx*"}],"imagePullSecrets":[{"name":"regcred"}]}})J",
     R"J({"spec":{"imagePullSecrets":[{"name":"regcred"}]}})J"},
    {"global_in_list_fails_skip",
     R"J({"spec":{"containers":[{"name":"a","image":"redis"}]}})J",
     R"J({"spec":{"containers":[{"<(image)":"*nginx*"}],"imagePullSecrets":[{"name":"regcred"}]}})J",
     "SKIP"},
    {"global_in_list_empty_resource_skip",
     R"J({"spec":{}})J",
     R"J({"spec":{"containers":[{"<(image)":"*nginx*"}],"imagePullSecrets":[{"name":"regcred"}]}})J",
     "SKIP"},
    {"global_in_map_fails_skip",
     R"J({"metadata":{"labels":{"tier":"db"}}})J",
     R"J({"metadata":{"labels":{"<(tier)":"web"},"annotations":{"a":"b"}}})J",
     "SKIP"},
    {"global_in_map_passes",
     R"J({"metadata":{"labels":{"tier":"web"}}})J",
     R"J({"metadata":{"labels":{"<(tier)":"web"},"annotations":{"a":"b"}}})J",
     R"J({"metadata":{"annotations":{"a":"b"}}})J"},
    {"add_anchor_inside_template_shared_copy_issue_6686",  // first container has the field: nobody gets it
     R"J({"spec":{"containers":[{"name":"a","imagePullPolicy":"Always"},{"name":"b"}]}})J",
     R"J({"spec":{"containers":[{"(name)":"*","+(imagePullPolicy)":"IfNotPresent"}]}})J",
     R"J({})J"},
    {"add_anchor_inside_template_shared_copy_reverse",  // first lacks it: the unwrapped key then hits everyone
     R"J({"spec":{"containers":[{"name":"b"},{"name":"a","imagePullPolicy":"Always"}]}})J",
     R"J({"spec":{"containers":[{"(name)":"*","+(imagePullPolicy)":"IfNotPresent"}]}})J",
     R"J({"spec":{"containers":[{"imagePullPolicy":"IfNotPresent","name":"b"},{"imagePullPolicy":"IfNotPresent","name":"a"}]}})J"},
    {"add_anchor_in_plain_named_element",
     R"J({"spec":{"containers":[{"name":"a","imagePullPolicy":"Always"},{"name":"b"}]}})J",
     R"J({"spec":{"containers":[{"name":"a","+(imagePullPolicy)":"IfNotPresent"},{"name":"b","+(imagePullPolicy)":"IfNotPresent"}]}})J",
     R"J({"spec":{"containers":[{"name":"a"},{"name":"b","imagePullPolicy":"IfNotPresent"}]}})J"},
    {"plain_overlay_untouched",
     R"J({"spec":{"containers":[{"name":"a"}]}})J",
     R"J({"spec":{"runtimeClassName":"kata","volumes":[{"name":"v","emptyDir":{}}]}})J",
     R"J({"spec":{"runtimeClassName":"kata","volumes":[{"name":"v","emptyDir":{}}]}})J"},
};

class PreprocessTable : public ::testing::TestWithParam<pre_case> {};

TEST_P(PreprocessTable, MatchesKyverno) {
  const pre_case& c = GetParam();
  auto r = sm::preprocess(J(c.resource), J(c.overlay), kMatch);
  ASSERT_TRUE(r.ok()) << r.err().message;
  if (std::string(c.expected) == "SKIP") {
    EXPECT_TRUE(r->skip);
    EXPECT_FALSE(r->skip_reason.empty());
    EXPECT_EQ(json::serialize(r->overlay), "{}");
  } else {
    EXPECT_FALSE(r->skip) << r->skip_reason;
    EXPECT_EQ(json::serialize(r->overlay), c.expected);
  }
}

TEST_P(PreprocessTable, ThenInPlaceMatchesMerge) {
  const pre_case& c = GetParam();
  auto r = sm::preprocess(J(c.resource), J(c.overlay), kMatch);
  ASSERT_TRUE(r.ok()) << r.err().message;
  expect_in_place_matches(J(c.resource), r->overlay);
}

INSTANTIATE_TEST_SUITE_P(Kyverno, PreprocessTable, ::testing::ValuesIn(kPreCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Preprocess, ValidateOnlyAnchorsRejected) {
  for (const char* overlay : {R"J({"spec":{"=(hostNetwork)":false}})J", R"J({"spec":{"X(hostPID)":null}})J",
                              R"J({"spec":{"containers":[{"^(name)":"a"}]}})J"}) {
    auto r = sm::preprocess(J("{}"), J(overlay), kMatch);
    ASSERT_FALSE(r.ok()) << overlay;
    EXPECT_NE(r.err().message.find("only valid in validate"), std::string::npos) << r.err().message;
  }
  auto r = sm::preprocess(J("{}"), J("[1]"), kMatch);
  EXPECT_FALSE(r.ok());
}

TEST(Preprocess, ThenMergeKeepsContainerOrderWhenAllMatched) {
  value pod = J(R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a","image":"a"},{"name":"b","image":"b"}]}})J");
  auto pre = sm::preprocess(pod, J(R"J({"spec":{"containers":[{"(name)":"*","securityContext":{"runAsNonRoot":true}}]}})J"), kMatch);
  ASSERT_TRUE(pre.ok());
  auto out = sm::merge(pod, pre->overlay);
  ASSERT_TRUE(out.ok()) << out.err().message;
  EXPECT_EQ(json::serialize(*out),
            R"J({"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a","image":"a","securityContext":{"runAsNonRoot":true}},{"name":"b","image":"b","securityContext":{"runAsNonRoot":true}}]}})J");
}

TEST(Preprocess, NullMatcherFallsBackToEquality) {
  auto r = sm::preprocess(J(R"J({"metadata":{"labels":{"app":"x"}}})J"), J(R"J({"metadata":{"labels":{"(app)":"x","y":"z"}}})J"), sm::matcher{});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->skip);
  EXPECT_EQ(json::serialize(r->overlay), R"J({"metadata":{"labels":{"y":"z"}}})J");
}

}  // namespace

// A merged set (finalizers) in a resource known to be clean: its elements are scalars, which the clean merge's
// shortcut for untouched list elements took for maps (it threw, and `coco-admit review` aborted).
TEST(StrategicMerge, ASetMergesIntoACleanResource) {
  value pod = J(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","finalizers":["b","c"]}})");
  const value overlay = J(R"({"metadata":{"finalizers":["a","c"]}})");
  auto merged = sm::merge(pod, overlay);
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(json::serialize((*merged)["metadata"]["finalizers"]), R"(["a","c","b"])");
  auto changed = sm::merge_in_place(pod, overlay, sm::resource_state::clean);
  ASSERT_TRUE(changed.ok()) << changed.err().message;
  EXPECT_TRUE(*changed);
  EXPECT_EQ(json::serialize(pod), json::serialize(*merged));
}
