#include "engine/images.h"

#include <string>

#include "coco-admit/core/member_index.h"

namespace coco_admit {

value parse_image(std::string_view image) {
  std::string full(image);
  auto slash = full.find('/');
  std::string first = slash == std::string::npos ? std::string() : full.substr(0, slash);
  bool has_domain = slash != std::string::npos &&
                    (first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost");
  if (!has_domain) full = "docker.io/" + full;
  std::string digest;
  if (auto at = full.find('@'); at != std::string::npos) {
    digest = full.substr(at + 1);
    full.resize(at);
  }
  std::string tag;
  auto last_slash = full.rfind('/');
  auto colon = full.rfind(':');
  if (colon != std::string::npos && (last_slash == std::string::npos || colon > last_slash)) {
    tag = full.substr(colon + 1);
    full.resize(colon);
  }
  slash = full.find('/');
  std::string registry = full.substr(0, slash);
  std::string path = slash == std::string::npos ? std::string() : full.substr(slash + 1);
  std::string name = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  if (digest.empty() && tag.empty()) tag = "latest";
  value out = value::object();
  out.set("registry", value(registry));
  out.set("path", value(path));
  out.set("name", value(name));
  if (!tag.empty()) out.set("tag", value(tag));
  if (!digest.empty()) out.set("digest", value(digest));
  std::string base = registry + "/" + path;
  out.set("reference", value(digest.empty() ? base + ":" + tag : base + "@" + digest));
  if (!tag.empty()) out.set("referenceWithTag", value(base + ":" + tag));
  return out;
}

value extract_images(const value& object) {
  const value* kind = object.find("kind");
  if (kind == nullptr || !kind->is_string()) return value();
  const std::string& k = kind->as_string();
  const value* spec = object.find("spec");
  if (spec == nullptr) return value();
  if (k == "CronJob") {
    const value* jt = spec->find("jobTemplate");
    spec = jt != nullptr ? jt->find("spec") : nullptr;
    if (spec == nullptr) return value();
  }
  if (k != "Pod") {
    const value* tpl = spec->find("template");
    spec = tpl != nullptr ? tpl->find("spec") : nullptr;
    if (spec == nullptr) return value();
  }
  value out = value::object();
  for (const char* list : {"containers", "initContainers", "ephemeralContainers"}) {
    const value* cs = spec->find(list);
    if (cs == nullptr || !cs->is_array()) continue;
    object_builder by_name;  // a 3 MiB pod can list 80,000 containers
    for (const auto& c : cs->as_array()) {
      const value* name = c.find("name");
      const value* image = c.find("image");
      if (name == nullptr || image == nullptr || !name->is_string() || !image->is_string()) continue;
      by_name.set(name->as_string(), parse_image(image->as_string()));
    }
    value group = std::move(by_name).take();
    if (group.size() > 0) out.set(list, std::move(group));
  }
  return out.size() > 0 ? out : value();
}

}  // namespace coco_admit
