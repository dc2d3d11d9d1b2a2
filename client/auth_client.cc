#include "client/auth_client.h"

#include <utility>

namespace mcp_oauth::client {
namespace {

namespace v1 = auth::v1;

class MeteredAuthClient final : public AuthClient {
 public:
  explicit MeteredAuthClient(std::shared_ptr<AuthClient> inner) : inner_(std::move(inner)) {}

  void GetServerMetadata(const CallOptions& options, const v1::GetServerMetadataRequest& request,
                         UnaryDone<v1::ServerMetadata> done) override {
    inner_->GetServerMetadata(options, request,
                              Observed("AuthService/GetServerMetadata", std::move(done)));
  }
  void GetProtectedResourceMetadata(const CallOptions& options,
                                    const v1::GetProtectedResourceMetadataRequest& request,
                                    UnaryDone<v1::ProtectedResourceMetadata> done) override {
    inner_->GetProtectedResourceMetadata(
        options, request, Observed("AuthService/GetProtectedResourceMetadata", std::move(done)));
  }
  void StartAuthorization(const CallOptions& options, const v1::StartAuthorizationRequest& request,
                          UnaryDone<v1::StartAuthorizationResponse> done) override {
    inner_->StartAuthorization(options, request,
                               Observed("AuthService/StartAuthorization", std::move(done)));
  }
  void DescribeAuthorization(const CallOptions& options,
                             const v1::DescribeAuthorizationRequest& request,
                             UnaryDone<v1::DescribeAuthorizationResponse> done) override {
    inner_->DescribeAuthorization(options, request,
                                  Observed("AuthService/DescribeAuthorization", std::move(done)));
  }
  void CompleteLogin(const CallOptions& options, const v1::CompleteLoginRequest& request,
                     UnaryDone<v1::CompleteLoginResponse> done) override {
    inner_->CompleteLogin(options, request, Observed("AuthService/CompleteLogin", std::move(done)));
  }
  void StartUpstreamSignIn(const CallOptions& options,
                           const v1::StartUpstreamSignInRequest& request,
                           UnaryDone<v1::StartUpstreamSignInResponse> done) override {
    inner_->StartUpstreamSignIn(options, request,
                                Observed("AuthService/StartUpstreamSignIn", std::move(done)));
  }
  void FinishUpstreamSignIn(const CallOptions& options,
                            const v1::FinishUpstreamSignInRequest& request,
                            UnaryDone<v1::FinishUpstreamSignInResponse> done) override {
    inner_->FinishUpstreamSignIn(options, request,
                                 Observed("AuthService/FinishUpstreamSignIn", std::move(done)));
  }
  void Token(const CallOptions& options, const v1::TokenRequest& request,
             UnaryDone<v1::TokenResponse> done) override {
    inner_->Token(options, request, Observed("AuthService/Token", std::move(done)));
  }
  void Introspect(const CallOptions& options, const v1::IntrospectRequest& request,
                  UnaryDone<v1::IntrospectResponse> done) override {
    inner_->Introspect(options, request, Observed("AuthService/Introspect", std::move(done)));
  }
  void Revoke(const CallOptions& options, const v1::RevokeRequest& request,
              UnaryDone<v1::RevokeResponse> done) override {
    inner_->Revoke(options, request, Observed("AuthService/Revoke", std::move(done)));
  }
  void Register(const CallOptions& options, const v1::RegisterRequest& request,
                UnaryDone<v1::RegisterResponse> done) override {
    inner_->Register(options, request, Observed("AuthService/Register", std::move(done)));
  }
  void ValidateAccessToken(const CallOptions& options,
                           const v1::ValidateAccessTokenRequest& request,
                           UnaryDone<v1::ValidateAccessTokenResponse> done) override {
    inner_->ValidateAccessToken(options, request,
                                Observed("AuthService/ValidateAccessToken", std::move(done)));
  }

 private:
  const std::shared_ptr<AuthClient> inner_;
};

}  // namespace

std::shared_ptr<AuthClient> Metered(std::shared_ptr<AuthClient> inner) {
  return std::make_shared<MeteredAuthClient>(std::move(inner));
}

}  // namespace mcp_oauth::client
