// The HTTP front door: arbitrary bytes sent on one connection to the real
// server (in process, plain HTTP on 127.0.0.1, the shipped CoCo profile
// loaded), which parses them with Beast, routes them and reviews admission
// bodies. The client half-closes after sending, so every input ends in a
// bounded time whatever it holds (a partial request meets end of stream).
//
// Why a socket and not a parse function: the bytes pass the same session
// state machine production uses (pipelined requests, keep-alive, 100-continue,
// body limits, the error answers), which a bytes-to-bytes shortcut would skip.
//
// Checked for every input, beyond crashes and sanitizer reports: whatever
// comes back is a sequence of well-formed HTTP/1.1 responses (status line,
// Content-Length framing), none is a 5xx (the reviewer answers bad bodies
// with an AdmissionReview, bad requests get a 4xx), and the server still
// answers a fresh /livez request afterwards. COCO_ADMIT_FUZZ_TRACE=1 prints
// each input's size and first status line.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "coco-admit/server/server.h"

using namespace coco_admit;
namespace fs = std::filesystem;

namespace {

struct running_server {
  std::unique_ptr<server::server> srv;
  std::thread thread;
  int port = 0;
};
running_server* state = nullptr;

[[noreturn]] void broken(const char* what, std::string_view detail) {
  std::fprintf(stderr, "http_request: invariant broken: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

struct exchanged {
  std::string response;
  bool reset = false;  ///< the server reset the connection (after a 413 with the body unread)
};

/// Sends `request` on a new connection, half-closes, and returns all that
/// comes back before the server closes (or 10 s pass: a hang is a bug).
/// A connected socket. libFuzzer's timers interrupt system calls (EINTR); an
/// interrupted connect is simply retried on a fresh socket.
int connect_loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (;;) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) broken("socket() failed", std::strerror(errno));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    const int err = errno;
    ::close(fd);
    if (err != EINTR) broken("connect() failed", std::strerror(err));
  }
}

exchanged exchange(int port, std::string_view request) {
  const int fd = connect_loopback(port);
  exchanged in;
  std::size_t sent = 0;
  bool write_open = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  char buf[16384];
  for (;;) {
    if (write_open && sent == request.size()) {
      ::shutdown(fd, SHUT_WR);
      write_open = false;
    }
    pollfd p{fd, static_cast<short>(POLLIN | (write_open ? POLLOUT : 0)), 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) broken("no end of response within 10 s", request.substr(0, 512));
    if (::poll(&p, 1, static_cast<int>(left.count())) < 0) continue;
    if (write_open && (p.revents & POLLOUT)) {
      const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      // The server may answer and close before reading everything (a 413).
      if (n < 0) write_open = false;
      else sent += static_cast<std::size_t>(n);
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        in.reset = n < 0;
        break;
      }
      in.response.append(buf, static_cast<std::size_t>(n));
    }
  }
  // Close with a reset: hundreds of connections a second would otherwise
  // fill the loopback's ephemeral ports with TIME_WAIT within a minute.
  const linger reset{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  ::close(fd);
  return in;
}

/// Checks `out` is a sequence of complete HTTP/1.1 responses with
/// Content-Length bodies (what the server always sends), none a 5xx. After a
/// reset the last one may be cut short.
void check_responses(const exchanged& got) {
  std::string_view out = got.response;
  while (!out.empty()) {
    if (out.size() < 12 || out.substr(0, 9) != "HTTP/1.1 ") {
      if (got.reset) return;
      broken("not an HTTP/1.1 status line", out.substr(0, 200));
    }
    const int status = std::atoi(std::string(out.substr(9, 3)).c_str());
    if (status < 100 || status >= 500) broken("5xx or bad status", out.substr(0, 400));
    const auto end = out.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      if (got.reset) return;
      broken("response header never ends", out.substr(0, 400));
    }
    const std::string_view head = out.substr(0, end);
    std::size_t length = 0;
    if (status != 100) {
      const auto cl = head.find("\r\nContent-Length: ");
      if (cl == std::string_view::npos) broken("response without Content-Length", head);
      length = std::strtoull(std::string(head.substr(cl + 18, 20)).c_str(), nullptr, 10);
    }
    if (out.size() < end + 4 + length) {
      if (got.reset) return;
      broken("truncated response body", out.substr(0, 400));
    }
    out.remove_prefix(end + 4 + length);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* chosen = std::getenv("COCO_ADMIT_FUZZ_PROFILE");
  const fs::path profile = chosen != nullptr ? fs::path(chosen) : fs::path(COCO_ADMIT_SOURCE_DIR) / "profiles" / "coco";
  server::server_config cfg;
  cfg.bind_address = "127.0.0.1";
  cfg.secure_port = 0;
  cfg.insecure_http = true;
  cfg.metrics_bind_address = "0";
  cfg.workers = 1;
  cfg.handle_signals = false;
  cfg.reload_interval_seconds = 0;
  // Small enough that fuzzed lengths reach the limit, as in production the
  // 7 MiB cap would; timeouts short, since the client always half-closes.
  cfg.max_request_bytes = 256 * 1024;
  cfg.header_timeout_seconds = 5;
  cfg.read_timeout_seconds = 5;
  if (fs::is_directory(profile / "policies")) cfg.policy_dirs = {(profile / "policies").string()};
  if (fs::is_directory(profile / "cluster")) cfg.cluster_resources_dirs = {(profile / "cluster").string()};
  if (auto st = server::validate(cfg); !st) broken("bad fuzz configuration", st.err().message);
  state = new running_server;
  state->srv = std::make_unique<server::server>(cfg, server::make_engine_service(), "fuzz");
  if (auto st = state->srv->start(); !st) broken("server did not start", st.err().message);
  state->port = state->srv->port();
  state->thread = std::thread([] { state->srv->run(); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (state == nullptr) LLVMFuzzerInitialize(nullptr, nullptr);
  const std::string_view request(reinterpret_cast<const char*>(data), size);
  const exchanged got = exchange(state->port, request);
  if (std::getenv("COCO_ADMIT_FUZZ_TRACE")) std::fprintf(stderr, "--- %zu bytes -> %s\n", size, got.response.substr(0, 60).c_str());
  check_responses(got);
  const std::string live =
      exchange(state->port, "GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").response;
  if (live.substr(0, 12) != "HTTP/1.1 200") broken("the server stopped answering /livez after", request.substr(0, 512));
  return 0;
}
