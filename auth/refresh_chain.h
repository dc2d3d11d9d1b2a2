// Refresh token chains (see RefreshTokenKey in store.h): the token format and
// how a presented token relates to its chain's stored record.
//
// A chained refresh token is "<chain id>.<generation>.<secret>": the chain id
// (16 random bytes, base64url) is shared by every token of the chain and
// stored only as a digest; the generation counts rotations; the secret (32
// random bytes, base64url) is new in every token. Anything else is a token
// without a chain (those minted before chains: 43 base64url characters).
#ifndef MCP_OAUTH_AUTH_REFRESH_CHAIN_H_
#define MCP_OAUTH_AUTH_REFRESH_CHAIN_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "auth/store.h"

namespace mcp_oauth::auth {

// Returns a new random chain id.
std::string NewRefreshChainId();

// Returns a new token of generation `generation` of chain `chain_id`.
std::string MakeRefreshToken(const std::string& chain_id, int64_t generation);
// The same with its secret made of `random` (kRefreshSecretBytes random
// bytes the caller drew).
constexpr size_t kRefreshSecretBytes = 32;
std::string MakeRefreshToken(const std::string& chain_id, int64_t generation,
                             absl::string_view random);

// The parts of a presented refresh token.
struct ParsedRefreshToken {
  std::string chain_id;  // Empty: no chain.
  RefreshTokenKey key;
};

// Splits `token` (untrusted) and hashes its parts: never fails; a token not
// in the chained format has no chain.
ParsedRefreshToken ParseRefreshToken(const std::string& token);

enum class PresentedGeneration {
  kUnknown,  // A generation the chain never had, or a forged live one.
  kLive,     // The chain's live token.
  kRotated,  // An older generation: already exchanged.
};

// Relates a presented chained token to its chain's live generation and
// digest; the digests are compared in constant time.
PresentedGeneration ClassifyPresented(const RefreshTokenKey& presented, int64_t live_generation,
                                      const std::string& live_token_hash);

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_REFRESH_CHAIN_H_
