// UpstreamSignIn: the configured OpenID providers and the sign-in attempts
// in flight. Each attempt (our state, nonce and PKCE verifier, the pending
// authorization it belongs to, the provider, an expiry) is kept server-side
// in this process under the SHA-256 of its state, and can be taken once.
// The providers' HTTP calls block: callers run on a worker pool.
//
// Attempts live in memory: the provider's answer must reach the auth server
// process that started the attempt (one auth_server, or the gateway's
// in-process one; several replicas need sticky routing of /login/oidc/*).
//
// This class is thread safe.
#ifndef MCP_OAUTH_AUTH_UPSTREAM_SIGN_IN_H_
#define MCP_OAUTH_AUTH_UPSTREAM_SIGN_IN_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "auth/clock.h"
#include "auth/oidc/http_fetcher.h"
#include "auth/oidc/provider.h"
#include "auth/options.h"

namespace mcp_oauth::auth {

class UpstreamSignIn {
 public:
  struct Attempt {
    std::string authorization_id_hash;  // of the pending authorization
    std::string provider_id;
    std::string nonce;
    std::string code_verifier;
    absl::Time expires_at;
  };

  // `callback_url` is <public-url>/login/oidc/callback; attempts expire after
  // `attempt_ttl`; at most `max_attempts` are kept at once.
  UpstreamSignIn(const std::vector<IdentityProviderConfig>& providers,
                 std::shared_ptr<oidc::HttpFetcher> fetcher, std::shared_ptr<Clock> clock,
                 std::string callback_url, absl::Duration attempt_ttl,
                 size_t max_attempts = 100000);

  // Returns the provider, or nullptr when `id` is not configured.
  oidc::OidcProvider* Find(const std::string& id) const;

  // Remembers a new attempt for the pending authorization and returns the
  // provider's authorization URL. UNAVAILABLE when the provider's discovery
  // fails, RESOURCE_EXHAUSTED when too many attempts are in flight.
  absl::StatusOr<std::string> Begin(const std::string& provider_id,
                                    const std::string& authorization_id_hash);

  // Removes and returns the attempt of `state` if it exists and has not
  // expired; a second call with the same state finds nothing.
  std::optional<Attempt> Take(const std::string& state);

  // Redeems the provider's code for the attempt (see OidcProvider::Redeem).
  absl::StatusOr<oidc::UpstreamIdentity> Redeem(const Attempt& attempt, const std::string& code);

  const std::string& callback_url() const { return callback_url_; }

 private:
  const std::shared_ptr<oidc::HttpFetcher> fetcher_;
  const std::shared_ptr<Clock> clock_;
  const std::string callback_url_;
  const absl::Duration attempt_ttl_;
  const size_t max_attempts_;
  std::map<std::string, std::unique_ptr<oidc::OidcProvider>> providers_;

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Attempt> attempts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_UPSTREAM_SIGN_IN_H_
