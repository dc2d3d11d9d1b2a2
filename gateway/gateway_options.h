// The gateway process's configuration (made from flags by gateway_flags.h):
// the public HTTP server, the internal gRPC port, which services are remote,
// the tool backends, and the OAuth and MCP settings. Plain values.
#ifndef MCP_OAUTH_GATEWAY_GATEWAY_OPTIONS_H_
#define MCP_OAUTH_GATEWAY_GATEWAY_OPTIONS_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/options.h"
#include "auth/store.h"
#include "common/grpc_security/grpc_security.h"
#include "gateway/http_server.h"

namespace mcp_oauth::mcp::tasks {
class TaskStore;
}  // namespace mcp_oauth::mcp::tasks

namespace mcp_oauth::gateway {

// A remote ToolService whose tools the gateway serves next to the others.
struct ToolBackendTarget {
  std::string name;    // [A-Za-z0-9_.-]{1,64}; "builtin" is the in-process tools
  std::string target;  // host:port
  std::string prefix;  // prepended to its tool names (empty: none)
  grpc_security::ClientSecurity security;
};

struct GatewayOptions {
  // The public port; its max_body_bytes is the limit of routes without one.
  HttpServerOptions http;
  // Body limits of the OAuth form routes and of /mcp (unset: the routes'
  // defaults, kDefaultFormBodyBytes and kDefaultMcpBodyBytes).
  std::optional<size_t> form_body_bytes;
  std::optional<size_t> mcp_body_bytes;
  // Internal gRPC address serving AuthService and ToolService ("" = none).
  std::string grpc_listen = "127.0.0.1:9004";
  // Remote services instead of the in-process ones ("" = in process).
  std::string auth_target;
  std::string tools_target;
  // Protection of grpc_listen (required unless it is loopback) and of the
  // channels to auth_target / tools_target (see grpc_security.h).
  // Several ToolServices behind one tools/list (tools_target must then be
  // empty): these remote backends, plus the in-process built-in tools as
  // backend "builtin" unless builtin_tools is false; their resources and
  // prompts too, where they serve them. See mcp/aggregate.
  std::vector<ToolBackendTarget> tool_backends;
  bool builtin_tools = true;
  std::string builtin_tools_prefix;
  grpc_security::ServerSecurity grpc_server_security;
  grpc_security::ClientSecurity grpc_client_security;
  std::chrono::milliseconds shutdown_grace{10000};

  // The authorization server's configuration (clients, users, public URL).
  // The gateway uses public_url and mcp_path even when AuthService is remote.
  auth::AuthOptions auth;
  // The in-process AuthService's token store (shared); null: a MemoryStore.
  std::shared_ptr<auth::Store> store;
  // Where MCP tasks (io.modelcontextprotocol/tasks) are recorded; null: the
  // extension is off.
  std::shared_ptr<mcp::tasks::TaskStore> task_store;

  // /mcp: scopes every request needs; extra allowed Origins and Hosts (the
  // public URL's and loopback are always allowed); the HMAC key of session
  // ids (empty: random per process).
  std::vector<std::string> required_scopes = {"user"};
  std::vector<std::string> allowed_origins;
  std::vector<std::string> allowed_hosts;
  std::string session_key;
  // Live MCP sessions one principal (user + client) may hold on this gateway;
  // initialize beyond it answers 429. 0 = no limit.
  int max_sessions_per_principal = 256;
  // How long /mcp reuses a successful token validation (the bound on how late
  // a revocation takes effect there); zero asks AuthService every time.
  std::chrono::milliseconds token_cache_ttl{5000};

  // One JSON access-log line per request (at log level info); see access_log.h.
  bool access_log = true;
  // Serve GET /metrics (Prometheus text format) on the public port.
  bool metrics = false;
  // Reverse proxies whose X-Forwarded-For/-Proto are believed (exact IPs).
  std::vector<std::string> trusted_proxies;
};

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_GATEWAY_OPTIONS_H_
