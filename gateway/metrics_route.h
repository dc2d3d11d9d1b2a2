// GET /metrics (with --metrics): this process's registry in the Prometheus
// text format, plus the metrics of the gRPC services the gateway reaches
// remotely (--auth-target, --tools-target), read through their
// ops.v1.MetricsService at scrape time. A remote service's series carry a
// `remote` label naming it ("auth", "tools"), so nothing counted in another
// process is confused with (or added to) a local series, and
// metrics_remote_up{remote} says whether its metrics could be read (1) or not
// (0; the scrape still succeeds with the local series).
//
// This class is thread safe.
#ifndef MCP_OAUTH_GATEWAY_METRICS_ROUTE_H_
#define MCP_OAUTH_GATEWAY_METRICS_ROUTE_H_

#include <memory>
#include <string>
#include <vector>

#include "gateway/http_types.h"

namespace grpc {
class Channel;
}

namespace mcp_oauth::gateway {

struct RemoteMetricsSource {
  std::string label;  // value of the `remote` label, e.g. "auth"
  std::shared_ptr<grpc::Channel> channel;
};

class MetricsRoute {
 public:
  explicit MetricsRoute(std::vector<RemoteMetricsSource> remotes);
  ~MetricsRoute();

  void Handle(HttpRequest request, Responder respond);

 private:
  struct Remote;
  std::vector<std::unique_ptr<Remote>> remotes_;
};

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_METRICS_ROUTE_H_
