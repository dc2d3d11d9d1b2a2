#include "auth/auth_service.h"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "auth/clock.h"
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
    Configure(o);
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
    stub_ = v1::AuthService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  // Lets a derived fixture change the options before the service starts.
  virtual void Configure(AuthOptions& /*options*/) {}

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
  EXPECT_FALSE(ExtractOAuthError(grpc::Status(grpc::StatusCode::INTERNAL, "x", "not a proto \xff"))
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

// In memory a client-authenticated call costs less than a thread hand-off:
// it runs on the caller's thread, unless a sweep (a walk over the whole
// store) is due.
TEST(AuthServiceLanesTest, TokenCallsRunInlineOnAMemoryStoreUnlessASweepIsDue) {
  AuthOptions o;
  o.public_url = "http://localhost:9003";
  ClientConfig client;
  client.client_id = "static-client";
  client.secret_hash = HashSecret("static-secret", 1000);
  client.redirect_uris = {"http://localhost:9003/callback"};
  client.allowed_scopes = {"user"};
  client.grant_types = {"authorization_code", "refresh_token"};
  o.clients = {client};
  auto clock = std::make_shared<FakeClock>();
  AuthServiceImpl service(
      std::make_shared<AuthorizationServer>(o, std::make_shared<MemoryStore>(), clock));
  v1::TokenRequest request;
  request.set_grant_type("refresh_token");
  request.set_refresh_token("unknown");
  request.mutable_client()->set_method(v1::ClientCredentials::CLIENT_SECRET_POST);
  request.mutable_client()->set_client_id("static-client");
  request.mutable_client()->set_client_secret("static-secret");
  // Returns the thread `done` ran on, after checking the answer.
  auto call = [&]() {
    absl::Notification finished;
    std::thread::id ran_on;
    service.Call(AuthServiceImpl::Via::kInProcess, "req", request,
                 [&](const grpc::Status& status, v1::TokenResponse&) {
                   EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
                       << status.error_message();
                   ran_on = std::this_thread::get_id();
                   finished.Notify();
                 });
    EXPECT_TRUE(finished.WaitForNotificationWithTimeout(absl::Seconds(10)));
    return ran_on;
  };
  // The first call verifies the secret (KDF: the hashing budget) and
  // schedules the first sweep.
  EXPECT_NE(call(), std::this_thread::get_id());
  EXPECT_EQ(call(), std::this_thread::get_id());
  EXPECT_EQ(call(), std::this_thread::get_id());
  clock->Advance(o.sweep_interval);
  EXPECT_NE(call(), std::this_thread::get_id());  // Sweeps, off this thread.
  EXPECT_EQ(call(), std::this_thread::get_id());
  service.Shutdown();
}

// A store whose every call fails as a database outage does.
class DownStore final : public Store {
 public:
  absl::Status PutPendingAuthorization(const PendingAuthorization&, int64_t) override {
    return Down();
  }
  absl::StatusOr<std::optional<PendingAuthorization>> GetPendingAuthorization(const std::string&,
                                                                              absl::Time) override {
    return Down();
  }
  absl::Status DeletePendingAuthorization(const std::string&) override { return Down(); }
  absl::Status CompleteAuthorization(const std::string&, absl::Time,
                                     const AuthorizationCode&) override {
    return Down();
  }
  absl::StatusOr<ConsumeCodeResult> ConsumeCode(const std::string&, absl::Time,
                                                const CodeBindingCheck&) override {
    return Down();
  }
  absl::Status IssueTokens(const TokenFamily&, const AccessTokenRecord&,
                           const std::optional<RefreshTokenRecord>&) override {
    return Down();
  }
  absl::StatusOr<std::optional<AccessTokenRecord>> GetAccessToken(const std::string&) override {
    return Down();
  }
  absl::StatusOr<std::optional<RefreshTokenRecord>> GetRefreshToken(
      const RefreshTokenKey&) override {
    return Down();
  }
  absl::StatusOr<RedeemRefreshResult> RedeemRefreshToken(const RefreshTokenKey&, absl::Time,
                                                         const RefreshDecision&) override {
    return Down();
  }
  absl::Status RevokeFamily(const std::string&) override { return Down(); }
  absl::Status RevokeAccessToken(const std::string&) override { return Down(); }
  absl::StatusOr<std::vector<ThrottleState>> ReadLoginFailures(const std::vector<std::string>&,
                                                               absl::Time) override {
    return Down();
  }
  absl::StatusOr<ThrottleState> RecordLoginFailure(const std::string&, absl::Time,
                                                   absl::Duration) override {
    return Down();
  }
  absl::Status ResetLoginFailures(const std::string&) override { return Down(); }
  absl::StatusOr<int64_t> Sweep(absl::Time) override {
    ++sweeps;
    return Down();
  }

  std::atomic<int> calls{0};
  std::atomic<int> sweeps{0};

 private:
  absl::Status Down() {
    ++calls;
    return absl::UnavailableError("token store unavailable: connection refused");
  }
};

// Runs `request` as a gRPC callback thread would (this thread standing in
// for it) and checks the answer: 503 temporarily_unavailable, given on
// another thread, after at least one store call.
template <typename Response, typename Request>
void ExpectStoreUnavailable(AuthServiceImpl& service, DownStore& store, const Request& request) {
  const int calls_before = store.calls.load();
  absl::Notification finished;
  grpc::Status status;
  std::thread::id ran_on;
  service.Call(AuthServiceImpl::Via::kGrpc, "", request,
               AuthServiceImpl::Done<Response>([&](const grpc::Status& s, Response&) {
                 status = s;
                 ran_on = std::this_thread::get_id();
                 finished.Notify();
               }));
  ASSERT_TRUE(finished.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_NE(ran_on, std::this_thread::get_id());
  EXPECT_GT(store.calls.load(), calls_before);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  std::optional<v1::OAuthError> error = ExtractOAuthError(status);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->error(), "temporarily_unavailable");
  EXPECT_EQ(error->http_status(), 503);
  EXPECT_EQ(error->retry_after_seconds(), 1);
}

// A store outage is UNAVAILABLE (HTTP 503, retry later) from every RPC that
// needs the store, never "invalid token" or "invalid grant"; and on a store
// that may block, none of them runs on the calling thread.
AuthOptions StoreDownOptions() {
  AuthOptions o;
  o.public_url = "http://localhost:9003";
  ClientConfig client;
  client.client_id = "static-client";
  client.secret_hash = HashSecret("static-secret", 1000);
  client.redirect_uris = {"http://localhost:9003/callback"};
  client.allowed_scopes = {"user"};
  client.grant_types = {"authorization_code", "refresh_token"};
  o.clients = {client};
  o.users = {{"alice", "alice", HashSecret("alice-pw", 1000)}};
  return o;
}

void SetCredentials(v1::ClientCredentials* c) {
  c->set_method(v1::ClientCredentials::CLIENT_SECRET_POST);
  c->set_client_id("static-client");
  c->set_client_secret("static-secret");
}

TEST(AuthServiceStoreDownTest, EveryStoreCallAnswersUnavailableOffTheCallingThread) {
  AuthOptions o = StoreDownOptions();
  // No client-authentication throttle, so that Token, Introspect and Revoke
  // reach store calls of their own (the throttle's read: the next test).
  o.max_client_auth_failures = 0;
  o.max_client_auth_failures_per_ip = 0;
  auto store = std::make_shared<DownStore>();
  auto clock = std::make_shared<FakeClock>();
  AuthServiceImpl service(std::make_shared<AuthorizationServer>(o, store, clock));
  auto credentials = SetCredentials;

  v1::StartAuthorizationRequest start;
  start.set_response_type("code");
  start.set_client_id("static-client");
  start.set_redirect_uri("http://localhost:9003/callback");
  start.set_code_challenge(crypto::Base64UrlEncode(crypto::Sha256(kVerifier)));
  start.set_code_challenge_method("S256");
  ExpectStoreUnavailable<v1::StartAuthorizationResponse>(service, *store, start);
  v1::DescribeAuthorizationRequest describe;
  describe.set_authorization_id("some-authorization");
  ExpectStoreUnavailable<v1::DescribeAuthorizationResponse>(service, *store, describe);
  v1::CompleteLoginRequest login;
  login.set_authorization_id("some-authorization");
  login.set_username("alice");
  login.set_password("alice-pw");
  ExpectStoreUnavailable<v1::CompleteLoginResponse>(service, *store, login);
  v1::StartUpstreamSignInRequest upstream;
  upstream.set_authorization_id("some-authorization");
  upstream.set_provider_id("corp");
  ExpectStoreUnavailable<v1::StartUpstreamSignInResponse>(service, *store, upstream);
  for (const char* grant : {"authorization_code", "refresh_token"}) {
    SCOPED_TRACE(grant);
    v1::TokenRequest token;
    token.set_grant_type(grant);
    token.set_code("some-code");
    token.set_code_verifier(kVerifier);
    token.set_redirect_uri("http://localhost:9003/callback");
    token.set_refresh_token("some-refresh-token");
    credentials(token.mutable_client());
    ExpectStoreUnavailable<v1::TokenResponse>(service, *store, token);
  }
  v1::IntrospectRequest introspect;
  introspect.set_token("some-token");
  credentials(introspect.mutable_client());
  ExpectStoreUnavailable<v1::IntrospectResponse>(service, *store, introspect);
  v1::RevokeRequest revoke;
  revoke.set_token("some-token");
  credentials(revoke.mutable_client());
  ExpectStoreUnavailable<v1::RevokeResponse>(service, *store, revoke);
  v1::ValidateAccessTokenRequest validate;
  validate.set_access_token("some-token");
  ExpectStoreUnavailable<v1::ValidateAccessTokenResponse>(service, *store, validate);

  // The periodic sweep: its failure is the failure of the call that ran it.
  clock->Advance(o.sweep_interval);
  ExpectStoreUnavailable<v1::StartAuthorizationResponse>(service, *store, start);
  EXPECT_EQ(store->sweeps.load(), 1);

  // What needs no store still answers, on the calling thread.
  std::thread::id ran_on;
  grpc::Status metadata_status;
  service.Call(
      AuthServiceImpl::Via::kGrpc, "", v1::GetServerMetadataRequest(),
      AuthServiceImpl::Done<v1::ServerMetadata>([&](const grpc::Status& s, v1::ServerMetadata&) {
        metadata_status = s;
        ran_on = std::this_thread::get_id();
      }));
  EXPECT_TRUE(metadata_status.ok());
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  service.Shutdown();
}

TEST(AuthServiceStoreDownTest, ClientAuthenticationThrottleReadAnswersUnavailable) {
  auto store = std::make_shared<DownStore>();
  AuthServiceImpl service(std::make_shared<AuthorizationServer>(StoreDownOptions(), store,
                                                                std::make_shared<FakeClock>()));
  v1::TokenRequest token;
  token.set_grant_type("refresh_token");
  token.set_refresh_token("some-refresh-token");
  SetCredentials(token.mutable_client());
  ExpectStoreUnavailable<v1::TokenResponse>(service, *store, token);
  service.Shutdown();
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

// A hashing budget of one thread and one waiting place per kind of check,
// and a user and a client whose hashes take seconds to check: a handful of
// sign-ins (or wrong client secrets) saturate the budget.
class HashingBudgetTest : public AuthServiceTest {
 protected:
  static constexpr int kSlowIterations = 3000000;  // 1-3 s of PBKDF2 on one core

  // A hash that takes kSlowIterations to check and that no password matches
  // (made without running the KDF, so the fixture starts fast).
  static std::string SlowHash() {
    return absl::StrCat("pbkdf2-sha256$", kSlowIterations, "$",
                        crypto::Base64UrlEncode(crypto::RandomBytes(16)), "$",
                        crypto::Base64UrlEncode(crypto::RandomBytes(32)));
  }

  void Configure(AuthOptions& o) override {
    o.hash_threads = 1;
    o.hash_queue = 1;
    // Listed first: the core makes its dummy hashes with the last entry's cost.
    o.users.insert(o.users.begin(), {"slow", "slow", SlowHash()});
    ClientConfig slow_client = o.clients.front();
    slow_client.client_id = "slow-client";
    slow_client.secret_hash = SlowHash();
    o.clients.insert(o.clients.begin(), slow_client);
  }

  // Signs alice in for static-client (whose secret gets verified, so later
  // calls with it need no KDF); returns the tokens.
  v1::TokenResponse SignInAlice() {
    v1::StartAuthorizationRequest start;
    start.set_response_type("code");
    start.set_client_id("static-client");
    start.set_redirect_uri("http://localhost:9003/callback");
    start.set_code_challenge(crypto::Base64UrlEncode(crypto::Sha256(kVerifier)));
    start.set_code_challenge_method("S256");
    v1::StartAuthorizationResponse started;
    EXPECT_TRUE(stub_->StartAuthorization(Context().get(), start, &started).ok());
    v1::CompleteLoginRequest login = LoginRequest(started.authorization_id(), "alice", "alice-pw");
    v1::CompleteLoginResponse logged_in;
    grpc::Status status = stub_->CompleteLogin(Context().get(), login, &logged_in);
    EXPECT_TRUE(status.ok()) << status.error_message();
    v1::TokenRequest token;
    token.set_grant_type("authorization_code");
    *token.mutable_client() = StaticClient();
    token.set_code(QueryParam(logged_in.redirect_to(), "code"));
    token.set_redirect_uri("http://localhost:9003/callback");
    token.set_code_verifier(kVerifier);
    v1::TokenResponse tokens;
    status = stub_->Token(Context().get(), token, &tokens);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return tokens;
  }

  v1::CompleteLoginRequest LoginRequest(const std::string& authorization_id,
                                        const std::string& username, const std::string& password) {
    v1::DescribeAuthorizationRequest describe;
    describe.set_authorization_id(authorization_id);
    v1::DescribeAuthorizationResponse described;
    EXPECT_TRUE(stub_->DescribeAuthorization(Context().get(), describe, &described).ok());
    v1::CompleteLoginRequest login;
    login.set_authorization_id(authorization_id);
    login.set_username(username);
    login.set_password(password);
    login.set_csrf_token(described.csrf_token());
    return login;
  }

  static v1::ClientCredentials StaticClient() {
    v1::ClientCredentials client;
    client.set_method(v1::ClientCredentials::CLIENT_SECRET_POST);
    client.set_client_id("static-client");
    client.set_client_secret("static-secret");
    return client;
  }

  // One call in flight on the async stub.
  template <typename Request, typename Response>
  struct Pending {
    grpc::ClientContext context;
    Request request;
    Response response;
    grpc::Status status;
    absl::Notification done;
    bool Done() const { return done.HasBeenNotified(); }
  };

  // Shuts the server down, then waits for every call started by the test
  // (each has a deadline), so none finishes into freed memory.
  void TearDown() override {
    AuthServiceTest::TearDown();
    for (auto& call : logins_) call->done.WaitForNotification();
    for (auto& call : introspections_) call->done.WaitForNotification();
  }

  // Deadline for the calls that must keep their latency: far below the
  // seconds a slow hash takes, far above what they need.
  static std::unique_ptr<grpc::ClientContext> Quick() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(1000));
    return context;
  }

  // Waits until at least `n` of `calls` are done (up to `seconds`).
  template <typename Call>
  static void AwaitDone(const std::vector<std::unique_ptr<Call>>& calls, size_t n,
                        int seconds = 10) {
    for (int i = 0; i < seconds * 100; ++i) {
      size_t done = 0;
      for (const auto& call : calls) done += call->Done() ? 1 : 0;
      if (done >= n) return;
      absl::SleepFor(absl::Milliseconds(10));
    }
  }

  // Splits finished calls into refused-at-once (503 + Retry-After) and others.
  template <typename Call>
  static size_t CountRefused(const std::vector<std::unique_ptr<Call>>& calls,
                             const std::string& description_start) {
    size_t refused = 0;
    for (const auto& call : calls) {
      if (!call->Done() || call->status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) {
        continue;
      }
      std::optional<v1::OAuthError> error = ExtractOAuthError(call->status);
      EXPECT_TRUE(error.has_value());
      if (!error) continue;
      EXPECT_EQ(error->http_status(), 503);
      EXPECT_EQ(error->error(), "temporarily_unavailable");
      EXPECT_GT(error->retry_after_seconds(), 0);
      EXPECT_TRUE(absl::StartsWith(error->error_description(), description_start))
          << error->error_description();
      ++refused;
    }
    return refused;
  }

  // With the hashing budget busy for seconds: a refresh grant, introspection
  // and revocation (static-client's secret is verified) answer in time.
  void ExpectTokenTrafficFlows(const v1::TokenResponse& tokens) {
    v1::TokenRequest refresh;
    refresh.set_grant_type("refresh_token");
    *refresh.mutable_client() = StaticClient();
    refresh.set_refresh_token(tokens.refresh_token());
    v1::TokenResponse refreshed;
    grpc::Status status = stub_->Token(Quick().get(), refresh, &refreshed);
    ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    ASSERT_FALSE(refreshed.access_token().empty());

    v1::IntrospectRequest introspect;
    *introspect.mutable_client() = StaticClient();
    introspect.set_token(refreshed.access_token());
    v1::IntrospectResponse introspected;
    status = stub_->Introspect(Quick().get(), introspect, &introspected);
    ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    EXPECT_TRUE(introspected.active());

    v1::RevokeRequest revoke;
    *revoke.mutable_client() = StaticClient();
    revoke.set_token(refreshed.refresh_token());
    v1::RevokeResponse revoked;
    status = stub_->Revoke(Quick().get(), revoke, &revoked);
    ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  }

  using Login = Pending<v1::CompleteLoginRequest, v1::CompleteLoginResponse>;
  using Introspection = Pending<v1::IntrospectRequest, v1::IntrospectResponse>;
  std::vector<std::unique_ptr<Login>> logins_;
  std::vector<std::unique_ptr<Introspection>> introspections_;
};

