// push.apns — Apple Push Notification service, token-based authentication,
// to APNs device tokens. One HTTP/2 POST per message:
//   POST {endpoint}/3/device/{token}     (sandbox targets: {sandbox_endpoint})
//   authorization: bearer <provider token>, apns-topic: <bundle id>,
//   apns-push-type: alert (background for a data-only message),
//   apns-priority: 10 (5 for urgency low / very-low and background),
//   apns-expiration: now + ttl (0: deliver now or never), apns-collapse-id: topic
//   {"aps":{"alert":{"title","body"}}, …data's fields}
// The provider token is an ES256 JWT {alg, kid = key id} {iss = team id, iat}
// signed with the .p8 key; it is reused for 50 minutes (Apple refuses one
// older than an hour and one renewed more often than every 20 minutes), and
// renewed once at once when Apple answers 403 ExpiredProviderToken.
//
// HTTP/2: APNs speaks nothing else; the request asks libcurl for
// CURL_HTTP_VERSION_2TLS (h2 by ALPN on https://, HTTP/1.1 on plain http://,
// which only the tests' stand-in uses).
//
// Answers: 200 sent, the apns-id header as id; 410, or reason BadDeviceToken /
// Unregistered, the token is gone -> NotFound (push_target_gone); 403
// PermissionDenied (after the one renewal); 413 InvalidArgument on /body;
// 408/429/5xx Unavailable (retried); other 4xx InvalidArgument with Apple's reason.
//
// Neither the device token (it is in the URL: errors name the host only),
// the provider token, the key nor the payload go into errors or logs.
#include <boost/json.hpp>
#include <mutex>

#include "providers/http_client.h"
#include "providers/keys.h"
#include "providers/push/jwt.h"
#include "providers/push/push.h"
#include "providers/registry.h"
#include "providers/sender.h"

namespace sb::providers::push {
namespace {

namespace bj = boost::json;

constexpr int64_t kTokenReuseMs = 50 * 60 * 1000;

struct Settings {
  std::string key_id;
  std::string team_id;
  std::string endpoint;
  std::string sandbox_endpoint;
};

std::string reason_of(const std::string& body) {
  boost::system::error_code ec;
  bj::value v = bj::parse(body, ec);
  const bj::value* r = !ec && v.is_object() ? v.get_object().if_contains("reason") : nullptr;
  return r && r->is_string() ? std::string(r->get_string()) : std::string();
}

class ApnsPush final : public PushSender {
 public:
  ApnsPush(webpush::VapidKey key, Settings settings, HttpTimeouts timeouts, const Clock& clock)
      : key_(std::move(key)), settings_(std::move(settings)), timeouts_(timeouts), clock_(clock) {}

  bool serves(const PushMessage& m) const override { return std::holds_alternative<ApnsToken>(m.to); }

  Result<std::string> send(const PushMessage& m) override {
    const auto* t = std::get_if<ApnsToken>(&m.to);
    if (!t) return Status::invalid("/to", std::string("apns delivers to APNs tokens only, not ") + push_target_kind(m.to));
    const std::string body = payload(m);
    SB_ASSIGN(std::string jwt, provider_token(""));
    SB_ASSIGN(HttpResponse resp, post(*t, m, body, jwt));
    if (resp.status == 403 && reason_of(resp.body) == "ExpiredProviderToken") {
      SB_ASSIGN(jwt, provider_token(jwt));
      SB_ASSIGN(resp, post(*t, m, body, jwt));
    }
    return answer(resp, t->sandbox);
  }

 private:
  static bool alert(const PushMessage& m) { return !m.title.empty() || !m.body.empty(); }

  static std::string payload(const PushMessage& m) {
    bj::object out;
    if (!m.data.empty()) out = bj::parse(m.data).as_object();  // validate_push kept "aps" out of it
    bj::object aps;
    if (alert(m)) {
      bj::object a;
      if (!m.title.empty()) a["title"] = m.title;
      if (!m.body.empty()) a["body"] = m.body;
      aps["alert"] = std::move(a);
    } else {
      aps["content-available"] = 1;  // data only: a background push wakes the app silently
    }
    out["aps"] = std::move(aps);
    return bj::serialize(out);
  }

  const std::string& base(bool sandbox) const { return sandbox ? settings_.sandbox_endpoint : settings_.endpoint; }

  Result<HttpResponse> post(const ApnsToken& t, const PushMessage& m, const std::string& body,
                            const std::string& jwt) const {
    const bool background = !alert(m);
    const bool low = background || m.urgency == "low" || m.urgency == "very-low";
    const int64_t ttl = m.ttl.value_or(0);
    HttpRequest req;
    req.url = trim_slash(base(t.sandbox)) + "/3/device/" + t.token;
    req.http2 = true;
    req.headers = {{"authorization", "bearer " + jwt},
                   {"apns-topic", t.topic},
                   {"apns-push-type", background ? "background" : "alert"},
                   {"apns-priority", low ? "5" : "10"},
                   {"apns-expiration", ttl > 0 ? std::to_string(clock_.now_ms() / 1000 + ttl) : "0"},
                   {"content-type", "application/json"}};
    if (!m.topic.empty()) req.headers.emplace_back("apns-collapse-id", m.topic);
    req.body = body;
    req.timeouts = timeouts_;
    return http_send(who(t.sandbox), req);
  }

