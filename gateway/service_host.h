// Hosting the services in the gateway process: the internal gRPC server with
// AuthService and ToolService (with resources and prompts; or, with several
// tool backends, the aggregates over them) for those without a remote
// target, plus health, reflection and MetricsService. The in-process wiring
// (direct clients into the implementations) lives here too, so that the
// HTTP side (gateway.h) sees only HostedServices.
#ifndef MCP_OAUTH_GATEWAY_SERVICE_HOST_H_
#define MCP_OAUTH_GATEWAY_SERVICE_HOST_H_

#include <memory>

#include "absl/status/statusor.h"
#include "gateway/gateway_options.h"
#include "gateway/hosted_services.h"

namespace mcp_oauth::gateway {

// Starts the services `options` does not name a remote target for (nothing
// when both are remote), listening on options.grpc_listen unless empty.
absl::StatusOr<std::unique_ptr<HostedServices>> HostServices(const GatewayOptions& options);

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_SERVICE_HOST_H_
