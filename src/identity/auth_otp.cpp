// Phone OTP: send a code by SMS, verify it (signs in to the account whose
// phone is verified, creates a passwordless account on first verification,
// or, for a signed-in caller, verifies / adds the phone on their account).
//
// Every write to otp_codes is conditional on what was read (consumed = 0,
// attempts < max, the same code_hash) and 0 rows changed is a refusal: on
// PostgreSQL (READ COMMITTED, several writer connections) two verifications
// of one code can run at once, and only one may consume it; concurrent
// wrong guesses cannot count past max_attempts.
#include "core/ids.h"
#include "events/event_log.h"
#include "identity/auth_service_impl.h"
#include "identity/identity_events.h"
#include "identity/templates.h"
#include "store/db.h"

namespace sb::identity {

namespace {

std::string otp_context(const std::string& phone) { return "otp:" + phone; }

Result<std::optional<OtpState>> load_otp(store::Tx& tx, const std::string& context) {
  SB_ASSIGN(auto rows, tx.query("SELECT code_hash, issued_at, expires_at, attempts, consumed FROM otp_codes "
                                "WHERE context = $1",
                                {context}));
  if (rows.empty()) return std::optional<OtpState>();
  OtpState s;
  s.code_hash = rows[0].text_at(0);
  s.issued_ms = rows[0].int_at(1);
  s.expires_ms = rows[0].int_at(2);
  s.attempts = static_cast<int>(rows[0].int_at(3));
  s.consumed = rows[0].int_at(4) != 0;
  return std::optional<OtpState>(std::move(s));
}

Status invalid_code() { return Status::unauthenticated("invalid or expired code"); }

// The answer for a verification whose conditional write changed no row: the
// state moved under it (another verification consumed the code, or used up
// its attempts, or a new code replaced it).
Status lost_race(store::Tx& tx, const std::string& context, const std::string& code_hash, int64_t max_attempts,
                 Status& answer) {
  SB_ASSIGN(auto now_state, load_otp(tx, context));
  if (now_state && now_state->code_hash == code_hash && !now_state->consumed && now_state->attempts >= max_attempts)
    answer = Status::exhausted("too many wrong codes; request a new code");
  else
    answer = invalid_code();
  return {};
}

}  // namespace

Status AuthServiceImpl::otp_send(const std::string& phone, const ClientInfo&) {
  SB_TRY(check_e164(phone));
  const std::string context = otp_context(phone);
  std::string code;
  bool known = false;
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    code.clear();
    SB_ASSIGN(auto previous, load_otp(tx, context));
    SB_ASSIGN(IssuedOtp issued, otp_->issue(context, previous));
    SB_TRY(tx.exec("INSERT INTO otp_codes (context, code_hash, issued_at, expires_at, attempts, consumed) "
                   "VALUES ($1, $2, $3, $4, 0, 0) ON CONFLICT (context) DO UPDATE SET "
                   "code_hash = excluded.code_hash, issued_at = excluded.issued_at, "
                   "expires_at = excluded.expires_at, attempts = 0, consumed = 0",
                   {context, issued.state.code_hash, issued.state.issued_ms, issued.state.expires_ms}));
    SB_ASSIGN(auto user, identity::find_user(tx, UserKey::kPhone, phone));
    known = user.has_value();
    code = std::move(issued.code);
    return {};
  }));
  // Without sign-up an unknown number gets no SMS (it could never sign in),
  // but the same answer and the same stored state as a known one.
  if (known || opt_.phone_signup) {
    const int64_t minutes = std::max<int64_t>(1, opt_.otp.ttl_ms / 60000);
    notify_sms(phone, render_template(opt_.templates.otp_sms, {{"code", code},
                                                                {"product", opt_.product_name},
                                                                {"minutes", std::to_string(minutes)}}));
  }
  return {};
}

