// The rule pipeline (see engine.h). The JSON context of a request is one
// `value` object: {"request": {...}, "images": ..., context entries...}. The
// object under review lives at context.request.object and is mutated in
// place, so cascading rules see each other's output without copies. Rule
// context entries are appended to the context and truncated away after the
// rule (Kyverno's checkpoint/restore).
#include "coco-admit/core/engine.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <span>

#include "coco-admit/core/conditions.h"
#include "coco-admit/core/json.h"
#include "coco-admit/core/json_patch.h"
#include "coco-admit/core/match.h"
#include "coco-admit/core/pattern.h"
#include "coco-admit/core/strategic_merge.h"
#include "coco-admit/core/value_view.h"
#include "coco-admit/core/variables.h"
#include "coco-admit/core/wildcard.h"
#include "coco-admit/core/yaml.h"
#include "engine/images.h"
#include "memo.h"

namespace coco_admit {

const char* rule_status_name(rule_status s) {
  switch (s) {
    case rule_status::pass: return "pass";
    case rule_status::fail: return "fail";
    case rule_status::warn: return "warn";
    case rule_status::error: return "error";
    case rule_status::skip: return "skip";
  }
  return "unknown";
}

engine_request engine_request::from_object(value object, std::string operation) {
  engine_request r;
  r.operation = std::move(operation);
  auto str = [](const value* v) {
    return v != nullptr && v->is_string() ? std::string(v->as_string_view()) : std::string();
  };
  const value* md = object.find("metadata");
  r.ns = str(md != nullptr ? md->find("namespace") : nullptr);
  r.name = str(md != nullptr ? md->find("name") : nullptr);
  std::string api = str(object.find("apiVersion"));
  auto slash = api.find('/');
  r.kind_group = slash == std::string::npos ? "" : api.substr(0, slash);
  r.kind_version = slash == std::string::npos ? api : api.substr(slash + 1);
  r.kind = str(object.find("kind"));
  if (r.operation == "DELETE") r.old_object = std::move(object);
  else r.object = std::move(object);
  return r;
}

namespace engine {
namespace {

// Condition-anchor callback for strategic_merge::preprocess: Kyverno checks
// anchors in mutate overlays with the validate pattern matcher.
bool anchor_condition(const value& resource_value, const value& pattern_value, void*) {
  return pattern::match_status(resource_value, pattern_value) == pattern::status::pass;
}

// The text of a substituted value: a view of a string, else its JSON in `buf`.
std::string_view text_of(const value& v, std::string& buf) {
  if (v.is_string()) return v.as_string_view();
  buf = json::serialize(v);
  return buf;
}

/// Leaves nothing of `v` pointing into the request's parser (lazy levels converted, lazy strings copied), for a
/// value kept past the request.
void own_deeply(value& v) {
  switch (v.type()) {
    case value::kind::string: v.as_string(); break;
    case value::kind::array:
      for (auto& e : v.as_array()) own_deeply(e);
      break;
    case value::kind::object:
      for (auto& m : v.as_object()) own_deeply(m.val);
      break;
    default: break;
  }
}

// Roughly the serialised size of a value, without serialising it (bounds the
// context the way Kyverno's 2 MiB cap does).
std::size_t approximate_size(const value& v) {
  switch (v.type()) {
    case value::kind::string: return v.as_string().size() + 2;
    case value::kind::array: {
      std::size_t n = 2;
      for (const auto& e : v.as_array()) n += approximate_size(e) + 1;
      return n;
    }
    case value::kind::object: {
      std::size_t n = 2;
      for (const auto& m : v.as_object()) n += m.key.size() + 4 + approximate_size(m.val);
      return n;
    }
    default: return 8;
  }
}

struct rule_outcome {
  rule_status status = rule_status::skip;
  std::string message;
};

class evaluator {
 public:
  evaluator(const program& prog, engine_request req, const engine_environment& env)
      : prog_(prog), req_(std::move(req)), env_(env) {
    opts_.limits.max_steps = env.max_jmespath_steps;
    opts_.on_query = [this](std::string_view expression, const template_segment* segment) {
      on_query(expression, segment);
    };
    opts_.limits.max_result_bytes = env.max_context_bytes;
    build_context();
    lenient_opts_ = opts_;
    lenient_opts_.lenient = true;
    lenient_opts_.unavailable = &deferred_errors_;
    if (env.log_edits_patch) {
      edits_log_.emplace();
      // A pod's patch, initdata annotation included, usually fits: it is then written without being moved.
      edits_log_->ops.reserve(2048);
      edits_log_->pointer.reserve(256);  // the deepest pointer of a pod's edits, with room to spare
      edits_log_->ops = "[";  // closed in run(): the log is the patch, with no copy to bracket it
    }
  }

  engine_response run(rule_type type);

 private:
  value& request() { return member_at(ctx_, "request", request_at_); }
  /// The object under review (on DELETE, a copy of the old object).
  value& resource() { return member_at(request(), "object", object_at_); }
  /// obj.find(key), which must be there, tried first where it was found last: the context and the request rarely
  /// change shape, and every step of a rule asks for the resource (the request has a dozen keys before "object").
  static value& member_at(value& obj, std::string_view key, std::size_t& at) {
    value::object_t& members = obj.as_object();
    if (at < members.size() && members[at].key == key) return members[at].val;
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (members[i].key == key) {
        at = i;
        return members[i].val;
      }
    }
    return *obj.find(key);  // not there: as find() (a broken invariant, never met)
  }
  const value& old_object() { return *request().find("oldObject"); }

  void build_context();
  void build_facts(request_facts& f);
  void ensure_images();

  // One rule.
  rule_outcome run_rule(const policy& p, const rule& r);
  rule_outcome mutate_rule(const rule& r);
  rule_outcome validate_rule(const policy& p, const rule& r);

  // Building blocks.
  // Kyverno's context checkpoint/restore: entries, pending loads and load
  // errors added after a checkpoint disappear with it, and entries replaced
  // after it get their earlier values back.
  struct checkpoint {
    std::size_t members, pending, deferred, loads, shadowed;
  };
  checkpoint save() const {
    return {ctx_.as_object().size(), pending_.size(), deferred_errors_.size(), load_log_.size(), shadowed_.size()};
  }
  void restore_to(const checkpoint& c) {
    // Most rules add nothing to restore: skip the out-of-line resizes then.
    auto& members = ctx_.as_object();
    if (members.size() != c.members) members.resize(c.members);
    // Newest first, so an entry replaced twice ends with its oldest value.
    for (std::size_t i = shadowed_.size(); i-- > c.shadowed;) {
      if (shadowed_[i].first < members.size()) members[shadowed_[i].first].val = std::move(shadowed_[i].second);
    }
    if (shadowed_.size() != c.shadowed) shadowed_.resize(c.shadowed);
    // An entry registered before the checkpoint but first loaded after it
    // (a rule's entry first named inside a foreach element) lost its value
    // or its load error with the truncation above: it loads again when next
    // named, as Kyverno's rule context is still there for the next element.
    for (std::size_t i = load_log_.size(); i-- > c.loads;) {
      if (load_log_[i] < c.pending) pending_[load_log_[i]].loaded = false;
    }
    if (load_log_.size() != c.loads) load_log_.resize(c.loads);
    if (pending_.size() != c.pending) pending_.resize(c.pending);
    if (deferred_errors_.size() != c.deferred) deferred_errors_.resize(c.deferred);
    // Images built after the checkpoint went with it.
    if (images_ready_ && ctx_.find("images") == nullptr) images_ready_ = false;
  }

