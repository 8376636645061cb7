// The only translation unit that includes Boost.Beast/Asio (compile cost:
// ~25 s, 0.7 GB at -O2 — keep it that way).
#include "http/server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <array>
#include <charconv>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "core/thread_pool.h"
#include "core/wake_batch.h"
#include "http/problem.h"

namespace sb::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using tcp = net::ip::tcp;
using net::awaitable;
using net::use_awaitable;
using namespace std::chrono_literals;

namespace {

class PendingResponse;

// Responses completed on other threads (the store's writer finishing a group
// commit answers dozens of requests at once) reach their io thread through
// this inbox: one posted drain per burst instead of one post per response.
// Each post from a foreign thread that finds the io thread asleep costs the
// poster a futex and an epoll_ctl (strace of durable publishes: one of each
// per request on the writer thread, now one per commit with WakeBatch).
class ResponseInbox {
 public:
  explicit ResponseInbox(net::any_io_executor ex) : ex_(std::move(ex)) {}
  const net::any_io_executor& executor() const { return ex_; }
  void deliver(std::shared_ptr<PendingResponse> p);

 private:
  void drain();
  net::any_io_executor ex_;
  std::mutex mu_;
  std::vector<std::shared_ptr<PendingResponse>> ready_;  // guarded by mu_
  bool drain_posted_ = false;                           // guarded by mu_
};

// A response that may arrive on another thread (e.g. after a group commit).
// Handlers that answer synchronously skip the wait entirely; otherwise the
// coroutine parks on a timer that the producer cancels through the worker's
// ResponseInbox.
class PendingResponse : public std::enable_shared_from_this<PendingResponse> {
 public:
  explicit PendingResponse(ResponseInbox& inbox) : inbox_(inbox) {}
  void complete(Response r) {
    bool wake;
    {
      std::lock_guard lock(mu_);
      response_ = std::move(r);
      wake = !in_handle_;
    }
    // The inbox's drain runs only once the coroutine has parked on the timer
    // (same single-threaded executor), so the timer exists by then.
    if (wake) inbox_.deliver(shared_from_this());
  }
  void wake() { timer_->cancel(); }
  // After Pipeline::handle returned: true if the response is already here.
  bool end_handle() {
    std::lock_guard lock(mu_);
    in_handle_ = false;
    return response_.has_value();
  }
  bool ready() {
    std::lock_guard lock(mu_);
    return response_.has_value();
  }
  Response take() {
    std::lock_guard lock(mu_);
    return std::move(*response_);
  }
  // Created only for responses that are not immediate.
  net::steady_timer& timer() {
    if (!timer_) timer_.emplace(inbox_.executor());
    return *timer_;
  }

 private:
  ResponseInbox& inbox_;  // the connection's worker's; outlives its requests
  std::optional<net::steady_timer> timer_;
  std::mutex mu_;
  std::optional<Response> response_;  // guarded by mu_
  bool in_handle_ = true;             // guarded by mu_
};

void ResponseInbox::deliver(std::shared_ptr<PendingResponse> p) {
  bool post;
  {
    std::lock_guard lock(mu_);
    ready_.push_back(std::move(p));
    post = !drain_posted_;
    drain_posted_ = true;
  }
  if (post) WakeBatch::run_or_defer([this] { net::post(ex_, [this] { drain(); }); });
}

void ResponseInbox::drain() {
  std::vector<std::shared_ptr<PendingResponse>> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(ready_);
    drain_posted_ = false;
  }
  for (auto& p : batch) p->wake();
}

