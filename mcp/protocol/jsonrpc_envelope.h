// The JSON-RPC 2.0 envelope check shared by both protocol eras (and
// initialize): one object, "jsonrpc": "2.0", an id that is a string or an
// integer when present, and a string method, or, where the caller accepts
// them, a response (result or error, with an id) to a server-to-client
// request. What the message's params mean is the method's business.
//
// Pure functions; thread safe.
#ifndef MCP_OAUTH_MCP_PROTOCOL_JSONRPC_ENVELOPE_H_
#define MCP_OAUTH_MCP_PROTOCOL_JSONRPC_ENVELOPE_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace mcp_oauth::mcp {

// JSON-RPC error codes.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;

// A checked message. Points into the message, which must outlive it.
struct RpcEnvelope {
  // The id; a null JSON value when the message has none.
  const nlohmann::json* id = nullptr;
  bool has_id = false;
  // The method; nullptr for a response.
  const std::string* method = nullptr;
  // The params; an empty object when the message has none (not checked).
  const nlohmann::json* params = nullptr;

  bool is_response() const { return method == nullptr; }
  bool is_notification() const { return method != nullptr && !has_id; }
};

// Which messages a caller takes besides requests and notifications.
enum class Responses { kRefused, kAccepted };

// Returns true when `id` is a valid JSON-RPC id here (a string or an integer;
// never null).
bool IsValidId(const nlohmann::json& id);

// Checks the envelope of `message` and fills `out`; returns the -32600
// error message to answer otherwise (its id is the message's when valid,
// else null).
std::optional<nlohmann::json> CheckEnvelope(const nlohmann::json& message, Responses responses,
                                            RpcEnvelope* out);

// Returns the message's `params`, or an empty object when it has none.
const nlohmann::json& ParamsOf(const nlohmann::json& message);

// Returns a JSON-RPC error message / result message.
nlohmann::json RpcError(const nlohmann::json& id, int code, const std::string& message);
nlohmann::json RpcResult(const nlohmann::json& id, nlohmann::json result);

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_JSONRPC_ENVELOPE_H_
