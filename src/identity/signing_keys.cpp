#include "identity/signing_keys.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "core/crypto.h"

namespace sb::identity {

namespace {

constexpr size_t kEd25519KeyBytes = 32;
constexpr size_t kEd25519SigBytes = 64;
constexpr size_t kKidHashBytes = 8;

EVP_PKEY* as_pkey(void* p) { return static_cast<EVP_PKEY*>(p); }

struct MdCtx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~MdCtx() { EVP_MD_CTX_free(ctx); }
};

struct Bio {
  BIO* bio;
  explicit Bio(BIO* b) : bio(b) {}
  ~Bio() { BIO_free(bio); }
};

// A passphrase callback that refuses: without it OpenSSL would prompt on the
// terminal for an encrypted PEM. Encryption at rest is the Db's job.
int no_passphrase(char*, int, int, void*) { return -1; }

std::string json_array_of(const std::vector<RetiredKey>& retired, const SigningKeyPtr& current) {
  boost::json::array keys;
  if (current) keys.push_back(current->public_jwk());
  for (const auto& r : retired) keys.push_back(r.key->public_jwk());
  return boost::json::serialize(boost::json::object{{"keys", std::move(keys)}});
}

}  // namespace

std::string_view jws_alg_name(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kEdDSA: return "EdDSA";
  }
  return "";
}

void SigningKey::PkeyDeleter::operator()(void* p) const { EVP_PKEY_free(as_pkey(p)); }

SigningKey::SigningKey(PkeyPtr pkey, JwsAlg alg, std::string public_raw)
    : pkey_(std::move(pkey)), alg_(alg), public_raw_(std::move(public_raw)) {
  kid_ = crypto::base64url_encode(crypto::sha256(public_raw_).substr(0, kKidHashBytes));
}

SigningKey::~SigningKey() = default;

// Takes ownership of `evp_pkey` in every case.
Result<SigningKeyPtr> SigningKey::wrap(void* evp_pkey) {
  PkeyPtr owned(evp_pkey);
  if (!owned) return Status::internal("no key");
  if (EVP_PKEY_get_id(as_pkey(owned.get())) != EVP_PKEY_ED25519)
    return Status::invalid("key", "unsupported key type (want Ed25519)");
  std::string pub(kEd25519KeyBytes, '\0');
  size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(as_pkey(owned.get()),
                                  reinterpret_cast<unsigned char*>(pub.data()), &len) != 1 ||
      len != kEd25519KeyBytes)
    return Status::internal("cannot read Ed25519 public key");
  // Every key here must be able to sign: a public-only PEM is not a SigningKey.
  size_t priv_len = 0;
  if (EVP_PKEY_get_raw_private_key(as_pkey(owned.get()), nullptr, &priv_len) != 1)
    return Status::invalid("key", "not a private key");
  return SigningKeyPtr(new SigningKey(std::move(owned), JwsAlg::kEdDSA, std::move(pub)));
}

Result<SigningKeyPtr> SigningKey::generate_ed25519() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!pkey) return Status::internal("Ed25519 key generation failed");
  return wrap(pkey);
}

Result<SigningKeyPtr> SigningKey::from_ed25519_seed(std::string_view seed) {
  if (seed.size() != kEd25519KeyBytes) return Status::invalid("seed", "must be 32 bytes");
  EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed.data()), seed.size());
  if (!pkey) return Status::invalid("seed", "not a valid Ed25519 seed");
  return wrap(pkey);
}

Result<SigningKeyPtr> SigningKey::from_private_pem(std::string_view pem) {
  Bio in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!in.bio) return Status::internal("BIO_new_mem_buf failed");
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(in.bio, nullptr, no_passphrase, nullptr);
  if (!pkey) return Status::invalid("key", "not an unencrypted PEM private key");
  return wrap(pkey);
}