  status load_context(const std::vector<context_entry>& entries);
  status load_one(const context_entry& c);
  /// The key under which a variable with a memo plan is kept (context_memo_plan): false when this request or this
  /// moment does not allow keeping it (a request path holds an object, a foreach entry hides a ConfigMap's name).
  bool memo_key(const context_memo_plan& plan, std::string& key) const;
  /// Sets a context entry, keeping the value it replaces for restore_to.
  void set_entry(std::string_view name, value v);
  void on_query(std::string_view expression, const template_segment* segment);
  /// Whether the conditions hold. `message` gets the messages of the conditions that failed, but only when the
  /// answer is `message_when` (preconditions report them when false, deny conditions when true; nullopt: never):
  /// substituting a message costs a query, and Kyverno drops it otherwise. Messages swallow their errors and
  /// conditions change nothing, so substituting them after the conditions is the same as in between.
  result<bool> check_conditions(const condition_block& b, std::string& message, std::optional<bool> message_when);
  result<value> substitute(const tmpl& t) { return variables::substitute(t, opts_); }
  /// For results that are only read: a template without variables is not copied.
  result<const value*> substitute_ref(const tmpl& t, value& storage) {
    return variables::substitute_ref(t, opts_, storage);
  }
  std::string error_text(const error& e);

  // Mutation.
  void note_original() {
    if (env_.keep_original && !original_) original_ = resource();
  }
  /// The resource's census, taken when what is asked is not known.
  std::size_t resource_nodes() {
    if (!resource_nodes_) take_census();
    return *resource_nodes_;
  }
  bool resource_clean() {
    if (!resource_clean_) resource_clean_ = strategic_merge::is_clean(resource());
    return *resource_clean_;
  }
  void take_census() {
    const strategic_merge::census c = strategic_merge::take_census(resource());
    resource_nodes_ = c.nodes;
    resource_clean_ = c.clean;
  }
  /// Every change of the resource goes through here (a merge through apply_psm, which knows better).
  void resource_changed() {
    facts_stale_ = true;
    resource_nodes_.reset();
    resource_clean_.reset();
    edits_log_.reset();  // a change the log does not know of (apply_map_edits keeps its own)
  }
  result<bool> apply_psm(value overlay, std::string& skip_reason);
  /// The rule's overlay as map edits (map_overlay.h): whether the resource changed, or nullopt when the overlay
  /// must go the general way (nothing changed then). An error is a variable's.
  result<std::optional<bool>> apply_map_edits(const map_overlay& edits);
  result<bool> apply_json6902(const value& text);
  result<value> foreach_elements(const foreach_block& f);
  result<rule_outcome> mutate_foreach(const std::vector<foreach_block>& list, int nesting);

  // Validation.
  /// `target` null: the current element of foreach level `element_level`.
  rule_outcome validate_body_on(const rule& r, const value* target, std::size_t element_level,
                                const std::optional<validate_pattern>& pattern,
                                const std::vector<validate_pattern>& any_pattern,
                                const std::optional<condition_block>& deny);
  rule_outcome validate_foreach(const rule& r, const std::vector<foreach_block>& list, int nesting);
  /// A validate rule's pass, with its message only when one is wanted (pass_messages_); any_pattern is the
  /// passing alternative of an anyPattern, or npos.
  rule_outcome passed(const rule& r, std::size_t any_pattern = npos) const;
  std::string build_error_message(const rule& r, const std::string& detail, const std::string& path);
  void set_element(value& element, std::size_t index, int nesting, bool copy);
  void park_element();
  const value& element_of(std::size_t level);
  bool must_copy_elements(const foreach_block& f) const;
  void add_numbered_elements(std::string_view expression, const template_segment* segment);
  /// The current element of each foreach level, for the numbered names.
  /// `home` is its place in the level's own (copied) list; the element is
  /// moved from there into the context's `element` entry, not copied, and
  /// moved back home when a nested level takes the entry over.
  struct element_slot {
    value* home = nullptr;
    std::size_t index = 0;
  };
  /// Drops a foreach level's slot however the level is left, so no slot
  /// outlives the element list it points into.
  struct element_level {
    evaluator& e;
    std::size_t level;
    ~element_level() {
      if (e.element_slots_.size() > level) e.element_slots_.resize(level);
      if (e.element_in_context_ != npos && e.element_in_context_ >= level) e.element_in_context_ = npos;
    }
  };

