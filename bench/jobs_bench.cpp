// jobs::Queue without HTTP, durable defaults (SQLite synchronous=FULL, or
// PostgreSQL synchronous_commit=on):
//   jobs_bench DATABASE_URL add N             bulk enqueue, batches of 1000
//   jobs_bench DATABASE_URL process N C       enqueue N no-op jobs while C in-process workers run them
//   jobs_bench DATABASE_URL latency RATE SECS single enqueues at RATE/s, idle workers: enqueue->start p50/p99
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "events/event_log.h"
#include "jobs/queue.h"
#include "store/db.h"

namespace {
using Steady = std::chrono::steady_clock;
double seconds_since(Steady::time_point t) { return std::chrono::duration<double>(Steady::now() - t).count(); }
int64_t now_ns() { return std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch()).count(); }

bool enqueue_all(sb::jobs::Queue& q, const std::string& name, int n) {
  for (int done = 0; done < n;) {
    std::vector<sb::jobs::NewJob> batch(std::min(1000, n - done));
    for (auto& j : batch) j.payload = R"({"noop":true})";
    auto r = q.enqueue(name, std::move(batch));
    if (!r.ok()) {
      std::fprintf(stderr, "enqueue: %s\n", r.status().to_string().c_str());
      return false;
    }
    done += static_cast<int>(r->size());
  }
  return true;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: jobs_bench URL add N | process N C | latency RATE SECS\n");
    return 2;
  }
  std::string url = argv[1], mode = argv[2];
  sb::store::Options store_options;
  if (const char* sync = std::getenv("JOBS_BENCH_SQLITE_SYNC")) store_options.sqlite_synchronous = sync;  // experiments
  auto db = sb::store::open(url, store_options);
  if (!db.ok() || !sb::store::migrate(**db)) {
    std::fprintf(stderr, "cannot open %s\n", url.c_str());
    return 1;
  }
  sb::events::EventLog log(**db, sb::Clock::system());
  sb::jobs::QueueOptions opt;
  opt.default_keep_completed = 1'000'000;  // retention is not what is measured
  sb::metrics::Registry metrics;
  sb::jobs::Queue queue(**db, log, sb::Clock::system(), opt, &metrics);
  queue.start(1000);
  std::string name = mode + "-" + std::to_string(now_ns());

  if (mode == "add") {
    int n = std::atoi(argv[3]);
    auto t = Steady::now();
    if (!enqueue_all(queue, name, n)) return 1;
    double s = seconds_since(t);
    std::printf("add bulk (batches of 1000): %d jobs in %.2f s = %.0f jobs/s\n", n, s, n / s);
  } else if (mode == "process" && argc >= 5) {
    int n = std::atoi(argv[3]), c = std::atoi(argv[4]);
    std::atomic<int> ran{0};
    std::mutex mu;
    std::condition_variable cv;
    auto worker = queue.work(name, c, [&](const sb::jobs::Claimed&) -> sb::Result<std::string> {
      if (++ran == n) cv.notify_all();
      return std::string();
    });
    auto t = Steady::now();
    std::thread producer([&] { enqueue_all(queue, name, n); });
    {
      std::unique_lock lock(mu);
      cv.wait_for(lock, std::chrono::seconds(120), [&] { return ran.load() >= n; });
    }
    producer.join();
    worker->stop();  // the last acks are durable
    double s = seconds_since(t);
    auto info = queue.info(name);
    long completed = info.ok() ? static_cast<long>(info->counts.completed) : -1;
    std::printf("enqueue + process, %d in-process workers: %d jobs (%ld completed) in %.2f s = %.0f jobs/s\n", c, n,
                completed, s, completed / s);
  } else if (mode == "latency" && argc >= 5) {
    int rate = std::atoi(argv[3]), secs = std::atoi(argv[4]);
    std::mutex mu;
    std::vector<double> lat_ms;
    auto worker = queue.work(name, 16, [&](const sb::jobs::Claimed& j) -> sb::Result<std::string> {
      int64_t sent = std::atoll(j.payload.c_str() + 5);  // {"t":<ns>}
      double ms = (now_ns() - sent) / 1e6;
      std::lock_guard lock(mu);
      lat_ms.push_back(ms);
      return std::string();
    });
    std::atomic<int> acked{0};
    int total = rate * secs;
    auto start = Steady::now();
    for (int i = 0; i < total; ++i) {
      std::this_thread::sleep_until(start + std::chrono::microseconds(int64_t(1e6) * i / rate));
      sb::jobs::NewJob j;
      j.payload = "{\"t\":" + std::to_string(now_ns()) + "}";
      queue.enqueue_async(name, {std::move(j)}, [&](auto) { ++acked; });
    }
    for (int w = 0; w < 1000; ++w) {
      {
        std::lock_guard lock(mu);
        if (static_cast<int>(lat_ms.size()) >= total) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    worker->stop();
    std::sort(lat_ms.begin(), lat_ms.end());
    auto pct = [&](double p) { return lat_ms.empty() ? 0.0 : lat_ms[std::min(lat_ms.size() - 1, size_t(p * lat_ms.size()))]; };
    std::printf("enqueue->start latency at %d jobs/s, idle in-process workers: %zu/%d  p50 %.2f ms  p99 %.2f ms  max %.2f ms\n",
                rate, lat_ms.size(), total, pct(0.5), pct(0.99), lat_ms.empty() ? 0.0 : lat_ms.back());
  } else {
    std::fprintf(stderr, "unknown mode\n");
    return 2;
  }
  if (std::getenv("JOBS_BENCH_METRICS")) std::fputs(metrics.render().c_str(), stderr);
  queue.stop();
  (*db)->close();
  return 0;
}
