// log: one JSON object per line on stderr, klog's JSON format.
//
// Each line is {"ts":<unix seconds>,"level":"info"|"error","v":N,"msg":"...",<key/values>}
// built in a local buffer and written with a single write(2), so lines from
// different worker threads never interleave and no lock is taken. A line whose
// verbosity is above the configured -v is never built.
//
//   logging::info("listening").num("port", 9443).str("address", "0.0.0.0");
//   logging::error("policy reload failed").str("err", why);
//   if (logging::enabled(4)) logging::info("admission", 4).str("uid", uid);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace coco_admit::server::logging {

void set_verbosity(int v);
int verbosity();
inline bool enabled(int v) { return v <= verbosity(); }

/// A line under construction; written when it goes out of scope.
class line {
 public:
  line(bool error, int v, std::string_view msg);
  ~line();
  line(const line&) = delete;
  line& operator=(const line&) = delete;

  line& str(std::string_view key, std::string_view val);
  line& num(std::string_view key, std::int64_t val);
  line& real(std::string_view key, double val);
  line& boolean(std::string_view key, bool val);
  /// `json` must already be valid JSON (an object or array built elsewhere).
  line& raw(std::string_view key, std::string_view json);

 private:
  void key(std::string_view k);
  bool on_;
  std::string buf_;
};

inline line info(std::string_view msg, int v = 0) { return line(false, v, msg); }
inline line error(std::string_view msg) { return line(true, 0, msg); }

}  // namespace coco_admit::server::logging
