#include "coco-admit/server/server.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "coco-admit/server/health.h"
#include "coco-admit/server/log.h"
#include "coco-admit/server/metrics.h"
#include "coco-admit/server/sources.h"
#include "coco-admit/server/tls.h"

namespace coco_admit::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

// A worker's I/O objects name the io_context's own executor type. The default, the type-erased
// any_io_executor, is copied, queried and destroyed through function pointers at every completion of every
// composed operation (3 % of perf's samples of the server under load), and a worker only ever runs on its own
// io_context.
using executor = net::io_context::executor_type;
using socket_type = net::basic_stream_socket<tcp, executor>;
using acceptor_type = net::basic_socket_acceptor<tcp, executor>;
using timer_type = net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>, executor>;
using plain_stream = beast::basic_stream<tcp, executor>;
using tls_stream = beast::ssl_stream<plain_stream>;

/// simdjson reads up to 64 bytes past the end of a document.
constexpr std::size_t body_padding = 64;

/// A connection keeps its request and response buffers between requests only up to this size. The API server
/// holds many keep-alive connections; keeping each one's largest request made RSS grow with connections x
/// largest request (64 connections that had seen a 600 KB update held 38 MiB).
constexpr std::size_t retained_connection_buffer_bytes = 64 * 1024;

std::chrono::steady_clock::duration seconds(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}

/// A growable byte buffer that always keeps `body_padding` spare bytes after
/// its contents, so the request body can be handed to simdjson in place.
/// Hand-written because std::string gives no guarantee about the bytes past
/// size() and simdjson::padded_string reallocates per document.
class padded_buffer {
 public:
  void clear() { size_ = 0; }
  void reserve(std::size_t n) {
    if (n + body_padding <= cap_) return;
    const std::size_t cap = std::max(n + body_padding, cap_ * 2);
    auto fresh = std::make_unique<char[]>(cap);
    if (size_) std::memcpy(fresh.get(), data_.get(), size_);
    data_ = std::move(fresh);
    cap_ = cap;
  }
  void append(const char* p, std::size_t n) {
    reserve(size_ + n);
    std::memcpy(data_.get() + size_, p, n);
    size_ += n;
  }
  std::string_view view() {
    reserve(size_);
    std::memset(data_.get() + size_, 0, body_padding);
    return {data_.get(), size_};
  }
  /// Gives memory back after an unusually large request.
  void trim(std::size_t keep) {
    if (cap_ > keep) {
      data_.reset();
      cap_ = size_ = 0;
    }
  }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

/// Beast Body whose reader appends straight into a connection's padded_buffer.
struct padded_body {
  struct value_type {
    padded_buffer* buf = nullptr;
  };
  class reader {
   public:
    template <bool is_request, class Fields>
    reader(http::header<is_request, Fields>&, value_type& v) : v_(v) {}
    void init(const boost::optional<std::uint64_t>& length, beast::error_code& ec) {
      v_.buf->clear();
      // The parser's body_limit already bounded the declared length.
      if (length) v_.buf->reserve(static_cast<std::size_t>(*length));
      ec = {};
    }
    template <class Buffers>
    std::size_t put(const Buffers& buffers, beast::error_code& ec) {
      std::size_t n = 0;
      for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers); ++it) {
        net::const_buffer b = *it;
        v_.buf->append(static_cast<const char*>(b.data()), b.size());
        n += b.size();
      }
      ec = {};
      return n;
    }
    void finish(beast::error_code& ec) { ec = {}; }

   private:
    value_type& v_;
  };
};

struct tls_state {
  std::shared_ptr<net::ssl::context> ctx;
  std::string fingerprint;
};

enum class route_kind { admission, livez, readyz, metrics, not_found };
struct route {
  route_kind kind = route_kind::not_found;
  webhook_kind hook = webhook_kind::mutate;
  policy_selection subset = policy_selection::all;
};

