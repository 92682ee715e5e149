#include "coco-admit/core/json.h"
#include "coco-admit/core/member_index.h"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <simdjson.h>

#include "cpu_features.h"
#include "json_syntax.h"
#include "lazy_access.h"
#ifdef COCO_ADMIT_X86_DISPATCH
#include <immintrin.h>
#endif

#include <string_view>
#include <unordered_map>

namespace coco_admit::json {
namespace {

enum class convert_error : unsigned char { none, too_deep, unknown_type };

// Rebuilds the null `out` in place from an already made payload: assigning a
// temporary value instead cost a variant move and two destructions per node.
// The constructors used here are noexcept, so `out` is never left destroyed.
// One of 64 bits per key, from its length and end bytes. A key whose bit is
// not yet set cannot be a duplicate, so the quadratic scan for an earlier
// twin only runs on a collision instead of for every key.
std::uint64_t key_bit(std::string_view k) {
  std::size_t h = k.size();
  if (!k.empty()) h = h * 31 + static_cast<unsigned char>(k.front()) * 7u + static_cast<unsigned char>(k.back());
  return std::uint64_t{1} << (h & 63);
}

// Repeated keys of an object being built: the last value at the key's first position, as Go's encoding/json
// keeps them. Small objects (all real ones) are scanned, and only for a key whose key_bit was seen before; past
// scan_limit keys a hash index keeps a request with 200,000 annotations linear (the scan took minutes). Keys
// are views that outlive the build (the parser's buffer).
class repeated_keys {
 public:
  static constexpr std::size_t scan_limit = 32;
  /// `keys`: how many the object has (SIZE_MAX: unknown, and many).
  explicit repeated_keys(std::size_t keys) : indexed_(keys > scan_limit) {
    if (indexed_ && keys != SIZE_MAX) index_.reserve(keys);
  }
  /// The value of the earlier member of `members` keyed `k`; nullptr when `k` is new, and the caller then
  /// appends it. Inlined into the converters' member loops: as a call it cost about 30 instructions a member.
  [[gnu::always_inline]] value* find(std::string_view k, value::object_t& members) {
    if (indexed_) {
      auto [it, fresh] = index_.emplace(k, members.size());
      return fresh ? nullptr : &members[it->second].val;
    }
    const std::uint64_t bit = key_bit(k);
    if ((seen_ & bit) == 0) {
      seen_ |= bit;
      return nullptr;
    }
    for (member& m : members) {
      if (m.key.size() == k.size() && m.key == k) return &m.val;
    }
    return nullptr;
  }

