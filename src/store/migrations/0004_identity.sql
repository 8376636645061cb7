-- Identity: accounts, sessions with rotating refresh tokens, signing keys,
-- phone OTP, email verification / password reset tokens and TOTP MFA.
-- Common subset of SQLite >= 3.40 and PostgreSQL 15. Times are Unix epoch
-- milliseconds; booleans are INTEGER 0/1. Nothing secret is stored in clear:
-- passwords are Argon2id strings, tokens SHA-256 hex, codes HMAC-SHA256 under
-- a pepper derived from the master key, and the two secrets that must be
-- recoverable (signing keys, TOTP secrets) are XChaCha20-Poly1305 ciphertext
-- under a key derived from the master key.

CREATE TABLE users (
  id                 TEXT PRIMARY KEY,
  email              TEXT UNIQUE,             -- lower-cased; NULL if none
  phone              TEXT UNIQUE,             -- E.164; NULL if none
  password_hash      TEXT,                    -- NULL for passwordless (phone) accounts
  email_verified_at  BIGINT,
  phone_verified_at  BIGINT,
  mfa_enabled        INTEGER NOT NULL DEFAULT 0,
  -- Brute-force protection (failed password logins and second factors).
  failed_logins      INTEGER NOT NULL DEFAULT 0,
  next_login_at      BIGINT NOT NULL DEFAULT 0,
  locked_until       BIGINT NOT NULL DEFAULT 0,
  created_at         BIGINT NOT NULL,
  updated_at         BIGINT NOT NULL
);

-- A session is one refresh-token family: every rotation adds a token to it,
-- and presenting a token that was already rotated revokes the whole family.
CREATE TABLE sessions (
  id             TEXT PRIMARY KEY,
  user_id        TEXT NOT NULL,
  amr            TEXT NOT NULL,               -- space-separated RFC 8176 values
  created_at     BIGINT NOT NULL,
  last_used_at   BIGINT NOT NULL,
  expires_at     BIGINT NOT NULL,             -- idle expiry, pushed out on refresh
  revoked_at     BIGINT,
  revoke_reason  TEXT,
  ip             TEXT,
  user_agent     TEXT
);
CREATE INDEX sessions_user ON sessions (user_id, revoked_at);
-- Start-up reloads the sessions revoked within the last access-token lifetime.
CREATE INDEX sessions_revoked ON sessions (revoked_at);

CREATE TABLE refresh_tokens (
  token_hash  TEXT PRIMARY KEY,               -- SHA-256 hex of the opaque token
  session_id  TEXT NOT NULL,
  issued_at   BIGINT NOT NULL,
  used_at     BIGINT                          -- set when rotated; a second use is reuse
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- JWT signing keys. Exactly one 'current' (the partial unique index makes
-- instances that start together agree on one); 'retired' keys verify until
-- retire_after.
CREATE TABLE signing_keys (
  kid           TEXT PRIMARY KEY,
  alg           TEXT NOT NULL,
  private_key   TEXT NOT NULL,                -- sealed PKCS#8 PEM
  state         TEXT NOT NULL,                -- current | retired
  created_at    BIGINT NOT NULL,
  retire_after  BIGINT
);
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys (state) WHERE state = 'current';

-- One live code per context ("otp:+15551234567").
CREATE TABLE otp_codes (
  context     TEXT PRIMARY KEY,
  code_hash   TEXT NOT NULL,
  issued_at   BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  consumed    INTEGER NOT NULL DEFAULT 0
);

-- Single-use links sent by email.
CREATE TABLE verification_tokens (
  token_hash  TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,                  -- email_verify | password_reset
  user_id     TEXT NOT NULL,
  email       TEXT NOT NULL,                  -- the address it was sent to
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  used_at     BIGINT
);
CREATE INDEX verification_tokens_user ON verification_tokens (user_id, kind);

CREATE TABLE mfa_totp (
  user_id         TEXT PRIMARY KEY,
  secret          TEXT NOT NULL,              -- sealed raw secret
  created_at      BIGINT NOT NULL,
  confirmed_at    BIGINT,                     -- NULL while enrollment is pending
  last_used_step  BIGINT                      -- highest accepted step (no replay)
);

CREATE TABLE recovery_codes (
  user_id    TEXT NOT NULL,
  idx        INTEGER NOT NULL,
  code_hash  TEXT NOT NULL,
  used_at    BIGINT,
  PRIMARY KEY (user_id, idx)
);

-- A password (or phone OTP) sign-in waiting for its second factor.
CREATE TABLE mfa_challenges (
  token_hash  TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL,
  amr         TEXT NOT NULL,                  -- first factor(s), space-separated
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  used_at     BIGINT
);
CREATE INDEX mfa_challenges_user ON mfa_challenges (user_id);
