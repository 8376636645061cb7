// identity::AuthService — accounts, sessions and every way to sign in:
// password, phone OTP, email verification, password reset, TOTP MFA with
// recovery codes, access tokens (JWT) and rotating refresh tokens.
//
// Persistence is the Db (tables from migrations/0004_identity.sql). Every
// state change appends its event (user.registered, user.login, session.revoked,
// …; source "/switchboard/identity", subject = user id) in the same
// transaction, and no payload ever carries a password, code, token or secret.
//
// Methods block (Argon2id, Db writes, provider sends through Notifier): call
// them from a blocking pool, never from an io thread. Answers never reveal
// whether an account exists: unknown and known emails/phones get the same
// Status and the same work (PasswordHasher::verify_dummy).
//
// Per-account brute-force protection lives here (it must hold across
// instances, so it is in the Db): each failed password login or wrong second
// factor pushes the account's next allowed attempt out (none after the first
// failure, then base * 2^(failures-2), capped), and `lockout_threshold`
// failures lock password login for `lockout_ms`. Only a completed sign-in
// (password alone, or password + second factor) clears the count. The lock
// never blocks phone OTP or password reset, so an attacker cannot lock a
// victim out of recovering the account; a successful reset clears it.
// Per-IP / per-phone request rates are the HTTP layer's RateLimiter.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "identity/jwt.h"
#include "identity/one_time_code.h"
#include "identity/passwords.h"
#include "identity/signing_keys.h"
#include "identity/templates.h"
#include "identity/totp.h"

namespace sb::store { class Db; class Tx; }
namespace sb::events { class EventLog; struct Event; }

namespace sb::identity {

// How codes and links reach a user. App adapts providers::Messaging; tests
// use the real console/SMTP providers or a recorder. Implementations may
// queue and return at once (so a send's latency cannot reveal an account).
class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual Status send_sms(const std::string& to_e164, const std::string& body) = 0;
  virtual Status send_email(const std::string& to, const std::string& subject, const std::string& text) = 0;
};

// What identity needs from access control, wired by App (identity does not
// depend on access/).
struct AccessHooks {
  // In the registering transaction: grant the default role(s).
  std::function<Status(store::Tx&, const std::string& user_id)> on_user_created;
  // Role names for the `roles` claim.
  std::function<Result<std::vector<std::string>>(const std::string& user_id)> roles_of;
};

struct AuthOptions {
  JwtOptions jwt;                                  // issuer, audience, access TTL, leeway
  int64_t refresh_ttl_ms = 30LL * 24 * 3600 * 1000;  // a session (refresh family) lives this long idle
  PasswordHashParams password_hash;
  PasswordPolicy password_policy;
  OtpPolicy otp;                  // phone OTP: length, TTL, attempts, resend cooldown
  bool otp_login = true;          // otp/verify issues tokens (false: only marks the phone verified)
  bool phone_signup = true;       // otp/verify creates the account on first verification
  int64_t email_verify_ttl_ms = 24LL * 3600 * 1000;
  int64_t password_reset_ttl_ms = 30LL * 60 * 1000;
  std::string public_url = "http://127.0.0.1:8080";  // base of links in emails
  std::string product_name = "Switchboard";         // email subjects, TOTP issuer
  TotpParams totp;
  int64_t mfa_token_ttl_ms = 5LL * 60 * 1000;        // login → second factor
  int lockout_threshold = 10;                         // failed password logins before the lock
  int64_t lockout_ms = 15LL * 60 * 1000;
  int64_t failure_delay_base_ms = 1000;               // after the 2nd failure; doubles per failure
  int64_t failure_delay_max_ms = 60'000;
  // Texts of the SMS and emails; placeholders and their rules: templates.h.
  struct Templates {
    std::string otp_sms = kDefaultOtpSms;                          // needs {code}
    std::string verify_email_subject = kDefaultVerifyEmailSubject;
    std::string verify_email_text = kDefaultVerifyEmailText;        // needs {link} or {token}
    std::string reset_email_subject = kDefaultResetEmailSubject;
    std::string reset_email_text = kDefaultResetEmailText;          // needs {link} or {token}
  };
  Templates templates;
  // 32 bytes: encrypts signing keys and TOTP secrets at rest, and peppers
  // OTP/recovery code hashes. Required.
  std::string master_key;
};

struct ClientInfo {
  std::string ip;
  std::string user_agent;
  std::string user_id;  // the signed-in caller (from a valid access token), empty if anonymous
};

struct User {
  std::string id;  // UUIDv7
  std::string email;  // lower-cased; empty if none
  std::string phone;  // E.164; empty if none
  bool email_verified = false;
  bool phone_verified = false;
  bool mfa_enabled = false;
  bool has_password = false;
  int64_t created_at_ms = 0;
};

struct Tokens {
  std::string access_token;
  std::string refresh_token;
  std::string token_type = "Bearer";
  int64_t expires_in = 0;  // seconds, of the access token
  std::string session_id;
};

// A sign-in either completes (tokens) or asks for the second factor.
struct SignIn {
  std::optional<Tokens> tokens;
  bool mfa_required = false;
  std::string mfa_token;  // opaque, single-use, mfa_token_ttl_ms
  std::string user_id;
};

struct RegisterInput {
  std::string email;     // email and/or phone required
  std::string phone;
  std::string password;  // required
};

struct TotpEnrollment {
  std::string secret_base32;
  std::string otpauth_uri;
};

// The form of an email or phone the service keys accounts by (trimmed, an
// email lower-cased), for limits kept outside the service: per-account rate
// limits must count " Ada@x.com" and "ada@x.com" as one account. Malformed
// input is trimmed and lower-cased all the same.
std::string account_key(std::string_view email_or_phone);

