// Kyverno autogen (pkg/autogen/v1): Pod rules cloned for Pod controllers.
//
// Works on the raw rule documents before they are compiled, exactly like
// Kyverno, which rewrites the rule's JSON: kinds replaced by the controller
// kinds, patterns and overlays re-rooted under spec.template (or
// spec.jobTemplate.spec.template for CronJob), and every `request.object.spec`
// / `request.object.metadata` reference shifted to the pod template.
#include "autogen.h"

#include <algorithm>

namespace coco_admit::compiler {
namespace {

const std::vector<std::string> default_controllers = {"DaemonSet", "Deployment",          "Job",    "StatefulSet",
                                                      "ReplicaSet", "ReplicationController", "CronJob"};

std::string kind_part(const std::string& selector) {
  auto slash = selector.rfind('/');
  return slash == std::string::npos ? selector : selector.substr(slash + 1);
}

bool contains_kind(const value* kinds, std::string_view kind) {
  if (kinds == nullptr || !kinds->is_array()) return false;
  return std::any_of(kinds->as_array().begin(), kinds->as_array().end(),
                     [&](const value& k) { return k.is_string() && kind_part(k.as_string()) == kind; });
}

const value* resources_of(const value& filter) {
  const value* r = filter.find("resources");
  return r != nullptr && r->is_object() ? r : nullptr;
}

// checkAutogenSupport for one ResourceDescription.
bool description_supports_autogen(const value* d, bool& needed) {
  if (d == nullptr) return true;
  const value* kinds = d->find("kinds");
  auto set = [&](const char* k) {
    const value* v = d->find(k);
    return v != nullptr && !v->is_null() && !(v->is_string() && v->as_string().empty()) &&
           !((v->is_array() || v->is_object()) && v->size() == 0);
  };
  if (set("name") || set("names") || set("selector") || set("annotations")) return false;
  if (kinds != nullptr && kinds->is_array() && kinds->size() > 1 && contains_kind(kinds, "Pod")) return false;
  if (contains_kind(kinds, "Pod")) needed = true;
  return true;
}

bool block_supports_autogen(const value* block, bool& needed) {
  if (block == nullptr || !block->is_object()) return true;
  if (!description_supports_autogen(resources_of(*block), needed)) return false;
  for (const char* mode : {"any", "all"}) {
    const value* list = block->find(mode);
    if (list == nullptr || !list->is_array()) continue;
    for (const auto& f : list->as_array()) {
      if (!description_supports_autogen(resources_of(f), needed)) return false;
    }
  }
  return true;
}

value kinds_value(const std::vector<std::string>& kinds) {
  value out = value::array();
  for (const auto& k : kinds) out.push_back(value(k));
  return out;
}

// Replaces the kinds of every filter that names Pod.
void retarget(value* block, const std::vector<std::string>& kinds, bool is_exclude) {
  if (block == nullptr || !block->is_object()) return;
  bool had_list = false;
  for (const char* mode : {"any", "all"}) {
    value* list = block->find(mode);
    if (list == nullptr || !list->is_array() || list->size() == 0) continue;
    had_list = true;
    for (auto& f : list->as_array()) {
      value* r = f.find("resources");
      if (r != nullptr && contains_kind(r->find("kinds"), "Pod")) r->set("kinds", kinds_value(kinds));
    }
  }
  if (had_list) return;
  value* r = block->find("resources");
  if (r == nullptr || !r->is_object()) return;
  const value* k = r->find("kinds");
  if (is_exclude && (k == nullptr || k->size() == 0)) return;
  r->set("kinds", kinds_value(kinds));
}

bool rule_names_pod(const value& rule) {
  const value* match = rule.find("match");
  if (match == nullptr) return false;
  if (const value* r = match->find("resources"); r != nullptr && contains_kind(r->find("kinds"), "Pod")) return true;
  for (const char* mode : {"any", "all"}) {
    const value* list = match->find(mode);
    if (list == nullptr || !list->is_array()) continue;
    for (const auto& f : list->as_array()) {
      if (const value* r = f.find("resources"); r != nullptr && contains_kind(r->find("kinds"), "Pod")) return true;
    }
  }
  return false;
}

bool exclude_blocks_autogen(const value& rule) {
  // Kyverno skips a rule whose exclude names kinds but not Pod.
  const value* ex = rule.find("exclude");
  if (ex == nullptr) return false;
  std::vector<const value*> kind_lists;
  if (const value* r = ex->find("resources")) kind_lists.push_back(r->find("kinds"));
  for (const char* mode : {"any", "all"}) {
    const value* list = ex->find(mode);
    if (list == nullptr || !list->is_array()) continue;
    for (const auto& f : list->as_array()) {
      if (const value* r = f.find("resources")) kind_lists.push_back(r->find("kinds"));
    }
  }
  bool any_kinds = false, has_pod = false;
  for (const value* k : kind_lists) {
    if (k != nullptr && k->is_array() && k->size() > 0) {
      any_kinds = true;
      if (contains_kind(k, "Pod")) has_pod = true;
    }
  }
  return any_kinds && !has_pod;
}

value wrap(const value& inner, bool cronjob) {
  value tpl = value::object();
  if (cronjob) {
    value job_spec = value::object();
    job_spec.set("template", inner);
    value job_template = value::object();
    job_template.set("spec", std::move(job_spec));
    tpl.set("jobTemplate", std::move(job_template));
  } else {
    tpl.set("template", inner);
  }
  value out = value::object();
  out.set("spec", std::move(tpl));
  return out;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  std::size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
}

void shift_references(value& v, bool cronjob) {
  auto fix = [&](std::string& s) {
    if (s.find("request.") == std::string::npos) return;
    const char* spec = cronjob ? "request.object.spec.jobTemplate.spec.template.spec" : "request.object.spec.template.spec";
    const char* meta =
        cronjob ? "request.object.spec.jobTemplate.spec.template.metadata" : "request.object.spec.template.metadata";
    const char* old_spec =
        cronjob ? "request.oldObject.spec.jobTemplate.spec.template.spec" : "request.oldObject.spec.template.spec";
    const char* old_meta = cronjob ? "request.oldObject.spec.jobTemplate.spec.template.metadata"
                                   : "request.oldObject.spec.template.metadata";
    replace_all(s, "request.object.spec", spec);
    replace_all(s, "request.oldObject.spec", old_spec);
    replace_all(s, "request.object.metadata", meta);
    replace_all(s, "request.oldObject.metadata", old_meta);
  };
  switch (v.type()) {
    case value::kind::string: fix(v.as_string()); break;
    case value::kind::array:
      for (auto& e : v.as_array()) shift_references(e, cronjob);
      break;
    case value::kind::object:
      for (auto& m : v.as_object()) {
        fix(m.key);
        shift_references(m.val, cronjob);
      }
      break;
    default: break;
  }
}

std::optional<value> generate(const value& rule, const std::vector<std::string>& kinds, bool cronjob) {
  value out = rule;
  const value* name = rule.find("name");
  std::string base = name != nullptr && name->is_string() ? name->as_string() : std::string();
  out.set("name", value((cronjob ? "autogen-cronjob-" : "autogen-") + base));
  retarget(out.find("match"), kinds, false);
  retarget(out.find("exclude"), kinds, true);
  if (value* m = out.find("mutate"); m != nullptr && m->is_object()) {
    if (const value* psm = m->find("patchStrategicMerge")) {
      value wrapped = wrap(*psm, cronjob);
      value mutate = value::object();
      mutate.set("patchStrategicMerge", std::move(wrapped));
      out.set("mutate", std::move(mutate));
    } else if (const value* fe = m->find("foreach"); fe != nullptr && fe->is_array()) {
      value list = value::array();
      for (const auto& f : fe->as_array()) {
        value entry = value::object();
        for (const char* k : {"list", "context", "preconditions"}) {
          if (const value* x = f.find(k)) entry.set(k, *x);
        }
        if (const value* psm = f.find("patchStrategicMerge")) entry.set("patchStrategicMerge", wrap(*psm, cronjob));
        else return std::nullopt;  // Kyverno only autogens PSM foreach
        list.push_back(std::move(entry));
      }
      value mutate = value::object();
      mutate.set("foreach", std::move(list));
      out.set("mutate", std::move(mutate));
    } else {
      return std::nullopt;
    }
  } else if (value* v = out.find("validate"); v != nullptr && v->is_object()) {
    value validate = value::object();
    for (const char* k : {"message", "failureAction", "allowExistingViolations"}) {
      if (const value* x = v->find(k)) validate.set(k, *x);
    }
    if (const value* pattern = v->find("pattern")) {
      validate.set("pattern", wrap(*pattern, cronjob));
    } else if (const value* deny = v->find("deny")) {
      validate.set("deny", *deny);
    } else if (const value* any = v->find("anyPattern"); any != nullptr && any->is_array()) {
      value list = value::array();
      for (const auto& p : any->as_array()) list.push_back(wrap(p, cronjob));
      validate.set("anyPattern", std::move(list));
    } else if (const value* fe = v->find("foreach")) {
      validate.set("foreach", *fe);
    } else {
      return std::nullopt;
    }
    out.set("validate", std::move(validate));
  } else {
    return std::nullopt;
  }
  shift_references(out, cronjob);
  return out;
}

}  // namespace

result<std::vector<value>> autogen_rules(const value& policy) {
  std::vector<value> out;
  const value* spec = policy.find("spec");
  const value* rules = spec != nullptr ? spec->find("rules") : nullptr;
  if (rules == nullptr || !rules->is_array()) return out;

  // CanAutoGen: the whole policy must be eligible.
  bool needed = false;
  for (const auto& r : rules->as_array()) {
    if (const value* m = r.find("mutate"); m != nullptr && m->find("patchesJson6902") != nullptr) return out;
    if (!block_supports_autogen(r.find("match"), needed) || !block_supports_autogen(r.find("exclude"), needed)) {
      return out;
    }
  }
  if (!needed) return out;

  std::vector<std::string> controllers = default_controllers;
  const value* md = policy.find("metadata");
  const value* ann = md != nullptr ? md->find("annotations") : nullptr;
  const value* setting = ann != nullptr ? ann->find("pod-policies.kyverno.io/autogen-controllers") : nullptr;
  if (setting != nullptr && setting->is_string()) {
    std::string s = setting->as_string();
    if (s == "none") return out;
    if (s != "all") {
      controllers.clear();
      std::size_t pos = 0;
      while (pos <= s.size()) {
        std::size_t comma = s.find(',', pos);
        std::string c = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        c.erase(0, c.find_first_not_of(' '));
        c.erase(c.find_last_not_of(' ') + 1);
        if (std::find(default_controllers.begin(), default_controllers.end(), c) == default_controllers.end()) {
          return error::invalid("annotation pod-policies.kyverno.io/autogen-controllers: unknown controller '" + c +
                                "' (valid: none, all, DaemonSet, Deployment, Job, StatefulSet, ReplicaSet, "
                                "ReplicationController, CronJob)");
        }
        controllers.push_back(c);
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
    }
  }
  std::vector<std::string> non_cron;
  bool cron = false;
  for (const auto& c : controllers) {
    if (c == "CronJob") cron = true;
    else non_cron.push_back(c);
  }
  for (const auto& r : rules->as_array()) {
    const value* name = r.find("name");
    if (name != nullptr && name->is_string() && name->as_string().rfind("autogen-", 0) == 0) continue;
    if (!rule_names_pod(r) || exclude_blocks_autogen(r)) continue;
    if (!non_cron.empty()) {
      if (auto g = generate(r, non_cron, false)) out.push_back(std::move(*g));
    }
    if (cron) {
      if (auto g = generate(r, {"CronJob"}, true)) out.push_back(std::move(*g));
    }
  }
  return out;
}

}  // namespace coco_admit::compiler