route find_route(std::string_view path, bool ops) {
  if (path == "/livez") return {route_kind::livez};
  if (path == "/readyz") return {route_kind::readyz};
  if (ops) return path == "/metrics" ? route{route_kind::metrics} : route{};
  static constexpr struct {
    std::string_view path;
    webhook_kind hook;
    policy_selection subset;
  } table[] = {
      {"/mutate", webhook_kind::mutate, policy_selection::all},
      {"/mutate/fail", webhook_kind::mutate, policy_selection::fail_only},
      {"/mutate/ignore", webhook_kind::mutate, policy_selection::ignore_only},
      {"/validate", webhook_kind::validate, policy_selection::all},
      {"/validate/fail", webhook_kind::validate, policy_selection::fail_only},
      {"/validate/ignore", webhook_kind::validate, policy_selection::ignore_only},
  };
  for (const auto& e : table)
    if (path == e.path) return {route_kind::admission, e.hook, e.subset};
  return {};
}

bool is_json_content_type(std::string_view ct) {
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
  return beast::iequals(beast::string_view(ct.data(), ct.size()), "application/json");
}

/// The answer when the reviewer itself failed (it is documented never to):
/// still an AdmissionReview, so the API server applies its failurePolicy.
constexpr std::string_view internal_error_review =
    R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"","allowed":false,"status":{"code":500,"message":"coco-admit internal error"}}})";

}  // namespace

class session_base {
 public:
  virtual ~session_base() = default;
  /// Called on the worker thread when listeners close: idle connections end
  /// now, busy ones after their response.
  virtual void stop() = 0;
};

/// One event loop with its own acceptor and everything its requests need.
struct worker {
  server::impl& srv;
  unsigned index;
  bool ops;     ///< the metrics/health listener rather than a webhook worker
  bool secure;  ///< TLS on this listener
  net::io_context ioc{1};
  acceptor_type acceptor{ioc};
  timer_type accept_retry{ioc};
  core_metrics* metrics = nullptr;
  std::unique_ptr<reviewer> rev;
  published<snapshot>::reader snap;
  published<tls_state>::reader tls;
  review_summary summary;
  bool stopping = false;
  std::unordered_set<session_base*> sessions;

  worker(server::impl& s, unsigned i, bool is_ops, bool is_secure, const published<snapshot>& sc,
         const published<tls_state>& tc)
      : srv(s), index(i), ops(is_ops), secure(is_secure), snap(sc), tls(tc) {}

  void accept();
  void start_session(socket_type socket);
  /// Accepts what already waits in the kernel's backlog (connections the
  /// client considers open), so closing the listener does not reset them.
  void accept_backlog();
  void stop_listening();
};

struct server::impl {
  server_config cfg;
  std::unique_ptr<admission_service> service;
  std::string version;
  metrics_registry metrics;
  published<snapshot> snap;
  published<tls_state> tls;

  std::atomic<std::size_t> connections{0};
  std::atomic<bool> draining{false};
  std::atomic<unsigned> listening{0};
  int port = -1;
  int metrics_port = -1;

  // Reload state (control thread), plus the detail shown by /readyz.
  std::mutex status_mu;
  std::string policy_fingerprint;  ///< of the published snapshot
  std::string policy_failed;       ///< fingerprint or error of the last failed attempt
  std::string policy_error;        ///< why the last reload failed ("" after a success)
  std::string tls_failed;
  std::string tls_error;

  std::vector<std::unique_ptr<worker>> workers;
  std::unique_ptr<worker> ops;
  std::vector<std::thread> threads;
  std::thread ops_thread;

  net::io_context control{1};
  std::optional<net::signal_set> signals;
  std::optional<net::posix::stream_descriptor> inotify;
  std::map<int, std::string> watches;  ///< wd -> directory
  std::array<char, 8192> inotify_buf{};
  std::optional<net::steady_timer> debounce, periodic, grace;
  bool shutting_down = false;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> control_guard;

  impl(server_config c, std::unique_ptr<admission_service> s, std::string v)
      : cfg(std::move(c)), service(std::move(s)), version(std::move(v)), metrics(cfg.metrics_max_label_sets) {}

  tls_files tls_paths() const { return {cfg.tls_cert_file, cfg.tls_private_key_file, cfg.client_ca_file}; }

