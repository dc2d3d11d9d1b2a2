// /mcp: checks the bearer token (BearerAuthenticator -> AuthService), then
// hands the request to the MCP protocol library (mcp::McpEndpoint), which
// calls ToolService, and moves its answer (JSON or an SSE stream) back to the
// client. Methods: POST, GET (SSE), DELETE; CORS for browser clients.
// Thread safe.
#ifndef MCP_OAUTH_GATEWAY_MCP_ROUTE_H_
#define MCP_OAUTH_GATEWAY_MCP_ROUTE_H_

#include <memory>
#include <string>
#include <vector>

#include "gateway/bearer_auth.h"
#include "gateway/router.h"

namespace mcp_oauth::mcp {
class McpEndpoint;
}

namespace mcp_oauth::gateway {

// Default body limit of /mcp (--max-mcp-body-bytes).
inline constexpr size_t kDefaultMcpBodyBytes = 1024 * 1024;

class McpRoute {
 public:
  // `endpoint` is shared with nothing else; `auth` reaches AuthService.
  McpRoute(std::shared_ptr<client::AuthClient> auth, BearerAuthOptions bearer,
           std::shared_ptr<mcp::McpEndpoint> endpoint);
  ~McpRoute();

  // Adds POST/GET/DELETE /mcp to `router` with its policy (CORS and
  // `max_body_bytes`); `this` must outlive it.
  void Register(Router& router, const std::string& path = "/mcp",
                size_t max_body_bytes = kDefaultMcpBodyBytes);

 private:
  void Handle(HttpRequest request, Responder respond);

  BearerAuthenticator bearer_;
  std::shared_ptr<mcp::McpEndpoint> endpoint_;
};

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_MCP_ROUTE_H_
