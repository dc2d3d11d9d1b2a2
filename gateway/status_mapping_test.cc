// The one table from gRPC status to HTTP status, and the OAuth error bodies
// built from AuthService failures.
#include "gateway/status_mapping.h"

#include <grpcpp/support/status.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "auth/oauth_error_details.h"
#include "gtest/gtest.h"
#include "proto/auth/v1/auth.pb.h"

namespace mcp_oauth::gateway {
namespace {

using grpc::StatusCode;

std::vector<std::string> HeaderValues(const HttpResponse& response, const std::string& name) {
  std::vector<std::string> values;
  for (const auto& [field, value] : response.headers) {
    if (field == name) values.push_back(value);
  }
  return values;
}

TEST(HttpStatusFromGrpcCodeTest, EveryCodeHasItsHttpStatus) {
  const std::vector<std::pair<StatusCode, int>> table = {
      {StatusCode::OK, 200},
      {StatusCode::CANCELLED, 499},
      {StatusCode::UNKNOWN, 500},
      {StatusCode::INVALID_ARGUMENT, 400},
      {StatusCode::DEADLINE_EXCEEDED, 504},
      {StatusCode::NOT_FOUND, 404},
      {StatusCode::ALREADY_EXISTS, 409},
      {StatusCode::PERMISSION_DENIED, 403},
      {StatusCode::RESOURCE_EXHAUSTED, 429},
      {StatusCode::FAILED_PRECONDITION, 400},
      {StatusCode::ABORTED, 409},
      {StatusCode::OUT_OF_RANGE, 400},
      {StatusCode::UNIMPLEMENTED, 501},
      {StatusCode::INTERNAL, 500},
      {StatusCode::UNAVAILABLE, 503},
      {StatusCode::DATA_LOSS, 500},
      {StatusCode::UNAUTHENTICATED, 401},
  };
  for (const auto& [code, http] : table) {
    EXPECT_EQ(HttpStatusFromGrpcCode(code), http) << "gRPC code " << code;
  }
  EXPECT_EQ(HttpStatusFromGrpcCode(99), 500) << "an unknown code is a server error";
  EXPECT_EQ(HttpStatusFromGrpcCode(-1), 500);
}

TEST(OAuthErrorFromStatusTest, KeepsTheServicesOAuthError) {
  auth::v1::OAuthError sent;
  sent.set_error("invalid_grant");
  sent.set_error_description("code expired");
  sent.set_http_status(400);
  auth::v1::OAuthError got =
      OAuthErrorFromStatus(auth::MakeOAuthStatus(StatusCode::INVALID_ARGUMENT, sent));
  EXPECT_EQ(got.error(), "invalid_grant");
  EXPECT_EQ(got.error_description(), "code expired");
  EXPECT_EQ(got.http_status(), 400);
}

TEST(OAuthErrorFromStatusTest, FillsAMissingHttpStatusFromTheCode) {
  auth::v1::OAuthError sent;
  sent.set_error("invalid_token");
  auth::v1::OAuthError got =
      OAuthErrorFromStatus(auth::MakeOAuthStatus(StatusCode::UNAUTHENTICATED, sent));
  EXPECT_EQ(got.error(), "invalid_token");
  EXPECT_EQ(got.http_status(), 401);
}

TEST(OAuthErrorFromStatusTest, InfrastructureFailuresSayNothingInternal) {
  struct Case {
    StatusCode code;
    std::string error;
    int http_status;
  };
  const std::vector<Case> cases = {
      {StatusCode::UNAVAILABLE, "temporarily_unavailable", 503},
      {StatusCode::DEADLINE_EXCEEDED, "temporarily_unavailable", 503},
      {StatusCode::UNIMPLEMENTED, "server_error", 501},
      {StatusCode::INTERNAL, "server_error", 500},
      {StatusCode::INVALID_ARGUMENT, "server_error", 500},
  };
  for (const Case& c : cases) {
    auth::v1::OAuthError got =
        OAuthErrorFromStatus(grpc::Status(c.code, "db password=hunter2 at 10.0.0.7"));
    EXPECT_EQ(got.error(), c.error) << c.code;
    EXPECT_EQ(got.http_status(), c.http_status) << c.code;
    EXPECT_EQ(got.error_description().find("hunter2"), std::string::npos) << c.code;
  }
}

TEST(OAuthJsonErrorTest, RendersRfc6749Body) {
  auth::v1::OAuthError error;
  error.set_error("invalid_client");
  error.set_error_description("unknown client");
  error.set_http_status(401);
  error.set_www_authenticate("Basic realm=\"oauth\"");
  HttpResponse response = OAuthJsonError(error);
  EXPECT_EQ(response.status, 401);
  nlohmann::json body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body,
            (nlohmann::json{{"error", "invalid_client"}, {"error_description", "unknown client"}}));
  EXPECT_EQ(HeaderValues(response, "WWW-Authenticate"),
            std::vector<std::string>{"Basic realm=\"oauth\""});
  EXPECT_EQ(HeaderValues(response, "Cache-Control"), std::vector<std::string>{"no-store"});
  EXPECT_EQ(HeaderValues(response, "Pragma"), std::vector<std::string>{"no-cache"});
  EXPECT_TRUE(HeaderValues(response, "Retry-After").empty());
}

TEST(OAuthJsonErrorTest, RetryAfterAndDefaultStatus) {
  auth::v1::OAuthError error;
  error.set_error("slow_down");
  error.set_retry_after_seconds(7);
  HttpResponse response = OAuthJsonError(error);
  EXPECT_EQ(response.status, 400) << "no status given: 400 (RFC 6749 §5.2)";
  EXPECT_EQ(HeaderValues(response, "Retry-After"), std::vector<std::string>{"7"});
  EXPECT_TRUE(HeaderValues(response, "WWW-Authenticate").empty());
  nlohmann::json body = nlohmann::json::parse(response.body);
  EXPECT_FALSE(body.contains("error_description")) << "empty description left out";
}

TEST(OAuthJsonErrorTest, InvalidUtf8DescriptionStillGivesJson) {
  auth::v1::OAuthError error;
  error.set_error("invalid_request");
  error.set_error_description("bad \xff byte");
  error.set_http_status(400);
  HttpResponse response = OAuthJsonError(error);
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  ASSERT_FALSE(body.is_discarded());
  EXPECT_EQ(body["error"], "invalid_request");
}

}  // namespace
}  // namespace mcp_oauth::gateway
