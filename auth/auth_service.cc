#include "auth/auth_service.h"

#include <algorithm>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "auth/oauth_error.h"
#include "auth/oauth_error_details.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/request_id.h"
#include "common/worker_pool.h"

namespace mcp_oauth::auth {

namespace {

constexpr size_t kMaxQueuedSlowRpcs = 1024;
constexpr int kUpstreamThreads = 4;
constexpr size_t kMaxQueuedUpstreamRpcs = 256;
// The lookup pool (see auth_service.h).
constexpr int kLookupThreads = 2;

// The hashing pool's lanes: sign-in and client secrets wait apart, so a flood
// of one kind neither fills the other's queue nor gets more than half of the
// hashing threads while the other has work.
constexpr size_t kSignInLane = 0;
constexpr size_t kClientSecretLane = 1;

int HashThreads(const AuthOptions& options) {
  if (options.hash_threads > 0) return options.hash_threads;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency() / 2));
}

// Returns the caller's `x-request-id` metadata when it is sane, else "".
std::string RequestIdOf(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(request_id::kMetadataKey);
  if (it == metadata.end()) return "";
  std::string id(it->second.data(), it->second.size());
  return request_id::IsValid(id) ? id : "";
}

// A store outage (UNAVAILABLE from the core, see store.h): 503, retry later.
grpc::Status StoreUnavailableStatus() {
  v1::OAuthError error;
  error.set_error("temporarily_unavailable");
  error.set_error_description("The token store is unavailable. Try again shortly.");
  error.set_http_status(503);
  error.set_retry_after_seconds(1);
  return MakeOAuthStatus(grpc::StatusCode::UNAVAILABLE, error);
}

// Converts a core result to a gRPC status, forwarding the OAuthError. The
// core's errors without one are the store's: an outage (UNAVAILABLE) is 503,
// anything else 500.
grpc::Status ToGrpcStatus(const absl::Status& status, const std::string& request_id) {
  if (status.ok()) return grpc::Status::OK;
  if (std::optional<v1::OAuthError> error = GetOAuthError(status)) {
    return MakeOAuthStatus(static_cast<grpc::StatusCode>(status.code()), *error);
  }
  if (absl::IsUnavailable(status)) {
    log::Warning(absl::StrCat(request_id::LogPrefix(request_id), "auth: ", status.message()));
    return StoreUnavailableStatus();
  }
  // Store or programming failures: never include request data.
  log::Error(
      absl::StrCat(request_id::LogPrefix(request_id), "auth: internal error: ", status.ToString()));
  v1::OAuthError error;
  error.set_error("server_error");
  error.set_error_description("Internal server error");
  error.set_http_status(500);
  return MakeOAuthStatus(grpc::StatusCode::INTERNAL, error);
}

template <typename T, typename Response>
grpc::Status Deliver(absl::StatusOr<T> result, Response* response, const std::string& request_id) {
  if (result.ok()) *response = *std::move(result);
  return ToGrpcStatus(result.status(), request_id);
}

// A label value from a bounded set: the value itself when listed, else "other".
std::string Bounded(const std::string& value, std::initializer_list<const char*> known) {
  for (const char* k : known) {
    if (value == k) return value;
  }
  return "other";
}

// Counts a token request's outcome: oauth_token_grants_total{grant_type} or
// oauth_token_failures_total{grant_type,error} (in the process's registry, so
// an in-process AuthService shows up in the gateway's /metrics).
void CountTokenOutcome(const std::string& grant_type, const absl::Status& core_status,
                       const grpc::Status& final_status, const std::string& request_id) {
  static auto& grants = metrics::DefaultRegistry().CounterFamily(
      "oauth_token_grants_total", "Tokens issued by the token endpoint, by grant type.",
      {"grant_type"});
  static auto& failures = metrics::DefaultRegistry().CounterFamily(
      "oauth_token_failures_total", "Token requests refused, by grant type and OAuth error code.",
      {"grant_type", "error"});
  std::string grant =
      Bounded(grant_type, {"authorization_code", "refresh_token", "client_credentials"});
  if (final_status.ok()) {
    grants.WithLabels({grant}).Increment();
    log::Debug(
        absl::StrCat(request_id::LogPrefix(request_id), "auth: token grant ", grant, " issued"));
    return;
  }
  std::string error = "server_error";
  if (final_status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    error = "temporarily_unavailable";
  } else if (std::optional<v1::OAuthError> oauth = GetOAuthError(core_status)) {
    error = oauth->error();
  }
  error = Bounded(error, {"invalid_request", "invalid_client", "invalid_grant",
                          "unauthorized_client", "unsupported_grant_type", "invalid_scope",
                          "invalid_target", "temporarily_unavailable", "server_error"});
  failures.WithLabels({grant, error}).Increment();
  log::Debug(absl::StrCat(request_id::LogPrefix(request_id), "auth: token grant ", grant,
                          " refused: ", error));
}

