// One delivery attempt, the job handler of "notify.<channel>": render the
// template in the user's locale, find the address (email; the phone number
// for sms and whatsapp; devices for push), hand it to the channel's
// provider chain (which retries and fails over within the attempt), and
// record what happened. A retryable failure returns an error so the job
// backs off and comes again; the last attempt, or a refusal, ends dead.
#include <boost/json.hpp>

#include "core/json.h"
#include "events/event_log.h"
#include "notify/notify_events.h"
#include "notify/render.h"
#include "notify/service_impl.h"
#include "providers/messaging.h"
#include "providers/push/push.h"

namespace sb::notify {

namespace {
struct Loaded {
  std::string channel, status, notification_id, type, user_id, data, locale;
  int64_t created_ms = 0;
};

}  // namespace

Result<Template> pick_template(store::Tx& tx, const std::string& type, const std::string& channel,
                               const std::string& locale, const std::string& default_locale) {
  std::vector<std::string> wanted;
  if (!locale.empty()) {
    wanted.push_back(locale);
    if (auto dash = locale.find_first_of("-_"); dash != std::string::npos) wanted.push_back(locale.substr(0, dash));
  }
  wanted.push_back(default_locale);
  wanted.push_back("");
  SB_ASSIGN(auto rows, tx.query("SELECT locale, subject, body, html FROM notify_templates WHERE type = $1 AND "
                                "channel = $2 ORDER BY locale",
                                {type, channel}));
  for (auto& w : wanted)
    for (auto& r : rows)
      if (r.text_at(0) == w) return Template{type, channel, w, r.text_at(1), r.text_at(2), r.text_at(3), 0};
  if (!rows.empty())
    return Template{type, channel, rows[0].text_at(0), rows[0].text_at(1), rows[0].text_at(2), rows[0].text_at(3), 0};
  return Status::not_found("no " + channel + " template for " + type);
}

std::string timeline_entry(const std::string& status, int64_t at_ms, const std::string& provider,
                           const std::string& detail) {
  std::string e = "{\"status\":";
  json::append_quoted(e, status);
  e += ",\"at_ms\":" + std::to_string(at_ms);
  if (!provider.empty()) {
    e += ",\"provider\":";
    json::append_quoted(e, provider);
  }
  if (!detail.empty()) {
    e += ",\"detail\":";
    json::append_quoted(e, detail.substr(0, 1024));
  }
  return e + "}";
}

Status Service::Impl::transition(store::Tx& tx, const std::string& delivery_id, const std::string& status,
                                 const std::string& provider, const std::string& detail, int attempts, int64_t now,
                                 const std::string& earlier, const std::string& message_id) {
  // Appends to the JSON array in place ("[...]" -> "[...,entry]").
  return tx
      .exec("UPDATE notify_deliveries SET status = $1, provider = $2, detail = $3, attempts = $4, updated_ms = $5, "
            "timeline = substr(timeline, 1, length(timeline) - 1) || CASE WHEN timeline = '[]' THEN '' ELSE ',' END "
            "|| $6 || ']', provider_message_id = CASE WHEN $8 = '' THEN provider_message_id ELSE $8 END WHERE id = $7",
            {status, provider, detail, static_cast<int64_t>(attempts), now,
             (earlier.empty() ? "" : earlier + ",") + timeline_entry(status, now, provider, detail), delivery_id,
             message_id})
      .status();
}

Status Service::Impl::write_now(const Record& record) {
  return db.write([&](store::Tx& tx) -> Status {
    std::vector<events::Event> evs;
    SB_TRY(record(tx, evs));
    return evs.empty() ? Status() : events.append(tx, std::move(evs)).status();
  });
}

// Push goes to every device of the user; one that is gone is removed, and
// the delivery is sent when any device took it.
Result<jobs::Completion> Service::Impl::deliver_push(const jobs::Claimed& job, const std::string& user,
                                                     const std::string& title, const std::string& body,
                                                     const std::string& data, const Outcome& outcome,
                                                     int64_t& sending_at) {
  std::vector<std::pair<std::string, providers::PushTarget>> targets;
  SB_TRY(db.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT id, kind, endpoint, p256dh, auth, topic, sandbox FROM notify_devices WHERE "
                                  "user_id = $1",
                                  {user}));
    for (auto& r : rows) {
      const std::string kind = r.text_at(1);
      if (kind == "fcm") targets.push_back({r.text_at(0), providers::FcmToken{r.text_at(2)}});
      else if (kind == "apns")
        targets.push_back({r.text_at(0), providers::ApnsToken{r.text_at(2), r.text_at(5), r.int_at(6) != 0}});
      else
        targets.push_back({r.text_at(0), providers::WebPushSubscription{r.text_at(2), r.text_at(3), r.text_at(4)}});
    }
    return {};
  }));
  if (targets.empty()) return jobs::Completion{"", outcome("suppressed", "", "the user has no push devices", nullptr)};
  sending_at = clock.now_ms();
  std::string provider, error;
  bool retry = false;
  std::vector<std::string> gone;
  for (auto& [device, target] : targets) {
    providers::PushMessage m;
    m.to = target;
    m.title = title;
    m.body = body;
    m.data = data;
    auto r = messaging.send<providers::PushKind>(std::move(m));
    if (r.ok()) provider = r->provider;
    else if (providers::push_target_gone(r.status())) gone.push_back(device);
    else {
      retry = retry || r.status().retryable();
      error = r.status().message();
    }
  }
  // Devices the push services called gone are forgotten with the record.
  auto with_gone = [gone](Record record) -> Record {
    if (gone.empty()) return record;
    return [gone, record = std::move(record)](store::Tx& tx, std::vector<events::Event>& evs) -> Status {
      for (auto& g : gone) SB_TRY(tx.exec("DELETE FROM notify_devices WHERE id = $1", {g}));
      return record(tx, evs);
    };
  };
  if (!provider.empty()) return jobs::Completion{"", with_gone(outcome("sent", provider, error, &kNotificationSent))};
  if (gone.size() == targets.size())
    return jobs::Completion{"", with_gone(outcome("suppressed", "", "every push device of the user is gone", nullptr))};
  if (retry && job.attempt < options.max_attempts) {
    SB_TRY(write_now(with_gone(outcome("retrying", "", error, &kNotificationFailed))));
    return Status::unavailable(error);
  }
  return jobs::Completion{"", with_gone(outcome("dead", "", error, &kNotificationDead))};
}

