#include "events/event_log.h"

#include <algorithm>
#include <future>

#include "core/metrics.h"
#include "core/wake_batch.h"
#include "store/db.h"

namespace sb::events {

namespace {
// Multi-row statements come in a few fixed sizes so each engine caches a
// handful of prepared statements instead of one per batch size.
constexpr size_t kChunks[] = {64, 16, 4, 1};
constexpr size_t kMaxCoalesced = 2048;  // events per coalesced publish write
constexpr size_t kBusyGroup = 8;        // a group this large means publishers are queuing
constexpr std::chrono::microseconds kGatherWindow{300};

size_t chunk_for(size_t remaining) {
  for (size_t c : kChunks)
    if (remaining >= c) return c;
  return 1;
}

std::string placeholders(size_t rows, size_t cols, size_t first = 1) {
  std::string out;
  size_t p = first;
  for (size_t r = 0; r < rows; ++r) {
    out += r ? ",(" : "(";
    for (size_t c = 0; c < cols; ++c) {
      if (c) out += ',';
      out += '$';
      out += std::to_string(p++);
    }
    out += ')';
  }
  return out;
}
// The statements for each chunk size, built once.
const std::string& insert_sql(size_t n) {
  static const std::map<size_t, std::string> all = [] {
    std::map<size_t, std::string> m;
    for (size_t c : kChunks)
      m[c] = "INSERT INTO events (sequence, id, source, type, subject, time_ms, envelope) VALUES " + placeholders(c, 7) +
             " ON CONFLICT (source, id) DO NOTHING";
    return m;
  }();
  return all.at(n);
}
}  // namespace

EventLog::EventLog(store::Db& db, const Clock& clock, metrics::Registry* metrics)
    : db_(db),
      clock_(clock),
      // Concurrent publishes are written together: one multi-row append per
      // group (the store's CoalescingWriter decides the grouping).
      publisher_(
          db,
          [this](store::Tx& tx, std::vector<std::vector<Event>*>& items) -> Result<std::vector<Appended>> {
            if (items.size() == 1) return append(tx, *items[0]);
            std::vector<Event> all;
            size_t n = 0;
            for (auto* item : items) n += item->size();
            all.reserve(n);
            for (auto* item : items) all.insert(all.end(), item->begin(), item->end());
            return append(tx, std::move(all));
          },
          store::CoalescingOptions{kMaxCoalesced, kBusyGroup, kGatherWindow},
          [this](size_t events) {
            if (group_size_) group_size_->observe(static_cast<double>(events));
          }) {
  if (metrics) {
    appended_ = &metrics->counter("sb_events_appended_total", "Events appended to the log.");
    group_size_ = &metrics->histogram("sb_events_publish_group_size", "Events per coalesced publish write.", {},
                                      {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048});
  }
  (void)refresh();
}

Result<Appended> EventLog::append(store::Tx& tx, Event event) {
  std::vector<Event> one;
  one.push_back(std::move(event));
  SB_ASSIGN(auto out, append(tx, std::move(one)));
  return out.front();
}

Result<std::vector<Appended>> EventLog::append(store::Tx& tx, std::vector<Event> events) {
  std::vector<Appended> out(events.size());
  if (events.empty()) return out;

  // 1. First occurrence of each (source, id) in this call; later repeats are
  //    duplicates of it.
  std::vector<size_t> fresh;
  std::vector<size_t> first_of(events.size());
  {
    std::map<std::pair<std::string_view, std::string_view>, size_t> seen;
    for (size_t i = 0; i < events.size(); ++i) {
      auto [it, inserted] = seen.try_emplace({events[i].source, events[i].id}, i);
      first_of[i] = it->second;
      if (inserted) fresh.push_back(i);
    }
  }

  // 2. Reserve sequences with one counter bump. On PostgreSQL the row lock it
  //    takes orders concurrent appenders by commit.
  //    SQLite answers RETURNING through a temporary table (a new b-tree per
  //    statement, most of the cost of a one-event append); its writer is
  //    alone in the transaction, so reading the row back is the same answer.
  store::Rows counter;
  if (tx.engine() == store::Engine::kSqlite) {
    SB_TRY(tx.exec("UPDATE counters SET value = value + $1 WHERE name = 'events'", {static_cast<int64_t>(fresh.size())})
               .status());
    SB_ASSIGN(counter, tx.query("SELECT value FROM counters WHERE name = 'events'"));
  } else {
    SB_ASSIGN(counter, tx.query("UPDATE counters SET value = value + $1 WHERE name = 'events' RETURNING value",
                                {static_cast<int64_t>(fresh.size())}));
  }
  if (counter.empty()) return Status::internal("events counter missing; were migrations applied?");
  int64_t next = counter[0].int_at(0) - static_cast<int64_t>(fresh.size()) + 1;
  int64_t now = clock_.now_ms();
  for (size_t i : fresh) {
    if (events[i].time_ms == 0) events[i].time_ms = now;
    events[i].sequence = next++;
  }

  // 3. Insert, several rows per statement. Idempotency is the unique index's
  //    job (ON CONFLICT DO NOTHING): no lookup first, and no dependence on the
  //    planner choosing that index for one. The row count tells whether the
  //    whole chunk went in (the common case); only a chunk that met a
  //    duplicate is read back to learn which rows are new. (No RETURNING:
  //    SQLite buffers its rows in a temporary table: a quarter of an append.)
  std::vector<char> inserted(fresh.size(), 1);
  for (size_t i = 0; i < fresh.size();) {
    size_t n = chunk_for(fresh.size() - i);
    store::Params params;
    params.reserve(n * 7);
    for (size_t k = 0; k < n; ++k) {
      const Event& e = events[fresh[i + k]];
      params.emplace_back(e.sequence);
      params.emplace_back(e.id);
      params.emplace_back(e.source);
      params.emplace_back(e.type);
      params.emplace_back(e.subject.empty() ? store::Value(nullptr) : store::Value(e.subject));
      params.emplace_back(e.time_ms);
      params.emplace_back(envelope_json(e));
    }
    SB_ASSIGN(int64_t changed, tx.exec(insert_sql(n), params));
    if (changed != static_cast<int64_t>(n)) {
      // Sequences were reserved for this call, so a row holding one is ours.
      int64_t first = events[fresh[i]].sequence;
      SB_ASSIGN(auto rows, tx.query("SELECT sequence FROM events WHERE sequence >= $1 AND sequence <= $2",
                                    {first, first + static_cast<int64_t>(n) - 1}));
      std::fill(inserted.begin() + i, inserted.begin() + i + n, 0);
      for (auto& r : rows) inserted[i + static_cast<size_t>(r.int_at(0) - first)] = 1;
    }
    i += n;
  }

  // 4. Outcomes. An event already in the log keeps its stored sequence (its
  //    reserved number stays unused: sequences may have gaps).
  int64_t max_seq = 0;
  size_t count = 0;
  for (size_t f = 0; f < fresh.size(); ++f) {
    Event& e = events[fresh[f]];
    if (inserted[f]) {
      out[fresh[f]] = {e.sequence, e.id, false};
      max_seq = std::max(max_seq, e.sequence);
      ++count;
      continue;
    }
    SB_ASSIGN(auto rows, tx.query("SELECT sequence FROM events WHERE source = $1 AND id = $2", {e.source, e.id}));
    if (rows.empty()) return Status::internal("event " + e.id + " neither inserted nor found");
    e.sequence = rows[0].int_at(0);
    out[fresh[f]] = {e.sequence, e.id, true};
  }
  for (size_t i = 0; i < events.size(); ++i)
    if (first_of[i] != i) out[i] = {out[first_of[i]].sequence, events[i].id, true};

  if (count > 0) {
    tx.after_commit([this, max_seq, count] {
      if (appended_) appended_->inc(static_cast<double>(count));
      advance_head(max_seq);
    });
  }
  return out;
}

void EventLog::publish_async(std::vector<Event> events, PublishDone done) {
  const size_t n = events.size();
  publisher_.submit(std::move(events), n, std::move(done));
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
  // One pattern as SQL: a prefix is a range so the (type, sequence) index
  // serves it ("user." <= type < "user/"); "*" is no condition at all.
  auto condition = [&](const std::string& p) -> std::string {
    if (p.empty() || p == "*") return "";
    if (p.size() > 2 && p.compare(p.size() - 2, 2, ".*") == 0) {
      std::string lo = p.substr(0, p.size() - 1);
      std::string hi = lo;
      hi.back() = static_cast<char>('.' + 1);
      params.push_back(lo);
      params.push_back(hi);
      return "(type >= $" + std::to_string(params.size() - 1) + " AND type < $" + std::to_string(params.size()) + ")";
    }
    params.push_back(p);
    return "type = $" + std::to_string(params.size());
  };
  if (q.any_type_patterns.empty()) {
    std::string c = condition(q.type_pattern);
    if (!c.empty()) sql += " AND " + c;
  } else {
    bool everything = std::any_of(q.any_type_patterns.begin(), q.any_type_patterns.end(),
                                  [](const std::string& p) { return p.empty() || p == "*"; });
    if (!everything) {
      std::string any;
      for (const auto& p : q.any_type_patterns) any += (any.empty() ? "" : " OR ") + condition(p);
      sql += " AND (" + any + ")";
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
  // A group commit appends for many writers (each delivery's record, each
  // publish): the listeners hear once, of the newest head, when the commit's
  // wakes run (core/wake_batch.h), not once per append.
  if (telling_.exchange(true)) return;
  WakeBatch::run_or_defer([this] {
    telling_.store(false);  // before reading head_: a later advance tells again
    const int64_t head = head_.load();
    std::lock_guard lock(mu_);
    for (auto& [_, fn] : listeners_) fn(head);
  });
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
