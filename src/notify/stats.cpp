// notify::Service: listing and the monitor's stats.
#include <algorithm>

#include "notify/service_impl.h"

namespace sb::notify {

namespace {
void add(Counts& c, const std::string& status, int64_t n) {
  c.total += n;
  if (status == "sent") c.sent += n;
  else if (status == "delivered") c.delivered += n;
  else if (status == "dead" || status == "bounced") c.failed += n;  // bounced: sent, then refused
  else if (status == "suppressed") c.suppressed += n;
  else c.pending += n;  // queued, deferred, digested, sending, retrying
}
}  // namespace

double Counts::success_rate() const {
  int64_t settled = sent + delivered + failed;
  return settled == 0 ? 1.0 : static_cast<double>(sent + delivered) / static_cast<double>(settled);
}

Result<std::vector<Notification>> Service::list(const ListQuery& q) {
  std::vector<FieldError> errs;
  if (q.limit < 1 || q.limit > 100) errs.push_back({"limit", "must be 1 to 100"});
  if (!q.channel.empty() && !known_channel(q.channel)) errs.push_back({"channel", kChannelMessage});
  static const char* kStatuses[] = {"queued",   "deferred", "digested",   "sending", "sent",
                                    "delivered", "retrying", "dead", "suppressed", "bounced"};
  if (!q.status.empty() && std::none_of(std::begin(kStatuses), std::end(kStatuses), [&](auto s) { return q.status == s; }))
    errs.push_back({"status", "must be queued, deferred, digested, sending, sent, delivered, retrying, dead, suppressed "
                              "or bounced"});
  if (!errs.empty()) return Status::invalid(std::move(errs));
  std::string sql = "SELECT n.id FROM notifications n WHERE n.created_ms >= $1";
  store::Params p{q.since_ms};
  auto cond = [&](const std::string& clause, const std::string& v) {
    if (v.empty()) return;
    p.emplace_back(v);
    sql += " AND " + clause + std::to_string(p.size());
  };
  cond("n.user_id = $", q.user_id);
  cond("n.type = $", q.type);
  cond("n.id < $", q.before);
  // The statuses an operator looks for are few among many: read their
  // notifications from notify_deliveries_attention (migration 0016) rather
  // than test every notification of the window for one.
  const bool rare = q.status == "dead" || q.status == "bounced" || q.status == "retrying";
  if (rare) {
    p.emplace_back(q.status);
    // The index's own predicate, verbatim: SQLite uses a partial index only
    // when the query repeats it.
    sql += " AND n.id IN (SELECT d.notification_id FROM notify_deliveries d WHERE d.status IN ('dead', 'bounced', "
           "'retrying') AND d.status = $" +
           std::to_string(p.size());
    if (!q.channel.empty()) {
      p.emplace_back(q.channel);
      sql += " AND d.channel = $" + std::to_string(p.size());
    }
    sql += ")";
  } else if (!q.status.empty() || !q.channel.empty()) {
    sql += " AND EXISTS (SELECT 1 FROM notify_deliveries d WHERE d.notification_id = n.id";
    if (!q.status.empty()) {
      p.emplace_back(q.status);
      sql += " AND d.status = $" + std::to_string(p.size());
    }
    if (!q.channel.empty()) {
      p.emplace_back(q.channel);
      sql += " AND d.channel = $" + std::to_string(p.size());
    }
    sql += ")";
  }
  p.emplace_back(static_cast<int64_t>(q.limit));
  sql += " ORDER BY n.id DESC LIMIT $" + std::to_string(p.size());
  std::vector<Notification> out;
  SB_TRY(impl_->db.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto ids, tx.query(sql, p));
    for (auto& r : ids) {
      SB_ASSIGN(auto n, impl_->load(tx, r.text_at(0)));
      out.push_back(std::move(n));
    }
    return {};
  }));
  return out;
}

Result<Stats> Service::stats(int64_t window_ms) {
  if (window_ms < 60'000 || window_ms > 90LL * 86'400'000) return Status::invalid("window", "must be 1m to 90d");
  Stats s;
  const int64_t since = impl_->clock.now_ms() - window_ms;
  SB_TRY(impl_->db.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT d.channel, n.type, d.status, d.provider, n.created_ms / 3600000, COUNT(*) "
                                  "FROM notify_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE "
                                  "n.created_ms >= $1 GROUP BY d.channel, n.type, d.status, d.provider, "
                                  "n.created_ms / 3600000",
                                  {since}));
    for (auto& r : rows) {
      std::string status = r.text_at(2), provider = r.text_at(3);
      int64_t n = r.int_at(5);
      add(s.all, status, n);
      add(s.by_channel[r.text_at(0)], status, n);
      add(s.by_type[r.text_at(1)], status, n);
      if (!provider.empty()) add(s.by_provider[provider], status, n);
      add(s.by_hour[r.int_at(4) * 3'600'000], status, n);
    }
    return {};
  }));
  return s;
}

void Service::Impl::count(store::Tx& tx, const std::string& channel, const std::string& provider,
                          const std::string& outcome, size_t n) {
  if (!metrics_registry || n == 0) return;
  tx.after_commit([this, channel, provider, outcome, n] {
    metrics_registry
        ->counter("sb_notify_deliveries_total", "Deliveries reaching a status, by channel, provider and status.",
                  {{"channel", channel}, {"provider", provider}, {"outcome", outcome}})
        .inc(static_cast<double>(n));
  });
}

}  // namespace sb::notify
