// memo: a small per-thread cache of pure functions of a string.
//
// Every pod of a namespace carries the same initdata annotation, and checking
// or digesting it (base64, gunzip, TOML parses, hashing) costs far more than
// the rest of a review; JMESPath text built at run time repeats across
// requests too. The functions cached here are pure, so a hit returns
// exactly what a recomputation would. Keys are compared in full (never by
// hash alone), so a crafted value cannot alias another's result. The cache
// is bounded by bytes and simply cleared when full; being thread_local it
// needs no locks on the request path.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace coco_admit {

/// The hash of memo keys (memo.cc).
std::size_t memo_hash(std::string_view key) noexcept;

template <class V>
class memo {
 public:
  static constexpr std::size_t scan_limit = 8;

  explicit memo(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  /// The cached value for `key`, or nullptr. The key is looked up where it lies: an initdata annotation is often
  /// 100 KB, and copying it first cost as much as hashing it.
  const V* find(std::string_view key) const {
    // A few entries are compared directly (sizes first), without hashing the key: most memos hold a handful, and
    // hashing a 600-byte initdata annotation cost more than telling it from them.
    if (entries_.size() <= scan_limit) {
      for (const auto& [k, v] : entries_) {
        if (k.size() == key.size() && std::string_view(k) == key) return &v;
      }
      return nullptr;
    }
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second;
  }

  /// Caches `v` (of about `bytes` bytes besides the key); returns it.
  const V& put(std::string_view key, V v, std::size_t bytes) {
    std::size_t cost = key.size() + bytes + 64;
    if (cost > max_bytes_) {
      overflow_ = std::move(v);  // too large to keep: hand it back without caching
      return overflow_;
    }
    if (used_ + cost > max_bytes_) {
      entries_.clear();
      used_ = 0;
    }
    used_ += cost;
    return entries_.insert_or_assign(std::string(key), std::move(v)).first->second;
  }

 private:
  std::size_t max_bytes_;
  std::size_t used_ = 0;
  // Keys are often whole initdata annotations or policy.rego texts of 100 KB and more, looked up several times a
  // review: memo_hash is XXH3, which reads them three times as fast as std::hash. Its seed differs per process, so
  // that nobody can prepare keys that share a bucket.
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view k) const noexcept { return memo_hash(k); }
  };
  std::unordered_map<std::string, V, key_hash, std::equal_to<>> entries_;
  V overflow_{};
};

}  // namespace coco_admit
