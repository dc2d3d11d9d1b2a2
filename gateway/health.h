// /healthz: asks the standard gRPC health service of AuthService and
// ToolService (wherever they run) and answers 200 only when both are SERVING.
// With several tool backends the body also lists each one as "up" or "down"
// ("tool_backends"); one backend down does not fail the check (the others
// keep serving, and its tools answer "unavailable").
// Thread safe.
#ifndef MCP_OAUTH_GATEWAY_HEALTH_H_
#define MCP_OAUTH_GATEWAY_HEALTH_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

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
  // (backend name, up) of each tool backend; names are [A-Za-z0-9_.-].
  using ToolBackendStates = std::function<std::vector<std::pair<std::string, bool>>()>;

  HealthRoute(std::shared_ptr<grpc::Channel> auth_channel,
              std::shared_ptr<grpc::Channel> tools_channel,
              ToolBackendStates tool_backends = nullptr);
  ~HealthRoute();

  void Handle(HttpRequest request, Responder respond);

 private:
  struct Stubs;
  std::unique_ptr<Stubs> stubs_;
  ToolBackendStates tool_backends_;
};

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_HEALTH_H_
