// Time as a dependency. Production code asks a Clock for "now"; tests pass a
// ManualClock and step it forward instead of sleeping. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace sb {

using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall clock, Unix epoch milliseconds (timestamps that are stored or shown).
  virtual int64_t now_ms() const = 0;
  // Monotonic milliseconds (durations, deadlines, breaker windows).
  virtual int64_t steady_ms() const = 0;

  static Clock& system();
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms), steady_(0) {}
  int64_t now_ms() const override { return now_.load(); }
  int64_t steady_ms() const override { return steady_.load(); }
  void advance(Millis d) {
    now_ += d.count();
    steady_ += d.count();
  }
  void set_now_ms(int64_t ms) { now_ = ms; }

 private:
  std::atomic<int64_t> now_;
  std::atomic<int64_t> steady_;
};

// RFC 3339 UTC with milliseconds, e.g. 2026-11-23T13:17:17.123Z.
std::string format_rfc3339(int64_t unix_ms);
// Parses an RFC 3339 date-time (§5.6: 'T' between date and time, Z or ±hh:mm
// offset, optional fraction; not the space ISO 8601 profiles allow). Returns
// false if malformed or not a real date. Neither allocates nor locks.
bool parse_rfc3339(std::string_view text, int64_t& unix_ms);

}  // namespace sb
