// notify::Service without HTTP, durable defaults: N email notifications sent
// from T threads to a capturing provider; notifications/s from the first
// send to the last provider call, and send -> provider p50/p99.
//   notify_bench DATABASE_URL N THREADS
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "config/config.h"
#include "core/clock.h"
#include "events/event_log.h"
#include "jobs/queue.h"
#include "notify/service.h"
#include "providers/channel_kinds.h"
#include "providers/messaging.h"
#include "store/db.h"

namespace {
using Steady = std::chrono::steady_clock;
std::atomic<int> delivered{0};
std::mutex mu;
std::vector<double> latency_ms;

int64_t now_ns() { return std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch()).count(); }

class Capture final : public sb::providers::EmailSender {
 public:
  sb::Result<std::string> send(const sb::providers::EmailMessage& m) override {
    double ms = (now_ns() - std::stoll(m.text)) / 1e6;
    {
      std::lock_guard lock(mu);
      latency_ms.push_back(ms);
    }
    ++delivered;
    return std::string("cap");
  }
};
}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: notify_bench DATABASE_URL N THREADS\n");
    return 2;
  }
  int n = std::atoi(argv[2]), threads = std::atoi(argv[3]);
  auto db = sb::store::open(argv[1]);
  if (!db.ok() || !sb::store::migrate(**db)) return 1;
  auto& clock = sb::Clock::system();
  sb::events::EventLog log(**db, clock);
  sb::jobs::QueueOptions qo;
  qo.default_keep_completed = 1'000'000;
  sb::jobs::Queue queue(**db, log, clock, qo);
  sb::config::ConfigService config(nullptr, nullptr);
  sb::providers::Messaging messaging(config, clock, nullptr, "/tmp");
  (void)messaging.registry<sb::providers::EmailKind>().add(
      {"capture", "bench", {}, [](const sb::config::ConfigService&) -> sb::Result<std::unique_ptr<sb::providers::EmailSender>> {
         return std::unique_ptr<sb::providers::EmailSender>(new Capture);
       }});
  (void)config.set("email.providers", boost::json::array{"capture"}, "bench");
  (void)config.set("email.from", boost::json::value("bench@example.com"), "bench");
  sb::notify::Options opt;
  opt.workers = std::getenv("NOTIFY_WORKERS") ? std::atoi(std::getenv("NOTIFY_WORKERS")) : 16;
  sb::notify::Service service(**db, log, queue, messaging,
                              [](const std::string& u) -> sb::Result<sb::notify::Recipient> {
                                return sb::notify::Recipient{u + "@example.com", ""};
                              },
                              clock, opt);
  (void)service.put_template({"bench", "email", "", "Hi", "{{t}}", "", 0});
  service.start();
  auto start = Steady::now();
  std::vector<std::thread> senders;
  for (int t = 0; t < threads; ++t)
    senders.emplace_back([&, t] {
      for (int i = t; i < n; i += threads) {
        auto r = service.send({"u" + std::to_string(i % 1000), "bench", "{\"t\":\"" + std::to_string(now_ns()) + "\"}",
                               {}, false, "", ""});
        if (!r.ok()) std::fprintf(stderr, "send: %s\n", r.status().to_string().c_str());
      }
    });
  for (auto& t : senders) t.join();
  double sent_s = std::chrono::duration<double>(Steady::now() - start).count();
  while (delivered < n && std::chrono::duration<double>(Steady::now() - start).count() < 120)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  double s = std::chrono::duration<double>(Steady::now() - start).count();
  service.stop();
  std::sort(latency_ms.begin(), latency_ms.end());
  auto pct = [&](double p) { return latency_ms.empty() ? 0 : latency_ms[std::min(latency_ms.size() - 1, size_t(p * latency_ms.size()))]; };
  std::printf("notify email, %d sender threads: %d sent in %.2f s (accepted in %.2f s) = %.0f notifications/s; "
              "send->provider p50 %.1f ms p99 %.1f ms\n",
              threads, delivered.load(), s, sent_s, delivered / s, pct(0.5), pct(0.99));
  queue.stop();
  (*db)->close();
  return 0;
}
