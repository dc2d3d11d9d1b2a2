// Self-validating MCP session ids, so that any gateway replica sharing the key
// can check one without shared state:
//   base64url(payload) "." base64url(HMAC-SHA256(key, "mcp-session-v1:" payload))
// payload = 0x01 | 16-byte random nonce | 16-byte principal binding |
//           8-byte big-endian creation time (Unix seconds) | protocol version.
// The binding is a truncated SHA-256 of the principal's subject and client_id:
// a session presented by anyone else does not validate.
// Thread safe (immutable after construction).
#ifndef MCP_OAUTH_MCP_PROTOCOL_SESSION_ID_H_
#define MCP_OAUTH_MCP_PROTOCOL_SESSION_ID_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/crypto.h"

namespace mcp_oauth::mcp {

struct SessionClaims {
  std::string binding;           // 16 raw bytes
  absl::Time created;            // second precision
  std::string protocol_version;  // negotiated at initialize
};

class SessionIdCodec {
 public:
  // `key` should be at least 32 random bytes.
  explicit SessionIdCodec(std::string key) : key_(key) {}

  // Returns the binding for a principal.
  static std::string Binding(std::string_view subject, std::string_view client_id);

  // Returns a new session id (visible ASCII: base64url and one '.').
  std::string Mint(const SessionClaims& claims) const;

  // Returns the claims of a well-formed id with a valid MAC, else NOT_FOUND.
  absl::StatusOr<SessionClaims> Verify(std::string_view id) const;

 private:
  std::string Mac(std::string_view payload) const;

  const crypto::HmacSha256Key key_;  // keyed once: Verify runs on every request
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_SESSION_ID_H_
