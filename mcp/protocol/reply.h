// Reply: how a handler of the MCP endpoint answers one JSON-RPC message,
// with an RpcReply: no answer (a notification or the client's response to a
// server request: HTTP 202), a JSON-RPC message as a DOM, or one already
// rendered (tools/call writes its result straight into the body, with no DOM
// of the envelope). Handlers pass a json, an optional<json> or std::nullopt
// as they are. Called exactly once, on any thread. Internal to
// //mcp/protocol.
#ifndef MCP_OAUTH_MCP_PROTOCOL_REPLY_H_
#define MCP_OAUTH_MCP_PROTOCOL_REPLY_H_

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

namespace mcp_oauth::mcp {

class RpcReply {
 public:
  // Implicit, so that handlers answer with what they hold.
  RpcReply(std::nullopt_t = std::nullopt) {}  // NOLINT(google-explicit-constructor)
  RpcReply(nlohmann::json message)            // NOLINT(google-explicit-constructor)
      : dom_(std::move(message)) {}
  RpcReply(std::optional<nlohmann::json> message)  // NOLINT(google-explicit-constructor)
      : dom_(std::move(message)) {}

  // A JSON-RPC result message rendered in full (never an error, so never a
  // reason for an HTTP error status); its body is `message` as it is.
  static RpcReply Rendered(std::string message);

  // False: no answer.
  bool has_value() const { return dom_.has_value() || rendered_.has_value(); }
  bool rendered() const { return rendered_.has_value(); }
  // The DOM; null when there is none (no answer, or a rendered one).
  nlohmann::json* dom() { return dom_ ? &*dom_ : nullptr; }

  // Returns the message as one line of JSON (DumpJson of the DOM); "" when
  // there is no answer. Moves from this.
  std::string TakeBody();

 private:
  std::optional<nlohmann::json> dom_;
  std::optional<std::string> rendered_;
};

using Reply = std::function<void(RpcReply)>;

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_REPLY_H_