TEST_F(HashingBudgetTest, SignInFloodIsRefusedAtOnceAndTokenTrafficFlows) {
  v1::TokenResponse tokens = SignInAlice();
  ASSERT_FALSE(tokens.refresh_token().empty());

  v1::StartAuthorizationRequest start;
  start.set_response_type("code");
  start.set_client_id("static-client");
  start.set_redirect_uri("http://localhost:9003/callback");
  start.set_code_challenge(crypto::Base64UrlEncode(crypto::Sha256(kVerifier)));
  start.set_code_challenge_method("S256");
  v1::StartAuthorizationResponse started;
  ASSERT_TRUE(stub_->StartAuthorization(Context().get(), start, &started).ok());
  v1::CompleteLoginRequest login = LoginRequest(started.authorization_id(), "slow", "wrong");

  std::vector<std::unique_ptr<Login>>& logins = logins_;
  for (int i = 0; i < 6; ++i) {
    auto call = std::make_unique<Login>();
    call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    call->request = login;
    call->request.set_client_ip(absl::StrCat("10.0.0.", i + 1));  // no per-address throttle
    Login* raw = call.get();
    stub_->async()->CompleteLogin(&raw->context, &raw->request, &raw->response,
                                  [raw](grpc::Status s) {
                                    raw->status = std::move(s);
                                    raw->done.Notify();
                                  });
    logins.push_back(std::move(call));
  }
  // One sign-in runs, one waits: the others are refused at once.
  AwaitDone(logins, 4);
  EXPECT_GE(CountRefused(logins, "Too many sign-ins"), 4u);

  ExpectTokenTrafficFlows(tokens);
  // The budget was still busy all along, or the check proved nothing.
  size_t still_hashing = 0;
  for (const auto& call : logins) still_hashing += call->Done() ? 0 : 1;
  EXPECT_GE(still_hashing, 1u);

  // The admitted sign-ins are checked (and refused as wrong), not dropped.
  AwaitDone(logins, logins.size(), 60);
  size_t refused = CountRefused(logins, "Too many sign-ins");
  size_t checked = 0;
  for (const auto& call : logins) {
    ASSERT_TRUE(call->Done());
    checked += call->status.error_code() == grpc::StatusCode::UNAUTHENTICATED ? 1 : 0;
  }
  EXPECT_GE(checked, 1u);
  EXPECT_EQ(refused + checked, logins.size());
}

