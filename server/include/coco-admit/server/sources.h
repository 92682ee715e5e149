// sources: the set of files a snapshot is built from, and its fingerprint.
//
// Policy and cluster-resource directories are usually mounted ConfigMaps. The
// kubelet lays those out as `name.yaml -> ..data/name.yaml`, `..data ->
// ..2024_01_01_00_00_00.123`, so a naive recursive walk would see every file
// twice. scan_sources() therefore skips entries whose name starts with '.'
// and follows symlinks only to regular files; it recurses into real
// subdirectories (bounded depth and file count), and returns the sorted file
// lists, the directories to watch, and a SHA-256 over paths and contents that
// the reloader compares to decide whether anything changed.
#pragma once

#include <string>
#include <vector>

#include "coco-admit/core/result.h"

namespace coco_admit::server {

struct source_set {
  std::vector<std::string> policy_files;   ///< *.yaml, *.yml (sorted)
  std::vector<std::string> cluster_files;  ///< *.yaml, *.yml, *.json (sorted)
  std::vector<std::string> watch_dirs;     ///< every directory visited
  std::string fingerprint;                 ///< hex SHA-256 of paths and contents
};

struct scan_limits {
  int max_depth = 8;
  std::size_t max_files = 10000;
  std::size_t max_total_bytes = std::size_t{64} << 20;
};

/// Each entry of `policy_paths` / `cluster_paths` is a file or a directory.
result<source_set> scan_sources(const std::vector<std::string>& policy_paths,
                                const std::vector<std::string>& cluster_paths, const scan_limits& limits = {});

/// Hex SHA-256 of a byte string.
std::string sha256_hex(std::string_view bytes);

}  // namespace coco_admit::server
