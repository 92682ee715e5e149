// cluster_state: the read-only view of the cluster that policies may consult.
//
// Holds ConfigMaps (for `context.configMap`) and Namespaces (for
// `namespaceSelector`), keyed by namespace/name. The CLI fills it from files
// (--cluster-resources, kyverno-test `clusterResources`, values files); the
// server from a watched directory. It is immutable once published.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coco-admit/core/result.h"
#include "coco-admit/core/value.h"

namespace coco_admit {

class cluster_state {
 public:
  cluster_state() = default;
  cluster_state(const cluster_state&) = default;
  cluster_state& operator=(const cluster_state&) = default;
  /// A moved-from state is empty, under a serial of its own.
  cluster_state(cluster_state&& other) noexcept;
  cluster_state& operator=(cluster_state&& other) noexcept;

  /// Adds an object; ConfigMaps and Namespaces are kept, other kinds ignored
  /// (and reported by `add` returning false). A ConfigMap without namespace is
  /// placed in "default".
  bool add(value object);
  /// Adds every object of every YAML/JSON document in `path` (a file, or a
  /// directory searched for *.yaml/*.yml/*.json). Lists (kind: List) and
  /// kyverno `ClusterResource` wrappers are unpacked.
  status add_file(const std::string& path);
  /// Sets (replacing) the labels of a namespace, creating it if needed.
  void set_namespace_labels(const std::string& ns, value labels);

  const value* config_map(std::string_view ns, std::string_view name) const;
  /// Labels of a namespace; nullptr when the namespace is unknown.
  const value* namespace_labels(std::string_view ns) const;
  std::size_t size() const { return config_maps_.size() + namespaces_.size(); }
  /// Names this state's content within the process: every change takes a new serial from a process-wide counter,
  /// so two states with one serial hold the same objects (a copy keeps its original's). The engine keys the
  /// context values it keeps across requests on it.
  std::uint64_t serial() const { return serial_; }

 private:
  static std::uint64_t next_serial();

  std::map<std::pair<std::string, std::string>, value, std::less<>> config_maps_;
  std::map<std::string, value, std::less<>> namespaces_;
  std::uint64_t serial_ = next_serial();
};

}  // namespace coco_admit
