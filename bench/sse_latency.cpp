// Publish→SSE delivery latency: one thread streams /v1/events/stream, another
// publishes at a fixed rate with the send time (steady clock, µs) in the
// data; the reader records receive - send. Prints p50/p99/max.
//   sse_latency URL KEY RATE_PER_S SECONDS
#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

std::mutex mu;
std::vector<int64_t> latencies;
std::atomic<bool> connected{false};
std::atomic<bool> done{false};
std::string buf;

size_t on_data(char* p, size_t s, size_t n, void*) {
  connected = true;
  buf.append(p, s * n);
  size_t pos;
  while ((pos = buf.find("\n\n")) != std::string::npos) {
    std::string frame = buf.substr(0, pos);
    buf.erase(0, pos + 2);
    auto t = frame.find("\"t\":");
    if (t == std::string::npos) continue;
    int64_t sent = std::stoll(frame.substr(t + 4));
    std::lock_guard lock(mu);
    latencies.push_back(now_us() - sent);
  }
  return done ? 0 : s * n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: sse_latency URL KEY RATE SECONDS\n");
    return 2;
  }
  std::string url = argv[1], key = argv[2];
  int rate = std::atoi(argv[3]), seconds = std::atoi(argv[4]);
  curl_global_init(CURL_GLOBAL_ALL);
  std::string auth = "Authorization: Bearer " + key;
  std::thread reader([&] {
    CURL* c = curl_easy_init();
    curl_slist* h = curl_slist_append(nullptr, auth.c_str());
    std::string u = url + "/v1/events/stream?type=bench.latency";
    curl_easy_setopt(c, CURLOPT_URL, u.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(seconds + 10));
    curl_easy_perform(c);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
  });
  while (!connected) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  // Several publishers so one slow request does not delay the schedule.
  const int kPublishers = 8;
  std::vector<std::thread> pubs;
  std::atomic<int64_t> seq{0};
  int64_t start = now_us();
  int64_t total = static_cast<int64_t>(rate) * seconds;
  for (int p = 0; p < kPublishers; ++p) {
    pubs.emplace_back([&] {
      CURL* c = curl_easy_init();
      curl_slist* h = curl_slist_append(nullptr, auth.c_str());
      h = curl_slist_append(h, "Content-Type: application/json");
      std::string u = url + "/v1/events";
      curl_easy_setopt(c, CURLOPT_URL, u.c_str());
      curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
      curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, +[](char*, size_t s, size_t n, void*) { return s * n; });
      for (;;) {
        int64_t i = seq++;
        if (i >= total) break;
        int64_t due = start + i * 1'000'000 / rate;
        int64_t wait = due - now_us();
        if (wait > 0) std::this_thread::sleep_for(std::chrono::microseconds(wait));
        std::string body = R"({"specversion":"1.0","id":"lat-)" + std::to_string(start) + "-" + std::to_string(i) +
                           R"(","source":"/bench","type":"bench.latency","data":{"t":)" + std::to_string(now_us()) + "}}";
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_perform(c);
      }
      curl_slist_free_all(h);
      curl_easy_cleanup(c);
    });
  }
  for (auto& t : pubs) t.join();
  // Let the last deliveries arrive.
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(mu);
      if (static_cast<int64_t>(latencies.size()) >= total) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  done = true;
  reader.join();
  std::lock_guard lock(mu);
  if (latencies.empty()) {
    std::printf("sse_latency: no events received\n");
    return 1;
  }
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double q) { return latencies[std::min(latencies.size() - 1, static_cast<size_t>(q * latencies.size()))] / 1000.0; };
  std::printf("publish->SSE at %d events/s: received %zu/%lld  p50 %.2f ms  p99 %.2f ms  max %.2f ms\n", rate,
              latencies.size(), static_cast<long long>(total), pct(0.5), pct(0.99), latencies.back() / 1000.0);
  return 0;
}
