// push.fcm — Firebase Cloud Messaging, HTTP v1 API, to FCM registration
// tokens (Android, iOS and web apps using Firebase). One POST per message:
//   POST {endpoint}/v1/projects/{project_id}/messages:send
//   Authorization: Bearer <OAuth2 access token>
//   {"message":{"token","notification":{"title","body"},"data":{…strings…},
//               "android":{"ttl":"<n>s","priority"?,"collapse_key"?}}}
// The access token comes from the service account (push.fcm.service_account,
// the JSON file Firebase hands out): an RS256 JWT assertion {iss =
// client_email, scope = firebase.messaging, aud = token_uri, iat, exp = +1 h}
// exchanged at token_uri (RFC 7523), then cached until 5 minutes before it
// expires — one exchange per hour, not per message; a 401 from FCM drops it
// and the send is tried once more with a fresh one.
//
// Answers: 2xx sent, the message's `name` as id; 404 or UNREGISTERED /
// NOT_FOUND the token is gone -> NotFound (push_target_gone); 401 after the
// refresh and 403 (other than SENDER_ID_MISMATCH) PermissionDenied;
// 408/429/5xx Unavailable (retried); other 4xx InvalidArgument.
//
// Neither the token, the assertion, the access token, the key nor the
// payload go into errors or logs.
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

constexpr const char* kScope = "https://www.googleapis.com/auth/firebase.messaging";
constexpr const char* kDefaultTokenUri = "https://oauth2.googleapis.com/token";
constexpr int64_t kAssertionLifetimeSeconds = 3600;  // Google's maximum
// An access token is not used in its last 5 minutes: a send must not race its expiry.
constexpr int64_t kRefreshMarginMs = 5 * 60 * 1000;

struct ServiceAccount {
  std::string project_id;
  std::string client_email;
  std::string private_key_id;
  std::string token_uri;
  jwt::RsaKey key;
};

// The service-account JSON. Errors name the missing field, never a value.
Result<ServiceAccount> parse_service_account(const std::string& text, const std::string& key_name) {
  boost::system::error_code ec;
  bj::value v = bj::parse(text, ec);
  if (ec || !v.is_object()) return Status::invalid(key_name, "must be a service-account JSON object");
  const bj::object& o = v.get_object();
  auto str = [&](const char* name) -> std::string {
    const bj::value* f = o.if_contains(name);
    return f && f->is_string() ? std::string(f->get_string()) : std::string();
  };
  for (const char* required : {"project_id", "client_email", "private_key"})
    if (str(required).empty())
      return Status::invalid(key_name, std::string("service-account JSON lacks \"") + required + "\"");
  auto key = jwt::RsaKey::parse(str("private_key"));
  if (!key.ok()) return Status::invalid(key_name, "private_key " + key.status().fields().at(0).message);
  return ServiceAccount{str("project_id"), str("client_email"), str("private_key_id"),
                        str("token_uri").empty() ? kDefaultTokenUri : str("token_uri"), std::move(key).value()};
}

// FCM's error: {"error":{"code","message","status","details":[{"errorCode"}]}}.
struct FcmError {
  std::string status;
  std::string error_code;
};
FcmError fcm_error(const std::string& body) {
  FcmError out;
  boost::system::error_code ec;
  bj::value v = bj::parse(body, ec);
  const bj::value* e = !ec && v.is_object() ? v.get_object().if_contains("error") : nullptr;
  if (!e || !e->is_object()) return out;
  if (const bj::value* s = e->get_object().if_contains("status"); s && s->is_string()) out.status = s->get_string();
  if (const bj::value* d = e->get_object().if_contains("details"); d && d->is_array())
    for (const bj::value& item : d->get_array())
      if (const bj::value* c = item.is_object() ? item.get_object().if_contains("errorCode") : nullptr;
          c && c->is_string())
        out.error_code = c->get_string();
  return out;
}

class FcmPush final : public PushSender {
 public:
  FcmPush(ServiceAccount account, std::string endpoint, std::string token_uri, HttpTimeouts timeouts,
          const Clock& clock)
      : account_(std::move(account)),
        send_url_(trim_slash(std::move(endpoint)) + "/v1/projects/" + account_.project_id + "/messages:send"),
        token_uri_(token_uri.empty() ? account_.token_uri : std::move(token_uri)),
        timeouts_(timeouts),
        clock_(clock) {}

