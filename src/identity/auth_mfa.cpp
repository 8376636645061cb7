// TOTP second factor: enrollment, confirmation, recovery codes, completing a
// sign-in with the second factor, and disabling it.
#include <algorithm>

#include "core/crypto.h"
#include "events/event_log.h"
#include "identity/auth_service_impl.h"
#include "identity/identity_events.h"
#include "store/db.h"

namespace sb::identity {

namespace {

std::string totp_context(const std::string& user_id) { return "totp:" + user_id; }
std::string recovery_context(const std::string& user_id) { return "recovery:" + user_id; }

Status invalid_mfa_token() { return Status::unauthenticated("invalid or expired MFA token"); }

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void add_unique(std::vector<std::string>& amr, const std::string& v) {
  if (std::find(amr.begin(), amr.end(), v) == amr.end()) amr.push_back(v);
}

}  // namespace

Result<TotpEnrollment> AuthServiceImpl::totp_enroll(const std::string& user_id) {
  const std::string secret = generate_totp_secret();
  std::string account;
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto user, identity::find_user(tx, UserKey::kId, user_id));
    if (!user) return Status::not_found("user not found");
    if (user->mfa_enabled) return Status::conflict("two-factor authentication is already enabled");
    account = !user->email.empty() ? user->email : !user->phone.empty() ? user->phone : user->id;
    // A new enrollment replaces a pending one (the user rescanned).
    return tx
        .exec("INSERT INTO mfa_totp (user_id, secret, created_at) VALUES ($1, $2, $3) "
              "ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, "
              "confirmed_at = NULL, last_used_step = NULL",
              {user_id, box_->seal(secret, totp_context(user_id)), now()})
        .status();
  }));
  TotpEnrollment e;
  e.secret_base32 = base32_encode(secret);
  e.otpauth_uri = totp_provisioning_uri(opt_.product_name, account, secret, opt_.totp);
  return e;
}

Result<std::vector<std::string>> AuthServiceImpl::totp_confirm(const std::string& user_id, const std::string& code) {
  if (code.empty()) return Status::invalid("/code", "is required");
  std::vector<std::string> codes;
  Status outcome;
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    codes.clear();
    outcome = {};
    SB_ASSIGN(auto rows, tx.query("SELECT secret, confirmed_at, last_used_step FROM mfa_totp WHERE user_id = $1",
                                  {user_id}));
    if (rows.empty() || !rows[0].is_null(1))
      return Status::conflict("no pending authenticator enrollment; enroll first");
    SB_TRY(lock_unthrottled(tx, user_id));
    SB_ASSIGN(std::string secret, box_->open(rows[0].text_at(0), totp_context(user_id)));
    std::optional<int64_t> last;
    if (!rows[0].is_null(2)) last = rows[0].int_at(2);
    auto step = totp_->verify(secret, code, last);
    if (!step.ok()) {
      if (step.status().code() != Code::kUnauthenticated) return step.status();  // malformed: not counted
      // Counted like a wrong second factor at sign-in.
      SB_TRY(record_failure(tx, user_id, "totp_confirm"));
      outcome = Status::unauthenticated("invalid code");
      return {};
    }
    SB_ASSIGN(int64_t n, tx.exec("UPDATE mfa_totp SET confirmed_at = $2, last_used_step = $3 "
                                 "WHERE user_id = $1 AND confirmed_at IS NULL",
                                 {user_id, now(), *step}));
    if (n == 0) return Status::conflict("no pending authenticator enrollment; enroll first");
    SB_TRY(tx.exec("UPDATE users SET mfa_enabled = 1, updated_at = $2 WHERE id = $1", {user_id, now()}));
    SB_ASSIGN(codes, replace_recovery_codes(tx, user_id));
    return log_.append(tx, kUserMfaEnabled.make(clock_, user_id,
                                          {{"user_id", user_id}, {"method", "totp"}}))
        .status();
  }));
  SB_TRY(outcome);
  return codes;
}

