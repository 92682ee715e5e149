// RFC 6902 apply/diff. Hand-written: no Debian C++ JSON Patch library works on our value model, and Kyverno
// needs the evanphx v5 option semantics (negative indices, lenient remove, parent creation on add).
#include "coco-admit/core/json_patch.h"

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_set>

#include <simdjson.h>

#include "coco-admit/core/json.h"
#include "coco-admit/core/member_index.h"

namespace coco_admit::json_patch {
namespace {

// Bounds for hostile input: pointer depth and how far `add` may pad an array with nulls.
constexpr std::size_t max_pointer_tokens = 512;
constexpr std::int64_t max_padding = 1 << 16;

std::string describe(std::size_t i, const operation& o) {
  return "json patch operation " + std::to_string(i) + " (" + o.op + " " + (o.path.empty() ? "\"\"" : o.path) + ")";
}

result<std::vector<std::string>> split_pointer(std::string_view p) {
  std::vector<std::string> out;
  if (p.empty()) return out;
  if (p[0] != '/') return error::invalid("JSON pointer \"" + std::string(p) + "\" must start with '/'");
  std::size_t pos = 1;
  while (true) {
    if (out.size() >= max_pointer_tokens) return error::budget("JSON pointer has more than 512 tokens");
    std::size_t next = p.find('/', pos);
    std::string_view raw = p.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
    std::string tok;
    tok.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        tok.push_back(raw[i + 1] == '0' ? '~' : '/');
        ++i;
      } else {
        tok.push_back(raw[i]);
      }
    }
    out.push_back(std::move(tok));
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return out;
}

// Go strconv.Atoi syntax (optional sign, decimal digits), which is what evanphx uses for array indices.
bool parse_int(std::string_view s, std::int64_t& out) {
  if (s.empty()) return false;
  std::size_t start = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (start == s.size()) return false;
  for (std::size_t i = start; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  std::string_view digits = s.substr(start);
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return false;
  out = s[0] == '-' ? -v : v;
  return true;
}

// Index of an existing element (negative counts from the end); -1 when absent or malformed.
std::int64_t existing_index(std::string_view tok, std::size_t size) {
  std::int64_t i = 0;
  if (!parse_int(tok, i)) return -1;
  const auto n = static_cast<std::int64_t>(size);
  if (i < 0) {
    if (i < -n) return -1;
    i += n;
  }
  return i < n ? i : -1;
}

bool is_index_token(std::string_view tok) {
  std::int64_t i = 0;
  return tok == "-" || parse_int(tok, i);
}

// Walks to the container holding the last token. With `create`, missing objects/arrays are made (an array
// when the following token is an index or "-", like evanphx ensurePathExists) and arrays padded with nulls.
result<value*> parent_of(value& root, const std::vector<std::string>& toks, bool create) {
  value* cur = &root;
  for (std::size_t k = 0; k + 1 < toks.size(); ++k) {
    const std::string& tok = toks[k];
    const bool next_is_index = is_index_token(toks[k + 1]);
    if (cur->is_object()) {
      value* child = cur->find(tok);
      if (child == nullptr || child->is_null()) {
        if (!create) return error::not_found("missing path element \"" + tok + "\"");
        cur->set(tok, next_is_index ? value::array() : value::object());
        child = cur->find(tok);
      }
      cur = child;
    } else if (cur->is_array()) {
      auto& arr = cur->as_array();
      std::int64_t idx = existing_index(tok, arr.size());
      if (idx < 0) {
        std::int64_t want = 0;
        if (!create) return error::not_found("missing array index \"" + tok + "\"");
        if (tok == "-") {
          want = static_cast<std::int64_t>(arr.size());
        } else if (!parse_int(tok, want) || want < -1) {
          return error::not_found("invalid array index \"" + tok + "\"");
        } else if (want == -1) {
          // evanphx ensurePathExists with negative indices: -1 past the end appends.
          want = static_cast<std::int64_t>(arr.size());
        }
        if (want - static_cast<std::int64_t>(arr.size()) > max_padding) {
          return error::budget("array index \"" + tok + "\" is too far past the end");
        }
        while (static_cast<std::int64_t>(arr.size()) < want) arr.emplace_back();
        arr.push_back(next_is_index ? value::array() : value::object());
        idx = want;
      } else if (arr[idx].is_null() && create) {
        arr[idx] = next_is_index ? value::array() : value::object();
      }
      cur = &arr[static_cast<std::size_t>(idx)];
    } else {
      return error::not_found("path element \"" + tok + "\" is inside a scalar");
    }
  }
  return cur;
}

const value* get(const value& root, const std::vector<std::string>& toks) {
  const value* cur = &root;
  for (const std::string& tok : toks) {
    if (cur->is_object()) {
      cur = cur->find(tok);
      if (cur == nullptr) return nullptr;
    } else if (cur->is_array()) {
      std::int64_t idx = existing_index(tok, cur->as_array().size());
      if (idx < 0) return nullptr;
      cur = &cur->as_array()[static_cast<std::size_t>(idx)];
    } else {
      return nullptr;
    }
  }
  return cur;
}

status do_add(value& root, const std::vector<std::string>& toks, value v, bool create) {
  if (toks.empty()) {
    root = std::move(v);
    return {};
  }
  auto parent = parent_of(root, toks, create);
  if (!parent.ok()) return parent.err();
  value& p = **parent;
  const std::string& key = toks.back();
  if (p.is_object()) {
    p.set(key, std::move(v));
    return {};
  }
  if (p.is_array()) {
    auto& arr = p.as_array();
    if (key == "-") {
      arr.push_back(std::move(v));
      return {};
    }
    std::int64_t idx = 0;
    const auto n = static_cast<std::int64_t>(arr.size());
    if (!parse_int(key, idx)) return error::invalid("invalid array index \"" + key + "\"");
    if (idx < 0) {
      // evanphx counts a negative add index against the grown array, so -1
      // appends and -(n+1) inserts at the front.
      if (idx < -(n + 1)) return error::invalid("array index " + key + " is out of range");
      idx += n + 1;
    }
    if (idx > n) return error::invalid("array index " + key + " is out of range (size " + std::to_string(n) + ")");
    arr.insert(arr.begin() + idx, std::move(v));
    return {};
  }
  return error::invalid("cannot add to a scalar");
}

// `lenient`: a missing target is a no-op (AllowMissingPathOnRemove).
status do_remove(value& root, const std::vector<std::string>& toks, bool lenient) {
  if (toks.empty()) return error::invalid("cannot remove the document root");
  auto parent = parent_of(root, toks, false);
  if (!parent.ok()) {
    if (lenient) return {};
    return parent.err();
  }
  value& p = **parent;
  const std::string& key = toks.back();
  if (p.is_object()) {
    if (!p.erase(key) && !lenient) return error::not_found("missing key \"" + key + "\"");
    return {};
  }
  if (p.is_array()) {
    auto& arr = p.as_array();
    std::int64_t idx = existing_index(key, arr.size());
    if (idx < 0) {
      if (lenient) return {};
      return error::not_found("array index \"" + key + "\" is out of range");
    }
    arr.erase(arr.begin() + idx);
    return {};
  }
  if (lenient) return {};
  return error::not_found("cannot remove from a scalar");
}

status do_replace(value& root, const std::vector<std::string>& toks, value v) {
  if (toks.empty()) {
    root = std::move(v);
    return {};
  }
  auto parent = parent_of(root, toks, false);
  if (!parent.ok()) return parent.err();
  value& p = **parent;
  const std::string& key = toks.back();
  if (p.is_object()) {
    value* slot = p.find(key);
    if (slot == nullptr) return error::not_found("missing key \"" + key + "\"");
    *slot = std::move(v);
    return {};
  }
  if (p.is_array()) {
    std::int64_t idx = existing_index(key, p.as_array().size());
    if (idx < 0) return error::not_found("array index \"" + key + "\" is out of range");
    p.as_array()[static_cast<std::size_t>(idx)] = std::move(v);
    return {};
  }
  return error::not_found("cannot replace inside a scalar");
}

bool is_proper_prefix(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() >= b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

/// Whether writing `v` at `toks` with add (or copy) changes `root`: an add
/// into an array always inserts; otherwise only a missing or different value.
bool add_changes(const value& root, const std::vector<std::string>& toks, const value& v) {
  if (toks.empty()) return root != v;
  const std::vector<std::string> parent_toks(toks.begin(), toks.end() - 1);
  const value* parent = get(root, parent_toks);
  if (parent != nullptr && parent->is_array()) return true;
  const value* cur = get(root, toks);
  return cur == nullptr || *cur != v;
}

}  // namespace

result<std::vector<operation>> parse(const value& ops) {
  if (!ops.is_array()) return error::invalid("json patch must be a list of operations, got " + std::string(kind_name(ops.type())));
  if (ops.size() > max_ops) return error::budget("json patch has more than " + std::to_string(max_ops) + " operations");
  std::vector<operation> out;
  out.reserve(ops.size());
  std::size_t i = 0;
  for (const value& o : ops.as_array()) {
    const std::string where = "json patch operation " + std::to_string(i);
    if (!o.is_object()) return error::invalid(where + ": must be an object");
    operation op;
    const value* name = o.find("op");
    if (name == nullptr || !name->is_string()) return error::invalid(where + ": field \"op\" is missing or not a string");
    op.op = name->as_string();
    if (op.op != "add" && op.op != "remove" && op.op != "replace" && op.op != "move" && op.op != "copy" &&
        op.op != "test") {
      return error::invalid(where + ": field \"op\" has unknown operation \"" + op.op + "\"");
    }
    const value* path = o.find("path");
    if (path == nullptr || !path->is_string()) return error::invalid(where + ": field \"path\" is missing or not a string");
    op.path = path->as_string();
    if (!op.path.empty() && op.path[0] != '/') {
      return error::invalid(where + ": field \"path\" \"" + op.path + "\" must be empty or start with '/'");
    }
    if (op.op == "move" || op.op == "copy") {
      const value* from = o.find("from");
      if (from == nullptr || !from->is_string()) return error::invalid(where + ": field \"from\" is missing or not a string");
      op.from = from->as_string();
      if (!op.from.empty() && op.from[0] != '/') {
        return error::invalid(where + ": field \"from\" \"" + op.from + "\" must be empty or start with '/'");
      }
    }
    if (op.op == "add" || op.op == "replace" || op.op == "test") {
      const value* v = o.find("value");
      if (v == nullptr) return error::invalid(where + ": field \"value\" is missing");
      op.val = *v;
      op.has_value = true;
    }
    out.push_back(std::move(op));
    ++i;
  }
  return out;
}

status apply_in_place(value& out, const std::vector<operation>& ops, bool* changed) {
  bool touched = false;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const operation& o = ops[i];
    auto toks = split_pointer(o.path);
    if (!toks.ok()) return error::invalid(describe(i, o) + ": " + toks.err().message);
    status st;
    if (o.op == "add") {
      if (changed != nullptr && !touched) touched = add_changes(out, *toks, o.val);
      st = do_add(out, *toks, o.val, true);
    } else if (o.op == "remove") {
      if (changed != nullptr && !touched) touched = get(out, *toks) != nullptr;
      st = do_remove(out, *toks, true);
    } else if (o.op == "replace") {
      if (changed != nullptr && !touched) {
        const value* cur = get(out, *toks);
        touched = cur != nullptr && *cur != o.val;
      }
      st = do_replace(out, *toks, o.val);
    } else if (o.op == "move" || o.op == "copy") {
      auto from = split_pointer(o.from);
      if (!from.ok()) return error::invalid(describe(i, o) + ": from: " + from.err().message);
      const value* src = get(out, *from);
      if (src == nullptr) return error::not_found(describe(i, o) + ": from path \"" + o.from + "\" does not exist");
      if (o.op == "move") {
        if (*from == *toks) continue;
        if (is_proper_prefix(*from, *toks)) {
          return error::invalid(describe(i, o) + ": cannot move \"" + o.from + "\" into its own child");
        }
        value moved = *src;
        touched = true;
        st = do_remove(out, *from, false);
        if (st.ok()) st = do_add(out, *toks, std::move(moved), false);
      } else {
        if (changed != nullptr && !touched) touched = add_changes(out, *toks, *src);
        st = do_add(out, *toks, *src, false);
      }
    } else if (o.op == "test") {
      const value* cur = get(out, *toks);
      // evanphx treats a missing path as equal to a null test value.
      bool same = cur == nullptr ? o.val.is_null() : *cur == o.val;
      if (!same) return error::invalid(describe(i, o) + ": test failed, value differs");
    } else {
      return error::invalid(describe(i, o) + ": unknown operation");
    }
    if (!st.ok()) return error{st.err().code, describe(i, o) + ": " + st.err().message};
  }
  if (changed != nullptr) *changed = touched;
  return status{};
}

result<value> apply(const value& doc, const std::vector<operation>& ops) {
  value out = doc;
  if (status st = apply_in_place(out, ops, nullptr); !st.ok()) return std::move(st).err();
  return out;
}

namespace {

// Deeper than this the subtree is replaced whole (still a correct patch, bounded recursion).
constexpr int max_diff_depth = 256;

// Appends "/" and `key` as an RFC 6901 reference token. The path is one
// buffer grown and cut back as the walk descends, instead of a fresh string
// per member visited.
void push_token(std::string& path, std::string_view key) {
  path.push_back('/');
  json::append_pointer_token(key, path);
}

void push_index(std::string& path, std::size_t i) {
  char buf[24];
  buf[0] = '/';
  auto r = std::to_chars(buf + 1, buf + sizeof buf, i);
  path.append(buf, r.ptr);
}

// The pointer of the node the diff is at, as a stack of reference tokens: the walk visits every node but emits
// few ops, so the text is rendered only for an op, not grown and cut back at every member visited.
class pointer_path {
 public:
  pointer_path() { toks_.reserve(16); }
  std::size_t size() const { return toks_.size(); }
  void push(std::string_view key) { toks_.push_back(token{key, 0, false}); }
  void push(std::size_t index) { toks_.push_back(token{{}, index, true}); }
  void resize(std::size_t n) { toks_.resize(n); }
  const std::string& text() {
    text_.clear();
    for (const token& t : toks_) {
      if (t.is_index) push_index(text_, t.index);
      else push_token(text_, t.key);
    }
    return text_;
  }

