#include "identity/api_keys.h"

#include <boost/json.hpp>

#include "core/crypto.h"
#include "core/ids.h"
#include "events/event_log.h"
#include "identity/identity_events.h"
#include "store/db.h"

namespace sb::identity {

ApiKeys::ApiKeys(store::Db& db, events::EventLog& log, const Clock& clock, int64_t ttl)
    : db_(db), log_(log), clock_(clock), ttl_ms_(ttl) {}

namespace {
events::Event key_event(const events::EventType& type, const std::string& id, const std::string& name,
                        const Clock& clock) {
  return type.make(clock, id, boost::json::object{{"key_id", id}, {"name", name}});
}
}  // namespace

Result<IssuedKey> ApiKeys::create(const std::string& name, std::optional<std::string> plaintext) {
  IssuedKey k{new_uuid_v7(clock_), plaintext ? *plaintext : "sbk_" + crypto::random_token(32)};
  if (k.key.size() < 16) return Status::invalid("admin_key", "must be at least 16 characters");
  std::string hash = crypto::sha256_hex(k.key);
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    // Instances starting together with the same SWITCHBOARD_ADMIN_KEY race
    // here: the insert is a no-op for all but one, and all read the winner.
    SB_TRY(tx.exec("DELETE FROM api_keys WHERE key_hash = $1 AND revoked_at IS NOT NULL", {hash}));
    SB_ASSIGN(int64_t inserted,
              tx.exec("INSERT INTO api_keys (id, name, key_hash, created_at) VALUES ($1, $2, $3, $4) "
                      "ON CONFLICT (key_hash) DO NOTHING",
                      {k.id, name, hash, clock_.now_ms()}));
    if (inserted == 0) {
      SB_ASSIGN(auto rows, tx.query("SELECT id FROM api_keys WHERE key_hash = $1", {hash}));
      if (!rows.empty()) k.id = rows[0].text_at(0);  // already registered (same key on restart)
      return {};
    }
    return log_.append(tx, key_event(kApiKeyCreated, k.id, name, clock_)).status();
  }));
  return k;
}

Result<IssuedKey> ApiKeys::rotate(const std::string& name) {
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT id, name FROM api_keys WHERE revoked_at IS NULL"));
    SB_TRY(tx.exec("UPDATE api_keys SET revoked_at = $1 WHERE revoked_at IS NULL", {clock_.now_ms()}));
    for (auto& r : rows)
      SB_TRY(log_.append(tx, key_event(kApiKeyRevoked, r.text_at(0), r.text_at(1), clock_)));
    return {};
  }));
  {
    std::lock_guard lock(mu_);
    cache_.clear();
  }
  return create(name);
}

Result<int64_t> ApiKeys::active_count() {
  int64_t n = 0;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL"));
    n = rows.empty() ? 0 : rows[0].int_at(0);
    return {};
  }));
  return n;
}

std::optional<Result<std::string>> ApiKeys::verify_cached(const std::string& plaintext) { return check(plaintext, false); }

Result<std::string> ApiKeys::verify(const std::string& plaintext) { return *check(plaintext, true); }

std::optional<Result<std::string>> ApiKeys::check(const std::string& plaintext, bool may_block) {
  if (plaintext.empty()) return Result<std::string>(Status::unauthenticated("missing bearer token"));
  std::string hash = crypto::sha256_hex(plaintext);
  int64_t now = clock_.steady_ms();
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && now - it->second.checked_ms < ttl_ms_) return Result<std::string>(it->second.id);
  }
  if (!may_block) return std::nullopt;
  std::optional<std::string> id;
  Status read = db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL", {hash}));
    if (!rows.empty()) id = rows[0].text_at(0);
    return {};
  });
  if (!read) return Result<std::string>(read);
  std::lock_guard lock(mu_);
  if (!id) {
    cache_.erase(hash);
    return Result<std::string>(Status::unauthenticated("invalid or revoked API key"));
  }
  cache_[hash] = {*id, now};
  return Result<std::string>(*id);
}

}  // namespace sb::identity
