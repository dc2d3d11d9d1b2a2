// Resource-server side of /mcp: takes the bearer token from the Authorization
// header (never the query), validates it with AuthService.ValidateAccessToken
// for this resource and scopes, and renders RFC 6750 / RFC 9728 challenges:
// 401 with `WWW-Authenticate: Bearer resource_metadata="...", scope="..."`
// (plus error="invalid_token" when a token was sent), 403 insufficient_scope.
//
// Successful validations are cached for `cache_ttl` (never past the token's
// own expiry), so the hot path pays no RPC per request; a revoked token is
// therefore refused within `cache_ttl` at most. Only SHA-256 digests of
// tokens are kept. Thread safe.
#ifndef MCP_OAUTH_GATEWAY_BEARER_AUTH_H_
#define MCP_OAUTH_GATEWAY_BEARER_AUTH_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/principal.h"
#include "gateway/http_types.h"

namespace mcp_oauth::client {
class AuthClient;
}  // namespace mcp_oauth::client

namespace mcp_oauth::gateway {

struct BearerAuthOptions {
  // Canonical resource URL, e.g. "http://localhost:9003/mcp".
  std::string resource;
  // URL of this resource's RFC 9728 metadata document.
  std::string resource_metadata_url;
  std::vector<std::string> required_scopes = {"user"};
  // How long a successful validation is reused; zero disables the cache.
  std::chrono::milliseconds cache_ttl{5000};
  // Entries kept at most; the cache is emptied when it is full.
  size_t cache_capacity = 100000;
};

class BearerAuthenticator {
 public:
  // `auth` reaches AuthService (in process or remote).
  BearerAuthenticator(std::shared_ptr<client::AuthClient> auth, BearerAuthOptions options);
  ~BearerAuthenticator();

  // On success calls `on_success(principal)`; otherwise responds itself with
  // the 401/403/503 challenge. Either callback may run before this returns
  // or on another thread.
  void Authenticate(const HttpRequest& request, std::function<void(Principal)> on_success,
                    Responder respond);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_BEARER_AUTH_H_
