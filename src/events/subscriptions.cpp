#include "events/subscriptions.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>

#include "core/thread_pool.h"
#include "core/ids.h"
#include "core/metrics.h"
#include "events/webhook_signature.h"
#include "store/db.h"

namespace sb::events {

namespace {
constexpr const char* kColumns =
    "id, pattern, kind, target, cursor, state, attempts, next_attempt_at, last_error, delivered, created_at, "
    "(SELECT COUNT(*) FROM dead_letters d WHERE d.subscription_id = subscriptions.id)";

Subscription from_row(const store::Row& r) {
  Subscription s;
  s.id = r.text_at(0);
  s.pattern = r.text_at(1);
  s.kind = r.text_at(2);
  s.target = r.text_at(3);
  s.cursor = r.int_at(4);
  s.state = r.text_at(5);
  s.attempts = r.int_at(6);
  s.next_attempt_at = r.int_at(7);
  s.last_error = r.text_at(8);
  s.delivered = r.int_at(9);
  s.created_at = r.int_at(10);
  s.dead_letters = r.int_at(11);
  return s;
}

bool valid_url(const std::string& u) {
  return (u.rfind("http://", 0) == 0 && u.size() > 7) || (u.rfind("https://", 0) == 0 && u.size() > 8);
}
}  // namespace

Subscriptions::Subscriptions(store::Db& db, EventLog& log, const Clock& clock, metrics::Registry* metrics,
                             WebhookPost post, DeliveryOptions options, std::function<double()> random01)
    : db_(db), log_(log), clock_(clock), metrics_(metrics), post_(std::move(post)), options_(options),
      random01_(std::move(random01)), instance_(new_uuid_v7(clock)) {
  if (!random01_) {
    random01_ = [] {
      thread_local std::mt19937_64 rng{std::random_device{}()};
      return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    };
  }
  if (metrics_) {
    metrics_->gauge_fn("sb_subscription_lag_events", "Sequences between the log head and each subscription's cursor.",
                       [this](std::vector<std::pair<metrics::Labels, double>>& out) {
                         auto subs = list_for_scrape();
                         if (!subs.ok()) return;
                         int64_t head = log_.head();
                         for (auto& s : *subs)
                           out.push_back({{{"subscription", s.id}}, static_cast<double>(std::max<int64_t>(0, head - s.cursor))});
                       });
    metrics_->gauge_fn("sb_subscription_dead_letters", "Events dead-lettered per subscription.",
                       [this](std::vector<std::pair<metrics::Labels, double>>& out) {
                         auto subs = list_for_scrape();
                         if (!subs.ok()) return;
                         for (auto& s : *subs) out.push_back({{{"subscription", s.id}}, static_cast<double>(s.dead_letters)});
                       });
  }
}

Subscriptions::~Subscriptions() { stop(); }

void Subscriptions::register_handler(const std::string& name, EventHandler handler) {
  handlers_[name] = std::move(handler);
}

Result<Subscription> Subscriptions::create(const SubscriptionSpec& spec) {
  std::vector<FieldError> errs;
  if (Status s = validate_pattern(spec.pattern, "/pattern"); !s) errs.push_back(s.fields()[0]);
  bool has_url = !spec.webhook_url.empty(), has_handler = !spec.handler.empty();
  if (has_url == has_handler) errs.push_back({"/webhook_url", "give exactly one of webhook_url or handler"});
  if (has_url && !valid_url(spec.webhook_url)) errs.push_back({"/webhook_url", "must be an http:// or https:// URL"});
  if (has_handler && !handlers_.count(spec.handler)) errs.push_back({"/handler", "no in-process handler named \"" + spec.handler + "\""});
  if (spec.after < -1) errs.push_back({"/after", "must be a sequence (>= 0) or omitted"});
  if (!errs.empty()) return Status::invalid(std::move(errs));

  Subscription s;
  s.id = new_uuid_v7(clock_);
  s.pattern = spec.pattern;
  s.kind = has_url ? "webhook" : "handler";
  s.target = has_url ? spec.webhook_url : spec.handler;
  s.secret = has_url ? new_webhook_secret() : "";
  s.state = "active";
  s.created_at = clock_.now_ms();
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    if (spec.after >= 0) {
      s.cursor = spec.after;
    } else {
      SB_ASSIGN(auto rows, tx.query("SELECT MAX(sequence) FROM events"));
      s.cursor = rows.empty() ? 0 : rows[0].int_at(0);
    }
    SB_TRY(tx.exec("INSERT INTO subscriptions (id, pattern, kind, target, secret, cursor, state, created_at, updated_at) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                   {s.id, s.pattern, s.kind, s.target, s.secret.empty() ? store::Value(nullptr) : store::Value(s.secret),
                    s.cursor, s.state, s.created_at}));
    Event e = kSubscriptionCreated.make(clock_, s.id, boost::json::object{{"id", s.id}, {"kind", s.kind}});
    return log_.append(tx, std::move(e)).status();
  }));
  {
    std::lock_guard lock(mu_);
    wake_ = true;
    any_active_ = true;
  }
  cv_.notify_all();
  return s;
}

