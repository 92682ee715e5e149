#include "json_syntax.h"

#include <cstddef>
#include <algorithm>
#include <optional>

#include "coco-admit/core/json.h"

namespace coco_admit::json {
namespace {

constexpr std::size_t npos = static_cast<std::size_t>(-1);

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// The four hex digits of a \u escape at text[i] (the backslash), or -1.
long escaped_unit(std::string_view text, std::size_t i) {
  if (i + 6 > text.size() || text[i + 1] != 'u') return -1;
  long unit = 0;
  for (std::size_t k = i + 2; k < i + 6; ++k) {
    if (!is_hex(text[k])) return -1;
    unit = unit * 16 + (text[k] <= '9' ? text[k] - '0' : (text[k] | 0x20) - 'a' + 10);
  }
  return unit;
}

// The first fault a byte-level reading finds: a sequence that is not UTF-8, a control character in a string, an
// escape JSON does not allow (an unknown letter, \u without four hex digits, a surrogate \u without its pair), or,
// at the end, the quote of a string never closed. simdjson's first stage rejects the first three kinds before any
// structure is known, and its second stage reports a bad escape only once it has read the string whole: either way
// its own place is not the fault's.
std::size_t byte_fault(std::string_view text) {
  bool in_string = false;
  std::size_t opened = npos;
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence(text, i);
      if (n == 0) return i;
      i += n;
      continue;
    }
    if (!in_string) {
      if (c == '"') {
        in_string = true;
        opened = i;
      }
      ++i;
      continue;
    }
    if (c == '"') {
      in_string = false;
      ++i;
      continue;
    }
    if (c < 0x20) return i;
    if (c != '\\') {
      ++i;
      continue;
    }
    if (i + 1 >= text.size()) return i;
    const char e = text[i + 1];
    if (e != 'u') {
      if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') return i;
      i += 2;
      continue;
    }
    const long unit = escaped_unit(text, i);
    if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF)) return i;
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      const long low = i + 6 < text.size() && text[i + 6] == '\\' ? escaped_unit(text, i + 6) : -1;
      if (low < 0xDC00 || low > 0xDFFF) return i;
      i += 6;
    }
    i += 6;
  }
  return in_string ? opened : npos;
}

