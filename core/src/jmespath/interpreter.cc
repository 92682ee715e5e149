// Tree-walking evaluator over the flat AST (see ast.h), following
// go-jmespath's interpreter.go, with Kyverno's missing-key errors.
//
// Results are `handle`s: either a pointer into the input document (or into a
// literal of the AST), or an owned value. Field chains, indexes, pipes and
// comparisons therefore never copy; only values placed into a new container
// (projections, multi-selects, function results) are copied, once.
#include <algorithm>
#include <cmath>

#include "coco-admit/core/json.h"
#include "coco-admit/core/value_view.h"
#include "jmespath/ast.h"
#include "jmespath/functions.h"
#include "memo.h"

namespace coco_admit::jmespath {
namespace detail {
namespace {

// At namespace scope rather than a function-local static: every handle
// starts out pointing here, and a local static would test its guard each
// time. (A zero-initialised value is already null, so use during another
// file's static initialisation is safe too.)
const value k_null;

const value& null_value() { return k_null; }

/// A borrowed or owned evaluation result.
class handle {
 public:
  handle() noexcept : ref_(&null_value()) {}
  const value& get() const noexcept { return ref_ ? *ref_ : own_; }
  bool borrowed() const noexcept { return ref_ != nullptr; }
  void borrow(const value& v) noexcept {
    ref_ = &v;
  }
  void own(value v) noexcept {
    own_ = std::move(v);
    ref_ = nullptr;
  }
  void set_null() noexcept { ref_ = &null_value(); }
  /// Takes over a borrowed value that lives in `owner` (a handle about to be dropped), moving it rather than copying.
  void take_from(handle& owner) {
    if (ref_ == nullptr || ref_ == &null_value()) return;
    own_ = std::move(const_cast<value&>(*ref_));
    ref_ = nullptr;
    owner.set_null();
  }
  /// Copies a borrowed value, so it outlives what it pointed into.
  void materialize() {
    if (ref_) {
      own_ = *ref_;
      ref_ = nullptr;
    }
  }
  value take() {
    if (ref_) return *ref_;
    return std::move(own_);
  }

 private:
  const value* ref_;
  value own_;
};

int compare_numbers(double a, double b) { return a < b ? -1 : (a > b ? 1 : 0); }

bool type_matches(std::uint16_t mask, const value& v) {
  switch (v.type()) {
    case value::kind::null: return mask & t_null;
    case value::kind::boolean: return mask & t_bool;
    case value::kind::integer:
    case value::kind::number: return mask & t_number;
    case value::kind::string: return mask & t_string;
    case value::kind::object: return mask & t_object;
    case value::kind::array: {
      if (mask & t_array) return true;
      const auto& a = v.as_array();
      if ((mask & t_array_number) &&
          std::all_of(a.begin(), a.end(), [](const value& x) { return x.is_number(); })) {
        return true;
      }
      if ((mask & t_array_string) &&
          std::all_of(a.begin(), a.end(), [](const value& x) { return x.is_string(); })) {
        return true;
      }
      return false;
    }
  }
  return false;
}

}  // namespace

class interpreter {
 public:
  interpreter(const expression& e, const limits& l) : e_(e), l_(l) {}

  bool eval(std::uint32_t id, const value& in, handle& out);

  /// Kyverno's fork (kyverno/go-jmespath) raises NotFound for a missing object
  /// key, and only some constructs absorb it (KYVERNO.md 0.3 / 1.3): operands of
  /// `||`, `&&` and `!`; the left side of a pipe; the per-element right side of
  /// every projection (list, object, flatten, filter) and filter conditions;
  /// function arguments (and exprefs applied by functions); both operands of a
  /// comparison; each item of a multi-select list/hash (the fork's compliance
  /// suite requires `{a: a, b: missing}` to be `{"a": .., "b": null}`). Every
  /// such place calls this, and nothing else clears a not_found, so the rule
  /// lives here. Everywhere else (sub-expressions `a.b`, indexes, the left side
  /// of a projection, the right side of a pipe, a bare field) the error
  /// propagates and the caller of evaluate() sees `Unknown key "x" in path`.
  bool swallow_not_found(std::uint32_t id, const value& in, handle& out) {
    if (eval(id, in, out)) return true;
    if (err_kind_ != error::kind::not_found) return false;
    clear_error();
    out.set_null();
    return true;
  }