  std::vector<health_check> checks(bool ready) {
    std::vector<health_check> out;
    out.push_back({"ping", true, {}});
    if (!ready) return out;
    out.push_back({"shutdown", !draining.load(), draining.load() ? "shutting down" : ""});
    const unsigned want = static_cast<unsigned>(workers.size());
    const unsigned have = listening.load();
    out.push_back({"listeners", have == want, std::to_string(have) + "/" + std::to_string(want) + " workers listening"});
    std::lock_guard lock(status_mu);
    if (!cfg.insecure_http) {
      health_check c{"tls-certificate", tls.load() != nullptr, {}};
      if (!c.ok) c.detail = "no certificate loaded";
      else if (!tls_error.empty()) c.detail = "serving the previous certificate; last reload failed: " + tls_error;
      out.push_back(std::move(c));
    }
    auto s = snap.load();
    health_check c{"policies", s != nullptr, {}};
    if (!s) {
      c.detail = "no policy set loaded";
    } else {
      c.detail = "revision " + s->revision + ", " + std::to_string(s->policy_count) + " policies";
      if (!policy_error.empty()) c.detail += "; last reload failed, serving the previous set: " + policy_error;
    }
    out.push_back(std::move(c));
    return out;
  }

  health_answer health(bool ready, std::string_view query) { return render_health(ready ? "readyz" : "livez", query, checks(ready)); }

  // --- reload (control thread) -------------------------------------------

  static std::string one_line(std::string s) {
    std::replace(s.begin(), s.end(), '\n', ';');
    while (!s.empty() && s.back() == ';') s.pop_back();
    return s;
  }

  void watch(const std::string& dir) {
    if (!inotify) return;
    constexpr uint32_t mask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
                              IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB | IN_ONLYDIR;
    const int wd = inotify_add_watch(inotify->native_handle(), dir.c_str(), mask);
    if (wd >= 0) watches[wd] = dir;
  }

  void watch_tls_dirs() {
    for (const auto& f : {cfg.tls_cert_file, cfg.tls_private_key_file, cfg.client_ca_file}) {
      if (f.empty()) continue;
      const auto slash = f.rfind('/');
      watch(slash == std::string::npos ? std::string(".") : slash == 0 ? std::string("/") : f.substr(0, slash));
    }
  }

  /// Loads and publishes the policy set if its files changed. `initial`
  /// returns the error instead of keeping an old set.
  status check_policies(bool initial) {
    auto sources = scan_sources(cfg.policy_dirs, cfg.cluster_resources_dirs);
    std::string fp, err;
    if (sources) {
      for (const auto& d : sources->watch_dirs) watch(d);
      fp = sources->fingerprint;
      {
        std::lock_guard lock(status_mu);
        if (fp == policy_fingerprint || fp == policy_failed) return {};
      }
      auto loaded = service->load(*sources);
      if (loaded) {
        const std::string revision = (*loaded)->revision;
        const std::size_t count = (*loaded)->policy_count;
        snap.publish(std::move(loaded).value());
        metrics.set_revision(revision);
        {
          std::lock_guard lock(status_mu);
          policy_fingerprint = fp;
          policy_failed.clear();
          policy_error.clear();
        }
        if (!initial) metrics.record_reload(metrics_registry::reload_kind::policies, true);
        logging::info(initial ? "policies loaded" : "policies reloaded")
            .str("revision", revision)
            .num("policies", static_cast<std::int64_t>(count))
            .num("files", static_cast<std::int64_t>(sources->policy_files.size() + sources->cluster_files.size()));
        return {};
      }
      err = loaded.err().message;
    } else {
      err = sources.err().message;
      fp = "scan:" + err;
    }
    if (initial) return error::invalid(err);
    {
      std::lock_guard lock(status_mu);
      if (fp == policy_failed) return {};  // the same failure is reported once
      policy_failed = fp;
      policy_error = one_line(err);
    }
    metrics.record_reload(metrics_registry::reload_kind::policies, false);
    logging::error("policy reload failed; still serving the previous policy set").str("err", err);
    return {};
  }

  status check_certificate(bool initial) {
    if (cfg.insecure_http) return {};
    const tls_files files = tls_paths();
    const std::string fp = tls_fingerprint(files);
    auto current = tls.load();
    {
      std::lock_guard lock(status_mu);
      if ((current && fp == current->fingerprint) || fp == tls_failed) return {};
    }
    auto ctx = make_tls_context(files, current ? current->ctx.get() : nullptr);
    if (ctx) {
      auto st = std::make_shared<tls_state>();
      st->ctx = std::move(ctx).value();
      st->fingerprint = fp;
      tls.publish(std::move(st));
      {
        std::lock_guard lock(status_mu);
        tls_failed.clear();
        tls_error.clear();
      }
      if (!initial) metrics.record_reload(metrics_registry::reload_kind::certificate, true);
      logging::info(initial ? "certificate loaded" : "certificate reloaded").str("cert", files.cert);
      return {};
    }
    if (initial) return ctx.err();
    {
      std::lock_guard lock(status_mu);
      tls_failed = fp;
      tls_error = one_line(ctx.err().message);
    }
    metrics.record_reload(metrics_registry::reload_kind::certificate, false);
    logging::error("certificate reload failed; still serving the previous certificate").str("err", ctx.err().message);
    return {};
  }

