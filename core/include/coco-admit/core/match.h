// Kyverno match/exclude evaluation over the facts of one request.
//
// `request_facts` is what matching reads: the request kind and subresource,
// the operation, the object's name (or generateName), namespace, labels and
// annotations, the namespace's labels and the user. It points into the
// request; nothing is copied.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "coco-admit/core/program.h"
#include "coco-admit/core/value.h"

namespace coco_admit {

struct request_facts {
  std::string_view group, version, kind, subresource;
  std::string_view operation;
  std::string_view name;  ///< metadata.name, or generateName when empty
  std::string_view ns;    ///< resource namespace; for a Namespace object its own name
  std::string_view object_kind;  ///< the object's own `kind` field
  const value* labels = nullptr;
  const value* annotations = nullptr;
  const value* namespace_labels = nullptr;  ///< null when the namespace is unknown
  const value* user_info = nullptr;         ///< null: no admission user info
  const std::vector<std::string>* roles = nullptr;
  const std::vector<std::string>* cluster_roles = nullptr;
};

/// Parses a `kinds` entry (Kyverno ParseKindSelector).
kind_selector parse_kind_selector(std::string_view text);
/// Kyverno checkKind for one selector.
bool kind_matches(const kind_selector& k, const request_facts& f);
bool label_selector_matches(const label_selector& s, const value* labels);
/// Whether every field set in `filter` matches.
bool filter_matches(const resource_filter& filter, const request_facts& f);
/// match succeeds and exclude does not.
bool rule_matches(const rule& r, const request_facts& f);

}  // namespace coco_admit
