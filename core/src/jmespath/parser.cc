// Lexer and Pratt parser for JMESPath, a port of go-jmespath's lexer.go and
// parser.go (same binding powers, same AST shapes), with two additions:
// function names and arities are resolved here, and nesting is bounded.
#include <charconv>
#include <cstring>

#include "coco-admit/core/json.h"
#include "jmespath/ast.h"
#include "jmespath/functions.h"

namespace coco_admit::jmespath {
namespace {

using detail::comparison;
using detail::node;
using detail::node_type;

enum class tok : std::uint8_t {
  eof,
  unquoted_identifier,
  quoted_identifier,
  json_literal,
  string_literal,
  number,
  dot,
  star,
  lbracket,
  rbracket,
  filter,   // [?
  flatten,  // []
  lbrace,
  rbrace,
  lparen,
  rparen,
  comma,
  colon,
  pipe,
  or_,
  and_,
  not_,
  expref,
  current,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
};

const char* tok_name(tok t) {
  switch (t) {
    case tok::eof: return "end of expression";
    case tok::unquoted_identifier: return "identifier";
    case tok::quoted_identifier: return "quoted identifier";
    case tok::json_literal: return "literal";
    case tok::string_literal: return "raw string";
    case tok::number: return "number";
    case tok::dot: return "'.'";
    case tok::star: return "'*'";
    case tok::lbracket: return "'['";
    case tok::rbracket: return "']'";
    case tok::filter: return "'[?'";
    case tok::flatten: return "'[]'";
    case tok::lbrace: return "'{'";
    case tok::rbrace: return "'}'";
    case tok::lparen: return "'('";
    case tok::rparen: return "')'";
    case tok::comma: return "','";
    case tok::colon: return "':'";
    case tok::pipe: return "'|'";
    case tok::or_: return "'||'";
    case tok::and_: return "'&&'";
    case tok::not_: return "'!'";
    case tok::expref: return "'&'";
    case tok::current: return "'@'";
    case tok::eq: return "'=='";
    case tok::ne: return "'!='";
    case tok::lt: return "'<'";
    case tok::le: return "'<='";
    case tok::gt: return "'>'";
    case tok::ge: return "'>='";
  }
  return "token";
}

int binding_power(tok t) {
  switch (t) {
    case tok::pipe: return 1;
    case tok::or_: return 2;
    case tok::and_: return 3;
    case tok::eq:
    case tok::ne:
    case tok::lt:
    case tok::le:
    case tok::gt:
    case tok::ge: return 5;
    case tok::flatten: return 9;
    case tok::star: return 20;
    case tok::filter: return 21;
    case tok::dot: return 40;
    case tok::not_: return 45;
    case tok::lbrace: return 50;
    case tok::lbracket: return 55;
    case tok::lparen: return 60;
    default: return 0;
  }
}

struct token {
  tok type = tok::eof;
  std::uint32_t offset = 0;
  std::string text;  // identifier name, decoded string, literal JSON text
  std::int64_t number = 0;
};

/// Where parsing failed: reason + byte offset.
struct syntax_failure {
  std::string reason;
  std::uint32_t offset = 0;
};

bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

class lexer {
 public:
  explicit lexer(std::string_view s) : s_(s) {}

