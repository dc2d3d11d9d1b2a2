// One configured upstream OpenID provider: its discovery document and JWKS
// (fetched only from the configured issuer, cached; an unknown kid refetches
// the JWKS, at most once per kJwksRefetchInterval, so key rotation works
// without a restart), the authorization URL we send the browser to, and the
// redemption of the code it brings back into a validated, admitted identity.
// Never returns or logs the provider's tokens. Thread safe; blocking (runs on
// the sign-in worker pool).
#ifndef MCP_OAUTH_AUTH_OIDC_PROVIDER_H_
#define MCP_OAUTH_AUTH_OIDC_PROVIDER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "auth/clock.h"
#include "auth/oidc/http_fetcher.h"
#include "auth/oidc/id_token.h"
#include "auth/oidc/jwk.h"
#include "auth/options.h"

namespace mcp_oauth::auth::oidc {

// One entry of the config file's identity_providers (auth/options.h).
using ProviderConfig = IdentityProviderConfig;

// Who signed in, as far as we keep it.
struct UpstreamIdentity {
  std::string subject;   // "<provider id>:<upstream sub>"
  std::string username;  // the username_claim's value, else the upstream sub
};

// Endpoints from the discovery document.
struct ProviderMetadata {
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
  bool client_secret_post_only = false;
};

inline constexpr absl::Duration kJwksRefetchInterval = absl::Seconds(30);
inline constexpr absl::Duration kMetadataLifetime = absl::Hours(1);

class OidcProvider {
 public:
  // `fetcher` and `clock` must outlive this object.
  OidcProvider(ProviderConfig config, HttpFetcher* fetcher, Clock* clock);

  const ProviderConfig& config() const { return config_; }

  // Returns the provider's authorization URL for one sign-in attempt
  // (response_type=code, PKCE S256, our state and nonce).
  absl::StatusOr<std::string> AuthorizationUrl(const std::string& redirect_uri,
                                               const std::string& state, const std::string& nonce,
                                               const std::string& code_challenge);

  // Redeems `code` at the token endpoint, validates the ID token (signature,
  // iss, aud, azp, exp, iat, nonce) and applies the admission rules.
  // UNAVAILABLE / DEADLINE_EXCEEDED: the provider failed; UNAUTHENTICATED:
  // the code or the ID token was refused; PERMISSION_DENIED: an admission
  // rule was not met. Messages never contain tokens or codes.
  absl::StatusOr<UpstreamIdentity> Redeem(const std::string& code, const std::string& code_verifier,
                                          const std::string& redirect_uri,
                                          const std::string& nonce);

  // Returns the discovery metadata, fetching it when absent or stale.
  absl::StatusOr<ProviderMetadata> Metadata();

 private:
  absl::StatusOr<ProviderMetadata> FetchMetadata();
  // Returns the keys; with `refetch`, fetches them again unless that was done
  // less than kJwksRefetchInterval ago.
  absl::StatusOr<std::shared_ptr<const JwkSet>> Keys(const std::string& jwks_uri, bool refetch);
  absl::Status Admit(const nlohmann::json& claims) const;

  const ProviderConfig config_;
  HttpFetcher* const fetcher_;
  Clock* const clock_;

  absl::Mutex mu_;
  std::optional<ProviderMetadata> metadata_ ABSL_GUARDED_BY(mu_);
  absl::Time metadata_time_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const JwkSet> keys_ ABSL_GUARDED_BY(mu_);
  absl::Time keys_time_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time last_refetch_time_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace mcp_oauth::auth::oidc

#endif  // MCP_OAUTH_AUTH_OIDC_PROVIDER_H_