  const program& prog_;
  engine_request req_;  ///< object and oldObject are moved into ctx_
  const engine_environment& env_;
  variables::options opts_;
  value ctx_;
  bool deleting_ = false;
  bool images_ready_ = false;
  /// Context entries that failed to load; an error only if a query needs them.
  std::vector<std::pair<std::string, std::string>> deferred_errors_;
  struct pending_entry {
    const context_entry* entry;
    bool loaded;
    bool name_is_run;  ///< is_identifier_run(entry->name): compiled expressions answer whether they name it
  };
  /// Context entries of the current rule (and foreach levels), loaded on first use.
  std::vector<pending_entry> pending_;
  /// Indices into pending_, in the order the entries were loaded (restore_to undoes the later ones).
  std::vector<std::uint32_t> load_log_;
  std::size_t context_bytes_ = 0;
  /// Set when an error of the current rule came from a bound (steps, sizes).
  bool budget_hit_ = false;
  /// Resource nodes merged over by foreach patchStrategicMerge elements so far, counted.
  std::size_t merge_work_ = 0;
  /// The same work of foreach lists whose check passed on a bound of the resource's size (census_bound): counted
  /// into merge_work_ only when a later check fails on the bounds. Each is elements x the census of that moment.
  struct bounded_work {
    std::size_t elements;
    strategic_merge::census_bound census;
    std::size_t parts_begin, parts_end;  ///< in bounded_parts_
  };
  std::vector<bounded_work> bounded_work_;
  std::vector<lazy_element> bounded_parts_;
  std::size_t bounded_work_upper_ = 0;  ///< sum of elements x census.upper()
  void count_bounded_work() {
    for (const bounded_work& w : bounded_work_) {
      merge_work_ += w.elements * strategic_merge::count_bounded(
                                       w.census, std::span<const lazy_element>(bounded_parts_).subspan(
                                                     w.parts_begin, w.parts_end - w.parts_begin));
    }
    bounded_work_.clear();
    bounded_parts_.clear();
    bounded_work_upper_ = 0;
  }
  /// Whether `elements` merges into the resource as it is keep within the foreach work budget, judged on an upper
  /// bound of the resource's size when its census is not known, and on bounds of the work before: the walk of every
  /// node is left for the rare list that comes near the budget. False means only that the bounds cannot tell.
  bool within_budget_by_bound(std::size_t elements);
  /// While a foreach mutate rule runs: the resource as the rule found it,
  /// kept by the first element that changes it, put back if the rule errors.
  bool in_foreach_rule_ = false;
  std::optional<value> foreach_backup_;
  /// The rule is one foreach merging one element: a failed merge leaves the
  /// resource as it was and nothing comes after it, so no backup is needed.
  bool foreach_single_merge_ = false;
  std::vector<element_slot> element_slots_;
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  /// The foreach level whose element the context's `element` entry holds
  /// (moved there from its home), or npos.
  std::size_t element_in_context_ = npos;
  /// The same options as opts_, for Kyverno's lenient condition resolver.
  variables::options lenient_opts_;
  /// The resource before the first patch, when the environment asks for it.
  std::optional<value> original_;
  /// The patch of every change so far, while all were map edits (engine_environment::log_edits_patch).
  std::optional<patch_log> edits_log_;
  std::vector<value> hole_values_;  ///< apply_map_edits' variables (not reentrant: substitution applies no edits)
  /// Context entries replaced by a later load (a foreach entry named like a rule entry): position and old value,
  /// put back by restore_to.
  std::vector<std::pair<std::size_t, value>> shadowed_;
  /// What is known of the resource as it is now (strategic_merge::census), so that a run of merges and foreach
  /// budgets walks it once rather than once each. Dropped by every change other than a clean merge.
  std::optional<std::size_t> resource_nodes_;
  std::optional<bool> resource_clean_;
  /// The resource changed since run() last took its facts (kind, name, namespace, labels, annotations, which also
  /// point into it): the rules must be selected again. A change known to leave them be does not set it.
  bool facts_stale_ = false;
  /// Where request() and resource() last found their keys (member_at).
  std::size_t request_at_ = 0;
  std::size_t object_at_ = 0;
  /// Whether the rule being run reports the message of a pass (engine_environment::pass_messages, or a policy that
  /// emits warnings); false inside a foreach, whose elements' passes are never reported.
  bool pass_messages_ = true;
};

void evaluator::build_context() {
  deleting_ = req_.operation == "DELETE";
  value request;
  if (req_.admission_request.is_object()) {
    request = std::move(req_.admission_request);
    req_.admission_request = value();
  } else {
    request = value::object();
    request.set("operation", value(req_.operation));
    if (!req_.ns.empty()) request.set("namespace", value(req_.ns));
    if (!req_.name.empty()) request.set("name", value(req_.name));
    value kind = value::object();
    kind.set("group", value(req_.kind_group));
    kind.set("version", value(req_.kind_version));
    kind.set("kind", value(req_.kind));
    request.set("kind", std::move(kind));
    if (!req_.user_info.is_null()) request.set("userInfo", req_.user_info);
    request.set("dryRun", value(req_.dry_run));
  }
  request.set("object", std::move(req_.object));
  request.set("oldObject", std::move(req_.old_object));
  if (deleting_) {
    // Kyverno rewrites request.object to request.oldObject in every
    // expression on DELETE; pointing object at the old object is the same.
    request.set("object", *request.find("oldObject"));
  }
  if (!req_.roles.empty() || !req_.cluster_roles.empty()) {
    value roles = value::array(), cluster_roles = value::array();
    for (const auto& r : req_.roles) roles.push_back(value(r));
    for (const auto& r : req_.cluster_roles) cluster_roles.push_back(value(r));
    request.set("roles", std::move(roles));
    request.set("clusterRoles", std::move(cluster_roles));
  }
  ctx_ = value::object();
  ctx_.as_object().reserve(32);
  // The username of a service account is system:serviceaccount:<ns>:<name>.
  // Read in place: the level is converted only if a policy reads it.
  const value* info = request.find("userInfo");
  value_view username;
  if (info != nullptr) (void)value_view(*info).find("username", username);
  const std::string_view user = username.string();
  constexpr std::string_view prefix = "system:serviceaccount:";
  if (user.substr(0, prefix.size()) == prefix) {
    std::string_view rest = user.substr(prefix.size());
    auto colon = rest.find(':');
    if (colon != std::string_view::npos) {
      ctx_.set("serviceAccountName", value(rest.substr(colon + 1)));
      ctx_.set("serviceAccountNamespace", value(rest.substr(0, colon)));
    }
  }
  ctx_.set("request", std::move(request));
  opts_.context = &ctx_;
}

// `images` is what Kyverno derives from the containers of the resource as the
// rule found it. Most rules never read it, so it is built on the first query
// that names it (the same textual test as deferred context entries) rather
// than before every rule and again after every mutation.
void evaluator::ensure_images() {
  if (images_ready_) return;
  images_ready_ = true;
  const value& source = in_foreach_rule_ && foreach_backup_ ? *foreach_backup_ : resource();
  value images = extract_images(source);
  if (!images.is_null()) ctx_.set("images", std::move(images));
  else ctx_.erase("images");
}

void evaluator::build_facts(request_facts& f) {
  const value& obj = resource();
  const value* md = obj.find("metadata");
  f.group = req_.kind_group;
  f.version = req_.kind_version;
  f.kind = req_.kind;
  f.subresource = req_.subresource;
  f.operation = req_.operation;
  f.object_kind = "";
  if (const value* k = obj.find("kind"); k != nullptr && k->is_string()) f.object_kind = k->as_string_view();
  f.labels = md != nullptr ? md->find("labels") : nullptr;
  f.annotations = md != nullptr ? md->find("annotations") : nullptr;
  static const std::string empty;
  const value* name = md != nullptr ? md->find("name") : nullptr;
  if (name == nullptr || !name->is_string() || name->as_string_view().empty()) {
    name = md != nullptr ? md->find("generateName") : nullptr;
  }
  f.name = name != nullptr && name->is_string() ? name->as_string_view() : std::string_view();
  const value* ns = md != nullptr ? md->find("namespace") : nullptr;
  f.ns = ns != nullptr && ns->is_string() ? ns->as_string_view() : std::string_view(req_.ns);
  if (f.object_kind == "Namespace") f.ns = f.name;
  f.namespace_labels = env_.cluster != nullptr ? env_.cluster->namespace_labels(f.ns) : nullptr;
  const value* user = request().find("userInfo");
  f.user_info = user != nullptr && user->is_object() ? user : nullptr;
  f.roles = &req_.roles;
  f.cluster_roles = &req_.cluster_roles;
}

// "validation rule '<name>'<detail> passed." in one allocation: every passing validate rule may report it.
std::string passed_message(std::string_view rule_name, std::string_view detail) {
  constexpr std::string_view head = "validation rule '", tail = " passed.";
  std::string m;
  m.reserve(head.size() + rule_name.size() + 1 + detail.size() + tail.size());
  m.append(head).append(rule_name).append("'").append(detail).append(tail);
  return m;
}

rule_outcome evaluator::passed(const rule& r, std::size_t any_pattern) const {
  if (!pass_messages_) return {rule_status::pass, {}};
  if (any_pattern == npos) return {rule_status::pass, passed_message(r.name, "")};
  return {rule_status::pass, passed_message(r.name, " anyPattern[" + std::to_string(any_pattern) + "]")};
}

// "mutated <kind>/<name>[ in namespace <ns>]" in one allocation, read in place: every passing mutate rule reports it.
std::string mutated_message(const value_view& resource) {
  value_view md, kind, name, ns;
  (void)resource.find("kind", kind);
  if (resource.find("metadata", md)) {
    (void)md.find("name", name);
    (void)md.find("namespace", ns);
  }
  constexpr std::string_view head = "mutated ", in_namespace = " in namespace ";
  const std::string_view k = kind.string(), n = name.string(), s = ns.string();
  std::string m;
  m.reserve(head.size() + k.size() + 1 + n.size() + (s.empty() ? 0 : in_namespace.size() + s.size()));
  m.append(head).append(k).append("/").append(n);
  if (!s.empty()) m.append(in_namespace).append(s);
  return m;
}

std::string evaluator::error_text(const error& e) {
  if (e.code == error::kind::budget) budget_hit_ = true;
  if (e.code == error::kind::not_found) {
    for (const auto& [name, why] : deferred_errors_) {
      if (e.message.find("\"" + name + "\"") != std::string::npos) return why;
    }
  }
  return e.message;
}

// Kyverno loads context entries lazily (deferred loading, on by default): an
// entry is registered here and loaded by `on_query` when an expression first
// names it, so a rule whose preconditions fail never touches its ConfigMaps.
status evaluator::load_context(const std::vector<context_entry>& entries) {
  for (const auto& c : entries) pending_.push_back({&c, false, is_identifier_run(c.name)});
  return {};
}

void evaluator::on_query(std::string_view expression, const template_segment* segment) {
  auto names = [&](std::string_view name, bool name_is_run) {
    return segment != nullptr ? segment->references(name, name_is_run)
                              : variables::references_identifier(expression, name);
  };
  if (!images_ready_ && names("images", true)) ensure_images();
  if (!element_slots_.empty() && expression.find("element") != std::string_view::npos) {
    add_numbered_elements(expression, segment);
  }
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    if (pending_[i].loaded || !names(pending_[i].entry->name, pending_[i].name_is_run)) continue;
    pending_[i].loaded = true;  // before loading: an entry may query earlier ones, never itself
    load_log_.push_back(static_cast<std::uint32_t>(i));
    const context_entry& c = *pending_[i].entry;
    status st = load_one(c);
    if (!st.ok()) {
      if (st.err().code == error::kind::budget) budget_hit_ = true;
      deferred_errors_.emplace_back(c.name, "failed to load context entry '" + c.name + "': " + st.err().message);
    }
  }
}

status evaluator::load_one(const context_entry& c) {
  if (c.from == context_entry::source::config_map) {
    value name_store, ns_store;
    auto name = substitute_ref(c.config_map_name, name_store);
    if (!name.ok()) return error::invalid("failed to substitute configMap name: " + error_text(name.err()));
    auto ns = substitute_ref(c.config_map_namespace, ns_store);
    if (!ns.ok()) return error::invalid("failed to substitute configMap namespace: " + error_text(ns.err()));
    std::string n_text, s_text;
    std::string_view n = text_of(**name, n_text);
    std::string_view s = (*ns)->is_null() ? std::string_view() : text_of(**ns, s_text);
    if (s.empty()) s = "default";
    const value* cm = env_.cluster != nullptr ? env_.cluster->config_map(s, n) : nullptr;
    if (cm == nullptr) return error::not_found("configmap " + std::string(s) + "/" + std::string(n) + " not found");
    value entry = value::object();
    if (const value* d = cm->find("data")) entry.set("data", *d);
    else entry.set("data", value::object());
    if (const value* md = cm->find("metadata")) entry.set("metadata", *md);
    set_entry(c.name, std::move(entry));
    return {};
  }
  // variable: value (optionally filtered by jmesPath), or jmesPath alone, else default.
  result<value> out = value();
  bool have = false;
  if (c.var_value) {
    out = substitute(*c.var_value);
    have = out.ok();
    if (have && c.var_jmespath) {
      value store;
      auto path = substitute_ref(*c.var_jmespath, store);
      if (!path.ok()) {
        out = std::move(path).err();
        have = false;
      } else {
        std::string text;
        out = jmespath::search(text_of(**path, text), *out, opts_.limits);
        have = out.ok();
      }
    }
  } else if (c.var_jmespath) {
    // Kept per thread: the values of variables that depend on nothing but ConfigMaps and a few request fields.
    thread_local memo<value> kept(1 << 20);
    thread_local std::string reused_key;
    const bool keep = c.memo && memo_key(*c.memo, reused_key);
    if (const value* hit = keep ? kept.find(reused_key) : nullptr) {
      out = *hit;
      have = true;
    } else {
      // Taken out of the reused string: the query below may load another kept variable (one its text names in a
      // string) and build that one's key there.
      std::string key = std::move(reused_key);
      value store;
      auto path = substitute_ref(*c.var_jmespath, store);
      if (!path.ok()) {
        out = std::move(path).err();
      } else {
        std::string text;
        out = variables::query(text_of(**path, text), opts_);
        have = out.ok();
        // Only what the expression gave (a failure or null goes on to `default`, which may read anything).
        if (keep && have && !out->is_null()) {
          value copy = *out;
          own_deeply(copy);
          const std::size_t bytes = approximate_size(copy);
          kept.put(key, std::move(copy), bytes);
        }
      }
      reused_key = std::move(key);
    }
  }
  if ((!have || out->is_null()) && c.var_default) {
    auto d = substitute(*c.var_default);
    if (!d.ok()) return error::invalid("failed to substitute default: " + error_text(d.err()));
    out = std::move(d).value();
    have = true;
  }
  if (!have) return error::invalid(error_text(out.err()));
  if (out->is_null()) return error::invalid("the value is null");
  context_bytes_ += approximate_size(*out);
  if (context_bytes_ > env_.max_context_bytes) {
    return error::budget("the rule context exceeds the size limit of " + std::to_string(env_.max_context_bytes) +
                         " bytes");
  }
  set_entry(c.name, std::move(out).value());
  return {};
}

bool evaluator::memo_key(const context_memo_plan& plan, std::string& key) const {
  if (env_.cluster == nullptr) return false;
  // The plan's names must mean now what they meant to the compiler: each ConfigMap name is one pending entry, a
  // ConfigMap (a foreach entry of the same name would hide it), and no entry is named `request`.
  for (const auto& p : pending_) {
    if (p.entry->name == "request") return false;
  }
  for (const auto& read : plan.config_maps) {
    std::size_t named = 0;
    for (const auto& p : pending_) {
      if (p.entry->name != read.entry) continue;
      if (p.entry->from != context_entry::source::config_map || ++named > 1) return false;
    }
    if (named != 1) return false;
  }
  // Everything the value depends on, each part length-prefixed: the cluster state, the bounds of the evaluation,
  // the expression, which ConfigMap each name reads, and what each request path resolves to.
  auto add_number = [&key](std::uint64_t n) { key.append(reinterpret_cast<const char*>(&n), sizeof n); };
  auto add = [&](std::string_view part) {
    add_number(part.size());
    key.append(part);
  };
  key.clear();
  add_number(env_.cluster->serial());
  add_number(opts_.limits.max_steps);
  add_number(opts_.limits.max_result_bytes);
  add_number(opts_.limits.max_depth);
  add(plan.expression);
  for (const auto& read : plan.config_maps) {
    add(read.entry);
    add(read.ns);
    add(read.name);
  }
  const value* request = ctx_.find("request");
  for (const auto& path : plan.request_paths) {
    const value* at = request;
    std::size_t depth = 0;
    for (; depth < path.size() && at != nullptr && at->is_object(); ++depth) at = at->find(path[depth]);
    if (at == nullptr) {
      key += 'm';  // missing at `depth`: not_found
      add_number(depth);
    } else if (depth < path.size()) {
      key += 'x';  // a field of a non-object is null, whatever the scalar
      add_number(depth);
    } else {
      switch (at->type()) {
        case value::kind::null: key += 'n'; break;
        case value::kind::boolean: key += at->as_bool() ? 't' : 'f'; break;
        case value::kind::integer:
          key += 'i';
          add_number(static_cast<std::uint64_t>(at->as_int()));
          break;
        case value::kind::number: {
          key += 'd';
          const double d = at->as_double();
          key.append(reinterpret_cast<const char*>(&d), sizeof d);
          break;
        }
        case value::kind::string:
          key += 's';
          add(at->as_string_view());
          break;
        default: return false;  // an object or array: not worth a key
      }
    }
  }
  return true;
}

void evaluator::set_entry(std::string_view name, value v) {
  auto& members = ctx_.as_object();
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (members[i].key == name) {
      shadowed_.emplace_back(i, std::move(members[i].val));
      members[i].val = std::move(v);
      return;
    }
  }
  members.emplace_back(std::string(name), std::move(v));
}

