// BearerAuthenticator against a fake AuthService client: the RFC 6750 /
// RFC 9728 challenges for a missing, malformed, invalid or under-scoped token,
// the request it sends, and its validation cache.
#include "gateway/bearer_auth.h"

#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/oauth_error_details.h"
#include "client/testing/fake_auth_client.h"
#include "gtest/gtest.h"

namespace mcp_oauth::gateway {
namespace {

using client::testing::FakeAuthClient;

constexpr char kMetadataUrl[] = "http://gw.test/.well-known/oauth-protected-resource/mcp";

std::string Header(const HttpResponse& response, const std::string& name) {
  for (const auto& [field, value] : response.headers) {
    if (field == name) return value;
  }
  return "";
}

// One Authenticate call's outcome: the principal, or the response.
struct Outcome {
  std::optional<Principal> principal;
  std::optional<HttpResponse> response;
};

class BearerAuthTest : public ::testing::Test {
 protected:
  BearerAuthTest() {
    auth_->validate.response.mutable_principal()->set_subject("sub-1");
    auth_->validate.response.mutable_principal()->set_username("alice");
    auth_->validate.response.mutable_principal()->set_client_id("client-1");
    auth_->validate.response.mutable_principal()->add_scopes("user");
    auth_->validate.response.mutable_principal()->set_expires_at(std::time(nullptr) + 3600);
  }

  BearerAuthOptions Options(std::chrono::milliseconds cache_ttl = std::chrono::milliseconds(0)) {
    BearerAuthOptions options;
    options.resource = "http://gw.test/mcp";
    options.resource_metadata_url = kMetadataUrl;
    options.required_scopes = {"user", "tools"};
    options.cache_ttl = cache_ttl;
    return options;
  }

  Outcome Run(BearerAuthenticator& bearer, std::optional<std::string> authorization) {
    HttpRequest request;
    request.method = "POST";
    request.path = "/mcp";
    request.request_id = "req-42";
    if (authorization) request.headers.Add("authorization", *authorization);
    Outcome outcome;
    bearer.Authenticate(
        request, [&](Principal principal) { outcome.principal = std::move(principal); },
        [&](HttpResponse response) { outcome.response = std::move(response); });
    EXPECT_TRUE(outcome.principal.has_value() != outcome.response.has_value())
        << "exactly one of the callbacks runs";
    return outcome;
  }

  void FailWith(grpc::StatusCode code, const std::string& error, const std::string& description,
                int http_status = 0) {
    auth::v1::OAuthError oauth;
    oauth.set_error(error);
    oauth.set_error_description(description);
    oauth.set_http_status(http_status);
    auth_->status = auth::MakeOAuthStatus(code, oauth);
  }

