// The two AuthClients side by side: the local one (direct calls into
// AuthServiceImpl) and the remote one (a real gRPC channel to the same
// service) give the same answers, statuses, deadlines and cancellation; the
// local one runs inline only what cannot block, and both are metered.
#include "client/auth_client.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "auth/auth_service.h"
#include "auth/authorization_server.h"
#include "auth/memory_store.h"
#include "auth/oauth_error_details.h"
#include "client/local_auth_client.h"
#include "client/remote_auth_client.h"
#include "common/metrics.h"
#include "gtest/gtest.h"

namespace mcp_oauth::client {
namespace {

namespace v1 = auth::v1;

// A MemoryStore that can pretend to be a database: MayBlock() as set, and
// GetAccessToken waits while the gate is closed (a hanging query). Records
// the thread of the last lookup.
class GatedStore final : public auth::Store {
 public:
  bool MayBlock() const override { return may_block.load(); }

  void CloseGate() {
    absl::MutexLock lock(&mu_);
    open_ = false;
  }
  void OpenGate() {
    absl::MutexLock lock(&mu_);
    open_ = true;
  }
  std::thread::id lookup_thread() {
    absl::MutexLock lock(&mu_);
    return lookup_thread_;
  }
  int lookups() {
    absl::MutexLock lock(&mu_);
    return lookups_;
  }

  absl::StatusOr<std::optional<auth::AccessTokenRecord>> GetAccessToken(
      const std::string& token_hash) override {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&open_));
      lookup_thread_ = std::this_thread::get_id();
    }
    auto record = inner_.GetAccessToken(token_hash);
    absl::MutexLock lock(&mu_);
    ++lookups_;
    return record;
  }

  absl::Status PutPendingAuthorization(const auth::PendingAuthorization& p, int64_t max) override {
    return inner_.PutPendingAuthorization(p, max);
  }
  absl::StatusOr<std::optional<auth::PendingAuthorization>> GetPendingAuthorization(
      const std::string& h, absl::Time now) override {
    return inner_.GetPendingAuthorization(h, now);
  }
  absl::Status DeletePendingAuthorization(const std::string& h) override {
    return inner_.DeletePendingAuthorization(h);
  }
  absl::Status CompleteAuthorization(const std::string& h, absl::Time now,
                                     const auth::AuthorizationCode& code) override {
    return inner_.CompleteAuthorization(h, now, code);
  }
  absl::StatusOr<auth::ConsumeCodeResult> ConsumeCode(
      const std::string& h, absl::Time now, const auth::CodeBindingCheck& check) override {
    return inner_.ConsumeCode(h, now, check);
  }
  absl::Status IssueTokens(const auth::TokenFamily& family, const auth::AccessTokenRecord& access,
                           const std::optional<auth::RefreshTokenRecord>& refresh) override {
    return inner_.IssueTokens(family, access, refresh);
  }
  absl::StatusOr<std::optional<auth::RefreshTokenRecord>> GetRefreshToken(
      const auth::RefreshTokenKey& key) override {
    return inner_.GetRefreshToken(key);
  }
  absl::StatusOr<auth::RedeemRefreshResult> RedeemRefreshToken(
      const auth::RefreshTokenKey& old, absl::Time now,
      const auth::RefreshDecision& decide) override {
    return inner_.RedeemRefreshToken(old, now, decide);
  }
  absl::Status RevokeFamily(const std::string& id) override { return inner_.RevokeFamily(id); }
  absl::Status RevokeAccessToken(const std::string& h) override {
    return inner_.RevokeAccessToken(h);
  }
  absl::StatusOr<std::vector<auth::ThrottleState>> ReadLoginFailures(
      const std::vector<std::string>& keys, absl::Time now) override {
    return inner_.ReadLoginFailures(keys, now);
  }
  absl::StatusOr<auth::ThrottleState> RecordLoginFailure(const std::string& key, absl::Time now,
                                                         absl::Duration window) override {
    return inner_.RecordLoginFailure(key, now, window);
  }
  absl::Status ResetLoginFailures(const std::string& key) override {
    return inner_.ResetLoginFailures(key);
  }
  absl::StatusOr<int64_t> Sweep(absl::Time now) override { return inner_.Sweep(now); }

  std::atomic<bool> may_block{false};

 private:
  auth::MemoryStore inner_;
  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = true;
  std::thread::id lookup_thread_ ABSL_GUARDED_BY(mu_);
  int lookups_ ABSL_GUARDED_BY(mu_) = 0;
};

auth::AuthOptions Options() {
  auth::AuthOptions o;
  o.public_url = "http://localhost:9003";
  auth::ClientConfig client;
  client.client_id = "static-client";
  client.redirect_uris = {"http://localhost:9003/callback"};
  client.allowed_scopes = {"user"};
  o.clients = {client};
  return o;
}