 private:
  bool indexed_;
  std::unordered_map<std::string_view, std::size_t> index_;
  std::uint64_t seen_ = 0;  // key_bit of every key so far (scanned objects)
};

template <class T>
void become(value& out, T&& payload) {
  static_assert(std::is_nothrow_constructible_v<value, T&&>);
  std::destroy_at(&out);
  std::construct_at(&out, std::forward<T>(payload));
}

using detail::element_of;
using detail::lazy_of;

// Writes into `out` (null on entry) rather than returning a result<value> per
// node: the result wrapper and the moves it costs were most of the time spent
// turning a parsed review into a value. (A lazy value's level is converted by
// level_of_object / level_of_array below, off the tape.)
convert_error convert(const simdjson::dom::element& e, value& out, std::size_t depth, bool& repeated) {
  if (depth > max_depth) return convert_error::too_deep;
  using t = simdjson::dom::element_type;
  switch (e.type()) {
    case t::NULL_VALUE: return convert_error::none;
    case t::BOOL: become(out, bool(e.get_bool().value_unsafe())); return convert_error::none;
    case t::INT64: become(out, static_cast<long long>(e.get_int64().value_unsafe())); return convert_error::none;
    case t::UINT64:
      // Beyond int64: keep as double, as Go's float64 decoding would.
      become(out, static_cast<double>(e.get_uint64().value_unsafe()));
      return convert_error::none;
    case t::DOUBLE: become(out, e.get_double().value_unsafe()); return convert_error::none;
    case t::STRING: {
      std::string_view s = e.get_string().value_unsafe();
      become(out, std::string(s.data(), s.size()));
      return convert_error::none;
    }
    case t::ARRAY: {
      simdjson::dom::array a = e.get_array().value_unsafe();
      become(out, value::array_t{});
      value::array_t& arr = out.as_array();
      arr.reserve(a.size());
      for (simdjson::dom::element child : a) {
        arr.emplace_back();
        if (auto err = convert(child, arr.back(), depth + 1, repeated); err != convert_error::none) return err;
      }
      return convert_error::none;
    }
    case t::OBJECT: {
      simdjson::dom::object o = e.get_object().value_unsafe();
      become(out, value::object_t{});
      value::object_t& members = out.as_object();
      // The tape's count saturates at JSON_COUNT_MASK keys: then the size is unknown (and large).
      const std::size_t n = o.size();
      const bool saturated = n >= simdjson::internal::JSON_COUNT_MASK;
      members.reserve(saturated ? 0 : n);
      // Keys are views into the parser's buffer, which outlives this call.
      repeated_keys earlier(saturated ? SIZE_MAX : n);
      // The iterator's key() and value() rather than range-for's key_value_pair:
      // building that pair per field cost a store-forwarding stall.
      for (auto field = o.begin(); field != o.end(); ++field) {
        const std::string_view k = field.key();
        value* slot = earlier.find(k, members);
        if (slot != nullptr) {
          repeated = true;
          *slot = value();  // the earlier value is replaced whole
        } else {
          member& m = members.emplace_back();
          m.key = std::string(k.data(), k.size());
          slot = &m.val;
        }
        if (auto err = convert(field.value(), *slot, depth + 1, repeated); err != convert_error::none) {
          return err;
        }
      }
      return convert_error::none;
    }
  }
  return convert_error::unknown_type;
}

// Whether converting `e` (at `depth`) would meet a value deeper than max_depth, without converting it.
bool too_deep(const simdjson::dom::element& e, std::size_t depth) {
  using t = simdjson::dom::element_type;
  if (depth > max_depth) return true;
  auto child_too_deep = [&](const simdjson::dom::element& child) {
    const auto k = child.type();
    return depth + 1 > max_depth || ((k == t::ARRAY || k == t::OBJECT) && too_deep(child, depth + 1));
  };
  if (e.type() == t::ARRAY) {
    const simdjson::dom::array arr = e.get_array().value_unsafe();  // named: see equal()
    for (simdjson::dom::element child : arr) {
      if (child_too_deep(child)) return true;
    }
  } else if (e.type() == t::OBJECT) {
    const simdjson::dom::object o = e.get_object().value_unsafe();
    for (auto field = o.begin(); field != o.end(); ++field) {
      if (child_too_deep(field.value())) return true;
    }
  }
  return false;
}

result<value> convert_root(const simdjson::dom::element& e, bool& repeated) {
  value out;
  switch (convert(e, out, 0, repeated)) {
    case convert_error::none: return out;
    case convert_error::too_deep:
      return error::budget("JSON nesting deeper than " + std::to_string(max_depth) + " levels");
    case convert_error::unknown_type: break;
  }
  return error::internal("unknown simdjson element type");
}

template <bool pretty>
void write(const value& v, std::string& out, int level) {
  auto newline = [&](int lvl) {
    if constexpr (pretty) {
      out.push_back('\n');
      out.append(static_cast<std::size_t>(2 * lvl), ' ');
    }
  };
  switch (v.type()) {
    case value::kind::null: out.append("null", 4); return;
    case value::kind::boolean:
      if (v.as_bool()) out.append("true", 4);
      else out.append("false", 5);
      return;
    case value::kind::integer: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, v.as_int());
      out.append(buf, r.ptr);
      return;
    }
    case value::kind::number: append_number(v.as_double(), out); return;
    case value::kind::string: append_quoted(v.as_string_view(), out); return;
    case value::kind::array: {
      const auto& a = v.as_array();
      out.push_back('[');
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i) out.push_back(',');
        newline(level + 1);
        write<pretty>(a[i], out, level + 1);
      }
      if (!a.empty()) newline(level);
      out.push_back(']');
      return;
    }
    case value::kind::object: {
      const auto& o = v.as_object();
      out.push_back('{');
      for (std::size_t i = 0; i < o.size(); ++i) {
        if (i) out.push_back(',');
        newline(level + 1);
        append_quoted(o[i].key, out);
        if constexpr (pretty) out.append(": ", 2);
        else out.push_back(':');
        write<pretty>(o[i].val, out, level + 1);
      }
      if (!o.empty()) newline(level);
      out.push_back('}');
      return;
    }
  }
}