  bool serves(const PushMessage& m) const override { return std::holds_alternative<FcmToken>(m.to); }

  Result<std::string> send(const PushMessage& m) override {
    const auto* t = std::get_if<FcmToken>(&m.to);
    if (!t) return Status::invalid("/to", std::string("fcm delivers to FCM tokens only, not ") + push_target_kind(m.to));
    const std::string body = request_body(*t, m);
    SB_ASSIGN(std::string access, access_token(""));
    SB_ASSIGN(HttpResponse resp, post(body, access));
    if (resp.status == 401) {
      // Revoked or expired early: one fresh token, one more try.
      SB_ASSIGN(access, access_token(access));
      SB_ASSIGN(resp, post(body, access));
    }
    return answer(resp);
  }

 private:
  static std::string request_body(const FcmToken& t, const PushMessage& m) {
    bj::object msg{{"token", t.token}};
    bj::object notification;
    if (!m.title.empty()) notification["title"] = m.title;
    if (!m.body.empty()) notification["body"] = m.body;
    if (!notification.empty()) msg["notification"] = std::move(notification);
    if (!m.data.empty()) {
      // FCM's data is a map of strings: other JSON values go as their JSON text.
      bj::object data;
      const bj::value parsed = bj::parse(m.data);  // kept alive: the loop below walks into it
      for (const auto& kv : parsed.as_object())
        data[kv.key()] = kv.value().is_string() ? bj::string(kv.value().get_string()) : bj::string(bj::serialize(kv.value()));
      msg["data"] = std::move(data);
    }
    bj::object android{{"ttl", std::to_string(m.ttl.value_or(0)) + "s"}};
    if (m.urgency == "high") android["priority"] = "high";
    else if (!m.urgency.empty()) android["priority"] = "normal";
    if (!m.topic.empty()) android["collapse_key"] = m.topic;
    msg["android"] = std::move(android);
    return bj::serialize(bj::object{{"message", std::move(msg)}});
  }

  Result<HttpResponse> post(const std::string& body, const std::string& access) const {
    HttpRequest req;
    req.url = send_url_;
    req.headers = {{"Authorization", "Bearer " + access}, {"Content-Type", "application/json; charset=utf-8"}};
    req.body = body;
    req.timeouts = timeouts_;
    return http_send("fcm", req);
  }

  Result<std::string> answer(const HttpResponse& resp) const {
    if (resp.status >= 200 && resp.status < 300) {
      boost::system::error_code ec;
      bj::value v = bj::parse(resp.body, ec);
      const bj::value* name = !ec && v.is_object() ? v.get_object().if_contains("name") : nullptr;
      return name && name->is_string() ? std::string(name->get_string()) : std::string();
    }
    const FcmError e = fcm_error(resp.body);
    const std::string code = e.error_code.empty() ? e.status : e.error_code;
    if (resp.status == 404 || e.error_code == "UNREGISTERED" || e.status == "NOT_FOUND")
      return Status::not_found("fcm: token gone (HTTP " + std::to_string(resp.status) + (code.empty() ? "" : " " + code) +
                               "): FCM no longer delivers to it; delete the device");
    if (resp.status == 401)
      return Status::permission_denied("fcm: HTTP 401 with a fresh access token: the service account is refused");
    // The token belongs to another Firebase project: this message's fault, not our credentials'.
    if (resp.status == 403 && e.error_code == "SENDER_ID_MISMATCH")
      return Status::invalid("/to/token", "fcm: the token belongs to another Firebase project (SENDER_ID_MISMATCH)");
    return check_status("fcm", resp);
  }

