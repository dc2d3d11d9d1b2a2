// How an OAuthError travels inside a gRPC status: the status's error_details
// (sent as grpc-status-details-bin) hold a serialized google.rpc.Status whose
// details contain one Any-packed mcp_oauth.auth.v1.OAuthError. Used by
// AuthServiceImpl to produce errors and by the gateway to render them.
#ifndef MCP_OAUTH_AUTH_OAUTH_ERROR_DETAILS_H_
#define MCP_OAUTH_AUTH_OAUTH_ERROR_DETAILS_H_

#include <optional>

#include "grpcpp/support/status.h"
#include "proto/auth/v1/auth.pb.h"

namespace mcp_oauth::auth {

// Returns the OAuthError carried by `status`, if any.
std::optional<v1::OAuthError> ExtractOAuthError(const grpc::Status& status);

// Returns the gRPC code matching an HTTP status (400 INVALID_ARGUMENT,
// 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 NOT_FOUND,
// 429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE, 3xx INVALID_ARGUMENT, else INTERNAL).
grpc::StatusCode GrpcCodeForHttpStatus(int http_status);

// Returns a non-OK status carrying `error`, with the given code.
grpc::Status MakeOAuthStatus(grpc::StatusCode code, const v1::OAuthError& error);
// Same, with the code derived from error.http_status().
grpc::Status MakeOAuthStatus(const v1::OAuthError& error);

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_OAUTH_ERROR_DETAILS_H_
