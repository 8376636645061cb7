// Single-use links sent by email: address verification and password reset.
// Tokens are 256-bit random, stored as SHA-256 (a fast hash is enough for
// that much entropy), bound to the address they were sent to.
#include <algorithm>

#include "core/crypto.h"
#include "events/event_log.h"
#include "identity/auth_service_impl.h"
#include "identity/identity_events.h"
#include "identity/templates.h"
#include "store/db.h"

namespace sb::identity {

namespace {

constexpr const char* kEmailVerify = "email_verify";
constexpr const char* kPasswordReset = "password_reset";

Status invalid_token() { return Status::unauthenticated("invalid or expired token"); }

std::string link(const std::string& base, const std::string& path, const std::string& token) {
  std::string b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b + path + "?token=" + token;  // base64url: safe in a query as is
}

struct LinkToken {
  std::string user_id;
  std::string email;
};

// The unused, unexpired token of `kind`, or nullopt.
Result<std::optional<LinkToken>> find_link_token(store::Tx& tx, const std::string& hash, const char* kind,
                                                 int64_t now_ms) {
  SB_ASSIGN(auto rows, tx.query("SELECT user_id, email FROM verification_tokens "
                                "WHERE token_hash = $1 AND kind = $2 AND used_at IS NULL AND expires_at > $3",
                                {hash, std::string(kind), now_ms}));
  if (rows.empty()) return std::optional<LinkToken>();
  return std::optional<LinkToken>(LinkToken{rows[0].text_at(0), rows[0].text_at(1)});
}

// Marks the token used; false when another request used it first.
Result<bool> claim_link_token(store::Tx& tx, const std::string& hash, int64_t now_ms) {
  SB_ASSIGN(int64_t n, tx.exec("UPDATE verification_tokens SET used_at = $2 "
                               "WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
                               {hash, now_ms}));
  return n == 1;
}

}  // namespace

Result<std::string> AuthServiceImpl::create_link_token(store::Tx& tx, const std::string& kind,
                                                       const std::string& user_id, const std::string& email,
                                                       int64_t ttl_ms) {
  std::string token = crypto::random_token(32);
  SB_TRY(tx.exec("INSERT INTO verification_tokens (token_hash, kind, user_id, email, created_at, expires_at) "
                 "VALUES ($1, $2, $3, $4, $5, $6)",
                 {crypto::sha256_hex(token), kind, user_id, email, now(), now() + ttl_ms}));
  return token;
}

void AuthServiceImpl::send_verification_email(const std::string& email, const std::string& token) {
  send_link_email(email, opt_.templates.verify_email_subject, opt_.templates.verify_email_text, "/verify-email",
                  token, opt_.email_verify_ttl_ms);
}

void AuthServiceImpl::send_link_email(const std::string& email, const std::string& subject_template,
                                      const std::string& text_template, const std::string& path,
                                      const std::string& token, int64_t ttl_ms) {
  const std::string minutes = std::to_string(std::max<int64_t>(1, ttl_ms / 60000));
  const std::string expires = duration_text(ttl_ms);
  // No secret in the subject (see templates.h).
  std::string subject = render_template(
      subject_template, {{"product", opt_.product_name}, {"minutes", minutes}, {"expires", expires}});
  std::string text = render_template(text_template, {{"link", link(opt_.public_url, path, token)},
                                                     {"token", token},
                                                     {"product", opt_.product_name},
                                                     {"minutes", minutes},
                                                     {"expires", expires}});
  notify_email(email, subject, text);
}

Status AuthServiceImpl::send_email_verification(const std::string& user_id) {
  std::string token, email;
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    token.clear();
    SB_ASSIGN(auto user, identity::find_user(tx, UserKey::kId, user_id));
    if (!user) return Status::not_found("user not found");
    if (user->email.empty()) return Status::invalid("/email", "the account has no email address");
    if (user->email_verified_at) return Status::conflict("the email address is already verified");
    email = user->email;
    SB_ASSIGN(token, create_link_token(tx, kEmailVerify, user->id, user->email, opt_.email_verify_ttl_ms));
    return {};
  }));
  send_verification_email(email, token);
  return {};
}

