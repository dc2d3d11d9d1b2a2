#include "auth/auth_service.h"

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "auth/oauth_error.h"
#include "auth/oauth_error_details.h"
#include "auth/store_failure.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/request_id.h"

namespace mcp_oauth::auth {

// A fixed set of threads draining a bounded FIFO queue.
class AuthServiceImpl::WorkerPool {
 public:
  WorkerPool(int threads, size_t max_queue) : max_queue_(max_queue) {
    for (int i = 0; i < std::max(1, threads); ++i) {
      threads_.emplace_back([this] { Run(); });
    }
  }
  ~WorkerPool() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    for (std::thread& t : threads_) t.join();
  }

  // Returns false (and drops `task`) when the queue is full.
  bool Submit(std::function<void()> task) {
    absl::MutexLock lock(&mu_);
    if (stopping_ || queue_.size() >= max_queue_) return false;
    queue_.push_back(std::move(task));
    return true;
  }

 private:
  void Run() {
    while (true) {
      std::function<void()> task;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](WorkerPool* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) {
              return p->stopping_ || !p->queue_.empty();
            },
            this));
        if (queue_.empty()) return;  // stopping, and drained
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  const size_t max_queue_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

namespace {

constexpr size_t kMaxQueuedSlowRpcs = 1024;

// Returns the caller's `x-request-id` metadata when it is sane, else "".
std::string RequestIdOf(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(request_id::kMetadataKey);
  if (it == metadata.end()) return "";
  std::string id(it->second.data(), it->second.size());
  return request_id::IsValid(id) ? id : "";
}

// Converts a core result to a gRPC status, forwarding the OAuthError.
grpc::Status ToGrpcStatus(const absl::Status& status, const std::string& request_id) {
  if (status.ok()) return grpc::Status::OK;
  if (std::optional<v1::OAuthError> error = GetOAuthError(status)) {
    return MakeOAuthStatus(static_cast<grpc::StatusCode>(status.code()), *error);
  }
  // Store or programming failures: never include request data.
  log::Error(absl::StrCat(request_id::LogPrefix(request_id), "auth: internal error: ",
                          status.ToString()));
  v1::OAuthError error;
  error.set_error("server_error");
  error.set_error_description("Internal server error");
  error.set_http_status(500);
  return MakeOAuthStatus(grpc::StatusCode::INTERNAL, error);
}

// A store outage during the call (store_failure.h) overrides the core's
// answer, which then only means "nothing found": 503, retry later.
grpc::Status StoreUnavailableStatus() {
  v1::OAuthError error;
  error.set_error("temporarily_unavailable");
  error.set_error_description("The token store is unavailable. Try again shortly.");
  error.set_http_status(503);
  error.set_retry_after_seconds(1);
  return MakeOAuthStatus(grpc::StatusCode::UNAVAILABLE, error);
}

template <typename T, typename Response>
grpc::Status Deliver(absl::StatusOr<T> result, Response* response, const std::string& request_id) {
  if (absl::Status failure = TakeStoreFailure(); !failure.ok()) {
    log::Warning(absl::StrCat(request_id::LogPrefix(request_id), "auth: ", failure.message()));
    return StoreUnavailableStatus();
  }
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
      "oauth_token_failures_total",
      "Token requests refused, by grant type and OAuth error code.", {"grant_type", "error"});
  std::string grant = Bounded(grant_type, {"authorization_code", "refresh_token",
                                           "client_credentials"});
  if (final_status.ok()) {
    grants.WithLabels({grant}).Increment();
    log::Debug(absl::StrCat(request_id::LogPrefix(request_id), "auth: token grant ", grant,
                            " issued"));
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

grpc::Status BusyStatus() {
  v1::OAuthError error;
  error.set_error("temporarily_unavailable");
  error.set_error_description("The server is busy. Try again shortly.");
  error.set_http_status(503);
  error.set_retry_after_seconds(1);
  return MakeOAuthStatus(grpc::StatusCode::RESOURCE_EXHAUSTED, error);
}

template <typename Fn>
grpc::ServerUnaryReactor* Inline(grpc::CallbackServerContext* context, Fn&& fn) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  (void)TakeStoreFailure();  // Nothing left over from another call on this thread.
  reactor->Finish(fn());
  return reactor;
}

}  // namespace

