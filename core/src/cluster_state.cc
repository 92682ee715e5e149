#include "coco-admit/core/cluster_state.h"

#include <algorithm>
#include <atomic>
#include <filesystem>

#include "coco-admit/core/json.h"
#include "coco-admit/core/yaml.h"

namespace coco_admit {
namespace {

std::string string_at(const value& obj, std::string_view a, std::string_view b) {
  const value* x = obj.find(a);
  if (x == nullptr) return {};
  const value* y = x->find(b);
  return y != nullptr && y->is_string() ? y->as_string() : std::string();
}

}  // namespace

bool cluster_state::add(value object) {
  const value* kind = object.find("kind");
  if (kind == nullptr || !kind->is_string()) return false;
  const std::string& k = kind->as_string();
  if (k == "List" || k == "ClusterResource" || k == "ConfigMapList" || k == "NamespaceList") {
    // kind: List {items: [...]}, kyverno test ClusterResource {spec: {resources: [...]}}
    const value* items = object.find("items");
    if (items == nullptr) {
      if (const value* spec = object.find("spec")) items = spec->find("resources");
    }
    bool any = false;
    if (items != nullptr && items->is_array()) {
      for (const auto& item : items->as_array()) any = add(item) || any;
    }
    return any;
  }
  if (k == "ConfigMap") {
    std::string ns = string_at(object, "metadata", "namespace");
    if (ns.empty()) ns = "default";
    std::string name = string_at(object, "metadata", "name");
    config_maps_[{ns, name}] = std::move(object);
    serial_ = next_serial();
    return true;
  }
  if (k == "Namespace") {
    std::string name = string_at(object, "metadata", "name");
    value labels = value::object();
    if (const value* md = object.find("metadata")) {
      if (const value* l = md->find("labels"); l != nullptr && l->is_object()) labels = *l;
    }
    // Kubernetes sets this label on every namespace.
    labels.set("kubernetes.io/metadata.name", value(name));
    namespaces_[name] = std::move(labels);
    serial_ = next_serial();
    return true;
  }
  return false;
}

status cluster_state::add_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<std::string> files;
    for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::follow_directory_symlink, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      const auto& p = it->path();
      std::string name = p.filename().string();
      // Skip the kubelet's `..data`-style hidden entries; the visible links point at the same files.
      if (!name.empty() && name[0] == '.') {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      std::string ext = p.extension().string();
      if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) files.push_back(p.string());
    }
    if (ec) return error::invalid(path + ": " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) COCO_ADMIT_TRY(add_file(f));
    return {};
  }
  auto docs = yaml::load_file(path);
  if (!docs.ok()) return std::move(docs).err();
  for (auto& d : *docs) add(std::move(d.root));
  return {};
}

void cluster_state::set_namespace_labels(const std::string& ns, value labels) {
  if (!labels.is_object()) labels = value::object();
  namespaces_[ns] = std::move(labels);
  serial_ = next_serial();
}

std::uint64_t cluster_state::next_serial() {
  static std::atomic<std::uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

cluster_state::cluster_state(cluster_state&& other) noexcept
    : config_maps_(std::move(other.config_maps_)), namespaces_(std::move(other.namespaces_)), serial_(other.serial_) {
  other.config_maps_.clear();
  other.namespaces_.clear();
  other.serial_ = next_serial();
}

cluster_state& cluster_state::operator=(cluster_state&& other) noexcept {
  if (this != &other) {
    config_maps_ = std::move(other.config_maps_);
    namespaces_ = std::move(other.namespaces_);
    serial_ = other.serial_;
    other.config_maps_.clear();
    other.namespaces_.clear();
    other.serial_ = next_serial();
  }
  return *this;
}

const value* cluster_state::config_map(std::string_view ns, std::string_view name) const {
  auto it = config_maps_.find(std::pair<std::string, std::string>(ns, name));
  return it == config_maps_.end() ? nullptr : &it->second;
}

const value* cluster_state::namespace_labels(std::string_view ns) const {
  auto it = namespaces_.find(ns);
  return it == namespaces_.end() ? nullptr : &it->second;
}

}  // namespace coco_admit
