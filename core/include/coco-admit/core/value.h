// value: the mutable JSON document model every component works on.
//
// A value is one of null, bool, integer (int64), number (double), string,
// array or object. Objects are a vector of (key, value) members that keeps the
// order keys were inserted in: Kubernetes objects are small (tens of keys per
// map), a linear scan beats hashing at that size, and keeping input order makes
// every serialisation deterministic (the same input gives the same bytes out).
//
// Integers and doubles are distinct kinds because Kyverno distinguishes them
// (resource values keep int64 in patterns, JMESPath numbers are float64), but
// they compare equal when numerically equal.
//
// An array or object read from a parsed request may be lazy
// (json::from_element_lazy): it stands for its simdjson element until
// something looks at its elements or members, and only then is that one level
// converted (its own arrays and objects stay lazy). type() knows the kind
// without converting, copies of a lazy value copy the reference, and two lazy
// values of the same element compare equal without a look inside; a review
// thus converts only the parts of the request its policies read, and the patch
// diff skips what is still lazy. The strings of a converted level stay views of
// the parser's buffer until something asks for a std::string (as_string()):
// as_string_view() and comparisons read them in place, and copies of the value
// copy the view, so the strings no policy reads are never copied. A lazy value
// must not outlive the parser that made it; nothing else can tell it from a
// converted one.
//
//   value pod = value::object();
//   pod["metadata"]["name"] = "web";          // operator[] inserts on objects
//   if (const value* n = pod.find("metadata")) { ... }
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace coco_admit {

class value;

/// One key of an object, in insertion order.
struct member;

/// A lazy array or object (see above): its simdjson element, held as bytes so that this header needs no
/// simdjson, and what json::census_of found in it the first time it was asked (the element never changes, so
/// copies keep the answer). json.cc reads and writes them.
struct lazy_element {
  alignas(8) unsigned char element[16];
  mutable std::size_t census_nodes = 0;  ///< 0: not taken yet (an element counts itself, so never 0 once taken)
  bool object = false;
  mutable bool census_has_null = false;
  /// json::has_null's answer when no census was taken: 0 not asked yet, 1 no null, 2 a null.
  mutable std::uint8_t null_seen = 0;
};

/// A string of a parsed request still in the parser's buffer (see above).
struct lazy_string {
  const char* data = nullptr;
  std::size_t size = 0;
};

/// Where a value lies on a parsed request's tape: a simdjson document and the index of the value's word. json.cc
/// converts a lazy level member by member from these, constructing each value where it will live.
struct tape_slot {
  const void* document;
  std::size_t index;
};

class value {
 public:
  enum class kind : std::uint8_t { null, boolean, integer, number, string, array, object };
  using array_t = std::vector<value>;
  using object_t = std::vector<member>;

  // Defined below, once `member` is complete: clang checks the variant's
  // alternatives for completeness where these are instantiated.
  value() noexcept;
  value(std::nullptr_t) noexcept;
  value(bool b) noexcept;
  value(int i) noexcept;
  value(long i) noexcept;
  value(long long i) noexcept;
  value(unsigned i) noexcept;
  value(double d) noexcept;
  value(std::string s) noexcept;
  value(std::string_view s);
  value(const char* s);
  value(array_t a) noexcept;
  value(object_t o) noexcept;
  value(const value&);
  value(value&&) noexcept;
  value& operator=(const value&);
  value& operator=(value&&) noexcept;
  ~value();

  static value array();
  static value object();

  kind type() const noexcept {
    const std::size_t i = v_.index();
    if (i >= lazy_index) [[unlikely]] {
      if (i == lazy_string_index) return kind::string;
      return std::get_if<lazy_index>(&v_)->object ? kind::object : kind::array;
    }
    return static_cast<kind>(i);
  }
  bool is_null() const noexcept { return type() == kind::null; }
  bool is_bool() const noexcept { return type() == kind::boolean; }
  bool is_integer() const noexcept { return type() == kind::integer; }
  bool is_double() const noexcept { return type() == kind::number; }
  /// integer or double.
  bool is_number() const noexcept { return is_integer() || is_double(); }
  bool is_string() const noexcept { return type() == kind::string; }
  bool is_array() const noexcept { return type() == kind::array; }
  bool is_object() const noexcept { return type() == kind::object; }

  // Accessors assume the kind was checked.
  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  /// Numeric value of an integer or double.
  double as_double() const {
    return is_integer() ? static_cast<double>(std::get<std::int64_t>(v_)) : std::get<double>(v_);
  }
  /// The string as a std::string: a string of a parsed request is copied out of the parser's buffer the first
  /// time (readers that only compare or copy text use as_string_view(), which never copies).
  const std::string& as_string() const {
    if (v_.index() == lazy_string_index) [[unlikely]] own_string();
    return std::get<std::string>(v_);
  }
  std::string& as_string() {
    if (v_.index() == lazy_string_index) [[unlikely]] own_string();
    return std::get<std::string>(v_);
  }
  std::string_view as_string_view() const noexcept {
    if (const lazy_string* l = std::get_if<lazy_string_index>(&v_)) [[unlikely]] return {l->data, l->size};
    return *std::get_if<std::string>(&v_);
  }
  const array_t& as_array() const {
    convert_if_lazy();
    return std::get<array_t>(v_);
  }
  array_t& as_array() {
    convert_if_lazy();
    return std::get<array_t>(v_);
  }
  const object_t& as_object() const {
    convert_if_lazy();
    return std::get<object_t>(v_);
  }
  object_t& as_object() {
    convert_if_lazy();
    return std::get<object_t>(v_);
  }
  /// The element a lazy array or object stands for; nullptr once converted (or for any other value).
  const lazy_element* lazy() const noexcept { return std::get_if<lazy_index>(&v_); }
  explicit value(const lazy_element& l) noexcept;
  explicit value(const lazy_string& l) noexcept;
  /// The value at `slot` as a conversion of its level makes it (json.cc). Implicit, so that a member or element is
  /// built in place from its slot.
  value(const tape_slot& slot) noexcept;

  /// Object member lookup; nullptr when not an object or no such key.
  const value* find(std::string_view key) const noexcept;
  value* find(std::string_view key) noexcept;
  /// Object member access that inserts null when missing. A null value first
  /// becomes an empty object.
  value& operator[](std::string_view key);
  /// Sets (replacing in place, keeping position) or appends a member.
  void set(std::string_view key, value v);
  /// Removes a member; returns whether it was there.
  bool erase(std::string_view key);
  /// Array append. A null value first becomes an empty array.
  void push_back(value v);
  /// Number of elements (array), members (object), bytes (string); else 0.
  std::size_t size() const noexcept;

  /// Deep structural equality; integer 1 equals double 1.0. Object member
  /// order does not matter.
  friend bool operator==(const value& a, const value& b) noexcept;
  friend bool operator!=(const value& a, const value& b) noexcept { return !(a == b); }

 private:
  static constexpr std::size_t lazy_index = 7;
  static constexpr std::size_t lazy_string_index = 8;
  void convert_if_lazy() const {
    if (v_.index() == lazy_index) [[unlikely]] convert_lazy();
  }
  /// Converts one level of a lazy value in place (json.cc, which knows simdjson). Logically const: the value
  /// reads the same before and after.
  void convert_lazy() const;
  /// Replaces a lazy string by its copy. Logically const, as convert_lazy().
  void own_string() const;

  using variant_t = std::variant<std::monostate, bool, std::int64_t, double, std::string, array_t, object_t,
                                 lazy_element, lazy_string>;
  static variant_t from_tape(const tape_slot& slot) noexcept;
  mutable variant_t v_;
};

struct member {
  std::string key;
  value val;

  member() = default;
  /// Builds the key and the value in place from their arguments (a level converted from the tape passes a
  /// tape_slot, which becomes the value without a temporary). A constructor rather than an aggregate, because
  /// Clang 14 has no parenthesized aggregate initialization for emplace_back.
  template <class Key, class Val>
  member(Key&& k, Val&& v) : key(std::forward<Key>(k)), val(std::forward<Val>(v)) {}
};

inline value::value() noexcept = default;
inline value::value(std::nullptr_t) noexcept {}
inline value::value(bool b) noexcept : v_(b) {}
inline value::value(int i) noexcept : v_(std::int64_t{i}) {}
inline value::value(long i) noexcept : v_(std::int64_t{i}) {}
inline value::value(long long i) noexcept : v_(std::int64_t{i}) {}
inline value::value(unsigned i) noexcept : v_(std::int64_t{i}) {}
inline value::value(double d) noexcept : v_(d) {}
inline value::value(std::string s) noexcept : v_(std::move(s)) {}
inline value::value(std::string_view s) : v_(std::string(s)) {}
inline value::value(const char* s) : v_(std::string(s)) {}
inline value::value(array_t a) noexcept : v_(std::move(a)) {}
inline value::value(object_t o) noexcept : v_(std::move(o)) {}
inline value::value(const lazy_element& l) noexcept : v_(std::in_place_index<lazy_index>, l) {}
inline value::value(const lazy_string& l) noexcept : v_(std::in_place_index<lazy_string_index>, l) {}
inline value::value(const value&) = default;
inline value::value(value&&) noexcept = default;
inline value& value::operator=(const value&) = default;
inline value& value::operator=(value&&) noexcept = default;
inline value::~value() = default;
inline value value::array() { return value(array_t{}); }
inline value value::object() { return value(object_t{}); }

/// Name of a kind as JMESPath's type() spells it ("null", "boolean", "number",
/// "string", "array", "object").
const char* kind_name(value::kind k) noexcept;

}  // namespace coco_admit
