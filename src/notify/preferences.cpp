// notify::Service: per-user opt-outs and the in-app inbox.
#include "core/ids.h"
#include "jobs/cron.h"

#include "notify/service_impl.h"

namespace sb::notify {

int parse_time_of_day(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return -1;
  for (size_t i : {0, 1, 3, 4})
    if (s[i] < '0' || s[i] > '9') return -1;
  int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  return h < 24 && m < 60 ? h * 60 + m : -1;
}

int64_t parse_duration_ms(std::string_view s) {
  if (s.empty() || s.size() > 15) return 0;
  int64_t unit = 1;
  switch (s.back()) {
    case 's': unit = 1000; break;
    case 'm': unit = 60'000; break;
    case 'h': unit = 3'600'000; break;
    case 'd': unit = 86'400'000; break;
    default: break;
  }
  std::string_view digits = unit == 1 ? s : s.substr(0, s.size() - 1);
  if (digits.empty()) return 0;
  int64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + (c - '0');
  }
  return n * unit;
}

Result<std::optional<int64_t>> quiet_until(const QuietHours& q, int64_t now_ms) {
  if (q.start_minute == q.end_minute) return std::optional<int64_t>();
  auto at = [&](int minute) -> Result<int64_t> {
    SB_ASSIGN(auto expr, jobs::CronExpression::parse(std::to_string(minute % 60) + " " + std::to_string(minute / 60) +
                                                     " * * *"));
    return expr.next_after(now_ms, q.time_zone);
  };
  SB_ASSIGN(int64_t next_start, at(q.start_minute));
  SB_ASSIGN(int64_t next_end, at(q.end_minute));
  // Inside the window exactly when its end comes before the next start.
  if (next_end < next_start) return std::optional<int64_t>(next_end);
  return std::optional<int64_t>();
}

Result<std::optional<QuietHours>> read_quiet_hours(store::Tx& tx, const std::string& user) {
  SB_ASSIGN(auto qh, tx.query("SELECT start_minute, end_minute, time_zone FROM notify_quiet_hours WHERE user_id = $1",
                              {user}));
  if (qh.empty()) return std::optional<QuietHours>();
  return std::optional<QuietHours>(
      QuietHours{static_cast<int>(qh[0].int_at(0)), static_cast<int>(qh[0].int_at(1)), qh[0].text_at(2)});
}

Result<Preferences> Service::preferences(std::string_view user_id) {
  Preferences p;
  SB_TRY(impl_->db.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(p.quiet_hours, read_quiet_hours(tx, std::string(user_id)));
    SB_ASSIGN(auto rows, tx.query("SELECT type, channel, enabled FROM notify_preferences WHERE user_id = $1 "
                                  "ORDER BY type, channel",
                                  {std::string(user_id)}));
    for (auto& r : rows) p.types[r.text_at(0)][r.text_at(1)] = r.int_at(2) != 0;
    return {};
  }));
  return p;
}

Status Service::set_preferences(std::string_view user_id, const Preferences& p) {
  std::vector<FieldError> errs;
  for (auto& [type, channels] : p.types) {
    if (type.empty() || type.size() > 64) errs.push_back({"/types/" + type, "is not a notification type"});
    for (auto& [channel, _] : channels)
      if (!known_channel(channel)) errs.push_back({"/types/" + type + "/" + channel, kChannelMessage});
  }
  if (const auto& q = p.quiet_hours) {
    if (q->start_minute < 0 || q->start_minute >= 24 * 60) errs.push_back({"/quiet_hours/start", "must be HH:MM"});
    if (q->end_minute < 0 || q->end_minute >= 24 * 60) errs.push_back({"/quiet_hours/end", "must be HH:MM"});
    if (Status tz = jobs::check_time_zone(q->time_zone); !tz)
      errs.push_back({"/quiet_hours/time_zone", "unknown time zone " + q->time_zone});
  }
  if (!errs.empty()) return Status::invalid(std::move(errs));
  std::string user(user_id);
  return impl_->db.write([&](store::Tx& tx) -> Status {
    SB_TRY(tx.exec("DELETE FROM notify_quiet_hours WHERE user_id = $1", {user}));
    if (const auto& q = p.quiet_hours)
      SB_TRY(tx.exec("INSERT INTO notify_quiet_hours (user_id, start_minute, end_minute, time_zone) VALUES ($1, $2, "
                     "$3, $4)",
                     {user, static_cast<int64_t>(q->start_minute), static_cast<int64_t>(q->end_minute), q->time_zone}));
    SB_TRY(tx.exec("DELETE FROM notify_preferences WHERE user_id = $1", {user}));
    for (auto& [type, channels] : p.types)
      for (auto& [channel, on] : channels)
        SB_TRY(tx.exec("INSERT INTO notify_preferences (user_id, type, channel, enabled) VALUES ($1, $2, $3, $4)",
                       {user, type, channel, static_cast<int64_t>(on)}));
    return {};
  });
}

