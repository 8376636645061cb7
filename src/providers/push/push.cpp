// The push channel's rules: validation, the JSON shape of POST
// /v1/messages/push, the payload devices receive, and PushKind's keys.
#include "providers/push/push.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "config/config.h"
#include "providers/builtin.h"
#include "providers/channel_kinds.h"
#include "providers/push/web_push_crypto.h"

namespace sb::providers {
namespace {

namespace bj = boost::json;

// Read on every send: a change applies to the next message.
const config::Key<int64_t> kPushTtl{"push.ttl", kMaxPushTtlSeconds,
                                    "Seconds a push service may hold a message for an offline device "
                                    "when the message sets no ttl (the TTL header)",
                                    config::between(0, kMaxPushTtlSeconds), config::hot};
const config::Key<bool> kAllowHttpEndpoints{
    "push.allow_http_endpoints", false,
    "Accept http:// subscription endpoints (a local push service in development and tests); "
    "browsers only ever hand out https:// ones",
    config::hot};

bool is_base64url_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

std::optional<bj::object> parse_object(const std::string& text) {
  boost::system::error_code ec;
  bj::value v = bj::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

void check_target(const WebPushSubscription& s, bool allow_http, std::vector<FieldError>& errors) {
  const std::string scheme = s.endpoint.substr(0, s.endpoint.find("://"));
  if (s.endpoint.empty()) errors.push_back({"/to/endpoint", "is required"});
  else if (s.endpoint.size() > kMaxEndpointBytes)
    errors.push_back({"/to/endpoint", "must be at most " + std::to_string(kMaxEndpointBytes) + " bytes"});
  else if (!webpush::origin_of(s.endpoint) || (scheme != "https" && !(allow_http && scheme == "http")) ||
           s.endpoint.find_first_of(" \t\r\n") != std::string::npos)
    errors.push_back({"/to/endpoint", allow_http ? "must be an https:// or http:// URL" : "must be an https:// URL"});

  if (s.p256dh.empty()) errors.push_back({"/to/keys/p256dh", "is required"});
  else if (auto raw = webpush::base64url_decode(s.p256dh); !raw)
    errors.push_back({"/to/keys/p256dh", "must be base64url"});
  else if (raw->size() != webpush::kPublicKeyBytes || !webpush::is_p256_point(*raw))
    errors.push_back({"/to/keys/p256dh", "must be a 65-byte uncompressed P-256 public key"});

  if (s.auth.empty()) errors.push_back({"/to/keys/auth", "is required"});
  else if (auto raw = webpush::base64url_decode(s.auth); !raw) errors.push_back({"/to/keys/auth", "must be base64url"});
  else if (raw->size() != webpush::kAuthSecretBytes) errors.push_back({"/to/keys/auth", "must be 16 bytes"});
}

void check_target(const FcmToken& t, bool, std::vector<FieldError>& errors) {
  // FCM tokens are opaque; what they are made of today (base64url and ':')
  // is checked only so a pasted-in space or quote fails here, not at Google.
  auto ok = [](char c) { return is_base64url_char(c) || c == ':'; };
  if (t.token.empty()) errors.push_back({"/to/token", "is required"});
  else if (t.token.size() > kMaxFcmTokenBytes || !std::all_of(t.token.begin(), t.token.end(), ok))
    errors.push_back({"/to/token", "must be an FCM registration token (A-Z a-z 0-9 - _ :, at most 4096)"});
}

void check_target(const ApnsToken& t, bool, std::vector<FieldError>& errors) {
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  if (t.token.empty()) errors.push_back({"/to/token", "is required"});
  else if (t.token.size() < kMinApnsTokenHex || t.token.size() > kMaxApnsTokenHex || t.token.size() % 2 != 0 ||
           !std::all_of(t.token.begin(), t.token.end(), hex))
    errors.push_back({"/to/token", "must be an APNs device token: 64 to 200 hex digits"});
  // Bundle ids (plus APNs' .voip / .complication suffixes): letters, digits, '.', '-'.
  auto bundle = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'; };
  if (t.topic.empty()) errors.push_back({"/to/topic", "is required: the app's bundle id"});
  else if (t.topic.size() > kMaxApnsTopicChars || !std::all_of(t.topic.begin(), t.topic.end(), bundle))
    errors.push_back({"/to/topic", "must be a bundle id (A-Z a-z 0-9 . -)"});
}

// A string field of `o` into `out`; a wrong type is reported under `path`.
void read_string(const bj::object& o, const char* key, const std::string& path, std::string& out,
                 std::vector<FieldError>& errors) {
  const bj::value* v = o.if_contains(key);
  if (!v || v->is_null()) return;
  if (v->is_string()) out = std::string(v->get_string());
  else errors.push_back({path, "must be a string"});
}

void unknown_fields(const bj::object& o, const std::string& prefix, std::initializer_list<const char*> known,
                    std::vector<FieldError>& errors) {
  for (const auto& kv : o) {
    bool ok = false;
    for (const char* k : known) ok = ok || kv.key() == k;
    if (!ok) errors.push_back({prefix + "/" + std::string(kv.key()), "is not a known field"});
  }
}

// The target's kind is told by which of its fields is present.
PushTarget parse_target(const bj::object& t, std::vector<FieldError>& errors) {
  if (t.contains("fcm")) {
    FcmToken f;
    unknown_fields(t, "/to", {"fcm"}, errors);
    read_string(t, "fcm", "/to/token", f.token, errors);
    return f;
  }
  if (t.contains("apns")) {
    ApnsToken a;
    unknown_fields(t, "/to", {"apns", "topic", "sandbox"}, errors);
    read_string(t, "apns", "/to/token", a.token, errors);
    read_string(t, "topic", "/to/topic", a.topic, errors);
    if (const bj::value* sb = t.if_contains("sandbox"); sb && !sb->is_null()) {
      if (sb->is_bool()) a.sandbox = sb->get_bool();
      else errors.push_back({"/to/sandbox", "must be a boolean"});
    }
    return a;
  }
  WebPushSubscription sub;
  // expirationTime is part of PushSubscription.toJSON(); accepted so the
  // browser's object can be passed through unchanged, and not used.
  unknown_fields(t, "/to", {"endpoint", "keys", "expirationTime"}, errors);
  read_string(t, "endpoint", "/to/endpoint", sub.endpoint, errors);
  if (const bj::value* k = t.if_contains("keys"); k && k->is_object()) {
    unknown_fields(k->get_object(), "/to/keys", {"p256dh", "auth"}, errors);
    read_string(k->get_object(), "p256dh", "/to/keys/p256dh", sub.p256dh, errors);
    read_string(k->get_object(), "auth", "/to/keys/auth", sub.auth, errors);
  } else if (k && !k->is_null()) {
    errors.push_back({"/to/keys", "must be an object {p256dh, auth}"});
  }
  return sub;
}

}  // namespace

const char* push_target_kind(const PushTarget& t) {
  switch (t.index()) {
    case 1: return "an FCM token";
    case 2: return "an APNs token";
    default: return "a Web Push subscription";
  }
}

Status validate_push(const PushMessage& m, bool allow_http) {
  std::vector<FieldError> errors;
  std::visit([&](const auto& t) { check_target(t, allow_http, errors); }, m.to);
  if (m.title.empty() && m.body.empty() && m.data.empty())
    errors.push_back({"/title", "title, body or data is required"});
  auto data = m.data.empty() ? std::nullopt : parse_object(m.data);
  if (!m.data.empty() && !data) errors.push_back({"/data", "must be a JSON object"});
  // APNs puts data beside "aps" at the top of its payload (apns_push.cpp).
  else if (data && std::holds_alternative<ApnsToken>(m.to) && data->contains("aps"))
    errors.push_back({"/data/aps", "is reserved by APNs"});
  else if (push_payload(m).size() > webpush::kMaxPlaintextBytes)
    errors.push_back({"/body", "title, body and data together must fit in " +
                                   std::to_string(webpush::kMaxPlaintextBytes) +
                                   " bytes of JSON (one encrypted 4096-octet record)"});
  if (m.ttl && (*m.ttl < 0 || *m.ttl > kMaxPushTtlSeconds))
    errors.push_back({"/ttl", "must be between 0 and " + std::to_string(kMaxPushTtlSeconds) + " seconds"});
  if (!m.urgency.empty() && m.urgency != "very-low" && m.urgency != "low" && m.urgency != "normal" &&
      m.urgency != "high")
    errors.push_back({"/urgency", "must be very-low, low, normal or high"});
  if (m.topic.size() > kMaxTopicChars || !std::all_of(m.topic.begin(), m.topic.end(), is_base64url_char))
    errors.push_back({"/topic", "must be at most 32 characters of A-Z a-z 0-9 - _"});
  if (errors.empty()) return {};
  return Status::invalid(std::move(errors));
}

Result<PushMessage> parse_push(const bj::value& body) {
  if (!body.is_object()) return Status::invalid("/", "must be a JSON object");
  const bj::object& o = body.get_object();
  std::vector<FieldError> errors;
  unknown_fields(o, "", {"to", "title", "body", "data", "ttl", "urgency", "topic"}, errors);
  PushMessage m;
  const char* kTargets =
      "a Web Push subscription {endpoint, keys: {p256dh, auth}}, {fcm: token} or {apns: token, topic, sandbox?}";
  const bj::value* to = o.if_contains("to");
  if (!to || to->is_null()) errors.push_back({"/to", std::string("is required: ") + kTargets});
  else if (!to->is_object()) errors.push_back({"/to", std::string("must be ") + kTargets});
  else m.to = parse_target(to->get_object(), errors);
  read_string(o, "title", "/title", m.title, errors);
  read_string(o, "body", "/body", m.body, errors);
  read_string(o, "urgency", "/urgency", m.urgency, errors);
  read_string(o, "topic", "/topic", m.topic, errors);
  if (const bj::value* d = o.if_contains("data"); d && !d->is_null()) {
    if (d->is_object()) m.data = bj::serialize(*d);
    else errors.push_back({"/data", "must be a JSON object"});
  }
  if (const bj::value* t = o.if_contains("ttl"); t && !t->is_null()) {
    if (t->is_int64()) m.ttl = t->get_int64();
    else if (t->is_uint64()) m.ttl = kMaxPushTtlSeconds + 1;  // out of range: reported by validation
    else errors.push_back({"/ttl", "must be an integer number of seconds"});
  }
  // Validation errors for fields that were read fine; a field already
  // reported (or one under it) is not reported twice.
  Status v = validate_push(m, /*allow_http=*/true);
  const size_t parsed = errors.size();
  for (const auto& f : v.fields()) {
    bool dup = false;
    for (size_t i = 0; i < parsed; ++i)
      dup = dup || f.field == errors[i].field || f.field.rfind(errors[i].field + "/", 0) == 0;
    if (!dup) errors.push_back(f);
  }
  if (!errors.empty()) return Status::invalid(std::move(errors));
  return m;
}

std::string push_payload(const PushMessage& m) {
  bj::object o;
  if (!m.title.empty()) o["title"] = m.title;
  if (!m.body.empty()) o["body"] = m.body;
  if (!m.data.empty())
    if (auto d = parse_object(m.data)) o["data"] = std::move(*d);
  return bj::serialize(o);
}

std::string endpoint_origin(const std::string& endpoint) {
  return webpush::origin_of(endpoint).value_or("(invalid endpoint)");
}

// ---- PushKind

void PushKind::declare(config::ConfigService& config) { config.declare(kPushTtl, kAllowHttpEndpoints); }

Status PushKind::prepare(PushMessage& m, const config::ConfigService& config) {
  if (!m.ttl) m.ttl = config.get(kPushTtl);
  return validate_push(m, config.get(kAllowHttpEndpoints));
}

Status PushKind::register_builtins(Registry<PushSender>& registry, const ProviderEnv& env) {
  return register_builtin_push(registry, env);
}

}  // namespace sb::providers