  void check_all() {
    if (shutting_down) return;
    (void)check_policies(false);
    (void)check_certificate(false);
    watch_tls_dirs();
  }

  // The handlers below re-arm themselves, so each checks shutting_down: one
  // that completed just before close_listeners() cancelled it still runs
  // with no error, and re-arming then would keep the control loop (and
  // run()) alive forever.
  void read_inotify() {
    inotify->async_read_some(net::buffer(inotify_buf), [this](beast::error_code ec, std::size_t n) {
      if (ec || shutting_down) return;
      bool relevant = false;
      for (std::size_t off = 0; off + sizeof(inotify_event) <= n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(inotify_buf.data() + off);
        if (ev->mask & IN_IGNORED) watches.erase(ev->wd);  // re-armed by the next scan
        relevant = true;
        off += sizeof(inotify_event) + ev->len;
      }
      // Updates come in bursts (the kubelet's symlink swap, editors): settle first.
      if (relevant) {
        debounce->expires_after(std::chrono::milliseconds(200));
        debounce->async_wait([this](beast::error_code e) {
          if (!e && !shutting_down) check_all();
        });
      }
      read_inotify();
    });
  }

  void arm_periodic() {
    if (cfg.reload_interval_seconds <= 0) return;
    periodic->expires_after(seconds(cfg.reload_interval_seconds));
    periodic->async_wait([this](beast::error_code ec) {
      if (ec || shutting_down) return;
      check_all();
      arm_periodic();
    });
  }

  // --- shutdown (control thread) -------------------------------------------

  void begin_shutdown(const char* why) {
    if (draining.exchange(true)) return;
    logging::info("shutting down: /readyz fails now, serving continues during the grace period")
        .str("reason", why)
        .real("grace_seconds", cfg.shutdown_grace_seconds);
    grace->expires_after(seconds(cfg.shutdown_grace_seconds));
    grace->async_wait([this](beast::error_code) { close_listeners(); });
  }

  void close_listeners() {
    shutting_down = true;
    logging::info("closing listeners; finishing in-flight requests");
    for (auto& w : workers) {
      net::post(w->ioc, [wp = w.get()] { wp->stop_listening(); });
    }
    control_guard.reset();
    if (signals) signals->cancel();
    if (inotify) inotify->cancel();
    if (periodic) periodic->cancel();
    if (debounce) debounce->cancel();
  }
};

// --- sessions ----------------------------------------------------------------

template <class Stream>
class session final : public session_base, public std::enable_shared_from_this<session<Stream>> {
 public:
  session(worker& w, socket_type socket, std::shared_ptr<const tls_state> tls, bool reject)
      : w_(w), tls_(std::move(tls)), stream_(make_stream(std::move(socket), tls_.get())), reject_(reject) {
    w_.sessions.insert(this);
  }
  ~session() override {
    w_.sessions.erase(this);
    w_.srv.connections.fetch_sub(1, std::memory_order_relaxed);
  }

  void start() {
    if constexpr (secure) {
      state_ = state::handshake;
      lowest().expires_after(seconds(w_.srv.cfg.header_timeout_seconds));
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
    } else {
      on_handshake({});
    }
  }

  void stop() override {
    // A connection that has not sent its first request yet may be about to.
    if (state_ == state::idle && served_ > 0) lowest().cancel();
  }

 private:
  static constexpr bool secure = !std::is_same_v<Stream, plain_stream>;
  enum class state { handshake, idle, reading, writing, closing };

  static Stream make_stream(socket_type socket, const tls_state* tls) {
    if constexpr (secure) return Stream(std::move(socket), *tls->ctx);
    else return Stream(std::move(socket));
  }
  plain_stream& lowest() { return beast::get_lowest_layer(stream_); }
  const server_config& cfg() const { return w_.srv.cfg; }