result<bool> evaluator::check_conditions(const condition_block& b, std::string& message,
                                         std::optional<bool> message_when) {
  message.clear();
  if (!b.present()) return true;
  std::vector<const condition*> failed;  // with a message, in the order they failed
  auto eval = [&](const condition& c) -> result<bool> {
    value key_store, val_store;
    auto key = variables::substitute_ref(c.key, lenient_opts_, key_store);
    if (!key.ok()) return error::invalid("failed to substitute variables in condition key: " + error_text(key.err()));
    auto val = variables::substitute_ref(c.val, lenient_opts_, val_store);
    if (!val.ok()) return error::invalid("failed to substitute variables in condition value: " + error_text(val.err()));
    return conditions::evaluate(c.oper, **key, **val);
  };
  auto msg_of = [&](const condition& c) {
    if (c.message) failed.push_back(&c);
  };
  bool any_result = true;
  if (b.has_any) {
    any_result = false;
    for (const auto& c : b.any) {
      auto r = eval(c);
      if (!r.ok()) return std::move(r).err();
      if (*r) {
        any_result = true;
        break;
      }
      msg_of(c);
    }
  }
  bool all_result = true;
  if (any_result && b.has_all) {
    for (const auto& c : b.all) {
      auto r = eval(c);
      if (!r.ok()) return std::move(r).err();
      if (!*r) {
        msg_of(c);
        all_result = false;
        break;
      }
    }
  }
  const bool holds = any_result && all_result;
  if (message_when != holds) return holds;
  for (const condition* c : failed) {
    value store;
    auto m = substitute_ref(*c->message, store);
    std::string text = variables::to_text(m.ok() ? **m : c->message->raw);
    if (text.empty()) continue;
    if (!message.empty()) message += "; ";
    message += text;
  }
  return holds;
}