Result<std::string> SigningKey::private_pem() const {
  Bio out(BIO_new(BIO_s_secmem()));
  if (!out.bio ||
      PEM_write_bio_PrivateKey(out.bio, as_pkey(pkey_.get()), nullptr, nullptr, 0, nullptr,
                               nullptr) != 1)
    return Status::internal("PEM export failed");
  char* data = nullptr;
  long n = BIO_get_mem_data(out.bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

boost::json::object SigningKey::public_jwk() const {
  return boost::json::object{{"kty", "OKP"},
                             {"crv", "Ed25519"},
                             {"x", crypto::base64url_encode(public_raw_)},
                             {"kid", kid_},
                             {"alg", jws_alg_name(alg_)},
                             {"use", "sig"}};
}

Result<std::string> SigningKey::sign(std::string_view data) const {
  MdCtx md;
  std::string sig(kEd25519SigBytes, '\0');
  size_t len = sig.size();
  // Ed25519 is "pure" EdDSA: no separate digest, one-shot sign over the data.
  if (!md.ctx ||
      EVP_DigestSignInit(md.ctx, nullptr, nullptr, nullptr, as_pkey(pkey_.get())) != 1 ||
      EVP_DigestSign(md.ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    return Status::internal("Ed25519 sign failed");
  sig.resize(len);
  return sig;
}

bool SigningKey::verify(std::string_view data, std::string_view signature) const {
  if (signature.size() != kEd25519SigBytes) return false;
  MdCtx md;
  return md.ctx &&
         EVP_DigestVerifyInit(md.ctx, nullptr, nullptr, nullptr, as_pkey(pkey_.get())) == 1 &&
         EVP_DigestVerify(md.ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                          data.size()) == 1;
}

// ---- KeyRing ---------------------------------------------------------------

const SigningKey* KeyRing::Snapshot::find(std::string_view kid,
                                          std::optional<int64_t>* retire_after_ms) const {
  if (current && current->kid() == kid) {
    if (retire_after_ms) retire_after_ms->reset();
    return current.get();
  }
  for (const auto& r : retired) {
    if (r.key->kid() == kid) {
      if (retire_after_ms) *retire_after_ms = r.retire_after_ms;
      return r.key.get();
    }
  }
  return nullptr;
}

KeyRing::KeyRing() { snap_.store(std::make_shared<const Snapshot>(Snapshot{{}, {}, "{\"keys\":[]}"})); }

KeyRing::KeyRing(SigningKeyPtr current) : KeyRing() {
  std::lock_guard lock(write_mu_);
  publish(std::move(current), {});
}

void KeyRing::publish(SigningKeyPtr current, std::vector<RetiredKey> retired) {
  std::string jwks = json_array_of(retired, current);
  snap_.store(std::make_shared<const Snapshot>(
                  Snapshot{std::move(current), std::move(retired), std::move(jwks)}),
              std::memory_order_release);
}

Status KeyRing::load(SigningKeyPtr current, std::vector<RetiredKey> retired) {
  if (!current) return Status::invalid("current", "a signing key is required");
  std::vector<std::string_view> kids{current->kid()};
  for (const auto& r : retired) {
    if (!r.key) return Status::invalid("retired", "null key");
    if (std::find(kids.begin(), kids.end(), r.key->kid()) != kids.end())
      return Status::invalid("retired", "duplicate kid " + r.key->kid());
    kids.push_back(r.key->kid());
  }
  std::lock_guard lock(write_mu_);
  publish(std::move(current), std::move(retired));
  return {};
}

Status KeyRing::rotate(SigningKeyPtr next, int64_t retire_previous_after_ms) {
  if (!next) return Status::invalid("key", "a signing key is required");
  std::lock_guard lock(write_mu_);
  auto old = snapshot();
  if (old->find(next->kid(), nullptr))
    return Status::already_exists("key " + next->kid() + " is already in the ring");
  std::vector<RetiredKey> retired;
  retired.reserve(old->retired.size() + 1);
  // Newest retired first, so the JWKS lists keys from newest to oldest.
  if (old->current) retired.push_back({old->current, retire_previous_after_ms});
  retired.insert(retired.end(), old->retired.begin(), old->retired.end());
  publish(std::move(next), std::move(retired));
  return {};
}

size_t KeyRing::prune(int64_t now_ms) {
  std::lock_guard lock(write_mu_);
  auto old = snapshot();
  std::vector<RetiredKey> keep;
  for (const auto& r : old->retired)
    if (r.retire_after_ms >= now_ms) keep.push_back(r);
  size_t dropped = old->retired.size() - keep.size();
  if (dropped > 0) publish(old->current, std::move(keep));
  return dropped;
}

}  // namespace sb::identity
