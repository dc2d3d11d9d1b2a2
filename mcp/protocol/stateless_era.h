// The 2026-07-28 (stateless) MCP protocol next to the 2025 session-based one
// on the same /mcp endpoint: which era a POST belongs to, and the checks every
// stateless request must pass before it is dispatched (required headers and
// `_meta`), with the protocol's own error codes.
//
// Era (per request, as the 2026-07-28 backward-compatibility rules allow a
// server to serve both): a request that carries an Mcp-Session-Id is
// 2025-era. Otherwise it is stateless when its `_meta` names a protocol
// version or its MCP-Protocol-Version header is not a 2025-era version;
// failing those, `initialize` is 2025-era and `server/discover` stateless.
// Everything else stays 2025-era (and gets that era's "session required"
// answer).
//
// Pure functions; thread safe.
#ifndef MCP_OAUTH_MCP_PROTOCOL_STATELESS_ERA_H_
#define MCP_OAUTH_MCP_PROTOCOL_STATELESS_ERA_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mcp/protocol/mcp_http.h"
#include "mcp/protocol/protocol_versions.h"

namespace mcp_oauth::mcp {

// `_meta` keys of 2026-07-28 requests and results.
inline constexpr char kMetaProtocolVersion[] = "io.modelcontextprotocol/protocolVersion";
inline constexpr char kMetaClientCapabilities[] = "io.modelcontextprotocol/clientCapabilities";
inline constexpr char kMetaClientInfo[] = "io.modelcontextprotocol/clientInfo";
inline constexpr char kMetaServerInfo[] = "io.modelcontextprotocol/serverInfo";

// 2026-07-28 JSON-RPC error codes.
inline constexpr int kHeaderMismatch = -32020;              // HTTP 400
inline constexpr int kMissingClientCapability = -32021;     // HTTP 400
inline constexpr int kUnsupportedProtocolVersion = -32022;  // HTTP 400

enum class ProtocolEra { kSessions, kStateless };

// Returns the era of one parsed POST body (see the file comment).
ProtocolEra DetectEra(const HttpHeaders& headers, const nlohmann::json& message);

// Why a stateless request is refused before dispatch.
struct StatelessRejection {
  int http_status;
  int code;
  std::string message;
  nlohmann::json data;  // null when none
};

// Checks a stateless JSON-RPC request (an object with a string method and an
// id), in this order: MCP-Protocol-Version header present (-32020); params an
// object with `_meta` holding the protocol version and the client
// capabilities (-32602); the `_meta` version equal to the header (-32020); a
// version in `supported` (-32022, data {supported, requested}); an
// Mcp-Method header equal to the method (-32020); for tools/call and
// prompts/get an Mcp-Name header equal to params.name, for resources/read to
// params.uri (-32020). Header values are compared exactly after trimming
// optional whitespace. All answer HTTP 400.
std::optional<StatelessRejection> CheckStatelessRequest(const HttpHeaders& headers,
                                                        const nlohmann::json& message,
                                                        const std::vector<std::string>& supported);

// Returns the HTTP status for a JSON-RPC error `code` answered statelessly:
// 404 for method not found, 400 for malformed or refused requests (parse,
// invalid request, invalid params, -32020..-32022), 500 for internal
// errors, 200 for other (application) errors.
int StatelessHttpStatus(int code);

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_STATELESS_ERA_H_
