// Password sign-in, sessions (refresh-token families), logout, and the
// per-account brute-force counters.
#include <boost/json/array.hpp>

#include "core/crypto.h"
#include "core/ids.h"
#include "events/event_log.h"
#include "identity/auth_service_impl.h"
#include "identity/identity_events.h"
#include "store/db.h"

namespace sb::identity {

namespace {

constexpr size_t kMaxUserAgent = 512;

Status invalid_credentials() { return Status::unauthenticated("invalid credentials"); }
Status invalid_refresh() { return Status::unauthenticated("invalid or expired refresh token"); }

// The 429 for a throttled sign-in: the wait is in the message and, as
// Retry-After, in the response headers.
Status throttled(const std::string& why, int64_t wait_ms) {
  return Status::exhausted(why + "; retry after " + std::to_string((wait_ms + 999) / 1000) + " s", wait_ms);
}

boost::json::array amr_json(const std::vector<std::string>& amr) {
  boost::json::array a;
  for (const auto& v : amr) a.emplace_back(v);
  return a;
}

// No delay after a first failure (a typo); then base, doubling per failure,
// capped.
int64_t failure_delay_ms(int failures, int64_t base, int64_t cap) {
  if (failures < 2) return 0;
  int64_t d = base;
  for (int i = 2; i < failures && d < cap; ++i) d *= 2;
  return std::min(d, cap);
}

}  // namespace

Result<SignIn> AuthServiceImpl::login(const std::string& email, const std::string& phone,
                                      const std::string& password, const ClientInfo& client) {
  if (email.empty() == phone.empty()) return Status::invalid("/email", "give exactly one of email or phone");
  if (password.empty()) return Status::invalid("/password", "is required");
  std::string key = phone;
  bool well_formed = true;
  if (!email.empty()) {
    auto n = normalize_email(email);
    well_formed = n.ok();
    if (n.ok()) key = *n;
  } else {
    well_formed = check_e164(phone).is_ok();
  }
  std::optional<UserRow> u;
  if (well_formed) {
    SB_TRY(db_.read([&](store::Tx& tx) -> Status {
      SB_ASSIGN(u, identity::find_user(tx, email.empty() ? UserKey::kPhone : UserKey::kEmail, key));
      return {};
    }));
  }
  // Unknown and known accounts give the same Status and message at every
  // step, and both hash once. Residual timing difference (accepted,
  // docs/security.md): a known account's attempt also makes two durable
  // writes (the claim, then record_failure) where an unknown one only
  // updates memory, so a failed sign-in to a real account can take a few
  // milliseconds (a commit's fsync) longer.
  if (!u || u->password_hash.empty()) {
    SB_TRY(claim_ghost_attempt(key));
    passwords_->verify_dummy(password);  // same work as a known account
    record_ghost_failure(key);
    return invalid_credentials();
  }
  SB_TRY(check_throttle(*u));  // refused from the snapshot without a write
  // Claimed before Argon2, so concurrent wrong passwords cannot all be
  // checked before the first failure is counted.
  int64_t claimed_at = 0;
  SB_TRY(claim_attempt(u->id, claimed_at));
  if (!passwords_->verify(password, u->password_hash)) {
    SB_TRY(db_.write([&](store::Tx& tx) -> Status { return record_failure(tx, u->id, "password"); }));
    return invalid_credentials();
  }
  std::string rehash;
  if (passwords_->needs_rehash(u->password_hash)) {
    auto h = passwords_->hash(password);
    if (h.ok()) rehash = *h;
  }

  SignIn out;
  out.user_id = u->id;
  OpenedSession session;
  Status done = db_.write([&](store::Tx& tx) -> Status {
    out.mfa_token.clear();
    if (!rehash.empty())
      SB_TRY(tx.exec("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1", {u->id, rehash, now()}));
    if (u->mfa_enabled) {
      // The failure counters stay until the second factor succeeds, so
      // knowing the password does not buy unlimited guesses at the code.
      SB_TRY(release_attempt(tx, u->id, claimed_at));
      SB_ASSIGN(out.mfa_token, open_mfa_challenge(tx, u->id, {"pwd"}));
      return {};
    }
    SB_TRY(clear_login_failures(tx, u->id, now()));
    SB_ASSIGN(session, open_session(tx, u->id, {"pwd"}, client, "password"));
    return {};
  });
  if (!done) {
    // Best effort: do not leave the account held for kAttemptHoldMs.
    (void)db_.write([&](store::Tx& tx) -> Status { return release_attempt(tx, u->id, claimed_at); });
    return done;
  }
  if (u->mfa_enabled) {
    out.mfa_required = true;
    return out;
  }
  SB_ASSIGN(out.tokens, issue_tokens(session));
  return out;
}

Status AuthServiceImpl::check_throttle(const UserRow& u) const {
  const int64_t t = now();
  if (u.locked_until > t)
    return throttled("account locked after too many failed sign-ins", u.locked_until - t);
  if (u.next_login_at > t) return throttled("too many failed sign-ins", u.next_login_at - t);
  return {};
}

Status AuthServiceImpl::claim_attempt(const std::string& user_id, int64_t& claimed_at) {
  Status outcome;
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    outcome = {};
    // A second round only if a concurrent attempt ended between the two
    // statements (READ COMMITTED): the row is open again.
    for (int round = 0; round < 3; ++round) {
      const int64_t t = now();
      claimed_at = t;
      SB_ASSIGN(int64_t n, tx.exec("UPDATE users SET next_login_at = $3 "
                                   "WHERE id = $1 AND next_login_at <= $2 AND locked_until <= $2",
                                   {user_id, t, t + kAttemptHoldMs}));
      if (n > 0) return {};
      SB_ASSIGN(auto u, identity::find_user(tx, UserKey::kId, user_id));
      if (!u) {
        outcome = invalid_credentials();
        return {};
      }
      outcome = check_throttle(*u);
      if (!outcome) return {};
    }
    outcome = throttled("too many failed sign-ins", 1000);
    return {};
  }));
  return outcome;
}

