// JSON Web Keys (RFC 7517) as OpenSSL public keys: the one crypto seam of the
// OpenID Connect sign-in. Only signature keys of the kinds we verify are kept:
// RSA (>= 2048 bits, for RS256/PS256) and EC P-256 (for ES256). Each key
// carries its own algorithm allow-list, narrowed by the JWK's "alg".
// Immutable after parsing, so a JwkSet may be shared between threads.
#ifndef MCP_OAUTH_AUTH_OIDC_JWK_H_
#define MCP_OAUTH_AUTH_OIDC_JWK_H_

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace mcp_oauth::auth::oidc {

// Owns an EVP_PKEY.
struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const;
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

// The only JWS algorithms accepted: never "none", never HMAC.
inline constexpr char kRs256[] = "RS256";
inline constexpr char kPs256[] = "PS256";
inline constexpr char kEs256[] = "ES256";

struct Jwk {
  std::string kid;  // may be empty
  // Algorithms this key may verify (a subset of RS256, PS256, ES256).
  std::set<std::string> algorithms;
  std::shared_ptr<EVP_PKEY> key;
};

// Keys of one provider's JWKS document.
struct JwkSet {
  std::vector<Jwk> keys;

  // Returns the keys that may verify `alg` and match `kid` (every such key
  // when `kid` is empty).
  std::vector<const Jwk*> Find(std::string_view kid, std::string_view alg) const;
  bool HasKid(std::string_view kid) const;
};

// Parses a JWKS document {"keys": [...]}. Keys that are not for signatures
// ("use" other than "sig"), of other types or curves, malformed, too
// small, or with an "alg" we do not accept are skipped; a malformed document
// is an error.
absl::StatusOr<JwkSet> ParseJwks(std::string_view json_text);

// Returns the public key of an RSA JWK (n, e base64url) or an EC P-256 JWK
// (x, y base64url), for tests and ParseJwks.
absl::StatusOr<EvpPkeyPtr> RsaPublicKey(std::string_view n_b64url, std::string_view e_b64url);
absl::StatusOr<EvpPkeyPtr> P256PublicKey(std::string_view x_b64url, std::string_view y_b64url);

}  // namespace mcp_oauth::auth::oidc

#endif  // MCP_OAUTH_AUTH_OIDC_JWK_H_