  bool run(std::vector<token>& out, syntax_failure& f) {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      auto start = static_cast<std::uint32_t>(pos_);
      token t;
      t.offset = start;
      switch (c) {
        case ' ': case '\t': case '\n': case '\r': ++pos_; continue;
        case '.': t.type = tok::dot; ++pos_; break;
        case '*': t.type = tok::star; ++pos_; break;
        case ']': t.type = tok::rbracket; ++pos_; break;
        case ',': t.type = tok::comma; ++pos_; break;
        case ':': t.type = tok::colon; ++pos_; break;
        case '{': t.type = tok::lbrace; ++pos_; break;
        case '}': t.type = tok::rbrace; ++pos_; break;
        case '(': t.type = tok::lparen; ++pos_; break;
        case ')': t.type = tok::rparen; ++pos_; break;
        case '@': t.type = tok::current; ++pos_; break;
        case '[':
          ++pos_;
          if (peek() == '?') {
            t.type = tok::filter;
            ++pos_;
          } else if (peek() == ']') {
            t.type = tok::flatten;
            ++pos_;
          } else {
            t.type = tok::lbracket;
          }
          break;
        case '|': ++pos_; t.type = two('|') ? tok::or_ : tok::pipe; break;
        case '&': ++pos_; t.type = two('&') ? tok::and_ : tok::expref; break;
        case '<': ++pos_; t.type = two('=') ? tok::le : tok::lt; break;
        case '>': ++pos_; t.type = two('=') ? tok::ge : tok::gt; break;
        case '!': ++pos_; t.type = two('=') ? tok::ne : tok::not_; break;
        case '=':
          ++pos_;
          if (!two('=')) {
            f = {"unknown character '=' (did you mean '==')", start};
            return false;
          }
          t.type = tok::eq;
          break;
        case '"': {
          std::string raw;
          if (!until('"', raw, f)) return false;
          // Quoted identifiers are JSON strings (escapes, \uXXXX, surrogates).
          std::string quoted;
          quoted.reserve(raw.size() + 2);
          quoted.push_back('"');
          quoted += raw;
          quoted.push_back('"');
          auto v = json::parse(quoted);
          if (!v.ok() || !v->is_string()) {
            f = {"invalid quoted identifier", start};
            return false;
          }
          t.type = tok::quoted_identifier;
          t.text = std::move(v->as_string());
          break;
        }
        case '\'': {
          // Raw string: only \' is an escape; everything else is literal.
          ++pos_;
          std::string text;
          bool closed = false;
          while (pos_ < s_.size()) {
            char d = s_[pos_];
            if (d == '\\' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\'') {
              text.push_back('\'');
              pos_ += 2;
              continue;
            }
            ++pos_;
            if (d == '\'') {
              closed = true;
              break;
            }
            text.push_back(d);
          }
          if (!closed) {
            f = {"unclosed raw string", start};
            return false;
          }
          t.type = tok::string_literal;
          t.text = std::move(text);
          break;
        }
        case '`': {
          std::string raw;
          if (!until('`', raw, f)) return false;
          std::string text;
          text.reserve(raw.size());
          for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '\\' && i + 1 < raw.size() && raw[i + 1] == '`') {
              text.push_back('`');
              ++i;
            } else {
              text.push_back(raw[i]);
            }
          }
          t.type = tok::json_literal;
          t.text = std::move(text);
          break;
        }
        default:
          if (c == '-' || (c >= '0' && c <= '9')) {
            std::size_t b = pos_;
            ++pos_;
            while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
            std::string_view digits = s_.substr(b, pos_ - b);
            auto r = std::from_chars(digits.data(), digits.data() + digits.size(), t.number);
            if (digits == "-" || r.ec != std::errc() || r.ptr != digits.data() + digits.size()) {
              f = {"invalid number '" + std::string(digits) + "'", start};
              return false;
            }
            t.type = tok::number;
          } else if (ident_start(c)) {
            std::size_t b = pos_;
            while (pos_ < s_.size() && ident_char(s_[pos_])) ++pos_;
            t.type = tok::unquoted_identifier;
            t.text = std::string(s_.substr(b, pos_ - b));
          } else {
            std::string shown = (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
                                    ? "byte " + std::to_string(static_cast<unsigned char>(c))
                                    : std::string("'") + c + "'";
            f = {"unknown character " + shown, start};
            return false;
          }
      }
      out.push_back(std::move(t));
    }
    token e;
    e.type = tok::eof;
    e.offset = static_cast<std::uint32_t>(s_.size());
    out.push_back(e);
    return true;
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool two(char c) {
    if (peek() == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // Reads up to the unescaped `end` delimiter; a backslash keeps the next byte.
  bool until(char end, std::string& out, syntax_failure& f) {
    auto start = static_cast<std::uint32_t>(pos_);
    ++pos_;
    while (pos_ < s_.size()) {
      char d = s_[pos_];
      if (d == end) {
        ++pos_;
        return true;
      }
      if (d == '\\' && pos_ + 1 < s_.size()) {
        out.push_back(d);
        out.push_back(s_[pos_ + 1]);
        pos_ += 2;
        continue;
      }
      out.push_back(d);
      ++pos_;
    }
    f = {std::string("unclosed delimiter ") + end, start};
    return false;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

/// Nesting bound for the recursive-descent parser (stack safety on hostile input).
constexpr int max_parse_depth = 256;

class parser {
 public:
  parser(std::vector<token> toks, expression& e) : toks_(std::move(toks)), e_(e) {
    e_.nodes.emplace_back();  // index 0 is reserved: "no child"
  }

  bool parse(syntax_failure& f) {
    std::uint32_t root;
    if (!expr(0, root)) {
      f = std::move(f_);
      return false;
    }
    if (cur() != tok::eof) {
      f = {std::string("unexpected ") + tok_name(cur()) + " after the end of the expression", off()};
      return false;
    }
    e_.root = root;
    return true;
  }

 private:
  tok cur() const { return toks_[pos_].type; }
  tok ahead(std::size_t n) const { return pos_ + n < toks_.size() ? toks_[pos_ + n].type : tok::eof; }
  std::uint32_t off() const { return toks_[pos_].offset; }
  void advance() {
    if (pos_ + 1 < toks_.size()) ++pos_;
  }
  bool fail(std::string reason) {
    return fail_at(std::move(reason), off());
  }
  bool fail_at(std::string reason, std::uint32_t at) {
    if (f_.reason.empty()) f_ = {std::move(reason), at};
    return false;
  }
  bool match(tok t) {
    if (cur() == t) {
      advance();
      return true;
    }
    return fail(std::string("expected ") + tok_name(t) + ", found " + tok_name(cur()));
  }

  std::uint32_t add(node n) {
    e_.nodes.push_back(std::move(n));
    return static_cast<std::uint32_t>(e_.nodes.size() - 1);
  }
  std::uint32_t make(node_type t, std::uint32_t at, std::uint32_t lhs = 0, std::uint32_t rhs = 0) {
    node n;
    n.type = t;
    n.offset = at;
    n.lhs = lhs;
    n.rhs = rhs;
    return add(std::move(n));
  }
  std::uint32_t identity(std::uint32_t at) { return make(node_type::identity, at); }
  std::uint32_t make_list(node_type t, std::uint32_t at, const std::vector<std::uint32_t>& items) {
    node n;
    n.type = t;
    n.offset = at;
    n.list_begin = static_cast<std::uint32_t>(e_.lists.size());
    n.list_size = static_cast<std::uint32_t>(items.size());
    e_.lists.insert(e_.lists.end(), items.begin(), items.end());
    return add(std::move(n));
  }

  bool expr(int bp, std::uint32_t& out) {
    if (++depth_ > max_parse_depth) return fail("expression nested deeper than 256 levels");
    token t = toks_[pos_];
    advance();
    std::uint32_t left;
    if (!nud(t, left)) return false;
    while (bp < binding_power(cur())) {
      token op = toks_[pos_];
      advance();
      if (!led(op, left, left)) return false;
    }
    --depth_;
    out = left;
    return true;
  }

  bool nud(const token& t, std::uint32_t& out) {
    switch (t.type) {
      case tok::json_literal: {
        auto v = json::parse(t.text);
        if (!v.ok()) return fail_at("invalid JSON literal `" + t.text + "`", t.offset);
        node n;
        n.type = node_type::literal;
        n.offset = t.offset;
        n.literal = std::move(v).value();
        out = add(std::move(n));
        return true;
      }
      case tok::string_literal: {
        node n;
        n.type = node_type::literal;
        n.offset = t.offset;
        n.literal = value(t.text);
        out = add(std::move(n));
        return true;
      }
      case tok::unquoted_identifier:
      case tok::quoted_identifier: {
        if (t.type == tok::quoted_identifier && cur() == tok::lparen) {
          return fail_at("a quoted identifier cannot be a function name", t.offset);
        }
        node n;
        n.type = node_type::field;
        n.offset = t.offset;
        n.name = t.text;
        n.quoted = t.type == tok::quoted_identifier;
        out = add(std::move(n));
        return true;
      }
      case tok::star: {
        std::uint32_t left = identity(t.offset), right;
        if (cur() == tok::rbracket) {
          right = identity(off());
        } else if (!projection_rhs(binding_power(tok::star), right)) {
          return false;
        }
        out = make(node_type::value_projection, t.offset, left, right);
        return true;
      }
      case tok::filter: return filter(identity(t.offset), t.offset, out);
      case tok::lbrace: return multi_hash(t.offset, out);
      case tok::flatten: {
        std::uint32_t left = make(node_type::flatten, t.offset, identity(t.offset)), right;
        if (!projection_rhs(binding_power(tok::flatten), right)) return false;
        out = make(node_type::projection, t.offset, left, right);
        return true;
      }
      case tok::lbracket: {
        if (cur() == tok::number || cur() == tok::colon) {
          std::uint32_t right;
          if (!index_expression(right)) return false;
          return project_if_slice(identity(t.offset), right, t.offset, out);
        }
        if (cur() == tok::star && ahead(1) == tok::rbracket) {
          advance();
          advance();
          std::uint32_t right;
          if (!projection_rhs(binding_power(tok::star), right)) return false;
          out = make(node_type::projection, t.offset, identity(t.offset), right);
          return true;
        }
        return multi_list(t.offset, out);
      }
      case tok::current: out = make(node_type::current, t.offset); return true;
      case tok::expref: {
        std::uint32_t e;
        if (!expr(0, e)) return false;
        out = make(node_type::expref, t.offset, e);
        return true;
      }
      case tok::not_: {
        std::uint32_t e;
        if (!expr(binding_power(tok::not_), e)) return false;
        out = make(node_type::not_expr, t.offset, e);
        return true;
      }
      case tok::lparen: {
        std::uint32_t e;
        if (!expr(0, e)) return false;
        if (!match(tok::rparen)) return false;
        out = e;
        return true;
      }
      case tok::eof: return fail_at("incomplete expression", t.offset);
      default: return fail_at(std::string("unexpected ") + tok_name(t.type), t.offset);
    }
  }

  bool led(const token& t, std::uint32_t left, std::uint32_t& out) {
    switch (t.type) {
      case tok::dot: {
        std::uint32_t right;
        if (cur() != tok::star) {
          if (!dot_rhs(binding_power(tok::dot), right)) return false;
          out = make(node_type::subexpr, t.offset, left, right);
          return true;
        }
        advance();
        if (!projection_rhs(binding_power(tok::dot), right)) return false;
        out = make(node_type::value_projection, t.offset, left, right);
        return true;
      }
      case tok::pipe:
      case tok::or_:
      case tok::and_: {
        std::uint32_t right;
        if (!expr(binding_power(t.type), right)) return false;
        node_type nt = t.type == tok::pipe ? node_type::pipe : t.type == tok::or_ ? node_type::or_expr
                                                                                  : node_type::and_expr;
        out = make(nt, t.offset, left, right);
        return true;
      }
      case tok::lparen: return function_call(left, t.offset, out);
      case tok::filter: return filter(left, t.offset, out);
      case tok::flatten: {
        std::uint32_t l = make(node_type::flatten, t.offset, left), right;
        if (!projection_rhs(binding_power(tok::flatten), right)) return false;
        out = make(node_type::projection, t.offset, l, right);
        return true;
      }
      case tok::eq:
      case tok::ne:
      case tok::lt:
      case tok::le:
      case tok::gt:
      case tok::ge: {
        std::uint32_t right;
        if (!expr(binding_power(t.type), right)) return false;
        out = make(node_type::comparator, t.offset, left, right);
        e_.nodes[out].cmp = t.type == tok::eq   ? comparison::eq
                            : t.type == tok::ne ? comparison::ne
                            : t.type == tok::lt ? comparison::lt
                            : t.type == tok::le ? comparison::le
                            : t.type == tok::gt ? comparison::gt
                                                : comparison::ge;
        return true;
      }
      case tok::lbracket: {
        if (cur() == tok::number || cur() == tok::colon) {
          std::uint32_t right;
          if (!index_expression(right)) return false;
          return project_if_slice(left, right, t.offset, out);
        }
        if (!match(tok::star) || !match(tok::rbracket)) return false;
        std::uint32_t right;
        if (!projection_rhs(binding_power(tok::star), right)) return false;
        out = make(node_type::projection, t.offset, left, right);
        return true;
      }
      default: return fail_at(std::string("unexpected ") + tok_name(t.type), t.offset);
    }
  }

  bool function_call(std::uint32_t left, std::uint32_t at, std::uint32_t& out) {
    const node& callee = e_.nodes[left];
    if (callee.type != node_type::field || callee.quoted) {
      return fail_at("only a bare identifier can be called as a function", at);
    }
    std::string name = callee.name;
    std::uint32_t name_at = callee.offset;
    std::vector<std::uint32_t> args;
    if (cur() != tok::rparen) {
      for (;;) {
        std::uint32_t a;
        if (!expr(0, a)) return false;
        args.push_back(a);
        if (cur() == tok::comma) {
          advance();
          continue;
        }
        break;
      }
    }
    if (!match(tok::rparen)) return false;
    const detail::function_def* fn = detail::find_function(name);
    if (fn == nullptr) return fail_at("unknown function '" + name + "'", name_at);
    bool arity_ok = fn->variadic ? args.size() >= fn->arity : args.size() == fn->arity;
    if (!arity_ok) {
      std::string want = std::to_string(fn->arity) + (fn->variadic ? " or more" : "");
      return fail_at("invalid arity: function '" + name + "' takes " + want + " argument" +
                         (fn->arity == 1 && !fn->variadic ? "" : "s") + ", got " + std::to_string(args.size()),
                     name_at);
    }
    out = make_list(node_type::function, name_at, args);
    e_.nodes[out].fn = fn;
    e_.nodes[out].name = std::move(name);
    return true;
  }

  bool index_expression(std::uint32_t& out) {
    if (cur() == tok::colon || ahead(1) == tok::colon) return slice_expression(out);
    node n;
    n.type = node_type::index;
    n.offset = off();
    n.index = toks_[pos_].number;
    if (!match(tok::number) || !match(tok::rbracket)) return false;
    out = add(std::move(n));
    return true;
  }

  bool slice_expression(std::uint32_t& out) {
    node n;
    n.type = node_type::slice;
    n.offset = off();
    int part = 0;
    while (cur() != tok::rbracket && part < 3) {
      if (cur() == tok::colon) {
        ++part;
        advance();
      } else if (cur() == tok::number) {
        std::int64_t v = toks_[pos_].number;
        if (part == 0) {
          n.has_start = true;
          n.index = v;
        } else if (part == 1) {
          n.has_stop = true;
          n.stop = v;
        } else {
          n.has_step = true;
          n.step = v;
        }
        advance();
      } else {
        return fail(std::string("expected ':' or a number in a slice, found ") + tok_name(cur()));
      }
    }
    if (!match(tok::rbracket)) return false;
    if (n.has_step && n.step == 0) return fail_at("invalid value: slice step cannot be 0", n.offset);
    out = add(std::move(n));
    return true;
  }

  bool project_if_slice(std::uint32_t left, std::uint32_t right, std::uint32_t at, std::uint32_t& out) {
    std::uint32_t ie = make(node_type::index_expr, at, left, right);
    if (e_.nodes[right].type != node_type::slice) {
      out = ie;
      return true;
    }
    std::uint32_t rhs;
    if (!projection_rhs(binding_power(tok::star), rhs)) return false;
    out = make(node_type::projection, at, ie, rhs);
    return true;
  }

  bool dot_rhs(int bp, std::uint32_t& out) {
    tok t = cur();
    if (t == tok::quoted_identifier || t == tok::unquoted_identifier || t == tok::star) return expr(bp, out);
    if (t == tok::lbracket) {
      std::uint32_t at = off();
      advance();
      return multi_list(at, out);
    }
    if (t == tok::lbrace) {
      std::uint32_t at = off();
      advance();
      return multi_hash(at, out);
    }
    return fail(std::string("expected an identifier, '[' or '{' after '.', found ") + tok_name(t));
  }

  bool projection_rhs(int bp, std::uint32_t& out) {
    tok t = cur();
    if (binding_power(t) < 10) {
      out = identity(off());
      return true;
    }
    if (t == tok::lbracket || t == tok::filter) return expr(bp, out);
    if (t == tok::dot) {
      advance();
      return dot_rhs(bp, out);
    }
    return fail(std::string("unexpected ") + tok_name(t) + " after a projection");
  }

  bool filter(std::uint32_t left, std::uint32_t at, std::uint32_t& out) {
    std::uint32_t condition, right;
    if (!expr(0, condition)) return false;
    if (!match(tok::rbracket)) return false;
    if (cur() == tok::flatten) {
      right = identity(off());
    } else if (!projection_rhs(binding_power(tok::filter), right)) {
      return false;
    }
    out = make(node_type::filter, at, left, right);
    e_.nodes[out].cond = condition;
    return true;
  }

  bool multi_list(std::uint32_t at, std::uint32_t& out) {
    std::vector<std::uint32_t> items;
    for (;;) {
      std::uint32_t e;
      if (!expr(0, e)) return false;
      items.push_back(e);
      if (cur() == tok::rbracket) break;
      if (!match(tok::comma)) return false;
    }
    if (!match(tok::rbracket)) return false;
    out = make_list(node_type::multi_list, at, items);
    return true;
  }

  bool multi_hash(std::uint32_t at, std::uint32_t& out) {
    std::vector<std::uint32_t> items;
    for (;;) {
      const token& key = toks_[pos_];
      if (key.type != tok::unquoted_identifier && key.type != tok::quoted_identifier) {
        return fail(std::string("expected a key name in a multi-select hash, found ") + tok_name(key.type));
      }
      node kv;
      kv.type = node_type::key_val;
      kv.offset = key.offset;
      kv.name = key.text;
      advance();
      if (!match(tok::colon)) return false;
      std::uint32_t v;
      if (!expr(0, v)) return false;
      kv.lhs = v;
      items.push_back(add(std::move(kv)));
      if (cur() == tok::comma) {
        advance();
      } else if (cur() == tok::rbrace) {
        advance();
        break;
      } else {
        return fail(std::string("expected ',' or '}' in a multi-select hash, found ") + tok_name(cur()));
      }
    }
    out = make_list(node_type::multi_hash, at, items);
    return true;
  }

  std::vector<token> toks_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  expression& e_;
  syntax_failure f_;
};

void dump_node(const expression& e, std::uint32_t id, std::string& out) {
  const node& n = e.nodes[id];
  auto child = [&](std::uint32_t c) { dump_node(e, c, out); };
  auto list = [&] {
    for (std::uint32_t i = 0; i < n.list_size; ++i) {
      out.push_back(' ');
      child(e.lists[n.list_begin + i]);
    }
  };
  switch (n.type) {
    case node_type::identity: out += "@"; return;
    case node_type::current: out += "(current)"; return;
    case node_type::field:
      out += "(field ";
      json::append_quoted(n.name, out);
      out += ")";
      return;
    case node_type::index: out += "(index " + std::to_string(n.index) + ")"; return;
    case node_type::slice:
      out += "(slice ";
      out += n.has_start ? std::to_string(n.index) : "_";
      out += ":";
      out += n.has_stop ? std::to_string(n.stop) : "_";
      out += ":";
      out += n.has_step ? std::to_string(n.step) : "_";
      out += ")";
      return;
    case node_type::literal:
      out += "(literal ";
      json::serialize_to(n.literal, out);
      out += ")";
      return;
    case node_type::key_val:
      out += "(";
      json::append_quoted(n.name, out);
      out += " ";
      child(n.lhs);
      out += ")";
      return;
    case node_type::function:
      out += "(call " + n.name;
      list();
      out += ")";
      return;
    case node_type::multi_list: out += "(list"; list(); out += ")"; return;
    case node_type::multi_hash: out += "(hash"; list(); out += ")"; return;
    case node_type::not_expr: out += "(not "; child(n.lhs); out += ")"; return;
    case node_type::expref: out += "(expref "; child(n.lhs); out += ")"; return;
    case node_type::flatten: out += "(flatten "; child(n.lhs); out += ")"; return;
    case node_type::filter:
      out += "(filter ";
      child(n.lhs);
      out += " ";
      child(n.cond);
      out += " ";
      child(n.rhs);
      out += ")";
      return;
    default: break;
  }
  const char* name = "";
  switch (n.type) {
    case node_type::subexpr: name = "sub"; break;
    case node_type::index_expr: name = "index-expr"; break;
    case node_type::projection: name = "project"; break;
    case node_type::value_projection: name = "project-values"; break;
    case node_type::pipe: name = "pipe"; break;
    case node_type::or_expr: name = "or"; break;
    case node_type::and_expr: name = "and"; break;
    case node_type::comparator: {
      static const char* ops[] = {"==", "!=", "<", "<=", ">", ">="};
      name = ops[static_cast<int>(n.cmp)];
      break;
    }
    default: break;
  }
  out += "(";
  out += name;
  out += " ";
  child(n.lhs);
  out += " ";
  child(n.rhs);
  out += ")";
}

}  // namespace

result<expression_ptr> compile(std::string_view text) {
  auto fail = [&](const syntax_failure& f) {
    std::string m = "invalid JMESPath expression '";
    m += text;
    m += "': ";
    // Unknown function and arity problems keep their own class; the rest are syntax.
    if (f.reason.rfind("unknown function", 0) != 0 && f.reason.rfind("invalid arity", 0) != 0 &&
        f.reason.rfind("invalid value", 0) != 0) {
      m += "syntax error: ";
    }
    m += f.reason;
    m += " at offset ";
    m += std::to_string(f.offset);
    return error::invalid(std::move(m));
  };
  std::vector<token> toks;
  syntax_failure f;
  lexer lx(text);
  if (!lx.run(toks, f)) return fail(f);
  auto e = std::make_shared<expression>();
  e->text = std::string(text);
  parser p(std::move(toks), *e);
  if (!p.parse(f)) return fail(f);
  return expression_ptr(std::move(e));
}

std::string dump(const expression& e) {
  std::string out;
  dump_node(e, e.root, out);
  return out;
}

const std::string& source(const expression& e) { return e.text; }

error_class classify(const error& e) {
  if (e.code == error::kind::not_found) return error_class::not_found;
  if (e.code == error::kind::budget) return error_class::budget;
  const std::string& m = e.message;
  bool compile_error = m.rfind("invalid JMESPath expression '", 0) == 0;
  // Compile messages quote the expression text first; classify on what follows it.
  std::string_view tail = m;
  if (compile_error) {
    auto p = m.rfind("': ");
    if (p != std::string::npos) tail = std::string_view(m).substr(p + 3);
    if (tail.rfind("unknown function", 0) == 0) return error_class::unknown_function;
    if (tail.rfind("invalid arity", 0) == 0) return error_class::invalid_arity;
    if (tail.rfind("invalid value", 0) == 0) return error_class::invalid_value;
    return error_class::syntax;
  }
  if (tail.find("': invalid type: ") != std::string_view::npos) return error_class::invalid_type;
  if (tail.find("': invalid value: ") != std::string_view::npos) return error_class::invalid_value;
  if (tail.find("': invalid arity: ") != std::string_view::npos) return error_class::invalid_arity;
  return error_class::other;
}

}  // namespace coco_admit::jmespath
