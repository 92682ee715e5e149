// map_overlay: a patchStrategicMerge overlay that sets scalars in maps and lists of maps, compiled to the edits
// it makes.
//
// Most mutate rules add labels or annotations, set a field, or set something in one container or env entry: an
// overlay of nested maps whose leaves are scalars, some of them `{{ variables }}`, some map keys guarded by the
// add-if-absent anchor `+(key)`, and lists of one map. On a resource that holds no null (a clean census,
// strategic_merge::resource_state), Kyverno's anchor preprocessing and kyaml's merge of such an overlay do
// exactly this, and nothing else:
//   - a `+(key)` the resource map already has is dropped; otherwise the anchor is unwrapped;
//   - a scalar leaf replaces the resource's scalar at its key, which keeps its place in the map;
//   - a nested map merges into the resource's map at its key;
//   - keys the resource map lacks are appended after its existing keys in sorted order, each with the overlay's
//     subtree (anchors unwrapped, in overlay order);
//   - a list the schema merges by key (containers by name, env by name, ports by containerPort, ...): each
//     overlay element is merged into the resource's element with the same key, or is new; the overlay's elements
//     come first, in its order, then the others in theirs (kyaml's Prepend); any other list (of maps, or a
//     constant list of scalars) is replaced by the overlay's.
// So the compiler keeps such an overlay as this tree of fields, and the engine applies it in place: the
// variables are evaluated one by one (the holes, in the order substitution would meet them), and the overlay is
// never built as a value, preprocessed or merged.
//
// Everything else goes the general way, decided where it is cheapest: empty lists, lists of scalars with variables
// or of maps and scalars mixed, anchors in lists, `$patch` and other directives, other anchors, variables in keys, `{{@}}`, nulls, empty maps,
// apiVersion+kind (which would choose a schema) when compiling (compile_map_overlay gives nullopt); when applying,
// before anything changed (apply_map_overlay gives nullopt), a resource node or a variable's value of another kind
// than the overlay's (an error or a deletion in the general merge), a keyed list whose elements do not all carry
// distinct keys, or an overlay element without one (keys are strings, integers or booleans, matched by their
// spelling as the merge matches them).
//
//   metadata: {labels: {+(team): "{{ request.namespace }}", tier: web}}
//   ->  field metadata (map)
//         field labels (map)
//           field team  add-if-absent, hole 0
//           field tier  constant "web"
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "coco-admit/core/template.h"
#include "coco-admit/core/value.h"

namespace coco_admit {

struct map_overlay {
  struct field {
    std::string name;            ///< the resource key (without its anchor)
    bool add_if_absent = false;  ///< written `+(name)`
    /// A nested map (never empty) or a list of one map (its fields), or else a scalar leaf: `constant`, or the
    /// hole `hole` when `tmpl` is set.
    std::vector<field> fields;
    bool is_map = false;
    bool is_list = false;
    value constant;
    const template_string* tmpl = nullptr;
    std::size_t hole = 0;  ///< index of this leaf's value in the holes vector
  };
  std::vector<field> fields;  ///< the top level, in overlay order
  /// A leaf with variables: its text and where it is (the keys from the root as the overlay writes them, anchors
  /// included, which is what `{{@}}` reads).
  struct hole {
    const template_string* text = nullptr;
    std::vector<std::string> path;
  };
  /// In the order substitution of the overlay meets them.
  std::vector<hole> holes;
  /// Some top-level field is `metadata`, `kind` or `apiVersion`: the edits may change what selects rules.
  bool touches_facts = false;
  /// Keeps the template strings `tmpl` and `holes` point at alive.
  std::shared_ptr<const std::unordered_map<std::string, template_string>> strings;
};

/// The overlay as edits, or nullopt when it is not one of them (see above).
std::optional<map_overlay> compile_map_overlay(const tmpl& overlay);

/// JSON Patch (RFC 6902) operations that take a resource from where it was to where apply_map_overlay left it,
/// written change by change as the edits make them, each appended to `ops` after a comma once `count` is not 0
/// (the engine opens `ops` with '[' and closes it): the mutating webhook's patch without a diff when every change
/// of a review was a map edit.
struct patch_log {
  std::string ops;
  std::size_t count = 0;
  /// An edit moved a list element (a twin put first). Not logged: a foreach over the elements moves each in turn,
  /// often back to where they all were, and a diff then says in half the operations what changed.
  bool reordered = false;
  /// Scratch space of apply_map_overlay (the JSON pointer of the node an edit is at), kept with the log for its
  /// capacity: every map edit of a review writes its pointers here.
  std::string pointer;
};

/// What apply_map_overlay did: whether the resource changed, and by how many nodes its census
/// (strategic_merge::census::nodes) grew, so that a caller keeping the count need not walk the resource again.
struct map_edit_outcome {
  bool changed = false;
  std::ptrdiff_t node_change = 0;
};

/// Applies the overlay to `resource` (whose census is clean, and stays so), with the values of its holes. Returns
/// what it did, or nullopt (and changes nothing) when a value or a resource node is of a kind the general merge
/// treats otherwise. With a `log`, appends the operations of the changes.
std::optional<map_edit_outcome> apply_map_overlay(const map_overlay& overlay, const std::vector<value>& holes,
                                                  value& resource, patch_log* log = nullptr);

/// A line for the program dump: how many edits and holes.
std::string describe(const map_overlay& overlay);

}  // namespace coco_admit
