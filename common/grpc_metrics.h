// Server-side gRPC metrics, for every gRPC server of the project (the
// gateway's internal port, auth_server, tool_server):
//  - an interceptor counting each RPC the server handles:
//    grpc_server_handled_total{method,code} and
//    grpc_server_handling_seconds{method} (from the call's arrival to its
//    status), where `method` is "Service/Method" as in the gateway's
//    grpc_client_call_duration_seconds, or "other" for a method this binary
//    has no descriptor for (label values stay bounded);
//  - mcp_oauth.ops.v1.MetricsService, which returns the registry to internal
//    callers (Prometheus text and structured families).
//
// Only main files and the gateway include this header (it names gRPC types).
#ifndef MCP_OAUTH_COMMON_GRPC_METRICS_H_
#define MCP_OAUTH_COMMON_GRPC_METRICS_H_

#include <grpcpp/support/status_code_enum.h>

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/metrics.h"

namespace grpc {
class ServerBuilder;
class Service;
}  // namespace grpc

namespace mcp_oauth::metrics {

// Installs the RPC-counting interceptor on `builder` (replacing interceptor
// factories set before) and registers MetricsService on it, both reading and
// writing `registry`. The returned service must outlive the built server.
std::unique_ptr<grpc::Service> EnableServerMetrics(grpc::ServerBuilder& builder,
                                                   Registry& registry = DefaultRegistry());

// Returns "Service/Method" for a full gRPC method path
// ("/pkg.Service/Method") that this binary knows, else "other".
std::string ServerMethodLabel(const char* path);

// Counts the calls that a stream RPC multiplexes (ToolService.CallToolMux
// carries CallTool calls) as RPCs of `method` ("Service/Method"), the way
// the interceptor counts an RPC: grpc_server_handled_total{method,code} and
// grpc_server_handling_seconds{method} of `registry`. This class is thread
// safe.
class MultiplexedCallMetrics {
 public:
  explicit MultiplexedCallMetrics(const std::string& method,
                                  Registry& registry = DefaultRegistry());

  void Record(grpc::StatusCode code, absl::Duration elapsed) const;

 private:
  const std::string method_;
  Family<Counter>& handled_;
  Counter& handled_ok_;
  Histogram& latency_;
};

}  // namespace mcp_oauth::metrics

#endif  // MCP_OAUTH_COMMON_GRPC_METRICS_H_