result<std::optional<bool>> evaluator::apply_map_edits(const map_overlay& edits) {
  // Substitution of the whole overlay would evaluate every variable before the merge, in this order: so do the
  // holes, and the first error is the same.
  std::vector<value>& holes = hole_values_;  // its capacity serves every rule of the review
  holes.clear();
  for (const map_overlay::hole& h : edits.holes) {
    auto v = variables::substitute_string(*h.text, h.path, opts_);
    if (!v.ok()) return std::move(v).err();
    holes.push_back(std::move(v).value());
  }
  // The same backups apply_psm takes, before the resource can change.
  note_original();
  if (in_foreach_rule_ && !foreach_backup_ && !foreach_single_merge_) foreach_backup_ = resource();
  std::optional<patch_log> log = std::move(edits_log_);
  const std::size_t root_keys = resource().size();
  const std::optional<map_edit_outcome> done = apply_map_overlay(edits, holes, resource(), log ? &*log : nullptr);
  if (done && done->changed) {
    const std::optional<std::size_t> nodes = resource_nodes_;
    const bool facts_were_stale = facts_stale_;
    resource_changed();
    // Edits below the root's other keys leave the metadata, the kind and the members that hold them where they
    // were (a key added at the root could move them).
    if (!edits.touches_facts && resource().size() == root_keys) facts_stale_ = facts_were_stale;
    resource_clean_ = true;  // it was, and no value set holds a null
    // The edits count what they add and replace: a foreach's budget after them need not walk the resource again.
    if (nodes) resource_nodes_ = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(*nodes) + done->node_change);
  }
  if (log && !log->reordered) edits_log_ = std::move(log);  // else the review's patch is a diff
  if (!done) return std::optional<bool>();
  return std::optional<bool>(done->changed);
}

result<bool> evaluator::apply_psm(value overlay, std::string& skip_reason) {
  value& res = resource();
  auto pre = strategic_merge::preprocess(res, std::move(overlay), strategic_merge::matcher{&anchor_condition, nullptr});
  if (!pre.ok()) return std::move(pre).err();
  if (pre->skip) {
    skip_reason = pre->skip_reason;
    return false;
  }
  // The merge edits the resource in place, so the rule's one backup is taken before it. A merge that changes
  // nothing leaves the resource as it was, so the backup is then just an early copy of the same state.
  note_original();
  if (in_foreach_rule_ && !foreach_backup_ && !foreach_single_merge_) foreach_backup_ = res;
  const bool clean = resource_clean();
  auto changed = strategic_merge::merge_in_place(
      res, pre->overlay, clean ? strategic_merge::resource_state::clean : strategic_merge::resource_state::unknown);
  if (changed.ok() && *changed) {
    resource_changed();
    // A dirty resource may have lost its nulls in the merge: only a clean one is known to stay clean.
    if (clean && strategic_merge::is_clean(pre->overlay)) resource_clean_ = true;
  }
  return changed;
}

result<bool> evaluator::apply_json6902(const value& text) {
  value ops_doc;
  if (text.is_string()) {
    auto docs = yaml::parse_one(text.as_string(), "patchesJson6902");
    if (!docs.ok()) return error::invalid("invalid patchesJson6902: " + docs.err().message);
    ops_doc = std::move(docs->root);
  } else {
    ops_doc = text;
  }
  auto ops = json_patch::parse(ops_doc);
  if (!ops.ok()) return error::invalid("invalid patchesJson6902: " + ops.err().message);
  note_original();
  value& res = resource();
  resource_changed();
  if (in_foreach_rule_) {
    // In place, so that a foreach of many small patches stays linear; the
    // rule's one copy restores the resource if a later element errors.
    if (!foreach_backup_) foreach_backup_ = res;
    bool changed = false;
    if (status st = json_patch::apply_in_place(res, *ops, &changed); !st.ok()) return std::move(st).err();
    return changed;
  }
  auto patched = json_patch::apply(res, *ops);
  if (!patched.ok()) return std::move(patched).err();
  if (*patched == res) return false;
  res = std::move(patched).value();
  return true;
}

// `element` and `elementIndex` are set for every element. The numbered names
// (`element0`, `elementIndex1`, ...) that Kyverno also sets are rarely read,
// so they are added by `on_query` when an expression names them: a deep copy
// of each element saved.
//
// `element` is moved from the level's list (a copy the loop owns) into the
// context rather than copied, unless `copy` (see must_copy_elements).
void evaluator::set_element(value& element, std::size_t index, int nesting, bool copy) {
  park_element();
  const auto level = static_cast<std::size_t>(nesting);
  if (copy) {
    ctx_.set("element", element);
  } else {
    ctx_.set("element", std::move(element));
    element_in_context_ = level;
  }
  ctx_.set("elementIndex", value(static_cast<long long>(index)));
  if (element_slots_.size() <= level) element_slots_.resize(level + 1);
  element_slots_[level] = element_slot{&element, index};
}

// Moves the element the context holds back to its home in its level's list,
// before a nested level replaces the context's `element` entry with its own.
void evaluator::park_element() {
  if (element_in_context_ == npos) return;
  const std::size_t level = element_in_context_;
  element_in_context_ = npos;
  if (level >= element_slots_.size() || element_slots_[level].home == nullptr) return;
  if (value* current = ctx_.find("element")) *element_slots_[level].home = std::move(*current);
}

const value& evaluator::element_of(std::size_t level) {
  static const value none;
  if (level == element_in_context_) {
    if (const value* current = ctx_.find("element")) return *current;
  }
  if (level < element_slots_.size() && element_slots_[level].home != nullptr) return *element_slots_[level].home;
  return none;
}

// Moving an element into the context is only equivalent to copying it when
// nothing but set_element writes the `element` entry while the loop runs: a
// context entry of that name (a rule's, or any foreach level's) would replace
// it, and the moved element would be lost to `element0` and to the pattern
// target. Such policies keep the copies.
bool evaluator::must_copy_elements(const foreach_block& f) const {
  for (const pending_entry& p : pending_) {
    if (p.entry->name == "element") return true;
  }
  auto names_element = [](const foreach_block& b, auto& self) -> bool {
    for (const context_entry& c : b.context) {
      if (c.name == "element") return true;
    }
    for (const foreach_block& n : b.nested) {
      if (self(n, self)) return true;
    }
    return false;
  };
  return names_element(f, names_element);
}

void evaluator::add_numbered_elements(std::string_view expression, const template_segment* segment) {
  auto names = [&](std::string_view name) {  // "element<N>" and "elementIndex<N>" are identifier runs
    return segment != nullptr ? segment->references(name, true) : variables::references_identifier(expression, name);
  };
  for (std::size_t level = 0; level < element_slots_.size(); ++level) {
    const element_slot& slot = element_slots_[level];
    if (slot.home == nullptr) continue;
    std::string name = "element" + std::to_string(level);
    if (names(name) && ctx_.find(name) == nullptr) {
      ctx_.set(name, value(element_of(level)));
    }
    name = "elementIndex" + std::to_string(level);
    if (names(name) && ctx_.find(name) == nullptr) {
      ctx_.set(name, value(static_cast<long long>(slot.index)));
    }
  }
}

// The elements of a foreach: its `list` (a JMESPath expression, which may
// itself hold variables) evaluated on the context, a non-list result wrapped
// as one element, and the element cap enforced.
result<value> evaluator::foreach_elements(const foreach_block& f) {
  result<value> elements = value();
  if (f.list_template.has_variables) {
    auto text = substitute(f.list_template);
    if (!text.ok()) return error::invalid(error_text(text.err()));
    std::string buf;
    elements = variables::query(text_of(*text, buf), opts_);
  } else if (f.list_query) {
    elements = variables::query(*f.list_query, opts_);
  } else {
    elements = variables::query(f.list, opts_);
  }
  if (!elements.ok()) return error::invalid(error_text(elements.err()));
  value items = std::move(elements).value();
  if (!items.is_array()) {
    value wrapped = value::array();
    wrapped.push_back(std::move(items));
    items = std::move(wrapped);
  }
  if (items.size() > env_.max_foreach_elements) {
    budget_hit_ = true;
    return error::budget("foreach list " + f.list + " has " + std::to_string(items.size()) +
                         " elements, over the limit of " + std::to_string(env_.max_foreach_elements));
  }
  return items;
}