// One service for the whole binary, served over gRPC too and never torn
// down (tearing gRPC servers down between tests races gRPC 1.51's threads,
// see tool_client_test).
struct Backend {
  Backend() {
    store = std::make_shared<GatedStore>();
    service = std::make_unique<auth::AuthServiceImpl>(std::make_shared<auth::AuthorizationServer>(
        Options(), store, std::make_shared<auth::RealClock>()));
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service.get());
    server = builder.BuildAndStart();
    local = MakeLocalAuthClient(service.get());
    remote = MakeRemoteAuthClient(v1::AuthService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials())));
  }
  std::shared_ptr<GatedStore> store;
  std::unique_ptr<auth::AuthServiceImpl> service;
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<AuthClient> local;
  std::shared_ptr<AuthClient> remote;
};

Backend& TheBackend() {
  static Backend* backend = new Backend();
  return *backend;
}

// What a finished call gave, and on which thread.
template <typename Response>
struct Outcome {
  absl::Notification done;
  int calls = 0;
  grpc::Status status;
  Response response;
  std::thread::id thread;
  bool before_return = false;
};

template <typename Response, typename Start>
std::shared_ptr<Outcome<Response>> Observe(Start start) {
  auto outcome = std::make_shared<Outcome<Response>>();
  auto returned = std::make_shared<std::atomic<bool>>(false);
  start([outcome, returned](const grpc::Status& status, Response& response) {
    ++outcome->calls;
    outcome->status = status;
    outcome->response = response;
    outcome->thread = std::this_thread::get_id();
    outcome->before_return = !returned->load();
    outcome->done.Notify();
  });
  returned->store(true);
  return outcome;
}

std::shared_ptr<Outcome<v1::ValidateAccessTokenResponse>> Validate(AuthClient& client,
                                                                   CallOptions options = {}) {
  v1::ValidateAccessTokenRequest request;
  request.set_access_token("no-such-token");
  return Observe<v1::ValidateAccessTokenResponse>(
      [&](auto done) { client.ValidateAccessToken(options, request, done); });
}

class AuthClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_.store->may_block = false;
    backend_.store->OpenGate();
  }
  Backend& backend_ = TheBackend();
};

