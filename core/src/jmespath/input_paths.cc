// jmespath::input_paths: which fields of its input an expression reads.
//
// Each node is visited with what its input is: a path of fields from the
// expression's input (`a.b`), or something derived from values already read
// (a projection's element, a function's result), whose reads need no record.
// A field of a path extends the path; every other use of a path's value
// (an index, a function argument, a comparison, a projection's left side,
// the result itself) reads that value whole and records the path. Reading the
// input itself whole (`@`, `[0]`, `keys(@)`) has no path short of everything,
// so the expression is then not described by paths at all.
#include <optional>

#include "jmespath/ast.h"

namespace coco_admit::jmespath {
namespace {

using detail::node;
using detail::node_type;
using path = std::vector<std::string>;

class reads {
 public:
  explicit reads(const expression& e) : e_(e) {}

  std::optional<std::vector<path>> run() {
    consume(visit(e_.root, path{}));
    if (!ok_) return std::nullopt;
    return std::move(paths_);
  }

 private:
  /// The node's output when it is the value at a path of the input, else nullopt.
  std::optional<path> visit(std::uint32_t id, std::optional<path> in) {
    if (!ok_) return std::nullopt;
    const node& n = e_.nodes[id];
    switch (n.type) {
      case node_type::identity:
      case node_type::current: return in;
      case node_type::literal: return std::nullopt;
      case node_type::field:
        if (!in) return std::nullopt;
        in->push_back(n.name);
        return in;
      case node_type::subexpr:
      case node_type::index_expr:
      case node_type::pipe: return visit(n.rhs, visit(n.lhs, std::move(in)));
      case node_type::index:
      case node_type::slice:
        consume(std::move(in));
        return std::nullopt;
      case node_type::projection:
      case node_type::value_projection:
      case node_type::filter:
        consume(visit(n.lhs, std::move(in)));
        if (n.type == node_type::filter) visit(n.cond, std::nullopt);
        visit(n.rhs, std::nullopt);
        return std::nullopt;
      case node_type::flatten:
        consume(visit(n.lhs, std::move(in)));
        return std::nullopt;
      case node_type::multi_list:
      case node_type::multi_hash:
        // Both answer null for a null input: they read the input itself (never null at the top, which is an
        // object).
        if (in && !in->empty()) consume(in);
        for (std::uint32_t i = 0; i < n.list_size; ++i) {
          const std::uint32_t item = e_.lists[n.list_begin + i];
          consume(visit(n.type == node_type::multi_hash ? e_.nodes[item].lhs : item, in));
        }
        return std::nullopt;
      case node_type::key_val: consume(visit(n.lhs, std::move(in))); return std::nullopt;
      case node_type::or_expr:
      case node_type::and_expr:
      case node_type::comparator:
        consume(visit(n.lhs, in));
        consume(visit(n.rhs, std::move(in)));
        return std::nullopt;
      case node_type::not_expr: consume(visit(n.lhs, std::move(in))); return std::nullopt;
      case node_type::function:
        for (std::uint32_t i = 0; i < n.list_size; ++i) {
          const node& arg = e_.nodes[e_.lists[n.list_begin + i]];
          // An expression reference is applied to elements of another argument, never to the input.
          if (arg.type == node_type::expref) visit(arg.lhs, std::nullopt);
          else consume(visit(e_.lists[n.list_begin + i], in));
        }
        return std::nullopt;
      case node_type::expref: visit(n.lhs, std::nullopt); return std::nullopt;
    }
    ok_ = false;  // a node this analysis does not know: no claim
    return std::nullopt;
  }

  void consume(std::optional<path> p) {
    if (!p) return;
    if (p->empty()) {
      ok_ = false;
      return;
    }
    paths_.push_back(std::move(*p));
  }

  const expression& e_;
  std::vector<path> paths_;
  bool ok_ = true;
};

}  // namespace

std::optional<std::vector<std::vector<std::string>>> input_paths(const expression& e) { return reads(e).run(); }

}  // namespace coco_admit::jmespath
