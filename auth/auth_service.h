// AuthServiceImpl: the gRPC face of the authorization server. A thin layer
// over AuthorizationServer (the only implementation of the OAuth rules):
// each RPC calls the core and converts an absl::Status carrying an OAuthError
// into a gRPC status whose error_details hold it (see oauth_error_details.h).
//
// Callback API. Metadata RPCs run inline on the caller's thread. The others
// run on bounded pools, so they never stall gRPC's callback threads or an
// HTTP IO thread (which must never wait on a database):
//  - the hashing budget (AuthOptions::hash_threads, hash_queue): CompleteLogin
//    (a password KDF every time) and the Token / Introspect / Revoke calls
//    whose client secret is not verified yet in this process (wrong secrets
//    included), sign-in and client secrets queueing apart;
//  - the store workers: every other Token / Introspect / Revoke call, or
//    inline when the store never blocks and no sweep is due (no hand-off:
//    in memory the call costs less than the thread switch);
//  - upstream sign-in (StartUpstreamSignIn, FinishUpstreamSignIn), which waits
//    on identity providers over HTTPS;
//  - the lookup pool (two threads): ValidateAccessToken, StartAuthorization
//    and DescribeAuthorization (which may also sweep the store). These run
//    inline instead when the store never blocks (Store::MayBlock, the memory
//    store), except authorization requests called in process.
// So a flood of sign-ins or of wrong client secrets fills only the hashing
// budget, token, introspection and revocation traffic keeps its latency, and
// a slow database delays only the calls that need it.
// A full queue fails the call at once with RESOURCE_EXHAUSTED /
// temporarily_unavailable (HTTP 503 + Retry-After).
//
// Call() is the same service without gRPC, for a client in this process
// (client/local_auth_client.h): the gRPC methods are Call(Via::kGrpc, ...).
//
// This class is thread safe. It shares ownership of the core. Destroy it only
// after the grpc::Server it is registered with has shut down.
#ifndef MCP_OAUTH_AUTH_AUTH_SERVICE_H_
#define MCP_OAUTH_AUTH_AUTH_SERVICE_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "auth/authorization_server.h"
#include "proto/auth/v1/auth.grpc.pb.h"

namespace mcp_oauth {
class WorkerPool;
}  // namespace mcp_oauth

namespace mcp_oauth::auth {

class AuthServiceImpl final : public v1::AuthService::CallbackService {
 public:
  // How a call reached the service: decides which thread may run it.
  enum class Via { kGrpc, kInProcess };
  // The end of a call: its status and response (which it may move from).
  // Runs exactly once, before Call returns when the work runs inline, else
  // on a pool thread.
  template <typename Response>
  using Done = std::function<void(const grpc::Status& status, Response& response)>;

  // Logs a startup warning while the default client secret or the demo user
  // is in use. `worker_threads` run the store work; the hashing budget comes
  // from the core's options.
  explicit AuthServiceImpl(std::shared_ptr<AuthorizationServer> core, int worker_threads = 2);
  // Calls Shutdown.
  ~AuthServiceImpl() override;
  AuthServiceImpl(const AuthServiceImpl&) = delete;
  AuthServiceImpl& operator=(const AuthServiceImpl&) = delete;

  grpc::ServerUnaryReactor* GetServerMetadata(grpc::CallbackServerContext* context,
                                              const v1::GetServerMetadataRequest* request,
                                              v1::ServerMetadata* response) override;
  grpc::ServerUnaryReactor* GetProtectedResourceMetadata(
      grpc::CallbackServerContext* context, const v1::GetProtectedResourceMetadataRequest* request,
      v1::ProtectedResourceMetadata* response) override;
  grpc::ServerUnaryReactor* StartAuthorization(grpc::CallbackServerContext* context,
                                               const v1::StartAuthorizationRequest* request,
                                               v1::StartAuthorizationResponse* response) override;
  grpc::ServerUnaryReactor* DescribeAuthorization(
      grpc::CallbackServerContext* context, const v1::DescribeAuthorizationRequest* request,
      v1::DescribeAuthorizationResponse* response) override;
  grpc::ServerUnaryReactor* CompleteLogin(grpc::CallbackServerContext* context,
                                          const v1::CompleteLoginRequest* request,
                                          v1::CompleteLoginResponse* response) override;
  grpc::ServerUnaryReactor* Token(grpc::CallbackServerContext* context,
                                  const v1::TokenRequest* request,
                                  v1::TokenResponse* response) override;
  grpc::ServerUnaryReactor* Introspect(grpc::CallbackServerContext* context,
                                       const v1::IntrospectRequest* request,
                                       v1::IntrospectResponse* response) override;
  grpc::ServerUnaryReactor* Revoke(grpc::CallbackServerContext* context,
                                   const v1::RevokeRequest* request,
                                   v1::RevokeResponse* response) override;
  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* context,
                                     const v1::RegisterRequest* request,
                                     v1::RegisterResponse* response) override;
  grpc::ServerUnaryReactor* StartUpstreamSignIn(grpc::CallbackServerContext* context,
                                                const v1::StartUpstreamSignInRequest* request,
                                                v1::StartUpstreamSignInResponse* response) override;
  grpc::ServerUnaryReactor* FinishUpstreamSignIn(
      grpc::CallbackServerContext* context, const v1::FinishUpstreamSignInRequest* request,
      v1::FinishUpstreamSignInResponse* response) override;
  grpc::ServerUnaryReactor* ValidateAccessToken(grpc::CallbackServerContext* context,
                                                const v1::ValidateAccessTokenRequest* request,
                                                v1::ValidateAccessTokenResponse* response) override;