AuthServiceImpl::AuthServiceImpl(std::shared_ptr<AuthorizationServer> core, int worker_threads)
    : core_(std::move(core)),
      pool_(std::make_unique<WorkerPool>(worker_threads, kMaxQueuedSlowRpcs)) {
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

AuthServiceImpl::~AuthServiceImpl() = default;

// Slow RPCs hop to the worker pool; the reactor is finished from there.
#define MCP_OAUTH_OFFLOAD_(context, body)                                            \
  do {                                                                               \
    grpc::ServerUnaryReactor* reactor = (context)->DefaultReactor();                 \
    if (!pool_->Submit([this, reactor, request, response,                           \
                        request_id = RequestIdOf(*(context))] {                      \
          (void)TakeStoreFailure();                                                  \
          reactor->Finish(body);                                                     \
        })) {                                                                        \
      reactor->Finish(BusyStatus());                                                 \
    }                                                                                \
    return reactor;                                                                  \
  } while (0)

grpc::ServerUnaryReactor* AuthServiceImpl::GetServerMetadata(
    grpc::CallbackServerContext* context, const v1::GetServerMetadataRequest* /*request*/,
    v1::ServerMetadata* response) {
  return Inline(context, [&] {
    *response = core_->GetServerMetadata();
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* AuthServiceImpl::GetProtectedResourceMetadata(
    grpc::CallbackServerContext* context,
    const v1::GetProtectedResourceMetadataRequest* /*request*/,
    v1::ProtectedResourceMetadata* response) {
  return Inline(context, [&] {
    *response = core_->GetProtectedResourceMetadata();
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* AuthServiceImpl::StartAuthorization(
    grpc::CallbackServerContext* context, const v1::StartAuthorizationRequest* request,
    v1::StartAuthorizationResponse* response) {
  return Inline(context, [&] {
    return Deliver(core_->StartAuthorization(*request), response, RequestIdOf(*context));
  });
}

grpc::ServerUnaryReactor* AuthServiceImpl::DescribeAuthorization(
    grpc::CallbackServerContext* context, const v1::DescribeAuthorizationRequest* request,
    v1::DescribeAuthorizationResponse* response) {
  return Inline(context,
                [&] {
                  return Deliver(core_->DescribeAuthorization(*request), response,
                                 RequestIdOf(*context));
                });
}

grpc::ServerUnaryReactor* AuthServiceImpl::CompleteLogin(grpc::CallbackServerContext* context,
                                                         const v1::CompleteLoginRequest* request,
                                                         v1::CompleteLoginResponse* response) {
  MCP_OAUTH_OFFLOAD_(context, Deliver(core_->CompleteLogin(*request), response, request_id));
}

grpc::ServerUnaryReactor* AuthServiceImpl::Token(grpc::CallbackServerContext* context,
                                                 const v1::TokenRequest* request,
                                                 v1::TokenResponse* response) {
  MCP_OAUTH_OFFLOAD_(context, [&] {
    absl::StatusOr<v1::TokenResponse> result = core_->Token(*request);
    absl::Status core_status = result.status();
    grpc::Status status = Deliver(std::move(result), response, request_id);
    CountTokenOutcome(request->grant_type(), core_status, status, request_id);
    return status;
  }());
}

grpc::ServerUnaryReactor* AuthServiceImpl::Introspect(grpc::CallbackServerContext* context,
                                                      const v1::IntrospectRequest* request,
                                                      v1::IntrospectResponse* response) {
  MCP_OAUTH_OFFLOAD_(context, Deliver(core_->Introspect(*request), response, request_id));
}

grpc::ServerUnaryReactor* AuthServiceImpl::Revoke(grpc::CallbackServerContext* context,
                                                  const v1::RevokeRequest* request,
                                                  v1::RevokeResponse* response) {
  MCP_OAUTH_OFFLOAD_(context, Deliver(core_->Revoke(*request), response, request_id));
}

grpc::ServerUnaryReactor* AuthServiceImpl::Register(grpc::CallbackServerContext* context,
                                                    const v1::RegisterRequest* request,
                                                    v1::RegisterResponse* /*response*/) {
  return Inline(context,
                [&] { return ToGrpcStatus(core_->Register(*request), RequestIdOf(*context)); });
}

grpc::ServerUnaryReactor* AuthServiceImpl::ValidateAccessToken(
    grpc::CallbackServerContext* context, const v1::ValidateAccessTokenRequest* request,
    v1::ValidateAccessTokenResponse* response) {
  return Inline(context,
                [&] {
                  return Deliver(core_->ValidateAccessToken(*request), response,
                                 RequestIdOf(*context));
                });
}

#undef MCP_OAUTH_OFFLOAD_

}  // namespace mcp_oauth::auth
