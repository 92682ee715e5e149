// kyaml merge2 (ListIncreaseDirection=Prepend) over our value model.
//
// Reproduces kustomize kyaml v0.21 yaml/merge2 + yaml/walk as Kyverno drives them through
// api/filters/patchstrategicmerge. Sources are (dest = resource, origin = overlay):
//   - node kind comes from the first non-null source; a non-null source of another kind is an error;
//   - maps: `$patch: delete` clears, `$patch: replace` restarts from the overlay, a null overlay clears; fields are
//     the sorted union of both sides, each walked recursively; a null result removes the field (so explicit
//     nulls already in the resource disappear too, as with kyaml's FieldSetter);
//   - when the resource lacks a map/list the overlay is merged with itself (kyaml's setDestNode), which strips
//     nulls and directives from the added subtree and dedups merge-keyed lists;
//   - lists are merged by key only when the schema says patchStrategy=merge (no inference from content,
//     merge2 leaves InferAssociativeLists off); every other list is replaced whole, verbatim;
//   - merge-keyed lists (Prepend): overlay key values first (overlay order), then resource-only values, each
//     element merged with its twin; elements that merge to null/{} are dropped; overlay elements without the key
//     are dropped, resource elements without it are kept after the keyed ones.
#include "coco-admit/core/strategic_merge.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "coco-admit/core/json.h"
#include "coco-admit/core/member_index.h"

