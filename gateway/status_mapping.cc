#include "gateway/status_mapping.h"

#include <grpcpp/grpcpp.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "auth/oauth_error_details.h"
#include "proto/auth/v1/auth.pb.h"

namespace mcp_oauth::gateway {

int HttpStatusFromGrpcCode(int grpc_code) {
  switch (static_cast<grpc::StatusCode>(grpc_code)) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::FAILED_PRECONDITION:
      return 400;
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::DATA_LOSS:
    default:
      return 500;
  }
}

auth::v1::OAuthError OAuthErrorFromStatus(const grpc::Status& status) {
  if (std::optional<auth::v1::OAuthError> error = auth::ExtractOAuthError(status)) {
    if (error->http_status() == 0) {
      error->set_http_status(HttpStatusFromGrpcCode(status.error_code()));
    }
    return *error;
  }
  // No OAuth details: an infrastructure failure. Say nothing internal.
  auth::v1::OAuthError error;
  int http_status = HttpStatusFromGrpcCode(status.error_code());
  if (http_status == 503 || http_status == 504) {
    error.set_error("temporarily_unavailable");
    error.set_error_description("the authorization service is unavailable, try again");
    error.set_http_status(503);
  } else if (http_status == 501) {
    error.set_error("server_error");
    error.set_error_description("not implemented");
    error.set_http_status(501);
  } else {
    error.set_error("server_error");
    error.set_error_description("internal error");
    error.set_http_status(500);
  }
  return error;
}

void AddNoStore(HttpResponse& response) {
  response.SetHeader("Cache-Control", "no-store");
  response.SetHeader("Pragma", "no-cache");
}

HttpResponse OAuthJsonError(const auth::v1::OAuthError& error) {
  nlohmann::json body = {{"error", error.error()}};
  if (!error.error_description().empty()) body["error_description"] = error.error_description();
  HttpResponse response =
      JsonResponse(error.http_status() > 0 ? error.http_status() : 400,
                   body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (!error.www_authenticate().empty()) {
    response.SetHeader("WWW-Authenticate", error.www_authenticate());
  }
  if (error.retry_after_seconds() > 0) {
    response.SetHeader("Retry-After", std::to_string(error.retry_after_seconds()));
  }
  AddNoStore(response);
  return response;
}

}  // namespace mcp_oauth::gateway
