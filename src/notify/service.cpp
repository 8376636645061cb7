// notify::Service: templates, send, read-back, preferences, inbox.
#include "notify/service.h"

#include <algorithm>
#include <cctype>
#include <future>
#include <boost/json.hpp>

#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "events/event_log.h"
#include "notify/render.h"
#include "notify/service_impl.h"

namespace sb::notify {

namespace {
bool valid_name(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}
bool valid_locale(std::string_view s) {
  if (s.size() > 35) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}
}  // namespace

bool known_channel(std::string_view channel) {
  return std::any_of(std::begin(kChannels), std::end(kChannels), [&](const char* c) { return channel == c; });
}

Service::Impl::Impl(store::Db& db_, events::EventLog& events_, jobs::Queue& queue_, providers::Messaging& messaging_,
                    RecipientLookup recipients_, const Clock& clock_, Options options_, metrics::Registry* metrics)
    : db(db_),
      events(events_),
      queue(queue_),
      messaging(messaging_),
      recipients(std::move(recipients_)),
      clock(clock_),
      options(std::move(options_)),
      metrics_registry(metrics),
      sender(
          db_,
          [this](store::Tx& tx, std::vector<SendRequest*>& items) -> Result<std::vector<SendOutcome>> {
            std::vector<SendOutcome> out(items.size());
            JobsByQueue later;
            for (size_t i = 0; i < items.size(); ++i) {
              auto n = send_in(tx, *items[i], &later);
              if (n.ok()) out[i].notification = std::move(*n);
              else if (n.status().code() == Code::kInvalidArgument) out[i].status = n.status();  // refused before writing
              else return n.status();  // the group is retried one send at a time
            }
            for (auto& [name, jobs] : later) SB_TRY(queue.enqueue(tx, name, std::move(jobs)).status());
            return out;
          },
          store::CoalescingOptions{256, 8, std::chrono::microseconds(300)}) {
  if (metrics)
    send_latency = &metrics->histogram("sb_notify_send_latency_seconds",
                                       "From the send to the provider accepting a delivery.");
}

Service::Service(store::Db& db, events::EventLog& events, jobs::Queue& queue, providers::Messaging& messaging,
                 RecipientLookup recipients, const Clock& clock, Options options, metrics::Registry* metrics)
    : impl_(std::make_unique<Impl>(db, events, queue, messaging, std::move(recipients), clock, std::move(options),
                                   metrics)) {}

Service::~Service() { stop(); }

Status Service::put_template(Template t) {
  std::vector<FieldError> errs;
  if (!valid_name(t.type, 64)) errs.push_back({"type", "must be 1 to 64 of a-z 0-9 . _ -"});
  if (!known_channel(t.channel)) errs.push_back({"channel", kChannelMessage});
  if (!valid_locale(t.locale)) errs.push_back({"locale", "must be a language tag like en or de-AT"});
  // A whatsapp template naming a provider template may have no body: the
  // provider's template then has no placeholder to fill.
  if (t.body.empty() && !(t.channel == "whatsapp" && !t.subject.empty())) errs.push_back({"/body", "is required"});
  if (t.channel == "email" && t.subject.empty()) errs.push_back({"/subject", "is required for email"});
  // Checked here when it is literal; a rendered name is checked at send time.
  auto name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (t.channel == "whatsapp" && t.subject.find("{{") == std::string::npos &&
      !std::all_of(t.subject.begin(), t.subject.end(), name_char))
    errs.push_back({"/subject", "must be the provider's template name (A-Z a-z 0-9 _) or empty for free-form text"});
  if (!errs.empty()) return Status::invalid(std::move(errs));
  // Refused now, not at send time: every part must parse and render.
  boost::json::value empty = boost::json::object{};
  SB_TRY(render(t.subject, empty, Escape::kNone, "/subject").status());
  SB_TRY(render(t.body, empty, Escape::kNone, "/body").status());
  SB_TRY(render(t.html, empty, Escape::kHtml, "/html").status());
  t.updated_ms = impl_->clock.now_ms();
  return impl_->db.write([&](store::Tx& tx) -> Status {
    return tx
        .exec("INSERT INTO notify_templates (type, channel, locale, subject, body, html, updated_ms) VALUES "
              "($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (type, channel, locale) DO UPDATE SET subject = "
              "excluded.subject, body = excluded.body, html = excluded.html, updated_ms = excluded.updated_ms",
              {t.type, t.channel, t.locale, t.subject, t.body, t.html, t.updated_ms})
        .status();
  });
}

Status Service::delete_template(std::string_view type, std::string_view channel, std::string_view locale) {
  return impl_->db.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(int64_t n, tx.exec("DELETE FROM notify_templates WHERE type = $1 AND channel = $2 AND locale = $3",
                                 {std::string(type), std::string(channel), std::string(locale)}));
    if (n == 0) return Status::not_found("no template " + std::string(type) + "/" + std::string(channel));
    return {};
  });
}