// StreamSink for Server-Sent Events: producers on any thread queue chunks;
// the connection's coroutine drains them. A client that falls too far behind
// is disconnected (it resumes with Last-Event-ID) rather than buffering forever.
class SseSink final : public StreamSink, public std::enable_shared_from_this<SseSink> {
 public:
  explicit SseSink(net::any_io_executor ex) : timer_(ex) { timer_.expires_at(net::steady_timer::time_point::max()); }
  bool send(std::string chunk) override {
    {
      std::lock_guard lock(mu_);
      if (!open_) return false;
      queued_bytes_ += chunk.size();
      if (queued_bytes_ > kMaxQueued) {
        open_ = false;
      } else {
        queue_.push_back(std::move(chunk));
      }
    }
    wake();
    return is_open();
  }
  bool is_open() const override {
    std::lock_guard lock(mu_);
    return open_;
  }
  void close() override {
    {
      std::lock_guard lock(mu_);
      open_ = false;
    }
    wake();
  }
  // Coroutine side.
  bool take(std::string& out) {
    std::lock_guard lock(mu_);
    out.clear();
    while (!queue_.empty()) {
      out += queue_.front();
      queue_.pop_front();
    }
    queued_bytes_ = 0;
    return open_ || !out.empty();
  }
  net::steady_timer& timer() { return timer_; }

 private:
  static constexpr size_t kMaxQueued = 8 << 20;
  void wake() {
    net::post(timer_.get_executor(), [self = shared_from_this()] { self->timer_.cancel(); });
  }
  net::steady_timer timer_;
  mutable std::mutex mu_;
  std::deque<std::string> queue_;  // guarded by mu_
  size_t queued_bytes_ = 0;        // guarded by mu_
  bool open_ = true;               // guarded by mu_
};

}  // namespace

struct Conn {
  explicit Conn(tcp::socket s) : socket(std::move(s)) {}
  tcp::socket socket;
  int64_t deadline_ms = 0;  // steady ms; 0 = none (streaming)
  bool idle = true;         // between requests
};

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

struct Server::Impl {
  Pipeline& pipeline;
  ServerOptions options;
  struct Worker {
    net::io_context ioc{1};
    ResponseInbox inbox{ioc.get_executor()};
    std::unique_ptr<tcp::acceptor> acceptor;
    // Every open connection of this thread. Timeouts are enforced by a sweep
    // over these deadlines instead of a timer per read/write: arming and
    // cancelling Asio timers on every operation cost ~8% of a request.
    std::set<Conn*> conns;
    std::set<std::shared_ptr<SseSink>> streams;
  };
  std::vector<std::unique_ptr<Worker>> workers;
  int bound_port = 0;
  std::atomic<bool> stopping{false};
  std::atomic<int> in_flight{0};
  std::mutex stop_mu;
  std::condition_variable stop_cv;

  Impl(Pipeline& p, ServerOptions o) : pipeline(p), options(std::move(o)) {}

  awaitable<void> accept_loop(Worker& w) {
    for (;;) {
      auto [ec, sock] = co_await w.acceptor->async_accept(net::as_tuple(use_awaitable));
      if (ec) {
        if (stopping) co_return;
        if (ec == net::error::operation_aborted) co_return;
        spdlog::warn("http: accept failed: {}", ec.message());
        continue;
      }
      sock.set_option(tcp::no_delay(true));
      net::co_spawn(w.ioc, session(w, std::move(sock)), net::detached);
    }
  }

  // Every 250 ms: write buffered access-log lines, close connections past
  // their read or idle deadline.
  awaitable<void> housekeeping(Worker& w) {
    net::steady_timer t(w.ioc);
    while (!stopping) {
      t.expires_after(250ms);
      co_await t.async_wait(net::as_tuple(use_awaitable));
      pipeline.flush_access_log();
      int64_t now = steady_ms();
      for (Conn* c : w.conns) {
        if (c->deadline_ms != 0 && c->deadline_ms < now) {
          beast::error_code ec;
          c->socket.close(ec);  // pending operations complete with operation_aborted
        }
      }
    }
    pipeline.flush_access_log();
  }

