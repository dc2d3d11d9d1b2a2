// The project's one seam to OpenSSL: randomness, hashes, MACs, KDFs and
// constant-time comparison. All functions are thread safe.
#ifndef MCP_OAUTH_COMMON_CRYPTO_H_
#define MCP_OAUTH_COMMON_CRYPTO_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mcp_oauth::crypto {

// Returns `num_bytes` bytes from OpenSSL's CSPRNG. Aborts if the CSPRNG fails
// (the process cannot issue secrets safely without it).
std::string RandomBytes(size_t num_bytes);

// Returns a URL-safe random token carrying `num_bytes` bytes of entropy
// (base64url, no padding). 32 bytes gives 256 bits.
std::string RandomToken(size_t num_bytes = 32);

// Returns the raw 32-byte SHA-256 digest of `data`.
std::string Sha256(std::string_view data);

// Returns the raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);

// HMAC-SHA256 under one fixed key, for keys used on every request: the keyed
// state is computed once, so Sign costs the hashing of `data` only (the
// one-shot HmacSha256 re-fetches the algorithm and re-keys on every call).
// Thread safe; not copyable.
class HmacSha256Key {
 public:
  explicit HmacSha256Key(std::string_view key);
  ~HmacSha256Key();
  HmacSha256Key(const HmacSha256Key&) = delete;
  HmacSha256Key& operator=(const HmacSha256Key&) = delete;

  // Equals HmacSha256(key, data).
  std::string Sign(std::string_view data) const;

 private:
  struct State;
  State* state_;
};

// Returns true when `a` and `b` are equal, in time that depends only on their
// lengths (CRYPTO_memcmp). Use it for every secret comparison.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// base64url without padding (RFC 4648 §5), as used by PKCE and our tokens.
std::string Base64UrlEncode(std::string_view data);
// Returns the decoded bytes, or an error for characters outside the alphabet.
absl::StatusOr<std::string> Base64UrlDecode(std::string_view text);

// Standard base64 decoding with padding (HTTP Basic credentials).
absl::StatusOr<std::string> Base64Decode(std::string_view text);

// Lower-case hexadecimal.
std::string HexEncode(std::string_view data);

// PBKDF2-HMAC-SHA256 (slow on purpose) of `password` with `salt`; returns
// `key_length` raw bytes.
std::string Pbkdf2Sha256(std::string_view password, std::string_view salt, int iterations,
                         size_t key_length = 32);

}  // namespace mcp_oauth::crypto

#endif  // MCP_OAUTH_COMMON_CRYPTO_H_