Result<jobs::Completion> Service::Impl::deliver(const jobs::Claimed& job) {
  auto payload = json::parse(job.payload);
  if (!payload.ok() || !payload->is_object() || !payload->as_object().contains("delivery")) return jobs::Completion{};
  const std::string id(payload->as_object().at("delivery").as_string());

  Loaded d;
  Result<Template> tmpl = Status::internal("no template read");
  SB_TRY(db.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT d.channel, d.status, n.id, n.type, n.user_id, n.data, n.locale, "
                                  "n.created_ms FROM notify_deliveries d JOIN notifications n ON n.id = "
                                  "d.notification_id WHERE d.id = $1",
                                  {id}));
    if (rows.empty()) return Status::not_found("no delivery " + id);
    auto& r = rows[0];
    d = {r.text_at(0), r.text_at(1), r.text_at(2), r.text_at(3), r.text_at(4), r.text_at(5), r.text_at(6), r.int_at(7)};
    tmpl = pick_template(tx, d.type, d.channel, d.locale, options.default_locale);
    return {};
  }));
  // A delivery already settled (a job delivered again after its ack was lost).
  if (d.status == "sent" || d.status == "delivered" || d.status == "dead" || d.status == "suppressed")
    return jobs::Completion{};

  // "sending" is written with the outcome (its time is when the provider
  // call began): one write per attempt instead of two.
  int64_t sending_at = 0;
  std::string message_id;  // the provider's id, found again by its status callbacks (notify/callbacks.h)
  Outcome outcome = [&](const std::string& status, const std::string& provider, const std::string& detail,
                        const events::EventType* event) -> Record {
    return [this, id, d, attempt = job.attempt, at = sending_at, status, provider, detail, event,
            message_id](store::Tx& tx, std::vector<events::Event>& evs) -> Status {
      int64_t now = clock.now_ms();
      SB_TRY(transition(tx, id, status, provider, detail, attempt, now,
                        at ? timeline_entry("sending", at, "", "") : std::string(), message_id));
      count(tx, d.channel, provider, status);
      if (!event) return {};
      boost::json::object data{{"notification", d.notification_id}, {"delivery", id}, {"type", d.type},
                               {"channel", d.channel}, {"attempt", attempt}};
      if (!provider.empty()) data["provider"] = provider;
      if (!detail.empty()) data["error"] = detail;
      evs.push_back(event->make(clock, d.notification_id, data));
      return {};
    };
  };
  if (!tmpl.ok()) return jobs::Completion{"", outcome("dead", "", tmpl.status().message(), &kNotificationDead)};
  auto parsed = json::parse(d.data);
  boost::json::value data = parsed.ok() ? std::move(*parsed) : boost::json::value(boost::json::object{});
  auto part = [&](const std::string& text, Escape e, const char* field) {
    return text.empty() ? Result<std::string>(std::string()) : render(text, data, e, field);
  };
  auto subject = part(tmpl->subject, Escape::kNone, "subject");
  auto body = part(tmpl->body, Escape::kNone, "body");
  auto html = part(tmpl->html, Escape::kHtml, "html");
  for (auto* r : {&subject, &body, &html})
    if (!r->ok()) return jobs::Completion{"", outcome("dead", "", r->status().message(), &kNotificationDead)};

  if (d.channel == "in_app") {
    return jobs::Completion{"", [this, id, d, attempt = job.attempt, title = *subject,
                                 text = *body](store::Tx& tx, std::vector<events::Event>& evs) -> Status {
      int64_t now = clock.now_ms();
      SB_TRY(tx.exec("INSERT INTO notify_inbox (id, user_id, notification_id, type, title, body, data, created_ms) "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
                     {id, d.user_id, d.notification_id, d.type, title, text, d.data, now}));
      SB_TRY(transition(tx, id, "delivered", "inbox", "", attempt, now));
      count(tx, d.channel, "inbox", "delivered");
      // The user id lets /v1/me/inbox/stream pick the caller's own items.
      boost::json::object ev{{"notification", d.notification_id}, {"delivery", id}, {"type", d.type},
                             {"channel", d.channel}, {"user", d.user_id}};
      evs.push_back(kNotificationDelivered.make(clock, d.notification_id, ev));
      return {};
    }};
  }

  if (d.channel == "push") return deliver_push(job, d.user_id, *subject, *body, d.data, outcome, sending_at);

  auto who = recipients ? recipients(d.user_id) : Result<Recipient>(Status::not_found("no recipient lookup"));
  const std::string address = !who.ok() ? "" : d.channel == "email" ? who->email : who->phone;
  if (address.empty()) {
    std::string why = !who.ok() ? who.status().message() : "the user has no " + std::string(d.channel == "email" ? "email address" : "phone number");
    return jobs::Completion{"", outcome("suppressed", "", why, nullptr)};
  }
  sending_at = clock.now_ms();
  Result<providers::Receipt> sent = Status::internal("unknown channel");
  if (d.channel == "email") {
    providers::EmailMessage m;
    m.to = {address};
    m.subject = *subject;
    m.text = *body;
    m.html = *html;
    sent = messaging.send_email(std::move(m));
  } else if (d.channel == "sms") {
    providers::SmsMessage m;
    m.to = address;
    m.body = *body;
    sent = messaging.send_sms(std::move(m));
  } else if (d.channel == "whatsapp") {
    // docs/notifications.md: a subject names the provider's template, in
    // the language of the notify template's locale, with the rendered body
    // as its one parameter; without one, the body is free-form text.
    providers::WhatsAppMessage m;
    m.to = address;
    if (subject->empty()) {
      m.body = *body;
    } else {
      m.template_name = *subject;
      m.language = tmpl->locale;  // "" = whatsapp.default_language
      if (!body->empty()) m.parameters = {*body};
    }
    sent = messaging.send_whatsapp(std::move(m));
  }
  if (sent.ok()) {
    message_id = sent->message_id;
    if (send_latency) send_latency->observe(static_cast<double>(clock.now_ms() - d.created_ms) / 1000.0);
    return jobs::Completion{"", outcome("sent", sent->provider, "", &kNotificationSent)};
  }
  const Status& err = sent.status();
  if (err.retryable() && job.attempt < options.max_attempts) {
    SB_TRY(write_now(outcome("retrying", "", err.message(), &kNotificationFailed)));
    return err;  // the job backs off and comes again
  }
  return jobs::Completion{"", outcome("dead", "", err.message(), &kNotificationDead)};
}

}  // namespace sb::notify