  // Refuses new pooled work (503 temporarily_unavailable), then runs the
  // queued work and joins the pools, so that no callback runs after this
  // returns. Call it when the callers stop (after the gRPC server's
  // shutdown), before what the callbacks use goes away. Idempotent.
  void Shutdown();

  // One RPC without gRPC, picked by the request type. `request_id` is the
  // caller's request id for log lines ("" or an invalid one: none).
  // `request` is copied when the work leaves the caller's thread.
  void Call(Via via, const std::string& request_id, const v1::GetServerMetadataRequest& request,
            Done<v1::ServerMetadata> done);
  void Call(Via via, const std::string& request_id,
            const v1::GetProtectedResourceMetadataRequest& request,
            Done<v1::ProtectedResourceMetadata> done);
  void Call(Via via, const std::string& request_id, const v1::StartAuthorizationRequest& request,
            Done<v1::StartAuthorizationResponse> done);
  void Call(Via via, const std::string& request_id, const v1::DescribeAuthorizationRequest& request,
            Done<v1::DescribeAuthorizationResponse> done);
  void Call(Via via, const std::string& request_id, const v1::CompleteLoginRequest& request,
            Done<v1::CompleteLoginResponse> done);
  void Call(Via via, const std::string& request_id, const v1::TokenRequest& request,
            Done<v1::TokenResponse> done);
  void Call(Via via, const std::string& request_id, const v1::IntrospectRequest& request,
            Done<v1::IntrospectResponse> done);
  void Call(Via via, const std::string& request_id, const v1::RevokeRequest& request,
            Done<v1::RevokeResponse> done);
  void Call(Via via, const std::string& request_id, const v1::RegisterRequest& request,
            Done<v1::RegisterResponse> done);
  void Call(Via via, const std::string& request_id, const v1::StartUpstreamSignInRequest& request,
            Done<v1::StartUpstreamSignInResponse> done);
  void Call(Via via, const std::string& request_id, const v1::FinishUpstreamSignInRequest& request,
            Done<v1::FinishUpstreamSignInResponse> done);
  void Call(Via via, const std::string& request_id, const v1::ValidateAccessTokenRequest& request,
            Done<v1::ValidateAccessTokenResponse> done);

 private:
  // Where a kind of work runs (see the class comment).
  enum class Lane { kInline, kLookup, kAuthorization, kStore, kSignIn, kClientSecret, kUpstream };

  // Runs `work(request, &response, request_id)` on the thread `lane` and
  // `via` call for, then `done` with its status and response.
  template <typename Request, typename Response, typename Work>
  void Dispatch(Lane lane, Via via, const std::string& request_id, const Request& request,
                Done<Response> done, Work work);
  // The lane of Token, Introspect and Revoke.
  Lane ClientLane(const v1::ClientCredentials& credentials);
  // A gRPC method: Call(Via::kGrpc, ...) finishing the call's reactor.
  template <typename Request, typename Response>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context, const Request* request,
                                  Response* response);
  WorkerPool& LookupPool();

  const std::shared_ptr<AuthorizationServer> core_;
  std::unique_ptr<WorkerPool> store_pool_;
  std::unique_ptr<WorkerPool> hash_pool_;
  // Upstream sign-in waits on identity providers (up to their timeouts):
  // its own bounded pool, so it never delays password sign-in or /token.
  std::unique_ptr<WorkerPool> upstream_pool_;
  // Lookups and authorization requests that must not run on the caller's
  // thread: made on first use (an auth_server on the memory store never
  // needs it).
  std::once_flag lookup_pool_once_;
  std::unique_ptr<WorkerPool> lookup_pool_;
  // Held (shared) while work is handed to a pool, so Shutdown can close them.
  absl::Mutex pools_mu_;
  bool stopping_ ABSL_GUARDED_BY(pools_mu_) = false;
};

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_AUTH_SERVICE_H_
