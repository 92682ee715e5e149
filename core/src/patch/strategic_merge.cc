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
#include <array>
#include <functional>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <memory_resource>
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
  std::string_view api_version;  // views: their lengths are constants, and the lookup compares a length first
  std::string_view kind;
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

// The rows of one owner type. A touched map resolves its type once, then looks its fields up among a few rows:
// scanning the whole table compared long type names row by row.
using field_rows = std::vector<const field_row*>;

const field_rows* rows_of(std::string_view owner) {
  static const auto by_owner = [] {
    std::unordered_map<std::string_view, field_rows> m;
    for (const field_row& r : schema_rows) m[r.owner].push_back(&r);
    return m;
  }();
  auto it = by_owner.find(owner);
  return it == by_owner.end() ? nullptr : &it->second;
}

// rows_of for a schema taken from the tables (a field_row::type or gvk_row::type): keyed by the pointer, which
// hashes for nothing, instead of by the long type name.
const field_rows* rows_of_schema(const char* schema) {
  static const auto by_pointer = [] {
    std::unordered_map<const char*, const field_rows*> m;
    for (const field_row& r : schema_rows) m.emplace(r.type, rows_of(r.type));
    for (const gvk_row& r : gvk_rows) m.emplace(r.type, rows_of(r.type));
    return m;
  }();
  auto it = by_pointer.find(schema);
  return it != by_pointer.end() ? it->second : rows_of(schema);
}

const field_row* find_in(const field_rows* rows, std::string_view field) {
  if (rows == nullptr) return nullptr;
  for (const field_row* r : *rows) {
    if (r->field == field) return r;
  }
  return nullptr;
}