TEST_F(HashingBudgetTest, WrongClientSecretFloodLeavesVerifiedClientsAndSignInAlone) {
  v1::TokenResponse tokens = SignInAlice();
  ASSERT_FALSE(tokens.refresh_token().empty());

  using Call = Introspection;
  std::vector<std::unique_ptr<Call>>& calls = introspections_;
  v1::IntrospectRequest bad;
  bad.mutable_client()->set_method(v1::ClientCredentials::CLIENT_SECRET_POST);
  bad.mutable_client()->set_client_id("slow-client");
  bad.mutable_client()->set_client_secret("wrong");
  bad.set_token(tokens.access_token());
  for (int i = 0; i < 6; ++i) {
    auto call = std::make_unique<Call>();
    call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    call->request = bad;
    call->request.mutable_client()->set_client_ip(absl::StrCat("10.0.1.", i + 1));
    Call* raw = call.get();
    stub_->async()->Introspect(&raw->context, &raw->request, &raw->response, [raw](grpc::Status s) {
      raw->status = std::move(s);
      raw->done.Notify();
    });
    calls.push_back(std::move(call));
  }
  AwaitDone(calls, 4);
  EXPECT_GE(CountRefused(calls, "Too many client secrets"), 4u);

  ExpectTokenTrafficFlows(tokens);
  size_t still_hashing = 0;
  for (const auto& call : calls) still_hashing += call->Done() ? 0 : 1;
  EXPECT_GE(still_hashing, 1u);

  // Sign-in waits in its own lane: queued behind the running check, not
  // refused because wrong secrets filled theirs.
  v1::StartAuthorizationRequest start;
  start.set_response_type("code");
  start.set_client_id("static-client");
  start.set_redirect_uri("http://localhost:9003/callback");
  start.set_code_challenge(crypto::Base64UrlEncode(crypto::Sha256(kVerifier)));
  start.set_code_challenge_method("S256");
  v1::StartAuthorizationResponse started;
  ASSERT_TRUE(stub_->StartAuthorization(Context().get(), start, &started).ok());
  v1::CompleteLoginResponse logged_in;
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  grpc::Status status = stub_->CompleteLogin(
      context.get(), LoginRequest(started.authorization_id(), "alice", "alice-pw"), &logged_in);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();

  AwaitDone(calls, calls.size(), 60);
  for (const auto& call : calls) {
    EXPECT_TRUE(call->status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
                call->status.error_code() == grpc::StatusCode::UNAUTHENTICATED)
        << call->status.error_code();
  }
}

}  // namespace
}  // namespace mcp_oauth::auth