Result<std::vector<Subscription>> Subscriptions::list_for_scrape() {
  // Both gauges of one /metrics scrape share one read of the table.
  std::lock_guard lock(scrape_mu_);
  int64_t now = clock_.steady_ms();
  if (scrape_cache_ && now - scrape_at_ms_ < 1000) return *scrape_cache_;
  SB_ASSIGN(auto subs, list());
  scrape_cache_ = subs;
  scrape_at_ms_ = now;
  return subs;
}

Result<std::vector<Subscription>> Subscriptions::list() {
  std::vector<Subscription> out;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query(std::string("SELECT ") + kColumns + " FROM subscriptions ORDER BY id"));
    for (auto& r : rows) out.push_back(from_row(r));
    return {};
  }));
  return out;
}

Result<Subscription> Subscriptions::get(const std::string& id) {
  std::optional<Subscription> out;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query(std::string("SELECT ") + kColumns + " FROM subscriptions WHERE id = $1", {id}));
    if (!rows.empty()) out = from_row(rows[0]);
    return {};
  }));
  if (!out) return Status::not_found("no subscription " + id);
  return *out;
}

Status Subscriptions::remove(const std::string& id) {
  return db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(int64_t n, tx.exec("DELETE FROM subscriptions WHERE id = $1", {id}));
    if (n == 0) return Status::not_found("no subscription " + id);
    SB_TRY(tx.exec("DELETE FROM dead_letters WHERE subscription_id = $1", {id}));
    return {};
  });
}

Status Subscriptions::replay(const std::string& id, int64_t from) {
  if (from < 1) return Status::invalid("from", "must be a sequence >= 1");
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(int64_t n, tx.exec("UPDATE subscriptions SET cursor = $2, attempts = 0, next_attempt_at = 0, "
                                 "last_error = NULL, state = 'active', updated_at = $3, lease_until = 0 WHERE id = $1",
                                 {id, from - 1, clock_.now_ms()}));
    if (n == 0) return Status::not_found("no subscription " + id);
    return {};
  }));
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
  return {};
}

Result<std::vector<DeadLetter>> Subscriptions::dead_letters(const std::string& id, int limit) {
  std::vector<DeadLetter> out;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT sequence, attempts, last_error, created_at FROM dead_letters "
                                  "WHERE subscription_id = $1 ORDER BY sequence LIMIT $2",
                                  {id, static_cast<int64_t>(limit)}));
    for (auto& r : rows) out.push_back({r.int_at(0), r.int_at(1), r.text_at(2), r.int_at(3)});
    return {};
  }));
  return out;
}

int64_t Subscriptions::backoff_ms(int64_t attempts) {
  // Full jitter: uniform in [0, min(max, base * 2^(attempts-1))].
  double cap = static_cast<double>(options_.base_backoff_ms) * std::pow(2.0, static_cast<double>(std::min<int64_t>(attempts - 1, 30)));
  cap = std::min(cap, static_cast<double>(options_.max_backoff_ms));
  return static_cast<int64_t>(cap * random01_());
}

Status Subscriptions::attempt(const Subscription& sub, const StoredEvent& e) {
  if (sub.kind == "handler") {
    auto it = handlers_.find(sub.target);
    if (it == handlers_.end()) return Status::unavailable("handler " + sub.target + " is not registered in this process");
    return it->second(e);
  }
  const std::string& secret = sub.secret;  // loaded with the due work, never shown by the API
  std::string msg_id = "msg_" + sub.id + "_" + std::to_string(e.sequence);
  SB_ASSIGN(auto headers, sign_webhook(secret, msg_id, clock_.now_ms() / 1000, e.envelope));
  headers.emplace_back("Content-Type", "application/cloudevents+json");
  return post_(sub.target, headers, e.envelope);
}

bool Subscriptions::claim(const Subscription& sub) {
  int64_t now = clock_.now_ms();
  bool claimed = false;
  Status s = db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(int64_t n, tx.exec("UPDATE subscriptions SET lease_owner = $2, lease_until = $3 "
                                 "WHERE id = $1 AND cursor = $5 AND (lease_until < $4 OR lease_owner = $2)",
                                 {sub.id, instance_, now + options_.lease_ms, now, sub.cursor}));
    claimed = n == 1;
    return {};
  });
  return s && claimed;
}

