#include "auth/oauth_error_details.h"

#include <string>

#include "google/rpc/status.pb.h"

namespace mcp_oauth::auth {

std::optional<v1::OAuthError> ExtractOAuthError(const grpc::Status& status) {
  if (status.ok() || status.error_details().empty()) return std::nullopt;
  google::rpc::Status rpc_status;
  if (!rpc_status.ParseFromString(status.error_details())) return std::nullopt;
  for (const google::protobuf::Any& detail : rpc_status.details()) {
    if (!detail.Is<v1::OAuthError>()) continue;
    v1::OAuthError error;
    if (detail.UnpackTo(&error)) return error;
  }
  return std::nullopt;
}

grpc::StatusCode GrpcCodeForHttpStatus(int http_status) {
  switch (http_status) {
    case 400:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case 401:
      return grpc::StatusCode::UNAUTHENTICATED;
    case 403:
      return grpc::StatusCode::PERMISSION_DENIED;
    case 404:
      return grpc::StatusCode::NOT_FOUND;
    case 429:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case 503:
      return grpc::StatusCode::UNAVAILABLE;
    default:
      if (http_status >= 300 && http_status < 400) return grpc::StatusCode::INVALID_ARGUMENT;
      return grpc::StatusCode::INTERNAL;
  }
}

grpc::Status MakeOAuthStatus(grpc::StatusCode code, const v1::OAuthError& error) {
  const std::string& message =
      error.error_description().empty() ? error.error() : error.error_description();
  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(code));
  rpc_status.set_message(message);
  rpc_status.add_details()->PackFrom(error);
  return grpc::Status(code, message, rpc_status.SerializeAsString());
}

grpc::Status MakeOAuthStatus(const v1::OAuthError& error) {
  return MakeOAuthStatus(GrpcCodeForHttpStatus(error.http_status()), error);
}

}  // namespace mcp_oauth::auth