  std::shared_ptr<FakeAuthClient> auth_ = std::make_shared<FakeAuthClient>();
};

TEST_F(BearerAuthTest, NoTokenIsChallengedWithoutAnErrorCode) {
  BearerAuthenticator bearer(auth_, Options());
  for (std::optional<std::string> header :
       {std::optional<std::string>(), std::optional<std::string>("Basic dXNlcjpwdw=="),
        std::optional<std::string>("Bearer"), std::optional<std::string>("Bearer    ")}) {
    Outcome outcome = Run(bearer, header);
    ASSERT_TRUE(outcome.response) << header.value_or("(none)");
    EXPECT_EQ(outcome.response->status, 401);
    // RFC 6750 §3.1: no error code when the request carried no token.
    EXPECT_EQ(
        Header(*outcome.response, "WWW-Authenticate"),
        std::string("Bearer resource_metadata=\"") + kMetadataUrl + "\", scope=\"user tools\"");
    EXPECT_EQ(nlohmann::json::parse(outcome.response->body)["error"], "unauthorized");
  }
  EXPECT_EQ(auth_->validate.calls, 0);
}

TEST_F(BearerAuthTest, MalformedTokenIsInvalidTokenWithoutACall) {
  BearerAuthenticator bearer(auth_, Options());
  for (const char* header : {"Bearer a b", "Bearer tok\xff", "Bearer ===", "Bearer a\"b"}) {
    Outcome outcome = Run(bearer, std::string(header));
    ASSERT_TRUE(outcome.response) << header;
    EXPECT_EQ(outcome.response->status, 401) << header;
    std::string challenge = Header(*outcome.response, "WWW-Authenticate");
    EXPECT_EQ(challenge.rfind("Bearer error=\"invalid_token\", ", 0), 0u) << challenge;
    EXPECT_NE(challenge.find("resource_metadata=\""), std::string::npos) << challenge;
  }
  EXPECT_EQ(auth_->validate.calls, 0);
}

TEST_F(BearerAuthTest, ValidTokenGivesThePrincipalAndSendsResourceAndScopes) {
  BearerAuthenticator bearer(auth_, Options());
  Outcome outcome = Run(bearer, "bEaReR  abc-DEF_123.~+/==  ");
  ASSERT_TRUE(outcome.principal);
  EXPECT_EQ(outcome.principal->subject, "sub-1");
  EXPECT_EQ(outcome.principal->username, "alice");
  EXPECT_EQ(outcome.principal->client_id, "client-1");
  EXPECT_EQ(outcome.principal->scopes, std::vector<std::string>{"user"});
  ASSERT_EQ(auth_->validate.calls, 1);
  EXPECT_EQ(auth_->validate.request.access_token(), "abc-DEF_123.~+/==");
  EXPECT_EQ(auth_->validate.request.resource(), "http://gw.test/mcp");
  EXPECT_EQ(std::vector<std::string>(auth_->validate.request.required_scopes().begin(),
                                     auth_->validate.request.required_scopes().end()),
            (std::vector<std::string>{"user", "tools"}));
  EXPECT_EQ(auth_->validate.options.request_id, "req-42");
}

TEST_F(BearerAuthTest, RejectedTokenIsInvalidTokenWithTheServicesDescription) {
  BearerAuthenticator bearer(auth_, Options());
  FailWith(grpc::StatusCode::UNAUTHENTICATED, "invalid_token", "token \"revoked\"", 401);
  Outcome outcome = Run(bearer, "Bearer revoked-token");
  ASSERT_TRUE(outcome.response);
  EXPECT_EQ(outcome.response->status, 401);
  EXPECT_EQ(Header(*outcome.response, "WWW-Authenticate"),
            std::string("Bearer error=\"invalid_token\", error_description=\"token "
                        "\\\"revoked\\\"\", resource_metadata=\"") +
                kMetadataUrl + "\", scope=\"user tools\"");
  nlohmann::json body = nlohmann::json::parse(outcome.response->body);
  EXPECT_EQ(body["error"], "invalid_token");
  EXPECT_EQ(body["error_description"], "token \"revoked\"");
}

TEST_F(BearerAuthTest, MissingScopeIs403InsufficientScope) {
  BearerAuthenticator bearer(auth_, Options());
  FailWith(grpc::StatusCode::PERMISSION_DENIED, "", "needs scope tools");
  Outcome outcome = Run(bearer, "Bearer narrow-token");
  ASSERT_TRUE(outcome.response);
  EXPECT_EQ(outcome.response->status, 403);
  std::string challenge = Header(*outcome.response, "WWW-Authenticate");
  EXPECT_EQ(challenge.rfind("Bearer error=\"insufficient_scope\"", 0), 0u) << challenge;
  EXPECT_NE(challenge.find("scope=\"user tools\""), std::string::npos) << challenge;
}

TEST_F(BearerAuthTest, ServiceOutageIs503WithoutAChallenge) {
  BearerAuthenticator bearer(auth_, Options());
  auth_->status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused");
  Outcome outcome = Run(bearer, "Bearer some-token");
  ASSERT_TRUE(outcome.response);
  EXPECT_EQ(outcome.response->status, 503);
  EXPECT_EQ(Header(*outcome.response, "WWW-Authenticate"), "");
  EXPECT_EQ(nlohmann::json::parse(outcome.response->body)["error"], "temporarily_unavailable");
}

TEST_F(BearerAuthTest, CacheReusesAValidationAndKeysItByToken) {
  BearerAuthenticator bearer(auth_, Options(std::chrono::minutes(1)));
  ASSERT_TRUE(Run(bearer, "Bearer token-a").principal);
  ASSERT_TRUE(Run(bearer, "Bearer token-a").principal);
  EXPECT_EQ(auth_->validate.calls, 1) << "second request answered from the cache";
  // Another token is validated on its own, and a refusal is not cached.
  FailWith(grpc::StatusCode::UNAUTHENTICATED, "invalid_token", "unknown", 401);
  EXPECT_TRUE(Run(bearer, "Bearer token-b").response);
  EXPECT_TRUE(Run(bearer, "Bearer token-b").response);
  EXPECT_EQ(auth_->validate.calls, 3);
}

TEST_F(BearerAuthTest, NoCacheWhenDisabledOrTokenAlreadyExpired) {
  BearerAuthenticator uncached(auth_, Options(std::chrono::milliseconds(0)));
  ASSERT_TRUE(Run(uncached, "Bearer token-a").principal);
  ASSERT_TRUE(Run(uncached, "Bearer token-a").principal);
  EXPECT_EQ(auth_->validate.calls, 2);

  auth_->validate.response.mutable_principal()->set_expires_at(std::time(nullptr) - 1);
  BearerAuthenticator cached(auth_, Options(std::chrono::minutes(1)));
  ASSERT_TRUE(Run(cached, "Bearer token-c").principal);
  ASSERT_TRUE(Run(cached, "Bearer token-c").principal);
  EXPECT_EQ(auth_->validate.calls, 4) << "never cached past the token's own expiry";
}

}  // namespace
}  // namespace mcp_oauth::gateway
