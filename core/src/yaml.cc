#include "coco-admit/core/yaml.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "coco-admit/core/json.h"
#include "go_time.h"

namespace coco_admit::yaml {
namespace {

constexpr int max_depth = 256;

bool one_of(const std::string& s, std::initializer_list<const char*> options) {
  for (const char* o : options) {
    if (s == o) return true;
  }
  return false;
}

bool parse_int(std::string s, long long& out) {
  std::string plain;
  for (char c : s) {
    if (c != '_') plain.push_back(c);
  }
  if (plain.empty()) return false;
  std::size_t i = 0;
  bool neg = false;
  if (plain[i] == '+' || plain[i] == '-') {
    neg = plain[i] == '-';
    ++i;
  }
  if (i >= plain.size()) return false;
  int base = 10;
  if (plain.size() - i > 2 && plain[i] == '0' && (plain[i + 1] == 'x' || plain[i + 1] == 'X')) {
    base = 16;
    i += 2;
  } else if (plain.size() - i > 2 && plain[i] == '0' && (plain[i + 1] == 'o' || plain[i + 1] == 'O')) {
    base = 8;
    i += 2;
  } else if (plain.size() - i > 2 && plain[i] == '0' && (plain[i + 1] == 'b' || plain[i + 1] == 'B')) {
    base = 2;
    i += 2;
  } else if (plain.size() - i > 1 && plain[i] == '0') {
    base = 8;  // Go's ParseInt(s, 0, 64): a leading 0 means octal
    i += 1;
  }
  unsigned long long acc = 0;
  for (; i < plain.size(); ++i) {
    char c = plain[i];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return false;
    if (d >= base) return false;
    if (acc > (~0ULL - d) / base) return false;
    acc = acc * base + d;
  }
  if (!neg && acc > 9223372036854775807ULL) return false;
  if (neg && acc > 9223372036854775808ULL) return false;
  out = neg ? static_cast<long long>(0 - acc) : static_cast<long long>(acc);
  return true;
}

bool parse_float(const std::string& s, double& out) {
  if (one_of(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) {
    out = INFINITY;
    return true;
  }
  if (one_of(s, {"-.inf", "-.Inf", "-.INF"})) {
    out = -INFINITY;
    return true;
  }
  if (one_of(s, {".nan", ".NaN", ".NAN"})) {
    out = NAN;
    return true;
  }
  std::string plain;
  bool digit = false;
  for (char c : s) {
    if (c == '_') continue;
    if (c >= '0' && c <= '9') digit = true;
    else if (!(c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) return false;
    plain.push_back(c);
  }
  if (!digit) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtod(plain.c_str(), &end);
  return end == plain.c_str() + plain.size() && errno == 0;
}

value resolve_scalar(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  const std::string& tag = n.Tag();
  if (tag == "!" || tag == "tag:yaml.org,2002:str" || tag == "!!str") return value(s);
  if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" || tag == "tag:yaml.org,2002:bool" ||
      tag == "tag:yaml.org,2002:null" || tag == "?" || tag.empty()) {
    if (tag == "tag:yaml.org,2002:str") return value(s);
  } else {
    return value(s);  // unknown tags: keep the text
  }
  if (one_of(s, {"", "~", "null", "Null", "NULL"})) return value();
  if (one_of(s, {"true", "True", "TRUE", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON"})) return value(true);
  if (one_of(s, {"false", "False", "FALSE", "n", "N", "no", "No", "NO", "off", "Off", "OFF"})) return value(false);
  long long i;
  if (parse_int(s, i)) return value(i);
  double d;
  if (parse_float(s, d)) return value(d);
  return value(s);
}

std::string where(std::string_view source, const YAML::Mark& m) {
  return std::string(source) + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

result<value> convert(const YAML::Node& n, std::string& pointer, document& doc, std::string_view source,
                      int depth) {
  if (depth > max_depth) {
    return error::budget(where(source, n.Mark()) + ": YAML nesting deeper than " + std::to_string(max_depth));
  }
  doc.positions.emplace(pointer, position{n.Mark().line + 1, n.Mark().column + 1});
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null: return value();
    case YAML::NodeType::Scalar: return resolve_scalar(n);
    case YAML::NodeType::Sequence: {
      value::array_t out;
      out.reserve(n.size());
      std::size_t idx = 0;
      for (const auto& child : n) {
        std::size_t len = pointer.size();
        pointer += "/" + std::to_string(idx++);
        auto c = convert(child, pointer, doc, source, depth + 1);
        pointer.resize(len);
        if (!c.ok()) return std::move(c).err();
        out.push_back(std::move(c).value());
      }
      return value(std::move(out));
    }
    case YAML::NodeType::Map: {
      value out = value::object();
      for (const auto& kv : n) {
        if (!kv.first.IsScalar()) {
          return error::invalid(where(source, kv.first.Mark()) + ": mapping keys must be scalars");
        }
        std::string key = kv.first.Scalar();
        if (key == "<<") {
          return error::unsupported(where(source, kv.first.Mark()) + ": YAML merge keys (<<) are not supported");
        }
        std::size_t len = pointer.size();
        pointer += "/" + json::escape_pointer_token(key);
        // A field is reported where its key is written.
        doc.positions.emplace(pointer, position{kv.first.Mark().line + 1, kv.first.Mark().column + 1});
        auto c = convert(kv.second, pointer, doc, source, depth + 1);
        pointer.resize(len);
        if (!c.ok()) return std::move(c).err();
        out.set(key, std::move(c).value());
      }
      return out;
    }
  }
  return value();
}

}  // namespace

position document::locate(std::string_view pointer) const {
  std::string p(pointer);
  while (true) {
    auto it = positions.find(p);
    if (it != positions.end()) return it->second;
    if (p.empty()) return {};
    auto slash = p.rfind('/');
    p.resize(slash == std::string::npos ? 0 : slash);
  }
}

namespace {

// Counts documents without building them. yaml-cpp 0.7 loops forever on some
// inputs (", a" yields endless empty documents), so parse_all first makes
// sure the stream ends within a bounded number of documents.
class document_counter final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

constexpr std::size_t max_documents = 10000;

}  // namespace

result<std::vector<document>> parse_all(std::string_view text, std::string_view source_name) {
  std::vector<document> docs;
  try {
    std::istringstream stream{std::string(text)};
    YAML::Parser parser(stream);
    document_counter counter;
    std::size_t count = 0;
    while (parser.HandleNextDocument(counter)) {
      if (++count > max_documents) {
        return error::budget(std::string(source_name) + ": more than " + std::to_string(max_documents) +
                             " YAML documents (or a stream the YAML parser cannot end)");
      }
    }
  } catch (const YAML::Exception& e) {
    return error::invalid(where(source_name, e.mark) + ": invalid YAML: " + e.msg);
  }
  try {
    std::vector<YAML::Node> nodes = YAML::LoadAll(std::string(text));
    for (const auto& n : nodes) {
      if (!n.IsDefined() || n.IsNull()) continue;
      document d;
      std::string pointer;
      auto v = convert(n, pointer, d, source_name, 0);
      if (!v.ok()) return std::move(v).err();
      d.root = std::move(v).value();
      docs.push_back(std::move(d));
    }
  } catch (const YAML::Exception& e) {
    return error::invalid(where(source_name, e.mark) + ": invalid YAML: " + e.msg);
  }
  return docs;
}

result<document> parse_one(std::string_view text, std::string_view source_name) {
  auto docs = parse_all(text, source_name);
  if (!docs.ok()) return std::move(docs).err();
  if (docs->empty()) return error::invalid(std::string(source_name) + ": no YAML document");
  if (docs->size() > 1) {
    return error::invalid(std::string(source_name) + ": expected one YAML document, found " +
                          std::to_string(docs->size()));
  }
  return std::move(docs->front());
}

result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error::not_found(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return error::invalid(path + ": read error");
  return ss.str();
}

result<std::vector<document>> load_file(const std::string& path) {
  auto text = read_file(path);
  if (!text.ok()) return std::move(text).err();
  return parse_all(*text, path);
}

namespace {
// Whether a plain scalar would read back as a timestamp in YAML 1.1, as go-yaml v2 reads it (parseTimestamp: four
// digits and a dash, then one of its layouts). Kubernetes tools write such strings quoted
// (`creationTimestamp: "2026-11-28T10:00:00Z"`), and a YAML 1.1 reader would take them for dates otherwise.
bool reads_as_timestamp(std::string_view s) {
  std::size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits != 4 || digits == s.size() || s[digits] != '-') return false;
  for (std::string_view layout : {"2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00",
                                  "2006-1-2 15:4:5.999999999", "2006-1-2"}) {
    go_time::instant t;
    std::string why;
    if (go_time::parse(layout, s, t, why)) return true;
  }
  return false;
}

void emit_value(YAML::Emitter& out, const value& v) {
  switch (v.type()) {
    case value::kind::null: out << YAML::Null; break;
    case value::kind::boolean: out << v.as_bool(); break;
    case value::kind::integer: out << static_cast<long long>(v.as_int()); break;
    case value::kind::number: {
      std::string s;
      json::append_number(v.as_double(), s);
      out << s;
      break;
    }
    case value::kind::string: {
      value probe = resolve_scalar(YAML::Node(v.as_string()));
      if (!probe.is_string() || v.as_string().empty() || reads_as_timestamp(v.as_string_view())) {
        out << YAML::DoubleQuoted;
      }
      out << v.as_string();
      break;
    }
    case value::kind::array:
      out << YAML::BeginSeq;
      for (const auto& e : v.as_array()) emit_value(out, e);
      out << YAML::EndSeq;
      break;
    case value::kind::object:
      out << YAML::BeginMap;
      for (const auto& m : v.as_object()) {
        out << YAML::Key << m.key << YAML::Value;
        emit_value(out, m.val);
      }
      out << YAML::EndMap;
      break;
  }
}
}  // namespace

std::string emit(const value& v) {
  YAML::Emitter out;
  emit_value(out, v);
  return std::string(out.c_str()) + "\n";
}

}  // namespace coco_admit::yaml