  std::string who(bool sandbox) const { return sandbox ? "apns (sandbox)" : "apns"; }

  Result<std::string> answer(const HttpResponse& resp, bool sandbox) const {
    if (resp.status >= 200 && resp.status < 300) return resp.header("apns-id");
    const std::string reason = reason_of(resp.body);
    const std::string what = who(sandbox) + ": HTTP " + std::to_string(resp.status) + (reason.empty() ? "" : " " + reason);
    if (resp.status == 410 || reason == "BadDeviceToken" || reason == "Unregistered")
      return Status::not_found(what + ": device token gone: APNs no longer delivers to it; delete the device");
    if (resp.status == 413) return Status::invalid("/body", what + ": payload too large");
    if (resp.status == 403) return Status::permission_denied(what + ": the provider token or its key was refused");
    // Apple's reason is all the body says; the shared mapping decides the code.
    HttpResponse brief{.status = resp.status, .headers = {}, .body = reason};
    return check_status(who(sandbox), brief);
  }

  // The cached provider token unless it is `stale` (refused as expired) or
  // 50 minutes old. Signing is cheap; the lock only keeps one token in use.
  Result<std::string> provider_token(const std::string& stale) {
    std::lock_guard lock(mu_);
    const int64_t now_ms = clock_.now_ms();
    if (!token_.empty() && token_ != stale && now_ms - issued_ms_ < kTokenReuseMs) return token_;
    SB_ASSIGN(std::string jwt, jwt::sign_es256(key_, {{"kid", settings_.key_id}},
                                               {{"iss", settings_.team_id}, {"iat", now_ms / 1000}}));
    token_ = std::move(jwt);
    issued_ms_ = now_ms;
    return token_;
  }

  const webpush::VapidKey key_;
  const Settings settings_;
  const HttpTimeouts timeouts_;
  const Clock& clock_;
  std::mutex mu_;
  std::string token_;       // guarded by mu_
  int64_t issued_ms_ = 0;   // guarded by mu_
};

std::optional<std::string> check_key(const std::string& v) {
  if (v.empty() || webpush::VapidKey::parse(v).ok()) return std::nullopt;
  return "must be the APNs auth key: the .p8 file's PEM (a P-256 private key)";
}

// Apple's key and team ids are 10 characters of A-Z 0-9.
std::optional<std::string> check_apple_id(const std::string& v) {
  if (v.empty()) return std::nullopt;
  bool ok = v.size() == 10;
  for (char c : v) ok = ok && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
  if (ok) return std::nullopt;
  return "must be 10 characters A-Z 0-9";
}

const config::Key<std::string> kKey{
    "push.apns.key", "",
    "APNs auth key: the text of the AuthKey_<key id>.p8 file (PEM, P-256). Signs provider tokens for every "
    "app of the team: keep it secret",
    config::secret, config::hot, config::check(check_key, "P-256 private key (PEM)")};
const config::Key<std::string> kKeyId{"push.apns.key_id", "", "The auth key's id (the JWT kid), 10 characters",
                                      config::hot, config::check(check_apple_id, "10 characters A-Z 0-9")};
const config::Key<std::string> kTeamId{"push.apns.team_id", "", "The Apple developer team id (the JWT iss), 10 characters",
                                       config::hot, config::check(check_apple_id, "10 characters A-Z 0-9")};
const config::Key<std::string> kEndpoint{"push.apns.endpoint", "https://api.push.apple.com",
                                         "APNs base URL for production tokens (tests point it at a stand-in)",
                                         config::hot, keys::kHttpUrl};
const config::Key<std::string> kSandboxEndpoint{
    "push.apns.sandbox_endpoint", "https://api.sandbox.push.apple.com",
    "APNs base URL for development builds' tokens (targets with sandbox: true)", config::hot, keys::kHttpUrl};

}  // namespace

Factory<PushSender> apns_factory(const ProviderEnv& env) {
  return {
      .name = "apns",
      .description = "Apple Push Notification service (HTTP/2, token-based auth) to APNs device tokens",
      .keys = {kKey.spec(), kKeyId.spec(), kTeamId.spec(), kEndpoint.spec(), kSandboxEndpoint.spec()},
      .create = [clock = env.clock](const config::ConfigService& c) -> Result<std::unique_ptr<PushSender>> {
        for (const auto* k : {&kKey, &kKeyId, &kTeamId})
          if (c.get(*k).empty()) return Status::invalid(k->name(), "is required when push.providers includes apns");
        auto key = webpush::VapidKey::parse(c.get(kKey));
        if (!key.ok()) return Status::invalid(kKey.name(), *check_key(c.get(kKey)));
        Settings s{c.get(kKeyId), c.get(kTeamId), c.get(kEndpoint), c.get(kSandboxEndpoint)};
        const bool https = s.endpoint.rfind("https:", 0) == 0 || s.sandbox_endpoint.rfind("https:", 0) == 0;
        if (https && !curl_has_http2())
          return Status::internal("apns: this libcurl has no HTTP/2 (nghttp2), which APNs requires");
        return std::unique_ptr<PushSender>(
            std::make_unique<ApnsPush>(std::move(key).value(), std::move(s), timeouts_from(c, "push"), *clock));
      },
  };
}

}  // namespace sb::providers::push
