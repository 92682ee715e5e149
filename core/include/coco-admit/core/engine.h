// engine: runs a compiled program on one admission request.
//
// Kyverno's pipeline, per policy in program order: for each rule (declared
// order, autogen clones included) check match/exclude, load the rule context
// lazily, evaluate preconditions, substitute variables, run the handler.
// Mutation rules cascade: each sees the previous rule's output. Validation runs
// on the already-mutated object. Errors are values: a rule that cannot be
// evaluated gets status `error` with a message; nothing throws.
//
//   engine_request req = engine_request::from_object(pod, "CREATE");
//   engine_response m = engine::mutate(prog, req, env);
//   engine_response v = engine::validate(prog, req.with_object(m.resource), env);
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <optional>

#include "coco-admit/core/cluster_state.h"
#include "coco-admit/core/program.h"
#include "coco-admit/core/value.h"

namespace coco_admit {

enum class rule_status : unsigned char { pass, fail, warn, error, skip };
const char* rule_status_name(rule_status s);

struct rule_response {
  std::string_view name;  ///< the rule's name in the program, which outlives the response (as `policy_response::pol`)
  rule_type type = rule_type::validate;
  rule_status status = rule_status::skip;
  std::string message;
  /// The error came from a bound (JMESPath steps or result size, foreach
  /// elements, context size, nesting, decompressed size).
  bool budget_exceeded = false;
};

struct policy_response {
  const policy* pol = nullptr;
  std::vector<rule_response> rules;
  /// Mutation: the object after this policy (also set when unchanged).
  value patched;
  bool changed = false;
};

struct engine_response {
  std::vector<policy_response> policies;
  /// Mutation: the object after every policy; validation: the object checked.
  value resource;
  /// Mutation with engine_environment::keep_original: the object as it was
  /// before the first patch; empty when no rule got as far as patching.
  std::optional<value> original;
  /// Mutation with engine_environment::log_edits_patch, when every change to the object was a map edit: the
  /// JSON Patch (a JSON array) from the object as it came to `resource`, and its number of operations.
  std::optional<std::string> edits_patch;
  std::size_t edits_patch_ops = 0;
};

/// What the request is about. `object` is null on DELETE, `old_object` null
/// on CREATE. `admission_request` is the raw AdmissionRequest when there is
/// one (the server, `review`); the CLI leaves it null and the engine builds
/// the `request` context from the fields.
struct engine_request {
  std::string operation = "CREATE";
  value object;
  value old_object;
  std::string kind_group, kind_version, kind;  ///< requestKind; derived from the object when empty
  std::string subresource;
  std::string ns;    ///< request namespace
  std::string name;  ///< request name
  value user_info;   ///< AdmissionRequest.userInfo (null: none, user filters ignored)
  std::vector<std::string> roles, cluster_roles;
  /// Its object and oldObject are the fields above: here they are missing or null, and the engine sets them (in
  /// place when present, so the request keeps its keys' order and the context its allocation).
  value admission_request;
  bool dry_run = false;

  /// Fills kind/namespace/name from the object (CLI use).
  static engine_request from_object(value object, std::string operation = "CREATE");
};

/// Which policies of the program to run (the /fail and /ignore endpoints).
enum class policy_subset : unsigned char { all, fail_only, ignore_only };

/// Hook for `kyverno test` values files: called after a rule's context is
/// built and before preconditions, to overwrite context entries.
using context_override = std::function<void(const policy& p, const rule& r, value& context)>;

struct engine_environment {
  const cluster_state* cluster = nullptr;
  context_override override_context;  ///< optional
  policy_subset subset = policy_subset::all;
  /// Bounds on one evaluation (issue: bounded cost).
  std::size_t max_jmespath_steps = 1'000'000;
  std::size_t max_context_bytes = 2 << 20;
  std::size_t max_foreach_elements = 10'000;
  /// A foreach patchStrategicMerge walks the whole resource once per element,
  /// so its cost is elements x resource nodes; this caps that product per
  /// review (about a second of CPU), which the element cap alone does not:
  /// 10,000 containers would otherwise take minutes.
  std::size_t max_foreach_merge_work = 4'000'000;
  /// Fill policy_response::patched after each mutate policy (the CLI and
  /// `kyverno test` need it; admission does not, and skips the copies).
  bool record_patched = true;
  /// Admission semantics: a mutate policy with failurePolicy Ignore whose
  /// rule errors contributes no changes (Kyverno's webhook drops them; its
  /// CLI keeps them).
  bool drop_failed_ignore_policies = false;
  /// Keep the object as it was before the first patch (admission diffs the
  /// result against it). Taken lazily: a request no rule patches costs no copy.
  bool keep_original = false;
  /// Apply the map edits the compiler made of simple patchStrategicMerge overlays (map_overlay.h). false sends
  /// every overlay through substitution and the general merge: the two must agree, which tests and the
  /// admission_review fuzzer check by running both.
  bool map_edits = true;
  /// Log the JSON Patch of the map edits as they are made (map_overlay.h), so that a review whose every change
  /// was a map edit gets its patch without a diff (engine_response::edits_patch).
  bool log_edits_patch = false;
  /// Write the message of a passing rule ("validation rule 'x' passed.", "mutated Pod/x in namespace y"). The
  /// admission webhook reads it only for a policy that emits warnings, and clears this: such a policy's rules
  /// still get theirs. A pass inside a foreach never has one, since only the foreach's own result is reported.
  bool pass_messages = true;
};

namespace engine {

/// Runs every mutate rule; `resource` is the final object.
/// The request is taken by value: its objects move into the evaluation context.
engine_response mutate(const program& prog, engine_request req, const engine_environment& env);
/// Runs every validate rule on `req.object` (or `old_object` on DELETE).
engine_response validate(const program& prog, engine_request req, const engine_environment& env);

/// Kyverno's enforcement decision for one validate rule result.
failure_action effective_action(const policy& p, const rule& r, std::string_view ns);

}  // namespace engine
}  // namespace coco_admit