Status AuthServiceImpl::release_attempt(store::Tx& tx, const std::string& user_id, int64_t claimed_at) {
  return tx
      .exec("UPDATE users SET next_login_at = $2 WHERE id = $1 AND next_login_at = $3",
            {user_id, claimed_at, claimed_at + kAttemptHoldMs})
      .status();
}

Status AuthServiceImpl::lock_unthrottled(store::Tx& tx, const std::string& user_id) {
  const int64_t t = now();
  // A no-op write that takes the row lock, only when the account is open.
  SB_ASSIGN(int64_t n, tx.exec("UPDATE users SET next_login_at = next_login_at "
                               "WHERE id = $1 AND next_login_at <= $2 AND locked_until <= $2",
                               {user_id, t}));
  if (n > 0) return {};
  SB_ASSIGN(auto u, identity::find_user(tx, UserKey::kId, user_id));
  if (!u) return Status::not_found("user not found");
  SB_TRY(check_throttle(*u));
  return throttled("too many failed sign-ins", 1000);  // changed between statements
}

Status AuthServiceImpl::claim_ghost_attempt(const std::string& key) {
  const int64_t t = now();
  std::lock_guard lock(ghost_mu_);
  auto it = ghosts_.find(key);
  if (it != ghosts_.end()) {
    UserRow shadow;
    shadow.locked_until = it->second.locked_until;
    shadow.next_login_at = it->second.next_login_at;
    SB_TRY(check_throttle(shadow));
  } else {
    if (ghosts_.size() >= kMaxGhosts) {
      // Entries whose wait is over carry nothing a fresh entry would not;
      // clearing everything is the fallback (briefly more permissive, never less).
      std::erase_if(ghosts_, [t](const auto& kv) {
        return kv.second.next_login_at <= t && kv.second.locked_until <= t;
      });
      if (ghosts_.size() >= kMaxGhosts) ghosts_.clear();
    }
    it = ghosts_.emplace(key, GhostFailures{}).first;
  }
  it->second.next_login_at = t + kAttemptHoldMs;  // the hold, as claim_attempt
  return {};
}

void AuthServiceImpl::record_ghost_failure(const std::string& key) {
  const int64_t t = now();
  std::lock_guard lock(ghost_mu_);
  GhostFailures& g = ghosts_[key];  // recreated if a clear() dropped it meanwhile
  g.failures++;
  g.next_login_at = t + failure_delay_ms(g.failures, opt_.failure_delay_base_ms, opt_.failure_delay_max_ms);
  if (g.failures >= opt_.lockout_threshold) g.locked_until = t + opt_.lockout_ms;
}

