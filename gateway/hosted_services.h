// The services a gateway process serves itself, as its HTTP side sees them:
// contracts only (the client interfaces, a gRPC channel), so that the HTTP
// library does not depend on the service implementations. Made by
// HostServices (service_host.h); a test may give a fake.
#ifndef MCP_OAUTH_GATEWAY_HOSTED_SERVICES_H_
#define MCP_OAUTH_GATEWAY_HOSTED_SERVICES_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "client/auth_client.h"
#include "client/tool_client.h"

namespace grpc {
class Channel;
}  // namespace grpc

namespace mcp_oauth::gateway {

class HostedServices {
 public:
  virtual ~HostedServices() = default;

  // Port of the internal gRPC server (0: none bound).
  virtual int grpc_port() const = 0;
  // A channel to the in-process gRPC server; null when it hosts nothing.
  virtual std::shared_ptr<grpc::Channel> InProcessChannel() const = 0;
  // A direct client of the in-process AuthService; null when it is remote.
  virtual std::shared_ptr<client::AuthClient> LocalAuthClient() const = 0;
  // The /mcp tool client when the tools are served here (direct calls into
  // the ToolService or to the owning backend; `streams` carries the
  // streaming calls); null when they are remote.
  virtual std::shared_ptr<client::ToolClient> LocalToolClient(
      std::shared_ptr<client::ToolClient> streams) const = 0;
  // Returns a function listing the tools tools/list would list now: all
  // backends' when aggregating, else the in-process registry's; null when
  // the tools are remote.
  virtual std::function<std::vector<std::string>()> ToolNames() const = 0;
  // What the in-process catalog (or the aggregates over several backends)
  // offers besides tools.
  virtual bool offer_resources() const = 0;
  virtual bool offer_prompts() const = 0;
  virtual bool offer_completions() const = 0;
  // Returns each tool backend's name and whether it is up (empty: no
  // backends aggregated here).
  virtual std::vector<std::pair<std::string, bool>> BackendStates() const = 0;
  virtual bool aggregates_backends() const = 0;
  // Stops the internal gRPC server (calls get `grace`) and ends the direct
  // calls still running. Idempotent.
  virtual void Shutdown(std::chrono::milliseconds grace) = 0;
};

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_HOSTED_SERVICES_H_
