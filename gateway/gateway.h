// The gateway process's HTTP side: the public HTTP server that translates
// OAuth and MCP requests into calls on the services, in process (the
// HostedServices of service_host.h) or on remote targets. It depends on the
// service contracts only.
#ifndef MCP_OAUTH_GATEWAY_GATEWAY_H_
#define MCP_OAUTH_GATEWAY_GATEWAY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "gateway/gateway_options.h"
#include "gateway/hosted_services.h"

namespace mcp_oauth::gateway {

class Gateway {
 public:
  virtual ~Gateway() = default;
  virtual int http_port() const = 0;
  virtual int grpc_port() const = 0;
  // Re-reads the TLS certificate and key (SIGHUP); see HttpServer::ReloadTls.
  virtual absl::Status ReloadTls() = 0;
  // Graceful stop: HTTP first (in-flight requests finish), then the hosted
  // services.
  virtual void Stop() = 0;
};

// Starts serving HTTP over `services` (the ones hosted in this process; the
// others are reached at options.auth_target / tools_target).
absl::StatusOr<std::unique_ptr<Gateway>> StartGateway(const GatewayOptions& options,
                                                      std::unique_ptr<HostedServices> services);

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_GATEWAY_H_
