// /healthz: asks the standard gRPC health service of AuthService and
// ToolService (wherever they run) and answers 200 only when both are SERVING.
// Thread safe.
#ifndef MCP_OAUTH_GATEWAY_HEALTH_H_
#define MCP_OAUTH_GATEWAY_HEALTH_H_

#include <memory>

#include "gateway/http_types.h"

namespace grpc {
class Channel;
}

namespace mcp_oauth::gateway {

// Fully-qualified service names checked by /healthz.
inline constexpr char kAuthServiceName[] = "mcp_oauth.auth.v1.AuthService";
inline constexpr char kToolServiceName[] = "mcp_oauth.tools.v1.ToolService";

class HealthRoute {
 public:
  HealthRoute(std::shared_ptr<grpc::Channel> auth_channel,
              std::shared_ptr<grpc::Channel> tools_channel);
  ~HealthRoute();

  void Handle(HttpRequest request, Responder respond);

 private:
  struct Stubs;
  std::unique_ptr<Stubs> stubs_;
};

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_HEALTH_H_