Result<std::vector<std::string>> AuthServiceImpl::replace_recovery_codes(store::Tx& tx, const std::string& user_id) {
  RecoveryCodeSet set = generate_recovery_codes(*codes_, recovery_context(user_id));
  SB_TRY(tx.exec("DELETE FROM recovery_codes WHERE user_id = $1", {user_id}));
  for (size_t i = 0; i < set.stored.size(); ++i)
    SB_TRY(tx.exec("INSERT INTO recovery_codes (user_id, idx, code_hash) VALUES ($1, $2, $3)",
                   {user_id, static_cast<int64_t>(i), set.stored[i].hash}));
  return std::move(set.codes);
}

Result<std::vector<std::string>> AuthServiceImpl::regenerate_recovery_codes(const std::string& user_id,
                                                                            const std::string& code) {
  if (code.empty()) return Status::invalid("/code", "is required");
  std::vector<std::string> codes;
  Status outcome;
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    codes.clear();
    outcome = {};
    SB_TRY(require_second_factor(tx, user_id, code, "recovery_codes", outcome));
    if (!outcome) return {};  // commits the counted failure
    SB_ASSIGN(codes, replace_recovery_codes(tx, user_id));
    return {};
  }));
  SB_TRY(outcome);
  return codes;
}

Status AuthServiceImpl::require_second_factor(store::Tx& tx, const std::string& user_id, const std::string& code,
                                              const std::string& reason, Status& failed) {
  failed = {};
  SB_ASSIGN(auto user, identity::find_user(tx, UserKey::kId, user_id));
  if (!user) return Status::not_found("user not found");
  if (!user->mfa_enabled) return Status::conflict("two-factor authentication is not enabled");
  SB_TRY(lock_unthrottled(tx, user_id));
  const bool is_totp = all_digits(code) && code.size() == static_cast<size_t>(opt_.totp.digits);
  auto factor = use_second_factor(tx, user_id, is_totp ? code : "", is_totp ? "" : code);
  if (factor.ok()) return {};
  if (factor.status().code() != Code::kUnauthenticated) return factor.status();  // malformed: not counted
  SB_TRY(record_failure(tx, user_id, reason));
  failed = Status::unauthenticated("invalid code");
  return {};
}

Result<std::vector<std::string>> AuthServiceImpl::use_second_factor(store::Tx& tx, const std::string& user_id,
                                                                    const std::string& code,
                                                                    const std::string& recovery_code) {
  if (!code.empty()) {
    SB_ASSIGN(auto rows, tx.query("SELECT secret, last_used_step FROM mfa_totp "
                                  "WHERE user_id = $1 AND confirmed_at IS NOT NULL",
                                  {user_id}));
    if (rows.empty()) return Status::unauthenticated("invalid code");
    SB_ASSIGN(std::string secret, box_->open(rows[0].text_at(0), totp_context(user_id)));
    std::optional<int64_t> last;
    if (!rows[0].is_null(1)) last = rows[0].int_at(1);
    // Persisting the step makes this code (and older ones in the window) single-use.
    SB_ASSIGN(int64_t step, totp_->verify(secret, code, last));
    // Conditional on what was read: of two concurrent uses of one code only
    // the first moves the step (READ COMMITTED re-checks after the row lock).
    SB_ASSIGN(int64_t n, tx.exec("UPDATE mfa_totp SET last_used_step = $2 WHERE user_id = $1 "
                                 "AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < $2)",
                                 {user_id, step}));
    if (n == 0) return Status::unauthenticated("code already used");
    return std::vector<std::string>{"otp"};
  }
  SB_ASSIGN(auto rows, tx.query("SELECT idx, code_hash, used_at FROM recovery_codes WHERE user_id = $1 ORDER BY idx",
                                {user_id}));
  std::vector<StoredRecoveryCode> stored;
  for (const auto& r : rows) {
    StoredRecoveryCode c;
    c.hash = r.text_at(1);
    if (!r.is_null(2)) c.used_at_ms = r.int_at(2);
    stored.push_back(std::move(c));
  }
  SB_ASSIGN(size_t i, redeem_recovery_code(*codes_, recovery_context(user_id), recovery_code, stored, now()));
  SB_ASSIGN(int64_t n, tx.exec("UPDATE recovery_codes SET used_at = $3 "
                               "WHERE user_id = $1 AND idx = $2 AND code_hash = $4 AND used_at IS NULL",
                               {user_id, rows[i].int_at(0), now(), rows[i].text_at(1)}));
  if (n == 0) return Status::unauthenticated("recovery code already used");
  return std::vector<std::string>{};
}