// Bytes append_quoted cannot copy as they are: controls, '"', '\\' and every
// non-ASCII byte (which starts a UTF-8 sequence to check).
constexpr std::array<bool, 256> make_special() {
  std::array<bool, 256> t{};
  for (std::size_t c = 0; c < 256; ++c) t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return t;
}
constexpr auto special = make_special();

constexpr std::uint64_t byte_ones = 0x0101010101010101ULL;
constexpr std::uint64_t byte_highs = 0x8080808080808080ULL;

// The high bit of each byte of `x` that equals `c` (the classic "has a zero byte" test on x XOR c): the lowest
// flagged byte is exact, since borrows only run towards higher bytes.
constexpr std::uint64_t bytes_equal_to(std::uint64_t x, char c) noexcept {
  const std::uint64_t d = x ^ (byte_ones * static_cast<unsigned char>(c));
  return (d - byte_ones) & ~d & byte_highs;
}

// The offset of the first byte at or after `i` (or `n`) that the predicates flag: sixteen bytes a step with SSE2
// (every x86-64 has it; `block` gives a byte mask of a 16-byte vector), then eight in a word (`word` gives the high
// bit of each flagged byte, exact for the lowest), then one at a time (`byte`). Strings and keys of a review are
// mostly plain, so the byte loop runs only for the last few.
template <class Block, class Word, class Byte>
[[gnu::always_inline]] inline std::size_t first_flagged(const char* p, std::size_t i, std::size_t n, Block block,
                                                        Word word, Byte byte) noexcept {
#if defined(__SSE2__)
  for (; i + 16 <= n; i += 16) {
    const int mask = _mm_movemask_epi8(block(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i))));
    if (mask != 0) return i + static_cast<std::size_t>(std::countr_zero(static_cast<unsigned>(mask)));
  }
#else
  (void)block;
#endif
  if constexpr (std::endian::native == std::endian::little) {
    for (; i + 8 <= n; i += 8) {
      std::uint64_t x;
      std::memcpy(&x, p + i, 8);
      if (const std::uint64_t hit = word(x); hit != 0) return i + static_cast<std::size_t>(std::countr_zero(hit)) / 8;
    }
  }
  while (i < n && !byte(p[i])) ++i;
  return i;
}

// Offset of the first special byte at or after `i` (or `n`). Kubernetes strings are mostly plain ASCII, and the
// per-byte loop was the hottest part of serialising a review. A patch quotes the initdata annotation, a few KB,
// whole.
std::size_t skip_plain(const char* p, std::size_t i, std::size_t n) {
#if defined(__SSE2__)
  const auto block = [](__m128i x) {
    // A signed compare: bytes from 0x80 up are negative, so "below a space" also flags them.
    return _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
                        _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)));
  };
#else
  const auto block = nullptr;
#endif
  const auto word = [](std::uint64_t x) {
    const std::uint64_t below_space = (x - byte_ones * 0x20) & ~x;  // "has a byte below k", with x's high bits
    return bytes_equal_to(x, '"') | bytes_equal_to(x, '\\') | ((below_space | x) & byte_highs);
  };
  return first_flagged(p, i, n, block, word, [](char c) { return special[static_cast<unsigned char>(c)]; });
}

}  // namespace

result<value> parse(simdjson::dom::parser& parser, std::string_view text) {
  simdjson::dom::element root;
  auto err = parser.parse(text.data(), text.size(), true).get(root);
  if (err == simdjson::NUMBER_ERROR) {
    // Integers simdjson cannot hold are read as Go reads them, as float64 (json_syntax.h).
    if (auto widened = widen_big_integers(text); widened && !parser.parse(*widened).get(root)) err = simdjson::SUCCESS;
  }
  if (err) {
    return error::invalid("invalid JSON" + error_location(text, err) + ": " + simdjson::error_message(err));
  }
  bool repeated = false;
  return convert_root(root, repeated);
}