  error take_error() {
    if (err_kind_ == error::kind::not_found) {
      return error::not_found("Unknown key \"" + *missing_key_ + "\" in path");
    }
    return error{err_kind_, std::move(err_message_)};
  }

  bool fail(error e) {
    err_kind_ = e.code;
    err_message_ = std::move(e.message);
    return false;
  }
  bool budget_exceeded(const std::string& what) {
    return fail(error::budget("JMESPath evaluation of '" + e_.text + "' " + what));
  }
  // Called for every node: the message is built out of line so this inlines.
  bool step() {
    if (++steps_ <= l_.max_steps) [[likely]] return true;
    return steps_exceeded();
  }
  [[gnu::noinline, gnu::cold]] bool steps_exceeded() {
    return budget_exceeded("exceeded " + std::to_string(l_.max_steps) + " steps");
  }
  [[gnu::noinline, gnu::cold]] bool depth_exceeded() {
    return budget_exceeded("nested deeper than " + std::to_string(l_.max_depth) + " levels");
  }
  /// Adds `bytes` to the size of a container being built (`acc`).
  bool grow(std::size_t& acc, const value& v) {
    acc += estimate_size(v, l_.max_result_bytes + 1);
    return check_size(acc);
  }
  bool check_size(std::size_t bytes) {
    if (bytes > l_.max_result_bytes) {
      return budget_exceeded("built a value larger than " + std::to_string(l_.max_result_bytes) + " bytes");
    }
    return true;
  }

  result<value> apply_expref(std::uint32_t expref_body, const value& element) {
    handle h;
    if (!swallow_not_found(expref_body, element, h)) return take_error();
    return h.take();
  }

 private:
  void clear_error() {
    err_kind_ = error::kind::invalid;
    err_message_.clear();
    missing_key_ = nullptr;
  }
  enum class chain : unsigned char { not_a_chain, ok, failed };
  chain eval_field_chain(const node& n, const value& in, handle& out);
  /// Makes `out`, which `rhs` evaluated on `left`, outlive `left`. When `left` is a value of this evaluation's own (a
  /// function's result) and `rhs` a field or an index of it, what `out` points at lies inside `left` and is moved out:
  /// `coco_initdata_decode(v).data."policy.rego"` copied a 290 KB text twice on its way out.
  void keep_result(std::uint32_t rhs, handle& left, handle& out) {
    if (left.borrowed()) return;
    const node_type t = e_.nodes[rhs].type;
    if (t == node_type::field || t == node_type::index) {
      out.take_from(left);
    } else {
      out.materialize();
    }
  }
  bool eval_function(const node& n, const value& in, handle& out);
  bool eval_slice(const node& n, const value& in, handle& out);
  bool eval_comparator(const node& n, const value& in, handle& out);
  bool project(const node& n, const value& in, handle& out);

  const expression& e_;
  const limits& l_;
  std::size_t steps_ = 0;
  std::size_t depth_ = 0;
  error::kind err_kind_ = error::kind::invalid;
  std::string err_message_;
  const std::string* missing_key_ = nullptr;

