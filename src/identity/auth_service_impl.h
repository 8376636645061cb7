// AuthServiceImpl — the one AuthService implementation, internal to
// identity/. Its methods are split by concept across auth_service.cpp
// (construction, keys, accounts), auth_sessions.cpp (login, refresh, logout,
// brute-force counters), auth_otp.cpp, auth_verification.cpp (email links)
// auth_mfa.cpp (TOTP, recovery codes, second-factor sign-in) and
// auth_purge.cpp (deleting rows that can never be used again).
//
// Pattern used throughout: a Db write callback that must persist state even
// when the caller gets an error (OTP attempts, failed logins, refresh-token
// reuse) returns OK so the transaction commits, and hands the error out in
// `outcome`. Outputs of a callback are reset at its top so a re-run starts clean.
#pragma once

#include <map>
#include <memory>
#include <atomic>
#include <mutex>
#include <unordered_map>
#include <optional>
#include <string>
#include <vector>

#include "identity/auth_service.h"
#include "identity/key_store.h"
#include "identity/user_store.h"
#include "store/db.h"

namespace sb::identity {

inline constexpr int kMfaMaxAttempts = 5;  // wrong second factors per mfa_token
// How long a password attempt holds its account (known or not) while the
// password is being checked: concurrent attempts are refused ("retry after
// 5 s") meanwhile, so they cannot all be evaluated before the first failure
// is counted. The attempt's outcome replaces the hold at once; it only runs
// out by itself if the instance dies mid-check.
inline constexpr int64_t kAttemptHoldMs = 5000;

// A session opened inside a write transaction; tokens are issued after commit.
struct OpenedSession {
  std::string session_id;
  std::string refresh_token;  // plaintext, returned once
  std::string user_id;
  std::vector<std::string> amr;
  int64_t authenticated_at_ms = 0;  // when the user signed in (the session's start): `auth_time`
};

std::string join_amr(const std::vector<std::string>& amr);
std::vector<std::string> split_amr(const std::string& text);

class AuthServiceImpl final : public AuthService {
 public:
  AuthServiceImpl(store::Db& db, events::EventLog& log, const Clock& clock, Notifier& notifier, AccessHooks hooks,
                  AuthOptions options);
  Status init();  // hashers, policies, key ring

  Result<User> register_user(const RegisterInput& in, const ClientInfo& client) override;
  Result<SignIn> login(const std::string& email, const std::string& phone, const std::string& password,
                       const ClientInfo& client) override;
  Result<Tokens> refresh(const std::string& refresh_token, const ClientInfo& client) override;
  Status logout(const std::string& user_id, const std::string& session_id) override;
  Status logout_all(const std::string& user_id) override;
  Result<User> get_user(const std::string& user_id) override;
  Result<User> find_user(const std::string& email, const std::string& phone) override;
  Result<User> create_user(const RegisterInput& in) override;
  Result<bool> session_active(const std::string& session_id) override;

  Status otp_send(const std::string& phone, const ClientInfo& client) override;
  Result<SignIn> otp_verify(const std::string& phone, const std::string& code, const ClientInfo& client) override;

  Status send_email_verification(const std::string& user_id) override;
  Result<User> verify_email(const std::string& token) override;
  Status forgot_password(const std::string& email, const ClientInfo& client) override;
  Status reset_password(const std::string& token, const std::string& new_password) override;

  Result<TotpEnrollment> totp_enroll(const std::string& user_id) override;
  Result<std::vector<std::string>> totp_confirm(const std::string& user_id, const std::string& code) override;
  Result<Tokens> mfa_verify(const std::string& mfa_token, const std::string& code, const std::string& recovery_code,
                            const ClientInfo& client) override;
  Result<std::vector<std::string>> regenerate_recovery_codes(const std::string& user_id,
                                                             const std::string& code) override;
  Status totp_disable(const std::string& user_id, const std::string& code) override;

  const KeyRing& keys() const override { return ring_; }
  const JwtVerifier& verifier() const override { return verifier_; }
  Status rotate_signing_key() override;
  Status reload_keys() override;
  void apply_event(const events::Event& e) override;
  bool session_revoked(const std::string& session_id) const override;

  Result<int64_t> purge_expired() override;

 private:
  // --- accounts (auth_service.cpp)
  Result<User> create_account(const RegisterInput& in, const std::string& method, bool send_verification);