result<value> parse(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  return parse(parser, text);
}

result<value> from_element(const simdjson::dom::element& e) {
  bool repeated = false;
  return convert_root(e, repeated);
}

result<value> from_element(const simdjson::dom::element& e, bool& repeated_keys) {
  repeated_keys = false;
  return convert_root(e, repeated_keys);
}

result<value> from_element_lazy(const simdjson::dom::element& e, std::size_t depth_bound) {
  using t = simdjson::dom::element_type;
  if (e.type() != t::ARRAY && e.type() != t::OBJECT) return from_element(e);
  // The depth limit is checked now: a lazy value is converted by accessors that cannot fail.
  if (depth_bound > max_depth && too_deep(e, 0)) {
    return error::budget("JSON nesting deeper than " + std::to_string(max_depth) + " levels");
  }
  return value(lazy_of(e, e.type() == t::OBJECT));
}

bool same_element(const lazy_element& l, const simdjson::dom::element& e) noexcept {
  return std::memcmp(l.element, &e, sizeof l.element) == 0;
}

namespace {
// The census walks simdjson's tape, not its elements: a subtree is one run of tape words, and reading them in a
// loop costs a few instructions per value where the recursive walk through the element API cost tens (it was a
// fifth of a mutating review). The element is one internal::tape_ref (document, index), which simdjson keeps
// internal, so it is read from the element's bytes as lazy_of keeps them (lazy_access.h).

// On the tape each value is one word (a string, true, false, null, an array's or object's start and end), or two
// for a number (the type word, then its 64 bits); every key is a string word, and an object's start word holds
// how many keys it has. So the values are the words that start something or are scalars, less the keys. An
// object of 2^24 keys or more has its count saturated: nullopt, and the caller counts element by element.
std::optional<element_census> count_on_tape(const simdjson::dom::element& e) {
  const simdjson::internal::tape_ref ref = detail::tape_of(e);
  const std::uint64_t* tape = ref.doc->tape.get();
  const std::size_t end = ref.after_element();
  std::size_t words = 0;  // values and keys
  std::size_t keys = 0;
  bool has_null = false;
  for (std::size_t i = ref.json_index; i < end; ++i) {
    const std::uint64_t word = tape[i];
    switch (static_cast<char>(word >> 56)) {
      case '{': {
        const std::uint32_t count = static_cast<std::uint32_t>(word >> 32) & simdjson::internal::JSON_COUNT_MASK;
        if (count == simdjson::internal::JSON_COUNT_MASK) return std::nullopt;
        keys += count;
        ++words;
        break;
      }
      case 'l': case 'u': case 'd': ++words; ++i; break;  // the number's payload is the next word
      case 'n': has_null = true; ++words; break;
      case '}': case ']': break;
      default: ++words; break;  // '[', '"', 't', 'f'
    }
  }
  return element_census{words - keys, has_null};
}

void count_element(const simdjson::dom::element& e, element_census& c) {
  using t = simdjson::dom::element_type;
  ++c.nodes;
  switch (e.type()) {
    case t::NULL_VALUE: c.has_null = true; return;
    case t::ARRAY: {
      const simdjson::dom::array arr = e.get_array().value_unsafe();  // named: see equal()
      for (simdjson::dom::element child : arr) count_element(child, c);
      return;
    }
    case t::OBJECT: {
      const simdjson::dom::object o = e.get_object().value_unsafe();
      for (auto field = o.begin(); field != o.end(); ++field) count_element(field.value(), c);
      return;
    }
    default: return;
  }
}
}  // namespace

element_census census_of(const lazy_element& l) {
  if (l.census_nodes == 0) {
    const simdjson::dom::element e = element_of(l);
    element_census c;
    if (std::optional<element_census> on_tape = count_on_tape(e)) {
      c = *on_tape;
    } else {
      count_element(e, c);
    }
    l.census_nodes = c.nodes;
    l.census_has_null = c.has_null;
  }
  return element_census{l.census_nodes, l.census_has_null};
}

