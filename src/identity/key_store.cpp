#include "identity/key_store.h"

#include <sodium.h>

#include <optional>
#include <vector>

#include "core/crypto.h"
#include "events/event_log.h"
#include "identity/identity_events.h"
#include "store/db.h"

namespace sb::identity {

namespace {
std::string key_context(const std::string& kid) { return "signing_key:" + kid; }
}  // namespace

std::string derive_subkey(std::string_view master_key, std::string_view purpose) {
  return crypto::hmac_sha256(master_key, "switchboard/identity/" + std::string(purpose));
}

Status KeyStore::load(KeyRing& ring) {
  struct Stored {
    std::string kid, sealed, state;
    int64_t retire_after;
  };
  std::vector<Stored> rows;
  const int64_t now = clock_.now_ms();
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    rows.clear();
    SB_ASSIGN(auto rs, tx.query("SELECT kid, private_key, state, retire_after FROM signing_keys "
                                "WHERE state = 'current' OR retire_after > $1 ORDER BY created_at DESC",
                                {now}));
    for (auto& r : rs) rows.push_back({r.text_at(0), r.text_at(1), r.text_at(2), r.int_at(3)});
    return {};
  }));
  SigningKeyPtr current;
  std::vector<RetiredKey> retired;
  for (const auto& s : rows) {
    auto opened = box_.open(s.sealed, key_context(s.kid));
    if (!opened.ok())
      return Status::internal("signing key " + s.kid +
                              " in the database was sealed with another master key: every instance sharing a "
                              "database needs the same identity.master_key (" + opened.status().message() + ")");
    std::string pem = std::move(*opened);
    SB_ASSIGN(SigningKeyPtr key, SigningKey::from_private_pem(pem));
    sodium_memzero(pem.data(), pem.size());
    if (key->kid() != s.kid) return Status::internal("signing_keys: stored kid does not match its key");
    if (s.state == "current") {
      current = std::move(key);
    } else {
      retired.push_back({std::move(key), s.retire_after});
    }
  }
  if (!current) return Status::not_found("no current signing key");
  return ring.load(std::move(current), std::move(retired));
}

Status KeyStore::load_or_create(KeyRing& ring) {
  Status loaded = load(ring);
  if (loaded.code() != Code::kNotFound) return loaded;
  SB_ASSIGN(SigningKeyPtr key, SigningKey::generate_ed25519());
  SB_ASSIGN(std::string pem, key->private_pem());
  std::string sealed = box_.seal(pem, key_context(key->kid()));
  sodium_memzero(pem.data(), pem.size());
  Status inserted = db_.write([&](store::Tx& tx) -> Status {
    // ON CONFLICT: another instance stored its first key meanwhile (the
    // partial unique index allows one current key); then we load theirs.
    return tx
        .exec("INSERT INTO signing_keys (kid, alg, private_key, state, created_at) "
              "VALUES ($1, $2, $3, 'current', $4) ON CONFLICT DO NOTHING",
              {key->kid(), std::string(key->alg_name()), sealed, clock_.now_ms()})
        .status();
  });
  SB_TRY(inserted);
  return load(ring);
}

Result<std::string> KeyStore::rotate(int64_t retire_previous_after_ms) {
  SB_ASSIGN(SigningKeyPtr key, SigningKey::generate_ed25519());
  SB_ASSIGN(std::string pem, key->private_pem());
  std::string sealed = box_.seal(pem, key_context(key->kid()));
  sodium_memzero(pem.data(), pem.size());
  const int64_t now = clock_.now_ms();
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto prev, tx.query("SELECT kid FROM signing_keys WHERE state = 'current'"));
    std::string previous_kid = prev.empty() ? "" : prev[0].text_at(0);
    // Retired keys whose tokens have all expired are of no further use.
    SB_TRY(tx.exec("DELETE FROM signing_keys WHERE state = 'retired' AND retire_after < $1", {now}));
    SB_TRY(tx.exec("UPDATE signing_keys SET state = 'retired', retire_after = $1 WHERE state = 'current'",
                   {retire_previous_after_ms}));
    SB_TRY(tx.exec("INSERT INTO signing_keys (kid, alg, private_key, state, created_at) "
                   "VALUES ($1, $2, $3, 'current', $4)",
                   {key->kid(), std::string(key->alg_name()), sealed, now}));
    boost::json::object data{{"kid", key->kid()}, {"alg", std::string(key->alg_name())}};
    if (!previous_kid.empty()) {
      data["previous_kid"] = previous_kid;
      data["previous_retire_after"] = format_rfc3339(retire_previous_after_ms);
    }
    return log_.append(tx, kKeyRotated.make(clock_, "", std::move(data))).status();
  }));
  return key->kid();
}

}  // namespace sb::identity
