// RequestStateCodec: seals a tool's multi-round state into the opaque,
// tamper-evident `requestState` of an MCP InputRequiredResult, and opens it.
//
// Format: "rs1.<base64url state>.<expiry unix seconds>.<base64url MAC>", MAC =
// HMAC-SHA256(key, "mcp-request-state/v1" | binding | state | expiry). The
// binding names the call the state belongs to (caller, tool, arguments:
// Binding()), so a state issued to one principal or call is refused for any
// other. The state is readable by the client (integrity only, not secrecy).
//
// Thread safe (immutable). Replicas that share the key accept each other's
// states.
#ifndef MCP_OAUTH_MCP_REQUEST_STATE_H_
#define MCP_OAUTH_MCP_REQUEST_STATE_H_

#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace mcp_oauth::mcp {

class RequestStateCodec {
 public:
  // `key`: >= 32 secret bytes; `ttl`: how long a sealed state stays valid.
  RequestStateCodec(std::string key, absl::Duration ttl);

  // Returns the binding of a tool call: a digest of the principal (subject,
  // client id), the tool name and its arguments.
  // Returns the requestState key derived from a secret shared by replicas
  // (MCP_SESSION_KEY): its own HMAC label, so neither key stands in for the
  // other. Empty in, empty out (a random key per process).
  static std::string DeriveKey(const std::string& shared_secret);

  static std::string Binding(const std::string& subject, const std::string& client_id,
                             const std::string& tool, const nlohmann::json& arguments);

  // Returns the binding of another request that can ask for input
  // (`method` "prompts/get" with the prompt's name and arguments,
  // "resources/read" with the URI and null): like Binding, with the method
  // in it, so a state sealed for one kind of request never opens for
  // another (nor for a tool of the same name).
  static std::string RequestBinding(const std::string& method, const std::string& subject,
                                    const std::string& client_id, const std::string& name,
                                    const nlohmann::json& arguments);

  // Returns `state` sealed for `binding`, expiring at now + ttl.
  std::string Seal(const std::string& binding, const std::string& state, absl::Time now) const;

  // Returns the state sealed in `token`. INVALID_ARGUMENT when it is
  // malformed, altered, sealed for another binding or with another key, or
  // expired (one message for all: the client learns nothing more).
  absl::StatusOr<std::string> Open(const std::string& token, const std::string& binding,
                                   absl::Time now) const;

 private:
  std::string Mac(const std::string& binding, const std::string& encoded_state,
                  const std::string& expiry) const;

  const std::string key_;
  const absl::Duration ttl_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_REQUEST_STATE_H_
