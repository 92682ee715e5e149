#include "coco-admit/server/sources.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace coco_admit::server {
namespace fs = std::filesystem;

std::string sha256_hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

namespace {

bool has_suffix(const std::string& name, bool json_too) {
  auto ends = [&](std::string_view s) { return name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0; };
  return ends(".yaml") || ends(".yml") || (json_too && ends(".json"));
}

struct walker {
  const scan_limits& limits;
  std::vector<std::string>& watch_dirs;

  status walk(const fs::path& dir, int depth, bool json_too, std::vector<std::string>& files) {
    if (depth > limits.max_depth) return error::invalid("\"" + dir.string() + "\" is nested deeper than " + std::to_string(limits.max_depth) + " levels");
    watch_dirs.push_back(dir.string());
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) return error::invalid("cannot list \"" + dir.string() + "\": " + ec.message());
    for (const auto& entry : it) {
      const std::string name = entry.path().filename().string();
      // Kubelet bookkeeping (..data, ..2024_...) and hidden files.
      if (name.empty() || name[0] == '.') continue;
      std::error_code sec;
      const bool is_link = entry.is_symlink(sec);
      if (!is_link && entry.is_directory(sec)) {
        COCO_ADMIT_TRY(walk(entry.path(), depth + 1, json_too, files));
        continue;
      }
      if (entry.is_regular_file(sec) && has_suffix(name, json_too)) {  // follows symlinks
        if (files.size() >= limits.max_files) return error::invalid("more than " + std::to_string(limits.max_files) + " files under \"" + dir.string() + "\"");
        files.push_back(entry.path().string());
      }
    }
    return {};
  }

  status add(const std::string& path, bool json_too, std::vector<std::string>& files) {
    std::error_code ec;
    const auto st = fs::status(path, ec);
    if (ec) return error::invalid("cannot read \"" + path + "\": " + ec.message());
    if (fs::is_directory(st)) return walk(path, 0, json_too, files);
    if (fs::is_regular_file(st)) {
      files.push_back(path);
      watch_dirs.push_back(fs::path(path).parent_path().empty() ? std::string(".") : fs::path(path).parent_path().string());
      return {};
    }
    return error::invalid("\"" + path + "\" is neither a file nor a directory");
  }
};

result<std::string> read_file(const std::string& path, std::size_t& budget) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error::invalid("cannot read \"" + path + "\"");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = std::move(ss).str();
  if (s.size() > budget) return error::invalid("policy and cluster resource files exceed " + std::to_string(budget) + " bytes in total");
  budget -= s.size();
  return s;
}

}  // namespace

result<source_set> scan_sources(const std::vector<std::string>& policy_paths,
                                const std::vector<std::string>& cluster_paths, const scan_limits& limits) {
  source_set out;
  walker w{limits, out.watch_dirs};
  for (const auto& p : policy_paths) COCO_ADMIT_TRY(w.add(p, false, out.policy_files));
  for (const auto& p : cluster_paths) COCO_ADMIT_TRY(w.add(p, true, out.cluster_files));
  for (auto* v : {&out.policy_files, &out.cluster_files, &out.watch_dirs}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  // Fingerprint: length-prefixed path and content of every file, in order.
  std::string acc;
  std::size_t budget = limits.max_total_bytes;
  for (const auto* list : {&out.policy_files, &out.cluster_files}) {
    acc += list == &out.policy_files ? "policies\n" : "cluster\n";
    for (const auto& f : *list) {
      auto content = read_file(f, budget);
      if (!content) return std::move(content).err();
      acc += std::to_string(f.size()) + ":" + f + std::to_string(content->size()) + ":";
      acc += sha256_hex(*content);
    }
  }
  out.fingerprint = sha256_hex(acc);
  return out;
}

}  // namespace coco_admit::server
