// Validation of an OpenID Connect ID token (OpenID Connect Core 1.0
// §3.1.3.7): a compact JWS signed with RS256, PS256 or ES256 by a key of the
// provider's JWKS, whose iss, aud, azp, exp, iat, nbf and nonce are what we
// expect at the time given. Failures are typed so callers can tell an unknown
// key (refetch the JWKS once) from a bad token. Pure functions, thread safe.
#ifndef MCP_OAUTH_AUTH_OIDC_ID_TOKEN_H_
#define MCP_OAUTH_AUTH_OIDC_ID_TOKEN_H_

#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "auth/oidc/jwk.h"
#include "nlohmann/json.hpp"

namespace mcp_oauth::auth::oidc {

enum class IdTokenError {
  kNone = 0,
  kMalformed,            // not a compact JWS with JSON header and claims
  kAlgorithmNotAllowed,  // "none", HMAC, or an algorithm the key does not allow
  kUnknownKey,           // no key of the JWKS has the token's kid
  kBadSignature,
  kWrongIssuer,
  kWrongAudience,         // our client id not in aud
  kWrongAuthorizedParty,  // azp missing with several audiences, or not us
  kExpired,
  kNotYetValid,  // iat or nbf in the future
  kTooOld,       // iat longer ago than max_age
  kWrongNonce,
  kMissingSubject,
};

// A short stable name of `error`, e.g. "wrong_audience", for logs and tests.
const char* IdTokenErrorName(IdTokenError error);

struct IdTokenExpectations {
  std::string issuer;                          // exact match
  std::string client_id;                       // must be in aud (and equal azp when present)
  std::string nonce;                           // exact match, required
  absl::Duration leeway = absl::Seconds(60);   // clock skew tolerated
  absl::Duration max_age = absl::Minutes(10);  // iat at most this long ago
};

struct IdTokenResult {
  IdTokenError error = IdTokenError::kNone;
  std::string detail;     // says what was wrong; never contains the token
  std::string kid;        // the header's kid, set for kUnknownKey
  nlohmann::json claims;  // the verified claims when error == kNone

  bool ok() const { return error == IdTokenError::kNone; }
};

// Verifies `token` against `keys` and `expect` at time `now`.
IdTokenResult ValidateIdToken(std::string_view token, const JwkSet& keys,
                              const IdTokenExpectations& expect, absl::Time now);

// Verifies a JWS signature `signature` over `signing_input` with `key` for
// `alg` (RS256, PS256 or ES256; ES256 signatures are raw r||s).
bool VerifyJwsSignature(std::string_view alg, EVP_PKEY* key, std::string_view signing_input,
                        std::string_view signature);

}  // namespace mcp_oauth::auth::oidc

#endif  // MCP_OAUTH_AUTH_OIDC_ID_TOKEN_H_
