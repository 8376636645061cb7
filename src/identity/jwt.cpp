#include "identity/jwt.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <limits>

#include "core/crypto.h"
#include "identity/verified_token_cache.h"

namespace sb::identity {

namespace {

namespace bj = boost::json;

// Our tokens are a few hundred bytes; anything far larger is not ours and
// should not cost a parse.
constexpr size_t kMaxTokenBytes = 8192;
constexpr size_t kMaxJsonDepth = 16;
constexpr size_t kJtiBytes = 16;
// 9999-12-31T23:59:59Z: keeps ms arithmetic on untrusted NumericDates in range.
constexpr int64_t kMaxNumericDate = 253402300799;

Status reject(const char* reason) { return Status::unauthenticated(reason); }

// Strict base64url (RFC 7515 §2): no padding, no whitespace, and the unused
// low bits of the last character must be zero, so each byte string has
// exactly one accepted encoding.
constexpr std::array<int8_t, 256> make_b64url_table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 26; ++i) t['A' + i] = static_cast<int8_t>(i);
  for (int i = 0; i < 26; ++i) t['a' + i] = static_cast<int8_t>(26 + i);
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<int8_t>(52 + i);
  t['-'] = 62;
  t['_'] = 63;
  return t;
}
constexpr auto kB64url = make_b64url_table();

bool b64url_decode(std::string_view in, std::string& out) {
  if (in.size() % 4 == 1) return false;
  out.clear();
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    int v = kB64url[static_cast<unsigned char>(ch)];
    if (v < 0) return false;
    acc = ((acc << 6) | static_cast<uint32_t>(v)) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return bits == 0 || (acc & ((1u << bits) - 1)) == 0;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Null on malformed JSON. The result lives in `sp`'s memory (move-constructed,
// never move-assigned: assignment would copy it out of the arena).
bj::value parse_json(std::string_view text, bj::storage_ptr sp) {
  bj::parse_options opt;
  opt.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  bj::value v = bj::parse(text, ec, std::move(sp), opt);
  if (ec) v = nullptr;
  return v;
}

bool get_numeric_date(const bj::value& v, int64_t& out) {
  if (v.is_int64()) out = v.get_int64();
  else if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(kMaxNumericDate))
    out = static_cast<int64_t>(v.get_uint64());
  else return false;
  return out >= 0 && out <= kMaxNumericDate;
}

bool get_string_list(const bj::value& v, std::vector<std::string>& out) {
  const bj::array* a = v.if_array();
  if (!a) return false;
  out.reserve(a->size());
  for (const auto& e : *a) {
    const bj::string* s = e.if_string();
    if (!s) return false;
    out.emplace_back(*s);
  }
  return true;
}

bj::array to_json_array(const std::vector<std::string>& items) {
  bj::array a;
  a.reserve(items.size());
  for (const auto& s : items) a.emplace_back(std::string_view(s));
  return a;
}

// Fills `c` from a verified payload in one pass; unknown claims go to extra.
Status read_claims(const bj::object& p, Claims& c) {
  bool has_iat = false, has_exp = false, has_aud = false;
  for (const auto& kv : p) {
    std::string_view k = kv.key();
    const bj::value& v = kv.value();
    if (k == "sub" || k == "iss" || k == "sid" || k == "jti") {
      const bj::string* s = v.if_string();
      if (!s) return reject("malformed claims");
      std::string& dst = k == "sub" ? c.sub : k == "iss" ? c.iss : k == "sid" ? c.sid : c.jti;
      dst.assign(s->data(), s->size());
    } else if (k == "aud") {
      // RFC 7519 §4.1.3: a single string or an array of strings.
      if (const bj::string* s = v.if_string()) c.aud.emplace_back(*s);
      else if (!get_string_list(v, c.aud)) return reject("malformed claims");
      has_aud = true;
    } else if (k == "iat" || k == "exp" || k == "nbf") {
      int64_t t = 0;
      if (!get_numeric_date(v, t)) return reject("malformed claims");
      if (k == "iat") {
        c.iat = t;
        has_iat = true;
      } else if (k == "exp") {
        c.exp = t;
        has_exp = true;
      } else {
        c.nbf = t;
      }
    } else if (k == "roles" || k == "amr") {
      if (!get_string_list(v, k == "roles" ? c.roles : c.amr)) return reject("malformed claims");
    } else {
      c.extra.emplace(k, v);  // deep copy out of the per-call arena
    }
  }
  if (c.sub.empty() || c.iss.empty() || c.jti.empty() || !has_aud || !has_iat || !has_exp)
    return reject("missing required claim");
  return {};
}

}  // namespace

