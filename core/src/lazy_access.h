// How a lazy value (value.h) holds its simdjson element: as the element's bytes, so that value.h needs no
// simdjson. json.cc makes lazy values and converts them; value_view.cc reads them in place.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include <simdjson.h>

#include "coco-admit/core/value.h"

namespace coco_admit::json::detail {

// An element is a document pointer and a tape index (one simdjson::internal::tape_ref), so equal bytes are the
// same element of the same document.
static_assert(sizeof(simdjson::dom::element) == sizeof(lazy_element::element));
static_assert(std::is_trivially_copyable_v<simdjson::dom::element>);
static_assert(sizeof(simdjson::internal::tape_ref) == sizeof(simdjson::dom::element));
static_assert(std::is_trivially_copyable_v<simdjson::internal::tape_ref>);

inline lazy_element lazy_of(const simdjson::dom::element& e, bool object) {
  lazy_element l;
  std::memcpy(l.element, &e, sizeof l.element);
  l.object = object;
  return l;
}

inline simdjson::dom::element element_of(const lazy_element& l) {
  simdjson::dom::element e;
  std::memcpy(&e, l.element, sizeof l.element);
  return e;
}

// The tape position an element stands for (simdjson keeps it internal, so it is read from the element's bytes).
inline simdjson::internal::tape_ref tape_of(const simdjson::dom::element& e) {
  simdjson::internal::tape_ref ref;
  // Trivially copyable (asserted); only its constructor is not trivial.
  std::memcpy(static_cast<void*>(&ref), &e, sizeof ref);
  return ref;
}

inline simdjson::dom::element element_at(const simdjson::internal::tape_ref& ref) {
  simdjson::dom::element e;
  std::memcpy(static_cast<void*>(&e), &ref, sizeof e);
  return e;
}

// Reading simdjson's tape words directly, where the element API's iterator and calls would cost several times as
// much (dom::document: the tape and its string buffer). An object or array is its '{' or '[' word, whose low 32
// bits are the index after its closing word, then per member a key and a value (per element a value). A key or
// string is one word holding the offset in string_buf of a 32-bit length and the bytes; a number is its type word
// ('l', 'u', 'd') and then its 64 bits; true, false and null are one word each.

/// The index of the word after the value at `at`.
inline std::size_t after_value(const std::uint64_t* tape, std::size_t at) noexcept {
  // Words per value by type, 0 for the two that store where they end: one load and a select instead of a switch's
  // compares and branches, in the loops that step over every member of a level.
  static constexpr auto words = [] {
    std::array<std::uint8_t, 256> w{};
    w.fill(1);
    w['l'] = w['u'] = w['d'] = 2;
    w['{'] = w['['] = 0;
    return w;
  }();
  const std::uint64_t word = tape[at];
  const std::uint8_t n = words[word >> 56];
  return n != 0 ? at + n : static_cast<std::uint32_t>(word);
}

/// The text of the key or string word `word`.
inline std::string_view string_on_tape(const simdjson::dom::document& doc, std::uint64_t word) noexcept {
  const std::uint8_t* text = doc.string_buf.get() + (word & simdjson::internal::JSON_VALUE_MASK);
  std::uint32_t length = 0;
  std::memcpy(&length, text, sizeof length);
  return {reinterpret_cast<const char*>(text + sizeof length), length};
}

/// The index of the closing word of the object or array that starts at `start`.
inline std::size_t closing_word(const std::uint64_t* tape, std::size_t start) noexcept {
  return static_cast<std::uint32_t>(tape[start]) - 1;
}

}  // namespace coco_admit::json::detail
