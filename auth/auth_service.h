// AuthServiceImpl: the gRPC face of the authorization server. A thin layer
// over AuthorizationServer (the only implementation of the OAuth rules):
// each RPC calls the core and converts an absl::Status carrying an OAuthError
// into a gRPC status whose error_details hold it (see oauth_error_details.h).
//
// Callback API. Cheap RPCs (metadata, authorization requests, access-token
// validation) run inline on gRPC's threads. The others run on two bounded
// pools, so they never stall the callback threads:
//  - the hashing budget (AuthOptions::hash_threads, hash_queue): CompleteLogin
//    (a password KDF every time) and the Token / Introspect / Revoke calls
//    whose client secret is not verified yet in this process (wrong secrets
//    included), sign-in and client secrets queueing apart;
//  - the store workers: every other Token / Introspect / Revoke call.
// So a flood of sign-ins or of wrong client secrets fills only the hashing
// budget, and token, introspection and revocation traffic keeps its latency.
// Upstream sign-in (StartUpstreamSignIn, FinishUpstreamSignIn) waits on
// identity providers over HTTPS and runs on a third pool of its own.
// A full queue fails the call at once with RESOURCE_EXHAUSTED /
// temporarily_unavailable (HTTP 503 + Retry-After).
//
// This class is thread safe. It shares ownership of the core. Destroy it only
// after the grpc::Server it is registered with has shut down.
#ifndef MCP_OAUTH_AUTH_AUTH_SERVICE_H_
#define MCP_OAUTH_AUTH_AUTH_SERVICE_H_

#include <memory>

#include "auth/authorization_server.h"
#include "proto/auth/v1/auth.grpc.pb.h"

namespace mcp_oauth::auth {

class WorkerPool;

class AuthServiceImpl final : public v1::AuthService::CallbackService {
 public:
  // Logs a startup warning while the default client secret or the demo user
  // is in use. `worker_threads` run the store work; the hashing budget comes
  // from the core's options.
  explicit AuthServiceImpl(std::shared_ptr<AuthorizationServer> core, int worker_threads = 2);
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
  grpc::ServerUnaryReactor* FinishUpstreamSignIn(grpc::CallbackServerContext* context,
                                                 const v1::FinishUpstreamSignInRequest* request,
                                                 v1::FinishUpstreamSignInResponse* response) override;
  grpc::ServerUnaryReactor* ValidateAccessToken(grpc::CallbackServerContext* context,
                                                const v1::ValidateAccessTokenRequest* request,
                                                v1::ValidateAccessTokenResponse* response) override;

 private:
  template <typename Fn>
  grpc::ServerUnaryReactor* OffloadClientCall(grpc::CallbackServerContext* context,
                                              const v1::ClientCredentials& credentials, Fn fn);

  const std::shared_ptr<AuthorizationServer> core_;
  std::unique_ptr<WorkerPool> store_pool_;
  std::unique_ptr<WorkerPool> hash_pool_;
  // Upstream sign-in waits on identity providers (up to their timeouts):
  // its own bounded pool, so it never delays password sign-in or /token.
  std::unique_ptr<WorkerPool> upstream_pool_;
};

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_AUTH_SERVICE_H_
