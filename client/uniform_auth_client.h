// UniformAuthClient: the one list of AuthClient methods for implementations
// that treat every method alike (metering, the in-process client): each
// method calls Derived::Call(method, options, request, done), where `method`
// names the RPC ("AuthService/Token", the metric label) and points at the
// AuthClient method (to forward to another client).
#ifndef MCP_OAUTH_CLIENT_UNIFORM_AUTH_CLIENT_H_
#define MCP_OAUTH_CLIENT_UNIFORM_AUTH_CLIENT_H_

#include <utility>

#include "client/auth_client.h"

namespace mcp_oauth::client {

template <typename Request, typename Response>
struct AuthMethod {
  const char* name;  // "AuthService/<Method>"
  void (AuthClient::*method)(const CallOptions&, const Request&, UnaryDone<Response>);
};

// Derived has: template <typename Request, typename Response>
//   void Call(AuthMethod<Request, Response>, const CallOptions&, const Request&,
//             UnaryDone<Response>);
template <typename Derived>
class UniformAuthClient : public AuthClient {
 public:
  void GetServerMetadata(const CallOptions& options,
                         const auth::v1::GetServerMetadataRequest& request,
                         UnaryDone<auth::v1::ServerMetadata> done) final {
    Self().Call(
        AuthMethod<auth::v1::GetServerMetadataRequest, auth::v1::ServerMetadata>{
            "AuthService/GetServerMetadata", &AuthClient::GetServerMetadata},
        options, request, std::move(done));
  }
  void GetProtectedResourceMetadata(const CallOptions& options,
                                    const auth::v1::GetProtectedResourceMetadataRequest& request,
                                    UnaryDone<auth::v1::ProtectedResourceMetadata> done) final {
    Self().Call(
        AuthMethod<auth::v1::GetProtectedResourceMetadataRequest,
                   auth::v1::ProtectedResourceMetadata>{"AuthService/GetProtectedResourceMetadata",
                                                        &AuthClient::GetProtectedResourceMetadata},
        options, request, std::move(done));
  }
  void StartAuthorization(const CallOptions& options,
                          const auth::v1::StartAuthorizationRequest& request,
                          UnaryDone<auth::v1::StartAuthorizationResponse> done) final {
    Self().Call(
        AuthMethod<auth::v1::StartAuthorizationRequest, auth::v1::StartAuthorizationResponse>{
            "AuthService/StartAuthorization", &AuthClient::StartAuthorization},
        options, request, std::move(done));
  }
  void DescribeAuthorization(const CallOptions& options,
                             const auth::v1::DescribeAuthorizationRequest& request,
                             UnaryDone<auth::v1::DescribeAuthorizationResponse> done) final {
    Self().Call(
        AuthMethod<auth::v1::DescribeAuthorizationRequest, auth::v1::DescribeAuthorizationResponse>{
            "AuthService/DescribeAuthorization", &AuthClient::DescribeAuthorization},
        options, request, std::move(done));
  }
  void CompleteLogin(const CallOptions& options, const auth::v1::CompleteLoginRequest& request,
                     UnaryDone<auth::v1::CompleteLoginResponse> done) final {
    Self().Call(
        AuthMethod<auth::v1::CompleteLoginRequest, auth::v1::CompleteLoginResponse>{
            "AuthService/CompleteLogin", &AuthClient::CompleteLogin},
        options, request, std::move(done));
  }
  void StartUpstreamSignIn(const CallOptions& options,
                           const auth::v1::StartUpstreamSignInRequest& request,
                           UnaryDone<auth::v1::StartUpstreamSignInResponse> done) final {
    Self().Call(
        AuthMethod<auth::v1::StartUpstreamSignInRequest, auth::v1::StartUpstreamSignInResponse>{
            "AuthService/StartUpstreamSignIn", &AuthClient::StartUpstreamSignIn},
        options, request, std::move(done));
  }
  void FinishUpstreamSignIn(const CallOptions& options,
                            const auth::v1::FinishUpstreamSignInRequest& request,
                            UnaryDone<auth::v1::FinishUpstreamSignInResponse> done) final {
    Self().Call(
        AuthMethod<auth::v1::FinishUpstreamSignInRequest, auth::v1::FinishUpstreamSignInResponse>{
            "AuthService/FinishUpstreamSignIn", &AuthClient::FinishUpstreamSignIn},
        options, request, std::move(done));
  }
  void Token(const CallOptions& options, const auth::v1::TokenRequest& request,
             UnaryDone<auth::v1::TokenResponse> done) final {
    Self().Call(AuthMethod<auth::v1::TokenRequest, auth::v1::TokenResponse>{"AuthService/Token",
                                                                            &AuthClient::Token},
                options, request, std::move(done));
  }
  void Introspect(const CallOptions& options, const auth::v1::IntrospectRequest& request,
                  UnaryDone<auth::v1::IntrospectResponse> done) final {
    Self().Call(
        AuthMethod<auth::v1::IntrospectRequest, auth::v1::IntrospectResponse>{
            "AuthService/Introspect", &AuthClient::Introspect},
        options, request, std::move(done));
  }
  void Revoke(const CallOptions& options, const auth::v1::RevokeRequest& request,
              UnaryDone<auth::v1::RevokeResponse> done) final {
    Self().Call(AuthMethod<auth::v1::RevokeRequest, auth::v1::RevokeResponse>{"AuthService/Revoke",
                                                                              &AuthClient::Revoke},
                options, request, std::move(done));
  }
  void Register(const CallOptions& options, const auth::v1::RegisterRequest& request,
                UnaryDone<auth::v1::RegisterResponse> done) final {
    Self().Call(
        AuthMethod<auth::v1::RegisterRequest, auth::v1::RegisterResponse>{"AuthService/Register",
                                                                          &AuthClient::Register},
        options, request, std::move(done));
  }
  void ValidateAccessToken(const CallOptions& options,
                           const auth::v1::ValidateAccessTokenRequest& request,
                           UnaryDone<auth::v1::ValidateAccessTokenResponse> done) final {
    Self().Call(
        AuthMethod<auth::v1::ValidateAccessTokenRequest, auth::v1::ValidateAccessTokenResponse>{
            "AuthService/ValidateAccessToken", &AuthClient::ValidateAccessToken},
        options, request, std::move(done));
  }

 private:
  Derived& Self() { return static_cast<Derived&>(*this); }
};

}  // namespace mcp_oauth::client

#endif  // MCP_OAUTH_CLIENT_UNIFORM_AUTH_CLIENT_H_