Status AuthServiceImpl::record_failure(store::Tx& tx, const std::string& user_id, const std::string& reason) {
  const int64_t t = now();
  SB_ASSIGN(auto rows, tx.query("UPDATE users SET failed_logins = failed_logins + 1, updated_at = $2 "
                                "WHERE id = $1 RETURNING failed_logins",
                                {user_id, t}));
  if (rows.empty()) return {};
  const int failures = static_cast<int>(rows[0].int_at(0));
  const int64_t next = t + failure_delay_ms(failures, opt_.failure_delay_base_ms, opt_.failure_delay_max_ms);
  const bool lock = failures >= opt_.lockout_threshold;
  if (lock) {
    SB_TRY(tx.exec("UPDATE users SET next_login_at = $2, locked_until = $3 WHERE id = $1",
                   {user_id, next, t + opt_.lockout_ms}));
  } else {
    SB_TRY(tx.exec("UPDATE users SET next_login_at = $2 WHERE id = $1", {user_id, next}));
  }
  std::vector<events::Event> evs;
  evs.push_back(kUserLoginFailed.make(clock_, user_id,
                               {{"user_id", user_id}, {"reason", reason}, {"failures", failures}}));
  if (lock)
    evs.push_back(kUserLocked.make(clock_, user_id,
                                 {{"user_id", user_id},
                                  {"failures", failures},
                                  {"locked_until", format_rfc3339(t + opt_.lockout_ms)}}));
  return log_.append(tx, std::move(evs)).status();
}

Result<OpenedSession> AuthServiceImpl::open_session(store::Tx& tx, const std::string& user_id,
                                                    std::vector<std::string> amr, const ClientInfo& client,
                                                    const std::string& method) {
  const int64_t t = now();
  OpenedSession s;
  s.session_id = new_uuid_v7(clock_);
  s.refresh_token = crypto::random_token(32);
  s.user_id = user_id;
  s.amr = std::move(amr);
  s.authenticated_at_ms = t;
  SB_TRY(tx.exec("INSERT INTO sessions (id, user_id, amr, created_at, last_used_at, expires_at, ip, user_agent) "
                 "VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
                 {s.session_id, user_id, join_amr(s.amr), t, t + opt_.refresh_ttl_ms, client.ip,
                  client.user_agent.substr(0, kMaxUserAgent)}));
  SB_TRY(tx.exec("INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES ($1, $2, $3)",
                 {crypto::sha256_hex(s.refresh_token), s.session_id, t}));
  boost::json::object data{{"user_id", user_id}, {"session_id", s.session_id}, {"method", method},
                           {"amr", amr_json(s.amr)}};
  if (!client.ip.empty()) data["ip"] = client.ip;
  SB_TRY(log_.append(tx, kUserLogin.make(clock_, user_id, std::move(data))));
  return s;
}

Result<Tokens> AuthServiceImpl::issue_tokens(const OpenedSession& s) {
  TokenSpec spec;
  spec.sub = s.user_id;
  spec.sid = s.session_id;
  spec.amr = s.amr;
  // OIDC `auth_time`: refreshed tokens keep the time the user actually signed
  // in, so routes that change how an account signs in can ask for a recent one.
  spec.extra["auth_time"] = s.authenticated_at_ms / 1000;
  if (hooks_.roles_of) {
    SB_ASSIGN(spec.roles, hooks_.roles_of(s.user_id));
  }
  SB_ASSIGN(IssuedToken issued, issuer_.issue(spec));
  Tokens t;
  t.access_token = std::move(issued.token);
  t.refresh_token = s.refresh_token;
  t.expires_in = issued.expires_in;
  t.session_id = s.session_id;
  return t;
}

Result<std::string> AuthServiceImpl::open_mfa_challenge(store::Tx& tx, const std::string& user_id,
                                                        const std::vector<std::string>& amr) {
  std::string token = crypto::random_token(32);
  SB_TRY(tx.exec("INSERT INTO mfa_challenges (token_hash, user_id, amr, created_at, expires_at) "
                 "VALUES ($1, $2, $3, $4, $5)",
                 {crypto::sha256_hex(token), user_id, join_amr(amr), now(), now() + opt_.mfa_token_ttl_ms}));
  return token;
}