namespace {
#ifdef COCO_ADMIT_X86_DISPATCH
__attribute__((target("avx2"))) bool any_word_equals_avx2(const std::uint64_t* words, std::size_t n,
                                                          std::uint64_t word) noexcept {
  const __m256i needle = _mm256_set1_epi64x(static_cast<long long>(word));
  const auto* block = reinterpret_cast<const __m256i*>(words);
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16, block += 4) {
    const __m256i a = _mm256_cmpeq_epi64(_mm256_loadu_si256(block), needle);
    const __m256i b = _mm256_cmpeq_epi64(_mm256_loadu_si256(block + 1), needle);
    const __m256i c = _mm256_cmpeq_epi64(_mm256_loadu_si256(block + 2), needle);
    const __m256i d = _mm256_cmpeq_epi64(_mm256_loadu_si256(block + 3), needle);
    const __m256i any = _mm256_or_si256(_mm256_or_si256(a, b), _mm256_or_si256(c, d));
    if (!_mm256_testz_si256(any, any)) return true;
  }
  for (; i < n; ++i) {
    if (words[i] == word) return true;
  }
  return false;
}
#endif

}  // namespace

namespace detail {
bool any_word_equals_portable(const std::uint64_t* words, std::size_t n, std::uint64_t word) noexcept {
  // Branch-free over blocks of eight, which the compiler vectorizes.
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    bool any = false;
    for (std::size_t k = 0; k < 8; ++k) any |= words[i + k] == word;
    if (any) return true;
  }
  for (; i < n; ++i) {
    if (words[i] == word) return true;
  }
  return false;
}

bool any_word_equals(const std::uint64_t* words, std::size_t n, std::uint64_t word) noexcept {
#ifdef COCO_ADMIT_X86_DISPATCH
  if (coco_admit::detail::cpu_has_avx2()) return any_word_equals_avx2(words, n, word);
#endif
  return any_word_equals_portable(words, n, word);
}
}  // namespace detail

bool has_null(const lazy_element& l) {
  if (l.census_nodes != 0) return l.census_has_null;
  if (l.null_seen == 0) {
    const simdjson::internal::tape_ref ref = detail::tape_of(element_of(l));
    const std::uint64_t* tape = ref.doc->tape.get();
    const std::size_t end = ref.after_element();
    // simdjson writes a null as this word and nothing else; it reads one back the same way (is_null_on_tape).
    // Any other word equal to it is a number's payload, and the census tells the two apart.
    constexpr std::uint64_t null_word = std::uint64_t{'n'} << 56;
    const bool candidate = detail::any_word_equals(tape + ref.json_index, end - ref.json_index, null_word);
    l.null_seen = !candidate ? 1 : census_of(l).has_null ? 2 : 1;
  }
  return l.null_seen == 2;
}

std::size_t tape_words(const lazy_element& l) noexcept {
  const simdjson::internal::tape_ref ref = detail::tape_of(element_of(l));
  return ref.after_element() - ref.json_index;
}

element_census census_by_elements(const lazy_element& l) {
  element_census c;
  count_element(element_of(l), c);
  return c;
}