  void on_handshake(beast::error_code ec) {
    if (ec) {
      logging::info("tls handshake failed", 4).str("err", ec.message());
      return;  // the socket closes with the session
    }
    if (reject_) {
      if (w_.metrics) w_.metrics->connection_rejected();
      res_.set(http::field::retry_after, "1");
      respond(http::status::service_unavailable, "text/plain", "too many connections\n", false);
      return;
    }
    read_idle();
  }

  void read_idle() {
    if (w_.stopping && served_ > 0) return close();
    state_ = state::idle;
    if (buffer_.size() > 0) return read_header();
    // A new connection must send its request promptly; only keep-alive
    // connections may idle (so idle connections cannot be opened for free).
    const bool prompt = w_.stopping || served_ == 0;
    lowest().expires_after(seconds(prompt ? cfg().header_timeout_seconds : cfg().idle_timeout_seconds));
    stream_.async_read_some(buffer_.prepare(4096), [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
      self->buffer_.commit(n);
      if (ec) return;  // idle timeout, peer closed, or stop(): the session ends
      self->read_header();
    });
  }

  void read_header() {
    state_ = state::reading;
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(cfg().max_request_bytes);
    parser_->get().body().buf = &body_;
    lowest().expires_after(seconds(cfg().header_timeout_seconds));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void begin_request() {
    if (w_.metrics && !in_flight_) {
      w_.metrics->request_started();
      in_flight_ = true;
    }
  }

  /// Maps a read failure to an answer (or to closing without one).
  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      begin_request();
      return respond(http::status::payload_too_large, "text/plain",
                     "request body larger than " + std::to_string(cfg().max_request_bytes) + " bytes\n", false);
    }
    if (ec == http::error::header_limit) {
      begin_request();
      return respond(http::status::request_header_fields_too_large, "text/plain", "request header too large\n", false);
    }
    if (ec == beast::error::timeout || ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted || ec == net::ssl::error::stream_truncated ||
        ec == http::error::partial_message) {
      logging::info("connection closed while reading", 4).str("err", ec.message());
      return;
    }
    begin_request();
    respond(http::status::bad_request, "text/plain", "malformed HTTP request: " + ec.message() + "\n", false);
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    begin_request();
    const auto expect = parser_->get()[http::field::expect];
    if (beast::iequals(expect, "100-continue") && !parser_->is_done()) {
      // curl and others wait for this before sending a larger body.
      static constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
      lowest().expires_after(seconds(cfg().read_timeout_seconds));
      net::async_write(stream_, net::buffer(interim.data(), interim.size()),
                       [self = this->shared_from_this()](beast::error_code e, std::size_t) {
                         if (!e) self->read_body();
                       });
      return;
    }
    read_body();
  }

  void read_body() {
    // Read the body even for requests we refuse, so the connection stays usable.
    lowest().expires_after(seconds(cfg().read_timeout_seconds));
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code e, std::size_t) { self->on_body(e); });
  }

  void on_body(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    const auto& req = parser_->get();
    const std::string_view target(req.target().data(), req.target().size());
    const auto q = target.find('?');
    const std::string_view path = target.substr(0, q);
    const std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    const route r = find_route(path, w_.ops);
    const bool keep = req.keep_alive();

    if (r.kind == route_kind::not_found) return respond(http::status::not_found, "text/plain", "404 page not found\n", keep);
    const bool post = r.kind == route_kind::admission;
    if (req.method() != (post ? http::verb::post : http::verb::get)) {
      res_.set(http::field::allow, post ? "POST" : "GET");
      return respond(http::status::method_not_allowed, "text/plain", "method not allowed\n", keep);
    }
    switch (r.kind) {
      case route_kind::livez:
      case route_kind::readyz: {
        health_answer a = w_.srv.health(r.kind == route_kind::readyz, query);
        return respond(static_cast<http::status>(a.status), "text/plain; charset=utf-8", std::move(a.body), keep);
      }
      case route_kind::metrics:
        return respond(http::status::ok, "text/plain; version=0.0.4; charset=utf-8", w_.srv.metrics.render(w_.srv.version), keep);
      case route_kind::admission:
        break;
      case route_kind::not_found:
        return;
    }
    const auto ct = req[http::field::content_type];
    if (!is_json_content_type(std::string_view(ct.data(), ct.size())))
      return respond(http::status::unsupported_media_type, "text/plain",
                     "expected Content-Type: application/json, got \"" + std::string(ct) + "\"\n", keep);
    review(r, path, keep);
  }

  void review(const route& r, std::string_view path, bool keep) {
    const std::string_view body = body_.view();
    std::string& out = res_.body();
    out.clear();
    review_summary& sum = w_.summary;
    sum.clear();
    const auto t0 = std::chrono::steady_clock::now();
    const std::shared_ptr<const snapshot>& snap = w_.snap.get();
    if (!snap) {
      return respond(http::status::service_unavailable, "text/plain", "no policy set loaded yet\n", keep);
    }
    try {
      w_.rev->review(*snap, r.hook, r.subset, body, out, sum);
    } catch (const std::exception& e) {
      // The reviewer is documented not to throw; allocation failure still can.
      sum.internal_error = true;
      sum.allowed = false;
      sum.error = e.what();
      out.assign(internal_error_review);
    }
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    w_.metrics->record_review(sum, dt);
    if (sum.internal_error) logging::error("internal error while reviewing").str("uid", sum.uid).str("err", sum.error);
    if (logging::enabled(4)) {
      logging::info("admission review", 4)
          .str("path", path)
          .str("uid", sum.uid)
          .str("kind", sum.kind)
          .str("namespace", sum.ns)
          .str("operation", sum.operation)
          .str("revision", snap->revision)
          .boolean("allowed", sum.allowed)
          .boolean("malformed", sum.malformed)
          .num("patch_ops", static_cast<std::int64_t>(sum.patch_ops))
          .real("duration_seconds", dt);
    }
    respond_prepared(http::status::ok, "application/json", keep);
  }

  void respond(http::status status, const char* content_type, std::string body, bool keep) {
    res_.body() = std::move(body);
    respond_prepared(status, content_type, keep);
  }

  void respond_prepared(http::status status, const char* content_type, bool keep) {
    state_ = state::writing;
    res_.version(11);
    res_.result(status);
    res_.set(http::field::content_type, content_type);
    res_.keep_alive(keep && !w_.stopping);
    res_.prepare_payload();
    if (w_.metrics) w_.metrics->http_response(static_cast<int>(status));
    lowest().expires_after(seconds(cfg().read_timeout_seconds));
    http::async_write(stream_, res_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_write(ec);
    });
  }

  void on_write(beast::error_code ec) {
    const bool keep = res_.keep_alive();
    ++served_;
    if (in_flight_) {
      w_.metrics->request_finished();
      in_flight_ = false;
    }
    body_.trim(retained_connection_buffer_bytes);
    std::string keep_capacity = std::move(res_.body());
    res_ = {};
    if (keep_capacity.capacity() <= retained_connection_buffer_bytes) {
      keep_capacity.clear();
      res_.body() = std::move(keep_capacity);
    }
    parser_.reset();
    if (ec) return;
    if (!keep) return close();
    read_idle();
  }

  void close() {
    state_ = state::closing;
    if constexpr (secure) {
      lowest().expires_after(std::chrono::seconds(1));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->lowest().close(); });
    } else {
      beast::error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      lowest().close();
    }
  }

  worker& w_;
  std::shared_ptr<const tls_state> tls_;  ///< keeps this connection's context alive across reloads
  Stream stream_;
  bool reject_;
  bool in_flight_ = false;
  std::uint64_t served_ = 0;
  state state_ = state::idle;
  beast::flat_buffer buffer_{64 * 1024};
  padded_buffer body_;
  std::optional<http::request_parser<padded_body>> parser_;
  http::response<http::string_body> res_;
};