bool is_registered_claim(std::string_view n) {
  return n == "iss" || n == "sub" || n == "aud" || n == "exp" || n == "nbf" || n == "iat" ||
         n == "jti" || n == "sid" || n == "roles" || n == "amr";
}

bool Claims::has_role(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

Status JwtOptions::validate() const {
  std::vector<FieldError> errs;
  if (issuer.empty()) errs.push_back({"issuer", "is required"});
  if (audience.empty()) errs.push_back({"audience", "is required"});
  if (access_ttl.count() <= 0) errs.push_back({"access_ttl", "must be positive"});
  if (leeway.count() < 0) errs.push_back({"leeway", "must not be negative"});
  if (errs.empty()) return {};
  return Status::invalid(std::move(errs));
}

// ---- issue -----------------------------------------------------------------

JwtIssuer::JwtIssuer(const KeyRing& keys, const Clock& clock, JwtOptions options)
    : keys_(keys), clock_(clock), options_(std::move(options)) {}

Result<IssuedToken> JwtIssuer::issue(const TokenSpec& spec) const {
  if (spec.sub.empty()) return Status::invalid("sub", "is required");
  const int64_t ttl = spec.ttl.value_or(options_.access_ttl).count();
  if (ttl <= 0) return Status::invalid("ttl", "must be positive");
  for (const auto& kv : spec.extra)
    if (is_registered_claim(kv.key()))
      return Status::invalid("extra/" + std::string(kv.key()), "is a registered claim");
  SigningKeyPtr key = keys_.current();
  if (!key) return Status::unavailable("no signing key loaded");

  const int64_t now = floor_div(clock_.now_ms(), 1000);
  IssuedToken out;
  out.jti = crypto::random_token(kJtiBytes);
  out.expires_at = now + ttl;
  out.expires_in = ttl;

  bj::object header{{"alg", key->alg_name()}, {"typ", "JWT"}, {"kid", key->kid()}};
  bj::object p;
  p.reserve(10 + spec.extra.size());
  p.emplace("iss", options_.issuer);
  p.emplace("sub", spec.sub);
  p.emplace("aud", options_.audience);
  p.emplace("iat", now);
  if (spec.not_before) p.emplace("nbf", *spec.not_before);
  p.emplace("exp", out.expires_at);
  if (!spec.sid.empty()) p.emplace("sid", spec.sid);
  p.emplace("roles", to_json_array(spec.roles));
  p.emplace("amr", to_json_array(spec.amr));
  p.emplace("jti", out.jti);
  for (const auto& kv : spec.extra) p.emplace(kv.key(), kv.value());

  std::string input = crypto::base64url_encode(bj::serialize(header));
  input += '.';
  input += crypto::base64url_encode(bj::serialize(p));
  SB_ASSIGN(std::string sig, key->sign(input));
  input += '.';
  input += crypto::base64url_encode(sig);
  out.token = std::move(input);
  return out;
}

// ---- verify ----------------------------------------------------------------

JwtVerifier::JwtVerifier(const KeyRing& keys, const Clock& clock, JwtOptions options)
    : keys_(keys), clock_(clock), options_(std::move(options)) {
  if (options_.cache_capacity > 0)
    cache_ = std::make_unique<VerifiedTokenCache>(options_.cache_capacity);
}

JwtVerifier::~JwtVerifier() = default;

Status JwtVerifier::check_times(const Claims& c, int64_t now_ms) const {
  const int64_t leeway_ms = options_.leeway.count() * 1000;
  // Compared in whole seconds: exp*1000 <= now-leeway  <=>  exp <= floor((now-leeway)/1000).
  if (c.exp <= floor_div(now_ms - leeway_ms, 1000)) return reject("token expired");
  const int64_t latest_start = floor_div(now_ms + leeway_ms, 1000);
  if (c.nbf && *c.nbf > latest_start) return reject("token not yet valid");
  if (c.iat > latest_start) return reject("token issued in the future");
  return {};
}

Status JwtVerifier::check_key_live(const KeyRing::Snapshot& snap, std::string_view kid,
                                   int64_t now_ms) const {
  std::optional<int64_t> retire_after;
  if (!snap.find(kid, &retire_after)) return reject("unknown signing key");
  // Enforced here too, so a late prune() never extends a retired key's life.
  if (retire_after && now_ms > *retire_after) return reject("signing key retired");
  return {};
}

Result<std::shared_ptr<const Claims>> JwtVerifier::verify(std::string_view token) const {
  if (token.empty()) return reject("missing token");
  if (token.size() > kMaxTokenBytes) return reject("token too large");
  const int64_t now_ms = clock_.now_ms();
  if (cache_) {
    if (std::shared_ptr<const Claims> hit = cache_->find(token)) {
      SB_TRY(check_times(*hit, now_ms));
      SB_TRY(check_key_live(*keys_.snapshot(), hit->kid, now_ms));
      return hit;
    }
  }
  SB_ASSIGN(std::shared_ptr<const Claims> claims, verify_uncached(token, now_ms));
  if (cache_) {
    const int64_t drop_at = claims->exp * 1000 + options_.leeway.count() * 1000;
    cache_->insert(token, claims, drop_at, now_ms);
  }
  return claims;
}

Result<std::shared_ptr<const Claims>> JwtVerifier::verify_uncached(std::string_view token,
                                                                   int64_t now_ms) const {
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return reject("malformed token");
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view sig_b64 = token.substr(dot2 + 1);
  const std::string_view signing_input = token.substr(0, dot2);

  // Header and payload DOMs live in a stack arena for this call only.
  unsigned char arena[4096];
  bj::monotonic_resource mr(arena, sizeof(arena));
  std::string buf;

  if (!b64url_decode(header_b64, buf)) return reject("malformed header");
  const bj::value header_doc = parse_json(buf, &mr);
  const bj::object* header = header_doc.if_object();
  if (!header) return reject("malformed header");

  const bj::value* alg_v = header->if_contains("alg");
  const bj::string* alg = alg_v ? alg_v->if_string() : nullptr;
  if (!alg) return reject("missing alg");
  if (iequals(*alg, "none")) return reject("unsigned tokens are not accepted");
  // We implement no JWS extensions, so any critical one must fail (RFC 7515 §4.1.11).
  if (header->contains("crit")) return reject("unsupported critical header");
  if (const bj::value* typ = header->if_contains("typ")) {
    const bj::string* t = typ->if_string();
    if (!t || !iequals(*t, "JWT")) return reject("unsupported token type");
  }
  const bj::value* kid_v = header->if_contains("kid");
  const bj::string* kid = kid_v ? kid_v->if_string() : nullptr;
  if (!kid) return reject("missing kid");

  // One snapshot for the whole check, so rotation cannot swap keys mid-way.
  std::shared_ptr<const KeyRing::Snapshot> snap = keys_.snapshot();
  std::optional<int64_t> retire_after;
  const SigningKey* key = snap->find(*kid, &retire_after);
  if (!key) return reject("unknown signing key");
  // The pin: the key decides the algorithm; the token only gets to agree.
  if (*alg != key->alg_name()) return reject("algorithm not allowed for this key");
  SB_TRY(check_key_live(*snap, *kid, now_ms));

  std::string sig;
  if (!b64url_decode(sig_b64, sig)) return reject("malformed signature");
  if (!key->verify(signing_input, sig)) return reject("bad signature");

  if (!b64url_decode(payload_b64, buf)) return reject("malformed payload");
  const bj::value payload_doc = parse_json(buf, &mr);
  const bj::object* payload = payload_doc.if_object();
  if (!payload) return reject("malformed payload");

  auto claims = std::make_shared<Claims>();
  SB_TRY(read_claims(*payload, *claims));
  claims->kid.assign(kid->data(), kid->size());
  SB_TRY(check_times(*claims, now_ms));
  if (claims->iss != options_.issuer) return reject("wrong issuer");
  if (std::find(claims->aud.begin(), claims->aud.end(), options_.audience) == claims->aud.end())
    return reject("wrong audience");
  return std::shared_ptr<const Claims>(std::move(claims));
}

}  // namespace sb::identity
