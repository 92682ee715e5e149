// How a lazy value (value.h) holds its simdjson element: as the element's bytes, so that value.h needs no
// simdjson. json.cc makes lazy values and converts them; value_view.cc reads them in place.
#pragma once

#include <cstring>
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
  std::memcpy(static_cast<void*>(&ref), &e, sizeof ref);  // trivially copyable (asserted); only its constructor is not trivial
  return ref;
}

inline simdjson::dom::element element_at(const simdjson::internal::tape_ref& ref) {
  simdjson::dom::element e;
  std::memcpy(static_cast<void*>(&e), &ref, sizeof e);
  return e;
}

}  // namespace coco_admit::json::detail