void worker::accept() {
  acceptor.async_accept(ioc, [this](beast::error_code ec, socket_type socket) {
    if (ec) {
      if (stopping || ec == net::error::operation_aborted) return;
      // Out of file descriptors and the like: back off instead of spinning.
      logging::error("accept failed").str("err", ec.message()).num("worker", index);
      accept_retry.expires_after(std::chrono::milliseconds(100));
      accept_retry.async_wait([this](beast::error_code e) {
        if (!e && !stopping) accept();
      });
      return;
    }
    const std::size_t cap = srv.cfg.max_connections;
    if (!ops && srv.connections.load(std::memory_order_relaxed) >= cap + cap / 10 + 16) {
      // Far over the cap: do not spend a handshake on a polite answer.
      if (metrics) metrics->connection_rejected();
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      start_session(std::move(socket));
    }
    accept();
  });
}

/// A TLS connection that has not sent a byte yet. An SSL stream costs tens of
/// KiB (OpenSSL and Asio record buffers), so the session is only built once
/// the client speaks; until then a connection is a socket and a timer, and
/// thousands of idle ones stay cheap. It counts against --max-connections
/// like any session and is closed at the header timeout.
class tls_waiter final : public session_base, public std::enable_shared_from_this<tls_waiter> {
 public:
  tls_waiter(worker& w, socket_type socket, bool reject)
      : w_(w), socket_(std::move(socket)), timer_(w.ioc), reject_(reject) {
    w_.sessions.insert(this);
  }
  ~tls_waiter() override {
    w_.sessions.erase(this);
    if (!handed_off_) w_.srv.connections.fetch_sub(1, std::memory_order_relaxed);
  }