Result<User> AuthServiceImpl::verify_email(const std::string& token) {
  if (token.empty()) return Status::invalid("/token", "is required");
  const std::string hash = crypto::sha256_hex(token);
  User result;
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    const int64_t t = now();
    SB_ASSIGN(auto found, find_link_token(tx, hash, kEmailVerify, t));
    if (!found) return invalid_token();
    SB_ASSIGN(bool claimed, claim_link_token(tx, hash, t));
    if (!claimed) return invalid_token();
    SB_ASSIGN(auto user, identity::find_user(tx, UserKey::kId, found->user_id));
    // The address changed since the link was sent: it proves nothing now.
    if (!user || user->email != found->email) return invalid_token();
    if (!user->email_verified_at) {
      SB_TRY(tx.exec("UPDATE users SET email_verified_at = $2, updated_at = $2 WHERE id = $1", {user->id, t}));
      SB_TRY(log_.append(tx, kUserEmailVerified.make(clock_, user->id,
                                            {{"user_id", user->id}, {"email", user->email}})));
      user->email_verified_at = t;
    }
    result = user->to_user();
    return {};
  }));
  return result;
}

Status AuthServiceImpl::forgot_password(const std::string& email, const ClientInfo&) {
  SB_ASSIGN(std::string address, normalize_email(email));
  std::string token;
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    token.clear();
    SB_ASSIGN(auto user, identity::find_user(tx, UserKey::kEmail, address));
    if (!user) return {};  // same answer as a known address
    SB_ASSIGN(token, create_link_token(tx, kPasswordReset, user->id, address, opt_.password_reset_ttl_ms));
    return {};
  }));
  if (token.empty()) return {};
  send_link_email(address, opt_.templates.reset_email_subject, opt_.templates.reset_email_text, "/reset-password",
                  token, opt_.password_reset_ttl_ms);
  return {};
}

Status AuthServiceImpl::reset_password(const std::string& token, const std::string& new_password) {
  if (token.empty()) return Status::invalid("/token", "is required");
  if (new_password.empty()) return Status::invalid("/password", "is required");
  const std::string hash = crypto::sha256_hex(token);
  std::optional<LinkToken> found;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(found, find_link_token(tx, hash, kPasswordReset, now()));
    return {};
  }));
  if (!found) return invalid_token();
  // Policy first: a rejected password leaves the token usable for another try.
  SB_TRY(check_password_policy(new_password, opt_.password_policy, found->email));
  SB_ASSIGN(std::string password_hash, passwords_->hash(new_password));
  std::vector<std::string> revoked;
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    revoked.clear();
    const int64_t t = now();
    SB_ASSIGN(bool claimed, claim_link_token(tx, hash, t));
    if (!claimed) return invalid_token();
    SB_ASSIGN(auto user, identity::find_user(tx, UserKey::kId, found->user_id));
    if (!user || user->email != found->email) return invalid_token();
    // Any other reset link still out there dies with this one.
    SB_TRY(tx.exec("UPDATE verification_tokens SET used_at = $2 "
                   "WHERE user_id = $1 AND kind = 'password_reset' AND used_at IS NULL",
                   {user->id, t}));
    SB_TRY(tx.exec("UPDATE users SET password_hash = $2, failed_logins = 0, next_login_at = 0, locked_until = 0, "
                   "updated_at = $3 WHERE id = $1",
                   {user->id, password_hash, t}));
    std::vector<events::Event> evs;
    if (!user->email_verified_at) {
      // Following the link proved the address.
      SB_TRY(tx.exec("UPDATE users SET email_verified_at = $2 WHERE id = $1", {user->id, t}));
      evs.push_back(kUserEmailVerified.make(clock_, user->id,
                                   {{"user_id", user->id}, {"email", user->email}}));
    }
    SB_ASSIGN(revoked, revoke_sessions(tx, user->id, "", "password_reset"));
    evs.push_back(kUserPasswordReset.make(clock_, user->id,
                                 {{"user_id", user->id}, {"sessions_revoked", static_cast<int64_t>(revoked.size())}}));
    return log_.append(tx, std::move(evs)).status();
  }));
  deny_sessions(revoked);
  return {};
}

}  // namespace sb::identity