Result<Tokens> AuthServiceImpl::mfa_verify(const std::string& mfa_token, const std::string& code,
                                           const std::string& recovery_code, const ClientInfo& client) {
  if (code.empty() == recovery_code.empty())
    return Status::invalid("/code", "give exactly one of code or recovery_code");
  if (mfa_token.empty()) return invalid_mfa_token();
  const std::string hash = crypto::sha256_hex(mfa_token);
  Status outcome;
  OpenedSession session;
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    outcome = {};
    session = {};
    const int64_t t = now();
    // Check and count the attempt in one statement, so concurrent guesses
    // on one mfa_token cannot exceed kMfaMaxAttempts. Rolled back (not
    // counted) when the attempt is refused before the code is compared.
    SB_ASSIGN(auto rows, tx.query("UPDATE mfa_challenges SET attempts = attempts + 1 "
                                  "WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 AND attempts < $3 "
                                  "RETURNING user_id, amr",
                                  {hash, t, int64_t{kMfaMaxAttempts}}));
    if (rows.empty()) {
      outcome = invalid_mfa_token();
      return {};
    }
    const std::string user_id = rows[0].text_at(0);
    std::vector<std::string> amr = split_amr(rows[0].text_at(1));
    SB_ASSIGN(auto user, identity::find_user(tx, UserKey::kId, user_id));
    if (!user || !user->mfa_enabled) return invalid_mfa_token();
    // Throttled: refused without counting (rolled back).
    SB_TRY(lock_unthrottled(tx, user_id));
    auto factor = use_second_factor(tx, user_id, code, recovery_code);
    if (!factor.ok()) {
      // Malformed code: no attempt counted (rolled back).
      if (factor.status().code() != Code::kUnauthenticated) return factor.status();
      // A wrong second factor counts like a wrong password, so that knowing
      // the password does not buy unlimited guesses at the code.
      SB_TRY(record_failure(tx, user_id, "mfa"));
      outcome = Status::unauthenticated("invalid code");
      return {};
    }
    SB_ASSIGN(int64_t claimed, tx.exec("UPDATE mfa_challenges SET used_at = $2 "
                                       "WHERE token_hash = $1 AND used_at IS NULL",
                                       {hash, t}));
    if (claimed == 0) return invalid_mfa_token();  // raced with another verify; roll back
    SB_TRY(clear_login_failures(tx, user_id, t));
    add_unique(amr, "mfa");
    for (const auto& a : *factor) add_unique(amr, a);
    SB_ASSIGN(session, open_session(tx, user_id, amr, client, "mfa"));
    return {};
  }));
  SB_TRY(outcome);
  return issue_tokens(session);
}

Status AuthServiceImpl::totp_disable(const std::string& user_id, const std::string& code) {
  if (code.empty()) return Status::invalid("/code", "is required");
  const bool is_totp = all_digits(code) && code.size() == static_cast<size_t>(opt_.totp.digits);
  Status outcome;
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    outcome = {};
    SB_TRY(require_second_factor(tx, user_id, code, "totp_disable", outcome));
    if (!outcome) return {};  // commits the counted failure
    SB_TRY(tx.exec("DELETE FROM mfa_totp WHERE user_id = $1", {user_id}));
    SB_TRY(tx.exec("DELETE FROM recovery_codes WHERE user_id = $1", {user_id}));
    SB_TRY(tx.exec("UPDATE users SET mfa_enabled = 0, updated_at = $2 WHERE id = $1", {user_id, now()}));
    return log_.append(tx, kUserMfaDisabled.make(clock_, user_id,
                                          {{"user_id", user_id},
                                           {"method", is_totp ? "totp" : "recovery_code"}}))
        .status();
  }));
  return outcome;
}

}  // namespace sb::identity