  // A valid access token: the cached one unless it is `stale` (refused by
  // FCM) or near expiry. The exchange happens under the lock so concurrent
  // sends wait for one exchange instead of each making their own.
  Result<std::string> access_token(const std::string& stale) {
    std::lock_guard lock(mu_);
    const int64_t now_ms = clock_.now_ms();
    if (!token_.empty() && token_ != stale && now_ms < token_valid_until_ms_) return token_;
    token_.clear();
    const int64_t iat = now_ms / 1000;
    bj::object header{{"typ", "JWT"}};
    if (!account_.private_key_id.empty()) header["kid"] = account_.private_key_id;
    SB_ASSIGN(std::string assertion,
              jwt::sign_rs256(account_.key, std::move(header),
                              {{"iss", account_.client_email}, {"scope", kScope}, {"aud", token_uri_},
                               {"iat", iat}, {"exp", iat + kAssertionLifetimeSeconds}}));
    HttpRequest req;
    req.url = token_uri_;
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    req.body = form_encode({{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"}, {"assertion", assertion}});
    req.timeouts = timeouts_;
    SB_ASSIGN(HttpResponse resp, http_send("fcm token endpoint", req));
    if (Status s = check_status("fcm token endpoint", resp); !s) {
      // invalid_grant and the like (400) mean our credentials, not the message.
      if (s.code() == Code::kInvalidArgument) return Status::permission_denied(s.message());
      return s;
    }
    boost::system::error_code ec;
    bj::value v = bj::parse(resp.body, ec);
    const bj::object* o = !ec && v.is_object() ? &v.get_object() : nullptr;
    const bj::value* tok = o ? o->if_contains("access_token") : nullptr;
    if (!tok || !tok->is_string() || tok->get_string().empty())
      return Status::unavailable("fcm token endpoint: answer without access_token");
    int64_t expires_in = 3600;
    if (const bj::value* e = o->if_contains("expires_in"); e && e->is_int64()) expires_in = e->get_int64();
    token_ = std::string(tok->get_string());
    token_valid_until_ms_ = now_ms + std::max<int64_t>(0, expires_in * 1000 - kRefreshMarginMs);
    return token_;
  }

  const ServiceAccount account_;
  const std::string send_url_;
  const std::string token_uri_;
  const HttpTimeouts timeouts_;
  const Clock& clock_;
  std::mutex mu_;
  std::string token_;                  // guarded by mu_
  int64_t token_valid_until_ms_ = 0;   // guarded by mu_
};

std::optional<std::string> check_service_account(const std::string& v) {
  if (v.empty()) return std::nullopt;
  auto a = parse_service_account(v, "push.fcm.service_account");
  if (a.ok()) return std::nullopt;
  return a.status().fields().at(0).message;
}

const config::Key<std::string> kServiceAccount{
    "push.fcm.service_account", "",
    "The Firebase service account's JSON key file (its whole text): project_id, client_email, private_key "
    "(RSA PEM), token_uri. Grants sending to every device of the project: keep it secret",
    config::secret, config::hot, config::check(check_service_account, "service-account JSON")};
const config::Key<std::string> kEndpoint{"push.fcm.endpoint", "https://fcm.googleapis.com",
                                         "FCM HTTP v1 API base URL (tests point it at a stand-in)", config::hot,
                                         keys::kHttpUrl};
const config::Key<std::string> kTokenUri{
    "push.fcm.token_uri", "",
    "OAuth2 token endpoint for the service account's assertion; empty = the service account's token_uri "
    "(https://oauth2.googleapis.com/token)",
    config::hot,
    config::check([](const std::string& v) { return v.empty() ? std::nullopt : check_http_url(v); },
                  "empty or an http:// or https:// URL")};

}  // namespace

Factory<PushSender> fcm_factory(const ProviderEnv& env) {
  return {
      .name = "fcm",
      .description = "Firebase Cloud Messaging HTTP v1 to FCM registration tokens, OAuth2 from a service account",
      .keys = {kServiceAccount.spec(), kEndpoint.spec(), kTokenUri.spec()},
      .create = [clock = env.clock](const config::ConfigService& c) -> Result<std::unique_ptr<PushSender>> {
        std::string text = c.get(kServiceAccount);
        if (text.empty())
          return Status::invalid(kServiceAccount.name(), "is required when push.providers includes fcm");
        SB_ASSIGN(ServiceAccount account, parse_service_account(text, kServiceAccount.name()));
        return std::unique_ptr<PushSender>(std::make_unique<FcmPush>(
            std::move(account), c.get(kEndpoint), c.get(kTokenUri), timeouts_from(c, "push"), *clock));
      },
  };
}

}  // namespace sb::providers::push