bool evaluator::within_budget_by_bound(std::size_t elements) {
  if (bounded_parts_.capacity() == 0) bounded_parts_.reserve(32);  // a pod's levels converted so far, roughly
  const std::size_t parts_begin = bounded_parts_.size();
  // A census already taken is its own bound.
  const strategic_merge::census_bound census = resource_nodes_
                                                   ? strategic_merge::census_bound{*resource_nodes_, 0}
                                                   : strategic_merge::bound_census(resource(), bounded_parts_);
  const std::size_t upper = census.upper();
  const std::size_t spent = merge_work_ + bounded_work_upper_;
  const std::size_t left = env_.max_foreach_merge_work - std::min(spent, env_.max_foreach_merge_work);
  if (upper > left || elements > left / upper) {
    bounded_parts_.resize(parts_begin);
    return false;
  }
  bounded_work_upper_ += elements * upper;
  bounded_work_.push_back(bounded_work{elements, census, parts_begin, bounded_parts_.size()});
  return true;
}

result<rule_outcome> evaluator::mutate_foreach(const std::vector<foreach_block>& list, int nesting) {
  bool changed_any = false;
  for (const auto& f : list) {
    auto elements = foreach_elements(f);
    if (!elements.ok()) {
      if (elements.err().code == error::kind::budget) return rule_outcome{rule_status::error, elements.err().message};
      return rule_outcome{rule_status::error, "failed to evaluate list " + f.list + ": " + elements.err().message};
    }
    value items = std::move(elements).value();
    element_level slots{*this, static_cast<std::size_t>(nesting)};
    if (f.patch_strategic_merge) {
      // Checked before any work: the cost is known up front.
      std::size_t applied = 0;
      for (const value& e : items.as_array()) applied += e.is_null() ? 0 : 1;
      if (applied > 0 && !within_budget_by_bound(applied)) {
        count_bounded_work();
        const std::size_t left = env_.max_foreach_merge_work - std::min(merge_work_, env_.max_foreach_merge_work);
        const std::size_t nodes = resource_nodes();
        if (nodes > left || applied > left / nodes) {
          budget_hit_ = true;
          const std::string size = nodes > env_.max_foreach_merge_work
                                       ? "more than " + std::to_string(env_.max_foreach_merge_work)
                                       : std::to_string(nodes);
          return rule_outcome{rule_status::error, "foreach list " + f.list + ": patchStrategicMerge on " +
                                                      std::to_string(applied) + " elements of a resource of " + size +
                                                      " nodes exceeds the work limit of " +
                                                      std::to_string(env_.max_foreach_merge_work) +
                                                      " (elements x nodes)"};
        }
        merge_work_ += applied * nodes;
      }
      foreach_single_merge_ = nesting == 0 && list.size() == 1 && f.nested.empty() && applied == 1;
    }
    bool descending = f.patch_strategic_merge.has_value();
    if (f.ord != foreach_block::order::unset) descending = f.ord == foreach_block::order::descending;
    auto& arr = items.as_array();
    std::size_t n = arr.size();
    const bool copy = must_copy_elements(f);
    checkpoint mark = save();
    for (std::size_t k = 0; k < n; ++k) {
      std::size_t index = descending ? n - 1 - k : k;
      value& element = arr[index];
      if (element.is_null()) continue;
      set_element(element, index, nesting, copy);
      status loaded = load_context(f.context);
      if (!loaded.ok()) {
        restore_to(mark);
        return rule_outcome{rule_status::error, "failed to load to mutate.foreach[" + std::to_string(index) +
                                                    "].context: " + error_text(loaded.err())};
      }
      std::string msg;
      auto pre = check_conditions(f.preconditions, msg, std::nullopt);
      if (!pre.ok()) {
        restore_to(mark);
        return rule_outcome{rule_status::error, "failed to evaluate mutate.foreach[" + std::to_string(index) +
                                                    "].preconditions: " + error_text(pre.err())};
      }
      if (!*pre) {
        restore_to(mark);
        continue;
      }
      if (!f.nested.empty()) {
        auto nested = mutate_foreach(f.nested, nesting + 1);
        restore_to(mark);
        if (!nested.ok()) return std::move(nested).err();
        if (nested->status == rule_status::error || nested->status == rule_status::fail) return nested;
        if (nested->status == rule_status::pass) changed_any = true;
        continue;
      }
      result<bool> changed = false;
      std::optional<bool> edited;
      if (f.patch_strategic_merge && f.map_edits && env_.map_edits && resource_clean()) {
        auto e = apply_map_edits(*f.map_edits);
        if (!e.ok()) {
          restore_to(mark);
          return rule_outcome{rule_status::error, "variable substitution failed: " + error_text(e.err())};
        }
        edited = *e;
      }
      if (edited) {
        changed = *edited;
      } else if (f.patch_strategic_merge) {
        auto overlay = substitute(*f.patch_strategic_merge);
        if (!overlay.ok()) {
          restore_to(mark);
          return rule_outcome{rule_status::error, "variable substitution failed: " + error_text(overlay.err())};
        }
        std::string skip;
        changed = apply_psm(std::move(*overlay), skip);
      } else if (f.patches_json6902) {
        auto text = substitute(*f.patches_json6902);
        if (!text.ok()) {
          restore_to(mark);
          return rule_outcome{rule_status::error, "variable substitution failed: " + error_text(text.err())};
        }
        changed = apply_json6902(*text);
      }
      restore_to(mark);
      if (!changed.ok()) return rule_outcome{rule_status::error, "failed to patch resource: " + error_text(changed.err())};
      if (*changed) changed_any = true;
    }
    // The element variables belong to this foreach only.
    ctx_.erase("element");
    ctx_.erase("elementIndex");
    ctx_.erase("element" + std::to_string(nesting));
    ctx_.erase("elementIndex" + std::to_string(nesting));
  }
  if (!changed_any) return rule_outcome{rule_status::skip, "no patches applied"};
  return rule_outcome{rule_status::pass, ""};
}

rule_outcome evaluator::mutate_rule(const rule& r) {
  if (!r.mutate.foreach.empty()) {
    // A rule that fails part way leaves the resource as it found it.
    in_foreach_rule_ = true;
    foreach_single_merge_ = false;
    foreach_backup_.reset();
    auto out = mutate_foreach(r.mutate.foreach, 0);
    in_foreach_rule_ = false;
    foreach_single_merge_ = false;
    const bool failed = !out.ok() || out->status == rule_status::error || out->status == rule_status::fail;
    if (failed && foreach_backup_) {
      resource() = std::move(*foreach_backup_);
      resource_changed();
    }
    foreach_backup_.reset();
    if (!out.ok()) return {rule_status::error, error_text(out.err())};
    return *out;
  }
  if (r.mutate.patch_strategic_merge) {
    if (r.mutate.map_edits && env_.map_edits && resource_clean()) {
      auto edited = apply_map_edits(*r.mutate.map_edits);
      if (!edited.ok()) return {rule_status::error, "variable substitution failed: " + error_text(edited.err())};
      if (*edited) {
        if (!**edited) return {rule_status::skip, "no patches applied"};
        return {rule_status::pass, ""};
      }
    }
    auto overlay = substitute(*r.mutate.patch_strategic_merge);
    if (!overlay.ok()) return {rule_status::error, "variable substitution failed: " + error_text(overlay.err())};
    std::string skip;
    auto changed = apply_psm(std::move(*overlay), skip);
    if (!changed.ok()) return {rule_status::error, "failed to patch resource: " + error_text(changed.err())};
    if (!*changed) return {rule_status::skip, "no patches applied"};
    return {rule_status::pass, ""};
  }
  if (r.mutate.patches_json6902) {
    auto text = substitute(*r.mutate.patches_json6902);
    if (!text.ok()) return {rule_status::error, "variable substitution failed: " + error_text(text.err())};
    auto changed = apply_json6902(*text);
    if (!changed.ok()) return {rule_status::error, "failed to patch resource: " + error_text(changed.err())};
    if (!*changed) return {rule_status::skip, "no patches applied"};
    return {rule_status::pass, ""};
  }
  return {rule_status::error, "empty mutate rule"};
}

