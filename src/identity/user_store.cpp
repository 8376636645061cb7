#include "identity/user_store.h"

#include <algorithm>
#include <cctype>

#include "identity/auth_service.h"
#include "store/db.h"

namespace sb::identity {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool bad_email_char(unsigned char c) {
  if (c <= 0x20 || c == 0x7f) return true;  // controls and space
  return std::string_view("<>()[]\\,;:\"").find(static_cast<char>(c)) != std::string_view::npos;
}

store::Value text_or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return s;
}

std::optional<int64_t> opt_int(const store::Row& r, size_t i) {
  if (r.is_null(i)) return std::nullopt;
  return r.int_at(i);
}

constexpr const char* kUserColumns =
    "SELECT id, email, phone, password_hash, email_verified_at, phone_verified_at, mfa_enabled, "
    "failed_logins, next_login_at, locked_until, created_at FROM users ";

}  // namespace

Result<std::string> normalize_email(std::string_view in) {
  std::string_view s = trim(in);
  if (s.empty()) return Status::invalid("/email", "is required");
  if (s.size() > 254) return Status::invalid("/email", "is too long");
  size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos)
    return Status::invalid("/email", "is not a valid email address");
  std::string_view domain = s.substr(at + 1);
  if (domain.size() < 3 || domain.find('.') == std::string_view::npos || domain.front() == '.' ||
      domain.back() == '.' || domain.find("..") != std::string_view::npos || domain.front() == '-')
    return Status::invalid("/email", "is not a valid email address");
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (bad_email_char(static_cast<unsigned char>(c))) return Status::invalid("/email", "is not a valid email address");
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

std::string account_key(std::string_view email_or_phone) {
  if (email_or_phone.find('@') != std::string_view::npos)
    if (auto e = normalize_email(email_or_phone); e.ok()) return *e;
  std::string out(trim(email_or_phone));
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status check_e164(std::string_view phone) {
  if (phone.empty()) return Status::invalid("/phone", "is required");
  if (phone.size() < 8 || phone.size() > 16 || phone[0] != '+' || phone[1] == '0')
    return Status::invalid("/phone", "must be in E.164 format, e.g. +15551234567");
  for (char c : phone.substr(1))
    if (c < '0' || c > '9') return Status::invalid("/phone", "must be in E.164 format, e.g. +15551234567");
  return {};
}

User UserRow::to_user() const {
  User u;
  u.id = id;
  u.email = email;
  u.phone = phone;
  u.email_verified = email_verified_at.has_value();
  u.phone_verified = phone_verified_at.has_value();
  u.mfa_enabled = mfa_enabled;
  u.has_password = !password_hash.empty();
  u.created_at_ms = created_at;
  return u;
}

Result<std::optional<UserRow>> find_user(store::Tx& tx, UserKey key, const std::string& value) {
  if (value.empty()) return std::optional<UserRow>();
  std::string sql = kUserColumns;
  switch (key) {
    case UserKey::kId: sql += "WHERE id = $1"; break;
    case UserKey::kEmail: sql += "WHERE email = $1"; break;
    case UserKey::kPhone: sql += "WHERE phone = $1"; break;
  }
  SB_ASSIGN(auto rows, tx.query(sql, {value}));
  if (rows.empty()) return std::optional<UserRow>();
  const store::Row& r = rows[0];
  UserRow u;
  u.id = r.text_at(0);
  u.email = r.text_at(1);
  u.phone = r.text_at(2);
  u.password_hash = r.text_at(3);
  u.email_verified_at = opt_int(r, 4);
  u.phone_verified_at = opt_int(r, 5);
  u.mfa_enabled = r.int_at(6) != 0;
  u.failed_logins = static_cast<int>(r.int_at(7));
  u.next_login_at = r.int_at(8);
  u.locked_until = r.int_at(9);
  u.created_at = r.int_at(10);
  return std::optional<UserRow>(std::move(u));
}

Status insert_user(store::Tx& tx, const UserRow& u) {
  store::Value email_at = u.email_verified_at ? store::Value(*u.email_verified_at) : store::Value(nullptr);
  store::Value phone_at = u.phone_verified_at ? store::Value(*u.phone_verified_at) : store::Value(nullptr);
  // DO NOTHING (no target) covers both unique columns on both engines, and
  // keeps a PostgreSQL transaction usable after a duplicate.
  SB_ASSIGN(int64_t n, tx.exec("INSERT INTO users (id, email, phone, password_hash, email_verified_at, "
                               "phone_verified_at, mfa_enabled, created_at, updated_at) "
                               "VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7) ON CONFLICT DO NOTHING",
                               {u.id, text_or_null(u.email), text_or_null(u.phone), text_or_null(u.password_hash),
                                email_at, phone_at, u.created_at}));
  // Deliberately generic: saying which field is taken would confirm that an
  // account exists for it (docs/security.md).
  if (n == 0) return Status::conflict("an account cannot be created with these details");
  return {};
}

Status clear_login_failures(store::Tx& tx, const std::string& user_id, int64_t now_ms) {
  return tx
      .exec("UPDATE users SET failed_logins = 0, next_login_at = 0, locked_until = 0, updated_at = $2 "
            "WHERE id = $1 AND (failed_logins <> 0 OR locked_until <> 0 OR next_login_at <> 0)",
            {user_id, now_ms})
      .status();
}

}  // namespace sb::identity
