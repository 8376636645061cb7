// Identity as a component: accounts, sessions, MFA and admin API keys, with
// its configuration (identity.*), its options from config, the master key,
// and the Notifier that sends codes and links through the provider chains.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/auth_api.h"
#include "api/component.h"
#include "config/key.h"
#include "core/result.h"
#include "identity/auth_service.h"
#include "identity/templates.h"

namespace sb::config { class ConfigService; }
namespace sb::providers { class Messaging; }
namespace sb { class ThreadPool; }
namespace sb::identity { class ApiKeys; class Credentials; }

namespace sb::api {

// identity.* keys: read once at start by identity_options() and the
// component (restart), except identity.reauth_window_s (api/auth_api.h),
// read on every request.
namespace identity_keys {
using config::between;
using config::Key;
inline const Key<std::string> kIssuer{"identity.issuer", "switchboard", "JWT `iss` written and required"};
inline const Key<std::string> kAudience{"identity.audience", "switchboard", "JWT `aud` written and required"};
inline const Key<int64_t> kAccessTtl{"identity.access_ttl_s", 900, "Access token lifetime (seconds)", between(30, 86400)};
inline const Key<int64_t> kRefreshTtl{"identity.refresh_ttl_s", 30 * 86400, "Session lifetime without use (seconds)",
                                      between(300, 365LL * 86400)};
inline const Key<int64_t> kLeeway{"identity.leeway_s", 30, "Clock skew tolerated on token times (seconds)", between(0, 600)};
inline const Key<int64_t> kPasswordMinLength{"identity.password.min_length", 10, "Shortest password (characters)",
                                             between(8, 128)};
inline const Key<int64_t> kArgon2Ops{"identity.password.argon2_ops", 3, "Argon2id passes (opslimit)", between(1, 10)};
inline const Key<int64_t> kArgon2MemKib{"identity.password.argon2_mem_kib", 65536, "Argon2id memory (KiB)",
                                        between(8, 1 << 20)};
inline const Key<int64_t> kOtpLength{"identity.otp.length", 6, "Digits in a phone OTP", between(4, 10)};
inline const Key<int64_t> kOtpTtl{"identity.otp.ttl_s", 300, "Phone OTP lifetime (seconds)", between(30, 3600)};
inline const Key<int64_t> kOtpMaxAttempts{"identity.otp.max_attempts", 5, "Wrong codes before a code dies", between(1, 10)};
inline const Key<int64_t> kOtpResendCooldown{"identity.otp.resend_cooldown_s", 60,
                                             "Least time between two codes to one phone", between(0, 3600)};
inline const Key<bool> kOtpLogin{"identity.otp.login", true,
                                 "otp/verify signs the user in (false: only marks the phone verified)"};
inline const Key<bool> kOtpSignup{"identity.otp.signup", true, "otp/verify creates the account on first verification"};
inline const Key<int64_t> kEmailVerifyTtl{"identity.email_verify_ttl_s", 86400,
                                          "Email verification link lifetime (seconds)", between(300, 30 * 86400)};
inline const Key<int64_t> kPasswordResetTtl{"identity.password_reset_ttl_s", 1800,
                                            "Password reset link lifetime (seconds)", between(300, 86400)};
inline const Key<std::optional<std::string>> kPublicUrl{
    "identity.public_url", std::nullopt, "Base URL of links in emails (default: http://<server.listen>); set it behind a proxy"};
inline const Key<std::string> kProductName{"identity.product_name", "Switchboard", "Name in emails and authenticator apps"};
inline const Key<int64_t> kTotpWindow{"identity.totp.window", 1, "TOTP steps accepted either side of now", between(0, 10)};
inline const Key<int64_t> kMfaTokenTtl{"identity.mfa_token_ttl_s", 300,
                                       "Time to give the second factor after a password", between(30, 3600)};
inline const Key<int64_t> kLockoutThreshold{"identity.lockout.threshold", 10,
                                            "Failed password logins before the account's password login locks",
                                            between(3, 1000)};
inline const Key<int64_t> kLockoutDuration{"identity.lockout.duration_s", 900, "How long the lock lasts (seconds)",
                                           between(1, 86400)};
inline const Key<int64_t> kLockoutDelayBase{"identity.lockout.delay_base_ms", 1000,
                                            "Wait after the second failure; doubles per failure", between(0, 600'000)};
inline const Key<int64_t> kLockoutDelayMax{"identity.lockout.delay_max_ms", 60'000, "Longest wait between failures",
                                           between(0, 3'600'000)};
inline const Key<std::vector<std::string>> kDefaultRoles{"identity.default_roles", {"user"},
                                                         "Roles every new account gets"};
inline const Key<int64_t> kPurgeInterval{"identity.purge_interval_s", 3600,
                                         "How often expired codes, links, challenges and sessions are deleted (seconds)",
                                         between(60, 7 * 86400)};
// Placeholders each template takes: identity/templates.h.
inline const Key<std::string> kOtpSmsTemplate{
    "identity.templates.otp_sms", identity::kDefaultOtpSms, "Phone OTP SMS; {code} required, also {product} {minutes}",
    config::check([](const std::string& t) { return identity::check_sms_template(t); }, "contains {code}")};
inline const Key<std::string> kVerifyEmailSubject{"identity.templates.verify_email_subject",
                                                  identity::kDefaultVerifyEmailSubject,
                                                  "Subject of the email verification email; {product} {minutes} {expires}"};
inline const Key<std::string> kVerifyEmailText{
    "identity.templates.verify_email_text", identity::kDefaultVerifyEmailText,
    "Body of the email verification email; {link} or {token} required, also {product} {minutes} {expires}",
    config::check([](const std::string& t) { return identity::check_email_template(t); }, "contains {link} or {token}")};
inline const Key<std::string> kResetEmailSubject{"identity.templates.reset_email_subject",
                                                 identity::kDefaultResetEmailSubject,
                                                 "Subject of the password reset email; {product} {minutes} {expires}"};
inline const Key<std::string> kResetEmailText{
    "identity.templates.reset_email_text", identity::kDefaultResetEmailText,
    "Body of the password reset email; {link} or {token} required, also {product} {minutes} {expires}",
    config::check([](const std::string& t) { return identity::check_email_template(t); }, "contains {link} or {token}")};
// Boot: config's own secrets are sealed under it before the runtime layer loads.
inline const Key<std::optional<std::string>> kMasterKey{
    "identity.master_key", std::nullopt,
    "base64 of 32 bytes; encrypts signing keys, TOTP secrets and secret config values, peppers code hashes "
    "(default: <data_dir>/master.key)",
    config::secret, config::boot};
}  // namespace identity_keys

void declare_identity_keys(config::ConfigService& config);

// The master key: identity.master_key (base64 of 32 bytes) or, when unset,
// <data_dir>/master.key, created with mode 0600 on first start. Instances
// sharing a PostgreSQL database must share it: set identity.master_key on
// each. App loads it before the runtime config layer (config seals its
// secrets with it).
Result<std::string> load_master_key(const config::ConfigService& config, const std::string& data_dir);

// AuthOptions from identity.* keys, with the master key App loaded once
// (load_master_key, Kernel::master_key). `listen` is the address served
// (--listen, else server.listen), the default base of links.
Result<identity::AuthOptions> identity_options(const config::ConfigService& config, std::string master_key,
                                                const std::string& listen);

// Sends through Messaging on the blocking pool, so a request never waits on
// a provider and an answer's timing cannot reveal whether a message was sent.
std::unique_ptr<identity::Notifier> messaging_notifier(providers::Messaging& messaging, ThreadPool& pool);

class AccessComponent;
class MessagingComponent;

class IdentityComponent final : public Component {
 public:
  // New accounts get identity.default_roles through `access`; codes and
  // links go out through `messaging`.
  IdentityComponent(Kernel& kernel, AccessComponent& access, MessagingComponent& messaging);
  ~IdentityComponent() override;
  void declare(Declarations& d) override;
  Status init() override;
  void routes(std::vector<http::Route>& out) override;
  Status start() override;
  void stop() override;

  identity::ApiKeys& api_keys() { return *api_keys_; }
  identity::AuthService& auth() { return *auth_; }
  // Who is behind a bearer credential (admin key or access token).
  const identity::Credentials& credentials() { return *credentials_; }

 private:
  class Purger;
  Kernel& kernel_;
  AccessComponent& access_;
  MessagingComponent& messaging_;
  std::unique_ptr<identity::ApiKeys> api_keys_;
  std::unique_ptr<identity::Notifier> notifier_;
  std::unique_ptr<identity::AuthService> auth_;
  std::unique_ptr<identity::Credentials> credentials_;
  std::unique_ptr<Purger> purger_;
  IdentityDeps deps_;
};

}  // namespace sb::api