  void start() {
    timer_.expires_after(seconds(w_.srv.cfg.header_timeout_seconds));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      beast::error_code ignored;
      self->socket_.close(ignored);
    });
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
      self->timer_.cancel();
      if (ec || !self->socket_.is_open()) return;
      self->handed_off_ = true;  // the session now owns the connection count
      auto ctx = self->w_.tls.get();
      std::make_shared<session<tls_stream>>(self->w_, std::move(self->socket_), ctx, self->reject_)->start();
    });
  }

  // Like a session still in its handshake: the client may be about to speak;
  // the header timeout bounds the wait.
  void stop() override {}

 private:
  worker& w_;
  socket_type socket_;
  timer_type timer_;
  bool reject_;
  bool handed_off_ = false;
};

void worker::start_session(socket_type socket) {
  const std::size_t cap = srv.cfg.max_connections;
  const std::size_t n = srv.connections.fetch_add(1, std::memory_order_relaxed) + 1;
  const bool reject = !ops && n > cap;
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (secure) {
    std::make_shared<tls_waiter>(*this, std::move(socket), reject)->start();
  } else {
    std::make_shared<session<plain_stream>>(*this, std::move(socket), nullptr, reject)->start();
  }
}

void worker::accept_backlog() {
  beast::error_code ec;
  acceptor.non_blocking(true, ec);
  for (int i = 0; i < 65536 && !ec; ++i) {
    socket_type socket(ioc);
    acceptor.accept(socket, ec);
    if (!ec) start_session(std::move(socket));
  }
}

void worker::stop_listening() {
  stopping = true;
  accept_backlog();
  beast::error_code ec;
  acceptor.close(ec);
  accept_retry.cancel();
  // stop() may end a session, which erases itself from the set.
  std::vector<session_base*> all(sessions.begin(), sessions.end());
  for (auto* s : all)
    if (sessions.count(s)) s->stop();
}

// --- server --------------------------------------------------------------------

server::server(server_config cfg, std::unique_ptr<admission_service> service, std::string version)
    : impl_(std::make_unique<impl>(std::move(cfg), std::move(service), std::move(version))) {}

server::~server() {
  auto& s = *impl_;
  for (auto& w : s.workers) w->ioc.stop();
  if (s.ops) s.ops->ioc.stop();
  for (auto& t : s.threads)
    if (t.joinable()) t.join();
  if (s.ops_thread.joinable()) s.ops_thread.join();
}

int server::port() const { return impl_->port; }
int server::metrics_port() const { return impl_->metrics_port; }

namespace {

status open_acceptor(acceptor_type& a, const std::string& host, int port, bool reuse_port, int& bound) {
  beast::error_code ec;
  const auto addr = net::ip::make_address(host, ec);
  if (ec) return error::invalid("\"" + host + "\" is not an IP address");
  const tcp::endpoint ep(addr, static_cast<unsigned short>(port));
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec && reuse_port) {
    using reuse_port_option = net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
    a.set_option(reuse_port_option(true), ec);
  }
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return error::invalid("cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  bound = a.local_endpoint().port();
  return {};
}

}  // namespace