  friend class call;
};

bool interpreter::eval(std::uint32_t id, const value& in, handle& out) {
  if (!step()) return false;
  if (depth_ >= l_.max_depth) [[unlikely]] return depth_exceeded();
  struct depth_guard {
    std::size_t& d;
    explicit depth_guard(std::size_t& x) : d(x) { ++d; }
    ~depth_guard() { --d; }
  } guard(depth_);

  const node& n = e_.nodes[id];
  switch (n.type) {
    case node_type::identity:
    case node_type::current: out.borrow(in); return true;
    case node_type::literal: out.borrow(n.literal); return true;
    case node_type::field: {
      if (!in.is_object()) {
        out.set_null();
        return true;
      }
      if (in.lazy() != nullptr) {
        // A level of the request still in the parser's document is read there (value_view.h), not converted.
        value_view member;
        if (value_view(in).find(n.name, member)) {
          out.own(member.to_value());
          return true;
        }
      } else if (const value* v = in.find(n.name)) {
        out.borrow(*v);
        return true;
      }
      err_kind_ = error::kind::not_found;
      missing_key_ = &n.name;
      return false;
    }
    case node_type::index: {
      if (!in.is_array()) {
        out.set_null();
        return true;
      }
      const auto& a = in.as_array();
      std::int64_t i = n.index;
      auto size = static_cast<std::int64_t>(a.size());
      if (i < 0) i += size;
      if (i < 0 || i >= size) {
        out.set_null();
      } else {
        out.borrow(a[static_cast<std::size_t>(i)]);
      }
      return true;
    }
    case node_type::slice: return eval_slice(n, in, out);
    case node_type::subexpr:
      switch (eval_field_chain(n, in, out)) {
        case chain::ok: return true;
        case chain::failed: return false;
        case chain::not_a_chain: break;
      }
      [[fallthrough]];
    case node_type::index_expr: {
      handle left;
      if (!eval(n.lhs, in, left)) return false;
      if (!eval(n.rhs, left.get(), out)) return false;
      keep_result(n.rhs, left, out);
      return true;
    }
    case node_type::pipe: {
      handle left;
      if (!swallow_not_found(n.lhs, in, left)) return false;
      if (!eval(n.rhs, left.get(), out)) return false;
      keep_result(n.rhs, left, out);
      return true;
    }
    case node_type::projection:
    case node_type::value_projection:
    case node_type::filter: return project(n, in, out);
    case node_type::flatten: {
      handle left;
      if (!eval(n.lhs, in, left)) return false;
      if (!left.get().is_array()) {
        out.set_null();
        return true;
      }
      value::array_t flat;
      std::size_t bytes = 2;
      for (const value& el : left.get().as_array()) {
        if (el.is_array()) {
          for (const value& x : el.as_array()) {
            if (!grow(bytes, x)) return false;
            flat.push_back(x);
          }
        } else {
          if (!grow(bytes, el)) return false;
          flat.push_back(el);
        }
      }
      out.own(value(std::move(flat)));
      return true;
    }
    case node_type::multi_list: {
      if (in.is_null()) {
        out.set_null();
        return true;
      }
      value::array_t items;
      items.reserve(n.list_size);
      std::size_t bytes = 2;
      for (std::uint32_t i = 0; i < n.list_size; ++i) {
        handle h;
        if (!swallow_not_found(e_.lists[n.list_begin + i], in, h)) return false;
        if (!grow(bytes, h.get())) return false;
        items.push_back(h.take());
      }
      out.own(value(std::move(items)));
      return true;
    }
    case node_type::multi_hash: {
      if (in.is_null()) {
        out.set_null();
        return true;
      }
      value obj = value::object();
      std::size_t bytes = 2;
      for (std::uint32_t i = 0; i < n.list_size; ++i) {
        const node& kv = e_.nodes[e_.lists[n.list_begin + i]];
        handle h;
        if (!swallow_not_found(kv.lhs, in, h)) return false;
        bytes += kv.name.size() + 4;
        if (!grow(bytes, h.get())) return false;
        obj.set(kv.name, h.take());
      }
      out.own(std::move(obj));
      return true;
    }
    case node_type::key_val: return fail(error::internal("JMESPath key/value node evaluated on its own"));
    case node_type::or_expr: {
      if (!swallow_not_found(n.lhs, in, out)) return false;
      if (truthy(out.get())) return true;
      return swallow_not_found(n.rhs, in, out);
    }
    case node_type::and_expr: {
      if (!swallow_not_found(n.lhs, in, out)) return false;
      if (!truthy(out.get())) return true;
      return swallow_not_found(n.rhs, in, out);
    }
    case node_type::not_expr: {
      handle h;
      if (!swallow_not_found(n.lhs, in, h)) return false;
      out.own(value(!truthy(h.get())));
      return true;
    }
    case node_type::comparator: return eval_comparator(n, in, out);
    case node_type::function: return eval_function(n, in, out);
    case node_type::expref:
      return fail(error::invalid("JMESPath expression '" + e_.text +
                                 "': invalid type: an expression reference (&) is only valid as a function argument"));
  }
  return fail(error::internal("unknown JMESPath node"));
}

// `a.b.c` parses to subexpr(subexpr(a, b), c). The most common expressions
// in policies are such chains of fields ({{ request.object.metadata.name }},
// {{ element.name }}); this walks one in a loop instead of recursing through
// every subexpr node. It visits the nodes in the same order as the recursion
// and counts the same steps, so results, errors and budgets are identical;
// when a step or depth bound could be reached inside the chain, it leaves
// the chain to the recursion, which reports the bound where it always has.
interpreter::chain interpreter::eval_field_chain(const node& n, const value& in, handle& out) {
  constexpr std::size_t max_chain = 32;
  const node* fields[max_chain];
  std::size_t k = 0;
  const node* cur = &n;
  while (true) {
    const node& rhs = e_.nodes[cur->rhs];
    if (rhs.type != node_type::field || k + 2 > max_chain) return chain::not_a_chain;
    fields[max_chain - 1 - k++] = &rhs;
    const node& lhs = e_.nodes[cur->lhs];
    if (lhs.type == node_type::field) {
      fields[max_chain - 1 - k++] = &lhs;
      break;
    }
    if (lhs.type != node_type::subexpr) return chain::not_a_chain;
    cur = &lhs;
  }
  // This subexpr node is counted and entered already; k - 2 more enclose the first field.
  const std::size_t inner = k - 2;
  if (steps_ + inner > l_.max_steps || depth_ + inner >= l_.max_depth) return chain::not_a_chain;
  steps_ += inner;
  const value* v = &in;
  // Members read from lazy levels (value_view.h) are values of their own: the chain holds the last two.
  value read[2];
  std::size_t next_read = 0;
  const value* last_read = nullptr;
  for (std::size_t i = max_chain - k; i < max_chain; ++i) {
    if (!step()) return chain::failed;
    if (!v->is_object()) {
      v = &null_value();  // a field of a non-object is null, and so is every field after it
      continue;
    }
    const value* member = nullptr;
    if (v->lazy() != nullptr) {
      value_view found;
      if (value_view(*v).find(fields[i]->name, found)) {
        read[next_read] = found.to_value();
        member = last_read = &read[next_read];
        next_read ^= 1;
      }
    } else {
      member = v->find(fields[i]->name);
    }
    if (member == nullptr) {
      err_kind_ = error::kind::not_found;
      missing_key_ = &fields[i]->name;
      return chain::failed;
    }
    v = member;
  }
  if (v == last_read) {
    out.own(std::move(read[next_read ^ 1]));
  } else {
    out.borrow(*v);
  }
  return chain::ok;
}

bool interpreter::eval_slice(const node& n, const value& in, handle& out) {
  if (!in.is_array()) {
    out.set_null();
    return true;
  }
  const auto& a = in.as_array();
  auto length = static_cast<std::int64_t>(a.size());
  std::int64_t step = n.has_step ? n.step : 1;
  auto cap = [&](std::int64_t actual) {
    if (actual < 0) {
      actual += length;
      if (actual < 0) actual = step < 0 ? -1 : 0;
    } else if (actual >= length) {
      actual = step < 0 ? length - 1 : length;
    }
    return actual;
  };
  std::int64_t start = n.has_start ? cap(n.index) : (step < 0 ? length - 1 : 0);
  std::int64_t stop = n.has_stop ? cap(n.stop) : (step < 0 ? -1 : length);
  value::array_t res;
  std::size_t bytes = 2;
  if (step > 0) {
    for (std::int64_t i = start; i < stop; i += step) {
      if (!grow(bytes, a[static_cast<std::size_t>(i)])) return false;
      res.push_back(a[static_cast<std::size_t>(i)]);
    }
  } else {
    for (std::int64_t i = start; i > stop; i += step) {
      if (!grow(bytes, a[static_cast<std::size_t>(i)])) return false;
      res.push_back(a[static_cast<std::size_t>(i)]);
    }
  }
  out.own(value(std::move(res)));
  return true;
}

bool interpreter::project(const node& n, const value& in, handle& out) {
  value::array_t collected;
  std::size_t bytes = 2;
  // Applies the right side to one element; non-null results are collected.
  auto one = [&](const value& el) {
    if (!step()) return false;
    if (n.type == node_type::filter) {
      handle c;
      if (!swallow_not_found(n.cond, el, c)) return false;
      if (!truthy(c.get())) return true;
    }
    handle r;
    if (!swallow_not_found(n.rhs, el, r)) return false;
    if (r.get().is_null()) return true;
    if (!grow(bytes, r.get())) return false;
    collected.push_back(r.take());
    return true;
  };

  const node& lhs = e_.nodes[n.lhs];
  if (n.type == node_type::projection && lhs.type == node_type::flatten) {
    // `x[]`: iterate the flattened sequence without building it.
    handle left;
    if (!eval(lhs.lhs, in, left)) return false;
    if (!left.get().is_array()) {
      out.set_null();
      return true;
    }
    for (const value& el : left.get().as_array()) {
      if (el.is_array()) {
        for (const value& x : el.as_array()) {
          if (!one(x)) return false;
        }
      } else if (!one(el)) {
        return false;
      }
    }
    out.own(value(std::move(collected)));
    return true;
  }

  handle left;
  if (!eval(n.lhs, in, left)) return false;
  const value& lv = left.get();
  if (n.type == node_type::value_projection) {
    if (!lv.is_object()) {
      out.set_null();
      return true;
    }
    for (const member& m : lv.as_object()) {
      if (!one(m.val)) return false;
    }
  } else {
    if (!lv.is_array()) {
      out.set_null();
      return true;
    }
    for (const value& el : lv.as_array()) {
      if (!one(el)) return false;
    }
  }
  out.own(value(std::move(collected)));
  return true;
}

bool interpreter::eval_comparator(const node& n, const value& in, handle& out) {
  handle l, r;
  if (!swallow_not_found(n.lhs, in, l) || !swallow_not_found(n.rhs, in, r)) return false;
  const value& a = l.get();
  const value& b = r.get();
  switch (n.cmp) {
    case comparison::eq: out.own(value(a == b)); return true;
    case comparison::ne: out.own(value(a != b)); return true;
    default: break;
  }
  // Ordering is defined on numbers only; anything else gives null.
  if (!a.is_number() || !b.is_number()) {
    out.set_null();
    return true;
  }
  int c = (a.is_integer() && b.is_integer()) ? (a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int())
                                             : compare_numbers(a.as_double(), b.as_double());
  bool res = n.cmp == comparison::lt   ? c < 0
             : n.cmp == comparison::le ? c <= 0
             : n.cmp == comparison::gt ? c > 0
                                       : c >= 0;
  out.own(value(res));
  return true;
}

bool interpreter::eval_function(const node& n, const value& in, handle& out) {
  const function_def& fn = *n.fn;
  constexpr std::size_t inline_args = 6;
  std::size_t count = n.list_size;
  handle inline_handles[inline_args];
  const value* inline_ptrs[inline_args];
  std::uint32_t inline_refs[inline_args];
  std::vector<handle> heap_handles;
  std::vector<const value*> heap_ptrs;
  std::vector<std::uint32_t> heap_refs;
  handle* handles = inline_handles;
  const value** ptrs = inline_ptrs;
  std::uint32_t* refs = inline_refs;
  if (count > inline_args) {
    heap_handles.resize(count);
    heap_ptrs.resize(count);
    heap_refs.resize(count);
    handles = heap_handles.data();
    ptrs = heap_ptrs.data();
    refs = heap_refs.data();
  }
  for (std::size_t i = 0; i < count; ++i) {
    std::uint32_t arg = e_.lists[n.list_begin + i];
    std::uint16_t mask = fn.types[std::min<std::size_t>(i, fn.arity == 0 ? 0 : fn.arity - 1)];
    const node& an = e_.nodes[arg];
    auto bad_type = [&](const char* got) {
      return fail(error::invalid("JMESPath function '" + std::string(fn.name) + "': invalid type: argument " +
                                 std::to_string(i + 1) + " must be " + describe_types(mask) + ", got " + got));
    };
    if (an.type == node_type::expref) {
      if (!(mask & t_expref)) return bad_type("expref");
      ptrs[i] = nullptr;
      refs[i] = an.lhs;
      continue;
    }
    refs[i] = 0;
    if (!swallow_not_found(arg, in, handles[i])) return false;
    ptrs[i] = &handles[i].get();
    if (!type_matches(mask, *ptrs[i])) {
      const value& v = *ptrs[i];
      return bad_type(v.is_array() && (mask & (t_array_number | t_array_string)) && !(mask & t_array)
                          ? "an array of mixed or other types"
                          : kind_name(v.type()));
    }
  }
  call c(*this, fn, ptrs, refs, count);
  auto r = fn.impl(c);
  if (!r.ok()) return fail(std::move(r).err());
  value& v = *r;
  if (v.is_string() || v.is_array() || v.is_object()) {
    if (!check_size(estimate_size(v, l_.max_result_bytes + 1))) return false;
  }
  out.own(std::move(v));
  return true;
}

result<value> call::apply(std::size_t i, const value& element) {
  if (!in_.step()) return in_.take_error();
  return in_.apply_expref(exprefs_[i], element);
}

error call::invalid_type(std::string_view what) const {
  return error::invalid("JMESPath function '" + std::string(fn_.name) + "': invalid type: " + std::string(what));
}
error call::invalid_value(std::string_view what) const {
  return error::invalid("JMESPath function '" + std::string(fn_.name) + "': invalid value: " + std::string(what));
}
error call::failed(std::string_view what) const {
  return error::invalid("JMESPath function '" + std::string(fn_.name) + "': " + std::string(what));
}
status call::charge(std::size_t bytes) {
  if (!in_.check_size(bytes)) return in_.take_error();
  return {};
}

bool truthy(const value& v) noexcept {
  switch (v.type()) {
    case value::kind::null: return false;
    case value::kind::boolean: return v.as_bool();
    case value::kind::string:
    case value::kind::array:
    case value::kind::object: return v.size() != 0;
    default: return true;
  }
}

std::size_t estimate_size(const value& v, std::size_t cap) noexcept {
  switch (v.type()) {
    case value::kind::null:
    case value::kind::boolean: return 5;
    case value::kind::integer:
    case value::kind::number: return 8;
    case value::kind::string: return v.as_string().size() + 2;
    case value::kind::array: {
      std::size_t s = 2;
      for (const value& x : v.as_array()) {
        s += estimate_size(x, cap) + 1;
        if (s > cap) return s;
      }
      return s;
    }
    case value::kind::object: {
      std::size_t s = 2;
      for (const member& m : v.as_object()) {
        s += m.key.size() + 4 + estimate_size(m.val, cap);
        if (s > cap) return s;
      }
      return s;
    }
  }
  return 0;
}

}  // namespace detail

result<value> evaluate(const expression& e, const value& data, const limits& l) {
  detail::interpreter in(e, l);
  detail::handle out;
  if (!in.eval(e.root, data, out)) return in.take_error();
  return out.take();
}

result<value> search(std::string_view text, const value& data, const limits& l) {
  // Expressions built at run time (a context jmesPath with variables, {{@}},
  // nested variables) repeat from request to request: parse each once per
  // thread. Compilation is pure, so a hit is exactly a recompilation.
  thread_local memo<expression_ptr> compiled(256 << 10);
  expression_ptr e;
  if (const expression_ptr* hit = compiled.find(text)) {
    e = *hit;
  } else {
    auto c = compile(text);
    if (!c.ok()) return std::move(c).err();
    e = compiled.put(text, std::move(c).value(), 16 * text.size());
  }
  return evaluate(*e, data, l);
}

}  // namespace coco_admit::jmespath
