#include "auth/oauth_error.h"

#include "absl/strings/cord.h"

namespace mcp_oauth::auth {

absl::StatusCode StatusCodeForHttp(int http_status) {
  switch (http_status) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 429:
      return absl::StatusCode::kResourceExhausted;
    case 503:
      return absl::StatusCode::kUnavailable;
    default:
      if (http_status >= 300 && http_status < 400) return absl::StatusCode::kInvalidArgument;
      return absl::StatusCode::kInternal;
  }
}

absl::Status OAuthErrorStatus(absl::StatusCode code, const v1::OAuthError& error) {
  const std::string& message =
      error.error_description().empty() ? error.error() : error.error_description();
  absl::Status status(code, message);
  status.SetPayload(kOAuthErrorTypeUrl, absl::Cord(error.SerializeAsString()));
  return status;
}

absl::Status OAuthErrorStatus(const v1::OAuthError& error) {
  return OAuthErrorStatus(StatusCodeForHttp(error.http_status()), error);
}

absl::Status MakeOAuthError(int http_status, const std::string& error,
                            const std::string& description) {
  v1::OAuthError e;
  e.set_http_status(http_status);
  e.set_error(error);
  e.set_error_description(description);
  return OAuthErrorStatus(e);
}

std::optional<v1::OAuthError> GetOAuthError(const absl::Status& status) {
  auto payload = status.GetPayload(kOAuthErrorTypeUrl);
  if (!payload) return std::nullopt;
  v1::OAuthError error;
  if (!error.ParseFromString(std::string(*payload))) return std::nullopt;
  return error;
}

}  // namespace mcp_oauth::auth
