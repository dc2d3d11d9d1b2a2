// AuthClient: how the gateway calls an AuthService, with the AuthService's
// own protobuf messages and gRPC status codes (an OAuthError in the status
// details, see auth/oauth_error_details.h), whether the service runs in this
// process or behind a channel:
//   MakeLocalAuthClient   (local_auth_client.h)  calls the service
//       implementation directly: no transport, no serialization, and no
//       thread hop for the work the service runs inline;
//   MakeRemoteAuthClient  (remote_auth_client.h) a real gRPC channel
//       (--auth-target, or a stub in tests).
// Both give the same statuses, deadlines (CallOptions::timeout), cancellation
// (CallOptions::cancellation) and request ids, and both record every call's
// latency in grpc_client_call_duration_seconds{method="AuthService/..."}
// (client/call.h) in one place (Metered below).
//
// Implementations are thread safe. Requests are read (or copied) before the
// methods return. Callbacks may run before the call returns or on another
// thread; they must not block.
#ifndef MCP_OAUTH_CLIENT_AUTH_CLIENT_H_
#define MCP_OAUTH_CLIENT_AUTH_CLIENT_H_

#include <memory>

#include "client/call.h"
#include "proto/auth/v1/auth.pb.h"

namespace mcp_oauth::client {

class AuthClient {
 public:
  virtual ~AuthClient() = default;

  // RFC 8414 and RFC 9728 metadata.
  virtual void GetServerMetadata(const CallOptions& options,
                                 const auth::v1::GetServerMetadataRequest& request,
                                 UnaryDone<auth::v1::ServerMetadata> done) = 0;
  virtual void GetProtectedResourceMetadata(
      const CallOptions& options, const auth::v1::GetProtectedResourceMetadataRequest& request,
      UnaryDone<auth::v1::ProtectedResourceMetadata> done) = 0;
  // /authorize and the sign-in page.
  virtual void StartAuthorization(const CallOptions& options,
                                  const auth::v1::StartAuthorizationRequest& request,
                                  UnaryDone<auth::v1::StartAuthorizationResponse> done) = 0;
  virtual void DescribeAuthorization(const CallOptions& options,
                                     const auth::v1::DescribeAuthorizationRequest& request,
                                     UnaryDone<auth::v1::DescribeAuthorizationResponse> done) = 0;
  virtual void CompleteLogin(const CallOptions& options,
                             const auth::v1::CompleteLoginRequest& request,
                             UnaryDone<auth::v1::CompleteLoginResponse> done) = 0;
  virtual void StartUpstreamSignIn(const CallOptions& options,
                                   const auth::v1::StartUpstreamSignInRequest& request,
                                   UnaryDone<auth::v1::StartUpstreamSignInResponse> done) = 0;
  virtual void FinishUpstreamSignIn(const CallOptions& options,
                                    const auth::v1::FinishUpstreamSignInRequest& request,
                                    UnaryDone<auth::v1::FinishUpstreamSignInResponse> done) = 0;
  // /token, /introspect, /revoke, /register.
  virtual void Token(const CallOptions& options, const auth::v1::TokenRequest& request,
                     UnaryDone<auth::v1::TokenResponse> done) = 0;
  virtual void Introspect(const CallOptions& options, const auth::v1::IntrospectRequest& request,
                          UnaryDone<auth::v1::IntrospectResponse> done) = 0;
  virtual void Revoke(const CallOptions& options, const auth::v1::RevokeRequest& request,
                      UnaryDone<auth::v1::RevokeResponse> done) = 0;
  virtual void Register(const CallOptions& options, const auth::v1::RegisterRequest& request,
                        UnaryDone<auth::v1::RegisterResponse> done) = 0;
  // The bearer token check of /mcp.
  virtual void ValidateAccessToken(const CallOptions& options,
                                   const auth::v1::ValidateAccessTokenRequest& request,
                                   UnaryDone<auth::v1::ValidateAccessTokenResponse> done) = 0;
};

// Wraps `inner` so that every call's latency is recorded (client/call.h).
// The factories return clients wrapped this way.
std::shared_ptr<AuthClient> Metered(std::shared_ptr<AuthClient> inner);

}  // namespace mcp_oauth::client

#endif  // MCP_OAUTH_CLIENT_AUTH_CLIENT_H_
