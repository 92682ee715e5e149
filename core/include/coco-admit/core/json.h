// JSON text <-> value, and RFC 6901 JSON pointers over a value.
//
// Parsing goes through simdjson (DOM API) with a parser the caller may reuse
// per thread. Serialisation is deterministic: members in stored order, no
// spaces, Go-compatible number formatting (integral doubles below 1e21 print
// without a fraction, like encoding/json), and the same escaping as Go's
// encoding/json minus HTML escaping.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "coco-admit/core/result.h"
#include "coco-admit/core/value.h"

namespace simdjson::dom {
class element;
class parser;
}  // namespace simdjson::dom

namespace coco_admit::json {

/// Nesting deeper than this is rejected with a clear error (bounded work on
/// hostile input; Kubernetes objects are far shallower).
inline constexpr std::size_t max_depth = 256;

/// Parses a JSON document. The error gives simdjson's reason and, when it can be found, the line and column
/// (json_syntax.h).
result<value> parse(std::string_view text);
/// Same, reusing `parser` (and its buffers) across calls.
result<value> parse(simdjson::dom::parser& parser, std::string_view text);
/// Converts an already-parsed simdjson element into a value.
result<value> from_element(const simdjson::dom::element& e);
/// Same, and sets `repeated_keys` when some object of `e` repeats a key: the value then holds the last
/// value at the key's first position (Go's encoding/json), and `equal` below does not apply to `e`.
result<value> from_element(const simdjson::dom::element& e, bool& repeated_keys);
/// Same as from_element, but an array or object stays lazy (value.h): each level is converted when first
/// looked into. `e`'s document must outlive the value and every copy of it. Checks the depth limit now, by a
/// walk of `e`, unless `depth_bound` (how deep a value below `e` can be, which the caller may know from its
/// parser's max_depth) is within it.
result<value> from_element_lazy(const simdjson::dom::element& e, std::size_t depth_bound = SIZE_MAX);
/// Whether the lazy value `l` stands for `e` itself.
bool same_element(const lazy_element& l, const simdjson::dom::element& e) noexcept;
/// A lazy value's size in values and whether one is null, read in the document without converting it (keys an
/// object repeats count as often as they are written); kept in the lazy value for the next time.
struct element_census {
  std::size_t nodes = 0;
  bool has_null = false;
};
element_census census_of(const lazy_element& l);
/// census_of(l).has_null, without counting: a null is one exact tape word, so the scan compares words, 16 at a time
/// with AVX2, where the census branches on each. Only when a number's payload word equals it does the census decide.
bool has_null(const lazy_element& l);
namespace detail {
/// Whether one of `n` tape words equals `word` (has_null's scan): with AVX2 where the CPU has it, and the portable
/// loop, which the tests hold to the same answers whatever this CPU has.
bool any_word_equals(const std::uint64_t* words, std::size_t n, std::uint64_t word) noexcept;
bool any_word_equals_portable(const std::uint64_t* words, std::size_t n, std::uint64_t word) noexcept;
}  // namespace detail
/// The words `l` takes on simdjson's tape, read from its first word: at least census_of(l).nodes, since every value
/// takes one word or more.
std::size_t tape_words(const lazy_element& l) noexcept;
/// The same census walked element by element, uncached: what census_of falls back to, and its oracle in tests.
element_census census_by_elements(const lazy_element& l);
/// Whether `from_element(a)` would give a value equal to `b` (value::operator==: integer 1 equals 1.0,
/// member order does not matter), without building it. `a` must not repeat keys and must be no deeper than
/// max_depth, as any element from_element converted without error and without repeated keys. A lazy `b`
/// standing for `a` itself is equal without a look inside.
bool equal(const simdjson::dom::element& a, const value& b) noexcept;

/// Compact serialisation.
std::string serialize(const value& v);
void serialize_to(const value& v, std::string& out);
/// Two-space indented serialisation (for humans: CLI output, goldens).
std::string serialize_pretty(const value& v);
/// Appends `s` as a quoted, escaped JSON string.
void append_quoted(std::string_view s, std::string& out);
/// Formats a double the way Go's encoding/json does.
void append_number(double d, std::string& out);

/// Escapes one reference token for a JSON pointer ("~" -> "~0", "/" -> "~1").
std::string escape_pointer_token(std::string_view token);
/// Appends `token` to `out` as an RFC 6901 reference token ('~' as "~0", '/' as "~1"), without the leading '/'.
/// Most keys need no escape, and are appended whole.
void append_pointer_token(std::string_view token, std::string& out);
/// Resolves an RFC 6901 pointer; nullptr when any step is missing.
const value* at_pointer(const value& root, std::string_view pointer);
value* at_pointer(value& root, std::string_view pointer);

}  // namespace coco_admit::json
