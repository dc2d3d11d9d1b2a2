// AuthorizationServer: sign-in through an upstream OpenID provider. We stay
// the authorization server of the MCP clients (our codes, our tokens); the
// provider only tells us who the person is. Nothing of the provider's
// tokens is kept, returned or logged.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "auth/authorization_server.h"
#include "auth/oauth_error.h"
#include "auth/oidc/curl_fetcher.h"
#include "auth/url.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace mcp_oauth::auth {
namespace {

constexpr size_t kMaxIdLength = 512;
constexpr size_t kMaxCodeLength = 4096;

// An OAuth error sent back to the client's (already verified) redirect URI.
absl::Status ErrorRedirect(const PendingAuthorization& pending, const std::string& issuer,
                           const std::string& error, const std::string& description) {
  std::vector<std::pair<std::string, std::string>> params = {{"error", error},
                                                             {"error_description", description}};
  if (!pending.state.empty()) params.emplace_back("state", pending.state);
  params.emplace_back("iss", issuer);
  v1::OAuthError e;
  e.set_error(error);
  e.set_error_description(description);
  e.set_http_status(302);
  e.set_redirect_to(AppendQueryParameters(pending.redirect_uri, params));
  return OAuthErrorStatus(absl::StatusCode::kPermissionDenied, e);
}

}  // namespace

void AuthorizationServer::EnableUpstreamSignIn(std::shared_ptr<oidc::HttpFetcher> fetcher) {
  if (options_.identity_providers.empty()) return;
  if (!fetcher) {
    fetcher = oidc::MakeCurlFetcher(options_.upstream_ca_file, options_.upstream_ca_path);
  }
  upstream_ = std::make_unique<UpstreamSignIn>(options_.identity_providers, std::move(fetcher),
                                               clock_, options_.public_url + "/login/oidc/callback",
                                               options_.pending_authorization_ttl);
}

absl::StatusOr<v1::StartUpstreamSignInResponse> AuthorizationServer::StartUpstreamSignIn(
    const v1::StartUpstreamSignInRequest& request) {
  absl::Time now = clock_->Now();
  if (request.authorization_id().empty() || request.authorization_id().size() > kMaxIdLength) {
    return ExpiredAuthorizationError();
  }
  std::string id_hash = crypto::Sha256(request.authorization_id());
  ASSIGN_OR_RETURN(std::optional<PendingAuthorization> pending,
                   store_->GetPendingAuthorization(id_hash, now));
  if (!pending) return ExpiredAuthorizationError();
  if (!crypto::ConstantTimeEquals(request.csrf_token(), pending->csrf_token)) {
    return MakeOAuthError(403, "access_denied",
                          "The sign-in form was not submitted from this server (CSRF check "
                          "failed). Reload the page and try again.");
  }
  if (!upstream_ || upstream_->Find(request.provider_id()) == nullptr) {
    return MakeOAuthError(400, "invalid_request", "Unknown identity provider");
  }
  auto url = upstream_->Begin(request.provider_id(), id_hash);
  if (!url.ok()) {
    log::Warning(absl::StrCat("auth: sign-in via ", request.provider_id(),
                              " could not start: ", url.status().message()));
    if (absl::IsResourceExhausted(url.status())) {
      return MakeOAuthError(429, "temporarily_unavailable",
                            "Too many sign-ins in progress. Try again shortly.");
    }
    return MakeOAuthError(502, "temporarily_unavailable",
                          "The identity provider cannot be reached. Try again later.");
  }
  v1::StartUpstreamSignInResponse response;
  response.set_redirect_to(*std::move(url));
  return response;
}

absl::StatusOr<v1::FinishUpstreamSignInResponse> AuthorizationServer::FinishUpstreamSignIn(
    const v1::FinishUpstreamSignInRequest& request) {
  absl::Time now = clock_->Now();
  std::optional<UpstreamSignIn::Attempt> attempt;
  if (upstream_) attempt = upstream_->Take(request.state());
  if (!attempt) {
    log::Warning("auth: upstream sign-in answer with an unknown, expired or used state");
    return MakeOAuthError(400, "invalid_request",
                          "This sign-in attempt is unknown, has expired or was already used. "
                          "Return to the application and start again.");
  }
  ASSIGN_OR_RETURN(std::optional<PendingAuthorization> pending,
                   store_->GetPendingAuthorization(attempt->authorization_id_hash, now));
  if (!pending) return ExpiredAuthorizationError();
  const std::string& provider_id = attempt->provider_id;
  std::string provider_name = upstream_->Find(provider_id)->config().display_name;
  // Every failure below ends the pending authorization: nothing is left
  // that lets this attempt continue.
  auto refuse = [&](const std::string& error, const std::string& description,
                    const std::string& reason) -> absl::Status {
    log::Warning(absl::StrCat("auth: sign-in via ", provider_id, " refused: ", reason));
    RETURN_IF_ERROR(store_->DeletePendingAuthorization(attempt->authorization_id_hash));
    return ErrorRedirect(*pending, issuer_, error, description);
  };
  if (!request.error().empty()) {
    bool denied = request.error() == "access_denied";
    return refuse("access_denied",
                  denied ? absl::StrCat("Sign-in at ", provider_name, " was refused or cancelled")
                         : absl::StrCat("Sign-in at ", provider_name, " failed"),
                  absl::StrCat("the provider answered error=", request.error().substr(0, 64)));
  }
  if (request.code().empty() || request.code().size() > kMaxCodeLength) {
    return refuse("access_denied", absl::StrCat(provider_name, " returned no code"),
                  "no code in the answer");
  }
  auto identity = upstream_->Redeem(*attempt, request.code());
  if (!identity.ok()) {
    const absl::Status& s = identity.status();
    std::string reason(s.message());
    if (absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s)) {
      return refuse("temporarily_unavailable",
                    absl::StrCat(provider_name, " could not be reached. Try again later."), reason);
    }
    if (absl::IsPermissionDenied(s)) {
      return refuse(
          "access_denied",
          absl::StrCat("Your ", provider_name, " account may not use this server: ", reason),
          reason);
    }
    return refuse("access_denied",
                  absl::StrCat("The answer of ", provider_name, " could not be verified"), reason);
  }
  auto redirect_to = IssueCode(*pending, attempt->authorization_id_hash, identity->subject,
                               identity->username, now);
  if (!redirect_to.ok()) return redirect_to.status();
  log::Info(absl::StrCat("auth: signed in via ", provider_id, ": ", identity->username));
  v1::FinishUpstreamSignInResponse response;
  response.set_redirect_to(*std::move(redirect_to));
  return response;
}

}  // namespace mcp_oauth::auth