// Walks every value below `v`, so that On-Demand checks each one; the first error stops it, and so does a level
// deeper than json::max_depth (DEPTH_ERROR), which keeps the recursion's stack small.
simdjson::error_code walk(simdjson::ondemand::value v, std::size_t depth) {
  using simdjson::ondemand::json_type;
  if (depth > max_depth) return simdjson::DEPTH_ERROR;
  json_type type;
  if (auto err = v.type().get(type)) return err;
  switch (type) {
    case json_type::object: {
      simdjson::ondemand::object object;
      if (auto err = v.get_object().get(object)) return err;
      for (auto field : object) {
        std::string_view key;
        if (auto err = field.unescaped_key().get(key)) return err;
        simdjson::ondemand::value member;
        if (auto err = field.value().get(member)) return err;
        if (auto err = walk(member, depth + 1)) return err;
      }
      return simdjson::SUCCESS;
    }
    case json_type::array: {
      simdjson::ondemand::array array;
      if (auto err = v.get_array().get(array)) return err;
      for (auto element : array) {
        simdjson::ondemand::value item;
        if (auto err = element.get(item)) return err;
        if (auto err = walk(item, depth + 1)) return err;
      }
      return simdjson::SUCCESS;
    }
    case json_type::string: {
      std::string_view s;
      return v.get_string().get(s);
    }
    case json_type::number: {
      simdjson::ondemand::number n;
      return v.get_number().get(n);
    }
    case json_type::boolean: {
      bool b;
      return v.get_bool().get(b);
    }
    case json_type::null: {
      bool is_null = false;
      if (auto err = v.is_null().get(is_null)) return err;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::SUCCESS;
}

// Where an On-Demand walk of the whole document stops: at its first error, or, when it finds none (the DOM parser
// refused text after the document), where it ended.
std::size_t structural_fault(std::string_view text) {
  const simdjson::padded_string padded(text);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) return npos;
  simdjson::ondemand::json_type type;
  if (doc.type().get(type) == simdjson::SUCCESS) {
    if (type == simdjson::ondemand::json_type::object || type == simdjson::ondemand::json_type::array) {
      simdjson::ondemand::value root;
      // Past json::max_depth the walk stops without having reached the fault: no place then.
      if (doc.get_value().get(root) == simdjson::SUCCESS && walk(root, 0) == simdjson::DEPTH_ERROR) return npos;
    } else {
      // A scalar document: reading its token is the whole walk.
      std::string_view token;
      [[maybe_unused]] const simdjson::error_code ignored = doc.raw_json_token().get(token);
    }
  }
  const char* at = nullptr;
  const simdjson::error_code where = doc.current_location().get(at);
  // The walk ran past the last token: the text ends inside the document (its end is the place).
  if (where == simdjson::OUT_OF_BOUNDS) return text.size();
  if (where != simdjson::SUCCESS || at == nullptr) return npos;
  const std::size_t offset = static_cast<std::size_t>(at - padded.data());
  return offset <= text.size() ? offset : npos;
}

// Whether the digits of an integer literal (no sign, no leading zeros but for "0") lie outside what simdjson holds:
// [0, 2^64) for a positive literal, [0, 2^63] for a negative one.
bool too_big(std::string_view digits, bool negative) {
  const std::string_view limit = negative ? "9223372036854775808" : "18446744073709551615";
  if (digits.size() != limit.size()) return digits.size() > limit.size();
  return digits > limit;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Where the string that opens at text[i] ends (after its closing quote), or the text's end when it never closes.
std::size_t after_string(std::string_view text, std::size_t i) {
  for (++i; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return i + 1;
    }
  }
  return text.size();
}

}  // namespace

std::optional<std::string> widen_big_integers(std::string_view text) {
  std::string out;
  bool widened = false;
  std::size_t copied = 0;  // text[copied, i) is yet to be appended to out
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '"') {
      i = after_string(text, i);
      continue;
    }
    if (c != '-' && !is_digit(c)) {
      ++i;
      continue;
    }
    // A number: its integer digits, then whether a fraction or an exponent follows.
    const bool negative = c == '-';
    const std::size_t start = negative ? i + 1 : i;
    std::size_t end = start;
    while (end < text.size() && is_digit(text[end])) ++end;
    const bool integer = end == text.size() || (text[end] != '.' && text[end] != 'e' && text[end] != 'E');
    if (integer && end > start && too_big(text.substr(start, end - start), negative)) {
      out.append(text.substr(copied, end - copied)).append(".0");
      copied = end;
      widened = true;
    }
    // Skip the rest of the number (fraction, exponent) so that its digits are not read as another literal.
    while (end < text.size() && (is_digit(text[end]) || text[end] == '.' || text[end] == 'e' || text[end] == 'E' ||
                                 text[end] == '+' || text[end] == '-')) {
      ++end;
    }
    i = std::max(end, i + 1);
  }
  if (!widened) return std::nullopt;
  out.append(text.substr(copied));
  return out;
}

std::string error_location(std::string_view text, simdjson::error_code err) {
  std::size_t offset = npos;
  switch (err) {
    case simdjson::UTF8_ERROR:
    case simdjson::UNESCAPED_CHARS:
    case simdjson::UNCLOSED_STRING:
    case simdjson::STRING_ERROR:
      offset = byte_fault(text);
      if (offset == npos) offset = structural_fault(text);
      break;
    case simdjson::DEPTH_ERROR:
    case simdjson::EMPTY:
    case simdjson::CAPACITY:
    case simdjson::MEMALLOC: return {};
    default: offset = structural_fault(text); break;
  }
  if (offset == npos) return {};
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return " at line " + std::to_string(line) + ", column " + std::to_string(column) +
         (offset == text.size() ? " (the end of the text)" : "");
}

}  // namespace coco_admit::json