// Mirrors value::operator== with the left side read where it lies, kind by
// kind as convert() would build it: UINT64 becomes a double there, so it
// compares as one here.
bool equal(const simdjson::dom::element& a, const value& b) noexcept {
  using t = simdjson::dom::element_type;
  if (const lazy_element* l = b.lazy(); l != nullptr && same_element(*l, a)) return true;
  switch (a.type()) {
    case t::NULL_VALUE: return b.is_null();
    case t::BOOL: return b.is_bool() && b.as_bool() == a.get_bool().value_unsafe();
    case t::INT64: {
      const std::int64_t x = a.get_int64().value_unsafe();
      if (b.is_integer()) return b.as_int() == x;
      return b.is_double() && static_cast<double>(x) == b.as_double();
    }
    case t::UINT64: return b.is_number() && static_cast<double>(a.get_uint64().value_unsafe()) == b.as_double();
    case t::DOUBLE: return b.is_number() && a.get_double().value_unsafe() == b.as_double();
    case t::STRING: return b.is_string() && a.get_string().value_unsafe() == b.as_string_view();
    case t::ARRAY: {
      if (!b.is_array()) return false;
      const value::array_t& y = b.as_array();
      std::size_t i = 0;
      // Named: value_unsafe() of a temporary result returns a reference into it.
      const simdjson::dom::array arr = a.get_array().value_unsafe();
      for (simdjson::dom::element child : arr) {
        if (i == y.size() || !equal(child, y[i])) return false;
        ++i;
      }
      return i == y.size();
    }
    case t::OBJECT: {
      if (!b.is_object()) return false;
      const value::object_t& bo = b.as_object();
      simdjson::dom::object o = a.get_object().value_unsafe();
      auto field = o.begin();
      std::size_t i = 0;
      // Usually both sides list keys in the same order: pairwise first, as value::operator== does.
      for (; field != o.end() && i < bo.size() && bo[i].key == field.key(); ++field, ++i) {
        if (!equal(field.value(), bo[i].val)) return false;
      }
      if (field != o.end()) {
        const member_index in_b(&b);
        for (; field != o.end(); ++field, ++i) {
          const value* other = in_b.find(field.key());
          if (other == nullptr || !equal(field.value(), *other)) return false;
        }
      }
      // No repeated keys on the left, and every one found on the right: equal sizes mean the same key sets.
      return i == bo.size();
    }
  }
  return false;
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid
// (overlong forms, surrogates and code points past U+10FFFF are invalid).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
  }
  if (n == 3 && ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) >= 0xA0))) return 0;
  if (n == 4 && ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) >= 0x90))) return 0;
  return n;
}

void append_quoted(std::string_view s, std::string& out) {
  static constexpr char hex[] = "0123456789abcdef";
  const char* p = s.data();
  const std::size_t n = s.size();
  out.reserve(out.size() + n + 2);
  out.push_back('"');
  // [copied, i) is plain and not yet appended: runs are copied whole.
  std::size_t copied = 0;
  std::size_t i = 0;
  while ((i = skip_plain(p, i, n)) < n) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c >= 0x80) {
      // Go's encoding/json: invalid UTF-8 becomes U+FFFD, and U+2028/U+2029
      // are escaped, so every response is valid JSON whatever a message quotes.
      const std::size_t len = utf8_sequence(s, i);
      const bool separator = len == 3 && c == 0xE2 && static_cast<unsigned char>(p[i + 1]) == 0x80 &&
                             (static_cast<unsigned char>(p[i + 2]) & 0xFE) == 0xA8;
      if (len != 0 && !separator) {
        i += len;
        continue;
      }
      out.append(p + copied, i - copied);
      if (len == 0) {
        out.append("\\ufffd", 6);
        i += 1;
      } else {
        out.append(static_cast<unsigned char>(p[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029", 6);
        i += 3;
      }
      copied = i;
      continue;
    }
    out.append(p + copied, i - copied);
    switch (c) {
      case '"': out.append("\\\"", 2); break;
      case '\\': out.append("\\\\", 2); break;
      case '\n': out.append("\\n", 2); break;
      case '\r': out.append("\\r", 2); break;
      case '\t': out.append("\\t", 2); break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
        out.append(esc, 6);
      }
    }
    copied = ++i;
  }
  out.append(p + copied, n - copied);
  out.push_back('"');
}

void append_number(double d, std::string& out) {
  if (!std::isfinite(d)) {  // JSON has no NaN/Inf; Go refuses them, we write null.
    out += "null";
    return;
  }
  char buf[64];
  double a = std::fabs(d);
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string s(buf, r.ptr);
    // Go writes e-07 as e-07 -> "e-7"; to_chars already omits leading zeros
    // beyond two digits, so strip a single leading zero of the exponent.
    auto e = s.find('e');
    if (e != std::string::npos && e + 2 < s.size() && s[e + 2] == '0' && e + 3 < s.size()) {
      s.erase(e + 2, 1);
    }
    out += s;
    return;
  }
  // Go's strconv.FormatFloat(d, 'f', -1, 64): the shortest digits that read back as d, written without an exponent.
  // to_chars in fixed format would instead write every digit of a large integral double (18446744073709551616 where
  // Go writes 18446744073709552000), so the digits come from the scientific form.
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));
  const std::size_t e = sci.find('e');
  int exponent = 0;
  std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exponent);
  std::string_view mantissa = sci.substr(0, e);
  if (mantissa.front() == '-') {
    out.push_back('-');
    mantissa.remove_prefix(1);
  }
  char digits[32];
  std::size_t n = 0;
  for (char c : mantissa) {
    if (c != '.') digits[n++] = c;
  }
  // digits[0] is the units digit of 10^exponent.
  if (exponent < 0) {
    out.append("0.").append(static_cast<std::size_t>(-exponent - 1), '0').append(digits, n);
  } else if (static_cast<std::size_t>(exponent) + 1 >= n) {
    out.append(digits, n).append(static_cast<std::size_t>(exponent) + 1 - n, '0');
  } else {
    out.append(digits, static_cast<std::size_t>(exponent) + 1).push_back('.');
    out.append(digits + exponent + 1, n - static_cast<std::size_t>(exponent) - 1);
  }
}