Result<Tokens> AuthServiceImpl::refresh(const std::string& refresh_token, const ClientInfo& client) {
  if (refresh_token.empty()) return invalid_refresh();
  const std::string hash = crypto::sha256_hex(refresh_token);
  Status outcome;
  OpenedSession next;
  std::vector<std::string> revoked;
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    outcome = {};
    next = {};
    revoked.clear();
    const int64_t t = now();
    SB_ASSIGN(auto rows, tx.query("SELECT rt.session_id, rt.used_at, s.user_id, s.amr, s.expires_at, s.revoked_at, s.created_at "
                                  "FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id "
                                  "WHERE rt.token_hash = $1",
                                  {hash}));
    if (rows.empty() || !rows[0].is_null(5) || rows[0].int_at(4) <= t) {
      outcome = invalid_refresh();
      return {};
    }
    const std::string sid = rows[0].text_at(0), user_id = rows[0].text_at(2);
    int64_t claimed = 0;
    if (rows[0].is_null(1)) {
      SB_ASSIGN(claimed, tx.exec("UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL",
                                 {hash, t}));
    }
    if (claimed == 0) {
      // A rotated token came back: either it was stolen or the client is
      // replaying. Either way the family is no longer trustworthy.
      SB_ASSIGN(revoked, revoke_sessions(tx, user_id, sid, "refresh_token_reuse"));
      outcome = Status::unauthenticated("refresh token already used; the session has been revoked");
      return {};
    }
    next.session_id = sid;
    next.user_id = user_id;
    next.amr = split_amr(rows[0].text_at(3));
    next.authenticated_at_ms = rows[0].int_at(6);
    next.refresh_token = crypto::random_token(32);
    SB_TRY(tx.exec("INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES ($1, $2, $3)",
                   {crypto::sha256_hex(next.refresh_token), sid, t}));
    SB_TRY(tx.exec("UPDATE sessions SET last_used_at = $2, expires_at = $3, ip = $4, user_agent = $5 WHERE id = $1",
                   {sid, t, t + opt_.refresh_ttl_ms, client.ip, client.user_agent.substr(0, kMaxUserAgent)}));
    return {};
  }));
  deny_sessions(revoked);
  SB_TRY(outcome);
  return issue_tokens(next);
}

Result<std::vector<std::string>> AuthServiceImpl::revoke_sessions(store::Tx& tx, const std::string& user_id,
                                                                  const std::string& session_id,
                                                                  const std::string& reason) {
  const int64_t t = now();
  Result<store::Rows> rows =
      session_id.empty()
          ? tx.query("SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2",
                     {user_id, t})
          : tx.query("SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND id = $2",
                     {user_id, session_id});
  SB_TRY(rows);
  std::vector<std::string> ids;
  for (const auto& r : *rows) {
    std::string sid = r.text_at(0);
    SB_TRY(tx.exec("UPDATE sessions SET revoked_at = $2, revoke_reason = $3 WHERE id = $1", {sid, t, reason}));
    SB_TRY(log_.append(tx, kSessionRevoked.make(clock_, user_id,
                                          {{"user_id", user_id}, {"session_id", sid}, {"reason", reason}})));
    ids.push_back(std::move(sid));
  }
  return ids;
}

Status AuthServiceImpl::logout(const std::string& user_id, const std::string& session_id) {
  if (user_id.empty() || session_id.empty()) return Status::invalid("/session_id", "is required");
  std::vector<std::string> revoked;
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(revoked, revoke_sessions(tx, user_id, session_id, "logout"));
    return {};
  }));
  deny_sessions(revoked);
  return {};
}

Status AuthServiceImpl::logout_all(const std::string& user_id) {
  if (user_id.empty()) return Status::invalid("/user_id", "is required");
  std::vector<std::string> revoked;
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(revoked, revoke_sessions(tx, user_id, "", "logout_all"));
    return {};
  }));
  deny_sessions(revoked);
  return {};
}

Result<bool> AuthServiceImpl::session_active(const std::string& session_id) {
  bool active = false;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT revoked_at, expires_at FROM sessions WHERE id = $1", {session_id}));
    active = !rows.empty() && rows[0].is_null(0) && rows[0].int_at(1) > now();
    return {};
  }));
  return active;
}

}  // namespace sb::identity