  // --- sessions (auth_sessions.cpp)
  // Inserts the session and its first refresh token, appends user.login.
  Result<OpenedSession> open_session(store::Tx& tx, const std::string& user_id, std::vector<std::string> amr,
                                     const ClientInfo& client, const std::string& method);
  // Roles lookup and JWT for a committed session.
  Result<Tokens> issue_tokens(const OpenedSession& s);
  // Inserts an mfa_challenges row; returns the plaintext mfa_token.
  Result<std::string> open_mfa_challenge(store::Tx& tx, const std::string& user_id,
                                         const std::vector<std::string>& amr);
  // ResourceExhausted "retry after N s" while the account's delay or lock runs.
  Status check_throttle(const UserRow& u) const;
  // Claims the next password attempt on the account before the password is
  // checked, in its own committed write: sets next_login_at to now +
  // kAttemptHoldMs if the delay and lock are over, else the throttle's
  // ResourceExhausted. The attempt's outcome (record_failure,
  // clear_login_failures or release_attempt) replaces the hold. Sets
  // `claimed_at` to the claim's time.
  Status claim_attempt(const std::string& user_id, int64_t& claimed_at);
  // Gives a claim back without counting anything (right password, second
  // factor still to come); a no-op if something else replaced it.
  Status release_attempt(store::Tx& tx, const std::string& user_id, int64_t claimed_at);
  // In a write: row-locks the account for the rest of the transaction if its
  // delay and lock are over (so concurrent second-factor checks on one
  // account run one after another and each sees the previous failure), else
  // the throttle's ResourceExhausted. NotFound without the row.
  Status lock_unthrottled(store::Tx& tx, const std::string& user_id);
  // Counts one failed password/second factor: pushes next_login_at out, locks
  // at the threshold, appends user.login_failed (and user.locked).
  Status record_failure(store::Tx& tx, const std::string& user_id, const std::string& reason);
  // Marks sessions revoked and appends session.revoked for each; returns
  // the session ids that were live. Empty `session_id` = every session.
  Result<std::vector<std::string>> revoke_sessions(store::Tx& tx, const std::string& user_id,
                                                   const std::string& session_id, const std::string& reason);
  void deny_sessions(const std::vector<std::string>& session_ids);
  // The same delay and lock for sign-ins to accounts that do not exist,
  // remembered in memory, so the throttle's answers (429 after a few
  // failures) do not reveal which emails and phones have accounts.
  // Check and claim in one step under ghost_mu_, like claim_attempt.
  Status claim_ghost_attempt(const std::string& key);
  void record_ghost_failure(const std::string& key);

  // --- verification (auth_verification.cpp)
  // Stores a single-use token and returns its plaintext.
  Result<std::string> create_link_token(store::Tx& tx, const std::string& kind, const std::string& user_id,
                                        const std::string& email, int64_t ttl_ms);
  void send_verification_email(const std::string& email, const std::string& token);
  // Renders a link email from its templates and sends it.
  void send_link_email(const std::string& email, const std::string& subject_template,
                       const std::string& text_template, const std::string& path, const std::string& token,
                       int64_t ttl_ms);

  // --- purge (auth_purge.cpp)
  // Runs `delete_sql` (which deletes at most kPurgeBatch rows), one write
  // transaction per run, until a run deletes fewer; returns the rows deleted.
  Result<int64_t> purge_batches(const char* table, const char* delete_sql, const store::Params& params);

  // --- phone OTP (auth_otp.cpp)
  // Takes `phone` off an account that holds it unverified (user.phone_removed).
  Status remove_unverified_phone(store::Tx& tx, const UserRow& holder, const std::string& phone,
                                 const std::string& reason);
  // A signed-in caller proved `phone`: it becomes the caller's verified phone.
  // `holder` is the account that had the number, if any.
  Status attach_phone(store::Tx& tx, const std::string& caller_id, const std::string& phone,
                      const std::optional<UserRow>& holder, Status& outcome);

  // --- MFA (auth_mfa.cpp)
  Result<std::vector<std::string>> replace_recovery_codes(store::Tx& tx, const std::string& user_id);
  // For account changes guarded by the second factor (totp_disable,
  // regenerate_recovery_codes): the account exists with MFA on (NotFound /
  // Conflict), is not throttled (lock_unthrottled), and `code` is a current
  // TOTP code or an unused recovery code, which is spent. A wrong code is
  // counted like a failed sign-in (record_failure with `reason`) and
  // reported in `failed` (Unauthenticated) with OK returned, so the caller's
  // transaction commits the count; any other error should roll back.
  Status require_second_factor(store::Tx& tx, const std::string& user_id, const std::string& code,
                               const std::string& reason, Status& failed);
  // Checks a TOTP code (digits) or else a recovery code for `user_id` and
  // persists its use. Returns the amr the factor adds ("otp" for TOTP, none
  // for a recovery code). Unauthenticated when neither matches.
  Result<std::vector<std::string>> use_second_factor(store::Tx& tx, const std::string& user_id,
                                                     const std::string& code, const std::string& recovery_code);

  void notify_sms(const std::string& to, const std::string& body);
  void notify_email(const std::string& to, const std::string& subject, const std::string& text);
  int64_t now() const { return clock_.now_ms(); }

  // Immutable after init().
  store::Db& db_;
  events::EventLog& log_;
  const Clock& clock_;
  Notifier& notifier_;
  const AccessHooks hooks_;
  const AuthOptions opt_;
  std::optional<PasswordHasher> passwords_;
  std::optional<CodeHasher> codes_;
  std::optional<OtpAttemptPolicy> otp_;
  std::optional<Totp> totp_;
  std::optional<SecretBox> box_;
  std::optional<KeyStore> key_store_;

  // Internally synchronised.
  KeyRing ring_;
  JwtIssuer issuer_;
  JwtVerifier verifier_;

  // Revoked session ids → when their last access token has expired (Unix ms).
  // Read on every authenticated request, written on logout: readers load an
  // immutable snapshot without a lock; writers copy, prune, add and swap.
  using DeniedSessions = std::unordered_map<std::string, int64_t>;
  std::mutex deny_mu_;  // serialises writers
  std::atomic<std::shared_ptr<const DeniedSessions>> denied_{std::make_shared<const DeniedSessions>()};
  // Loads sessions revoked recently enough that their access tokens may still
  // be valid, so a restart does not bring them back.
  Status load_revoked_sessions();

  struct GhostFailures {
    int failures = 0;
    int64_t next_login_at = 0;
    int64_t locked_until = 0;
  };
  static constexpr size_t kMaxGhosts = 100'000;
  std::mutex ghost_mu_;
  std::map<std::string, GhostFailures> ghosts_;  // guarded by ghost_mu_; key = normalized email/phone
};

}  // namespace sb::identity
