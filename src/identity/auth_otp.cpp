// Phone OTP: send a code by SMS, verify it (marks the phone verified, signs
// in, or creates a passwordless account on first verification).
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
      outcome = Status::unauthenticated("invalid or expired code");
      return {};
    }
    OtpOutcome r = otp_->verify(context, code, *state);
    if (r == OtpOutcome::kMalformed) {
      outcome = to_status(r);
      return {};
    }
    // Persisted whatever the outcome, or the attempt limit would be void.
    SB_TRY(tx.exec("UPDATE otp_codes SET attempts = $2, consumed = $3 WHERE context = $1",
                   {context, int64_t{state->attempts}, int64_t{state->consumed ? 1 : 0}}));
    if (r != OtpOutcome::kAccepted) {
      outcome = r == OtpOutcome::kAttemptsExhausted
                    ? Status::exhausted("too many wrong codes; request a new code")
                    : Status::unauthenticated("invalid or expired code");
      return {};
    }
    SB_ASSIGN(auto user, identity::find_user(tx, UserKey::kPhone, phone));
    if (!user) {
      if (!opt_.phone_signup) {
        outcome = Status::unauthenticated("no account uses this phone number");
        return {};
      }
      UserRow row;
      row.id = new_uuid_v7(clock_);
      row.phone = phone;
      row.phone_verified_at = t;
      row.created_at = t;
      SB_TRY(insert_user(tx, row));
      if (hooks_.on_user_created) SB_TRY(hooks_.on_user_created(tx, row.id));
      SB_TRY(log_.append(tx, std::vector<events::Event>{identity_event(clock_, "user.registered", row.id,
                                             {{"user_id", row.id}, {"method", "phone"}, {"phone", phone}}),
                              identity_event(clock_, "user.phone_verified", row.id,
                                             {{"user_id", row.id}, {"phone", phone}})}));
      user = std::move(row);
    } else if (!user->phone_verified_at) {
      SB_TRY(tx.exec("UPDATE users SET phone_verified_at = $2, updated_at = $2 WHERE id = $1", {user->id, t}));
      SB_TRY(log_.append(tx, identity_event(clock_, "user.phone_verified", user->id,
                                            {{"user_id", user->id}, {"phone", phone}})));
    }
    out.user_id = user->id;
    if (!opt_.otp_login) return {};
    if (user->mfa_enabled) {
      SB_ASSIGN(out.mfa_token, open_mfa_challenge(tx, user->id, {"otp"}));
      out.mfa_required = true;
      return {};
    }
    SB_ASSIGN(session, open_session(tx, user->id, {"otp"}, client, "otp"));
    signed_in = true;
    return {};
  }));
  SB_TRY(outcome);
  if (signed_in) {
    SB_ASSIGN(out.tokens, issue_tokens(session));
  }
  return out;
}

}  // namespace sb::identity
