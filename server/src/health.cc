#include "coco-admit/server/health.h"

#include <algorithm>

namespace coco_admit::server {
namespace {

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; };
      const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

}  // namespace

health_answer render_health(std::string_view endpoint, std::string_view query, const std::vector<health_check>& checks) {
  bool verbose = false;
  std::vector<std::string> excluded;
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = kv.find('=');
    const std::string_view k = kv.substr(0, eq);
    const std::string v = eq == std::string_view::npos ? std::string() : url_decode(kv.substr(eq + 1));
    if (k == "verbose") verbose = v != "false" && v != "0";
    else if (k == "exclude") excluded.push_back(v);
  }
  health_answer a;
  std::string lines;
  bool failed = false;
  for (const auto& c : checks) {
    const auto ex = std::find(excluded.begin(), excluded.end(), c.name);
    if (ex != excluded.end()) {
      lines += "[+]" + c.name + " excluded: ok\n";
      excluded.erase(ex);
      continue;
    }
    if (c.ok) {
      lines += "[+]" + c.name + " ok";
      if (!c.detail.empty()) lines += " (" + c.detail + ")";
    } else {
      failed = true;
      lines += "[-]" + c.name + " failed: " + (c.detail.empty() ? std::string("reason withheld") : c.detail);
    }
    lines += '\n';
  }
  for (const auto& e : excluded) lines += "warn: some health checks cannot be excluded: no matches for \"" + e + "\"\n";
  if (failed) {
    a.status = 500;
    a.body = lines + std::string(endpoint) + " check failed\n";
  } else if (verbose) {
    a.body = lines + std::string(endpoint) + " check passed\n";
  } else {
    a.body = "ok";
  }
  return a;
}

}  // namespace coco_admit::server
