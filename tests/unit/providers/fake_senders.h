// Scriptable in-process providers for the unit tests: each fake is
// registered under its own name and shares a Script with the test, which
// queues outcomes and reads back what was sent. A fake may also block inside
// send() until the test releases it (in-flight tests).
#pragma once

#include <boost/json.hpp>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/metrics.h"
#include "providers/messaging.h"
#include "providers/registry.h"
#include "providers/sender.h"

namespace sb::providers::testing {

struct Script {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Status> outcomes;   // next results; when empty, `fallback`
  Status fallback;               // ok = success
  int calls = 0;
  int instances = 0;             // senders alive
  int created = 0;               // senders ever built
  std::vector<std::string> recipients;
  bool block = false;            // send() waits for release() when set
  bool entered = false;

  void fail_next(int n, Status s) {
    std::lock_guard lock(mu);
    for (int i = 0; i < n; ++i) outcomes.push_back(s);
  }
  void fail_always(Status s) {
    std::lock_guard lock(mu);
    fallback = std::move(s);
  }
  int call_count() {
    std::lock_guard lock(mu);
    return calls;
  }
  int alive() {
    std::lock_guard lock(mu);
    return instances;
  }
  void wait_entered() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return entered; });
  }
  void release() {
    std::lock_guard lock(mu);
    block = false;
    cv.notify_all();
  }

  Result<std::string> next(const std::string& name, const std::string& to) {
    std::unique_lock lock(mu);
    ++calls;
    recipients.push_back(to);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return !block; });
    Status s = fallback;
    if (!outcomes.empty()) {
      s = outcomes.front();
      outcomes.pop_front();
    }
    if (!s.is_ok()) return s;
    return name + "-id-" + std::to_string(calls);
  }
};

template <typename Sender, typename Message>
class Fake final : public Sender {
 public:
  Fake(std::string name, std::shared_ptr<Script> s) : name_(std::move(name)), s_(std::move(s)) {
    std::lock_guard lock(s_->mu);
    ++s_->instances;
    ++s_->created;
  }
  ~Fake() override {
    std::lock_guard lock(s_->mu);
    --s_->instances;
  }
  Result<std::string> send(const Message& m) override { return s_->next(name_, to_of(m)); }

 private:
  static std::string to_of(const EmailMessage& m) { return m.to.front(); }
  static std::string to_of(const SmsMessage& m) { return m.to; }
  std::string name_;
  std::shared_ptr<Script> s_;
};

inline Factory<EmailSender> fake_email(const std::string& name, std::shared_ptr<Script> s) {
  return {.name = name,
          .description = "test fake " + name,
          .keys = {},
          .create = [name, s](const config::ConfigService&) -> Result<std::unique_ptr<EmailSender>> {
            return std::unique_ptr<EmailSender>(std::make_unique<Fake<EmailSender, EmailMessage>>(name, s));
          }};
}

inline Factory<SmsSender> fake_sms(const std::string& name, std::shared_ptr<Script> s) {
  return {.name = name,
          .description = "test fake " + name,
          .keys = {},
          .create = [name, s](const config::ConfigService&) -> Result<std::unique_ptr<SmsSender>> {
            return std::unique_ptr<SmsSender>(std::make_unique<Fake<SmsSender, SmsMessage>>(name, s));
          }};
}

inline boost::json::value list(std::initializer_list<const char*> names) {
  boost::json::array a;
  for (const char* n : names) a.emplace_back(n);
  return a;
}

inline EmailMessage email_to(std::string to = "ada@example.com") {
  EmailMessage m;
  m.to = {std::move(to)};
  m.subject = "Hello";
  m.text = "Hi there";
  return m;
}

// Records the retry delays and moves the clock by them instead of sleeping.
struct SleepRecorder {
  ManualClock* clock;
  std::shared_ptr<std::vector<int64_t>> delays = std::make_shared<std::vector<int64_t>>();
  resilience::RetryPolicy::Sleeper sleeper() {
    return [c = clock, d = delays](Millis ms) {
      d->push_back(ms.count());
      c->advance(ms);
    };
  }
};

}  // namespace sb::providers::testing
