// The compiled form of a JMESPath expression.
//
// An expression is a flat vector of nodes; children are indices into that
// vector (`lhs`, `rhs`, `cond`) or, for variable-length children (multi-select
// items, function arguments), a run [list_begin, list_begin + list_size) of the
// `lists` vector. Node 0 is never a child; `root` names the top node. The shapes
// follow go-jmespath's parser (ASTProjection, ASTSubexpression, ...), so the
// evaluation rules can be checked against it line by line:
//
//   field            name                  object member (Kyverno: missing = not_found)
//   index            index                 array element, negative from the end
//   slice            start/stop/step       Python slice of an array
//   literal          literal               backtick JSON or raw string
//   identity/current                       the current node
//   subexpr          lhs . rhs             rhs evaluated on lhs's result
//   index_expr       lhs [rhs]             same, for index/slice
//   projection       lhs[*] rhs            rhs per array element, nulls dropped
//   value_projection lhs.* rhs             rhs per object value, nulls dropped
//   flatten          lhs[]                 one level flattened (always under a projection)
//   filter           lhs[?cond] rhs        rhs per element whose cond is truthy
//   multi_list       [a, b]                list items
//   multi_hash       {k: a}                list of key_val nodes (name, lhs)
//   pipe/or_expr/and_expr/comparator       lhs op rhs
//   not_expr         !lhs
//   function         fn(list...)           fn resolved at compile time
//   expref           &lhs                  only meaningful as a function argument
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "coco-admit/core/jmespath.h"
#include "coco-admit/core/value.h"

namespace coco_admit::jmespath {

namespace detail {
struct function_def;

enum class node_type : std::uint8_t {
  identity,
  current,
  field,
  index,
  slice,
  literal,
  subexpr,
  index_expr,
  projection,
  value_projection,
  flatten,
  filter,
  multi_list,
  multi_hash,
  key_val,
  pipe,
  or_expr,
  and_expr,
  not_expr,
  comparator,
  function,
  expref,
};

enum class comparison : std::uint8_t { eq, ne, lt, le, gt, ge };

struct node {
  node_type type = node_type::identity;
  comparison cmp = comparison::eq;
  bool has_start = false, has_stop = false, has_step = false;
  bool quoted = false;       ///< field written as "name" (cannot be called)
  std::uint32_t lhs = 0, rhs = 0, cond = 0;
  std::uint32_t list_begin = 0, list_size = 0;
  std::uint32_t offset = 0;  ///< byte offset in the source text, for messages
  std::int64_t index = 0;    ///< index, or slice start
  std::int64_t stop = 0, step = 1;
  std::string name;          ///< field / key_val key / function name
  value literal;
  const function_def* fn = nullptr;
};
}  // namespace detail

class expression {
 public:
  std::string text;
  std::vector<detail::node> nodes;
  std::vector<std::uint32_t> lists;
  std::uint32_t root = 0;
};

}  // namespace coco_admit::jmespath
