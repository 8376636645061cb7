// AuthService construction, accounts, keys and the session denylist.
#include "identity/auth_service.h"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <sstream>

#include "core/ids.h"
#include "events/event_log.h"
#include "identity/auth_service_impl.h"
#include "identity/identity_events.h"
#include "store/db.h"

namespace sb::identity {

namespace {

Status validate_options(const AuthOptions& o) {
  if (o.master_key.size() != SecretBox::kKeyBytes) return Status::invalid("/master_key", "must be 32 bytes");
  SB_TRY(o.jwt.validate());
  SB_TRY(validate(o.password_policy));
  auto positive = [](int64_t v, const char* field) -> Status {
    if (v <= 0) return Status::invalid(field, "must be positive");
    return {};
  };
  SB_TRY(positive(o.refresh_ttl_ms, "/refresh_ttl_ms"));
  SB_TRY(positive(o.email_verify_ttl_ms, "/email_verify_ttl_ms"));
  SB_TRY(positive(o.password_reset_ttl_ms, "/password_reset_ttl_ms"));
  SB_TRY(positive(o.mfa_token_ttl_ms, "/mfa_token_ttl_ms"));
  SB_TRY(positive(o.lockout_threshold, "/lockout_threshold"));
  if (o.lockout_ms < 0) return Status::invalid("/lockout_ms", "must not be negative");
  if (o.failure_delay_base_ms < 0) return Status::invalid("/failure_delay_base_ms", "must not be negative");
  if (o.failure_delay_max_ms < o.failure_delay_base_ms)
    return Status::invalid("/failure_delay_max_ms", "must be at least failure_delay_base_ms");
  if (o.public_url.empty()) return Status::invalid("/public_url", "is required");
  if (auto m = check_sms_template(o.templates.otp_sms)) return Status::invalid("/templates/otp_sms", *m);
  if (auto m = check_email_template(o.templates.verify_email_text))
    return Status::invalid("/templates/verify_email_text", *m);
  if (auto m = check_email_template(o.templates.reset_email_text))
    return Status::invalid("/templates/reset_email_text", *m);
  return {};
}

}  // namespace

std::string join_amr(const std::vector<std::string>& amr) {
  std::string out;
  for (const auto& a : amr) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

std::vector<std::string> split_amr(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string a; in >> a;) out.push_back(a);
  return out;
}

Result<std::unique_ptr<AuthService>> AuthService::create(store::Db& db, events::EventLog& log, const Clock& clock,
                                                         Notifier& notifier, AccessHooks hooks, AuthOptions options) {
  SB_TRY(validate_options(options));
  auto impl = std::make_unique<AuthServiceImpl>(db, log, clock, notifier, std::move(hooks), std::move(options));
  SB_TRY(impl->init());
  return std::unique_ptr<AuthService>(std::move(impl));
}

AuthServiceImpl::AuthServiceImpl(store::Db& db, events::EventLog& log, const Clock& clock, Notifier& notifier,
                                 AccessHooks hooks, AuthOptions options)
    : db_(db),
      log_(log),
      clock_(clock),
      notifier_(notifier),
      hooks_(std::move(hooks)),
      opt_(std::move(options)),
      issuer_(ring_, clock, opt_.jwt),
      verifier_(ring_, clock, opt_.jwt) {}

Status AuthServiceImpl::init() {
  SB_ASSIGN(auto hasher, PasswordHasher::create(opt_.password_hash));
  passwords_.emplace(std::move(hasher));
  // Distinct subkeys: the pepper and the sealing key never share bytes, and
  // neither is the master key itself.
  SB_ASSIGN(auto codes, CodeHasher::create(derive_subkey(opt_.master_key, "code-pepper/v1")));
  codes_.emplace(std::move(codes));
  SB_ASSIGN(auto otp, OtpAttemptPolicy::create(clock_, *codes_, opt_.otp));
  otp_.emplace(std::move(otp));
  SB_ASSIGN(auto totp, Totp::create(clock_, opt_.totp));
  totp_.emplace(std::move(totp));
  SB_ASSIGN(auto box, SecretBox::create(derive_subkey(opt_.master_key, "seal/v1")));
  box_.emplace(std::move(box));
  key_store_.emplace(db_, log_, clock_, *box_);
  SB_TRY(load_revoked_sessions());
  return key_store_->load_or_create(ring_);
}

// ---- accounts -----------------------------------------------------------------

Result<User> AuthServiceImpl::register_user(const RegisterInput& in, const ClientInfo&) {
  return create_account(in, "password", /*send_verification=*/true);
}

Result<User> AuthServiceImpl::create_user(const RegisterInput& in) {
  return create_account(in, "operator", /*send_verification=*/false);
}

Result<User> AuthServiceImpl::create_account(const RegisterInput& in, const std::string& method,
                                             bool send_verification) {
  if (in.email.empty() && in.phone.empty()) return Status::invalid("/email", "email or phone is required");
  std::string email;
  if (!in.email.empty()) {
    SB_ASSIGN(email, normalize_email(in.email));
  }
  if (!in.phone.empty()) SB_TRY(check_e164(in.phone));
  if (in.password.empty()) return Status::invalid("/password", "is required");
  SB_TRY(check_password_policy(in.password, opt_.password_policy, email));
  // Hash before looking for a duplicate, so a taken address costs the same.
  SB_ASSIGN(std::string hash, passwords_->hash(in.password));

  UserRow row;
  row.id = new_uuid_v7(clock_);
  row.email = email;
  row.phone = in.phone;
  row.password_hash = std::move(hash);
  row.created_at = now();
  std::string token;
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    token.clear();
    SB_TRY(insert_user(tx, row));
    if (hooks_.on_user_created) SB_TRY(hooks_.on_user_created(tx, row.id));
    boost::json::object data{{"user_id", row.id}, {"method", method}};
    if (!row.email.empty()) data["email"] = row.email;
    if (!row.phone.empty()) data["phone"] = row.phone;
    SB_TRY(log_.append(tx, kUserRegistered.make(clock_, row.id, std::move(data))));
    if (send_verification && !row.email.empty()) {
      SB_ASSIGN(token, create_link_token(tx, "email_verify", row.id, row.email, opt_.email_verify_ttl_ms));
    }
    return {};
  }));
  if (!token.empty()) send_verification_email(row.email, token);
  return row.to_user();
}

