// Routes requests by exact path and method to handlers, answering 404 for
// unknown paths, 405 with `Allow` for known paths with other methods, and the
// CORS preflight (OPTIONS) for routes that allow browser clients.
// Routes are added before serving; Handle is then thread safe.
#ifndef MCP_OAUTH_GATEWAY_ROUTER_H_
#define MCP_OAUTH_GATEWAY_ROUTER_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "gateway/http_types.h"

namespace mcp_oauth::gateway {

using RouteHandler = std::function<void(HttpRequest, Responder)>;

// Which cross-origin browser requests a route accepts.
struct CorsPolicy {
  bool enabled = false;
  std::string allow_headers = "Authorization, Content-Type";
  std::string expose_headers;
};

class Router final : public HttpHandler {
 public:
  // Registers `handler` for `method` on `path`.
  void Add(const std::string& method, const std::string& path, RouteHandler handler);
  // Sets the CORS policy for `path` (default: none).
  void SetCors(const std::string& path, CorsPolicy policy);
  // Returns true when `path` is a registered route (any method).
  bool HasRoute(const std::string& path) const;

  void Handle(HttpRequest request, Responder respond) override;

 private:
  struct Route {
    std::map<std::string, RouteHandler> by_method;
    CorsPolicy cors;
  };
  std::map<std::string, Route> routes_;
};

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_ROUTER_H_