std::string evaluator::build_error_message(const rule& r, const std::string& detail, const std::string& path) {
  if (!r.validate.message) {
    if (!path.empty()) return "validation error: rule " + r.name + " failed at path " + path;
    return "validation error: rule " + r.name + " execution error: " + detail;
  }
  value store;
  auto m = substitute_ref(*r.validate.message, store);
  if (!m.ok()) {
    return "validation error: variables substitution error in rule " + r.name + " execution error: " + detail;
  }
  std::string msg = variables::to_text(**m);
  if (msg.empty() || msg.back() != '.') msg += ".";
  if (!path.empty()) return "validation error: " + msg + " rule " + r.name + " failed at path " + path;
  return "validation error: " + msg + " rule " + r.name + " execution error: " + detail;
}

rule_outcome evaluator::validate_body_on(const rule& r, const value* target, std::size_t element_level,
                                         const std::optional<validate_pattern>& pattern,
                                         const std::vector<validate_pattern>& any_pattern,
                                         const std::optional<condition_block>& deny) {
  // Substitution may grow the context, which moves a foreach element that
  // lives there: the target is looked up only when it is matched.
  auto target_now = [&]() -> const value& { return target != nullptr ? *target : element_of(element_level); };
  // A pattern without variables or references is matched as compiled.
  auto pattern_of = [&](const tmpl& t, value& store) -> result<const value*> {
    if (!t.has_references) return variables::substitute_ref(t, opts_, store);
    auto p = substitute(t);
    if (!p.ok()) return std::move(p).err();
    store = std::move(p).value();
    return &store;
  };
  if (deny) {
    std::string msg;
    auto d = check_conditions(*deny, msg, true);
    if (!d.ok()) return {rule_status::error, "failed to check deny conditions: " + error_text(d.err())};
    if (!*d) return passed(r);
    std::string text;
    if (r.validate.message) {
      value store;
      auto m = substitute_ref(*r.validate.message, store);
      text = m.ok() ? ((*m)->is_string() ? (*m)->as_string()
                                         : std::string("the produced message didn't resolve to a string, check your "
                                                       "policy definition."))
                    : variables::to_text(r.validate.message->raw);
    }
    if (!msg.empty()) text += (text.empty() ? "" : "; ") + msg;
    if (text.empty()) text = "validation error: rule " + r.name + " failed";
    return {rule_status::fail, text};
  }
  if (pattern) {
    value store;
    auto p = pattern_of(*pattern, store);
    if (!p.ok()) return {rule_status::error, "variable substitution failed: " + error_text(p.err())};
    if (pattern->has_references) {
      status refs = pattern::resolve_references(store);
      if (!refs.ok()) return {rule_status::error, "failed to resolve references: " + error_text(refs.err())};
    }
    // Most patterns pass: their walk builds no texts, and a failure walks again for them.
    if (pattern::match_status(target_now(), **p, pattern->ahead.get()) == pattern::status::pass) {
      return passed(r);
    }
    auto m = pattern::match(target_now(), **p, pattern->ahead.get());
    switch (m.st) {
      case pattern::status::pass: return passed(r);
      case pattern::status::skip: return {rule_status::skip, m.reason};
      case pattern::status::fail:
        if (m.path.empty()) return {rule_status::error, build_error_message(r, m.reason, "")};
        return {rule_status::fail, build_error_message(r, m.reason, m.path)};
    }
  }
  if (!any_pattern.empty()) {
    // The alternatives are walked without texts first: one usually passes, and the others' failures are then
    // never reported. When none passes, each is walked again for its text.
    std::vector<value> stores(any_pattern.size());
    std::vector<const value*> patterns(any_pattern.size());
    for (std::size_t i = 0; i < any_pattern.size(); ++i) {
      auto p = pattern_of(any_pattern[i], stores[i]);
      if (!p.ok()) return {rule_status::error, "variable substitution failed: " + error_text(p.err())};
      if (any_pattern[i].has_references) {
        status refs = pattern::resolve_references(stores[i]);
        if (!refs.ok()) return {rule_status::error, "failed to resolve references: " + error_text(refs.err())};
      }
      patterns[i] = *p;
      if (pattern::match_status(target_now(), *patterns[i], any_pattern[i].ahead.get()) == pattern::status::pass) {
        return passed(r, i);
      }
    }
    std::vector<std::string> failed, skipped;
    for (std::size_t i = 0; i < any_pattern.size(); ++i) {
      auto m = pattern::match(target_now(), *patterns[i], any_pattern[i].ahead.get());
      if (m.st == pattern::status::pass) {
        return passed(r, i);
      }
      std::string idx = r.name + "[" + std::to_string(i) + "]";
      if (m.st == pattern::status::skip) {
        skipped.push_back("rule " + idx + " skipped: " + m.reason);
      } else if (m.path.empty()) {
        failed.push_back("rule " + idx + " failed: " + m.reason);
      } else {
        failed.push_back("rule " + idx + " failed at path " + m.path);
      }
    }
    auto join = [](const std::vector<std::string>& v) {
      std::string s;
      for (std::size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + v[i];
      return s;
    };
    if (!skipped.empty() && failed.empty()) return {rule_status::skip, join(skipped)};
    std::string errs = join(failed);
    if (!r.validate.message) return {rule_status::fail, "validation error: " + errs};
    value store;
    auto m = substitute_ref(*r.validate.message, store);
    std::string msg = variables::to_text(m.ok() ? **m : r.validate.message->raw);
    if (!msg.empty() && msg.back() == '.') return {rule_status::fail, "validation error: " + msg + " " + errs};
    return {rule_status::fail, "validation error: " + msg + ". " + errs};
  }
  return {rule_status::pass, ""};
}

rule_outcome evaluator::validate_foreach(const rule& r, const std::vector<foreach_block>& list, int nesting) {
  struct quiet_passes {
    bool& flag;
    bool was = flag;
    ~quiet_passes() { flag = was; }
  } quiet{pass_messages_};
  pass_messages_ = false;
  std::size_t apply_count = 0;
  for (const auto& f : list) {
    auto elements = foreach_elements(f);
    if (!elements.ok()) {
      if (elements.err().code == error::kind::budget) return {rule_status::error, elements.err().message};
      continue;  // Kyverno: a list that cannot be evaluated skips this foreach
    }
    value items = std::move(elements).value();
    element_level slots{*this, static_cast<std::size_t>(nesting)};
    auto& arr = items.as_array();
    const bool copy = must_copy_elements(f);
    checkpoint mark = save();
    for (std::size_t index = 0; index < arr.size(); ++index) {
      value& element = arr[index];
      if (element.is_null()) continue;
      const bool is_map = element.is_object();
      set_element(element, index, nesting, copy);
      if (f.element_scope_set && f.element_scope && !is_map) {
        restore_to(mark);
        return {rule_status::error,
                "failed to process foreach: cannot use elementScope=true foreach rules for elements that are not maps"};
      }
      bool scoped = f.element_scope_set ? f.element_scope : is_map;
      rule_outcome res;
      status loaded = load_context(f.context);
      std::string msg;
      if (!loaded.ok()) {
        res = {rule_status::error, "failed to load context: " + error_text(loaded.err())};
      } else {
        auto pre = check_conditions(f.preconditions, msg, std::nullopt);
        if (!pre.ok()) {
          res = {rule_status::error, "failed to evaluate preconditions: " + error_text(pre.err())};
        } else if (!*pre) {
          res = {rule_status::skip, "preconditions not met"};
        } else if (!f.nested.empty()) {
          res = validate_foreach(r, f.nested, nesting + 1);
        } else {
          res = validate_body_on(r, scoped ? nullptr : &resource(), static_cast<std::size_t>(nesting), f.pattern,
                                 f.any_pattern, f.deny);
        }
      }
      restore_to(mark);
      if (res.status == rule_status::skip) continue;
      if (res.status != rule_status::pass) {
        if (res.status == rule_status::error) {
          if (index + 1 < arr.size()) continue;
          return {rule_status::error, "validation failure: " + res.message};
        }
        return {rule_status::fail, "validation failure: " + res.message};
      }
      ++apply_count;
    }
    ctx_.erase("element");
    ctx_.erase("elementIndex");
    ctx_.erase("element" + std::to_string(nesting));
    ctx_.erase("elementIndex" + std::to_string(nesting));
  }
  if (apply_count == 0) return {rule_status::skip, "rule skipped"};
  return {rule_status::pass, "rule passed"};
}

rule_outcome evaluator::validate_rule(const policy& p, const rule& r) {
  const validate_body& v = r.validate;
  if (v.deny) return validate_body_on(r, &resource(), npos, std::nullopt, {}, v.deny);
  if (v.pattern || !v.any_pattern.empty()) {
    if (req_.operation == "DELETE") return {rule_status::skip, "patterns are not checked on DELETE"};
    rule_outcome out = validate_body_on(r, &resource(), npos, v.pattern, v.any_pattern, std::nullopt);
    // Pre-existing violations on UPDATE are allowed when enforcing.
    if (out.status == rule_status::fail && req_.operation == "UPDATE" && v.allow_existing_violations &&
        effective_action(p, r, req_.ns) == failure_action::enforce && old_object().is_object()) {
      rule_outcome old = validate_body_on(r, &old_object(), npos, v.pattern, v.any_pattern, std::nullopt);
      if (old.status == rule_status::fail) return {rule_status::skip, "pre-existing violations are allowed"};
    }
    return out;
  }
  if (!v.foreach.empty()) return validate_foreach(r, v.foreach, 0);
  return {rule_status::error, "empty validate rule"};
}

rule_outcome evaluator::run_rule(const policy& p, const rule& r) {
  // The test runner's values may override fields of `images`, so they need
  // the real ones to land on; before the checkpoint, they outlive the rule.
  if (env_.override_context) ensure_images();
  checkpoint mark = save();
  context_bytes_ = 0;
  auto restore = [&] { restore_to(mark); };
  status loaded = load_context(r.context);
  if (!loaded.ok()) {
    restore();
    return {rule_status::error, "failed to load context: " + error_text(loaded.err())};
  }
  if (env_.override_context) env_.override_context(p, r, ctx_);
  std::string msg;
  auto pre = check_conditions(r.preconditions, msg, false);
  if (!pre.ok()) {
    restore();
    return {rule_status::error, "failed to evaluate preconditions: " + error_text(pre.err())};
  }
  if (!*pre) {
    restore();
    return {rule_status::skip, msg.empty() ? "preconditions not met" : "preconditions not met; " + msg};
  }
  pass_messages_ = env_.pass_messages || p.emit_warning;
  rule_outcome out = r.type == rule_type::mutate ? mutate_rule(r) : validate_rule(p, r);
  const bool mutated = r.type == rule_type::mutate && out.status == rule_status::pass;
  if (mutated && pass_messages_) out.message = mutated_message(value_view(resource()));
  restore();
  if (mutated && images_ready_) {
    // The next rule sees the images of the patched object; a stale entry
    // must not answer a query that reads `images` without naming it.
    ctx_.erase("images");
    images_ready_ = false;
  }
  return out;
}

bool in_subset(const policy& p, policy_subset s) {
  switch (s) {
    case policy_subset::all: return true;
    case policy_subset::fail_only: return p.on_error == failure_policy::fail;
    case policy_subset::ignore_only: return p.on_error == failure_policy::ignore;
  }
  return true;
}

engine_response evaluator::run(rule_type type) {
  engine_response out;
  request_facts facts;
  build_facts(facts);
  std::vector<rule_ref> scratch;
  auto select = [&] {
    return prog_.selector.select(
        selection_keys{req_.operation, req_.kind, facts.ns, facts.name, facts.labels, facts.annotations}, scratch);
  };
  std::span<const rule_ref> candidates = select();
  // After a mutation the facts point into a replaced resource, and the new
  // name, labels or annotations may pick other rules: select again and go
  // on with the first candidate after `done`, as Kyverno matches each rule
  // against the resource as patched so far.
  auto reselect_after = [&](rule_ref done) -> std::size_t {
    build_facts(facts);
    facts_stale_ = false;
    candidates = select();
    return static_cast<std::size_t>(std::upper_bound(candidates.begin(), candidates.end(), done) - candidates.begin());
  };
  std::size_t i = 0;
  while (i < candidates.size()) {
    const std::uint32_t pi = candidates[i].policy;
    const policy& p = prog_.policies[pi];
    const bool eligible = in_subset(p, env_.subset) && (!p.namespaced || p.ns == facts.ns);
    policy_response pr;
    pr.pol = &p;
    std::optional<value> before;  // for dropping a failed Ignore policy's changes
    std::size_t k = i;
    while (eligible && k < candidates.size() && candidates[k].policy == pi) {
      const rule_ref ref = candidates[k];
      const rule& r = p.rules[ref.rule];
      if (r.type != type || !rule_matches(r, facts)) {
        ++k;
        continue;
      }
      if (type == rule_type::mutate && env_.drop_failed_ignore_policies && p.on_error == failure_policy::ignore &&
          !before) {
        before = resource();
      }
      budget_hit_ = false;
      rule_outcome o = run_rule(p, r);
      k = facts_stale_ ? reselect_after(ref) : k + 1;
      if (o.status == rule_status::pass && type == rule_type::mutate) pr.changed = true;
      if (pr.rules.empty()) pr.rules.reserve(p.rules.size());  // one allocation per policy, not log2(rules)
      pr.rules.push_back(rule_response{r.name, r.type, o.status, std::move(o.message),
                                       o.status == rule_status::error && budget_hit_});
      if (p.apply == apply_rules::one && pr.rules.back().status == rule_status::pass) break;
    }
    bool failed = std::any_of(pr.rules.begin(), pr.rules.end(),
                              [](const rule_response& rr) { return rr.status == rule_status::error; });
    if (failed && before && p.on_error == failure_policy::ignore) {
      resource() = std::move(*before);  // the webhook drops an Ignore policy's patches on error
      resource_changed();
      pr.changed = false;
      k = reselect_after(rule_ref{pi, std::numeric_limits<std::uint32_t>::max()});
    }
    if (!pr.rules.empty()) {
      if (type == rule_type::mutate && env_.record_patched) pr.patched = resource();
      // At most one entry per remaining candidate rule: usually one allocation, not log2(policies).
      if (out.policies.empty()) out.policies.reserve(std::min<std::size_t>(candidates.size() - i, 32));
      out.policies.push_back(std::move(pr));
    }
    while (k < candidates.size() && candidates[k].policy == pi) ++k;  // ineligible, or applyRules: One
    i = k;
  }
  out.resource = std::move(resource());
  out.original = std::move(original_);
  if (edits_log_) {
    edits_log_->ops += ']';
    out.edits_patch = std::move(edits_log_->ops);
    out.edits_patch_ops = edits_log_->count;
  }
  return out;
}

}  // namespace

engine_response mutate(const program& prog, engine_request req, const engine_environment& env) {
  evaluator e(prog, std::move(req), env);
  return e.run(rule_type::mutate);
}

engine_response validate(const program& prog, engine_request req, const engine_environment& env) {
  evaluator e(prog, std::move(req), env);
  return e.run(rule_type::validate);
}

failure_action effective_action(const policy& p, const rule& r, std::string_view ns) {
  if (r.validate.action) return *r.validate.action;
  for (const auto& [action, namespaces] : p.action_overrides) {
    for (const auto& pattern : namespaces) {
      if (wildcard::match(pattern, ns)) return action;
    }
  }
  return p.action;
}

}  // namespace engine
}  // namespace coco_admit
