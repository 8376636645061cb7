// Rows of the users table and the input rules for the identifiers on them
// (email, E.164 phone). Internal to identity/: AuthService is the public
// surface. Functions taking a Tx run inside the caller's transaction.
// Thread-safe (no state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "identity/auth_service.h"

namespace sb::store { class Tx; }

namespace sb::identity {

// Trimmed and lower-cased address. InvalidArgument("/email") unless it looks
// like local@domain.tld (no spaces, controls or address-list punctuation,
// at most 254 bytes). Deliberately loose: the verification link is the test.
Result<std::string> normalize_email(std::string_view email);
// InvalidArgument("/phone") unless E.164: '+', then 7..15 digits, the first
// not 0.
Status check_e164(std::string_view phone);

struct UserRow {
  std::string id;
  std::string email;  // "" when NULL
  std::string phone;  // "" when NULL
  std::string password_hash;  // "" when passwordless
  std::optional<int64_t> email_verified_at;
  std::optional<int64_t> phone_verified_at;
  bool mfa_enabled = false;
  int failed_logins = 0;
  int64_t next_login_at = 0;
  int64_t locked_until = 0;
  int64_t created_at = 0;

  User to_user() const;
};

enum class UserKey { kId, kEmail, kPhone };

// nullopt when no row has that id/email/phone.
Result<std::optional<UserRow>> find_user(store::Tx& tx, UserKey key, const std::string& value);

// Inserts a new user. Conflict (generic, naming neither field) when the email
// or phone is taken.
Status insert_user(store::Tx& tx, const UserRow& row);

// Clears the brute-force counters after a successful sign-in or a reset.
Status clear_login_failures(store::Tx& tx, const std::string& user_id, int64_t now_ms);

}  // namespace sb::identity
