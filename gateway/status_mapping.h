// The single place where a gRPC status from AuthService or ToolService becomes
// an HTTP status and error body.
#ifndef MCP_OAUTH_GATEWAY_STATUS_MAPPING_H_
#define MCP_OAUTH_GATEWAY_STATUS_MAPPING_H_

#include "gateway/http_types.h"

namespace grpc {
class Status;
}

namespace mcp_oauth::auth::v1 {
class OAuthError;
}

namespace mcp_oauth::gateway {

// The grpc-gateway / Envoy table: OK 200, INVALID_ARGUMENT 400, ... (see the .cc).
int HttpStatusFromGrpcCode(int grpc_code);

// Returns the OAuth error carried by a failed AuthService call. A failure
// without one (e.g. the service is unreachable) becomes "server_error" or
// "temporarily_unavailable" with the mapped HTTP status.
auth::v1::OAuthError OAuthErrorFromStatus(const grpc::Status& status);

// RFC 6749 §5.2 JSON error response: {"error", "error_description"} with the
// error's HTTP status, WWW-Authenticate and Retry-After when present, and
// Cache-Control: no-store.
HttpResponse OAuthJsonError(const auth::v1::OAuthError& error);

// Adds Cache-Control: no-store and Pragma: no-cache (every OAuth response).
void AddNoStore(HttpResponse& response);

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_STATUS_MAPPING_H_