void serialize_to(const value& v, std::string& out) { write<false>(v, out, 0); }

std::string serialize(const value& v) {
  std::string out;
  serialize_to(v, out);
  return out;
}

std::string serialize_pretty(const value& v) {
  std::string out;
  write<true>(v, out, 0);
  return out;
}

namespace {
// The index of the first '~' or '/' of `token` from `from` on, or its size. Keys such as
// io.katacontainers.config.hypervisor.cc_init_data are long and label keys hold a '/': 16 bytes a step, then 8.
std::size_t next_to_escape(std::string_view token, std::size_t from) noexcept {
#if defined(__SSE2__)
  const auto block = [](__m128i x) {
    return _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('~')), _mm_cmpeq_epi8(x, _mm_set1_epi8('/')));
  };
#else
  const auto block = nullptr;
#endif
  return first_flagged(token.data(), from, token.size(), block,
                       [](std::uint64_t x) { return bytes_equal_to(x, '~') | bytes_equal_to(x, '/'); },
                       [](char c) { return c == '~' || c == '/'; });
}
}  // namespace

void append_pointer_token(std::string_view token, std::string& out) {
  // Runs between the bytes to escape go in one piece each: most keys have none, a label key one '/'.
  for (std::size_t from = 0;;) {
    const std::size_t at = next_to_escape(token, from);
    out.append(token.data() + from, at - from);
    if (at == token.size()) return;
    out.append(token[at] == '~' ? "~0" : "~1", 2);
    from = at + 1;
  }
}

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  append_pointer_token(token, out);
  return out;
}

namespace {
template <class V>
V* walk(V& root, std::string_view pointer) {
  if (pointer.empty()) return &root;
  if (pointer[0] != '/') return nullptr;
  V* cur = &root;
  std::size_t pos = 1;
  while (true) {
    std::size_t next = pointer.find('/', pos);
    std::string_view raw = pointer.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token.push_back(raw[i + 1] == '0' ? '~' : '/');
        ++i;
      } else {
        token.push_back(raw[i]);
      }
    }
    if (cur->is_object()) {
      cur = cur->find(token);
      if (cur == nullptr) return nullptr;
    } else if (cur->is_array()) {
      std::size_t idx = 0;
      auto r = std::from_chars(token.data(), token.data() + token.size(), idx);
      if (token.empty() || r.ec != std::errc() || r.ptr != token.data() + token.size()) return nullptr;
      auto& arr = cur->as_array();
      if (idx >= arr.size()) return nullptr;
      cur = &arr[idx];
    } else {
      return nullptr;
    }
    if (next == std::string_view::npos) return cur;
    pos = next + 1;
  }
}
}  // namespace

