// push.webpush — standard Web Push (RFC 8030) straight to the browser's push
// service, the endpoint of the subscription: the payload encrypted per RFC
// 8291 (aes128gcm, one record) and the request signed per RFC 8292 (VAPID),
// so no vendor account is needed. One POST per message:
//   Authorization: vapid t=<ES256 JWT: aud = endpoint origin, exp, sub>, k=<public key>
//   TTL, Content-Encoding: aes128gcm, Urgency and Topic when the message sets them.
// Answers: 201/202 (any 2xx) sent, the Location header as message id;
// 404/410 the subscription is gone -> NotFound (push_target_gone); 413 the
// payload is too large; otherwise the shared mapping (429/5xx retried,
// 401/403 PermissionDenied: the VAPID key or subject was refused).
//
// Neither the endpoint's path (a capability), the keys nor the payload go
// into errors or logs: errors name the endpoint's origin only.
#include "providers/http_client.h"
#include "providers/push/push.h"
#include "providers/push/web_push_crypto.h"
#include "providers/registry.h"
#include "providers/sender.h"

namespace sb::providers::push {
namespace {

// RFC 8292 §2: exp at most 24 h ahead. 12 h leaves room for clock skew
// between us and the push service.
constexpr int64_t kTokenLifetimeSeconds = 12 * 3600;

class WebPush final : public PushSender {
 public:
  WebPush(webpush::VapidKey key, std::string subject, HttpTimeouts timeouts, const Clock& clock)
      : key_(std::move(key)), subject_(std::move(subject)), timeouts_(timeouts), clock_(clock) {}

  bool serves(const PushMessage& m) const override { return std::holds_alternative<WebPushSubscription>(m.to); }

  Result<std::string> send(const PushMessage& m) override {
    const auto* sub = std::get_if<WebPushSubscription>(&m.to);
    if (!sub)
      return Status::invalid("/to", std::string("webpush delivers to Web Push subscriptions only, not ") +
                                        push_target_kind(m.to));
    auto origin = webpush::origin_of(sub->endpoint);
    if (!origin) return Status::invalid("/to/endpoint", "must be an https:// URL");
    auto ua_public = webpush::base64url_decode(sub->p256dh);
    auto auth = webpush::base64url_decode(sub->auth);
    if (!ua_public) return Status::invalid("/to/keys/p256dh", "must be base64url");
    if (!auth) return Status::invalid("/to/keys/auth", "must be base64url");

    SB_ASSIGN(std::string body, webpush::encrypt(push_payload(m), *ua_public, *auth));
    const int64_t exp = clock_.now_ms() / 1000 + kTokenLifetimeSeconds;
    SB_ASSIGN(std::string authorization, key_.authorization(*origin, exp, subject_));

    HttpRequest req;
    req.url = sub->endpoint;
    req.headers = {{"Authorization", std::move(authorization)},
                   {"TTL", std::to_string(m.ttl.value_or(0))},
                   {"Content-Encoding", "aes128gcm"},
                   {"Content-Type", "application/octet-stream"}};
    if (!m.urgency.empty()) req.headers.emplace_back("Urgency", m.urgency);
    if (!m.topic.empty()) req.headers.emplace_back("Topic", m.topic);
    req.body = std::move(body);
    req.timeouts = timeouts_;
    const std::string who = "webpush (" + *origin + ")";
    SB_ASSIGN(HttpResponse resp, http_send(who, req));
    if (resp.status == 404 || resp.status == 410)
      return Status::not_found(who + ": subscription gone (HTTP " + std::to_string(resp.status) +
                               "): the push service no longer accepts messages for it; delete the subscription");
    if (resp.status == 413)
      return Status::invalid("/body", who + ": the push service refused the payload as too large (HTTP 413)");
    SB_TRY(check_status(who, resp));
    return resp.header("location");
  }

 private:
  const webpush::VapidKey key_;
  const std::string subject_;
  const HttpTimeouts timeouts_;
  const Clock& clock_;
};

std::optional<std::string> check_private_key(const std::string& v) {
  if (v.empty() || webpush::VapidKey::parse(v).ok()) return std::nullopt;
  return "must be a P-256 private key: 32 bytes base64url, or PEM (`switchboard push vapid-keys` makes one)";
}

std::optional<std::string> check_subject(const std::string& v) {
  if (v.empty() || (v.rfind("mailto:", 0) == 0 && v.size() > 7) || (v.rfind("https://", 0) == 0 && v.size() > 8))
    return std::nullopt;
  return "must be a mailto: or https: URL";
}

const config::Key<std::string> kVapidPrivateKey{
    "push.webpush.vapid_private_key", "",
    "VAPID private key (P-256): 32 bytes base64url, or PEM; `switchboard push vapid-keys` prints a new pair. "
    "Its public key is the applicationServerKey browsers subscribe with, so changing it orphans every subscription",
    config::secret, config::hot, config::check(check_private_key, "P-256 private key")};
const config::Key<std::string> kSubject{
    "push.webpush.subject", "",
    "VAPID subject: a mailto: or https: URL where push services can reach the operator (RFC 8292 sub)",
    config::hot, config::check(check_subject, "mailto: or https: URL")};

}  // namespace

Factory<PushSender> webpush_factory(const ProviderEnv& env) {
  return {
      .name = "webpush",
      .description = "Web Push to browsers (RFC 8030), payload encrypted per RFC 8291, VAPID (RFC 8292)",
      .keys = {kVapidPrivateKey.spec(), kSubject.spec()},
      .create = [clock = env.clock](const config::ConfigService& c) -> Result<std::unique_ptr<PushSender>> {
        std::string text = c.get(kVapidPrivateKey);
        if (text.empty())
          return Status::invalid(kVapidPrivateKey.name(), "is required when push.providers includes webpush");
        auto key = webpush::VapidKey::parse(text);
        if (!key.ok()) return Status::invalid(kVapidPrivateKey.name(), *check_private_key(text));
        std::string subject = c.get(kSubject);
        if (subject.empty())
          return Status::invalid(kSubject.name(), "is required when push.providers includes webpush");
        return std::unique_ptr<PushSender>(
            std::make_unique<WebPush>(std::move(key).value(), subject, timeouts_from(c, "push"), *clock));
      },
  };
}

}  // namespace sb::providers::push