class AuthService {
 public:
  // `db`, `log`, `clock`, `notifier` must outlive the service. Validates the
  // options (InvalidArgument naming the field) and loads or creates the
  // signing key ring.
  static Result<std::unique_ptr<AuthService>> create(store::Db& db, events::EventLog& log, const Clock& clock,
                                                     Notifier& notifier, AccessHooks hooks, AuthOptions options);
  virtual ~AuthService() = default;

  // --- accounts and sessions -------------------------------------------------
  // 201 path. InvalidArgument naming /email, /phone or /password; AlreadyExists
  // is NOT returned for a taken email/phone (that would reveal the account):
  // Conflict with a generic message instead, documented in security.md.
  // Sends the email verification link when an email is given.
  virtual Result<User> register_user(const RegisterInput& in, const ClientInfo& client) = 0;
  // Exactly one of email/phone. Unauthenticated "invalid credentials" for any
  // wrong pair; ResourceExhausted ("retry after N s") while the account's delay
  // or lock runs.
  virtual Result<SignIn> login(const std::string& email, const std::string& phone, const std::string& password,
                               const ClientInfo& client) = 0;
  // Rotates: the presented token dies, a new pair is returned. A dead (already
  // rotated) token revokes the whole session and is Unauthenticated.
  virtual Result<Tokens> refresh(const std::string& refresh_token, const ClientInfo& client) = 0;
  virtual Status logout(const std::string& user_id, const std::string& session_id) = 0;
  virtual Status logout_all(const std::string& user_id) = 0;
  virtual Result<User> get_user(const std::string& user_id) = 0;
  virtual Result<User> find_user(const std::string& email, const std::string& phone) = 0;
  // Operator path (CLI `user create`): no policy bypass, no email sent.
  virtual Result<User> create_user(const RegisterInput& in) = 0;
  // True while the session is live: neither revoked nor expired (checked
  // against the Db).
  virtual Result<bool> session_active(const std::string& session_id) = 0;

  // --- phone OTP ---------------------------------------------------------------
  // ResourceExhausted during the resend cooldown (message carries seconds).
  virtual Status otp_send(const std::string& phone, const ClientInfo& client) = 0;
  // SignIn with tokens (otp_login) or without (verification only).
  // Unauthenticated for a wrong/expired/used code; ResourceExhausted once the
  // code's attempts are used up.
  //
  // Only a VERIFIED phone signs in to its account. A phone someone typed at
  // registration is a claim, not proof: verifying it needs that account
  // signed in (client.user_id). An anonymous verification of a phone that an
  // account holds unverified takes the phone away from that account (the
  // code proves the caller owns the number) and signs up a new account for
  // the caller if phone sign-up is on — so registering with someone else's
  // number never leads them into an account another person controls.
  virtual Result<SignIn> otp_verify(const std::string& phone, const std::string& code, const ClientInfo& client) = 0;

  // --- email verification and password reset -----------------------------------
  virtual Status send_email_verification(const std::string& user_id) = 0;
  virtual Result<User> verify_email(const std::string& token) = 0;
  // Always OK for a well-formed email, known or not.
  virtual Status forgot_password(const std::string& email, const ClientInfo& client) = 0;
  // Sets the password (policy applies), revokes every session, clears the lock.
  virtual Status reset_password(const std::string& token, const std::string& new_password) = 0;

  // --- MFA -------------------------------------------------------------------
  virtual Result<TotpEnrollment> totp_enroll(const std::string& user_id) = 0;
  // First code from the app; enables MFA and returns the recovery codes.
  virtual Result<std::vector<std::string>> totp_confirm(const std::string& user_id, const std::string& code) = 0;
  // Completes a login: exactly one of code / recovery_code.
  virtual Result<Tokens> mfa_verify(const std::string& mfa_token, const std::string& code,
                                    const std::string& recovery_code, const ClientInfo& client) = 0;
  // Requires a current TOTP or recovery code (`code`), like totp_disable: a
  // stolen access token alone must not mint second factors.
  virtual Result<std::vector<std::string>> regenerate_recovery_codes(const std::string& user_id,
                                                                     const std::string& code) = 0;
  // Requires a current TOTP or recovery code, so a stolen access token alone
  // cannot remove the second factor.
  virtual Status totp_disable(const std::string& user_id, const std::string& code) = 0;

  // --- keys --------------------------------------------------------------------
  virtual const KeyRing& keys() const = 0;
  virtual const JwtVerifier& verifier() const = 0;
  // New signing key; the previous one verifies until its tokens expire.
  virtual Status rotate_signing_key() = 0;
  // Re-reads the ring from the Db (another instance rotated).
  virtual Status reload_keys() = 0;
  // Applies identity events from any instance (session.revoked → denylist,
  // identity.key_rotated → reload_keys). Cheap; call from a LiveFeed.
  virtual void apply_event(const events::Event& e) = 0;
  // Access tokens of a session revoked (on any instance) stop working before
  // they expire: the authenticator asks this on every request. In-memory.
  virtual bool session_revoked(const std::string& session_id) const = 0;

  // --- housekeeping ------------------------------------------------------------
  // Deletes rows that can never be used again, in batches of at most 1000 per
  // statement (each its own short write transaction): OTP codes expired or
  // consumed once their resend cooldown is over; MFA challenges and email
  // link tokens expired or used; refresh tokens of revoked or expired
  // sessions; and sessions revoked, or expired, longer ago than the access
  // token lifetime + leeway (until then a restart must still deny their
  // access tokens, see session_revoked). Returns the number of rows deleted.
  // Safe to run on several instances at once, and concurrently with traffic.
  virtual Result<int64_t> purge_expired() = 0;
};

}  // namespace sb::identity
