#include "api/identity_setup.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/auth_api.h"
#include "config/config.h"
#include "core/crypto.h"
#include "core/thread_pool.h"
#include "identity/templates.h"
#include "providers/messaging.h"

namespace sb::api {

namespace {

class MessagingNotifier final : public identity::Notifier {
 public:
  MessagingNotifier(providers::Messaging& m, ThreadPool& pool) : messaging_(m), pool_(pool) {}

  Status send_sms(const std::string& to, const std::string& body) override {
    providers::SmsMessage m;
    m.to = to;
    m.body = body;
    return queue([this, m = std::move(m)]() mutable {
      auto r = messaging_.send_sms(std::move(m));
      if (!r.ok()) spdlog::warn("identity: SMS not delivered: {}", r.status().message());
    });
  }

  Status send_email(const std::string& to, const std::string& subject, const std::string& text) override {
    providers::EmailMessage m;
    m.to = {to};
    m.subject = subject;
    m.text = text;
    return queue([this, m = std::move(m)]() mutable {
      auto r = messaging_.send_email(std::move(m));
      if (!r.ok()) spdlog::warn("identity: email not delivered: {}", r.status().message());
    });
  }

 private:
  Status queue(std::function<void()> task) {
    switch (pool_.submit(std::move(task))) {
      case Submitted::kQueued: return {};
      case Submitted::kFull: return Status::unavailable("server is overloaded; try again");
      case Submitted::kStopping: break;
    }
    return Status::unavailable("server is shutting down");
  }
  providers::Messaging& messaging_;
  ThreadPool& pool_;
};

}  // namespace

void declare_identity_keys(config::ConfigService& c) {
  using namespace identity_keys;
  c.declare(kIssuer, kAudience, kAccessTtl, kRefreshTtl, kLeeway);
  c.declare(kPasswordMinLength, kArgon2Ops, kArgon2MemKib);
  c.declare(kOtpLength, kOtpTtl, kOtpMaxAttempts, kOtpResendCooldown, kOtpLogin, kOtpSignup);
  c.declare(kEmailVerifyTtl, kPasswordResetTtl, kPublicUrl, kProductName, kTotpWindow, kMfaTokenTtl);
  c.declare(kLockoutThreshold, kLockoutDuration, kLockoutDelayBase, kLockoutDelayMax);
  c.declare(api::kReauthWindow, kDefaultRoles, kPurgeInterval);
  c.declare(kOtpSmsTemplate, kVerifyEmailSubject, kVerifyEmailText, kResetEmailSubject, kResetEmailText);
  c.declare(kMasterKey);
}

Result<std::string> load_master_key(const config::ConfigService& c, const std::string& data_dir) {
  std::string configured = c.get(identity_keys::kMasterKey).value_or("");
  if (!configured.empty()) {
    auto raw = crypto::base64_decode(configured);
    if (!raw || raw->size() != 32)
      return Status::invalid("identity.master_key", "must be the base64 of exactly 32 bytes");
    return *raw;
  }
  namespace fs = std::filesystem;
  fs::path path = fs::path(data_dir) / "master.key";
  if (fs::exists(path)) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    auto raw = crypto::base64_decode(text);
    if (!raw || raw->size() != 32)
      return Status::invalid("identity.master_key", path.string() + " must hold the base64 of 32 bytes");
    return *raw;
  }
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  std::string raw = crypto::random_bytes(32);
  {
    mode_t old = ::umask(077);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << crypto::base64_encode(raw) << "\n";
    ::umask(old);
    if (!out) return Status::internal("cannot write " + path.string());
  }
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, ec);
  spdlog::info("identity: created master key {} (back it up; set identity.master_key when running several instances)",
               path.string());
  return raw;
}

Result<identity::AuthOptions> identity_options(const config::ConfigService& c, std::string master_key,
                                                const std::string& listen) {
  using namespace identity_keys;
  identity::AuthOptions o;
  o.jwt.issuer = c.get(kIssuer);
  o.jwt.audience = c.get(kAudience);
  o.jwt.access_ttl = std::chrono::seconds(c.get(kAccessTtl));
  o.jwt.leeway = std::chrono::seconds(c.get(kLeeway));
  o.refresh_ttl_ms = c.get(kRefreshTtl) * 1000;
  o.password_policy.min_chars = static_cast<size_t>(c.get(kPasswordMinLength));
  o.password_hash.opslimit = static_cast<uint64_t>(c.get(kArgon2Ops));
  o.password_hash.memlimit = static_cast<size_t>(c.get(kArgon2MemKib)) * 1024;
  o.otp.code_length = static_cast<int>(c.get(kOtpLength));
  o.otp.ttl_ms = c.get(kOtpTtl) * 1000;
  o.otp.max_attempts = static_cast<int>(c.get(kOtpMaxAttempts));
  o.otp.resend_cooldown_ms = c.get(kOtpResendCooldown) * 1000;
  o.otp_login = c.get(kOtpLogin);
  o.phone_signup = c.get(kOtpSignup);
  o.email_verify_ttl_ms = c.get(kEmailVerifyTtl) * 1000;
  o.password_reset_ttl_ms = c.get(kPasswordResetTtl) * 1000;
  o.public_url = c.get(kPublicUrl).value_or("");
  if (o.public_url.empty()) o.public_url = "http://" + listen;
  o.product_name = c.get(kProductName);
  o.totp.window = static_cast<int>(c.get(kTotpWindow));
  o.mfa_token_ttl_ms = c.get(kMfaTokenTtl) * 1000;
  o.lockout_threshold = static_cast<int>(c.get(kLockoutThreshold));
  o.lockout_ms = c.get(kLockoutDuration) * 1000;
  o.failure_delay_base_ms = c.get(kLockoutDelayBase);
  o.failure_delay_max_ms = c.get(kLockoutDelayMax);
  o.templates.otp_sms = c.get(kOtpSmsTemplate);
  o.templates.verify_email_subject = c.get(kVerifyEmailSubject);
  o.templates.verify_email_text = c.get(kVerifyEmailText);
  o.templates.reset_email_subject = c.get(kResetEmailSubject);
  o.templates.reset_email_text = c.get(kResetEmailText);
  o.master_key = std::move(master_key);
  return o;
}

std::unique_ptr<identity::Notifier> messaging_notifier(providers::Messaging& messaging, ThreadPool& pool) {
  return std::make_unique<MessagingNotifier>(messaging, pool);
}

}  // namespace sb::api