namespace coco_admit::strategic_merge {
namespace {

// ---------------------------------------------------------------------------------------------------------
// Schema: the slice of the Kubernetes 1.21.2 OpenAPI (kyaml/openapi/kubernetesapi/v1212/swagger.go) that
// decides how lists merge, for the built-in kinds admission policies touch. One row per field whose value is
// an object type we model or a list; `key` is x-kubernetes-patch-merge-key for patchStrategy "merge" lists
// ("" = merged set of scalars, no key), nullptr for lists without a merge strategy (replaced wholesale) and for
// plain object fields. Fields absent from the table have no schema (lists replaced), exactly as kyaml treats
// fields unknown to its OpenAPI (e.g. schedulingGates, resourceClaims, added after 1.21).
// Multi-key list-map-keys (ports: containerPort+protocol) are reduced to the patch merge key.
struct field_row {
  std::string_view owner;
  std::string_view field;
  const char* type;  // definition of the field's value, or of its elements for lists
  const char* key;
};

#define CORE "io.k8s.api.core.v1."
#define APPS "io.k8s.api.apps.v1."
#define BATCH "io.k8s.api.batch.v1."
#define BATCHB "io.k8s.api.batch.v1beta1."
#define META "io.k8s.apimachinery.pkg.apis.meta.v1."

constexpr field_row schema_rows[] = {
    // metadata
    {META "ObjectMeta", "finalizers", "string", ""},
    {META "ObjectMeta", "ownerReferences", META "OwnerReference", "uid"},
    {META "ObjectMeta", "managedFields", META "ManagedFieldsEntry", nullptr},
    // Pod and its templates
    {CORE "Pod", "metadata", META "ObjectMeta", nullptr},
    {CORE "Pod", "spec", CORE "PodSpec", nullptr},
    {CORE "Pod", "status", CORE "PodStatus", nullptr},
    {CORE "PodStatus", "conditions", CORE "PodCondition", "type"},
    {CORE "PodTemplate", "metadata", META "ObjectMeta", nullptr},
    {CORE "PodTemplate", "template", CORE "PodTemplateSpec", nullptr},
    {CORE "PodTemplateSpec", "metadata", META "ObjectMeta", nullptr},
    {CORE "PodTemplateSpec", "spec", CORE "PodSpec", nullptr},
    {CORE "PodSpec", "containers", CORE "Container", "name"},
    {CORE "PodSpec", "initContainers", CORE "Container", "name"},
    {CORE "PodSpec", "ephemeralContainers", CORE "EphemeralContainer", "name"},
    {CORE "PodSpec", "imagePullSecrets", CORE "LocalObjectReference", "name"},
    {CORE "PodSpec", "volumes", CORE "Volume", "name"},  // merge,retainKeys: kyaml only honours "merge"
    {CORE "PodSpec", "hostAliases", CORE "HostAlias", "ip"},
    {CORE "PodSpec", "topologySpreadConstraints", CORE "TopologySpreadConstraint", "topologyKey"},
    {CORE "PodSpec", "tolerations", CORE "Toleration", nullptr},
    {CORE "PodSpec", "readinessGates", CORE "PodReadinessGate", nullptr},
    {CORE "PodSpec", "affinity", CORE "Affinity", nullptr},
    {CORE "PodSpec", "securityContext", CORE "PodSecurityContext", nullptr},
    {CORE "PodSpec", "dnsConfig", CORE "PodDNSConfig", nullptr},
    {CORE "Container", "env", CORE "EnvVar", "name"},
    {CORE "Container", "volumeMounts", CORE "VolumeMount", "mountPath"},
    {CORE "Container", "volumeDevices", CORE "VolumeDevice", "devicePath"},
    {CORE "Container", "ports", CORE "ContainerPort", "containerPort"},
    {CORE "Container", "envFrom", CORE "EnvFromSource", nullptr},
    {CORE "Container", "securityContext", CORE "SecurityContext", nullptr},
    {CORE "Container", "resources", CORE "ResourceRequirements", nullptr},
    {CORE "EphemeralContainer", "env", CORE "EnvVar", "name"},
    {CORE "EphemeralContainer", "volumeMounts", CORE "VolumeMount", "mountPath"},
    {CORE "EphemeralContainer", "volumeDevices", CORE "VolumeDevice", "devicePath"},
    {CORE "EphemeralContainer", "ports", CORE "ContainerPort", "containerPort"},
    {CORE "EphemeralContainer", "envFrom", CORE "EnvFromSource", nullptr},
    {CORE "EphemeralContainer", "securityContext", CORE "SecurityContext", nullptr},
    {CORE "EphemeralContainer", "resources", CORE "ResourceRequirements", nullptr},
    // workload controllers
    {CORE "ReplicationController", "metadata", META "ObjectMeta", nullptr},
    {CORE "ReplicationController", "spec", CORE "ReplicationControllerSpec", nullptr},
    {CORE "ReplicationControllerSpec", "template", CORE "PodTemplateSpec", nullptr},
    {APPS "Deployment", "metadata", META "ObjectMeta", nullptr},
    {APPS "Deployment", "spec", APPS "DeploymentSpec", nullptr},
    {APPS "Deployment", "status", APPS "DeploymentStatus", nullptr},
    {APPS "DeploymentSpec", "template", CORE "PodTemplateSpec", nullptr},
    {APPS "DeploymentStatus", "conditions", APPS "DeploymentCondition", "type"},
    {APPS "StatefulSet", "metadata", META "ObjectMeta", nullptr},
    {APPS "StatefulSet", "spec", APPS "StatefulSetSpec", nullptr},
    {APPS "StatefulSetSpec", "template", CORE "PodTemplateSpec", nullptr},
    {APPS "StatefulSetSpec", "volumeClaimTemplates", CORE "PersistentVolumeClaim", nullptr},
    {APPS "DaemonSet", "metadata", META "ObjectMeta", nullptr},
    {APPS "DaemonSet", "spec", APPS "DaemonSetSpec", nullptr},
    {APPS "DaemonSetSpec", "template", CORE "PodTemplateSpec", nullptr},
    {APPS "ReplicaSet", "metadata", META "ObjectMeta", nullptr},
    {APPS "ReplicaSet", "spec", APPS "ReplicaSetSpec", nullptr},
    {APPS "ReplicaSetSpec", "template", CORE "PodTemplateSpec", nullptr},
    {BATCH "Job", "metadata", META "ObjectMeta", nullptr},
    {BATCH "Job", "spec", BATCH "JobSpec", nullptr},
    {BATCH "JobSpec", "template", CORE "PodTemplateSpec", nullptr},
    {BATCH "CronJob", "metadata", META "ObjectMeta", nullptr},
    {BATCH "CronJob", "spec", BATCH "CronJobSpec", nullptr},
    {BATCH "CronJobSpec", "jobTemplate", BATCH "JobTemplateSpec", nullptr},
    {BATCH "JobTemplateSpec", "metadata", META "ObjectMeta", nullptr},
    {BATCH "JobTemplateSpec", "spec", BATCH "JobSpec", nullptr},
    {BATCHB "CronJob", "metadata", META "ObjectMeta", nullptr},
    {BATCHB "CronJob", "spec", BATCHB "CronJobSpec", nullptr},
    {BATCHB "CronJobSpec", "jobTemplate", BATCHB "JobTemplateSpec", nullptr},
    {BATCHB "JobTemplateSpec", "metadata", META "ObjectMeta", nullptr},
    {BATCHB "JobTemplateSpec", "spec", BATCH "JobSpec", nullptr},
    // other common built-ins
    {CORE "Service", "metadata", META "ObjectMeta", nullptr},
    {CORE "Service", "spec", CORE "ServiceSpec", nullptr},
    {CORE "ServiceSpec", "ports", CORE "ServicePort", "port"},
    {CORE "ServiceAccount", "metadata", META "ObjectMeta", nullptr},
    {CORE "ServiceAccount", "secrets", CORE "ObjectReference", "name"},
    {CORE "ServiceAccount", "imagePullSecrets", CORE "LocalObjectReference", nullptr},
    {CORE "ConfigMap", "metadata", META "ObjectMeta", nullptr},
    {CORE "Secret", "metadata", META "ObjectMeta", nullptr},
    {CORE "Namespace", "metadata", META "ObjectMeta", nullptr},
};

// x-kubernetes-group-version-kind of the top-level definitions above.
struct gvk_row {
  const char* api_version;
  const char* kind;
  const char* type;
};
constexpr gvk_row gvk_rows[] = {
    {"v1", "Pod", CORE "Pod"},
    {"v1", "PodTemplate", CORE "PodTemplate"},
    {"v1", "ReplicationController", CORE "ReplicationController"},
    {"v1", "Service", CORE "Service"},
    {"v1", "ServiceAccount", CORE "ServiceAccount"},
    {"v1", "ConfigMap", CORE "ConfigMap"},
    {"v1", "Secret", CORE "Secret"},
    {"v1", "Namespace", CORE "Namespace"},
    {"apps/v1", "Deployment", APPS "Deployment"},
    {"apps/v1", "StatefulSet", APPS "StatefulSet"},
    {"apps/v1", "DaemonSet", APPS "DaemonSet"},
    {"apps/v1", "ReplicaSet", APPS "ReplicaSet"},
    {"batch/v1", "Job", BATCH "Job"},
    {"batch/v1", "CronJob", BATCH "CronJob"},
    {"batch/v1beta1", "CronJob", BATCHB "CronJob"},
};

#undef CORE
#undef APPS
#undef BATCH
#undef BATCHB
#undef META

const field_row* find_field(std::string_view owner, std::string_view field) {
  for (const field_row& r : schema_rows) {
    if (owner == r.owner && field == r.field) return &r;
  }
  return nullptr;
}

// kyaml Walker.GetSchema: with no inherited schema, a map carrying apiVersion+kind of a known type supplies one.
const char* schema_from_meta(const value* v) {
  if (v == nullptr || !v->is_object()) return nullptr;
  const value* av = v->find("apiVersion");
  const value* k = v->find("kind");
  if (av == nullptr || k == nullptr || !av->is_string() || !k->is_string()) return nullptr;
  for (const gvk_row& r : gvk_rows) {
    if (av->as_string() == r.api_version && k->as_string() == r.kind) return r.type;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------------------

bool missing(const value* v) { return v == nullptr || v->is_null(); }

bool contains_null(const value& v) {
  switch (v.type()) {
    case value::kind::null: return true;
    case value::kind::array:
      for (const auto& e : v.as_array()) {
        if (contains_null(e)) return true;
      }
      return false;
    case value::kind::object:
      for (const auto& m : v.as_object()) {
        if (contains_null(m.val)) return true;
      }
      return false;
    default: return false;
  }
}

enum class node_kind { scalar, map, list };
node_kind kind_of(const value& v) {
  if (v.is_object()) return node_kind::map;
  if (v.is_array()) return node_kind::list;
  return node_kind::scalar;
}
const char* kind_word(node_kind k) {
  switch (k) {
    case node_kind::map: return "a map";
    case node_kind::list: return "a list";
    default: return "a scalar";
  }
}

// Text of a scalar as kyaml sees it in YAML (the merge key comparison is textual); nullopt when not a usable key.
std::optional<std::string> scalar_text(const value& v) {
  switch (v.type()) {
    case value::kind::string: return v.as_string();
    case value::kind::integer: return std::to_string(v.as_int());
    case value::kind::number: {
      std::string s;
      json::append_number(v.as_double(), s);
      return s;
    }
    case value::kind::boolean: return std::string(v.as_bool() ? "true" : "false");
    default: return std::nullopt;
  }
}

std::optional<std::string> element_key(const value& elem, const std::string& key) {
  if (!elem.is_object()) return std::nullopt;
  const value* k = elem.find(key);
  if (k == nullptr) return std::nullopt;
  return scalar_text(*k);
}

enum class directive { merge, replace, del };

result<directive> parse_directive(const value& v, const std::string& path) {
  if (v.is_string()) {
    if (v.as_string() == "merge") return directive::merge;
    if (v.as_string() == "replace") return directive::replace;
    if (v.as_string() == "delete") return directive::del;
  }
  return error::invalid("unknown patch strategy '" + json::serialize(v) + "' at " + (path.empty() ? "." : path));
}

result<directive> map_directive(const value* origin, const std::string& path) {
  if (origin == nullptr || !origin->is_object()) return directive::merge;
  const value* d = origin->find("$patch");
  if (d == nullptr) return directive::merge;
  return parse_directive(*d, path);
}

// A list directive is an element that is exactly {$patch: X}; returns its index too.
result<directive> list_directive(const value* origin, const std::string& path, std::size_t& at) {
  at = static_cast<std::size_t>(-1);
  if (origin == nullptr || !origin->is_array()) return directive::merge;
  const auto& arr = origin->as_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_object()) continue;
    const value* d = arr[i].find("$patch");
    if (d == nullptr) continue;
    if (arr[i].size() != 1) return directive::merge;  // an element directive, handled per element
    at = i;
    return parse_directive(*d, path);
  }
  return directive::merge;
}

using maybe = std::optional<value>;  // nullopt = clear the node

class merger {
 public:
  result<maybe> node(const value* dest, const value* origin, const char* schema, const std::string& path, int depth);

