#include "auth/auth_service.h"

#include <map>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "auth/memory_store.h"
#include "auth/oauth_error_details.h"
#include "auth/secret_hash.h"
#include "common/crypto.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace mcp_oauth::auth {
namespace {

constexpr char kVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

std::string QueryParam(const std::string& url, const std::string& name) {
  size_t start = url.find(name + "=");
  if (start == std::string::npos) return "";
  start += name.size() + 1;
  size_t end = url.find('&', start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

class AuthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AuthOptions o;
    o.public_url = "http://localhost:9003";
    ClientConfig client;
    client.client_id = "static-client";
    client.secret_hash = HashSecret("static-secret", 1000);
    client.redirect_uris = {"http://localhost:9003/callback"};
    client.allowed_scopes = {"user"};
    o.clients = {client};
    o.users = {{"alice", "alice", HashSecret("alice-pw", 1000)}};
    o.using_demo_user = true;  // exercises the startup warning path
    core_ = std::make_shared<AuthorizationServer>(o, std::make_shared<MemoryStore>(),
                                                  std::make_shared<FakeClock>());
    service_ = std::make_unique<AuthServiceImpl>(core_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    stub_ = v1::AuthService::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                                         grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return context;
  }

  std::shared_ptr<AuthorizationServer> core_;
  std::unique_ptr<AuthServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::AuthService::Stub> stub_;
};

TEST(OAuthErrorDetailsTest, RoundTrip) {
  v1::OAuthError error;
  error.set_error("invalid_client");
  error.set_error_description("Client authentication failed");
  error.set_http_status(401);
  error.set_www_authenticate("Basic realm=\"x\"");
  grpc::Status status = MakeOAuthStatus(error);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), "Client authentication failed");
  auto extracted = ExtractOAuthError(status);
  ASSERT_TRUE(extracted.has_value());
  EXPECT_EQ(extracted->SerializeAsString(), error.SerializeAsString());
  EXPECT_FALSE(ExtractOAuthError(grpc::Status(grpc::StatusCode::INTERNAL, "x")).has_value());
  EXPECT_FALSE(
      ExtractOAuthError(grpc::Status(grpc::StatusCode::INTERNAL, "x", "not a proto \xff"))
          .has_value());
  EXPECT_EQ(GrpcCodeForHttpStatus(429), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(GrpcCodeForHttpStatus(403), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AuthServiceTest, RegisterErrorCarriesDecodableOAuthError) {
  v1::RegisterResponse response;
  grpc::Status status = stub_->Register(Context().get(), v1::RegisterRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  auto error = ExtractOAuthError(status);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->http_status(), 403);
  EXPECT_EQ(error->error(), "access_denied");
  EXPECT_TRUE(absl::EndsWith(error->error_description(), "Use client_id: static-client"));
}

TEST_F(AuthServiceTest, OffloadedTokenErrorCarriesChallenge) {
  v1::TokenRequest request;
  request.set_grant_type("authorization_code");
  request.mutable_client()->set_method(v1::ClientCredentials::CLIENT_SECRET_BASIC);
  request.mutable_client()->set_client_id("static-client");
  request.mutable_client()->set_client_secret("wrong");
  v1::TokenResponse response;
  grpc::Status status = stub_->Token(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  auto error = ExtractOAuthError(status);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->error(), "invalid_client");
  EXPECT_EQ(error->www_authenticate(), "Basic realm=\"http://localhost:9003\"");
}

TEST_F(AuthServiceTest, RedirectErrorKeepsRedirectTo) {
  v1::StartAuthorizationRequest request;
  request.set_response_type("code");
  request.set_client_id("static-client");
  request.set_redirect_uri("http://localhost:9003/callback");
  request.set_state("s1");
  v1::StartAuthorizationResponse response;
  grpc::Status status = stub_->StartAuthorization(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto error = ExtractOAuthError(status);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->error(), "invalid_request");
  EXPECT_TRUE(absl::StartsWith(error->redirect_to(),
                               "http://localhost:9003/callback?error=invalid_request&"));
  EXPECT_TRUE(absl::StrContains(error->redirect_to(), "&state=s1&"));
}

TEST_F(AuthServiceTest, FullFlowOverGrpc) {
  v1::ServerMetadata metadata;
  ASSERT_TRUE(
      stub_->GetServerMetadata(Context().get(), v1::GetServerMetadataRequest(), &metadata).ok());
  EXPECT_EQ(metadata.issuer(), "http://localhost:9003");

  v1::StartAuthorizationRequest start;
  start.set_response_type("code");
  start.set_client_id("static-client");
  start.set_redirect_uri("http://localhost:9003/callback");
  start.set_code_challenge(crypto::Base64UrlEncode(crypto::Sha256(kVerifier)));
  start.set_code_challenge_method("S256");
  v1::StartAuthorizationResponse started;
  ASSERT_TRUE(stub_->StartAuthorization(Context().get(), start, &started).ok());

  v1::DescribeAuthorizationRequest describe;
  describe.set_authorization_id(started.authorization_id());
  v1::DescribeAuthorizationResponse described;
  ASSERT_TRUE(stub_->DescribeAuthorization(Context().get(), describe, &described).ok());

  v1::CompleteLoginRequest login;
  login.set_authorization_id(started.authorization_id());
  login.set_username("alice");
  login.set_password("wrong");
  login.set_csrf_token(described.csrf_token());
  v1::CompleteLoginResponse logged_in;
  grpc::Status bad = stub_->CompleteLogin(Context().get(), login, &logged_in);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_TRUE(ExtractOAuthError(bad).has_value());
  EXPECT_EQ(ExtractOAuthError(bad)->error_description(), "Invalid username or password");
  login.set_password("alice-pw");
  ASSERT_TRUE(stub_->CompleteLogin(Context().get(), login, &logged_in).ok());
  std::string code = QueryParam(logged_in.redirect_to(), "code");
  ASSERT_FALSE(code.empty());

  v1::TokenRequest token;
  token.set_grant_type("authorization_code");
  token.mutable_client()->set_method(v1::ClientCredentials::CLIENT_SECRET_POST);
  token.mutable_client()->set_client_id("static-client");
  token.mutable_client()->set_client_secret("static-secret");
  token.set_code(code);
  token.set_redirect_uri("http://localhost:9003/callback");
  token.set_code_verifier(kVerifier);
  v1::TokenResponse tokens;
  grpc::Status issued = stub_->Token(Context().get(), token, &tokens);
  ASSERT_TRUE(issued.ok()) << issued.error_message();
  EXPECT_EQ(tokens.token_type(), "Bearer");
  EXPECT_FALSE(tokens.refresh_token().empty());

  v1::ValidateAccessTokenRequest validate;
  validate.set_access_token(tokens.access_token());
  validate.set_resource("http://localhost:9003/mcp");
  validate.add_required_scopes("user");
  v1::ValidateAccessTokenResponse validated;
  ASSERT_TRUE(stub_->ValidateAccessToken(Context().get(), validate, &validated).ok());
  EXPECT_EQ(validated.principal().username(), "alice");

  validate.set_access_token("nope");
  grpc::Status invalid = stub_->ValidateAccessToken(Context().get(), validate, &validated);
  EXPECT_EQ(invalid.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_TRUE(ExtractOAuthError(invalid).has_value());
  EXPECT_EQ(ExtractOAuthError(invalid)->error(), "invalid_token");
}

}  // namespace
}  // namespace mcp_oauth::auth
