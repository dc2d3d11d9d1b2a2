#include "auth/oidc/provider.h"

#include <openssl/evp.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "auth/oidc/curl_fetcher.h"
#include "auth/url.h"

namespace mcp_oauth::auth::oidc {
namespace {

using json = nlohmann::json;

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    absl::StrAppend(&out, PercentEncode(name), "=", PercentEncode(value));
  }
  return out;
}

// Standard base64 with padding (HTTP Basic credentials).
std::string Base64(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size());
  out.resize(n > 0 ? n : 0);
  return out;
}

std::string StringClaim(const json& claims, const std::string& name) {
  auto it = claims.find(name);
  return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// True when `claim` is `value`, or an array holding it; booleans and
// numbers compare by their JSON text ("true", "42").
bool ClaimHas(const json& claim, const std::string& value) {
  if (claim.is_string()) return claim.get<std::string>() == value;
  if (claim.is_array()) {
    for (const json& item : claim) {
      if (ClaimHas(item, value)) return true;
    }
    return false;
  }
  if (claim.is_boolean() || claim.is_number()) return claim.dump() == value;
  return false;
}

}  // namespace

OidcProvider::OidcProvider(ProviderConfig config, HttpFetcher* fetcher, Clock* clock)
    : config_(std::move(config)), fetcher_(fetcher), clock_(clock) {}

absl::StatusOr<ProviderMetadata> OidcProvider::FetchMetadata() {
  // Only the configured issuer's own discovery document; its endpoints must
  // be fetchable (https) URLs. No URL from a request is ever fetched.
  std::string url = config_.issuer + "/.well-known/openid-configuration";
  auto response = fetcher_->Fetch(GetRequest(url));
  if (!response.ok()) {
    return absl::UnavailableError(
        absl::StrCat("discovery of ", config_.id, " failed: ", response.status().message()));
  }
  if (response->status != 200) {
    return absl::UnavailableError(
        absl::StrCat("discovery of ", config_.id, " answered HTTP ", response->status));
  }
  json doc = json::parse(response->body, nullptr, false);
  if (!doc.is_object()) {
    return absl::UnavailableError(absl::StrCat("discovery of ", config_.id, ": not JSON"));
  }
  if (StringClaim(doc, "issuer") != config_.issuer) {
    return absl::UnavailableError(
        absl::StrCat("discovery of ", config_.id, ": issuer differs from the configured one"));
  }
  ProviderMetadata metadata;
  for (auto [key, target] : {std::pair{"authorization_endpoint", &metadata.authorization_endpoint},
                             std::pair{"token_endpoint", &metadata.token_endpoint},
                             std::pair{"jwks_uri", &metadata.jwks_uri}}) {
    *target = StringClaim(doc, key);
    if (!IsFetchableUrl(*target)) {
      return absl::UnavailableError(
          absl::StrCat("discovery of ", config_.id, ": ", key, " is not an https URL"));
    }
  }
  if (doc.contains("token_endpoint_auth_methods_supported") &&
      doc["token_endpoint_auth_methods_supported"].is_array()) {
    const json& methods = doc["token_endpoint_auth_methods_supported"];
    bool basic = false, post = false;
    for (const json& m : methods) {
      basic = basic || (m.is_string() && m.get<std::string>() == "client_secret_basic");
      post = post || (m.is_string() && m.get<std::string>() == "client_secret_post");
    }
    metadata.client_secret_post_only = post && !basic;
  }
  return metadata;
}

absl::StatusOr<ProviderMetadata> OidcProvider::Metadata() {
  absl::Time now = clock_->Now();
  {
    absl::MutexLock lock(&mu_);
    if (metadata_ && now - metadata_time_ < kMetadataLifetime) return *metadata_;
  }
  auto fetched = FetchMetadata();
  if (!fetched.ok()) return fetched.status();
  absl::MutexLock lock(&mu_);
  metadata_ = *fetched;
  metadata_time_ = now;
  return *fetched;
}

absl::StatusOr<std::shared_ptr<const JwkSet>> OidcProvider::Keys(const std::string& jwks_uri,
                                                                 bool refetch) {
  absl::Time now = clock_->Now();
  {
    absl::MutexLock lock(&mu_);
    bool stale = now - keys_time_ >= kMetadataLifetime;
    if (keys_ && !stale && !refetch) return keys_;
    if (keys_ && refetch) {
      // At most one refetch per interval for unknown kids; claim the slot
      // before fetching, so concurrent sign-ins make one request.
      if (now - last_refetch_time_ < kJwksRefetchInterval) return keys_;
      last_refetch_time_ = now;
    }
  }
  auto response = fetcher_->Fetch(GetRequest(jwks_uri));
  if (!response.ok() || response->status != 200) {
    absl::MutexLock lock(&mu_);
    if (keys_ && !refetch) return keys_;
    return absl::UnavailableError(absl::StrCat("JWKS of ", config_.id, " could not be fetched"));
  }
  auto parsed = ParseJwks(response->body);
  if (!parsed.ok()) {
    return absl::UnavailableError(
        absl::StrCat("JWKS of ", config_.id, ": ", parsed.status().message()));
  }
  auto keys = std::make_shared<const JwkSet>(*std::move(parsed));
  absl::MutexLock lock(&mu_);
  keys_ = keys;
  keys_time_ = now;
  return keys;
}

