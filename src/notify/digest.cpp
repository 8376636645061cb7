// Digests (notify/digest.h): the config's parsing, a delivery joining its
// digest at send time, and the digest job that sends one message for all of
// them.
#include "notify/digest.h"

#include <algorithm>
#include <boost/json.hpp>

#include "core/json.h"
#include "events/event_log.h"
#include "jobs/cron.h"
#include "notify/config_list.h"
#include "notify/notify_events.h"
#include "notify/render.h"
#include "notify/service_impl.h"
#include "providers/messaging.h"

namespace sb::notify {

namespace {

// A digest due inside the user's quiet hours waits for their end.
int64_t after_quiet(const std::optional<QuietHours>& quiet, int64_t at) {
  if (!quiet) return at;
  auto until = quiet_until(*quiet, at);
  return until.ok() && *until ? **until : at;  // a zone gone from the tzdb: send rather than hold forever
}

// The digest (its job's id) of user x type x channel sent at `at`: the job
// already there for that key, or a new one. The dedup key makes it one job
// whichever instance or concurrent send gets here first.
Result<std::string> open_digest(Service::Impl& s, store::Tx& tx, const std::string& user, const std::string& type,
                                const std::string& channel, int64_t at) {
  jobs::NewJob job;
  job.run_at_ms = at;
  job.dedup_key = "digest:" + user + ":" + type + ":" + channel + ":" + std::to_string(at);
  job.payload = json::serialize(boost::json::object{{"user", user}, {"type", type}, {"channel", channel}, {"at", at}});
  job.max_attempts = s.options.max_attempts;
  job.backoff = {jobs::Backoff::Type::kExponential, s.options.backoff_ms, 10 * 60'000};
  SB_ASSIGN(auto enqueued, s.queue.enqueue(tx, kDigestQueue, {std::move(job)}));
  return enqueued[0].id;
}

// Deliveries of digest `from` not settled yet (they joined after its job
// read them, or it was postponed) move to the digest sent at `at`.
Status carry_over(Service::Impl& s, store::Tx& tx, const std::string& from, const std::string& user,
                  const std::string& type, const std::string& channel, int64_t at, const std::string& why) {
  SB_ASSIGN(auto rows, tx.query("SELECT d.id, d.attempts FROM notify_digest_items i JOIN notify_deliveries d ON d.id "
                                "= i.delivery_id WHERE i.digest_id = $1 AND d.status IN ('digested', 'retrying')",
                                {from}));
  if (rows.empty()) return {};
  SB_ASSIGN(std::string next, open_digest(s, tx, user, type, channel, at));
  const int64_t now = s.clock.now_ms();
  for (auto& r : rows) {
    SB_TRY(tx.exec("UPDATE notify_digest_items SET digest_id = $1 WHERE delivery_id = $2", {next, r.text_at(0)}));
    SB_TRY(s.transition(tx, r.text_at(0), "digested", "", why + ": in digest " + next + " until " + format_rfc3339(at),
                        static_cast<int>(r.int_at(1)), now));
  }
  return {};
}

struct Member {
  std::string delivery, notification;
  int64_t created_ms = 0;
  boost::json::value data;
};

}  // namespace

Result<std::vector<Digest>> parse_digests(const boost::json::value& v) {
  return parse_config_list<Digest>(
      v, "notify.digests", "digests",
      [](const boost::json::object& o, const std::string& at, const std::vector<Digest>& earlier,
         std::vector<FieldError>& errs) {
        Digest g;
        // 57: "<type>.digest" must still be a valid template type (64).
        if (auto* x = o.if_contains("type");
            x && x->is_string() && !x->get_string().empty() && x->get_string().size() <= 57)
          g.type = std::string(x->get_string());
        else
          errs.push_back({at + "type", "must be a notification type (1 to 57 characters)"});
        const auto* ch = o.if_contains("channels");
        if (!ch || !ch->is_array() || ch->get_array().empty())
          errs.push_back({at + "channels", "must be a non-empty array"});
        else
          for (size_t k = 0; k < ch->get_array().size(); ++k) {
            const auto& c = ch->get_array()[k];
            std::string field = at + "channels/" + std::to_string(k);
            // The inbox lists every item as it comes: there is nothing to batch.
            if (c.is_string() && c.get_string() == "in_app")
              errs.push_back({field, "in_app is not digested"});
            else if (c.is_string() && known_channel(c.get_string()))
              g.channels.emplace_back(c.get_string());
            else
              errs.push_back({field, "must be email, sms, push or whatsapp"});
          }
        const auto* window = o.if_contains("window");
        const auto* daily = o.if_contains("daily_at");
        if (window && daily)
          errs.push_back({at + "daily_at", "give window or daily_at, not both"});
        else if (window) {
          g.window_ms = window->is_string() ? parse_duration_ms(window->get_string()) : 0;
          if (g.window_ms < 60'000 || g.window_ms > 7 * 86'400'000LL)
            errs.push_back({at + "window", "must be a duration like 15m, 1h or 1d, from 1m to 7d"});
        } else if (daily) {
          g.daily_minute = daily->is_string() ? parse_time_of_day(daily->get_string()) : -1;
          if (g.daily_minute < 0) errs.push_back({at + "daily_at", "must be a local time HH:MM"});
        } else {
          errs.push_back({at + "window", "is required (or daily_at)"});
        }
        for (const auto& prior : earlier)
          for (const auto& c : g.channels)
            if (prior.type == g.type && std::count(prior.channels.begin(), prior.channels.end(), c))
              errs.push_back(
                  {at + "channels", "type " + g.type + " on " + c + " is already digested by an earlier entry"});
        return g;
      });
}

Result<int64_t> digest_due(const Digest& d, int64_t now_ms, const std::string& time_zone) {
  if (d.daily_minute < 0) return (now_ms / d.window_ms + 1) * d.window_ms;
  SB_ASSIGN(auto expr, jobs::CronExpression::parse(std::to_string(d.daily_minute % 60) + " " +
                                                   std::to_string(d.daily_minute / 60) + " * * *"));
  return expr.next_after(now_ms, time_zone);
}

Status Service::Impl::join_digest(store::Tx& tx, const std::string& user, const std::string& type, Delivery& d,
                                  int64_t now, const std::optional<QuietHours>& quiet) {
  if (!options.digests) return {};
  auto all = options.digests();
  if (!all || all->empty()) return {};
  auto rule = std::find_if(all->begin(), all->end(), [&](const Digest& g) {
    return g.type == type && std::count(g.channels.begin(), g.channels.end(), d.channel);
  });
  if (rule == all->end()) return {};
  // daily_at is in the user's zone (from their quiet hours), UTC without one;
  // a zone gone from the tzdb falls back to UTC rather than never sending.
  auto due = digest_due(*rule, now, quiet ? quiet->time_zone : "UTC");
  if (!due.ok()) due = digest_due(*rule, now, "UTC");
  SB_TRY(due.status());
  const int64_t at = after_quiet(quiet, *due);
  SB_ASSIGN(std::string digest, open_digest(*this, tx, user, type, d.channel, at));
  SB_TRY(tx.exec("INSERT INTO notify_digest_items (delivery_id, digest_id) VALUES ($1, $2)", {d.id, digest}));
  d.status = "digested";
  d.detail = "in digest " + digest + " until " + format_rfc3339(at);
  return {};
}

Result<jobs::Completion> Service::Impl::deliver_digest(const jobs::Claimed& job) {
  auto payload = json::parse(job.payload);
  if (!payload.ok() || !payload->is_object()) return jobs::Completion{};
  const auto& p = payload->as_object();
  auto text = [&](const char* k) {
    const auto* x = p.if_contains(k);
    return x && x->is_string() ? std::string(x->get_string()) : std::string();
  };
  const std::string user = text("user"), type = text("type"), channel = text("channel"), digest = job.id;
  if (user.empty() || type.empty() || channel.empty()) return jobs::Completion{};

  std::vector<Member> members;
  std::optional<QuietHours> quiet;
  bool opted_out = false;
  Result<Template> tmpl = Status::internal("no template read");
  SB_TRY(db.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT d.id, n.id, n.data, n.locale, n.created_ms FROM notify_digest_items i JOIN "
                                  "notify_deliveries d ON d.id = i.delivery_id JOIN notifications n ON n.id = "
                                  "d.notification_id WHERE i.digest_id = $1 AND d.status IN ('digested', 'retrying') "
                                  "ORDER BY n.created_ms, n.id",
                                  {digest}));
    std::string locale;
    for (auto& r : rows) {
      auto data = json::parse(r.text_at(2));
      members.push_back({r.text_at(0), r.text_at(1), r.int_at(4),
                         data.ok() ? std::move(*data) : boost::json::value(boost::json::object{})});
      locale = r.text_at(3);  // the latest notification's
    }
    SB_ASSIGN(quiet, read_quiet_hours(tx, user));
    // Opt-outs set after the sends still hold: the user asked for none.
    SB_ASSIGN(auto prefs, tx.query("SELECT enabled FROM notify_preferences WHERE user_id = $1 AND type = $2 AND "
                                   "channel = $3",
                                   {user, type, channel}));
    opted_out = !prefs.empty() && prefs[0].int_at(0) == 0;
    tmpl = pick_template(tx, digest_template_type(type), channel, locale, options.default_locale);
    return {};
  }));
  if (members.empty()) return jobs::Completion{};  // settled already (its ack was lost and it came again)

  // Quiet hours that began after the sends (or were set since): the digest
  // waits for their end, joined by whatever is due then.
  if (quiet) {
    auto until = quiet_until(*quiet, clock.now_ms());
    if (until.ok() && *until)
      return jobs::Completion{"", [this, digest, user, type, channel,
                                   at = **until](store::Tx& tx, std::vector<events::Event>&) -> Status {
                                return carry_over(*this, tx, digest, user, type, channel, at, "quiet hours");
                              }};
  }

  int64_t sending_at = 0;
  std::string message_id;
  const int count = static_cast<int>(members.size());
  Outcome outcome = [&](const std::string& status, const std::string& provider, const std::string& detail,
                        const events::EventType* event) -> Record {
    std::string why = status == "sent" ? "in digest " + digest + " of " + std::to_string(count)
                                       : "digest " + digest + ": " + detail;
    return [this, members, digest, user, type, channel, attempt = job.attempt, at = sending_at, status, provider, why,
            detail, event, message_id](store::Tx& tx, std::vector<events::Event>& evs) -> Status {
      const int64_t now = clock.now_ms();
      this->count(tx, channel, provider, status, members.size());
      for (const auto& m : members) {
        SB_TRY(transition(tx, m.delivery, status, provider, why, attempt, now,
                          at ? timeline_entry("sending", at, "", "") : std::string(), message_id));
        if (!event) continue;
        // One event per delivery, as without digests: consumers count deliveries.
        boost::json::object data{{"notification", m.notification}, {"delivery", m.delivery}, {"type", type},
                                 {"channel", channel}, {"attempt", attempt}, {"digest", digest}};
        if (!provider.empty()) data["provider"] = provider;
        if (!detail.empty() && status != "sent") data["error"] = detail;
        evs.push_back(event->make(clock, m.notification, data));
      }
      // Deliveries that joined after the read above go in a digest of their own, now.
      if (status == "retrying") return {};
      return carry_over(*this, tx, digest, user, type, channel, now, "joined while digest " + digest + " was sent");
    };
  };
  if (opted_out) return jobs::Completion{"", outcome("suppressed", "", "opted out of " + type + " by " + channel, nullptr)};
  if (!tmpl.ok()) return jobs::Completion{"", outcome("dead", "", tmpl.status().message(), &kNotificationDead)};

  // The template's values: {type, count, items: [each notification's data,
  // with its notification_id and created_at]}.
  boost::json::array items;
  for (const auto& m : members) {
    boost::json::object item = m.data.is_object() ? m.data.get_object() : boost::json::object{};
    item.emplace("notification_id", m.notification);
    item.emplace("created_at", format_rfc3339(m.created_ms));
    items.push_back(std::move(item));
  }
  boost::json::value data = boost::json::object{{"type", type}, {"count", count}, {"items", std::move(items)}};
  auto part = [&](const std::string& t, Escape e, const char* field) {
    return t.empty() ? Result<std::string>(std::string()) : render(t, data, e, field);
  };
  auto subject = part(tmpl->subject, Escape::kNone, "subject");
  auto body = part(tmpl->body, Escape::kNone, "body");
  auto html = part(tmpl->html, Escape::kHtml, "html");
  for (auto* r : {&subject, &body, &html})
    if (!r->ok()) return jobs::Completion{"", outcome("dead", "", r->status().message(), &kNotificationDead)};

  if (channel == "push") {
    std::string push_data = json::serialize(boost::json::object{{"type", type}, {"digest", digest}, {"count", count}});
    return deliver_push(job, user, *subject, *body, push_data, outcome, sending_at);
  }
  auto who = recipients ? recipients(user) : Result<Recipient>(Status::not_found("no recipient lookup"));
  const std::string address = !who.ok() ? "" : channel == "email" ? who->email : who->phone;
  if (address.empty()) {
    std::string why = !who.ok() ? who.status().message()
                                : "the user has no " + std::string(channel == "email" ? "email address" : "phone number");
    return jobs::Completion{"", outcome("suppressed", "", why, nullptr)};
  }
  sending_at = clock.now_ms();
  Result<providers::Receipt> sent = Status::internal("channel " + channel + " is not digested");
  if (channel == "email") {
    providers::EmailMessage m;
    m.to = {address};
    m.subject = *subject;
    m.text = *body;
    m.html = *html;
    sent = messaging.send_email(std::move(m));
  } else if (channel == "sms") {
    providers::SmsMessage m;
    m.to = address;
    m.body = *body;
    sent = messaging.send_sms(std::move(m));
  } else if (channel == "whatsapp") {  // as notify/delivery.cpp: subject = the provider's template
    providers::WhatsAppMessage m;
    m.to = address;
    if (subject->empty()) {
      m.body = *body;
    } else {
      m.template_name = *subject;
      m.language = tmpl->locale;
      if (!body->empty()) m.parameters = {*body};
    }
    sent = messaging.send_whatsapp(std::move(m));
  }
  if (sent.ok()) {
    // sb_notify_send_latency_seconds is not observed: a digest waits for its
    // window by design, which would only bury the latency of single sends.
    message_id = sent->message_id;  // a status callback then moves every delivery of the digest
    return jobs::Completion{"", outcome("sent", sent->provider, "", &kNotificationSent)};
  }
  const Status& err = sent.status();
  if (err.retryable() && job.attempt < options.max_attempts) {
    SB_TRY(write_now(outcome("retrying", "", err.message(), &kNotificationFailed)));
    return err;  // the job backs off and comes again, with whatever joined meanwhile
  }
  return jobs::Completion{"", outcome("dead", "", err.message(), &kNotificationDead)};
}

}  // namespace sb::notify