  // Serialises the whole response into one buffer and writes it with one
  // call: Beast's field-by-field serializer cost ~20% of a /health request.
  template <typename Stream>
  awaitable<bool> write_response(Stream& stream, std::string& out, Response& r, unsigned version, bool keep_alive) {
    out.clear();  // the connection's own buffer: reused across its requests
    out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    char num[24];
    out.append(num, std::to_chars(num, num + sizeof num, r.status).ptr);
    out += ' ';
    auto reason = bh::obsolete_reason(static_cast<bh::status>(r.status));
    out.append(reason.data(), reason.size());
    out += "\r\nServer: switchboard\r\n";
    for (auto& [k, v] : r.headers) {
      out += k;
      out += ": ";
      out += v;
      out += "\r\n";
    }
    if (r.status != 204 && r.status != 304) {
      out += "Content-Length: ";
      out.append(num, std::to_chars(num, num + sizeof num, r.body.size()).ptr);
      out += "\r\n";
    }
    if (!keep_alive) out += "Connection: close\r\n";
    else if (version == 10) out += "Connection: keep-alive\r\n";
    out += "\r\n";
    std::array<net::const_buffer, 2> bufs{net::buffer(out), net::buffer(r.body)};
    auto [ec, n] = co_await net::async_write(stream, bufs, net::as_tuple(use_awaitable));
    co_return !ec;
  }

  awaitable<void> run_stream(Worker& w, Conn& conn, Response& r, unsigned version) {
    tcp::socket& stream = conn.socket;
    bh::response<bh::empty_body> res{static_cast<bh::status>(r.status), version};
    res.set(bh::field::server, "switchboard");
    for (auto& [k, v] : r.headers) res.insert(k, v);
    res.chunked(true);
    res.keep_alive(false);
    bh::response_serializer<bh::empty_body> sr{res};
    conn.deadline_ms = 0;  // a stream lives until the client or the server ends it
    auto [ec, n] = co_await bh::async_write_header(stream, sr, net::as_tuple(use_awaitable));
    if (ec) {
      r.stream->stop();
      co_return;
    }
    auto sink = std::make_shared<SseSink>(stream.get_executor());
    w.streams.insert(sink);
    r.stream->start(sink);
    std::string chunk;
    while (sink->take(chunk)) {
      if (!chunk.empty()) {
        auto [wec, wn] = co_await net::async_write(stream, bh::make_chunk(net::buffer(chunk)),
                                                   net::as_tuple(use_awaitable));
        if (wec) break;
        continue;
      }
      sink->timer().expires_at(net::steady_timer::time_point::max());
      co_await sink->timer().async_wait(net::as_tuple(use_awaitable));
    }
    sink->close();
    r.stream->stop();
    w.streams.erase(sink);
    co_await net::async_write(stream, bh::make_chunk_last(), net::as_tuple(use_awaitable));
  }

  // Reads one request header into `parser`. The connection may idle (idle
  // timeout) until the request's first byte; from that byte on, the read
  // timeout bounds the rest of the request. Beast's async_read_header would
  // leave the idle deadline on a client that trickles a byte now and then.
  // Parsing what is already buffered before reading also spares the post
  // Beast makes when a header completes without I/O.
  awaitable<beast::error_code> read_header(Conn& conn, beast::flat_buffer& buffer,
                                           bh::request_parser<bh::string_body>& parser) {
    bool started = buffer.size() > 0;  // a pipelined request already began
    conn.deadline_ms = steady_ms() + (started ? options.read_timeout_ms : options.idle_timeout_ms);
    for (;;) {
      beast::error_code ec;
      if (buffer.size() > 0) {
        buffer.consume(parser.put(buffer.data(), ec));
        if (ec != bh::error::need_more) co_return ec;  // the header is complete, or malformed/too large
      }
      std::size_t size = beast::read_size(buffer, 65536);
      if (size == 0) co_return bh::error::header_limit;
      auto [rec, n] = co_await conn.socket.async_read_some(buffer.prepare(size), net::as_tuple(use_awaitable));
      buffer.commit(n);
      if (rec == net::error::eof)
        co_return buffer.size() > 0 || parser.got_some() ? bh::error::partial_message : bh::error::end_of_stream;
      if (rec) co_return rec;
      if (!started) {
        started = true;
        conn.deadline_ms = steady_ms() + options.read_timeout_ms;
      }
    }
  }

