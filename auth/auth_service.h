// AuthServiceImpl: the gRPC face of the authorization server. A thin layer
// over AuthorizationServer (the only implementation of the OAuth rules):
// each RPC calls the core and converts an absl::Status carrying an OAuthError
// into a gRPC status whose error_details hold it (see oauth_error_details.h).
//
// Callback API. Cheap RPCs (metadata, authorization requests, access-token
// validation) run inline on gRPC's threads; RPCs that may run a password or
// secret KDF (CompleteLogin, Token, Introspect, Revoke) run on a small
// bounded worker pool so they never stall the callback threads. When that
// pool's queue is full they fail with RESOURCE_EXHAUSTED /
// temporarily_unavailable (HTTP 503).
//
// This class is thread safe. It shares ownership of the core. Destroy it only
// after the grpc::Server it is registered with has shut down.
#ifndef MCP_OAUTH_AUTH_AUTH_SERVICE_H_
#define MCP_OAUTH_AUTH_AUTH_SERVICE_H_

#include <memory>

#include "auth/authorization_server.h"
#include "proto/auth/v1/auth.grpc.pb.h"

namespace mcp_oauth::auth {

class AuthServiceImpl final : public v1::AuthService::CallbackService {
 public:
  // Logs a startup warning while the default client secret or the demo user
  // is in use. `worker_threads` run the slow RPCs.
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
  grpc::ServerUnaryReactor* ValidateAccessToken(grpc::CallbackServerContext* context,
                                                const v1::ValidateAccessTokenRequest* request,
                                                v1::ValidateAccessTokenResponse* response) override;

 private:
  class WorkerPool;

  const std::shared_ptr<AuthorizationServer> core_;
  std::unique_ptr<WorkerPool> pool_;
};

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_AUTH_SERVICE_H_
