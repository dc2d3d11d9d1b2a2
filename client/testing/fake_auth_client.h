// FakeAuthClient: an in-process AuthClient for the gateway's unit tests. Each
// method records its request and answers, before returning, with its own
// `status` when set, else the fake's (an OAuthError travels in it, see
// auth/oauth_error_details.h), and, when that is OK, its `response`. No
// service, no transport. The method list is UniformAuthClient's.
//
// Not thread safe: tests call it from one thread.
#ifndef MCP_OAUTH_CLIENT_TESTING_FAKE_AUTH_CLIENT_H_
#define MCP_OAUTH_CLIENT_TESTING_FAKE_AUTH_CLIENT_H_

#include <optional>
#include <tuple>

#include "client/auth_client.h"
#include "client/uniform_auth_client.h"

namespace mcp_oauth::client::testing {

class FakeAuthClient final : public UniformAuthClient<FakeAuthClient> {
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
  Method<auth::v1::ValidateAccessTokenRequest, auth::v1::ValidateAccessTokenResponse> validate;

  // Every member above; one per AuthClient method (a missing one does not
  // compile: Call finds its member by type).
  auto Methods() {
    return std::tie(server_metadata, resource_metadata, start_authorization, describe_authorization,
                    complete_login, start_upstream, finish_upstream, token, introspect, revoke,
                    register_client, validate);
  }

  // Calls made to any method.
  int total_calls() {
    return std::apply([](const auto&... method) { return (method.calls + ...); }, Methods());
  }

  // UniformAuthClient's hook: every AuthClient method answers from its
  // member above, found by type.
  template <typename Request, typename Response>
  void Call(AuthMethod<Request, Response>, const CallOptions& options, const Request& request,
            UnaryDone<Response> done) {
    auto& method = std::get<Method<Request, Response>&>(Methods());
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