void Subscriptions::deliver(const Subscription& sub) {
  // Another instance may be delivering it (or moved its cursor meanwhile).
  if (!claim(sub)) return;
  Query q;
  q.type_pattern = sub.pattern;
  q.after = sub.cursor;
  q.limit = options_.batch;
  int64_t scanned_to = log_.head();  // read before the page: nothing between is skipped
  auto page = log_.read(q);
  if (!page.ok()) return;
  int64_t cursor = sub.cursor, attempts = sub.attempts, delivered = 0, next_at = 0;
  std::string last_error = sub.last_error;
  std::vector<DeadLetter> dead;
  for (const StoredEvent& e : *page) {
    Status s = attempt(sub, e);
    if (s) {
      cursor = e.sequence;
      attempts = 0;
      ++delivered;
      last_error.clear();
      if (metrics_) metrics_->counter("sb_subscription_deliveries_total", "Event deliveries by outcome.", {{"outcome", "ok"}}).inc();
      continue;
    }
    ++attempts;
    last_error = s.message().substr(0, 500);
    if (metrics_) metrics_->counter("sb_subscription_deliveries_total", "Event deliveries by outcome.", {{"outcome", "error"}}).inc();
    if (attempts >= options_.max_attempts) {
      spdlog::warn("subscription {}: event {} dead-lettered after {} attempts: {}", sub.id, e.sequence, attempts, last_error);
      dead.push_back({e.sequence, attempts, last_error, clock_.now_ms()});
      cursor = e.sequence;
      attempts = 0;
      continue;
    }
    next_at = clock_.now_ms() + backoff_ms(attempts);
    break;
  }
  if (attempts == 0 && static_cast<int>(page->size()) < options_.batch) cursor = std::max(cursor, scanned_to);
  Status w = db_.write([&](store::Tx& tx) -> Status {
    // The cursor only moves forward unless replay() reset it meanwhile.
    SB_ASSIGN(int64_t n, tx.exec("UPDATE subscriptions SET cursor = $2, attempts = $3, next_attempt_at = $4, last_error = $5, "
                                 "delivered = delivered + $6, updated_at = $7, lease_until = 0 WHERE id = $1 AND cursor = $8 "
                                 "AND lease_owner = $9",
                                 {sub.id, cursor, attempts, next_at, last_error.empty() ? store::Value(nullptr) : store::Value(last_error),
                                  delivered, clock_.now_ms(), sub.cursor, instance_}));
    if (n == 0) return {};
    for (auto& d : dead)
      SB_TRY(tx.exec("INSERT INTO dead_letters (subscription_id, sequence, attempts, last_error, created_at) "
                     "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subscription_id, sequence) DO UPDATE SET "
                     "attempts = excluded.attempts, last_error = excluded.last_error, created_at = excluded.created_at",
                     {sub.id, d.sequence, d.attempts, d.last_error, d.created_at}));
    return {};
  });
  if (!w) spdlog::warn("subscription {}: could not save progress: {}", sub.id, w.to_string());
}

Result<std::vector<Subscription>> Subscriptions::due(int64_t now) {
  int64_t head = log_.head();
  std::vector<Subscription> out;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query(std::string("SELECT ") + kColumns +
                                      ", secret FROM subscriptions WHERE state = 'active' AND cursor < $1 AND next_attempt_at <= $2"
                                      " AND (lease_until < $2 OR lease_owner = $3)",
                                  {head, now, instance_}));
    for (auto& r : rows) {
      out.push_back(from_row(r));
      out.back().secret = r.text_at(12);  // for signing only
    }
    return {};
  }));
  return out;
}

void Subscriptions::run_once() {
  auto subs = due(clock_.now_ms());
  if (!subs.ok()) return;
  for (auto& s : *subs) deliver(s);
}

void Subscriptions::start() {
  listener_ = log_.add_listener([this](int64_t) {
    {
      std::lock_guard lock(mu_);
      wake_ = true;
    }
    cv_.notify_all();
  });
  threads_.emplace_back([this] {
    name_this_thread("sb-subs");
    loop();
  });
  for (int i = 0; i < options_.workers; ++i) {
    threads_.emplace_back([this, i] {
      name_this_thread("sb-deliver-" + std::to_string(i));
      for (;;) {
        Subscription s;
        {
          std::unique_lock lock(mu_);
          cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
          if (stopping_) return;
          s = std::move(queue_.back());
          queue_.pop_back();
        }
        deliver(s);
        {
          std::lock_guard lock(mu_);
          in_flight_.erase(s.id);
          wake_ = true;  // it may have more to deliver
        }
        cv_.notify_all();
      }
    });
  }
}

Result<int64_t> Subscriptions::count_active() {
  int64_t n = 0;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT COUNT(*) FROM subscriptions WHERE state = 'active'"));
    n = rows.empty() ? 0 : rows[0].int_at(0);
    return {};
  }));
  return n;
}

void Subscriptions::loop() {
  bool polled = true;  // the first round reads the Db
  for (;;) {
    {
      std::unique_lock lock(mu_);
      bool woken = cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms), [&] { return stopping_ || wake_; });
      if (stopping_) return;
      wake_ = false;
      polled = !woken;
    }
    if (polled) {
      // Only on the poll: a wake-up from a local commit already moved the
      // head, and re-reading it on every publish was a Db round trip per
      // commit on the hot path.
      (void)log_.refresh();  // other instances' appends
      auto n = count_active();
      if (n.ok()) any_active_ = *n > 0;
    }
    if (!any_active_) continue;  // nothing to deliver: no query per commit
    auto subs = due(clock_.now_ms());
    if (!subs.ok()) continue;
    {
      std::lock_guard lock(mu_);
      for (auto& s : *subs)
        if (in_flight_.insert(s.id).second) queue_.push_back(std::move(s));
    }
    cv_.notify_all();
  }
}

void Subscriptions::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (listener_) log_.remove_listener(listener_);
  listener_ = 0;
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace sb::events
