// The push channel's value types and sender interface (PushKind, in
// channel_kinds.h, ties them to the chain).
//
// A PushMessage goes to one target, of one of three kinds: a browser's Web
// Push subscription (provider webpush), an FCM registration token (fcm) or
// an APNs device token (apns). Each provider says which kinds it serves
// (PushSender::serves) and refuses the others in send() (InvalidArgument on
// /to). Channel<PushKind> skips the providers of a chain that do not serve
// the message's kind — no attempt, no failover entry, no breaker or metrics
// effect — so one chain `push.providers = ["webpush","fcm","apns"]` routes
// each message to the provider for its kind (and fails over within it, e.g.
// to console); a chain without any provider for the kind answers
// InvalidArgument on /to.
//
// JSON of the target (POST /v1/messages/push "to"):
//   Web Push: {"endpoint": "https://…", "keys": {"p256dh": "…", "auth": "…"}}
//   FCM:      {"fcm": "<registration token>"}
//   APNs:     {"apns": "<hex device token>", "topic": "<bundle id>", "sandbox": false}
//
// What a Web Push device receives is Switchboard's push payload
// (push_payload): {"title","body","data"} as JSON, empty fields left out,
// which the app's service worker turns into a notification. FCM and APNs
// get the same title, body and data in their own formats (fcm_push.cpp,
// apns_push.cpp).
//
// Plain value types; the functions are pure and thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "core/result.h"

namespace sb::providers {

// PushSubscription.toJSON() of the browser: {endpoint, keys: {p256dh, auth}}.
struct WebPushSubscription {
  std::string endpoint;  // the push resource URL (https); its path is a capability: never logged
  std::string p256dh;    // base64url of the browser's P-256 public key, 65-byte uncompressed point
  std::string auth;      // base64url of the 16-byte auth secret
};

// An FCM registration token (Android, iOS or web app using Firebase).
struct FcmToken {
  std::string token;  // a credential-like identifier: never logged
};

// An APNs device token and the app it belongs to.
struct ApnsToken {
  std::string token;  // hex, as the app got it from registerForRemoteNotifications; never logged
  std::string topic;  // the app's bundle id (apns-topic), e.g. com.example.app
  bool sandbox = false;  // a development build's token: api.sandbox.push.apple.com
};

using PushTarget = std::variant<WebPushSubscription, FcmToken, ApnsToken>;

// "a Web Push subscription", "an FCM token", "an APNs token": for errors.
const char* push_target_kind(const PushTarget& t);

struct PushMessage {
  PushTarget to;
  std::string title;
  std::string body;
  std::string data;             // a JSON object, serialized; empty = none
  std::optional<int64_t> ttl;   // seconds the push service may hold it; unset = push.ttl
  std::string urgency;          // RFC 8030 §5.3: very-low | low | normal | high; empty = not sent
  std::string topic;            // RFC 8030 §5.4: a newer message with the same topic replaces it
};

class PushSender {
 public:
  virtual ~PushSender() = default;
  // `m` is validated and has `ttl` set. Returns the provider's message id.
  // NotFound when the service says the target is gone (sender.h).
  // InvalidArgument on /to when the target is of a kind it does not serve.
  virtual Result<std::string> send(const PushMessage& m) = 0;
  // Whether this provider delivers to `m.to`'s kind. Channel skips a
  // provider that does not (channel.h); the default serves every kind.
  virtual bool serves(const PushMessage& m) const {
    (void)m;
    return true;
  }
};

// Whether a failed send means the target is gone for good (the push
// service answered 404 or 410: the user unsubscribed or the subscription
// expired). The caller should delete the subscription rather than retry;
// Channel::send ends such a send without failover (sender.h, NotFound).
inline bool push_target_gone(const Status& s) { return s.code() == Code::kNotFound; }

constexpr int64_t kMaxPushTtlSeconds = 2'419'200;  // 4 weeks: the longest the big push services keep a message
constexpr size_t kMaxTopicChars = 32;               // RFC 8030 §5.4
constexpr size_t kMaxEndpointBytes = 2048;
constexpr size_t kMaxFcmTokenBytes = 4096;
constexpr size_t kMaxApnsTokenHex = 200;   // 100 bytes; today's tokens are 32 (64 hex digits)
constexpr size_t kMinApnsTokenHex = 64;
constexpr size_t kMaxApnsTopicChars = 255;

// InvalidArgument listing every bad field (/to/endpoint, /to/keys/p256dh,
// /to/keys/auth, /to/token, /to/topic, /title, /data, /ttl, /urgency,
// /topic). An endpoint must be https unless `allow_http` (a local push
// service in development and tests). The payload limit (title, body and
// data as JSON within one Web Push record, 3993 bytes) applies to every
// kind: it is below FCM's and APNs' 4 KB.
Status validate_push(const PushMessage& m, bool allow_http);

// {to: <target, see above; Web Push may carry expirationTime>, title?,
// body?, data?: object, ttl?: integer, urgency?, topic?}. The target's kind
// is told by its field: endpoint, fcm or apns. Unknown fields, wrong
// types and invalid values are one InvalidArgument naming each field.
// http:// endpoints pass here; PushKind::prepare decides with the config.
Result<PushMessage> parse_push(const boost::json::value& body);

// The JSON the device receives: {"title","body","data"}, empty fields left out.
std::string push_payload(const PushMessage& m);

// The scheme and host of an endpoint, for logs: its path is the
// subscription's capability and must not be written anywhere.
std::string endpoint_origin(const std::string& endpoint);

}  // namespace sb::providers
