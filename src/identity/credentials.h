// identity::Credentials — who is behind an `Authorization: Bearer …` value:
//   sbk_…   an admin API key (ApiKeys): every permission
//   <JWT>   a user's access token: signature, algorithm, times, issuer and
//           audience checked (JwtVerifier, cached per token), and its session
//           not revoked (logout, refresh-token reuse) on any instance.
// Tokens are checked from memory (keys and revocations are loaded at start
// and kept current through the event log). An admin key is checked from a
// short-lived cache; on a miss only the Db can tell, so a caller that must
// not block (an io thread) gets nullopt and asks again where it may.
//
// Thread-safe. HTTP-free: api/ adapts it to the request pipeline.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sb::identity {

class ApiKeys;
class AuthService;

struct Caller {
  std::string name;        // for logs and audit: "admin-key:<id>", "user:<id>"
  std::string user_id;     // empty for admin keys
  std::string session_id;  // the user's session, if any
  int64_t auth_time = 0;   // Unix seconds the user signed in (JWT auth_time); 0 for admin keys
  std::vector<std::string> roles;  // the token's roles claim (as of its issue); empty for admin keys
  bool admin_key() const { return user_id.empty(); }
};

class Credentials {
 public:
  // Both must outlive this; `auth` may be null (admin keys only).
  Credentials(ApiKeys& keys, AuthService* auth) : keys_(keys), auth_(auth) {}

  // `authorization` is the header value. Unauthenticated when absent or not
  // valid. With !may_block: nullopt when only a Db read can decide.
  std::optional<Result<Caller>> verify(std::string_view authorization, bool may_block) const;

 private:
  ApiKeys& keys_;
  AuthService* auth_;
};

}  // namespace sb::identity
