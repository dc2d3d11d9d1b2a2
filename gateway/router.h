// Routes requests by exact path and method to handlers, answering 404 for
// unknown paths, 405 with `Allow` for known paths with other methods, and the
// CORS preflight (OPTIONS) for routes that allow browser clients. Each path
// carries its own policy (RouteOptions: body limit, CORS), which the HTTP
// server asks for through HttpHandler::BodyLimit.
// Routes are added before serving; Handle is then thread safe.
#ifndef MCP_OAUTH_GATEWAY_ROUTER_H_
#define MCP_OAUTH_GATEWAY_ROUTER_H_

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
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

// The policy of one path, whatever the method.
struct RouteOptions {
  // Largest request body (413 beyond it, before it is read); unset: the
  // server's default.
  std::optional<size_t> max_body_bytes;
  CorsPolicy cors;
};

class Router final : public HttpHandler {
 public:
  // Registers `handler` for `method` on `path`.
  void Add(const std::string& method, const std::string& path, RouteHandler handler);
  // Sets the policy of `path` (default: RouteOptions{}).
  void SetOptions(const std::string& path, RouteOptions options);
  // Returns true when `path` is a registered route (any method).
  bool HasRoute(const std::string& path) const;

  void Handle(HttpRequest request, Responder respond) override;
  std::optional<size_t> BodyLimit(std::string_view path) const override;
  size_t LargestBodyLimit() const override;

 private:
  struct Route {
    std::map<std::string, RouteHandler> by_method;
    RouteOptions options;
  };
  std::map<std::string, Route, std::less<>> routes_;
};

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_ROUTER_H_