absl::StatusOr<std::string> OidcProvider::AuthorizationUrl(const std::string& redirect_uri,
                                                           const std::string& state,
                                                           const std::string& nonce,
                                                           const std::string& code_challenge) {
  auto metadata = Metadata();
  if (!metadata.ok()) return metadata.status();
  return AppendQueryParameters(metadata->authorization_endpoint,
                               {{"response_type", "code"},
                                {"client_id", config_.client_id},
                                {"redirect_uri", redirect_uri},
                                {"scope", absl::StrJoin(config_.scopes, " ")},
                                {"state", state},
                                {"nonce", nonce},
                                {"code_challenge", code_challenge},
                                {"code_challenge_method", "S256"}});
}

absl::Status OidcProvider::Admit(const json& claims) const {
  if (!config_.allowed_email_domains.empty()) {
    std::string email = StringClaim(claims, "email");
    auto verified = claims.find("email_verified");
    if (email.empty() || verified == claims.end() || !verified->is_boolean() ||
        !verified->get<bool>()) {
      return absl::PermissionDeniedError("the provider did not vouch for an email address");
    }
    size_t at = email.rfind('@');
    std::string domain = absl::AsciiStrToLower(at == std::string::npos ? "" : email.substr(at + 1));
    bool allowed = false;
    for (const std::string& d : config_.allowed_email_domains) {
      allowed = allowed || absl::AsciiStrToLower(d) == domain;
    }
    if (!allowed) {
      return absl::PermissionDeniedError(
          absl::StrCat("email domain \"", domain, "\" is not allowed"));
    }
  }
  for (const auto& [name, value] : config_.required_claims) {
    auto it = claims.find(name);
    if (it == claims.end() || !ClaimHas(*it, value)) {
      return absl::PermissionDeniedError(
          absl::StrCat("claim \"", name, "\" lacks the required value"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<UpstreamIdentity> OidcProvider::Redeem(const std::string& code,
                                                      const std::string& code_verifier,
                                                      const std::string& redirect_uri,
                                                      const std::string& nonce) {
  auto metadata = Metadata();
  if (!metadata.ok()) return metadata.status();
  std::vector<std::pair<std::string, std::string>> form = {{"grant_type", "authorization_code"},
                                                           {"code", code},
                                                           {"redirect_uri", redirect_uri},
                                                           {"code_verifier", code_verifier}};
  HttpRequest request = GetRequest(metadata->token_endpoint);
  request.post = true;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  if (metadata->client_secret_post_only) {
    form.push_back({"client_id", config_.client_id});
    form.push_back({"client_secret", config_.client_secret});
  } else {
    // RFC 6749 §2.3.1: form-encode both before base64.
    request.headers.push_back(
        {"Authorization", "Basic " + Base64(PercentEncode(config_.client_id) + ":" +
                                            PercentEncode(config_.client_secret))});
  }
  request.body = FormEncode(form);
  auto response = fetcher_->Fetch(request);
  if (!response.ok()) {
    if (absl::IsDeadlineExceeded(response.status())) return response.status();
    return absl::UnavailableError(
        absl::StrCat("token endpoint of ", config_.id, ": ", response.status().message()));
  }
  json body = json::parse(response->body, nullptr, false);
  if (response->status >= 500) {
    return absl::UnavailableError(
        absl::StrCat("token endpoint of ", config_.id, " answered HTTP ", response->status));
  }
  if (response->status != 200 || !body.is_object()) {
    std::string error = body.is_object() ? StringClaim(body, "error") : "";
    return absl::UnauthenticatedError(
        absl::StrCat("token endpoint of ", config_.id, " refused the code (HTTP ", response->status,
                     error.empty() ? "" : ", ", error.substr(0, 64), ")"));
  }
  std::string id_token = StringClaim(body, "id_token");
  if (id_token.empty()) {
    return absl::UnauthenticatedError(absl::StrCat(config_.id, " returned no ID token"));
  }
  IdTokenExpectations expect;
  expect.issuer = config_.issuer;
  expect.client_id = config_.client_id;
  expect.nonce = nonce;
  auto keys = Keys(metadata->jwks_uri, /*refetch=*/false);
  if (!keys.ok()) return keys.status();
  IdTokenResult result = ValidateIdToken(id_token, **keys, expect, clock_->Now());
  if (result.error == IdTokenError::kUnknownKey) {
    // Rotation: the provider may sign with a key published after our fetch.
    keys = Keys(metadata->jwks_uri, /*refetch=*/true);
    if (!keys.ok()) return keys.status();
    result = ValidateIdToken(id_token, **keys, expect, clock_->Now());
  }
  if (!result.ok()) {
    return absl::UnauthenticatedError(absl::StrCat("ID token from ", config_.id, " refused (",
                                                   IdTokenErrorName(result.error), ": ",
                                                   result.detail, ")"));
  }
  absl::Status admitted = Admit(result.claims);
  if (!admitted.ok()) return admitted;
  UpstreamIdentity identity;
  std::string sub = StringClaim(result.claims, "sub");
  identity.subject = absl::StrCat(config_.id, ":", sub);
  identity.username = StringClaim(result.claims, config_.username_claim);
  if (identity.username.empty()) identity.username = sub;
  return identity;
}

}  // namespace mcp_oauth::auth::oidc