Result<std::vector<InboxItem>> Service::inbox(std::string_view user_id, int limit, std::string_view before) {
  if (limit < 1 || limit > 200) return Status::invalid("limit", "must be 1 to 200");
  std::vector<InboxItem> out;
  SB_TRY(impl_->db.read([&](store::Tx& tx) -> Status {
    std::string sql =
        "SELECT id, notification_id, type, title, body, data, created_ms, read_ms FROM notify_inbox WHERE user_id = $1";
    store::Params p{std::string(user_id)};
    if (!before.empty()) {
      sql += " AND id < $2";
      p.emplace_back(std::string(before));
    }
    p.emplace_back(static_cast<int64_t>(limit));
    SB_ASSIGN(auto rows, tx.query(sql + " ORDER BY id DESC LIMIT $" + std::to_string(p.size()), p));
    for (auto& r : rows)
      out.push_back({r.text_at(0), r.text_at(1), r.text_at(2), r.text_at(3), r.text_at(4), r.text_at(5), r.int_at(6),
                     r.int_at(7)});
    return {};
  }));
  return out;
}

Result<int64_t> Service::unread(std::string_view user_id) {
  int64_t n = 0;
  SB_TRY(impl_->db.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT COUNT(*) FROM notify_inbox WHERE user_id = $1 AND read_ms = 0",
                                  {std::string(user_id)}));
    n = rows[0].int_at(0);
    return {};
  }));
  return n;
}

Status Service::mark_read(std::string_view user_id, std::string_view item_id) {
  std::string user(user_id), item(item_id);
  int64_t now = impl_->clock.now_ms();
  return impl_->db.write([&](store::Tx& tx) -> Status {
    if (item == "*")
      return tx.exec("UPDATE notify_inbox SET read_ms = $1 WHERE user_id = $2 AND read_ms = 0", {now, user}).status();
    SB_ASSIGN(auto rows, tx.query("SELECT read_ms FROM notify_inbox WHERE id = $1 AND user_id = $2", {item, user}));
    if (rows.empty()) return Status::not_found("no inbox item " + item);
    if (rows[0].int_at(0) == 0)
      SB_TRY(tx.exec("UPDATE notify_inbox SET read_ms = $1 WHERE id = $2", {now, item}));
    return {};
  });
}

Result<Device> Service::add_device(std::string_view user_id, Device d) {
  if (d.kind != "webpush" && d.kind != "fcm" && d.kind != "apns")
    return Status::invalid("/kind", "must be webpush, fcm or apns");
  d.created_ms = impl_->clock.now_ms();
  std::string user(user_id);
  SB_TRY(impl_->db.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto known, tx.query("SELECT id FROM notify_devices WHERE user_id = $1 AND endpoint = $2",
                                   {user, d.endpoint}));
    if (!known.empty()) {  // the browser re-subscribed: new keys, same device
      d.id = known[0].text_at(0);
      return tx
          .exec("UPDATE notify_devices SET p256dh = $1, auth = $2, topic = $3, sandbox = $4 WHERE id = $5",
                {d.p256dh, d.auth, d.topic, static_cast<int64_t>(d.sandbox), d.id})
          .status();
    }
    d.id = new_uuid_v7(impl_->clock);
    return tx
        .exec("INSERT INTO notify_devices (id, user_id, kind, endpoint, p256dh, auth, created_ms, topic, sandbox) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
              {d.id, user, d.kind, d.endpoint, d.p256dh, d.auth, d.created_ms, d.topic, static_cast<int64_t>(d.sandbox)})
        .status();
  }));
  return d;
}

Result<std::vector<Device>> Service::devices(std::string_view user_id) {
  std::vector<Device> out;
  SB_TRY(impl_->db.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT id, kind, endpoint, p256dh, auth, created_ms, topic, sandbox FROM "
                                  "notify_devices WHERE user_id = $1 ORDER BY id",
                                  {std::string(user_id)}));
    for (auto& r : rows)
      out.push_back({r.text_at(0), r.text_at(1), r.text_at(2), r.text_at(3), r.text_at(4), r.int_at(5), r.text_at(6),
                     r.int_at(7) != 0});
    return {};
  }));
  return out;
}

Status Service::remove_device(std::string_view user_id, std::string_view device_id) {
  return impl_->db.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(int64_t n, tx.exec("DELETE FROM notify_devices WHERE id = $1 AND user_id = $2",
                                 {std::string(device_id), std::string(user_id)}));
    if (n == 0) return Status::not_found("no device " + std::string(device_id));
    return {};
  });
}

void Service::start() {
  // A delivery row is the record of its job: completed delivery jobs need
  // not be kept, and are deleted at their ack (unless an operator sets a
  // retention for the queue).
  for (const char* ch : kChannels) impl_->queue.keep_completed_by_default(queue_for(ch), 0);
  for (const char* ch : kChannels) {
    impl_->workers.push_back(impl_->queue.work_completing(
        queue_for(ch), impl_->options.workers, [this](const jobs::Claimed& job) { return impl_->deliver(job); }));
  }
  impl_->workers.push_back(impl_->queue.work_completing(
      kDigestQueue, 2, [this](const jobs::Claimed& job) { return impl_->deliver_digest(job); }));
}

void Service::stop() {
  for (auto& w : impl_->workers) w->stop();
  impl_->workers.clear();
}

}  // namespace sb::notify