 private:
  result<maybe> map(const value* dest, const value* origin, const char* schema, const std::string& path, int depth);
  result<maybe> list(const value* dest, const value* origin, const field_row* row, const std::string& path, int depth);
};

result<maybe> merger::node(const value* dest, const value* origin, const char* schema, const std::string& path,
                           int depth) {
  if (depth > max_depth) return error::budget("strategic merge nesting exceeds " + std::to_string(max_depth) + " at " + path);
  const value* first = !missing(dest) ? dest : (!missing(origin) ? origin : nullptr);
  if (first == nullptr) {
    // kyaml VisitScalar on null nodes: the overlay's null (if any) wins; a null result clears the field.
    return maybe{};
  }
  const node_kind k = kind_of(*first);
  for (const value* s : {dest, origin}) {
    if (!missing(s) && kind_of(*s) != k) {
      return error::invalid("wrong node kind at " + (path.empty() ? std::string(".") : path) + ": the " +
                            (s == dest ? "resource" : "patch") + " has " + kind_word(kind_of(*s)) + " where " +
                            (s == dest ? "the patch" : "the resource") + " has " + kind_word(k));
    }
  }
  if (k == node_kind::scalar) {
    if (origin != nullptr) return origin->is_null() ? maybe{} : maybe{*origin};
    return maybe{*dest};
  }
  if (k == node_kind::map) {
    if (schema == nullptr) schema = schema_from_meta(dest);
    if (schema == nullptr) schema = schema_from_meta(origin);
    return map(dest, origin, schema, path, depth);
  }
  return list(dest, origin, nullptr, path, depth);
}

result<maybe> merger::map(const value* dest, const value* origin, const char* schema, const std::string& path,
                          int depth) {
  // VisitMap: pick the node the fields are merged into.
  const value* base = dest;
  bool origin_elided = false;
  if (missing(dest)) {
    auto d = map_directive(origin, path);
    if (!d.ok()) return d.err();
    if (*d == directive::del) return maybe{};
    origin_elided = origin->find("$patch") != nullptr;
    base = origin;
  } else if (origin != nullptr && origin->is_null()) {
    return maybe{};
  } else {
    auto d = map_directive(origin, path);
    if (!d.ok()) return d.err();
    if (*d == directive::del) return maybe{};
    origin_elided = origin != nullptr && origin->find("$patch") != nullptr;
    if (*d == directive::replace) base = origin;
  }
  const bool base_is_origin = base == origin;
  const value* other = origin;

  std::vector<std::string_view> names;
  names.reserve(base->size() + (other != nullptr ? other->size() : 0));
  for (const member& m : base->as_object()) {
    if (!(base_is_origin && origin_elided && m.key == "$patch")) names.push_back(m.key);
  }
  if (other != nullptr && !base_is_origin) {
    for (const member& m : other->as_object()) {
      if (!(origin_elided && m.key == "$patch")) names.push_back(m.key);
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());

  const member_index in_base(base), in_other(other);
  std::vector<std::pair<std::string_view, maybe>> merged;
  merged.reserve(names.size());
  for (std::string_view name : names) {
    const value* d = in_base.find(name);
    const value* o = in_other.find(name);
    // Fast path: a subtree the overlay does not touch merges to itself unless
    // it holds nulls (which the walk drops), so skip the schema walk.
    if (o == nullptr && d != nullptr && !base_is_origin && !contains_null(*d)) {
      merged.emplace_back(name, maybe{*d});
      continue;
    }
    const field_row* row = schema != nullptr ? find_field(schema, name) : nullptr;
    std::string child_path = path + "." + std::string(name);
    result<maybe> r = error::internal("");
    const value* first = !missing(d) ? d : o;
    if (first != nullptr && first->is_array() && row != nullptr) {
      // kind checks happen in node(); lists need the field row (strategy + element type).
      if (!missing(d) && !missing(o) && !o->is_array()) {
        r = node(d, o, nullptr, child_path, depth + 1);
      } else {
        r = list(d, o, row, child_path, depth + 1);
      }
    } else {
      r = node(d, o, row != nullptr ? row->type : nullptr, child_path, depth + 1);
    }
    if (!r.ok()) return std::move(r).err();
    merged.emplace_back(name, std::move(*r));
  }

  value out = value::object();
  auto& obj = out.as_object();
  obj.reserve(merged.size());
  auto take = [&](std::string_view name) -> maybe* {
    auto it = std::lower_bound(merged.begin(), merged.end(), name,
                               [](const auto& p, std::string_view n) { return p.first < n; });
    return (it != merged.end() && it->first == name) ? &it->second : nullptr;
  };
  // Existing fields keep their position (FieldSetter sets in place); new ones are appended in sorted order.
  for (const member& m : base->as_object()) {
    maybe* v = take(m.key);
    if (v == nullptr || !v->has_value() || (*v)->is_null()) continue;
    obj.push_back(member{m.key, std::move(**v)});
    v->reset();
  }
  for (auto& [name, v] : merged) {
    if (!v.has_value() || v->is_null() || in_base.find(name) != nullptr) continue;
    obj.push_back(member{std::string(name), std::move(*v)});
  }
  return maybe{std::move(out)};
}

result<maybe> merger::list(const value* dest, const value* origin, const field_row* row, const std::string& path,
                           int depth) {
  if (depth > max_depth) return error::budget("strategic merge nesting exceeds " + std::to_string(max_depth) + " at " + path);
  for (const value* s : {dest, origin}) {
    if (!missing(s) && !s->is_array()) {
      return error::invalid("wrong node kind at " + path + ": the " + (s == dest ? "resource" : "patch") + " has " +
                            kind_word(kind_of(*s)) + " where a list is expected");
    }
  }
  const bool associative = row != nullptr && row->key != nullptr;
  if (!associative) {
    if (missing(dest)) return origin == nullptr ? maybe{} : (origin->is_null() ? maybe{} : maybe{*origin});
    if (origin != nullptr && origin->is_null()) return maybe{};
    if (origin != nullptr) return maybe{*origin};
    return maybe{*dest};
  }

  // VisitList for an associative list.
  std::size_t directive_at = static_cast<std::size_t>(-1);
  const value* base = dest;
  if (origin != nullptr && origin->is_null()) return maybe{};
  auto d = list_directive(origin, path, directive_at);
  if (!d.ok()) return d.err();
  if (*d == directive::del) return maybe{};
  if (missing(dest) || *d == directive::replace) base = origin;

  auto elements = [&](const value* list) {
    std::vector<const value*> out;
    if (list == nullptr || !list->is_array()) return out;
    const auto& arr = list->as_array();
    out.reserve(arr.size());
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (list == origin && i == directive_at) continue;
      out.push_back(&arr[i]);
    }
    return out;
  };
  const std::vector<const value*> base_elems = elements(base);
  const std::vector<const value*> origin_elems = base == origin ? base_elems : elements(origin);
  const std::string key = row->key;
  const bool is_set = key.empty();

  auto text_of = [&](const value& e) { return is_set ? scalar_text(e) : element_key(e, key); };

  // Key values in Prepend order: overlay first, then resource; first occurrence of a value wins on each side.
  std::vector<std::string> values;
  std::unordered_map<std::string, std::size_t> in_origin, in_base;
  for (std::size_t i = 0; i < origin_elems.size(); ++i) {
    auto t = text_of(*origin_elems[i]);
    if (!t || in_origin.count(*t) != 0) continue;
    in_origin.emplace(*t, i);
    values.push_back(*t);
  }
  for (std::size_t i = 0; i < base_elems.size(); ++i) {
    auto t = text_of(*base_elems[i]);
    if (!t || in_base.count(*t) != 0) continue;
    in_base.emplace(*t, i);
    if (in_origin.count(*t) == 0) values.push_back(*t);
  }
  value out = value::array();
  if (values.empty()) {
    for (const value* e : base_elems) out.push_back(*e);
    return maybe{std::move(out)};
  }
  const char* elem_type = row->type;
  for (const std::string& v : values) {
    auto bi = in_base.find(v);
    auto oi = in_origin.find(v);
    const value* be = bi != in_base.end() ? base_elems[bi->second] : nullptr;
    const value* oe = oi != in_origin.end() ? origin_elems[oi->second] : nullptr;
    maybe merged;
    if (is_set) {
      merged = oe != nullptr ? maybe{*oe} : maybe{*be};
    } else {
      auto r = node(be, oe, elem_type, path + ".[" + key + "=" + v + "]", depth + 1);
      if (!r.ok()) return std::move(r).err();
      merged = std::move(*r);
    }
    if (!merged.has_value() || merged->is_null() || (merged->is_object() && merged->size() == 0)) continue;
    if (!is_set && merged->is_object() && merged->find(key) == nullptr) {
      merged->set(key, *(oe != nullptr ? oe : be)->find(key));
    }
    out.push_back(std::move(*merged));
  }
  // Resource elements that carry no usable key cannot be targeted; kyaml keeps them after the keyed ones
  // (empty and null elements are dropped by its ElementSetter).
  for (const value* e : base_elems) {
    if (text_of(*e).has_value() || e->is_null() || (e->is_object() && e->size() == 0)) continue;
    out.push_back(*e);
  }
  return maybe{std::move(out)};
}

}  // namespace

result<value> merge(const value& resource, const value& overlay) {
  merger m;
  auto r = m.node(&resource, &overlay, nullptr, "", 0);
  if (!r.ok()) return std::move(r).err();
  if (!r->has_value() || (*r)->is_null()) return error::invalid("the patch deletes the whole resource");
  return std::move(**r);
}

const char* list_merge_key(std::string_view type_name, std::string_view field) {
  const field_row* r = find_field(type_name, field);
  return r != nullptr ? r->key : nullptr;
}

}  // namespace coco_admit::strategic_merge
