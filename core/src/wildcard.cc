#include "coco-admit/core/wildcard.h"

#include <algorithm>
#include <functional>

namespace coco_admit::wildcard {
namespace {

// Whether `seg` (no '*', '?' matches any byte) matches `text` at `pos`.
bool segment_at(std::string_view seg, std::string_view text, std::size_t pos) noexcept {
  if (pos + seg.size() > text.size()) return false;
  for (std::size_t i = 0; i < seg.size(); ++i) {
    if (seg[i] != '?' && seg[i] != text[pos + i]) return false;
  }
  return true;
}

// Leftmost position >= from where `seg` matches, or npos. A segment without
// '?' is searched with Boyer-Moore (linear for the first occurrence), so a
// request-controlled pattern such as "*aaaa...ab" against a long text cannot
// make matching quadratic; segments with '?' are anchored on their longest
// literal run when they have one.
std::size_t find_segment(std::string_view seg, std::string_view text, std::size_t from) {
  if (seg.empty()) return from <= text.size() ? from : std::string_view::npos;
  if (from > text.size() || text.size() - from < seg.size()) return std::string_view::npos;
  std::string_view hay = text.substr(from);
  if (seg.find('?') == std::string_view::npos) {
    // Short segments: memchr-based find beats building Boyer-Moore tables.
    if (seg.size() <= 32) return hay.find(seg) == std::string_view::npos ? std::string_view::npos : from + hay.find(seg);
    auto it = std::search(hay.begin(), hay.end(), std::boyer_moore_searcher(seg.begin(), seg.end()));
    return it == hay.end() ? std::string_view::npos : from + static_cast<std::size_t>(it - hay.begin());
  }
  for (std::size_t pos = from; pos + seg.size() <= text.size(); ++pos) {
    if (segment_at(seg, text, pos)) return pos;
  }
  return std::string_view::npos;
}

}  // namespace

bool match(std::string_view pattern, std::string_view text) noexcept {
  if (pattern.empty()) return text.empty();
  if (pattern == "*") return true;
  // Split on '*': the first segment is anchored at the start, the last at the
  // end, and the ones between are found leftmost-first (greedy leftmost
  // matching is exact for glob patterns).
  std::size_t first_star = pattern.find('*');
  if (first_star == std::string_view::npos) {
    return pattern.size() == text.size() && segment_at(pattern, text, 0);
  }
  std::size_t last_star = pattern.rfind('*');
  std::string_view head = pattern.substr(0, first_star);
  std::string_view tail = pattern.substr(last_star + 1);
  if (head.size() + tail.size() > text.size()) return false;
  if (!segment_at(head, text, 0)) return false;
  if (!segment_at(tail, text, text.size() - tail.size())) return false;
  std::string_view middle_text = text.substr(head.size(), text.size() - head.size() - tail.size());
  std::size_t pos = 0;
  std::size_t i = first_star + 1;
  while (i <= last_star) {
    std::size_t next = pattern.find('*', i);
    std::string_view seg = pattern.substr(i, next - i);
    if (!seg.empty()) {
      std::size_t at = find_segment(seg, middle_text, pos);
      if (at == std::string_view::npos) return false;
      pos = at + seg.size();
    }
    i = next + 1;
  }
  return true;
}

}  // namespace coco_admit::wildcard
