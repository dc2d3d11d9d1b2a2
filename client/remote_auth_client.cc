#include "client/remote_auth_client.h"

#include <utility>

#include "client/grpc_client_call.h"

namespace mcp_oauth::client {
namespace {

namespace v1 = auth::v1;

class RemoteAuthClient final : public AuthClient {
 public:
  explicit RemoteAuthClient(std::shared_ptr<v1::AuthService::StubInterface> stub)
      : stub_(std::move(stub)) {}

  void GetServerMetadata(const CallOptions& options, const v1::GetServerMetadataRequest& request,
                         UnaryDone<v1::ServerMetadata> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->GetServerMetadata(args...); });
  }
  void GetProtectedResourceMetadata(const CallOptions& options,
                                    const v1::GetProtectedResourceMetadataRequest& request,
                                    UnaryDone<v1::ProtectedResourceMetadata> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->GetProtectedResourceMetadata(args...); });
  }
  void StartAuthorization(const CallOptions& options, const v1::StartAuthorizationRequest& request,
                          UnaryDone<v1::StartAuthorizationResponse> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->StartAuthorization(args...); });
  }
  void DescribeAuthorization(const CallOptions& options,
                             const v1::DescribeAuthorizationRequest& request,
                             UnaryDone<v1::DescribeAuthorizationResponse> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->DescribeAuthorization(args...); });
  }
  void CompleteLogin(const CallOptions& options, const v1::CompleteLoginRequest& request,
                     UnaryDone<v1::CompleteLoginResponse> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->CompleteLogin(args...); });
  }
  void StartUpstreamSignIn(const CallOptions& options,
                           const v1::StartUpstreamSignInRequest& request,
                           UnaryDone<v1::StartUpstreamSignInResponse> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->StartUpstreamSignIn(args...); });
  }
  void FinishUpstreamSignIn(const CallOptions& options,
                            const v1::FinishUpstreamSignInRequest& request,
                            UnaryDone<v1::FinishUpstreamSignInResponse> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->FinishUpstreamSignIn(args...); });
  }
  void Token(const CallOptions& options, const v1::TokenRequest& request,
             UnaryDone<v1::TokenResponse> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->Token(args...); });
  }
  void Introspect(const CallOptions& options, const v1::IntrospectRequest& request,
                  UnaryDone<v1::IntrospectResponse> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->Introspect(args...); });
  }
  void Revoke(const CallOptions& options, const v1::RevokeRequest& request,
              UnaryDone<v1::RevokeResponse> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->Revoke(args...); });
  }
  void Register(const CallOptions& options, const v1::RegisterRequest& request,
                UnaryDone<v1::RegisterResponse> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->Register(args...); });
  }
  void ValidateAccessToken(const CallOptions& options,
                           const v1::ValidateAccessTokenRequest& request,
                           UnaryDone<v1::ValidateAccessTokenResponse> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->ValidateAccessToken(args...); });
  }

 private:
  const std::shared_ptr<v1::AuthService::StubInterface> stub_;
};

}  // namespace

std::shared_ptr<AuthClient> MakeRemoteAuthClient(
    std::shared_ptr<v1::AuthService::StubInterface> stub) {
  return Metered(std::make_shared<RemoteAuthClient>(std::move(stub)));
}

}  // namespace mcp_oauth::client
