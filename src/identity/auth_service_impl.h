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

// A session opened inside a write transaction; tokens are issued after commit.
struct OpenedSession {
  std::string session_id;
  std::string refresh_token;  // plaintext, returned once
  std::string user_id;
  std::vector<std::string> amr;
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
  Result<std::vector<std::string>> regenerate_recovery_codes(const std::string& user_id) override;
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
  Status check_ghost_throttle(const std::string& key);
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

  // --- MFA (auth_mfa.cpp)
  Result<std::vector<std::string>> replace_recovery_codes(store::Tx& tx, const std::string& user_id);
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
