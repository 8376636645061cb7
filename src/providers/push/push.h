// The push channel's value types and sender interface (PushKind, in
// channel_kinds.h, ties them to the chain).
//
// A PushMessage goes to one target. Today the only kind of target is a
// browser's Web Push subscription; FCM and APNs device tokens are meant to
// become further alternatives of PushTarget, each provider accepting the
// kinds it can deliver and refusing the others (InvalidArgument on /to), so
// a chain may mix providers of different kinds.
//
// What the device receives is Switchboard's push payload (push_payload):
// {"title","body","data"} as JSON, empty fields left out, which the app's
// service worker turns into a notification.
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

using PushTarget = std::variant<WebPushSubscription>;

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
  virtual Result<std::string> send(const PushMessage& m) = 0;
};

// Whether a failed send means the target is gone for good (the push
// service answered 404 or 410: the user unsubscribed or the subscription
// expired). The caller should delete the subscription rather than retry;
// Channel::send ends such a send without failover (sender.h, NotFound).
inline bool push_target_gone(const Status& s) { return s.code() == Code::kNotFound; }

constexpr int64_t kMaxPushTtlSeconds = 2'419'200;  // 4 weeks: the longest the big push services keep a message
constexpr size_t kMaxTopicChars = 32;               // RFC 8030 §5.4
constexpr size_t kMaxEndpointBytes = 2048;

// InvalidArgument listing every bad field (/to/endpoint, /to/keys/p256dh,
// /to/keys/auth, /title, /data, /ttl, /urgency, /topic). An endpoint must be
// https unless `allow_http` (a local push service in development and tests).
Status validate_push(const PushMessage& m, bool allow_http);

// {to: {endpoint, keys: {p256dh, auth}, expirationTime?}, title?, body?,
// data?: object, ttl?: integer, urgency?, topic?}. Unknown fields, wrong
// types and invalid values are one InvalidArgument naming each field.
// http:// endpoints pass here; PushKind::prepare decides with the config.
Result<PushMessage> parse_push(const boost::json::value& body);

// The JSON the device receives: {"title","body","data"}, empty fields left out.
std::string push_payload(const PushMessage& m);

// The scheme and host of an endpoint, for logs: its path is the
// subscription's capability and must not be written anywhere.
std::string endpoint_origin(const std::string& endpoint);

}  // namespace sb::providers
