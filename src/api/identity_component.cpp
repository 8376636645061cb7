// IdentityComponent: builds AuthService and ApiKeys, serves /v1/auth/*,
// follows identity.* / session.* events of other instances, and purges
// expired rows in the background.
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "access/access_control.h"
#include "api/access_api.h"
#include "api/identity_setup.h"
#include "api/messages_api.h"
#include "config/config.h"
#include "core/thread_pool.h"
#include "events/event.h"
#include "identity/api_keys.h"
#include "identity/credentials.h"
#include "identity/identity_events.h"

namespace sb::api {

// Runs AuthService::purge_expired every `interval` on its own thread (it
// blocks on the Db) until destroyed. The first run is one interval after start.
class IdentityComponent::Purger {
 public:
  Purger(identity::AuthService& auth, std::chrono::seconds interval)
      : auth_(auth), interval_(interval), thread_([this] {
          name_this_thread("sb-purge");
          run();
        }) {}
  ~Purger() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      auto n = auth_.purge_expired();
      if (!n.ok())
        spdlog::warn("identity: purging expired rows failed: {}", n.status().to_string());
      else if (*n > 0)
        spdlog::info("identity: purged {} expired rows (codes, links, challenges, sessions)", *n);
      lock.lock();
    }
  }

  identity::AuthService& auth_;
  const std::chrono::seconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;     // last: starts once the members above exist
};

IdentityComponent::IdentityComponent(Kernel& kernel, AccessComponent& access, MessagingComponent& messaging)
    : Component("identity"), kernel_(kernel), access_(access), messaging_(messaging) {}
IdentityComponent::~IdentityComponent() { stop(); }

void IdentityComponent::declare(Declarations& d) {
  declare_identity_keys(d.config);
  d.permission("users:read", "Look up accounts by email or phone, and read one by id");
  d.permission("sessions:revoke", "Sign a user out of every session");
  d.event_types_of(identity::kIdentityEventTypes);
}

Status IdentityComponent::init() {
  api_keys_ = std::make_unique<identity::ApiKeys>(*kernel_.db, *kernel_.events, kernel_.clock);
  notifier_ = messaging_notifier(messaging_.messaging(), *kernel_.blocking);
  SB_ASSIGN(auto options, identity_options(kernel_.config, kernel_.master_key, kernel_.listen));
  identity::AccessHooks hooks;
  access::AccessControl* ac = &access_.control();
  hooks.on_user_created = [ac, roles = kernel_.config.get(identity_keys::kDefaultRoles)](
                              store::Tx& tx, const std::string& user) -> Status {
    for (const auto& role : roles) SB_TRY(ac->grant_role(tx, user, role, "system"));
    return {};
  };
  hooks.roles_of = [ac](const std::string& user) { return ac->roles_of(user); };
  SB_ASSIGN(auth_, identity::AuthService::create(*kernel_.db, *kernel_.events, kernel_.clock, *notifier_,
                                                 std::move(hooks), std::move(options)));
  credentials_ = std::make_unique<identity::Credentials>(*api_keys_, auth_.get());
  deps_ = {auth_.get(), ac, &kernel_.config, kernel_.limits};
  return {};
}

void IdentityComponent::routes(std::vector<http::Route>& out) {
  using http::Access;
  constexpr Access kPublic = Access::kPublic;
  constexpr Access kSignedIn = Access::kAuthenticated;
  RouteTable t(out, deps_);
  // Every auth route may hash a password, write the Db or send: the pool.
  t.add({"GET", "/.well-known/jwks.json", t.io(jwks), kPublic});
  t.add({"POST", "/v1/auth/register", t.pool(auth_register), kPublic, "", "auth.register"});
  t.add({"POST", "/v1/auth/login", t.pool(auth_login), kPublic, "", "auth.login"});
  t.add({"POST", "/v1/auth/refresh", t.pool(auth_refresh), kPublic, "", "auth.refresh"});
  t.add({"POST", "/v1/auth/logout", t.pool(auth_logout), kSignedIn});
  t.add({"POST", "/v1/auth/logout-all", t.pool(auth_logout_all), kSignedIn});
  t.add({"GET", "/v1/auth/me", t.pool(auth_me), kSignedIn});
  // Phone OTP, email verification, password reset
  t.add({"POST", "/v1/auth/otp/send", t.pool(auth_otp_send), kPublic, "", "auth.otp_send"});
  // Anonymous: sign in with a verified phone. Signed in: verify or add the caller's phone.
  t.add({"POST", "/v1/auth/otp/verify", t.pool(auth_otp_verify), Access::kOptional, "", "auth.otp_verify"});
  t.add({"POST", "/v1/auth/email/send-verification", t.pool(auth_email_send_verification), kSignedIn, "",
         "auth.email"});
  t.add({"POST", "/v1/auth/email/verify", t.pool(auth_email_verify), kPublic, "", "auth.email"});
  t.add({"POST", "/v1/auth/password/forgot", t.pool(auth_password_forgot), kPublic, "", "auth.password"});
  t.add({"POST", "/v1/auth/password/reset", t.pool(auth_password_reset), kPublic, "", "auth.password"});
  // Second factor
  t.add({"POST", "/v1/auth/mfa/totp/enroll", t.pool(auth_totp_enroll), kSignedIn});
  t.add({"POST", "/v1/auth/mfa/totp/confirm", t.pool(auth_totp_confirm), kSignedIn, "", "auth.mfa"});
  t.add({"DELETE", "/v1/auth/mfa/totp", t.pool(auth_totp_disable), kSignedIn, "", "auth.mfa"});
  t.add({"POST", "/v1/auth/mfa/verify", t.pool(auth_mfa_verify), kPublic, "", "auth.mfa"});
  t.add({"POST", "/v1/auth/mfa/recovery-codes", t.pool(auth_recovery_codes), kSignedIn, "", "auth.mfa"});
  // Operators
  t.add({"GET", "/v1/users", t.pool(users_find), Access::kPermission, "users:read"});
  t.add({"GET", "/v1/users/{id}", t.pool(users_get), Access::kPermission, "users:read"});
  t.add({"POST", "/v1/users/{id}/sessions/revoke", t.pool(users_revoke_sessions), Access::kPermission,
         "sessions:revoke"});
}

Status IdentityComponent::start() {
  identity::AuthService* auth = auth_.get();
  auto apply = [auth](const events::Event& e) { auth->apply_event(e); };
  follow_log(kernel_, "session.revoked", apply);
  follow_log(kernel_, "identity.*", apply);
  purger_ = std::make_unique<Purger>(*auth_, std::chrono::seconds(kernel_.config.get(identity_keys::kPurgeInterval)));
  return {};
}

void IdentityComponent::stop() { purger_.reset(); }

}  // namespace sb::api