 private:
  struct token {
    std::string_view key;
    std::size_t index;
    bool is_index;
  };
  std::vector<token> toks_;
  std::string text_;
};

template <class Sink>
void diff_any(const value& a, const value& b, pointer_path& path, Sink& out, int depth);
template <class Sink>
void diff_into(const value& a, const value& b, pointer_path& path, Sink& out, int depth);

// Into a pair known to differ.
template <class Sink>
void descend(const value& a, const value& b, pointer_path& path, Sink& out, int depth) {
  if (a.is_object() && b.is_object()) diff_any(a, b, path, out, depth);
  else diff_into(a, b, path, out, depth);
}

// The reference algorithm, kept for objects that repeat a key (see diff_any). `a` and `b` differ: callers compare
// before descending.
template <class Sink>
void diff_into(const value& a, const value& b, pointer_path& path, Sink& out, int depth) {
  if (depth > max_diff_depth) {
    out.replace(path, b);
    return;
  }
  const std::size_t len = path.size();
  if (a.is_object() && b.is_object()) {
    const member_index in_a(&a), in_b(&b);
    for (const member& m : a.as_object()) {
      const value* other = in_b.find(m.key);
      if (other != nullptr && *other == m.val) continue;
      path.push(m.key);
      if (other == nullptr) {
        out.remove(path);
      } else {
        descend(m.val, *other, path, out, depth + 1);
      }
      path.resize(len);
    }
    for (const member& m : b.as_object()) {
      if (in_a.find(m.key) == nullptr) {
        path.push(m.key);
        out.add(path, m.val);
        path.resize(len);
      }
    }
    return;
  }
  if (a.is_array() && b.is_array()) {
    const auto& x = a.as_array();
    const auto& y = b.as_array();
    const std::size_t n = std::min(x.size(), y.size());
    for (std::size_t i = x.size(); i > n; --i) {
      path.push(i - 1);
      out.remove(path);
      path.resize(len);
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (x[i] == y[i]) continue;
      path.push(i);
      descend(x[i], y[i], path, out, depth + 1);
      path.resize(len);
    }
    for (std::size_t i = n; i < y.size(); ++i) {
      path.push(i);
      out.add(path, y[i]);
      path.resize(len);
    }
    return;
  }
  out.replace(path, b);
}

// One of 64 bits per key (as json.cc's parser does): a key whose bit is not yet set cannot repeat an earlier one.
std::uint64_t key_bit(std::string_view k) {
  std::size_t h = k.size();
  if (!k.empty()) h = h * 31 + static_cast<unsigned char>(k.front()) * 7u + static_cast<unsigned char>(k.back());
  return std::uint64_t{1} << (h & 63);
}

// diff_into for two objects (known to differ, like every pair diff_into descends into). Only the pairing of
// members differs: by position while both sides list the same keys in the same order (the merge and the patches
// keep positions), instead of a lookup of every member of `a` in `b` and of `b` in `a`, which was most of the
// diff. Pairing by position finds the member a lookup finds (the first with that key) as long as `a` repeats no
// key; an object of `a` that does is taken back and diffed by diff_into itself.
template <class Sink>
void diff_any(const value& a, const value& b, pointer_path& path, Sink& out, int depth) {
  if (depth > max_diff_depth) {
    diff_into(a, b, path, out, depth);
    return;
  }
  const auto& ao = a.as_object();
  const auto& bo = b.as_object();
  const std::size_t len = path.size();
  const auto mark = out.mark();
  std::uint64_t seen = 0;
  std::size_t paired = 0;  // ao[i] and bo[i] share their key for every i < paired
  bool positional = true;
  std::optional<member_index> in_b;
  for (std::size_t i = 0; i < ao.size(); ++i) {
    const member& m = ao[i];
    const std::uint64_t bit = key_bit(m.key);
    if ((seen & bit) != 0) {
      for (std::size_t j = 0; j < i; ++j) {
        if (ao[j].key == m.key) {
          out.rollback(mark);
          path.resize(len);
          diff_into(a, b, path, out, depth);
          return;
        }
      }
    }
    seen |= bit;
    const value* other = nullptr;
    if (positional && i < bo.size() && bo[i].key == m.key) {
      other = &bo[i].val;
      ++paired;
    } else {
      positional = false;
      if (!in_b) in_b.emplace(&b);
      other = in_b->find(m.key);
    }
    if (other != nullptr && *other == m.val) continue;
    path.push(m.key);
    if (other == nullptr) out.remove(path);
    else descend(m.val, *other, path, out, depth + 1);
    path.resize(len);
  }
  // Members of `b` not in `a`: the paired prefix is in `a` by construction.
  if (paired == bo.size()) return;
  const member_index in_a(&a);
  for (std::size_t i = paired; i < bo.size(); ++i) {
    const member& m = bo[i];
    if (in_a.find(m.key) != nullptr) continue;
    path.push(m.key);
    out.add(path, m.val);
    path.resize(len);
  }
}

struct ops_sink {
  std::vector<operation>& ops;
  std::size_t mark() const { return ops.size(); }
  void rollback(std::size_t n) { ops.resize(n); }
  void push(const char* op, pointer_path& path, const value* v) {
    if (ops.capacity() == 0) ops.reserve(8);
    ops.push_back(operation{op, path.text(), {}, v != nullptr ? *v : value(), v != nullptr});
  }
  void remove(pointer_path& path) { push("remove", path, nullptr); }
  void add(pointer_path& path, const value& v) { push("add", path, &v); }
  void replace(pointer_path& path, const value& v) { push("replace", path, &v); }
};

// Writes the ops as serialize() would, without building them.
struct text_sink {
  std::string& out;
  std::size_t count = 0;
  bool before_repeats_a_key = false;  // descend_element met one: the walk stops, diff_serialized answers nullopt
  struct point {
    std::size_t bytes, count;
  };
  point mark() const { return point{out.size(), count}; }
  void rollback(point p) {
    out.resize(p.bytes);
    count = p.count;
  }
  void push(std::string_view op, pointer_path& path, const value* v) {
    if (count++ > 0) out.push_back(',');
    out += "{\"op\":\"";
    out += op;
    out += "\",\"path\":";
    json::append_quoted(path.text(), out);
    if (v != nullptr) {
      out += ",\"value\":";
      json::serialize_to(*v, out);
    }
    out.push_back('}');
  }
  void remove(pointer_path& path) { push("remove", path, nullptr); }
  void add(pointer_path& path, const value& v) { push("add", path, &v); }
  void replace(pointer_path& path, const value& v) { push("replace", path, &v); }
};

// The same walk as diff_any with `a` read in the parsed document. Every object of `a` it walks is checked for
// repeated keys (diff_serialized gives up on one), so diff_any's repeated-key path is never needed, and
// json::equal is value::operator==.
class element_keys {
 public:
  explicit element_keys(simdjson::dom::object o) : o_(o) {
    if (o.size() > member_index::linear_limit) {
      hashed_.reserve(o.size());
      for (auto f = o.begin(); f != o.end(); ++f) hashed_.insert(f.key());
    }
  }
  bool contains(std::string_view key) const {
    if (!hashed_.empty()) return hashed_.count(key) != 0;
    for (auto f = o_.begin(); f != o_.end(); ++f) {
      if (f.key() == key) return true;
    }
    return false;
  }

