#include "api/identity_setup.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config.h"
#include "core/crypto.h"
#include "core/thread_pool.h"
#include "identity/templates.h"
#include "providers/messaging.h"

namespace sb::api {

namespace bj = boost::json;
using config::KeySpec;
using config::Type;

namespace {

std::function<std::optional<std::string>(const bj::value&)> between(int64_t lo, int64_t hi) {
  return [lo, hi](const bj::value& v) -> std::optional<std::string> {
    int64_t n = v.to_number<int64_t>();
    if (n < lo || n > hi) return "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
    return std::nullopt;
  };
}

// Rejects a template that lacks its required placeholder (templates.h).
std::function<std::optional<std::string>(const bj::value&)> template_check(
    std::optional<std::string> (*check)(std::string_view)) {
  return [check](const bj::value& v) { return check(std::string_view(v.as_string())); };
}

KeySpec restart(KeySpec k) {
  k.restart_required = true;
  return k;
}

Result<std::string> master_key(const config::ConfigService& c, const std::string& data_dir) {
  std::string configured = c.get_string("identity.master_key");
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
  c.declare(restart({"identity.issuer", Type::kString, "switchboard", "JWT `iss` written and required"}));
  c.declare(restart({"identity.audience", Type::kString, "switchboard", "JWT `aud` written and required"}));
  c.declare(restart({"identity.access_ttl_s", Type::kInt, 900, "Access token lifetime (seconds)", false, between(30, 86400)}));
  c.declare(restart({"identity.refresh_ttl_s", Type::kInt, 30 * 86400, "Session lifetime without use (seconds)", false,
                     between(300, 365LL * 86400)}));
  c.declare(restart({"identity.leeway_s", Type::kInt, 30, "Clock skew tolerated on token times (seconds)", false, between(0, 600)}));
  c.declare(restart({"identity.password.min_length", Type::kInt, 10, "Shortest password (characters)", false, between(8, 128)}));
  c.declare(restart({"identity.password.argon2_ops", Type::kInt, 3, "Argon2id passes (opslimit)", false, between(1, 10)}));
  c.declare(restart({"identity.password.argon2_mem_kib", Type::kInt, 65536, "Argon2id memory (KiB)", false,
                     between(8, 1 << 20)}));
  c.declare(restart({"identity.otp.length", Type::kInt, 6, "Digits in a phone OTP", false, between(4, 10)}));
  c.declare(restart({"identity.otp.ttl_s", Type::kInt, 300, "Phone OTP lifetime (seconds)", false, between(30, 3600)}));
  c.declare(restart({"identity.otp.max_attempts", Type::kInt, 5, "Wrong codes before a code dies", false, between(1, 10)}));
  c.declare(restart({"identity.otp.resend_cooldown_s", Type::kInt, 60, "Least time between two codes to one phone", false,
                     between(0, 3600)}));
  c.declare(restart({"identity.otp.login", Type::kBool, true, "otp/verify signs the user in (false: only marks the phone verified)"}));
  c.declare(restart({"identity.otp.signup", Type::kBool, true, "otp/verify creates the account on first verification"}));
  c.declare(restart({"identity.email_verify_ttl_s", Type::kInt, 86400, "Email verification link lifetime (seconds)", false,
                     between(300, 30 * 86400)}));
  c.declare(restart({"identity.password_reset_ttl_s", Type::kInt, 1800, "Password reset link lifetime (seconds)", false,
                     between(300, 86400)}));
  c.declare(restart({"identity.public_url", Type::kString, nullptr,
                     "Base URL of links in emails (default: http://<server.listen>); set it behind a proxy"}));
  c.declare(restart({"identity.product_name", Type::kString, "Switchboard", "Name in emails and authenticator apps"}));
  c.declare(restart({"identity.totp.window", Type::kInt, 1, "TOTP steps accepted either side of now", false, between(0, 10)}));
  c.declare(restart({"identity.mfa_token_ttl_s", Type::kInt, 300, "Time to give the second factor after a password", false,
                     between(30, 3600)}));
  c.declare(restart({"identity.lockout.threshold", Type::kInt, 10, "Failed password logins before the account's password "
                     "login locks", false, between(3, 1000)}));
  c.declare(restart({"identity.lockout.duration_s", Type::kInt, 900, "How long the lock lasts (seconds)", false,
                     between(1, 86400)}));
  c.declare(restart({"identity.lockout.delay_base_ms", Type::kInt, 1000, "Wait after the second failure; doubles per "
                     "failure", false, between(0, 600'000)}));
  c.declare(restart({"identity.lockout.delay_max_ms", Type::kInt, 60'000, "Longest wait between failures", false,
                     between(0, 3'600'000)}));
  c.declare({"identity.reauth_window_s", Type::kInt, 900,
             "Enrolling TOTP or adding a phone needs a sign-in at most this old (seconds)", false, between(60, 86400)});
  c.declare(restart({"identity.default_roles", Type::kStringList, bj::array{"user"}, "Roles every new account gets"}));
  c.declare(restart({"identity.purge_interval_s", Type::kInt, 3600,
                     "How often expired codes, links, challenges and sessions are deleted (seconds)", false,
                     between(60, 7 * 86400)}));
  // Placeholders each template takes: identity/templates.h.
  c.declare(restart({"identity.templates.otp_sms", Type::kString, identity::kDefaultOtpSms,
                     "Phone OTP SMS; {code} required, also {product} {minutes}", false,
                     template_check(identity::check_sms_template)}));
  c.declare(restart({"identity.templates.verify_email_subject", Type::kString, identity::kDefaultVerifyEmailSubject,
                     "Subject of the email verification email; {product} {minutes} {expires}"}));
  c.declare(restart({"identity.templates.verify_email_text", Type::kString, identity::kDefaultVerifyEmailText,
                     "Body of the email verification email; {link} or {token} required, also {product} {minutes} "
                     "{expires}",
                     false, template_check(identity::check_email_template)}));
  c.declare(restart({"identity.templates.reset_email_subject", Type::kString, identity::kDefaultResetEmailSubject,
                     "Subject of the password reset email; {product} {minutes} {expires}"}));
  c.declare(restart({"identity.templates.reset_email_text", Type::kString, identity::kDefaultResetEmailText,
                     "Body of the password reset email; {link} or {token} required, also {product} {minutes} "
                     "{expires}",
                     false, template_check(identity::check_email_template)}));
  c.declare(restart({"identity.master_key", Type::kString, nullptr,
                     "base64 of 32 bytes; encrypts signing keys and TOTP secrets, peppers code hashes "
                     "(default: <data_dir>/master.key)", true}));
}

Result<identity::AuthOptions> identity_options(const config::ConfigService& c, const std::string& data_dir,
                                                const std::string& listen) {
  identity::AuthOptions o;
  o.jwt.issuer = c.get_string("identity.issuer");
  o.jwt.audience = c.get_string("identity.audience");
  o.jwt.access_ttl = std::chrono::seconds(c.get_int("identity.access_ttl_s"));
  o.jwt.leeway = std::chrono::seconds(c.get_int("identity.leeway_s"));
  o.refresh_ttl_ms = c.get_int("identity.refresh_ttl_s") * 1000;
  o.password_policy.min_chars = static_cast<size_t>(c.get_int("identity.password.min_length"));
  o.password_hash.opslimit = static_cast<uint64_t>(c.get_int("identity.password.argon2_ops"));
  o.password_hash.memlimit = static_cast<size_t>(c.get_int("identity.password.argon2_mem_kib")) * 1024;
  o.otp.code_length = static_cast<int>(c.get_int("identity.otp.length"));
  o.otp.ttl_ms = c.get_int("identity.otp.ttl_s") * 1000;
  o.otp.max_attempts = static_cast<int>(c.get_int("identity.otp.max_attempts"));
  o.otp.resend_cooldown_ms = c.get_int("identity.otp.resend_cooldown_s") * 1000;
  o.otp_login = c.get_bool("identity.otp.login");
  o.phone_signup = c.get_bool("identity.otp.signup");
  o.email_verify_ttl_ms = c.get_int("identity.email_verify_ttl_s") * 1000;
  o.password_reset_ttl_ms = c.get_int("identity.password_reset_ttl_s") * 1000;
  o.public_url = c.get_string("identity.public_url");
  if (o.public_url.empty()) o.public_url = "http://" + (listen.empty() ? c.get_string("server.listen") : listen);
  o.product_name = c.get_string("identity.product_name");
  o.totp.window = static_cast<int>(c.get_int("identity.totp.window"));
  o.mfa_token_ttl_ms = c.get_int("identity.mfa_token_ttl_s") * 1000;
  o.lockout_threshold = static_cast<int>(c.get_int("identity.lockout.threshold"));
  o.lockout_ms = c.get_int("identity.lockout.duration_s") * 1000;
  o.failure_delay_base_ms = c.get_int("identity.lockout.delay_base_ms");
  o.failure_delay_max_ms = c.get_int("identity.lockout.delay_max_ms");
  o.templates.otp_sms = c.get_string("identity.templates.otp_sms");
  o.templates.verify_email_subject = c.get_string("identity.templates.verify_email_subject");
  o.templates.verify_email_text = c.get_string("identity.templates.verify_email_text");
  o.templates.reset_email_subject = c.get_string("identity.templates.reset_email_subject");
  o.templates.reset_email_text = c.get_string("identity.templates.reset_email_text");
  SB_ASSIGN(o.master_key, master_key(c, data_dir));
  return o;
}

std::unique_ptr<identity::Notifier> messaging_notifier(providers::Messaging& messaging, ThreadPool& pool) {
  return std::make_unique<MessagingNotifier>(messaging, pool);
}

}  // namespace sb::api