// A full queue: 503 at once, rather than an answer after a long wait.
grpc::Status BusyStatus(const std::string& description, int retry_after_seconds) {
  v1::OAuthError error;
  error.set_error("temporarily_unavailable");
  error.set_error_description(description);
  error.set_http_status(503);
  error.set_retry_after_seconds(retry_after_seconds);
  return MakeOAuthStatus(grpc::StatusCode::RESOURCE_EXHAUSTED, error);
}

grpc::Status StoreWorkersBusy() { return BusyStatus("The server is busy. Try again shortly.", 1); }

// Refusals of the hashing budget: auth_hashing_refused_total{kind}. Registered
// when the service starts, so /metrics lists the family before any refusal.
auto& HashingRefused() {
  static auto& refused = metrics::DefaultRegistry().CounterFamily(
      "auth_hashing_refused_total",
      "Sign-ins and client-secret checks refused at once because the hashing budget "
      "(--hash-threads, --hash-queue) was full, by kind.",
      {"kind"});
  return refused;
}

void CountHashingRefused(const char* kind) { HashingRefused().WithLabels({kind}).Increment(); }

grpc::Status SignInBusy() {
  CountHashingRefused("sign_in");
  return BusyStatus("Too many sign-ins are being checked right now. Try again in a few seconds.",
                    2);
}

grpc::Status ClientSecretBusy() {
  CountHashingRefused("client_secret");
  return BusyStatus("Too many client secrets are being checked right now. Try again shortly.", 1);
}

grpc::Status ShuttingDown() { return BusyStatus("The server is shutting down.", 1); }

grpc::Status UpstreamBusy() {
  return BusyStatus("Too many sign-ins with an identity provider right now. Try again shortly.", 1);
}

}  // namespace

AuthServiceImpl::AuthServiceImpl(std::shared_ptr<AuthorizationServer> core, int worker_threads)
    : core_(std::move(core)),
      store_pool_(
          std::make_unique<WorkerPool>(worker_threads, std::vector<size_t>{kMaxQueuedSlowRpcs})),
      hash_pool_(std::make_unique<WorkerPool>(
          HashThreads(core_->options()),
          std::vector<size_t>{static_cast<size_t>(std::max(1, core_->options().hash_queue)),
                              static_cast<size_t>(std::max(1, core_->options().hash_queue))})),
      upstream_pool_(std::make_unique<WorkerPool>(kUpstreamThreads,
                                                  std::vector<size_t>{kMaxQueuedUpstreamRpcs})) {
  HashingRefused();
  const AuthOptions& options = core_->options();
  if (options.using_default_client_secret && !options.clients.empty()) {
    log::Warning(absl::StrCat("auth: client '", options.clients.front().client_id,
                              "' uses the well-known default client secret; set "
                              "--client-secret or MCP_STATIC_CLIENT_SECRET in production"));
  }
  if (options.using_demo_user) {
    log::Warning(
        "auth: the demo user 'demo_user' with the published demo password is enabled; "
        "configure users in the --config file in production");
  }
}

AuthServiceImpl::~AuthServiceImpl() { Shutdown(); }