// One level of a lazy value, read off simdjson's tape words directly (lazy_access.h): the element API's
// iterator, type() and get_*() calls cost about as much again as building the members. Each member or element is
// built in place from its tape_slot (value::from_tape, below).
namespace {
// How many members or elements the start word of a level says it has; 0 (reserve nothing) when the tape's
// count saturated.
std::size_t count_of(std::uint64_t start) noexcept {
  const std::size_t n = static_cast<std::uint32_t>(start >> 32) & simdjson::internal::JSON_COUNT_MASK;
  return n == simdjson::internal::JSON_COUNT_MASK ? 0 : n;
}

value::object_t level_of_object(const lazy_element& l) {
  const simdjson::internal::tape_ref ref = detail::tape_of(element_of(l));
  const simdjson::dom::document* doc = ref.doc;
  const std::uint64_t* tape = doc->tape.get();
  const std::uint64_t start = tape[ref.json_index];
  const std::size_t close = detail::closing_word(tape, ref.json_index);
  const std::size_t n = count_of(start);
  value::object_t members;
  // A level is converted when something looks into it, most often to edit it: the room for two more members lets
  // a mutation add a label, an annotation or a field of spec without moving the whole level.
  members.reserve(n + 2);
  // The tape's count saturates at JSON_COUNT_MASK keys (count_of gives 0 then): take a non-empty object of
  // "0" keys for a large one.
  repeated_keys earlier(n == 0 && ref.json_index + 1 < close ? SIZE_MAX : n);
  for (std::size_t i = ref.json_index + 1; i < close;) {
    const std::string_view k = detail::string_on_tape(*doc, tape[i]);
    const std::size_t at = i + 1;
    i = detail::after_value(tape, at);
    if (value* slot = earlier.find(k, members); slot != nullptr) {
      *slot = value(tape_slot{doc, at});
      continue;
    }
    members.emplace_back(std::string(k), tape_slot{doc, at});
  }
  return members;
}

value::array_t level_of_array(const lazy_element& l) {
  const simdjson::internal::tape_ref ref = detail::tape_of(element_of(l));
  const std::uint64_t* tape = ref.doc->tape.get();
  const std::size_t close = detail::closing_word(tape, ref.json_index);
  value::array_t elements;
  elements.reserve(count_of(tape[ref.json_index]));
  for (std::size_t i = ref.json_index + 1; i < close; i = detail::after_value(tape, i)) {
    elements.emplace_back(tape_slot{ref.doc, i});
  }
  return elements;
}
}  // namespace

const value* at_pointer(const value& root, std::string_view pointer) { return walk(root, pointer); }
value* at_pointer(value& root, std::string_view pointer) { return walk(root, pointer); }

}  // namespace coco_admit::json

namespace coco_admit {

// One level, as the eager conversion would build it (repeated keys: the last value at the first position), with
// the arrays and objects inside left lazy. The depth limit was checked when the lazy root was made.
value::variant_t value::from_tape(const tape_slot& slot) noexcept {
  // What convert() builds: numbers beyond int64 as doubles, strings as views of the document, arrays and objects as
  // lazy values of their own. The variant is returned, not a value, so that the constructor builds v_ from it in
  // place: a member of a converted level then costs no move and no destruction of a temporary.
  const auto* doc = static_cast<const simdjson::dom::document*>(slot.document);
  const std::uint64_t word = doc->tape[slot.index];
  switch (static_cast<char>(word >> 56)) {
    case '"': {
      const std::string_view text = json::detail::string_on_tape(*doc, word);
      return variant_t(std::in_place_type<lazy_string>, lazy_string{text.data(), text.size()});
    }
    case 'l':
      return variant_t(std::in_place_type<std::int64_t>, static_cast<std::int64_t>(doc->tape[slot.index + 1]));
    case 'u':  // beyond int64, as Go's float64 decoding
      return variant_t(std::in_place_type<double>, static_cast<double>(doc->tape[slot.index + 1]));
    case 'd': return variant_t(std::in_place_type<double>, std::bit_cast<double>(doc->tape[slot.index + 1]));
    case 't': return variant_t(std::in_place_type<bool>, true);
    case 'f': return variant_t(std::in_place_type<bool>, false);
    case '{':
    case '[':
      return variant_t(std::in_place_type<lazy_element>,
                       json::detail::lazy_of(json::detail::element_at(simdjson::internal::tape_ref(doc, slot.index)),
                                             static_cast<char>(word >> 56) == '{'));
    default: return variant_t();  // 'n'
  }
}

value::value(const tape_slot& slot) noexcept : v_(from_tape(slot)) {}

void value::convert_lazy() const {
  const lazy_element& l = *std::get_if<lazy_index>(&v_);
  value level = l.object ? value(json::level_of_object(l)) : value(json::level_of_array(l));
  v_ = std::move(level.v_);
}

}  // namespace coco_admit