Result<SignIn> AuthServiceImpl::otp_verify(const std::string& phone, const std::string& code,
                                           const ClientInfo& client) {
  SB_TRY(check_e164(phone));
  if (code.empty()) return Status::invalid("/code", "is required");
  const std::string context = otp_context(phone);
  const int64_t max_attempts = otp_->policy().max_attempts;
  Status outcome;
  SignIn out;
  OpenedSession session;
  bool signed_in = false;
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    outcome = {};
    out = {};
    session = {};
    signed_in = false;
    const int64_t t = now();
    SB_ASSIGN(auto state, load_otp(tx, context));
    if (!state) {
      outcome = invalid_code();
      return {};
    }
    const std::string read_hash = state->code_hash;
    OtpOutcome r = otp_->verify(context, code, *state);
    if (r == OtpOutcome::kMalformed) {
      outcome = to_status(r);
      return {};
    }
    if (r == OtpOutcome::kWrongCode) {
      // Persisted (committed with the Unauthenticated answer), or the limit
      // would be void; counted only while attempts remain.
      SB_ASSIGN(int64_t n, tx.exec("UPDATE otp_codes SET attempts = attempts + 1 WHERE context = $1 "
                                   "AND code_hash = $2 AND consumed = 0 AND attempts < $3",
                                   {context, read_hash, max_attempts}));
      if (n == 0) {
        SB_TRY(lost_race(tx, context, read_hash, max_attempts, outcome));
      } else {
        outcome = invalid_code();
      }
      return {};
    }
    if (r != OtpOutcome::kAccepted) {
      outcome = r == OtpOutcome::kAttemptsExhausted ? Status::exhausted("too many wrong codes; request a new code")
                                                    : invalid_code();
      return {};
    }
    // Single use: of concurrent verifications of the code, one consumes it.
    SB_ASSIGN(int64_t consumed, tx.exec("UPDATE otp_codes SET consumed = 1 WHERE context = $1 AND code_hash = $2 "
                                        "AND consumed = 0 AND attempts < $3 AND expires_at > $4",
                                        {context, read_hash, max_attempts, t}));
    if (consumed == 0) {
      SB_TRY(lost_race(tx, context, read_hash, max_attempts, outcome));
      return {};
    }
    // The caller owns the number. Who it belongs to, and what it proves:
    SB_ASSIGN(auto holder, identity::find_user(tx, UserKey::kPhone, phone));
    if (!client.user_id.empty()) {
      // Signed in: verify or add the phone on the caller's own account. No
      // new tokens (or MFA): the caller already holds a session, and a short
      // access token must not mint a long-lived refresh token here.
      out.user_id = client.user_id;
      return attach_phone(tx, client.user_id, phone, holder, outcome);
    }
    if (holder && !holder->phone_verified_at) {
      // A number someone typed at registration, now proven by another
      // person: it leaves that account, and the caller continues as for an
      // unknown number, so nobody is led into an account another controls.
      SB_TRY(remove_unverified_phone(tx, *holder, phone, "verified_by_other"));
      holder.reset();
    }
    if (!holder) {
      if (!opt_.phone_signup) return {};  // verification only: {"verified": true}, no account
      UserRow row;
      row.id = new_uuid_v7(clock_);
      row.phone = phone;
      row.phone_verified_at = t;
      row.created_at = t;
      SB_TRY(insert_user(tx, row));
      if (hooks_.on_user_created) SB_TRY(hooks_.on_user_created(tx, row.id));
      SB_TRY(log_.append(tx, std::vector<events::Event>{kUserRegistered.make(clock_, row.id,
                                             {{"user_id", row.id}, {"method", "phone"}, {"phone", phone}}),
                              kUserPhoneVerified.make(clock_, row.id,
                                             {{"user_id", row.id}, {"phone", phone}})}));
      holder = std::move(row);
    }
    out.user_id = holder->id;
    if (!opt_.otp_login) return {};
    if (holder->mfa_enabled) {
      SB_ASSIGN(out.mfa_token, open_mfa_challenge(tx, holder->id, {"otp"}));
      out.mfa_required = true;
      return {};
    }
    SB_ASSIGN(session, open_session(tx, holder->id, {"otp"}, client, "otp"));
    signed_in = true;
    return {};
  }));
  SB_TRY(outcome);
  if (signed_in) {
    SB_ASSIGN(out.tokens, issue_tokens(session));
  }
  return out;
}

Status AuthServiceImpl::remove_unverified_phone(store::Tx& tx, const UserRow& holder, const std::string& phone,
                                                const std::string& reason) {
  SB_ASSIGN(int64_t n, tx.exec("UPDATE users SET phone = NULL, updated_at = $3 "
                               "WHERE id = $1 AND phone = $2 AND phone_verified_at IS NULL",
                               {holder.id, phone, now()}));
  // Changed since it was read (verified meanwhile): roll back, the caller retries.
  if (n == 0) return Status::unavailable("the account changed concurrently; retry");
  // The same fields user.registered and user.phone_verified carry.
  return log_.append(tx, kUserPhoneRemoved.make(clock_, holder.id,
                                        {{"user_id", holder.id}, {"phone", phone}, {"reason", reason}}))
      .status();
}

Status AuthServiceImpl::attach_phone(store::Tx& tx, const std::string& caller_id, const std::string& phone,
                                     const std::optional<UserRow>& holder, Status& outcome) {
  const int64_t t = now();
  if (holder && holder->id == caller_id) {
    if (holder->phone_verified_at) return {};  // already verified: nothing to do
    SB_TRY(tx.exec("UPDATE users SET phone_verified_at = $2, updated_at = $2 WHERE id = $1", {caller_id, t}));
    return log_.append(tx, kUserPhoneVerified.make(clock_, caller_id,
                                          {{"user_id", caller_id}, {"phone", phone}}))
        .status();
  }
  if (holder && holder->phone_verified_at) {
    // Another account proved this number first. Generic, like register's.
    outcome = Status::conflict("this phone number cannot be added to your account");
    return {};
  }
  SB_ASSIGN(auto caller, identity::find_user(tx, UserKey::kId, caller_id));
  if (!caller) return Status::not_found("user not found");  // rolled back: the code stays usable
  if (holder) SB_TRY(remove_unverified_phone(tx, *holder, phone, "verified_by_other"));
  std::vector<events::Event> evs;
  if (!caller->phone.empty())  // replaced by the number just proven
    evs.push_back(kUserPhoneRemoved.make(clock_, caller_id,
                                 {{"user_id", caller_id}, {"phone", caller->phone}, {"reason", "replaced"}}));
  evs.push_back(kUserPhoneVerified.make(clock_, caller_id, {{"user_id", caller_id}, {"phone", phone}}));
  SB_ASSIGN(int64_t n, tx.exec("UPDATE users SET phone = $2, phone_verified_at = $3, updated_at = $3 WHERE id = $1",
                               {caller_id, phone, t}));
  if (n == 0) return Status::not_found("user not found");
  return log_.append(tx, std::move(evs)).status();
}

}  // namespace sb::identity
