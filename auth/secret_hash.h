// Salted, slow hashes of passwords and client secrets, in the encoded form
//   pbkdf2-sha256$<iterations>$<salt base64url>$<hash base64url>
// used by the configuration file. Thread safe.
//
// Cost choice: passwords use kPasswordIterations (PBKDF2-SHA256, 100k);
// client secrets hashed at load time use kClientSecretIterations (10k), since
// /token must stay fast: AuthorizationServer additionally caches successful
// client-secret verifications (keyed by an HMAC under a per-process random
// key), so the KDF runs once per distinct valid secret, and 10k iterations
// keep the cost of a wrong secret at a few milliseconds.
#ifndef MCP_OAUTH_AUTH_SECRET_HASH_H_
#define MCP_OAUTH_AUTH_SECRET_HASH_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace mcp_oauth::auth {

inline constexpr int kPasswordIterations = 100000;
inline constexpr int kClientSecretIterations = 10000;

// Returns the encoded PBKDF2-SHA256 hash of `secret` with a random 16-byte
// salt.
std::string HashSecret(std::string_view secret, int iterations = kPasswordIterations);

// Returns true when `secret` matches `encoded_hash` (constant-time compare of
// the derived key). A malformed hash never matches.
bool VerifySecret(std::string_view secret, std::string_view encoded_hash);

// Returns OK when `encoded_hash` is well formed, else an error saying why.
absl::Status ValidateSecretHash(std::string_view encoded_hash);

// Returns the iteration count of a well-formed hash, else 0.
int SecretHashIterations(std::string_view encoded_hash);

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_SECRET_HASH_H_
