// The gateway's upstream I/O (Beast/Asio): the second TU of src/http/ that
// includes them, kept apart from server.cpp so that neither rebuilds the other.
#include "http/upstream_client.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <thread>
#include <unordered_map>

namespace sb::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using tcp = net::ip::tcp;
using net::awaitable;
using net::use_awaitable;

namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

struct Pooled {
  std::unique_ptr<beast::tcp_stream> stream;
  SteadyTime idle_since;
};

// One io thread: its context, and the idle connections it opened.
struct Worker {
  net::io_context ctx{1};
  std::unordered_map<std::string, std::vector<Pooled>> idle;  // by "host:port"; this thread only
  std::thread thread;
};

std::string serialize(const UpstreamRequest& r) {
  std::string out;
  out.reserve(256 + r.body.size());
  out += r.method;
  out += ' ';
  out += r.target;
  out += " HTTP/1.1\r\nHost: ";
  out += r.host;
  if (r.port != 80) {
    out += ':';
    out += std::to_string(r.port);
  }
  out += "\r\n";
  for (const auto& [name, value] : r.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
    out += "Content-Length: ";
    out += std::to_string(r.body.size());
    out += "\r\n";
  }
  out += "\r\n";
  out += r.body;
  return out;
}

}  // namespace

struct UpstreamClient::Impl {
  UpstreamClientOptions options;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  std::atomic<uint64_t> next{0};
  std::atomic<bool> stopped{false};

  std::unique_ptr<beast::tcp_stream> take_idle(Worker& w, const std::string& key) {
    auto it = w.idle.find(key);
    if (it == w.idle.end()) return nullptr;
    auto now = std::chrono::steady_clock::now();
    while (!it->second.empty()) {
      Pooled p = std::move(it->second.back());
      it->second.pop_back();
      if (now - p.idle_since < std::chrono::milliseconds(options.max_idle_ms)) return std::move(p.stream);
    }
    return nullptr;
  }
  void give_back(Worker& w, const std::string& key, std::unique_ptr<beast::tcp_stream> s) {
    auto& list = w.idle[key];
    if (list.size() < options.max_idle_per_upstream) list.push_back({std::move(s), std::chrono::steady_clock::now()});
  }

  awaitable<UpstreamResult> exchange(Worker& w, const UpstreamRequest& req) {
    UpstreamResult res;
    const std::string key = req.host + ":" + std::to_string(req.port);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(req.timeout_ms);
    const std::string wire = serialize(req);
    for (int attempt = 0; attempt < 2; ++attempt) {
      std::unique_ptr<beast::tcp_stream> stream = take_idle(w, key);
      bool reused = stream != nullptr;
      if (!stream) {
        stream = std::make_unique<beast::tcp_stream>(w.ctx);
        tcp::resolver resolver(w.ctx);
        auto [rec, endpoints] = co_await resolver.async_resolve(req.host, std::to_string(req.port),
                                                                net::as_tuple(use_awaitable));
        if (rec) co_return UpstreamResult{UpstreamFailure::kConnect, "cannot resolve " + req.host + ": " + rec.message()};
        stream->expires_at(deadline);
        auto [cec, ep] = co_await stream->async_connect(endpoints, net::as_tuple(use_awaitable));
        if (cec == beast::error::timeout) co_return UpstreamResult{UpstreamFailure::kTimeout, "connect timed out"};
        if (cec) co_return UpstreamResult{UpstreamFailure::kConnect, "connect to " + key + ": " + cec.message()};
        stream->socket().set_option(tcp::no_delay(true));
      }
      stream->expires_at(deadline);
      auto [wec, wn] = co_await net::async_write(*stream, net::buffer(wire), net::as_tuple(use_awaitable));
      if (wec == beast::error::timeout) co_return UpstreamResult{UpstreamFailure::kTimeout, "sending timed out"};
      // A pooled connection the upstream closed meanwhile fails at once:
      // nothing reached the upstream, so a fresh connection may try again.
      if (wec && reused) continue;
      if (wec) co_return UpstreamResult{UpstreamFailure::kBroken, "sending to " + key + ": " + wec.message()};

      beast::flat_buffer buffer;
      bh::response_parser<bh::string_body> parser;
      parser.body_limit(req.max_response_bytes);
      parser.header_limit(64 << 10);
      if (req.method == "HEAD") parser.skip(true);
      auto [rec, rn] = co_await bh::async_read(*stream, buffer, parser, net::as_tuple(use_awaitable));
      if (rec) {
        if (rec == beast::error::timeout)
          co_return UpstreamResult{UpstreamFailure::kTimeout, "no answer within " + std::to_string(req.timeout_ms) + " ms"};
        if (rec == bh::error::body_limit)
          co_return UpstreamResult{UpstreamFailure::kTooLarge,
                                   "answer larger than " + std::to_string(req.max_response_bytes) + " bytes"};
        bool nothing = !parser.got_some() && buffer.size() == 0;
        if (nothing && reused && req.idempotent) continue;  // stale keep-alive connection
        if (rec == bh::error::end_of_stream || rec == net::error::eof || rec == net::error::connection_reset)
          co_return UpstreamResult{UpstreamFailure::kBroken, key + " closed the connection before answering"};
        co_return UpstreamResult{UpstreamFailure::kBadResponse, "reading from " + key + ": " + rec.message()};
      }
      auto& msg = parser.get();
      res.status = static_cast<int>(msg.result_int());
      res.headers.reserve(8);
      for (auto& f : msg) res.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      res.body = std::move(msg.body());
      if (msg.keep_alive() && buffer.size() == 0) {
        stream->expires_never();
        give_back(w, key, std::move(stream));
      }
      co_return res;
    }
    co_return UpstreamResult{UpstreamFailure::kBroken, key + " closed pooled connections twice"};
  }
};

UpstreamClient::UpstreamClient(UpstreamClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  int n = std::max(1, options.threads);
  for (int i = 0; i < n; ++i) {
    auto w = std::make_unique<Worker>();
    impl_->guards.push_back(net::make_work_guard(w->ctx));
    w->thread = std::thread([ctx = &w->ctx] {
      pthread_setname_np(pthread_self(), "sb-upstream");
      ctx->run();
    });
    impl_->workers.push_back(std::move(w));
  }
}

UpstreamClient::~UpstreamClient() { stop(); }

void UpstreamClient::stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->guards.clear();
  for (auto& w : impl_->workers) w->ctx.stop();
  for (auto& w : impl_->workers)
    if (w->thread.joinable()) w->thread.join();
}

void UpstreamClient::send(UpstreamRequest request, std::function<void(UpstreamResult)> done) {
  Worker& w = *impl_->workers[impl_->next.fetch_add(1, std::memory_order_relaxed) % impl_->workers.size()];
  Impl* impl = impl_.get();
  net::co_spawn(
      w.ctx,
      [impl, &w, req = std::move(request), done = std::move(done)]() mutable -> awaitable<void> {
        UpstreamResult r;
        try {
          r = co_await impl->exchange(w, req);
        } catch (const std::exception& e) {
          spdlog::error("upstream {}:{}: {}", req.host, req.port, e.what());
          r = UpstreamResult{UpstreamFailure::kBroken, e.what()};
        }
        done(std::move(r));
      },
      net::detached);
}

}  // namespace sb::http