status server::start() {
  auto& s = *impl_;
  logging::set_verbosity(s.cfg.verbosity);
  try {
    // Policies and certificate first: a server that cannot answer should not listen.
    if (auto st = s.check_policies(true); !st) return error::invalid("cannot load policies: " + st.err().message);
    if (auto st = s.check_certificate(true); !st) return error::invalid("cannot load the TLS certificate: " + st.err().message);

    for (unsigned i = 0; i < s.cfg.workers; ++i) {
      auto w = std::make_unique<worker>(s, i, false, !s.cfg.insecure_http, s.snap, s.tls);
      int bound = 0;
      const int want = i == 0 ? s.cfg.secure_port : s.port;  // port 0: every worker joins the first one's port
      COCO_ADMIT_TRY(open_acceptor(w->acceptor, s.cfg.bind_address, want, true, bound));
      s.port = bound;
      w->metrics = &s.metrics.add_core();
      w->rev = s.service->make_reviewer();
      s.workers.push_back(std::move(w));
    }
    auto mb = parse_bind_address(s.cfg.metrics_bind_address);
    if (!mb) return mb.err();
    if (mb->port >= 0) {
      s.ops = std::make_unique<worker>(s, s.cfg.workers, true, false, s.snap, s.tls);
      COCO_ADMIT_TRY(open_acceptor(s.ops->acceptor, mb->host, mb->port, false, s.metrics_port));
    }
    if (!s.cfg.port_file.empty()) {
      const std::string tmp = s.cfg.port_file + ".tmp";
      {
        std::ofstream f(tmp);
        f << s.port << "\n";
        if (!f) return error::invalid("cannot write --port-file \"" + s.cfg.port_file + "\"");
      }
      if (std::rename(tmp.c_str(), s.cfg.port_file.c_str()) != 0)
        return error::invalid("cannot write --port-file \"" + s.cfg.port_file + "\"");
    }

    s.debounce.emplace(s.control);
    s.periodic.emplace(s.control);
    s.grace.emplace(s.control);
    const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd >= 0) {
      s.inotify.emplace(s.control, fd);
      // Re-scan to arm the directory watches now that inotify exists.
      if (auto src = scan_sources(s.cfg.policy_dirs, s.cfg.cluster_resources_dirs))
        for (const auto& d : src->watch_dirs) s.watch(d);
      s.watch_tls_dirs();
    } else {
      logging::error("inotify unavailable; relying on the periodic check").str("err", std::strerror(errno));
    }
    if (s.cfg.handle_signals) s.signals.emplace(s.control, SIGTERM, SIGINT);
  } catch (const std::exception& e) {
    return error::internal(std::string("cannot start: ") + e.what());
  }
  return {};
}

int server::run() {
  auto& s = *impl_;
  for (auto& w : s.workers) {
    s.threads.emplace_back([&s, w = w.get()] {
      w->accept();
      s.listening.fetch_add(1);
      w->ioc.run();
    });
  }
  if (s.ops) {
    s.ops_thread = std::thread([w = s.ops.get()] {
      w->accept();
      w->ioc.run();
    });
  }
  logging::info("listening")
      .num("port", s.port)
      .num("metrics_port", s.metrics_port)
      .num("workers", static_cast<std::int64_t>(s.workers.size()))
      .boolean("tls", !s.cfg.insecure_http);

  if (s.signals) {
    s.signals->async_wait([&s](beast::error_code ec, int sig) {
      if (!ec) s.begin_shutdown(sig == SIGTERM ? "SIGTERM" : "SIGINT");
    });
  }
  if (s.inotify) s.read_inotify();
  s.arm_periodic();
  s.control_guard.emplace(s.control.get_executor());
  // The control loop ends once close_listeners() cancelled its timers and watchers.
  s.control.run();

  // Bound the drain: a request cannot outlive its read/write timeouts, so
  // stop whatever is left after them.
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mu);
    const auto limit = seconds(s.cfg.read_timeout_seconds * 2 + s.cfg.header_timeout_seconds + 5);
    if (!cv.wait_for(lock, limit, [&] { return done; })) {
      logging::error("drain timed out; closing the remaining connections");
      for (auto& w : s.workers) w->ioc.stop();
    }
  });
  for (auto& t : s.threads) t.join();
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  watchdog.join();
  s.threads.clear();
  if (s.ops) {
    // Scrapes and probes are short; they do not get a drain of their own.
    s.ops->ioc.stop();
    s.ops_thread.join();
  }
  logging::info("stopped");
  return 0;
}

void server::shutdown() {
  auto& s = *impl_;
  net::post(s.control, [&s] { s.begin_shutdown("shutdown requested"); });
}

void server::check_reload() {
  auto& s = *impl_;
  net::post(s.control, [&s] { s.check_all(); });
}

}  // namespace coco_admit::server