Result<std::vector<Template>> Service::templates(std::string_view type) {
  std::vector<Template> out;
  SB_TRY(impl_->db.read([&](store::Tx& tx) -> Status {
    std::string sql = "SELECT type, channel, locale, subject, body, html, updated_ms FROM notify_templates";
    store::Params p;
    if (!type.empty()) {
      sql += " WHERE type = $1";
      p.emplace_back(std::string(type));
    }
    SB_ASSIGN(auto rows, tx.query(sql + " ORDER BY type, channel, locale", p));
    for (auto& r : rows)
      out.push_back({r.text_at(0), r.text_at(1), r.text_at(2), r.text_at(3), r.text_at(4), r.text_at(5), r.int_at(6)});
    return {};
  }));
  return out;
}

Result<Notification> Service::Impl::send_in(store::Tx& tx, SendRequest& r, JobsByQueue* later) {
  std::vector<FieldError> errs;
  if (r.user_id.empty() || r.user_id.size() > 128) errs.push_back({"/user_id", "is required"});
  if (!valid_name(r.type, 64)) errs.push_back({"/type", "must be 1 to 64 of a-z 0-9 . _ -"});
  if (!valid_locale(r.locale)) errs.push_back({"/locale", "must be a language tag like en or de-AT"});
  auto data = json::parse(r.data_json.empty() ? "{}" : r.data_json);
  if (!data.ok() || !data->is_object()) errs.push_back({"/data", "must be a JSON object"});
  for (size_t i = 0; i < r.channels.size(); ++i)
    if (!known_channel(r.channels[i]))
      errs.push_back({"/channels/" + std::to_string(i), kChannelMessage});
  if (r.idempotency_key.size() > 256) errs.push_back({"/idempotency_key", "longer than 256 bytes"});
  if (!errs.empty()) return Status::invalid(std::move(errs));

  if (!r.idempotency_key.empty()) {
    SB_ASSIGN(auto seen, tx.query("SELECT id FROM notifications WHERE idempotency_key = $1", {r.idempotency_key}));
    if (!seen.empty()) {
      SB_ASSIGN(auto first, load(tx, seen[0].text_at(0)));
      first.duplicate = true;
      return first;
    }
  }
  // Channels the type has templates for: all of them when none are named.
  SB_ASSIGN(auto have, tx.query("SELECT DISTINCT channel FROM notify_templates WHERE type = $1", {r.type}));
  std::vector<std::string> templated;
  for (auto& row : have) templated.push_back(row.text_at(0));
  if (templated.empty()) return Status::invalid("/type", "no templates for type " + r.type);
  if (r.channels.empty()) r.channels = templated;
  for (size_t i = 0; i < r.channels.size(); ++i)
    if (std::find(templated.begin(), templated.end(), r.channels[i]) == templated.end())
      return Status::invalid("/channels/" + std::to_string(i), "type " + r.type + " has no " + r.channels[i] +
                                                                   " template");
  const int64_t now = clock.now_ms();
  std::map<std::string, bool> enabled;
  std::optional<int64_t> quiet;  // non-critical deliveries wait until then
  std::optional<QuietHours> quiet_hours;
  if (!r.critical) {
    SB_ASSIGN(auto prefs, tx.query("SELECT channel, enabled FROM notify_preferences WHERE user_id = $1 AND type = $2",
                                   {r.user_id, r.type}));
    for (auto& p : prefs) enabled[p.text_at(0)] = p.int_at(1) != 0;
    SB_ASSIGN(quiet_hours, read_quiet_hours(tx, r.user_id));
    if (quiet_hours) {
      auto until = quiet_until(*quiet_hours, now);
      if (until.ok()) quiet = *until;  // a zone gone from the tzdb: send rather than hold forever
    }
  }

  Notification n{new_uuid_v7(clock), r.type, r.user_id, json::serialize(*data), r.locale, r.critical, now, {}, false};
  SB_TRY(tx.exec("INSERT INTO notifications (id, type, user_id, data, locale, critical, idempotency_key, created_ms) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                 {n.id, n.type, n.user_id, n.data_json, n.locale, static_cast<int64_t>(n.critical),
                  r.idempotency_key.empty() ? store::Value(nullptr) : store::Value(r.idempotency_key), now}));
  for (const auto& ch : r.channels) {
    Delivery d{new_uuid_v7(clock), ch, "queued", "", 0, "", {}};
    if (auto it = enabled.find(ch); it != enabled.end() && !it->second) {
      d.status = "suppressed";
      d.detail = "opted out of " + r.type + " by " + ch;
    } else if (quiet && ch != "in_app") {  // the inbox makes no sound
      d.status = "deferred";
      d.detail = "quiet hours until " + format_rfc3339(*quiet);
    }
    int64_t run_at = quiet && d.status == "deferred" ? *quiet : 0;
    if (!r.critical && d.status != "suppressed") SB_TRY(join_digest(tx, r.user_id, r.type, d, now, quiet_hours));  // digest.cpp
    if (!r.critical && d.status != "suppressed" && d.status != "digested") {
      SB_ASSIGN(auto cap, check_caps(tx, r.user_id, r.type, ch, now));
      if (cap.drop) {
        d.status = "suppressed";
        d.detail = cap.reason;
      } else if (cap.defer_until > std::max(run_at, now)) {
        run_at = cap.defer_until;
        d.status = "deferred";
        d.detail = cap.reason + " until " + format_rfc3339(run_at);
      }
    }
    SB_TRY(tx.exec("INSERT INTO notify_deliveries (id, notification_id, channel, status, detail, updated_ms, timeline) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                   {d.id, n.id, d.channel, d.status, d.detail, now, "[" + timeline_entry(d.status, now, "", d.detail) + "]"}));
    d.timeline.push_back({d.status, now, "", d.detail});
    if (d.status != "queued") count(tx, d.channel, "", d.status);  // deferred, suppressed, digested
    if (d.status == "queued" || d.status == "deferred") {
      jobs::NewJob job;
      if (d.status == "deferred") job.run_at_ms = run_at;
      job.payload = "{\"delivery\":\"" + d.id + "\"}";
      job.max_attempts = options.max_attempts;
      job.backoff = {jobs::Backoff::Type::kExponential, options.backoff_ms, 10 * 60'000};
      job.priority = r.critical ? 10 : 0;
      if (later) (*later)[queue_for(ch)].push_back(std::move(job));
      else SB_TRY(queue.enqueue(tx, queue_for(ch), {std::move(job)}).status());
    }
    n.deliveries.push_back(std::move(d));
  }
  return n;
}

void Service::send_async(SendRequest request, SendDone done) {
  impl_->sender.submit(std::move(request), 1, [done = std::move(done)](Result<std::vector<SendOutcome>> r) {
    if (!r.ok()) return done(r.status());
    SendOutcome& o = r->front();
    if (!o.status) return done(o.status);
    done(std::move(o.notification));
  });
}

Result<Notification> Service::send(SendRequest request) {
  std::promise<Result<Notification>> p;
  auto f = p.get_future();
  send_async(std::move(request), [&p](Result<Notification> r) { p.set_value(std::move(r)); });
  return f.get();
}

Result<Notification> Service::send(store::Tx& tx, SendRequest request) { return impl_->send_in(tx, request); }

Result<Notification> Service::Impl::load(store::Tx& tx, const std::string& id) {
  SB_ASSIGN(auto rows, tx.query("SELECT id, type, user_id, data, locale, critical, created_ms FROM notifications "
                                "WHERE id = $1",
                                {id}));
  if (rows.empty()) return Status::not_found("no notification " + id);
  auto& r = rows[0];
  Notification n{r.text_at(0), r.text_at(1), r.text_at(2), r.text_at(3), r.text_at(4), r.int_at(5) != 0,
                 r.int_at(6), {}, false};
  SB_ASSIGN(auto ds, tx.query("SELECT id, channel, status, provider, attempts, detail, timeline FROM "
                              "notify_deliveries WHERE notification_id = $1 ORDER BY channel",
                              {id}));
  for (auto& d : ds) {
    Delivery del{d.text_at(0), d.text_at(1), d.text_at(2), d.text_at(3), static_cast<int>(d.int_at(4)), d.text_at(5), {}};
    if (auto tl = json::parse(d.text_at(6)); tl.ok() && tl->is_array()) {
      for (auto& e : tl->as_array()) {
        if (!e.is_object()) continue;
        const auto& o = e.as_object();
        TimelineEntry t;
        if (auto* x = o.if_contains("status"); x && x->is_string()) t.status = std::string(x->get_string());
        if (auto* x = o.if_contains("at_ms"); x && x->is_int64()) t.at_ms = x->get_int64();
        if (auto* x = o.if_contains("provider"); x && x->is_string()) t.provider = std::string(x->get_string());
        if (auto* x = o.if_contains("detail"); x && x->is_string()) t.detail = std::string(x->get_string());
        del.timeline.push_back(std::move(t));
      }
    }
    n.deliveries.push_back(std::move(del));
  }
  return n;
}

Result<Notification> Service::retry(std::string_view id) {
  Result<Notification> out = Status::internal("not retried");
  SB_TRY(impl_->db.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto n, impl_->load(tx, std::string(id)));
    const int64_t now = impl_->clock.now_ms();
    int again = 0;
    for (auto& d : n.deliveries) {
      if (d.status != "dead") continue;
      SB_TRY(impl_->transition(tx, d.id, "queued", "", "retry requested", 0, now));
      jobs::NewJob job;
      job.payload = "{\"delivery\":\"" + d.id + "\"}";
      job.max_attempts = impl_->options.max_attempts;
      job.backoff = {jobs::Backoff::Type::kExponential, impl_->options.backoff_ms, 10 * 60'000};
      SB_TRY(impl_->queue.enqueue(tx, queue_for(d.channel), {std::move(job)}).status());
      ++again;
    }
    if (again == 0) return Status::conflict("notification " + n.id + " has no dead delivery to retry");
    out = impl_->load(tx, n.id);
    return out.ok() ? Status() : out.status();
  }));
  return out;
}

Result<Notification> Service::get(std::string_view id) {
  Result<Notification> out = Status::internal("not read");
  SB_TRY(impl_->db.read([&](store::Tx& tx) -> Status {
    out = impl_->load(tx, std::string(id));
    return out.ok() ? Status() : out.status();
  }));
  return out;
}

}  // namespace sb::notify
