// Provider status callbacks: verification and parsing (free functions), and
// the state change they cause (Service::apply_provider_status).
#include "notify/callbacks.h"

#include <boost/json.hpp>

#include "core/json.h"
#include "events/event_log.h"
#include "notify/notify_events.h"
#include "notify/service_impl.h"

namespace sb::notify {

namespace bj = boost::json;

namespace {

std::string text_at(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return {};
}

const bj::object* object_at(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

// Bounce reasons are SMTP replies that often quote the recipient's address;
// timelines and events never carry addresses (notify_events.h).
std::string without_addresses(const std::string& reason) {
  std::string out;
  size_t i = 0;
  while (i < reason.size()) {
    size_t end = reason.find_first_of(" \t\r\n", i);
    if (end == std::string::npos) end = reason.size();
    std::string_view word(reason.data() + i, end - i);
    out += word.find('@') != std::string_view::npos ? "<address>" : std::string(word);
    if (end < reason.size()) out += reason[end];
    i = end + 1;
  }
  return out.substr(0, 512);
}

Status unconfigured(const char* provider, const char* key) {
  return Status::unavailable(std::string(provider) + " callbacks are not configured (set " + key + ")");
}

}  // namespace

Result<std::vector<ProviderStatus>> parse_sendgrid_events(std::string_view body) {
  auto v = json::parse(body);
  if (!v.ok() || !v->is_array()) return Status::invalid("/", "must be a JSON array of events");
  std::vector<ProviderStatus> out;
  for (const auto& e : v->get_array()) {
    if (!e.is_object()) continue;
    const auto& o = e.get_object();
    std::string event = text_at(o, "event");
    std::string status = event == "delivered" ? "delivered" : event == "bounce" || event == "dropped" ? "bounced" : "";
    // sg_message_id is the X-Message-Id the send answered, then ".filter…"
    // naming the message per recipient. Async bounces may carry none.
    std::string id = text_at(o, "sg_message_id");
    id = id.substr(0, id.find('.'));
    if (status.empty() || id.empty()) continue;
    std::string reason = status == "bounced" ? text_at(o, "reason") : "";
    if (status == "bounced" && reason.empty()) reason = "sendgrid: " + event;
    out.push_back({"sendgrid", id, status, reason});
  }
  return out;
}

std::vector<ProviderStatus> parse_twilio_status(const signatures::Params& params) {
  std::string sid, status, code, message;
  for (const auto& [k, v] : params) {
    if (k == "MessageSid" || (k == "SmsSid" && sid.empty())) sid = v;
    else if (k == "MessageStatus" || (k == "SmsStatus" && status.empty())) status = v;
    else if (k == "ErrorCode") code = v;
    else if (k == "ErrorMessage") message = v;
  }
  if (sid.empty()) return {};
  if (status == "delivered") return {{"twilio", sid, "delivered", ""}};
  if (status == "undelivered" || status == "failed") {
    std::string reason = "twilio: " + status;
    if (!code.empty()) reason += " (error " + code + ")";
    if (!message.empty()) reason += ": " + message;
    return {{"twilio", sid, "bounced", reason}};
  }
  return {};  // queued, sending, sent, read…: nothing to record
}

Result<int> sendgrid_callback(Service& service, const CallbackSettings& settings, std::string_view signature,
                              std::string_view timestamp, std::string_view body, int64_t now_ms) {
  if (settings.sendgrid_verification_key.empty())
    return unconfigured("SendGrid", "notify.callbacks.sendgrid.verification_key");
  if (signature.empty() || timestamp.empty())
    return Status::unauthenticated("missing X-Twilio-Email-Event-Webhook-Signature or -Timestamp");
  if (!signatures::sendgrid_valid(settings.sendgrid_verification_key, timestamp, body, signature))
    return Status::unauthenticated("the SendGrid signature does not match");
  if (!signatures::fresh(timestamp, now_ms, settings.max_age_ms))
    return Status::unauthenticated("the SendGrid timestamp is stale");
  SB_ASSIGN(auto statuses, parse_sendgrid_events(body));
  if (statuses.empty()) return 0;
  return service.apply_provider_status(statuses);
}

Result<int> mailgun_callback(Service& service, const CallbackSettings& settings, std::string_view body,
                             int64_t now_ms) {
  if (settings.mailgun_signing_key.empty()) return unconfigured("Mailgun", "notify.callbacks.mailgun.signing_key");
  auto v = json::parse(body);
  const bj::object* sig = v.ok() && v->is_object() ? object_at(v->get_object(), "signature") : nullptr;
  if (!sig) return Status::unauthenticated("missing signature {timestamp, token, signature}");
  const std::string timestamp = text_at(*sig, "timestamp"), token = text_at(*sig, "token");
  if (!signatures::mailgun_valid(settings.mailgun_signing_key, timestamp, token, text_at(*sig, "signature")))
    return Status::unauthenticated("the Mailgun signature does not match");
  if (!signatures::fresh(timestamp, now_ms, settings.max_age_ms))
    return Status::unauthenticated("the Mailgun timestamp is stale");
  const bj::object* data = object_at(v->get_object(), "event-data");
  if (!data) return Status::invalid("/event-data", "is required");
  std::vector<ProviderStatus> statuses;
  const std::string event = text_at(*data, "event");
  const bj::object* message = object_at(*data, "message");
  const bj::object* headers = message ? object_at(*message, "headers") : nullptr;
  std::string id = headers ? text_at(*headers, "message-id") : "";
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  if (!id.empty() && event == "delivered") statuses.push_back({"mailgun", id, "delivered", ""});
  // A temporary failure is Mailgun still retrying: the delivery stays sent.
  if (!id.empty() && event == "failed" && text_at(*data, "severity") == "permanent") {
    std::string reason;
    if (const auto* ds = object_at(*data, "delivery-status")) {
      reason = text_at(*ds, "description");
      if (reason.empty()) reason = text_at(*ds, "message");
    }
    if (reason.empty()) reason = "mailgun: " + text_at(*data, "reason");
    statuses.push_back({"mailgun", id, "bounced", reason});
  }
  // The token is recorded even when nothing moves, so a replay is refused.
  return service.apply_provider_status(statuses, token, now_ms - 2 * settings.max_age_ms);
}

Result<int> twilio_callback(Service& service, const CallbackSettings& settings, std::string_view signature,
                            const signatures::Params& params) {
  if (settings.twilio_auth_token.empty()) return unconfigured("Twilio", "notify.callbacks.twilio.auth_token");
  if (settings.twilio_url.empty()) return unconfigured("Twilio", "notify.callbacks.public_url");
  if (signature.empty()) return Status::unauthenticated("missing X-Twilio-Signature");
  if (!signatures::twilio_valid(settings.twilio_auth_token, settings.twilio_url, params, signature))
    return Status::unauthenticated("the Twilio signature does not match");
  auto statuses = parse_twilio_status(params);
  if (statuses.empty()) return 0;
  return service.apply_provider_status(statuses);
}

Result<int> Service::apply_provider_status(const std::vector<ProviderStatus>& statuses,
                                           const std::string& replay_token, int64_t forget_before_ms) {
  int moved = 0;
  SB_TRY(impl_->db.write([&](store::Tx& tx) -> Status {
    moved = 0;  // a retried transaction starts over
    const int64_t now = impl_->clock.now_ms();
    if (!replay_token.empty()) {
      SB_TRY(tx.exec("DELETE FROM notify_callback_tokens WHERE seen_ms < $1", {forget_before_ms}).status());
      SB_ASSIGN(int64_t added, tx.exec("INSERT INTO notify_callback_tokens (token, seen_ms) VALUES ($1, $2) ON "
                                       "CONFLICT (token) DO NOTHING",
                                       {replay_token, now}));
      if (added == 0) return Status::unauthenticated("this callback was seen before (replayed token)");
    }
    for (const auto& s : statuses) {
      if (s.message_id.empty() || (s.status != "delivered" && s.status != "bounced")) continue;
      // "<> ''" repeats the partial index's predicate: neither engine can
      // prove it from "= $2" alone, and would scan every delivery.
      SB_ASSIGN(auto rows, tx.query("SELECT d.id, d.status, d.attempts, d.channel, n.id, n.type FROM "
                                    "notify_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE "
                                    "d.provider = $1 AND d.provider_message_id = $2 AND d.provider_message_id <> ''",
                                    {s.provider, s.message_id}));
      for (auto& r : rows) {
        // Only a sent delivery moves: delivered and bounced are final, and a
        // delivery sent again (retry) waits for its new message id.
        if (r.text_at(1) != "sent") continue;
        const std::string id = r.text_at(0), notification = r.text_at(4);
        const bool delivered = s.status == "delivered";
        const std::string detail = delivered ? "status callback" : without_addresses(s.reason);
        SB_TRY(impl_->transition(tx, id, s.status, s.provider, detail, static_cast<int>(r.int_at(2)), now));
        impl_->count(tx, r.text_at(3), s.provider, s.status);
        // No "user" in the data: the inbox stream reads delivered events
        // that carry one as in-app items.
        bj::object data{{"notification", notification}, {"delivery", id}, {"type", r.text_at(5)},
                        {"channel", r.text_at(3)}, {"provider", s.provider}};
        if (!delivered) data["error"] = detail;
        const events::EventType& type = delivered ? kNotificationDelivered : kNotificationBounced;
        SB_TRY(impl_->events.append(tx, type.make(impl_->clock, notification, data)).status());
        ++moved;
      }
    }
    return {};
  }));
  return moved;
}

}  // namespace sb::notify