 private:
  simdjson::dom::object o_;
  std::unordered_set<std::string_view> hashed_;
};

// Whether descend_element must visit the pair. Two objects or two arrays are walked without comparing them first:
// the walk emits nothing for equal ones, and a comparison before it made every changed subtree be read twice (once
// per level above the change), which was half of the diff. Leaves, mismatched kinds and pairs past the depth limit
// (where the walk would replace even equal subtrees) are compared.
bool walk_or_differ(const simdjson::dom::element& a, const value& b, int depth) {
  using t = simdjson::dom::element_type;
  // Still lazy for this very element: nothing in it was touched.
  if (const lazy_element* l = b.lazy(); l != nullptr && json::same_element(*l, a)) return false;
  if (depth <= max_diff_depth) {
    if (a.type() == t::OBJECT && b.is_object()) return true;
    if (a.type() == t::ARRAY && b.is_array()) return true;
  }
  return !json::equal(a, b);
}

// Whether an object of the parsed document repeats a key (as json.cc's conversion detects it).
bool repeats_a_key(const simdjson::dom::object& o) {
  constexpr std::size_t scan_limit = 32;
  if (o.size() > scan_limit) {
    std::unordered_set<std::string_view> seen;
    seen.reserve(o.size());
    for (auto f = o.begin(); f != o.end(); ++f) {
      if (!seen.insert(f.key()).second) return true;
    }
    return false;
  }
  std::uint64_t seen = 0;
  std::size_t i = 0;
  for (auto f = o.begin(); f != o.end(); ++f, ++i) {
    const std::string_view k = f.key();
    const std::uint64_t bit = key_bit(k);
    if ((seen & bit) != 0) {
      std::size_t j = 0;
      for (auto g = o.begin(); j < i; ++g, ++j) {
        if (g.key() == k) return true;
      }
    }
    seen |= bit;
  }
  return false;
}

template <class Sink>
void descend_element(const simdjson::dom::element& a, const value& b, pointer_path& path, Sink& out, int depth) {
  using t = simdjson::dom::element_type;
  if (depth > max_diff_depth) {
    out.replace(path, b);
    return;
  }
  const std::size_t len = path.size();
  if (out.before_repeats_a_key) return;
  if (a.type() == t::OBJECT && b.is_object()) {
    const simdjson::dom::object ao = a.get_object().value_unsafe();
    if (repeats_a_key(ao)) {
      out.before_repeats_a_key = true;
      return;
    }
    const value::object_t& bo = b.as_object();
    std::size_t i = 0, paired = 0;  // ao's i-th member and bo[i] share their key for every i < paired
    bool positional = true;
    std::optional<member_index> in_b;
    for (auto f = ao.begin(); f != ao.end(); ++f, ++i) {
      const std::string_view key = f.key();
      const value* other = nullptr;
      if (positional && i < bo.size() && bo[i].key == key) {
        other = &bo[i].val;
        ++paired;
      } else {
        positional = false;
        if (!in_b) in_b.emplace(&b);
        other = in_b->find(key);
      }
      if (other == nullptr) {
        path.push(key);
        out.remove(path);
        path.resize(len);
        continue;
      }
      if (!walk_or_differ(f.value(), *other, depth + 1)) continue;
      path.push(key);
      descend_element(f.value(), *other, path, out, depth + 1);
      path.resize(len);
    }
    if (paired == bo.size()) return;
    const element_keys in_a(ao);
    for (std::size_t k = paired; k < bo.size(); ++k) {
      if (in_a.contains(bo[k].key)) continue;
      path.push(bo[k].key);
      out.add(path, bo[k].val);
      path.resize(len);
    }
    return;
  }
  if (a.type() == t::ARRAY && b.is_array()) {
    const value::array_t& y = b.as_array();
    const simdjson::dom::array x = a.get_array().value_unsafe();
    // Counted, not size(): simdjson saturates that at 2^24 - 1.
    std::size_t x_size = 0;
    for (auto it = x.begin(); it != x.end(); ++it) ++x_size;
    const std::size_t n = std::min(x_size, y.size());
    for (std::size_t i = x_size; i > n; --i) {
      path.push(i - 1);
      out.remove(path);
      path.resize(len);
    }
    std::size_t i = 0;
    for (auto it = x.begin(); i < n; ++it, ++i) {
      const simdjson::dom::element e = *it;
      if (!walk_or_differ(e, y[i], depth + 1)) continue;
      path.push(i);
      descend_element(e, y[i], path, out, depth + 1);
      path.resize(len);
    }
    for (i = n; i < y.size(); ++i) {
      path.push(i);
      out.add(path, y[i]);
      path.resize(len);
    }
    return;
  }
  out.replace(path, b);
}

}  // namespace

std::optional<std::size_t> diff_serialized(const simdjson::dom::element& before, const value& after,
                                           std::string& out) {
  const std::size_t start = out.size();
  out.reserve(start + 1024);  // most patches, in one allocation
  out.push_back('[');
  text_sink sink{out};
  pointer_path path;
  if (walk_or_differ(before, after, 0)) descend_element(before, after, path, sink, 0);
  if (sink.before_repeats_a_key) {
    out.resize(start);
    return std::nullopt;
  }
  if (sink.count == 0) {
    out.resize(start);
    return 0;
  }
  out.push_back(']');
  return sink.count;
}

std::vector<operation> diff(const value& before, const value& after) {
  std::vector<operation> out;
  ops_sink sink{out};
  if (before == after) return out;
  pointer_path path;
  descend(before, after, path, sink, 0);
  return out;
}

std::size_t diff_serialized(const value& before, const value& after, std::string& out) {
  const std::size_t start = out.size();
  out.reserve(start + 1024);  // most patches, in one allocation
  out.push_back('[');
  text_sink sink{out};
  pointer_path path;
  if (!(before == after)) descend(before, after, path, sink, 0);
  if (sink.count == 0) {
    out.resize(start);
    return 0;
  }
  out.push_back(']');
  return sink.count;
}

std::string serialize(const std::vector<operation>& ops) {
  std::string out;
  // A guess that covers typical ops (short paths, small values) in one allocation.
  out.reserve(2 + ops.size() * 96);
  out.push_back('[');
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const operation& o = ops[i];
    if (i > 0) out.push_back(',');
    out += "{\"op\":";
    json::append_quoted(o.op, out);
    out += ",\"path\":";
    json::append_quoted(o.path, out);
    if (o.op == "move" || o.op == "copy") {
      out += ",\"from\":";
      json::append_quoted(o.from, out);
    }
    if (o.has_value) {
      out += ",\"value\":";
      json::serialize_to(o.val, out);
    }
    out.push_back('}');
  }
  out.push_back(']');
  return out;
}

}  // namespace coco_admit::json_patch
