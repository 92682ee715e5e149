// server: `coco-admit serve`, the thread-per-core HTTPS admission server.
//
//   workers[i]  one io_context + thread each, its own SO_REUSEPORT acceptor,
//               sessions, parser buffers, reviewer (engine scratch) and
//               core_metrics; the kernel spreads connections across them.
//   ops         one io_context + thread: /metrics, /livez, /readyz over plain
//               HTTP on --metrics-bind-address.
//   control     the thread that calls run(): signals, inotify + periodic
//               reload of policies and certificates, the shutdown sequence.
//
// The only things workers share are the published snapshot and TLS context
// (see snapshot.h), the global connection count (touched on accept/close
// only), and the readiness flags read by probes.
//
//   server s(cfg, make_engine_service(), "0.1.0");
//   if (status st = s.start(); !st) { ...bad configuration... }
//   return s.run();   // blocks until SIGTERM/SIGINT or shutdown()
#pragma once

#include <memory>
#include <string>

#include "coco-admit/core/result.h"
#include "coco-admit/server/config.h"
#include "coco-admit/server/snapshot.h"

namespace coco_admit::server {

class server {
 public:
  server(server_config cfg, std::unique_ptr<admission_service> service, std::string version);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Validates nothing (see validate()), but loads the policies and the TLS
  /// pair and binds every listener; any failure is returned, with the flag
  /// or file it concerns, and nothing is left running.
  status start();
  /// The bound ports, valid after start() (metrics: -1 when disabled).
  int port() const;
  int metrics_port() const;

  /// Serves until a shutdown completes; returns the process exit code (0).
  int run();
  /// Starts the graceful shutdown, as SIGTERM does. Thread-safe, idempotent.
  void shutdown();
  /// Re-checks policy and certificate files now (as inotify would).
  void check_reload();

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace coco_admit::server
