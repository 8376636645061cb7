// Batched appends straight into the event log (no HTTP): events/s for
// batches of N on SQLite (synchronous=FULL) or PostgreSQL.
//   append_bench DATABASE_URL BATCH TOTAL
#include <chrono>
#include <cstdio>
#include <string>

#include "core/clock.h"
#include "events/event_log.h"
#include "store/db.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: append_bench DATABASE_URL BATCH TOTAL\n");
    return 2;
  }
  std::string url = argv[1];
  int batch = std::atoi(argv[2]);
  int total = std::atoi(argv[3]);
  auto db = sb::store::open(url);
  if (!db.ok() || !sb::store::migrate(**db)) {
    std::fprintf(stderr, "cannot open %s\n", url.c_str());
    return 1;
  }
  sb::events::EventLog log(**db, sb::Clock::system());
  std::string data = R"({"user":"u-12345","email":"someone@example.com","plan":"pro","amount":4200,"currency":"EUR"})";
  auto start = std::chrono::steady_clock::now();
  int n = 0;
  while (n < total) {
    std::vector<sb::events::Event> evs;
    for (int i = 0; i < batch; ++i, ++n) {
      sb::events::Event e;
      e.id = "b-" + std::to_string(n);
      e.source = "/bench/" + std::to_string(start.time_since_epoch().count());
      e.type = "bench.append";
      e.data_json = data;
      evs.push_back(std::move(e));
    }
    auto r = log.publish(std::move(evs));
    if (!r.ok()) {
      std::fprintf(stderr, "append failed: %s\n", r.status().to_string().c_str());
      return 1;
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("batched append, batch %d: %d events in %.2f s = %.0f events/s\n", batch, n, secs, n / secs);
  (*db)->close();
  return 0;
}