TEST_F(AuthClientTest, LocalAndRemoteGiveTheSameAnswers) {
  for (AuthClient* client : {backend_.local.get(), backend_.remote.get()}) {
    SCOPED_TRACE(client == backend_.local.get() ? "local" : "remote");
    auto metadata = Observe<v1::ServerMetadata>(
        [&](auto done) { client->GetServerMetadata({}, v1::GetServerMetadataRequest(), done); });
    ASSERT_TRUE(metadata->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_TRUE(metadata->status.ok());
    EXPECT_EQ(metadata->response.issuer(), "http://localhost:9003");

    auto invalid = Validate(*client);
    ASSERT_TRUE(invalid->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_EQ(invalid->status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    std::optional<v1::OAuthError> error = auth::ExtractOAuthError(invalid->status);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->error(), "invalid_token");
    EXPECT_EQ(error->http_status(), 401);

    v1::TokenRequest token;
    token.set_grant_type("password");
    token.mutable_client()->set_client_id("static-client");
    auto refused = Observe<v1::TokenResponse>([&](auto done) { client->Token({}, token, done); });
    ASSERT_TRUE(refused->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_FALSE(refused->status.ok());
    error = auth::ExtractOAuthError(refused->status);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->error(), "invalid_client");  // no secret sent

    auto registered = Observe<v1::RegisterResponse>(
        [&](auto done) { client->Register({}, v1::RegisterRequest(), done); });
    ASSERT_TRUE(registered->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    error = auth::ExtractOAuthError(registered->status);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->http_status(), 403);
  }
}

TEST_F(AuthClientTest, LocalValidationRunsInlineWhenTheStoreCannotBlock) {
  auto outcome = Validate(*backend_.local);
  EXPECT_TRUE(outcome->done.HasBeenNotified());
  EXPECT_TRUE(outcome->before_return);
  EXPECT_EQ(outcome->thread, std::this_thread::get_id());
  EXPECT_EQ(backend_.store->lookup_thread(), std::this_thread::get_id());
  EXPECT_EQ(outcome->status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthClientTest, LocalStoreWorkNeverRunsOnTheCallersThreadWhenTheStoreMayBlock) {
  backend_.store->may_block = true;
  auto outcome = Validate(*backend_.local);
  ASSERT_TRUE(outcome->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_NE(backend_.store->lookup_thread(), std::this_thread::get_id());
  EXPECT_NE(outcome->thread, std::this_thread::get_id());
  EXPECT_EQ(outcome->status.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // /authorize may write and sweep the store: never inline, whatever the store.
  backend_.store->may_block = false;
  v1::StartAuthorizationRequest start;
  start.set_response_type("code");
  start.set_client_id("static-client");
  start.set_redirect_uri("http://localhost:9003/callback");
  start.set_code_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  start.set_code_challenge_method("S256");
  auto started = Observe<v1::StartAuthorizationResponse>(
      [&](auto done) { backend_.local->StartAuthorization({}, start, done); });
  ASSERT_TRUE(started->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(started->status.ok()) << started->status.error_message();
  EXPECT_FALSE(started->response.authorization_id().empty());
  EXPECT_NE(started->thread, std::this_thread::get_id());
}

TEST_F(AuthClientTest, TheDeadlineEndsAHangingCallOnBothPaths) {
  backend_.store->may_block = true;
  for (AuthClient* client : {backend_.local.get(), backend_.remote.get()}) {
    SCOPED_TRACE(client == backend_.local.get() ? "local" : "remote");
    const int lookups = backend_.store->lookups();
    backend_.store->CloseGate();
    CallOptions options;
    options.timeout = absl::Milliseconds(200);
    auto outcome = Validate(*client, options);
    ASSERT_TRUE(outcome->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_EQ(outcome->status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
    EXPECT_EQ(backend_.store->lookups(), lookups);  // still hanging
    backend_.store->OpenGate();
    // The late answer is dropped.
    while (backend_.store->lookups() == lookups) absl::SleepFor(absl::Milliseconds(5));
    absl::SleepFor(absl::Milliseconds(50));
    EXPECT_EQ(outcome->calls, 1);
  }
}

TEST_F(AuthClientTest, CancellationEndsAHangingCallOnBothPaths) {
  backend_.store->may_block = true;
  for (AuthClient* client : {backend_.local.get(), backend_.remote.get()}) {
    SCOPED_TRACE(client == backend_.local.get() ? "local" : "remote");
    const int lookups = backend_.store->lookups();
    backend_.store->CloseGate();
    CallOptions options;
    options.cancellation = std::make_shared<Cancellation>();
    auto outcome = Validate(*client, options);
    absl::SleepFor(absl::Milliseconds(50));
    EXPECT_FALSE(outcome->done.HasBeenNotified());
    options.cancellation->Cancel();
    ASSERT_TRUE(outcome->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_EQ(outcome->status.error_code(), grpc::StatusCode::CANCELLED);
    backend_.store->OpenGate();
    while (backend_.store->lookups() == lookups) absl::SleepFor(absl::Milliseconds(5));
    absl::SleepFor(absl::Milliseconds(50));
    EXPECT_EQ(outcome->calls, 1);
  }
  // Cancelled before it starts: nothing runs.
  const int lookups = backend_.store->lookups();
  CallOptions options;
  options.cancellation = std::make_shared<Cancellation>();
  options.cancellation->Cancel();
  auto outcome = Validate(*backend_.local, options);
  EXPECT_TRUE(outcome->before_return);
  EXPECT_EQ(outcome->status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(backend_.store->lookups(), lookups);
}

double CallCount(const std::string& method) {
  std::string text = metrics::DefaultRegistry().Render();
  std::string series =
      absl::StrCat("grpc_client_call_duration_seconds_count{method=\"", method, "\"} ");
  size_t at = text.find(series);
  return at == std::string::npos ? 0 : std::stod(text.substr(at + series.size()));
}

TEST_F(AuthClientTest, BothPathsAreMetered) {
  const double before = CallCount("AuthService/GetServerMetadata");
  for (AuthClient* client : {backend_.local.get(), backend_.remote.get()}) {
    auto metadata = Observe<v1::ServerMetadata>(
        [&](auto done) { client->GetServerMetadata({}, v1::GetServerMetadataRequest(), done); });
    ASSERT_TRUE(metadata->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  }
  EXPECT_EQ(CallCount("AuthService/GetServerMetadata"), before + 2);
}

// Shutdown (a service of its own, without gRPC): queued work still answers,
// later pooled work is refused at once.
TEST(AuthServiceShutdownTest, AnswersWhatIsQueuedThenRefuses) {
  auto store = std::make_shared<GatedStore>();
  store->may_block = true;
  auto service =
      std::make_unique<auth::AuthServiceImpl>(std::make_shared<auth::AuthorizationServer>(
          Options(), store, std::make_shared<auth::RealClock>()));
  std::shared_ptr<AuthClient> client = MakeLocalAuthClient(service.get());
  store->CloseGate();
  auto queued = Validate(*client);
  std::thread stopper([&] { service->Shutdown(); });
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_FALSE(queued->done.HasBeenNotified());
  store->OpenGate();
  stopper.join();
  ASSERT_TRUE(queued->done.HasBeenNotified());
  EXPECT_EQ(queued->status.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  auto refused = Validate(*client);
  EXPECT_TRUE(refused->before_return);
  std::optional<v1::OAuthError> error = auth::ExtractOAuthError(refused->status);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->http_status(), 503);
  EXPECT_EQ(error->error(), "temporarily_unavailable");
  // Inline work needs no pool.
  auto metadata = Observe<v1::ServerMetadata>(
      [&](auto done) { client->GetServerMetadata({}, v1::GetServerMetadataRequest(), done); });
  EXPECT_TRUE(metadata->status.ok());
}

}  // namespace
}  // namespace mcp_oauth::client
