// json_syntax: JSON texts that simdjson's DOM parser refused: the integers it cannot hold, and where the others go
// wrong.
//
// simdjson 3.0 refuses an integer literal outside [-2^63, 2^64), which RFC 8259 allows and Go's encoding/json (the
// API server, Kyverno) reads as a float64: widen_big_integers writes each such literal as the same number with a
// ".0", which simdjson reads as that float64, and the caller parses again.
//
// simdjson's DOM parser says what is wrong ("improper structure: missing or superfluous commas, ...") but not
// where, and an operator with a 4 KB AdmissionReview or a ConfigMap value needs both. On the error path only, the
// text is read again:
//   - a byte scan finds what simdjson rejects inside strings or before any structure is known: a byte sequence that
//     is not UTF-8, a control character or a bad escape inside a string, a string that is never closed (reported
//     where it opens);
//   - otherwise a simdjson On-Demand walk of the whole document stops where the structure breaks, and its
//     current location is the place (for text after the document, where that text starts; for a document cut
//     short, the end of the text).
// Both are linear in the text and bounded in depth; a valid request never comes here.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

namespace coco_admit::json {

/// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one (json.cc, which quotes strings with it).
std::size_t utf8_sequence(std::string_view s, std::size_t i);

/// `text` with every integer literal outside [-2^63, 2^64) followed by ".0" (strings left alone), or nullopt when it
/// has none. For a text simdjson refused with NUMBER_ERROR.
std::optional<std::string> widen_big_integers(std::string_view text);

/// " at line L, column C" (both from 1; the column counts bytes), or "" when neither reading finds the place.
/// `text` needs no padding.
std::string error_location(std::string_view text, simdjson::error_code err);

}  // namespace coco_admit::json
