// OAuth failures as absl::Status: the status carries a v1::OAuthError (the
// proto from auth.proto) as a payload, so the core stays transport-free and
// the gRPC layer can forward the error unchanged. Thread safe.
#ifndef MCP_OAUTH_AUTH_OAUTH_ERROR_H_
#define MCP_OAUTH_AUTH_OAUTH_ERROR_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "proto/auth/v1/auth.pb.h"

namespace mcp_oauth::auth {

// Payload type URL of the OAuthError inside an absl::Status.
inline constexpr char kOAuthErrorTypeUrl[] = "type.googleapis.com/mcp_oauth.auth.v1.OAuthError";

// Returns the canonical status code for an HTTP status (400 -> INVALID_ARGUMENT,
// 401 -> UNAUTHENTICATED, 403 -> PERMISSION_DENIED, 404 -> NOT_FOUND,
// 429 -> RESOURCE_EXHAUSTED, 503 -> UNAVAILABLE, 3xx -> INVALID_ARGUMENT,
// else INTERNAL).
absl::StatusCode StatusCodeForHttp(int http_status);

// Returns a non-OK status with code `code`, message error_description (or
// error) and `error` attached as payload.
absl::Status OAuthErrorStatus(absl::StatusCode code, const v1::OAuthError& error);
// Same, with the code derived from error.http_status().
absl::Status OAuthErrorStatus(const v1::OAuthError& error);

// Shorthand: an OAuth error with the given HTTP status, code and description.
absl::Status MakeOAuthError(int http_status, const std::string& error,
                            const std::string& description);

// Returns the OAuthError carried by `status`, if any.
std::optional<v1::OAuthError> GetOAuthError(const absl::Status& status);

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_OAUTH_ERROR_H_
