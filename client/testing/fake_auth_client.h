// FakeAuthClient: an in-process AuthClient for the gateway's unit tests. Each
// method records its request and answers, before returning, with its own
// `status` when set, else the fake's (an OAuthError travels in it, see
// auth/oauth_error_details.h), and, when that is OK, its `response`. No
// service, no transport.
//
// Not thread safe: tests call it from one thread.
#ifndef MCP_OAUTH_CLIENT_TESTING_FAKE_AUTH_CLIENT_H_
#define MCP_OAUTH_CLIENT_TESTING_FAKE_AUTH_CLIENT_H_

#include <optional>

#include "client/auth_client.h"

namespace mcp_oauth::client::testing {

class FakeAuthClient final : public AuthClient {
 public:
  // One method's programmed answer and what it was last asked.
  template <typename Request, typename Response>
  struct Method {
    Response response;
    // Overrides FakeAuthClient::status for this method.
    std::optional<grpc::Status> status;
    Request request;
    CallOptions options;
    int calls = 0;
  };

  // What every call ends with (OK by default).
  grpc::Status status;

  Method<auth::v1::GetServerMetadataRequest, auth::v1::ServerMetadata> server_metadata;
  Method<auth::v1::GetProtectedResourceMetadataRequest, auth::v1::ProtectedResourceMetadata>
      resource_metadata;
  Method<auth::v1::StartAuthorizationRequest, auth::v1::StartAuthorizationResponse>
      start_authorization;
  Method<auth::v1::DescribeAuthorizationRequest, auth::v1::DescribeAuthorizationResponse>
      describe_authorization;
  Method<auth::v1::CompleteLoginRequest, auth::v1::CompleteLoginResponse> complete_login;
  Method<auth::v1::StartUpstreamSignInRequest, auth::v1::StartUpstreamSignInResponse>
      start_upstream;
  Method<auth::v1::FinishUpstreamSignInRequest, auth::v1::FinishUpstreamSignInResponse>
      finish_upstream;
  Method<auth::v1::TokenRequest, auth::v1::TokenResponse> token;
  Method<auth::v1::IntrospectRequest, auth::v1::IntrospectResponse> introspect;
  Method<auth::v1::RevokeRequest, auth::v1::RevokeResponse> revoke;
  Method<auth::v1::RegisterRequest, auth::v1::RegisterResponse> register_client;
  Method<auth::v1::ValidateAccessTokenRequest, auth::v1::ValidateAccessTokenResponse>
      validate;

  // Calls made to any method.
  int total_calls() const {
    return server_metadata.calls + resource_metadata.calls + start_authorization.calls +
           describe_authorization.calls + complete_login.calls + start_upstream.calls +
           finish_upstream.calls + token.calls + introspect.calls + revoke.calls +
           register_client.calls + validate.calls;
  }

  void GetServerMetadata(const CallOptions& options,
                         const auth::v1::GetServerMetadataRequest& request,
                         UnaryDone<auth::v1::ServerMetadata> done) override {
    Answer(server_metadata, options, request, done);
  }
  void GetProtectedResourceMetadata(
      const CallOptions& options, const auth::v1::GetProtectedResourceMetadataRequest& request,
      UnaryDone<auth::v1::ProtectedResourceMetadata> done) override {
    Answer(resource_metadata, options, request, done);
  }
  void StartAuthorization(const CallOptions& options,
                          const auth::v1::StartAuthorizationRequest& request,
                          UnaryDone<auth::v1::StartAuthorizationResponse> done) override {
    Answer(start_authorization, options, request, done);
  }
  void DescribeAuthorization(const CallOptions& options,
                             const auth::v1::DescribeAuthorizationRequest& request,
                             UnaryDone<auth::v1::DescribeAuthorizationResponse> done) override {
    Answer(describe_authorization, options, request, done);
  }
  void CompleteLogin(const CallOptions& options, const auth::v1::CompleteLoginRequest& request,
                     UnaryDone<auth::v1::CompleteLoginResponse> done) override {
    Answer(complete_login, options, request, done);
  }
  void StartUpstreamSignIn(const CallOptions& options,
                           const auth::v1::StartUpstreamSignInRequest& request,
                           UnaryDone<auth::v1::StartUpstreamSignInResponse> done) override {
    Answer(start_upstream, options, request, done);
  }
  void FinishUpstreamSignIn(const CallOptions& options,
                            const auth::v1::FinishUpstreamSignInRequest& request,
                            UnaryDone<auth::v1::FinishUpstreamSignInResponse> done) override {
    Answer(finish_upstream, options, request, done);
  }
  void Token(const CallOptions& options, const auth::v1::TokenRequest& request,
             UnaryDone<auth::v1::TokenResponse> done) override {
    Answer(token, options, request, done);
  }
  void Introspect(const CallOptions& options, const auth::v1::IntrospectRequest& request,
                  UnaryDone<auth::v1::IntrospectResponse> done) override {
    Answer(introspect, options, request, done);
  }
  void Revoke(const CallOptions& options, const auth::v1::RevokeRequest& request,
              UnaryDone<auth::v1::RevokeResponse> done) override {
    Answer(revoke, options, request, done);
  }
  void Register(const CallOptions& options, const auth::v1::RegisterRequest& request,
                UnaryDone<auth::v1::RegisterResponse> done) override {
    Answer(register_client, options, request, done);
  }
  void ValidateAccessToken(const CallOptions& options,
                           const auth::v1::ValidateAccessTokenRequest& request,
                           UnaryDone<auth::v1::ValidateAccessTokenResponse> done) override {
    Answer(validate, options, request, done);
  }

 private:
  template <typename Request, typename Response>
  void Answer(Method<Request, Response>& method, const CallOptions& options,
              const Request& request, const UnaryDone<Response>& done) {
    method.request = request;
    method.options = options;
    ++method.calls;
    const grpc::Status& answer = method.status ? *method.status : status;
    Response response = answer.ok() ? method.response : Response();
    done(answer, response);
  }
};

}  // namespace mcp_oauth::client::testing

#endif  // MCP_OAUTH_CLIENT_TESTING_FAKE_AUTH_CLIENT_H_