Result<User> AuthServiceImpl::get_user(const std::string& user_id) {
  std::optional<UserRow> u;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(u, identity::find_user(tx, UserKey::kId, user_id));
    return {};
  }));
  if (!u) return Status::not_found("user not found");
  return u->to_user();
}

Result<User> AuthServiceImpl::find_user(const std::string& email, const std::string& phone) {
  if (email.empty() == phone.empty()) return Status::invalid("/email", "give exactly one of email or phone");
  std::string key = phone;
  if (!email.empty()) {
    SB_ASSIGN(key, normalize_email(email));
  }
  std::optional<UserRow> u;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(u, identity::find_user(tx, email.empty() ? UserKey::kPhone : UserKey::kEmail, key));
    return {};
  }));
  if (!u) return Status::not_found("user not found");
  return u->to_user();
}

// ---- keys ---------------------------------------------------------------------

Status AuthServiceImpl::rotate_signing_key() {
  const int64_t keep_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(opt_.jwt.access_ttl + opt_.jwt.leeway).count();
  SB_ASSIGN(std::string kid, key_store_->rotate(now() + keep_ms));
  spdlog::info("identity: signing key rotated, new kid {}", kid);
  return reload_keys();
}

Status AuthServiceImpl::reload_keys() { return key_store_->load(ring_); }

void AuthServiceImpl::apply_event(const events::Event& e) {
  if (e.source != kIdentitySource) return;
  if (e.type == "session.revoked") {
    boost::system::error_code ec;
    auto v = boost::json::parse(e.data_json, ec);
    if (ec || !v.is_object()) return;
    const auto* sid = v.as_object().if_contains("session_id");
    if (sid && sid->is_string()) deny_sessions({std::string(sid->as_string())});
  } else if (e.type == "identity.key_rotated") {
    if (Status s = reload_keys(); !s) spdlog::warn("identity: reloading signing keys failed: {}", s.to_string());
  }
}

void AuthServiceImpl::deny_sessions(const std::vector<std::string>& session_ids) {
  if (session_ids.empty()) return;
  const int64_t t = now();
  // An access token of the session lives at most this long after revocation.
  const int64_t until =
      t + std::chrono::duration_cast<std::chrono::milliseconds>(opt_.jwt.access_ttl + opt_.jwt.leeway).count();
  std::lock_guard lock(deny_mu_);
  auto next = std::make_shared<DeniedSessions>();
  for (const auto& [sid, expiry] : *denied_.load())
    if (expiry >= t) next->emplace(sid, expiry);
  for (const auto& sid : session_ids) (*next)[sid] = until;
  denied_.store(std::move(next));
}

bool AuthServiceImpl::session_revoked(const std::string& session_id) const {
  auto denied = denied_.load(std::memory_order_acquire);
  if (denied->empty()) return false;
  auto it = denied->find(session_id);
  return it != denied->end() && it->second >= now();
}

Status AuthServiceImpl::load_revoked_sessions() {
  const int64_t window =
      std::chrono::duration_cast<std::chrono::milliseconds>(opt_.jwt.access_ttl + opt_.jwt.leeway).count();
  std::vector<std::string> ids;
  std::vector<int64_t> revoked_at;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT id, revoked_at FROM sessions WHERE revoked_at > $1", {now() - window}));
    for (auto& r : rows) {
      ids.push_back(r.text_at(0));
      revoked_at.push_back(r.int_at(1));
    }
    return {};
  }));
  auto next = std::make_shared<DeniedSessions>();
  for (size_t i = 0; i < ids.size(); ++i) next->emplace(ids[i], revoked_at[i] + window);
  std::lock_guard lock(deny_mu_);
  denied_.store(std::move(next));
  return {};
}

// ---- notifications ---------------------------------------------------------------

void AuthServiceImpl::notify_sms(const std::string& to, const std::string& body) {
  // The caller's answer must not depend on delivery (it would reveal the
  // account); a failed send is logged without the message.
  if (Status s = notifier_.send_sms(to, body); !s) spdlog::warn("identity: sms send failed: {}", s.to_string());
}

void AuthServiceImpl::notify_email(const std::string& to, const std::string& subject, const std::string& text) {
  if (Status s = notifier_.send_email(to, subject, text); !s)
    spdlog::warn("identity: email send failed: {}", s.to_string());
}

}  // namespace sb::identity
