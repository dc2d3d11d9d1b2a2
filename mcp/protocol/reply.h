// Reply: how a handler of the MCP endpoint answers one JSON-RPC message: the
// JSON-RPC response, or nullopt when there is none (a notification or the
// client's response to a server request: HTTP 202). Called exactly once, on
// any thread. Internal to //mcp/protocol.
#ifndef MCP_OAUTH_MCP_PROTOCOL_REPLY_H_
#define MCP_OAUTH_MCP_PROTOCOL_REPLY_H_

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>

namespace mcp_oauth::mcp {

using Reply = std::function<void(std::optional<nlohmann::json>)>;

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_REPLY_H_
