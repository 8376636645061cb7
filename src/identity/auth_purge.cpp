// Deleting identity rows that can never be used again. Each statement
// deletes at most kPurgeBatch rows (the `key IN (SELECT key … LIMIT n)` form:
// SQLite has no DELETE … LIMIT by default) in its own write transaction, so a
// large backlog never holds SQLite's single writer for long.
#include <spdlog/spdlog.h>

#include <chrono>

#include "identity/auth_service_impl.h"
#include "store/db.h"

namespace sb::identity {

namespace {

// Must match the LIMIT in the statements below.
constexpr int64_t kPurgeBatch = 1000;

// Consumed codes are done with. An unconsumed one also carries the resend
// cooldown (measured from issued_at, and it may outlast the code), so it goes
// only once both its expiry and its cooldown are over.
// $1 = now, $2 = now - resend cooldown.
constexpr const char* kPurgeOtpCodes =
    "DELETE FROM otp_codes WHERE context IN (SELECT context FROM otp_codes "
    "WHERE consumed = 1 OR (expires_at <= $1 AND issued_at <= $2) LIMIT 1000)";

// $1 = now.
constexpr const char* kPurgeMfaChallenges =
    "DELETE FROM mfa_challenges WHERE token_hash IN (SELECT token_hash FROM mfa_challenges "
    "WHERE used_at IS NOT NULL OR expires_at <= $1 LIMIT 1000)";

// $1 = now.
constexpr const char* kPurgeVerificationTokens =
    "DELETE FROM verification_tokens WHERE token_hash IN (SELECT token_hash FROM verification_tokens "
    "WHERE used_at IS NOT NULL OR expires_at <= $1 LIMIT 1000)";

// A revoked or expired session never accepts a refresh token again (and
// refresh() answers the same for a token it cannot find), so its tokens go at
// once; the session row itself stays for the denylist window. $1 = now.
constexpr const char* kPurgeRefreshTokens =
    "DELETE FROM refresh_tokens WHERE token_hash IN (SELECT rt.token_hash FROM refresh_tokens rt "
    "JOIN sessions s ON s.id = rt.session_id "
    "WHERE s.revoked_at IS NOT NULL OR s.expires_at <= $1 LIMIT 1000)";

// Kept while load_revoked_sessions() would still load them (revoked_at >
// now - window) so a restart keeps denying their access tokens; an expired
// session's last access token was issued before its expiry, so it is dead
// after the same window. $1 = now - (access TTL + leeway).
constexpr const char* kPurgeSessions =
    "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions "
    "WHERE revoked_at <= $1 OR (revoked_at IS NULL AND expires_at <= $1) LIMIT 1000)";

}  // namespace

Result<int64_t> AuthServiceImpl::purge_batches(const char* table, const char* delete_sql,
                                               const store::Params& params) {
  int64_t total = 0;
  for (;;) {
    int64_t n = 0;
    SB_TRY(db_.write([&](store::Tx& tx) -> Status {
      SB_ASSIGN(n, tx.exec(delete_sql, params));
      return {};
    }));
    total += n;
    if (n < kPurgeBatch) break;
  }
  if (total > 0) spdlog::debug("identity: purged {} rows from {}", total, table);
  return total;
}

Result<int64_t> AuthServiceImpl::purge_expired() {
  const int64_t t = now();
  const int64_t window =
      std::chrono::duration_cast<std::chrono::milliseconds>(opt_.jwt.access_ttl + opt_.jwt.leeway).count();
  SB_ASSIGN(int64_t otp, purge_batches("otp_codes", kPurgeOtpCodes, {t, t - opt_.otp.resend_cooldown_ms}));
  SB_ASSIGN(int64_t mfa, purge_batches("mfa_challenges", kPurgeMfaChallenges, {t}));
  SB_ASSIGN(int64_t links, purge_batches("verification_tokens", kPurgeVerificationTokens, {t}));
  // Tokens before their sessions: no refresh token is ever left without one.
  SB_ASSIGN(int64_t refresh, purge_batches("refresh_tokens", kPurgeRefreshTokens, {t}));
  SB_ASSIGN(int64_t sessions, purge_batches("sessions", kPurgeSessions, {t - window}));
  return otp + mfa + links + refresh + sessions;
}

}  // namespace sb::identity
