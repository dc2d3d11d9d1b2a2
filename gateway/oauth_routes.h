// The OAuth HTTP routes: each one parses the request, makes one AuthService
// call and renders the answer (JSON, redirect or HTML page). No OAuth rule is
// decided here. Routes:
//   GET  /.well-known/oauth-authorization-server (+ /.well-known/openid-configuration)
//   GET  /.well-known/oauth-protected-resource[/mcp]
//   GET  /authorize            GET /login      POST /login, /login/callback
//   POST /login/oidc/start     GET /login/oidc/callback  (upstream OpenID sign-in)
//   POST /token   POST /introspect   POST /revoke   POST /register
// Thread safe.
#ifndef MCP_OAUTH_GATEWAY_OAUTH_ROUTES_H_
#define MCP_OAUTH_GATEWAY_OAUTH_ROUTES_H_

#include <memory>

#include "gateway/router.h"

namespace mcp_oauth::client {
class AuthClient;
}  // namespace mcp_oauth::client

namespace mcp_oauth::gateway {

// Default body limit of the form routes (/token, /login, /login/callback,
// /login/oidc/start, /introspect, /revoke, /register; --max-form-body-bytes).
inline constexpr size_t kDefaultFormBodyBytes = 16 * 1024;

class OAuthRoutes {
 public:
  // `auth` reaches AuthService (in process or remote).
  explicit OAuthRoutes(std::shared_ptr<client::AuthClient> auth);
  ~OAuthRoutes();

  // Adds the routes with their policies (CORS; `form_body_bytes`, the body
  // limit of the form routes) to `router`; `this` must outlive it.
  void Register(Router& router, size_t form_body_bytes = kDefaultFormBodyBytes);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_OAUTH_ROUTES_H_