WorkerPool& AuthServiceImpl::LookupPool() {
  std::call_once(lookup_pool_once_, [this] {
    lookup_pool_ =
        std::make_unique<WorkerPool>(kLookupThreads, std::vector<size_t>{kMaxQueuedSlowRpcs});
  });
  return *lookup_pool_;
}

template <typename Request, typename Response, typename Work>
void AuthServiceImpl::Dispatch(Lane lane, Via via, const std::string& request_id,
                               const Request& request, Done<Response> done, Work work) {
  bool here = lane == Lane::kInline;
  if (lane == Lane::kLookup || lane == Lane::kAuthorization) {
    // On the caller's thread (a gRPC callback thread or an HTTP IO thread)
    // only when that cannot wait on a database: a slow store must stall only
    // the calls that need it. In process, authorization requests (which may
    // sweep the store) always leave the IO thread.
    here = !core_->store_may_block() && (lane == Lane::kLookup || via == Via::kGrpc);
  } else if (lane == Lane::kStore) {
    // Token, Introspect, Revoke without KDF work. A sweep walks the whole
    // store: when one is due the call leaves the caller's thread. (One
    // falling due between this check and the call runs here; in memory it
    // holds the store's lock either way.)
    here = !core_->store_may_block() && !core_->SweepDue();
  }
  if (here) {
    Response response;
    grpc::Status status = work(request, &response, request_id);
    done(status, response);
    return;
  }
  size_t pool_lane = 0;
  grpc::Status (*busy)() = &StoreWorkersBusy;
  // Shared with the task, which the pool drops when it refuses it.
  auto shared_done = std::make_shared<Done<Response>>(std::move(done));
  auto task = [shared_done, request, request_id, work] {
    Response response;
    grpc::Status status = work(request, &response, request_id);
    (*shared_done)(status, response);
  };
  bool queued = false;
  {
    absl::ReaderMutexLock lock(&pools_mu_);
    if (stopping_) {
      busy = &ShuttingDown;
    } else {
      WorkerPool* pool = store_pool_.get();
      switch (lane) {
        case Lane::kSignIn:
          pool = hash_pool_.get();
          pool_lane = kSignInLane;
          busy = &SignInBusy;
          break;
        case Lane::kClientSecret:
          pool = hash_pool_.get();
          pool_lane = kClientSecretLane;
          busy = &ClientSecretBusy;
          break;
        case Lane::kUpstream:
          pool = upstream_pool_.get();
          busy = &UpstreamBusy;
          break;
        case Lane::kLookup:
        case Lane::kAuthorization:
          pool = &LookupPool();
          break;
        default:
          break;
      }
      queued = pool->Submit(pool_lane, std::move(task));
    }
  }
  if (!queued) {
    Response response;
    (*shared_done)(busy(), response);
  }
}

