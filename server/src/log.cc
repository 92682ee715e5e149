#include "coco-admit/server/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>

#include "coco-admit/core/json.h"

namespace coco_admit::server::logging {
namespace {
std::atomic<int> g_verbosity{0};
}

void set_verbosity(int v) { g_verbosity.store(v, std::memory_order_relaxed); }
int verbosity() { return g_verbosity.load(std::memory_order_relaxed); }

line::line(bool error, int v, std::string_view msg) : on_(error || enabled(v)) {
  if (!on_) return;
  buf_.reserve(256);
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  char ts[48];
  std::snprintf(ts, sizeof ts, "%.6f", std::chrono::duration<double>(now).count());
  buf_ += "{\"ts\":";
  buf_ += ts;
  buf_ += error ? ",\"level\":\"error\"" : ",\"level\":\"info\"";
  buf_ += ",\"v\":";
  buf_ += std::to_string(v);
  buf_ += ",\"msg\":";
  json::append_quoted(msg, buf_);
}

line::~line() {
  if (!on_) return;
  buf_ += "}\n";
  const char* p = buf_.data();
  std::size_t left = buf_.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stderr gone: nothing sensible left to do with a log line
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void line::key(std::string_view k) {
  buf_ += ',';
  json::append_quoted(k, buf_);
  buf_ += ':';
}

line& line::str(std::string_view k, std::string_view val) {
  if (!on_) return *this;
  key(k);
  json::append_quoted(val, buf_);
  return *this;
}

line& line::num(std::string_view k, std::int64_t val) {
  if (!on_) return *this;
  key(k);
  buf_ += std::to_string(val);
  return *this;
}

line& line::real(std::string_view k, double val) {
  if (!on_) return *this;
  key(k);
  char b[40];
  std::snprintf(b, sizeof b, "%.9g", val);
  buf_ += b;
  return *this;
}

line& line::boolean(std::string_view k, bool val) {
  if (!on_) return *this;
  key(k);
  buf_ += val ? "true" : "false";
  return *this;
}

line& line::raw(std::string_view k, std::string_view json) {
  if (!on_) return *this;
  key(k);
  buf_ += json;
  return *this;
}

}  // namespace coco_admit::server::logging
