#include "events/event_log.h"

#include <future>

#include "core/ids.h"
#include "core/metrics.h"
#include "store/db.h"

namespace sb::events {

EventLog::EventLog(store::Db& db, const Clock& clock, metrics::Registry* metrics)
    : db_(db), clock_(clock) {
  if (metrics) appended_ = &metrics->counter("sb_events_appended_total", "Events appended to the log.");
  (void)refresh();
}

Result<Appended> EventLog::append(store::Tx& tx, Event event) {
  std::vector<Event> one;
  one.push_back(std::move(event));
  SB_ASSIGN(auto out, append(tx, std::move(one)));
  return out.front();
}

Result<std::vector<Appended>> EventLog::append(store::Tx& tx, std::vector<Event> events) {
  std::vector<Appended> out;
  out.reserve(events.size());
  if (events.empty()) return out;
  // One counter bump per call reserves a block of sequences. On PostgreSQL the
  // row lock it takes also orders concurrent appenders by commit.
  SB_ASSIGN(auto rows, tx.query("UPDATE counters SET value = value + $1 WHERE name = 'events' RETURNING value",
                                {static_cast<int64_t>(events.size())}));
  if (rows.empty()) return Status::internal("events counter missing; were migrations applied?");
  int64_t next = rows[0].int_at(0) - static_cast<int64_t>(events.size()) + 1;
  int64_t now = clock_.now_ms();
  int64_t fresh = 0;
  int64_t max_seq = 0;
  for (Event& e : events) {
    SB_ASSIGN(auto dup, tx.query("SELECT sequence FROM events WHERE source = $1 AND id = $2",
                                 {e.source, e.id}));
    if (!dup.empty()) {
      // Idempotent publish: the sequence reserved for it stays unused (gaps are allowed).
      out.push_back({dup[0].int_at(0), e.id, true});
      ++next;
      continue;
    }
    if (e.time_ms == 0) e.time_ms = now;
    e.sequence = next++;
    std::string env = envelope_json(e);
    SB_TRY(tx.exec(
        "INSERT INTO events (sequence, id, source, type, subject, time_ms, envelope) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        {e.sequence, e.id, e.source, e.type,
         e.subject.empty() ? store::Value(nullptr) : store::Value(e.subject), e.time_ms, env}));
    out.push_back({e.sequence, e.id, false});
    max_seq = e.sequence;
    ++fresh;
  }
  if (fresh > 0) {
    tx.after_commit([this, max_seq, fresh] {
      if (appended_) appended_->inc(static_cast<double>(fresh));
      advance_head(max_seq);
    });
  }
  return out;
}

void EventLog::publish_async(std::vector<Event> events, PublishDone done) {
  auto result = std::make_shared<std::vector<Appended>>();
  auto input = std::make_shared<std::vector<Event>>(std::move(events));
  db_.write_async(
      [this, input, result](store::Tx& tx) -> Status {
        // The callback may in principle be retried; append a copy each time.
        SB_ASSIGN(*result, append(tx, *input));
        return {};
      },
      [result, done = std::move(done)](Status s) {
        if (!s) done(std::move(s));
        else done(std::move(*result));
      });
}

Result<std::vector<Appended>> EventLog::publish(std::vector<Event> events) {
  std::promise<Result<std::vector<Appended>>> p;
  auto f = p.get_future();
  publish_async(std::move(events), [&p](Result<std::vector<Appended>> r) { p.set_value(std::move(r)); });
  return f.get();
}

Result<std::vector<StoredEvent>> EventLog::read(const Query& q) const {
  std::string sql = "SELECT sequence, type, envelope FROM events WHERE sequence > $1";
  store::Params params{q.after};
  const std::string& p = q.type_pattern;
  if (!p.empty() && p != "*") {
    if (p.size() > 2 && p.compare(p.size() - 2, 2, ".*") == 0) {
      // Prefix as a range so the (type, sequence) index serves it: "user." <= type < "user/".
      std::string lo = p.substr(0, p.size() - 1);
      std::string hi = lo;
      hi.back() = static_cast<char>('.' + 1);
      sql += " AND type >= $2 AND type < $3";
      params.push_back(lo);
      params.push_back(hi);
    } else {
      sql += " AND type = $2";
      params.push_back(p);
    }
  }
  if (!q.subject.empty()) {
    sql += " AND subject = $" + std::to_string(params.size() + 1);
    params.push_back(q.subject);
  }
  sql += " ORDER BY sequence LIMIT $" + std::to_string(params.size() + 1);
  params.push_back(static_cast<int64_t>(q.limit));
  std::vector<StoredEvent> out;
  Status s = db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query(sql, params));
    out.reserve(rows.size());
    for (auto& r : rows) out.push_back({r.int_at(0), r.text_at(1), with_sequence(r.int_at(0), r.text_at(2))});
    return {};
  });
  if (!s) return s;
  return out;
}

Result<int64_t> EventLog::refresh() {
  int64_t head = 0;
  Status s = db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT MAX(sequence) FROM events"));
    if (!rows.empty()) head = rows[0].int_at(0);
    return {};
  });
  if (!s) return s;
  advance_head(head);
  return head_.load();
}

void EventLog::advance_head(int64_t seq) {
  int64_t cur = head_.load();
  while (seq > cur && !head_.compare_exchange_weak(cur, seq)) {}
  if (seq <= cur) return;
  std::lock_guard lock(mu_);
  for (auto& [_, fn] : listeners_) fn(seq);
}

uint64_t EventLog::add_listener(std::function<void(int64_t)> fn) {
  std::lock_guard lock(mu_);
  uint64_t id = next_listener_++;
  listeners_[id] = std::move(fn);
  return id;
}

void EventLog::remove_listener(uint64_t id) {
  std::lock_guard lock(mu_);
  listeners_.erase(id);
}

}  // namespace sb::events