// kyaml Walker.GetSchema: with no inherited schema, a map carrying apiVersion+kind of a known type supplies one.
const char* schema_from_meta(const value* v) {
  if (v == nullptr || !v->is_object()) return nullptr;
  // Most maps asked are labels, annotations and other maps without a kind: one lookup answers for them.
  const value* k = v->find("kind");
  if (k == nullptr || !k->is_string()) return nullptr;
  const value* av = v->find("apiVersion");
  if (av == nullptr || !av->is_string()) return nullptr;
  // Read in place: as_string() would copy a string still in the request's buffer.
  const std::string_view api_version = av->as_string_view(), kind = k->as_string_view();
  for (const gvk_row& r : gvk_rows) {
    if (kind == r.kind && api_version == r.api_version) return r.type;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------------------

bool missing(const value* v) { return v == nullptr || v->is_null(); }

bool is_nan(const value& v) { return v.is_double() && std::isnan(v.as_double()); }

// `nan` also learns of any NaN met before the answer is known (see merger::nan). Every resource member the overlay
// does not name goes through here, so the whole resource is scanned by every merge: leaves (most nodes) are
// settled in the parent's loop instead of by a call each.
bool contains_null(const value& v, bool& nan);

bool leaf_or_null(const value& v, bool& nan, bool& is_null) {
  switch (v.type()) {
    case value::kind::null: is_null = true; return true;
    case value::kind::number: nan = nan || std::isnan(v.as_double()); return true;
    case value::kind::array:
    case value::kind::object: return false;
    default: return true;
  }
}

bool contains_null(const value& v, bool& nan) {
  bool is_null = false;
  if (v.is_object()) {
    for (const member& m : v.as_object()) {
      if (leaf_or_null(m.val, nan, is_null)) {
        if (is_null) return true;
      } else if (contains_null(m.val, nan)) {
        return true;
      }
    }
    return false;
  }
  if (v.is_array()) {
    for (const value& e : v.as_array()) {
      if (leaf_or_null(e, nan, is_null)) {
        if (is_null) return true;
      } else if (contains_null(e, nan)) {
        return true;
      }
    }
    return false;
  }
  leaf_or_null(v, nan, is_null);
  return is_null;
}

// Full walk of a node the result keeps or copies whole: notes a NaN (merger::nan).
void scan(const value& v, bool& nan) {
  switch (v.type()) {
    case value::kind::number: nan = nan || std::isnan(v.as_double()); return;
    case value::kind::array:
      for (const auto& e : v.as_array()) {
        if (nan) return;
        scan(e, nan);
      }
      return;
    case value::kind::object:
      for (const auto& m : v.as_object()) {
        if (nan) return;
        scan(m.val, nan);
      }
      return;
    default: return;
  }
}

// One of 64 bits per key, from its length and end bytes (as json.cc's parser does): a key whose bit is not yet set
// cannot repeat an earlier one, so keys are compared only on a collision.
std::uint64_t key_bit(std::string_view k) {
  std::size_t h = k.size();
  if (!k.empty()) h = h * 31 + static_cast<unsigned char>(k.front()) * 7u + static_cast<unsigned char>(k.back());
  return std::uint64_t{1} << (h & 63);
}

// Cheaper than sorting the names: small maps filter by key_bit and compare on collisions, larger ones sort key
// hashes as integers and look closer only when two hashes are equal.
bool unique_keys(const value::object_t& mem) {
  const std::size_t n = mem.size();
  if (n < 2) return true;
  if (n <= 16) {
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t bit = key_bit(mem[i].key);
      if ((seen & bit) != 0) {
        for (std::size_t j = 0; j < i; ++j) {
          if (mem[i].key == mem[j].key) return false;
        }
      }
      seen |= bit;
    }
    return true;
  }
  std::array<std::size_t, 64> small;
  std::vector<std::size_t> large;
  std::size_t* h = small.data();
  if (n > small.size()) {
    large.resize(n);
    h = large.data();
  }
  for (std::size_t i = 0; i < n; ++i) h[i] = std::hash<std::string_view>{}(mem[i].key);
  std::sort(h, h + n);
  if (std::adjacent_find(h, h + n) == h + n) return true;
  // Equal hashes: tell a collision from a repeated key.
  std::vector<std::string_view> keys;
  keys.reserve(n);
  for (const member& m : mem) keys.push_back(m.key);
  std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) == keys.end();
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

// Text of a scalar as kyaml sees it in YAML (the merge key comparison is textual), when `ok` (a usable key);
// strings are viewed, not copied.
struct key_text {
  bool ok = false;
  std::string_view view;
  std::string own;
};
void text_into(const value& v, key_text& out) {
  switch (v.type()) {
    case value::kind::string: out.view = v.as_string(); break;
    case value::kind::integer: out.own = std::to_string(v.as_int()); out.view = out.own; break;
    case value::kind::number: json::append_number(v.as_double(), out.own); out.view = out.own; break;
    case value::kind::boolean: out.view = v.as_bool() ? "true" : "false"; break;
    default: return;
  }
  out.ok = true;
}

// Index of the first element with key text `t`: a scan for the few elements overlays and most resources have,
// a hash past that (a pod may list tens of thousands of containers).
struct first_of {
  const std::pmr::vector<key_text>& texts;
  std::pmr::unordered_map<std::string_view, std::size_t> hashed;
  first_of(const std::pmr::vector<key_text>& t, std::pmr::memory_resource* mr) : texts(t), hashed(mr) {
    if (texts.size() <= 16) return;
    hashed.reserve(texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
      if (texts[i].ok) hashed.emplace(texts[i].view, i);  // the first one stays
    }
  }
  std::size_t find(std::string_view t) const {
    if (texts.size() > 16) {
      auto it = hashed.find(t);
      return it == hashed.end() ? npos : it->second;
    }
    for (std::size_t i = 0; i < texts.size(); ++i) {
      if (texts[i].ok && texts[i].view == t) return i;
    }
    return npos;
  }
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
};

// Where the walk is. Only errors print it, so it is a chain of links on the stack, rendered on demand: building a
// path string for every visited field cost more than the merge of a small overlay.
struct path_link {
  const path_link* up = nullptr;  // nullptr: the parent is the root
  std::string_view step;          // field name, or the key value of a merge-keyed list element
  std::string_view list_key;      // the merge key, for list elements
  bool element = false;
};

std::string render(const path_link* p) {
  if (p == nullptr) return "";
  std::string s = render(p->up);
  if (p->element) {
    s += ".[";
    s += p->list_key;
    s += '=';
    s += p->step;
    s += ']';
  } else {
    s += '.';
    s += p->step;
  }
  return s;
}

std::string shown(const path_link* p) { return p == nullptr ? std::string(".") : render(p); }

enum class directive { merge, replace, del };

result<directive> parse_directive(const value& v, const path_link* path) {
  if (v.is_string()) {
    if (v.as_string() == "merge") return directive::merge;
    if (v.as_string() == "replace") return directive::replace;
    if (v.as_string() == "delete") return directive::del;
  }
  return error::invalid("unknown patch strategy '" + json::serialize(v) + "' at " + shown(path));
}

result<directive> map_directive(const value* origin, const path_link* path) {
  if (origin == nullptr || !origin->is_object()) return directive::merge;
  const value* d = origin->find("$patch");
  if (d == nullptr) return directive::merge;
  return parse_directive(*d, path);
}

// A list directive is an element that is exactly {$patch: X}; returns its index too.
result<directive> list_directive(const value* origin, const path_link* path, std::size_t& at) {
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

// ---------------------------------------------------------------------------------------------------------
// The merge runs in two phases. Phase 1 (merger) walks resource and overlay read-only and describes the result
// as a plan that points at the resource nodes it keeps; every error surfaces there, before the resource is
// touched. Phase 2 (apply/build) carries the plan out by editing the resource's maps in place and moving its
// subtrees into rebuilt lists, so nodes the overlay does not reach are never copied.

struct entry;

struct plan {
  enum class op : std::uint8_t {
    keep,  // the resource node `src` as it is: moved if it changes place
    copy,  // the overlay node `src`, copied
    own,   // `owned`, a node the merge made up (a merge key put back into a list element)
    map,   // a map of `members`; `src` is the resource map they are edited into, or nullptr for a new map
    list,  // a list of `elems`, always rebuilt
  };
  op kind = op::keep;
  // A sparse map lists only the members of `src` that change or go (in member order), then the appended ones;
  // the others stay as they are. A full map lists every member of the result, in order.
  bool sparse = false;
  const value* src = nullptr;
  std::unique_ptr<value> owned;  // boxed: plans are moved around a lot, and most are not `own`
  // From the merge's arena (merger::mr_): a merge builds many small plans and drops them all at once.
  std::pmr::vector<entry> members;
  std::pmr::vector<plan> elems;

  plan();
  explicit plan(std::pmr::memory_resource* mr);
};

struct entry {
  std::string_view key;  // views into the resource or the overlay, both alive until phase 2 ends
  const member* from;    // the member of plan::src this entry stands for; nullptr for an appended member
  plan p;                // the keep plan without a node (dropped()) when the member goes
};

// Out of line: the vectors need `entry` complete.
plan::plan() = default;
plan::plan(std::pmr::memory_resource* mr) : members(mr), elems(mr) {}

bool dropped(const plan& p) { return p.kind == plan::op::keep && p.src == nullptr; }

using maybe = std::optional<plan>;  // nullopt = clear the node

plan plan_of(const value* v, bool owned) {
  plan p;
  p.kind = owned ? plan::op::keep : plan::op::copy;
  p.src = v;
  return p;
}

// The value the plan yields, when it is a node that already exists.
const value* existing(const plan& p) {
  switch (p.kind) {
    case plan::op::keep:
    case plan::op::copy: return p.src;
    case plan::op::own: return p.owned.get();
    default: return nullptr;
  }
}

bool yields_null(const plan& p) {
  const value* v = existing(p);
  return v != nullptr && v->is_null();
}

bool yields_map(const plan& p) {
  const value* v = existing(p);
  return p.kind == plan::op::map || (v != nullptr && v->is_object());
}

bool yields_empty_map(const plan& p) {
  if (p.kind != plan::op::map) {
    const value* v = existing(p);
    return v != nullptr && v->is_object() && v->size() == 0;
  }
  if (!p.sparse) return p.members.empty();
  std::size_t size = p.src->size();
  for (const entry& e : p.members) {
    if (e.from == nullptr) ++size;
    else if (dropped(e.p)) --size;
  }
  return size == 0;
}

bool yields_member(const plan& p, std::string_view key) {
  if (p.kind != plan::op::map) return existing(p)->find(key) != nullptr;
  for (const entry& e : p.members) {
    if (e.key == key) return !dropped(e.p);
  }
  return p.sparse && p.src->find(key) != nullptr;
}

// A kept or copied map spelled out member by member, so that members can be appended to it. (Only merge keys are
// owned plans, and they are scalars.)
plan spelled_out(const plan& p, std::pmr::memory_resource* mr) {
  const bool owned = p.kind == plan::op::keep;
  plan out(mr);
  out.kind = plan::op::map;
  out.src = owned ? p.src : nullptr;
  for (const member& m : p.src->as_object()) {
    out.members.push_back(entry{m.key, owned ? &m : nullptr, plan_of(&m.val, owned)});
  }
  return out;
}

class merger {
 public:
  // `owned`: dest lies in the resource (phase 2 may move it); otherwise it is an overlay node walked against itself.
  result<maybe> node(const value* dest, bool owned, const value* origin, const char* schema, const path_link* path,
                     int depth);

  explicit merger(std::pmr::memory_resource* mr) : mr_(mr) {}

  // A NaN in the old resource or in the result makes `==` false, whatever else happened; the identity shortcut of
  // same() would miss that, so phase 1 notes every NaN it meets in kept resource nodes or copied overlay nodes.
  bool nan = false;
  // The caller's census found no null and no NaN in the resource (resource_state::clean): its nodes need no scan.
  bool resource_clean = false;

 private:
  result<maybe> map(const value* dest, bool owned, const value* origin, const char* schema, const path_link* path,
                    int depth);
  result<maybe> map_fields(const value* base, const value* other, const field_rows* rows, const path_link* path,
                           int depth);
  result<maybe> field(const value* d, bool owned, const value* o, const field_rows* rows, std::string_view name,
                      const path_link* path, int depth);
  result<maybe> list(const value* dest, bool owned, const value* origin, const field_row* row, const path_link* path,
                     int depth);

  plan whole(const value* v, bool owned) {
    if (!(owned && resource_clean)) scan(*v, nan);
    return plan_of(v, owned);
  }

  std::pmr::memory_resource* mr_;
};

result<maybe> merger::node(const value* dest, bool owned, const value* origin, const char* schema,
                           const path_link* path, int depth) {
  if (depth > max_depth) {
    return error::budget("strategic merge nesting exceeds " + std::to_string(max_depth) + " at " + render(path));
  }
  const value* first = !missing(dest) ? dest : (!missing(origin) ? origin : nullptr);
  if (first == nullptr) {
    // kyaml VisitScalar on null nodes: the overlay's null (if any) wins; a null result clears the field.
    return maybe{};
  }
  const node_kind k = kind_of(*first);
  for (const value* s : {dest, origin}) {
    if (!missing(s) && kind_of(*s) != k) {
      return error::invalid("wrong node kind at " + shown(path) + ": the " + (s == dest ? "resource" : "patch") +
                            " has " + kind_word(kind_of(*s)) + " where " + (s == dest ? "the patch" : "the resource") +
                            " has " + kind_word(k));
    }
  }
  if (k == node_kind::scalar) {
    if (origin != nullptr) return origin->is_null() ? maybe{} : maybe{whole(origin, false)};
    return maybe{whole(dest, owned)};
  }
  if (k == node_kind::map) {
    if (schema == nullptr) schema = schema_from_meta(dest);
    if (schema == nullptr) schema = schema_from_meta(origin);
    return map(dest, owned, origin, schema, path, depth);
  }
  return list(dest, owned, origin, nullptr, path, depth);
}

result<maybe> merger::map(const value* dest, bool owned, const value* origin, const char* schema,
                          const path_link* path, int depth) {
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
  const bool base_owned = owned && base == dest;
  const value* other = origin;
  const field_rows* rows = schema != nullptr ? rows_of_schema(schema) : nullptr;
  if (base_owned && !base_is_origin && unique_keys(base->as_object())) {
    return map_fields(base, other, rows, path, depth);
  }

  // The general case, as kyaml does it: the sorted union of the field names, each walked.
  std::pmr::vector<std::string_view> names(mr_);
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
  std::pmr::vector<std::pair<std::string_view, maybe>> merged(mr_);
  merged.reserve(names.size());
  for (std::string_view name : names) {
    const value* d = in_base.find(name);
    const value* o = in_other.find(name);
    // Fast path: a subtree the overlay does not touch merges to itself unless
    // it holds nulls (which the walk drops), so skip the schema walk.
    if (o == nullptr && d != nullptr && !base_is_origin && ((base_owned && resource_clean) || !contains_null(*d, nan))) {
      merged.emplace_back(name, plan_of(d, base_owned));
      continue;
    }
    result<maybe> r = field(d, base_owned, o, rows, name, path, depth);
    if (!r.ok()) return std::move(r).err();
    merged.emplace_back(name, std::move(*r));
  }

  plan out(mr_);
  out.kind = plan::op::map;
  out.src = base_owned ? base : nullptr;
  out.members.reserve(merged.size());
  auto take = [&](std::string_view name) -> maybe* {
    auto it = std::lower_bound(merged.begin(), merged.end(), name,
                               [](const auto& p, std::string_view n) { return p.first < n; });
    return (it != merged.end() && it->first == name) ? &it->second : nullptr;
  };
  // Existing fields keep their position (FieldSetter sets in place); new ones are appended in sorted order. A
  // repeated key keeps its first position only.
  for (const member& m : base->as_object()) {
    maybe* v = take(m.key);
    if (v == nullptr || !v->has_value() || yields_null(**v)) continue;
    out.members.push_back(entry{m.key, base_owned ? &m : nullptr, std::move(**v)});
    v->reset();
  }
  for (auto& [name, v] : merged) {
    if (!v.has_value() || yields_null(*v) || in_base.find(name) != nullptr) continue;
    out.members.push_back(entry{name, nullptr, std::move(*v)});
  }
  return maybe{std::move(out)};
}

// merge2 on a resource map without repeated keys, which is what resources are: the same result as the general
// case, but only the fields the overlay names or that hold nulls are walked (in sorted order, which decides the
// first error), and the plan is sparse: the rest stay where they are without being sorted, looked up or listed.
result<maybe> merger::map_fields(const value* base, const value* other, const field_rows* rows,
                                 const path_link* path, int depth) {
  constexpr std::size_t fresh = static_cast<std::size_t>(-1);
  struct todo {
    std::string_view name;
    const value* d;
    const value* o;
    std::size_t at;  // index in out.members, or `fresh` for a field the resource lacks
  };
  const auto& mem = base->as_object();
  const member_index in_other(other);
  const bool origin_elided = other != nullptr && other->find("$patch") != nullptr;
  plan out(mr_);
  out.kind = plan::op::map;
  out.sparse = true;
  out.src = base;
  std::array<std::byte, 16 * sizeof(todo)> buf;  // the fields an overlay names are few
  std::pmr::monotonic_buffer_resource arena(buf.data(), buf.size());
  std::pmr::vector<todo> todos(&arena);
  for (const member& m : mem) {
    const value* o = in_other.find(m.key);
    if (o == nullptr && (resource_clean || !contains_null(m.val, nan))) continue;
    todos.push_back(todo{m.key, &m.val, o, out.members.size()});
    out.members.push_back(entry{m.key, &m, plan(mr_)});
  }
  if (other != nullptr) {
    const member_index in_base(base);
    for (const member& m : other->as_object()) {
      if ((origin_elided && m.key == "$patch") || in_base.find(m.key) != nullptr) continue;
      todos.push_back(todo{m.key, nullptr, in_other.find(m.key), fresh});
    }
  }
  std::sort(todos.begin(), todos.end(), [](const todo& a, const todo& b) { return a.name < b.name; });
  todos.erase(std::unique(todos.begin(), todos.end(), [](const todo& a, const todo& b) { return a.name == b.name; }),
              todos.end());

  // The entries of existing fields are all in place already, so new ones append in sorted order (the todos').
  for (const todo& t : todos) {
    result<maybe> r = field(t.d, true, t.o, rows, t.name, path, depth);
    if (!r.ok()) return std::move(r).err();
    const bool gone = !r->has_value() || yields_null(**r);
    if (t.at != fresh) {
      if (!gone) out.members[t.at].p = std::move(**r);  // else the placeholder says dropped
    } else if (!gone) {
      out.members.push_back(entry{t.name, nullptr, std::move(**r)});
    }
  }
  return maybe{std::move(out)};
}

// One field of a map: lists need the schema row (strategy + element type); kind checks happen in node().
result<maybe> merger::field(const value* d, bool owned, const value* o, const field_rows* rows,
                            std::string_view name, const path_link* path, int depth) {
  const field_row* row = find_in(rows, name);
  const path_link child{path, name, {}, false};
  const value* first = !missing(d) ? d : o;
  if (first != nullptr && first->is_array() && row != nullptr) {
    if (!missing(d) && !missing(o) && !o->is_array()) return node(d, owned, o, nullptr, &child, depth + 1);
    return list(d, owned, o, row, &child, depth + 1);
  }
  return node(d, owned, o, row != nullptr ? row->type : nullptr, &child, depth + 1);
}

result<maybe> merger::list(const value* dest, bool owned, const value* origin, const field_row* row,
                           const path_link* path, int depth) {
  if (depth > max_depth) {
    return error::budget("strategic merge nesting exceeds " + std::to_string(max_depth) + " at " + render(path));
  }
  for (const value* s : {dest, origin}) {
    if (!missing(s) && !s->is_array()) {
      return error::invalid("wrong node kind at " + render(path) + ": the " + (s == dest ? "resource" : "patch") +
                            " has " + kind_word(kind_of(*s)) + " where a list is expected");
    }
  }
  const bool associative = row != nullptr && row->key != nullptr;
  if (!associative) {
    if (missing(dest)) return origin == nullptr || origin->is_null() ? maybe{} : maybe{whole(origin, false)};
    if (origin != nullptr && origin->is_null()) return maybe{};
    if (origin != nullptr) return maybe{whole(origin, false)};
    return maybe{whole(dest, owned)};
  }

  // VisitList for an associative list.
  std::size_t directive_at = static_cast<std::size_t>(-1);
  const value* base = dest;
  if (origin != nullptr && origin->is_null()) return maybe{};
  auto d = list_directive(origin, path, directive_at);
  if (!d.ok()) return d.err();
  if (*d == directive::del) return maybe{};
  if (missing(dest) || *d == directive::replace) base = origin;
  const bool base_owned = owned && base == dest;

  auto elements = [&](const value* list) {
    std::pmr::vector<const value*> out(mr_);
    if (list == nullptr || !list->is_array()) return out;
    const auto& arr = list->as_array();
    out.reserve(arr.size());
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (list == origin && i == directive_at) continue;
      out.push_back(&arr[i]);
    }
    return out;
  };
  const std::pmr::vector<const value*> base_elems = elements(base);
  const std::pmr::vector<const value*> origin_elems = base == origin ? base_elems : elements(origin);
  const std::string_view key = row->key;  // static: plan entries may point at it
  const bool is_set = key.empty();

  // Each element's key text, once. String keys (nearly all) are viewed in place; only numbers and booleans are
  // spelled out. Sized before filling, so views into `own` (small-string storage) stay put.
  std::array<std::byte, 2048> buf;
  std::pmr::monotonic_buffer_resource arena(buf.data(), buf.size());
  std::pmr::vector<key_text> ot(origin_elems.size(), &arena), bt(base_elems.size(), &arena);
  auto fill = [&](const std::pmr::vector<const value*>& elems, std::pmr::vector<key_text>& texts) {
    for (std::size_t i = 0; i < elems.size(); ++i) {
      const value* k = is_set ? elems[i] : (elems[i]->is_object() ? elems[i]->find(key) : nullptr);
      if (k != nullptr) text_into(*k, texts[i]);
    }
  };
  fill(origin_elems, ot);
  fill(base_elems, bt);
  const first_of in_origin(ot, &arena), in_base(bt, &arena);

  // Key values in Prepend order: overlay first, then resource; first occurrence of a value wins on each side.
  std::pmr::vector<std::string_view> values(&arena);
  values.reserve(ot.size() + bt.size());
  for (std::size_t i = 0; i < ot.size(); ++i) {
    if (ot[i].ok && in_origin.find(ot[i].view) == i) values.push_back(ot[i].view);
  }
  for (std::size_t i = 0; i < bt.size(); ++i) {
    if (bt[i].ok && in_base.find(bt[i].view) == i && in_origin.find(bt[i].view) == first_of::npos) {
      values.push_back(bt[i].view);
    }
  }
  plan out(mr_);
  out.kind = plan::op::list;
  if (values.empty()) {
    out.elems.reserve(base_elems.size());
    for (const value* e : base_elems) out.elems.push_back(whole(e, base_owned));
    return maybe{std::move(out)};
  }
  out.elems.reserve(values.size());
  const char* elem_type = row->type;
  for (std::string_view v : values) {
    const std::size_t bi = in_base.find(v);
    const std::size_t oi = in_origin.find(v);
    const value* be = bi != first_of::npos ? base_elems[bi] : nullptr;
    const value* oe = oi != first_of::npos ? origin_elems[oi] : nullptr;
    maybe merged;
    // (Only maps: the elements of a merged set are scalars, and as_object() on one threw.)
    if (oe == nullptr && base_owned && resource_clean && depth < max_depth && be->is_object() &&
        unique_keys(be->as_object())) {
      // An element the overlay does not name merges to itself in a clean resource when it repeats no key (which
      // node() would fold; the maps inside it are not walked either way): kept as it is, so that a foreach
      // merging into one element of n is not n walks of the other elements.
      merged = plan_of(be, true);
    } else if (is_set) {
      merged = oe != nullptr ? whole(oe, false) : whole(be, base_owned);
    } else {
      const path_link child{path, v, key, true};
      auto r = node(be, base_owned, oe, elem_type, &child, depth + 1);
      if (!r.ok()) return std::move(r).err();
      merged = std::move(*r);
    }
    if (!merged.has_value() || yields_null(*merged) || yields_empty_map(*merged)) continue;
    if (!is_set && yields_map(*merged) && !yields_member(*merged, key)) {
      if (merged->kind != plan::op::map) merged.emplace(spelled_out(*merged, mr_));
      plan k;
      k.kind = plan::op::own;
      k.owned = std::make_unique<value>(*(oe != nullptr ? oe : be)->find(key));
      nan = nan || is_nan(*k.owned);
      merged->members.push_back(entry{key, nullptr, std::move(k)});
    }
    out.elems.push_back(std::move(*merged));
  }
  // Resource elements that carry no usable key cannot be targeted; kyaml keeps them after the keyed ones
  // (empty and null elements are dropped by its ElementSetter).
  for (std::size_t i = 0; i < base_elems.size(); ++i) {
    const value* e = base_elems[i];
    if (bt[i].ok || e->is_null() || (e->is_object() && e->size() == 0)) continue;
    out.elems.push_back(whole(e, base_owned));
  }
  return maybe{std::move(out)};
}

// ---------------------------------------------------------------------------------------------------------
// Change test: would the plan's result compare equal (value::operator==) to `b`? Mirrors that operator, with one
// shortcut: a kept node still in its place equals itself, which holds as long as no NaN is around (merger::nan).

bool same(const plan& p, const value& b);

// operator== on objects: sizes, then members pairwise while the keys line up, then by lookup.
template <class Members, class Same>
bool same_members(const Members& out, const value& b, Same same_member) {
  if (!b.is_object() || b.size() != out.size()) return false;
  const auto& bo = b.as_object();
  std::size_t i = 0;
  for (; i < bo.size() && out[i].key == bo[i].key; ++i) {
    if (!same_member(out[i], bo[i].val)) return false;
  }
  if (i == bo.size()) return true;
  const member_index in_b(&b);
  for (; i < bo.size(); ++i) {
    const value* other = in_b.find(out[i].key);
    if (other == nullptr || !same_member(out[i], *other)) return false;
  }
  return true;
}

// A sparse map compared with anything but its own source (a list element that moved): spell its members out.
bool same_sparse_elsewhere(const plan& p, const value& b) {
  struct out_member {
    std::string_view key;
    const plan* p;   // or
    const value* v;  // a member kept as it is
  };
  std::vector<out_member> out;
  out.reserve(p.src->size() + p.members.size());
  std::size_t k = 0;
  for (const member& m : p.src->as_object()) {
    if (k < p.members.size() && p.members[k].from == &m) {
      if (!dropped(p.members[k].p)) out.push_back(out_member{m.key, &p.members[k].p, nullptr});
      ++k;
    } else {
      out.push_back(out_member{m.key, nullptr, &m.val});
    }
  }
  for (; k < p.members.size(); ++k) out.push_back(out_member{p.members[k].key, &p.members[k].p, nullptr});
  return same_members(out, b, [](const out_member& m, const value& v) {
    return m.p != nullptr ? same(*m.p, v) : *m.v == v;
  });
}

bool same(const plan& p, const value& b) {
  switch (p.kind) {
    case plan::op::keep:
    case plan::op::copy: return p.src == &b || *p.src == b;
    case plan::op::own: return *p.owned == b;
    case plan::op::list: {
      if (!b.is_array() || b.size() != p.elems.size()) return false;
      const auto& arr = b.as_array();
      for (std::size_t i = 0; i < arr.size(); ++i) {
        if (!same(p.elems[i], arr[i])) return false;
      }
      return true;
    }
    case plan::op::map: {
      if (!p.sparse) return same_members(p.members, b, [](const entry& e, const value& v) { return same(e.p, v); });
      if (p.src != &b) return same_sparse_elsewhere(p, b);
      // In its own place, with unique keys: equal exactly when nothing is dropped or added and every change is
      // to an equal value.
      for (const entry& e : p.members) {
        if (e.from == nullptr || dropped(e.p) || !same(e.p, e.from->val)) return false;
      }
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// Phase 2. Plans point into the resource through const pointers because phase 1 only reads; the resource itself
// is mutable (merge_in_place takes it by reference), so writing through them here is sound. Each resource node
// is referenced by at most one plan, and a node is edited or moved only after the plans inside it are done.

value& writable(const value* v) { return const_cast<value&>(*v); }

void edit_map(plan& p, value& obj);

value build(plan& p) {
  switch (p.kind) {
    case plan::op::keep: return std::move(writable(p.src));
    case plan::op::copy: return *p.src;
    case plan::op::own: return std::move(*p.owned);
    case plan::op::map: {
      if (p.src != nullptr) {
        value& obj = writable(p.src);
        edit_map(p, obj);
        return std::move(obj);
      }
      value out = value::object();
      auto& obj = out.as_object();
      obj.reserve(p.members.size());
      for (entry& e : p.members) obj.push_back(member{std::string(e.key), build(e.p)});
      return out;
    }
    case plan::op::list: {
      value out = value::array();
      auto& arr = out.as_array();
      arr.reserve(p.elems.size());
      for (plan& e : p.elems) arr.push_back(build(e));
      return out;
    }
  }
  return value();
}

void apply(plan& p, value& slot) {
  if (p.src == &slot && (p.kind == plan::op::keep || p.kind == plan::op::map)) {
    if (p.kind == plan::op::map) edit_map(p, slot);
    return;
  }
  value v = build(p);  // reads the old subtree at `slot`
  slot = std::move(v);
}

// Entries for existing members come in member order (see merger::map).
void edit_map(plan& p, value& obj) {
  auto& mem = obj.as_object();
  std::size_t k = 0, w = 0;
  if (p.sparse) {
    std::vector<const member*> gone;  // in member order
    for (; k < p.members.size() && p.members[k].from != nullptr; ++k) {
      entry& e = p.members[k];
      if (dropped(e.p)) gone.push_back(e.from);
      else apply(e.p, const_cast<member*>(e.from)->val);
    }
    if (!gone.empty()) {
      std::size_t d = 0;
      for (std::size_t i = 0; i < mem.size(); ++i) {
        if (d < gone.size() && gone[d] == &mem[i]) {
          ++d;
          continue;
        }
        if (w != i) mem[w] = std::move(mem[i]);
        ++w;
      }
      mem.erase(mem.begin() + static_cast<std::ptrdiff_t>(w), mem.end());
    }
  } else {
    // Full: members without an entry are dropped.
    for (std::size_t i = 0; i < mem.size(); ++i) {
      if (k == p.members.size() || p.members[k].from != &mem[i]) continue;
      apply(p.members[k].p, mem[i].val);
      ++k;
      if (w != i) mem[w] = std::move(mem[i]);
      ++w;
    }
    mem.erase(mem.begin() + static_cast<std::ptrdiff_t>(w), mem.end());
  }
  mem.reserve(mem.size() + (p.members.size() - k));
  for (; k < p.members.size(); ++k) mem.push_back(member{std::string(p.members[k].key), build(p.members[k].p)});
}

// `materialize`: carry the plan out even when the result equals the resource (merge() returns the merged tree
// as kyaml writes it, e.g. 1.0 where the resource had 1); the change test is then skipped and reports true.
result<bool> merge_into(value& resource, const value& overlay, bool materialize, resource_state state) {
  // Plans of a small overlay fit on the stack; larger merges spill to the heap, all released at return.
  std::array<std::byte, 4096> buf;
  std::pmr::monotonic_buffer_resource arena(buf.data(), buf.size());
  merger m(&arena);
  m.resource_clean = state == resource_state::clean;
  auto r = m.node(&resource, true, &overlay, nullptr, nullptr, 0);
  if (!r.ok()) return std::move(r).err();
  if (!r->has_value() || yields_null(**r)) return error::invalid("the patch deletes the whole resource");
  plan& p = **r;
  const bool changed = materialize || m.nan || !same(p, resource);
  if (changed) apply(p, resource);
  return changed;
}

}  // namespace

result<bool> merge_in_place(value& resource, const value& overlay, resource_state state) {
  return merge_into(resource, overlay, false, state);
}

namespace {
void count_into(const value& v, census& c) {
  // A part of the request nothing has looked into yet is counted where it lies (a JSON document holds no NaN).
  if (const lazy_element* l = v.lazy()) {
    const json::element_census e = json::census_of(*l);
    c.nodes += e.nodes;
    c.clean = c.clean && !e.has_null;
    return;
  }
  ++c.nodes;
  switch (v.type()) {
    case value::kind::null: c.clean = false; return;
    case value::kind::number: c.clean = c.clean && !std::isnan(v.as_double()); return;
    case value::kind::array:
      for (const value& e : v.as_array()) count_into(e, c);
      return;
    case value::kind::object:
      for (const member& m : v.as_object()) count_into(m.val, c);
      return;
    default: return;
  }
}
}  // namespace

census take_census(const value& v) {
  census c;
  count_into(v, c);
  return c;
}

namespace {
void bound_into(const value& v, census_bound& b, std::vector<lazy_element>& parts) {
  if (const lazy_element* l = v.lazy()) {
    b.part_words += json::tape_words(*l);
    parts.push_back(*l);
    return;
  }
  ++b.converted_nodes;
  if (v.is_array()) {
    for (const value& e : v.as_array()) bound_into(e, b, parts);
  } else if (v.is_object()) {
    for (const member& m : v.as_object()) bound_into(m.val, b, parts);
  }
}
}  // namespace

census_bound bound_census(const value& v, std::vector<lazy_element>& parts) {
  census_bound b;
  bound_into(v, b, parts);
  return b;
}

std::size_t count_bounded(const census_bound& b, std::span<const lazy_element> parts) {
  std::size_t nodes = b.converted_nodes;
  for (const lazy_element& l : parts) nodes += json::census_of(l).nodes;
  return nodes;
}

bool is_clean(const value& v) {
  if (const lazy_element* l = v.lazy()) return !json::has_null(*l);  // a JSON document holds no NaN
  switch (v.type()) {
    case value::kind::null: return false;
    case value::kind::number: return !std::isnan(v.as_double());
    case value::kind::array:
      for (const value& e : v.as_array()) {
        if (!is_clean(e)) return false;
      }
      return true;
    case value::kind::object:
      for (const member& m : v.as_object()) {
        if (!is_clean(m.val)) return false;
      }
      return true;
    default: return true;
  }
}

result<value> merge(const value& resource, const value& overlay) {
  value out = resource;
  auto r = merge_into(out, overlay, true, resource_state::unknown);
  if (!r.ok()) return std::move(r).err();
  return out;
}

const char* type_of_map(const value& map) { return schema_from_meta(&map); }

field_schema schema_of_field(const char* map_type, std::string_view field) {
  if (map_type == nullptr) return {};
  const field_row* r = find_in(rows_of_schema(map_type), field);
  return r != nullptr ? field_schema{r->type, r->key} : field_schema{};
}

const char* list_merge_key(std::string_view type_name, std::string_view field) {
  const field_row* r = find_in(rows_of(type_name), field);
  return r != nullptr ? r->key : nullptr;
}

}  // namespace coco_admit::strategic_merge
