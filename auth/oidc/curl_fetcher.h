// HttpFetcher over libcurl: certificate verification always on, trust from
// the system store plus the CA file/directory given (main passes
// SSL_CERT_FILE / SSL_CERT_DIR, which libcurl does not read by itself),
// connect and total timeouts, a response size limit, no redirects followed,
// https only (plain http only to a loopback host, for local development).
// Thread safe: each Fetch uses its own easy handle.
#ifndef MCP_OAUTH_AUTH_OIDC_CURL_FETCHER_H_
#define MCP_OAUTH_AUTH_OIDC_CURL_FETCHER_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "auth/oidc/http_fetcher.h"

namespace mcp_oauth::auth::oidc {

struct CurlFetcherOptions {
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration total_timeout = absl::Seconds(10);
  size_t max_response_bytes = 1 << 20;
  std::string ca_file;  // CURLOPT_CAINFO when set
  std::string ca_path;  // CURLOPT_CAPATH when set
};

class CurlFetcher final : public HttpFetcher {
 public:
  explicit CurlFetcher(CurlFetcherOptions options);
  absl::StatusOr<HttpResponse> Fetch(const HttpRequest& request) override;

 private:
  const CurlFetcherOptions options_;
};

// Returns a CurlFetcher trusting the system store plus `ca_file` / `ca_path`
// (either may be empty).
std::shared_ptr<HttpFetcher> MakeCurlFetcher(const std::string& ca_file,
                                             const std::string& ca_path);

// Returns true for http(s) URLs this module may fetch: https, or http to
// localhost / 127.0.0.1 / [::1].
bool IsFetchableUrl(const std::string& url);

}  // namespace mcp_oauth::auth::oidc

#endif  // MCP_OAUTH_AUTH_OIDC_CURL_FETCHER_H_
