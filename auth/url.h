// Small URL helpers for the OAuth rules: redirect URI matching (RFC 8252
// §7.3 loopback ports), resource normalisation (RFC 8707) and query building.
// Pure functions, thread safe.
#ifndef MCP_OAUTH_AUTH_URL_H_
#define MCP_OAUTH_AUTH_URL_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace mcp_oauth::auth {

// The parts of an absolute URI. `host` keeps IPv6 brackets ("[::1]").
struct ParsedUrl {
  std::string scheme;
  bool has_authority = false;
  std::string host;
  std::string port;  // Digits only; empty when absent.
  std::string path;
  bool has_query = false;
  std::string query;
  bool has_fragment = false;
};

// Parses an absolute URI (scheme ":" ...). Rejects whitespace, control
// characters, user info and malformed ports.
absl::StatusOr<ParsedUrl> ParseUrl(std::string_view url);

// Returns true when `url` is an acceptable redirect URI: absolute, no fragment.
bool IsValidRedirectUri(std::string_view url);

// Returns true when `requested` matches the `registered` redirect URI: the
// exact string, or, for http URIs on loopback hosts (localhost, 127.0.0.1,
// [::1]), the same URI with any port.
bool RedirectUriMatches(std::string_view registered, std::string_view requested);

// Returns `resource` normalised for comparison: http(s) only, lower-case
// scheme and host, default port dropped, one trailing slash dropped. A
// fragment or a non-http(s) URI is an error.
absl::StatusOr<std::string> NormalizeResource(std::string_view resource);

// Returns "host" or "host:port" of `url`, or "" when it has no authority.
std::string HostAndPort(std::string_view url);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string PercentEncode(std::string_view text);

// Appends `params` (percent-encoded) to `uri`'s query, with '?' or '&'.
std::string AppendQueryParameters(std::string_view uri,
                                  const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_URL_H_