  awaitable<void> session(Worker& w, tcp::socket socket) {
    Conn conn(std::move(socket));
    tcp::socket& stream = conn.socket;
    w.conns.insert(&conn);
    beast::flat_buffer buffer;
    std::string wbuf;
    std::string remote;
    {
      beast::error_code ec;
      auto ep = stream.remote_endpoint(ec);
      if (!ec) remote = ep.address().to_string();
    }
    for (;;) {
      bh::request_parser<bh::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
      if (stopping) break;
      conn.idle = true;
      beast::error_code ec = co_await read_header(conn, buffer, parser);
      conn.idle = false;
      int64_t start = Pipeline::now_us();
      if (!ec && !parser.is_done()) {  // a body follows (most GETs have none)
        // Still under the deadline read_header set: the read timeout bounds
        // the whole request, header and body together.
        std::tie(ec, std::ignore) = co_await bh::async_read(stream, buffer, parser, net::as_tuple(use_awaitable));
      }
      if (ec) {
        Request bad;
        bad.remote_ip = remote;
        Response r;
        if (ec == bh::error::body_limit) {
          r = problem(413, "payload-too-large", "Payload too large",
                      "body exceeds " + std::to_string(options.max_body_bytes) + " bytes");
        } else if (ec == bh::error::header_limit) {
          r = problem(431, "headers-too-large", "Request header fields too large",
                      "headers exceed " + std::to_string(options.max_header_bytes) + " bytes");
        } else if (ec == bh::error::end_of_stream || ec == net::error::eof ||
                   ec == net::error::bad_descriptor || ec == net::error::operation_aborted ||
                   ec == net::error::connection_reset) {
          break;
        } else {
          r = problem(400, "bad-request", "Malformed HTTP request", ec.message());
        }
        bad.method = "?";
        bad.route = "rejected";
        pipeline.finish(bad, r.status, start);
        co_await write_response(stream, wbuf, r, 11, false);
        break;
      }
      auto& msg = parser.get();
      Request req;
      req.method = std::string(msg.method_string());
      req.target = std::string(msg.target());
      size_t q = req.target.find('?');
      req.path = percent_decode(std::string_view(req.target).substr(0, q), false);
      if (q != std::string::npos) req.query = req.target.substr(q + 1);
      req.headers.reserve(8);
      for (auto& f : msg) {
        std::string name(f.name_string());
        for (char& c : name)
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));  // not locale-aware tolower()
        req.headers.emplace_back(std::move(name), std::string(f.value()));
      }
      req.body = std::move(msg.body());
      req.remote_ip = remote;
      bool keep_alive = msg.keep_alive();
      unsigned version = msg.version();

      ++in_flight;
      conn.deadline_ms = 0;  // the handler's time is bounded by the server, not the client
      auto pending = std::make_shared<PendingResponse>(w.inbox);
      pipeline.handle(req, [pending](Response resp) { pending->complete(std::move(resp)); });
      if (!pending->end_handle()) {
        pending->timer().expires_at(net::steady_timer::time_point::max());
        while (!pending->ready())
          co_await pending->timer().async_wait(net::as_tuple(use_awaitable));
      }
      Response r = pending->take();
      int status = r.status;
      if (r.stream) {
        --in_flight;
        pipeline.finish(req, status, start);
        co_await run_stream(w, conn, r, version);
        break;
      }
      if (stopping) keep_alive = false;
      if (req.method == "HEAD") r.body.clear();
      conn.deadline_ms = steady_ms() + options.read_timeout_ms;  // a client must take its response
      bool ok = co_await write_response(stream, wbuf, r, version, keep_alive);
      pipeline.finish(req, status, start);
      if (--in_flight == 0 && stopping) stop_cv.notify_all();
      if (!ok || !keep_alive) break;
    }
    beast::error_code ec;
    stream.shutdown(tcp::socket::shutdown_send, ec);
    stream.close(ec);
    w.conns.erase(&conn);
  }
};