void AuthServiceImpl::Shutdown() {
  {
    absl::WriterMutexLock lock(&pools_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  // Each runs what it has queued, then joins; calls those tasks make (e.g.
  // from a finished call's callback) are refused, not queued.
  lookup_pool_.reset();
  upstream_pool_.reset();
  hash_pool_.reset();
  store_pool_.reset();
}

// Client-authenticated calls run on the store workers unless their client
// authentication needs the KDF (a secret not verified yet in this process, or
// a wrong one): those go to the hashing budget, so a flood of wrong secrets
// cannot delay public clients or clients whose secret is already verified.
AuthServiceImpl::Lane AuthServiceImpl::ClientLane(const v1::ClientCredentials& credentials) {
  return core_->NeedsSecretHashing(credentials) ? Lane::kClientSecret : Lane::kStore;
}

template <typename Request, typename Response>
grpc::ServerUnaryReactor* AuthServiceImpl::Serve(grpc::CallbackServerContext* context,
                                                 const Request* request, Response* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // `request` and `response` live until Finish.
  Call(Via::kGrpc, RequestIdOf(*context), *request,
       Done<Response>([reactor, response](const grpc::Status& status, Response& result) {
         if (status.ok()) *response = std::move(result);
         reactor->Finish(status);
       }));
  return reactor;
}

void AuthServiceImpl::Call(Via via, const std::string& request_id,
                           const v1::GetServerMetadataRequest& request,
                           Done<v1::ServerMetadata> done) {
  Dispatch(Lane::kInline, via, request_id, request, std::move(done),
           [this](const v1::GetServerMetadataRequest&, v1::ServerMetadata* response,
                  const std::string&) {
             *response = core_->GetServerMetadata();
             return grpc::Status::OK;
           });
}

void AuthServiceImpl::Call(Via via, const std::string& request_id,
                           const v1::GetProtectedResourceMetadataRequest& request,
                           Done<v1::ProtectedResourceMetadata> done) {
  Dispatch(Lane::kInline, via, request_id, request, std::move(done),
           [this](const v1::GetProtectedResourceMetadataRequest&,
                  v1::ProtectedResourceMetadata* response, const std::string&) {
             *response = core_->GetProtectedResourceMetadata();
             return grpc::Status::OK;
           });
}

void AuthServiceImpl::Call(Via via, const std::string& request_id,
                           const v1::StartAuthorizationRequest& request,
                           Done<v1::StartAuthorizationResponse> done) {
  Dispatch(Lane::kAuthorization, via, request_id, request, std::move(done),
           [this](const v1::StartAuthorizationRequest& r, v1::StartAuthorizationResponse* response,
                  const std::string& id) {
             return Deliver(core_->StartAuthorization(r), response, id);
           });
}

void AuthServiceImpl::Call(Via via, const std::string& request_id,
                           const v1::DescribeAuthorizationRequest& request,
                           Done<v1::DescribeAuthorizationResponse> done) {
  Dispatch(Lane::kAuthorization, via, request_id, request, std::move(done),
           [this](const v1::DescribeAuthorizationRequest& r,
                  v1::DescribeAuthorizationResponse* response, const std::string& id) {
             return Deliver(core_->DescribeAuthorization(r), response, id);
           });
}

// Sign-in always runs a password KDF: it runs on the hashing budget.
void AuthServiceImpl::Call(Via via, const std::string& request_id,
                           const v1::CompleteLoginRequest& request,
                           Done<v1::CompleteLoginResponse> done) {
  Dispatch(
      Lane::kSignIn, via, request_id, request, std::move(done),
      [this](const v1::CompleteLoginRequest& r, v1::CompleteLoginResponse* response,
             const std::string& id) { return Deliver(core_->CompleteLogin(r), response, id); });
}

void AuthServiceImpl::Call(Via via, const std::string& request_id, const v1::TokenRequest& request,
                           Done<v1::TokenResponse> done) {
  Dispatch(ClientLane(request.client()), via, request_id, request, std::move(done),
           [this](const v1::TokenRequest& r, v1::TokenResponse* response, const std::string& id) {
             absl::StatusOr<v1::TokenResponse> result = core_->Token(r);
             absl::Status core_status = result.status();
             grpc::Status status = Deliver(std::move(result), response, id);
             CountTokenOutcome(r.grant_type(), core_status, status, id);
             return status;
           });
}

void AuthServiceImpl::Call(Via via, const std::string& request_id,
                           const v1::IntrospectRequest& request,
                           Done<v1::IntrospectResponse> done) {
  Dispatch(ClientLane(request.client()), via, request_id, request, std::move(done),
           [this](const v1::IntrospectRequest& r, v1::IntrospectResponse* response,
                  const std::string& id) { return Deliver(core_->Introspect(r), response, id); });
}

void AuthServiceImpl::Call(Via via, const std::string& request_id, const v1::RevokeRequest& request,
                           Done<v1::RevokeResponse> done) {
  Dispatch(ClientLane(request.client()), via, request_id, request, std::move(done),
           [this](const v1::RevokeRequest& r, v1::RevokeResponse* response, const std::string& id) {
             return Deliver(core_->Revoke(r), response, id);
           });
}

void AuthServiceImpl::Call(Via via, const std::string& request_id,
                           const v1::RegisterRequest& request, Done<v1::RegisterResponse> done) {
  Dispatch(Lane::kInline, via, request_id, request, std::move(done),
           [this](const v1::RegisterRequest& r, v1::RegisterResponse*, const std::string& id) {
             return ToGrpcStatus(core_->Register(r), id);
           });
}

void AuthServiceImpl::Call(Via via, const std::string& request_id,
                           const v1::StartUpstreamSignInRequest& request,
                           Done<v1::StartUpstreamSignInResponse> done) {
  Dispatch(Lane::kUpstream, via, request_id, request, std::move(done),
           [this](const v1::StartUpstreamSignInRequest& r,
                  v1::StartUpstreamSignInResponse* response, const std::string& id) {
             return Deliver(core_->StartUpstreamSignIn(r), response, id);
           });
}

void AuthServiceImpl::Call(Via via, const std::string& request_id,
                           const v1::FinishUpstreamSignInRequest& request,
                           Done<v1::FinishUpstreamSignInResponse> done) {
  Dispatch(Lane::kUpstream, via, request_id, request, std::move(done),
           [this](const v1::FinishUpstreamSignInRequest& r,
                  v1::FinishUpstreamSignInResponse* response, const std::string& id) {
             return Deliver(core_->FinishUpstreamSignIn(r), response, id);
           });
}

void AuthServiceImpl::Call(Via via, const std::string& request_id,
                           const v1::ValidateAccessTokenRequest& request,
                           Done<v1::ValidateAccessTokenResponse> done) {
  Dispatch(Lane::kLookup, via, request_id, request, std::move(done),
           [this](const v1::ValidateAccessTokenRequest& r,
                  v1::ValidateAccessTokenResponse* response, const std::string& id) {
             return Deliver(core_->ValidateAccessToken(r), response, id);
           });
}

// ------------------------------------------------------------ gRPC methods

grpc::ServerUnaryReactor* AuthServiceImpl::GetServerMetadata(
    grpc::CallbackServerContext* context, const v1::GetServerMetadataRequest* request,
    v1::ServerMetadata* response) {
  return Serve(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::GetProtectedResourceMetadata(
    grpc::CallbackServerContext* context, const v1::GetProtectedResourceMetadataRequest* request,
    v1::ProtectedResourceMetadata* response) {
  return Serve(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::StartAuthorization(
    grpc::CallbackServerContext* context, const v1::StartAuthorizationRequest* request,
    v1::StartAuthorizationResponse* response) {
  return Serve(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::DescribeAuthorization(
    grpc::CallbackServerContext* context, const v1::DescribeAuthorizationRequest* request,
    v1::DescribeAuthorizationResponse* response) {
  return Serve(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::CompleteLogin(grpc::CallbackServerContext* context,
                                                         const v1::CompleteLoginRequest* request,
                                                         v1::CompleteLoginResponse* response) {
  return Serve(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::Token(grpc::CallbackServerContext* context,
                                                 const v1::TokenRequest* request,
                                                 v1::TokenResponse* response) {
  return Serve(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::Introspect(grpc::CallbackServerContext* context,
                                                      const v1::IntrospectRequest* request,
                                                      v1::IntrospectResponse* response) {
  return Serve(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::Revoke(grpc::CallbackServerContext* context,
                                                  const v1::RevokeRequest* request,
                                                  v1::RevokeResponse* response) {
  return Serve(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::Register(grpc::CallbackServerContext* context,
                                                    const v1::RegisterRequest* request,
                                                    v1::RegisterResponse* response) {
  return Serve(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::StartUpstreamSignIn(
    grpc::CallbackServerContext* context, const v1::StartUpstreamSignInRequest* request,
    v1::StartUpstreamSignInResponse* response) {
  return Serve(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::FinishUpstreamSignIn(
    grpc::CallbackServerContext* context, const v1::FinishUpstreamSignInRequest* request,
    v1::FinishUpstreamSignInResponse* response) {
  return Serve(context, request, response);
}

grpc::ServerUnaryReactor* AuthServiceImpl::ValidateAccessToken(
    grpc::CallbackServerContext* context, const v1::ValidateAccessTokenRequest* request,
    v1::ValidateAccessTokenResponse* response) {
  return Serve(context, request, response);
}

}  // namespace mcp_oauth::auth
