// The outbound HTTP seam of the OpenID sign-in: a blocking request to a
// provider's endpoint. CurlFetcher is the real one; tests use fakes. Callers
// run it on a worker pool, never on gRPC callback or gateway IO threads.
#ifndef MCP_OAUTH_AUTH_OIDC_HTTP_FETCHER_H_
#define MCP_OAUTH_AUTH_OIDC_HTTP_FETCHER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace mcp_oauth::auth::oidc {

struct HttpRequest {
  std::string url;
  bool post = false;  // POST with `body` (form encoded) when true, else GET
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Returns a GET request of `url`.
inline HttpRequest GetRequest(std::string url) {
  HttpRequest request;
  request.url = std::move(url);
  return request;
}

struct HttpResponse {
  int status = 0;
  std::string body;
};

class HttpFetcher {
 public:
  virtual ~HttpFetcher() = default;
  // Returns the response (any HTTP status), or UNAVAILABLE / DEADLINE_EXCEEDED
  // when the server cannot be reached in time, INVALID_ARGUMENT for a URL
  // this fetcher refuses, RESOURCE_EXHAUSTED for a body over the limit.
  virtual absl::StatusOr<HttpResponse> Fetch(const HttpRequest& request) = 0;
};

}  // namespace mcp_oauth::auth::oidc

#endif  // MCP_OAUTH_AUTH_OIDC_HTTP_FETCHER_H_