Server::Server(Pipeline& pipeline, ServerOptions options)
    : impl_(std::make_unique<Impl>(pipeline, std::move(options))) {}
Server::~Server() = default;

int Server::port() const { return impl_->bound_port; }

Status Server::listen() {
  int n = impl_->options.threads > 0 ? impl_->options.threads
                                     : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  beast::error_code ec;
  auto addr = net::ip::make_address(impl_->options.host, ec);
  if (ec) return Status::invalid("listen", "not an IP address: " + impl_->options.host);
  int port = impl_->options.port;
  if (port != 0) {
    // SO_REUSEPORT (below) would let us silently share a port that another
    // server already listens on; a plain bind first fails if it is taken.
    net::io_context probe_ctx;
    tcp::acceptor probe(probe_ctx);
    tcp::endpoint ep(addr, static_cast<unsigned short>(port));
    probe.open(ep.protocol(), ec);
    if (!ec) probe.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) probe.bind(ep, ec);
    if (ec)
      return Status::unavailable("cannot listen on " + impl_->options.host + ":" + std::to_string(port) +
                                 ": " + ec.message());
  }
  for (int i = 0; i < n; ++i) {
    auto w = std::make_unique<Impl::Worker>();
    auto acc = std::make_unique<tcp::acceptor>(w->ioc);
    tcp::endpoint ep(addr, static_cast<unsigned short>(port));
    acc->open(ep.protocol(), ec);
    if (!ec) acc->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) {
      int one = 1;
      ::setsockopt(acc->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
      acc->bind(ep, ec);
    }
    if (!ec) acc->listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      return Status::unavailable("cannot listen on " + impl_->options.host + ":" + std::to_string(port) +
                                 ": " + ec.message());
    if (port == 0) port = acc->local_endpoint().port();  // the others join the same port
    w->acceptor = std::move(acc);
    impl_->workers.push_back(std::move(w));
  }
  impl_->bound_port = port;
  return {};
}

void Server::run() {
  std::vector<std::thread> threads;
  for (auto& w : impl_->workers) {
    net::co_spawn(w->ioc, impl_->accept_loop(*w), net::detached);
    net::co_spawn(w->ioc, impl_->housekeeping(*w), net::detached);
    auto* wp = w.get();
    threads.emplace_back([wp, name = "sb-io-" + std::to_string(threads.size())] {
      name_this_thread(name);
      auto guard = net::make_work_guard(wp->ioc);
      wp->ioc.run();
    });
  }
  for (auto& t : threads) t.join();
}

void Server::stop() {
  if (impl_->stopping.exchange(true)) return;
  spdlog::info("http: stopping: no new connections, finishing {} in-flight requests", impl_->in_flight.load());
  for (auto& w : impl_->workers) {
    auto* wp = w.get();
    net::post(wp->ioc, [wp] {
      beast::error_code ec;
      wp->acceptor->close(ec);
      for (Conn* c : wp->conns) {
        if (c->idle) {
          beast::error_code ec;
          c->socket.cancel(ec);
        }
      }
      for (auto& s : wp->streams) s->close();
    });
  }
  {
    std::unique_lock lock(impl_->stop_mu);
    impl_->stop_cv.wait_for(lock, std::chrono::milliseconds(impl_->options.shutdown_grace_ms),
                            [&] { return impl_->in_flight.load() == 0; });
  }
  if (impl_->in_flight.load() > 0)
    spdlog::warn("http: shutdown deadline passed with {} requests in flight", impl_->in_flight.load());
  for (auto& w : impl_->workers) {
    auto* wp = w.get();
    Pipeline* p = &impl_->pipeline;
    net::post(wp->ioc, [wp, p] {
      p->flush_access_log();
      wp->ioc.stop();
    });
  }
}

}  // namespace sb::http
