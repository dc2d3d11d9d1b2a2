// AuthorizationServer: the transport-free OAuth 2.1 authorization server.
//
// Implements every AuthService RPC (see proto/auth/v1/auth.proto) once: RFC
// 8414 / RFC 9728 metadata, the authorization request with mandatory PKCE
// S256 and RFC 8707 resource indicators, sign-in with throttling, the token
// endpoint (authorization_code, rotating refresh_token, client_credentials),
// RFC 7662 introspection, RFC 7009 revocation, refused registration and the
// cheap access-token check used on every /mcp request.
//
// Failures are absl::Status values carrying a v1::OAuthError payload (see
// oauth_error.h); the error's http_status and redirect_to say how the HTTP
// face renders it. Raw tokens, codes and authorization ids are returned to
// the caller once and only their SHA-256 digests reach the Store.
//
// This class is thread safe. It shares ownership of the store and the clock;
// the options are copied and never change.
#ifndef MCP_OAUTH_AUTH_AUTHORIZATION_SERVER_H_
#define MCP_OAUTH_AUTH_AUTHORIZATION_SERVER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "auth/clock.h"
#include "auth/options.h"
#include "auth/rate_limiter.h"
#include "auth/store.h"
#include "auth/subjects.h"
#include "auth/upstream_sign_in.h"
#include "common/crypto.h"
#include "proto/auth/v1/auth.pb.h"

namespace mcp_oauth::auth {

class AuthorizationServer {
 public:
  // Subjects of grants are checked against SubjectDirectory(options).
  AuthorizationServer(AuthOptions options, std::shared_ptr<Store> store,
                      std::shared_ptr<Clock> clock);
  // Same, with a directory that also knows other subject sources (e.g. the
  // configured identity providers, see subjects.h).
  AuthorizationServer(AuthOptions options, std::shared_ptr<Store> store,
                      std::shared_ptr<Clock> clock, SubjectDirectory subjects);
  AuthorizationServer(const AuthorizationServer&) = delete;
  AuthorizationServer& operator=(const AuthorizationServer&) = delete;

  const AuthOptions& options() const { return options_; }
  // Whether the store's calls may wait on I/O (Store::MayBlock).
  bool store_may_block() const { return store_->MayBlock(); }
  // True when the next mutating call would sweep the store.
  bool SweepDue() const;

  v1::ServerMetadata GetServerMetadata() const;
  v1::ProtectedResourceMetadata GetProtectedResourceMetadata() const;

  // Validates client_id and redirect_uri first (errors: 400, no redirect),
  // then everything else (errors carry redirect_to back to the client).
  absl::StatusOr<v1::StartAuthorizationResponse> StartAuthorization(
      const v1::StartAuthorizationRequest& request);
  absl::StatusOr<v1::DescribeAuthorizationResponse> DescribeAuthorization(
      const v1::DescribeAuthorizationRequest& request);
  absl::StatusOr<v1::CompleteLoginResponse> CompleteLogin(const v1::CompleteLoginRequest& request);
  absl::StatusOr<v1::TokenResponse> Token(const v1::TokenRequest& request);
  absl::StatusOr<v1::IntrospectResponse> Introspect(const v1::IntrospectRequest& request);
  absl::StatusOr<v1::RevokeResponse> Revoke(const v1::RevokeRequest& request);
  // Always fails: 403 access_denied naming the pre-registered client.
  absl::Status Register(const v1::RegisterRequest& request);
  // Sign-in through an upstream OpenID provider (see upstream_sign_in.h).
  // Both block on the provider: call them from a worker pool.
  absl::StatusOr<v1::StartUpstreamSignInResponse> StartUpstreamSignIn(
      const v1::StartUpstreamSignInRequest& request);
  absl::StatusOr<v1::FinishUpstreamSignInResponse> FinishUpstreamSignIn(
      const v1::FinishUpstreamSignInRequest& request);

  // Makes the configured identity providers usable, fetching over `fetcher`
  // (nullptr: libcurl with the options' CA settings). Call once, before the
  // server is shared between threads.
  void EnableUpstreamSignIn(std::shared_ptr<oidc::HttpFetcher> fetcher);

  // Cheap: one hash and one store lookup. 401 invalid_token or 403
  // insufficient_scope; www_authenticate is left to the resource server.
  absl::StatusOr<v1::ValidateAccessTokenResponse> ValidateAccessToken(
      const v1::ValidateAccessTokenRequest& request);

  // Returns true when authenticating `credentials` (at Token, Introspect or
  // Revoke) would run the client-secret KDF: a secret not yet verified in
  // this process, or any secret for an unknown client id. Cheap (one HMAC),
  // so the service can run only those calls on its hashing budget; public
  // clients and already verified secrets stay off it.
  bool NeedsSecretHashing(const v1::ClientCredentials& credentials);

  // Deletes expired store entries now; returns how many. Also run
  // automatically every options.sweep_interval from the mutating RPCs.
  absl::StatusOr<int64_t> SweepExpired();

 private:
  struct IssuedTokens;

  const ClientConfig* FindClient(const std::string& client_id) const;
  // Issues our authorization code for a signed-in subject and completes the
  // pending authorization; returns the redirect back to the client.
  absl::StatusOr<std::string> IssueCode(const PendingAuthorization& pending,
                                        const std::string& id_hash, const std::string& subject,
                                        const std::string& username, absl::Time now);
  // The error for an unknown or expired pending authorization.
  static absl::Status ExpiredAuthorizationError();
  // Authenticates the caller of /token, /introspect or /revoke.
  absl::StatusOr<const ClientConfig*> AuthenticateClient(const v1::ClientCredentials& credentials,
                                                         bool allow_public);
  bool VerifyClientSecret(const ClientConfig& client, const std::string& secret);
  // The verified_secrets_ key of (client, secret).
  std::string VerifiedSecretKey(const ClientConfig& client, const std::string& secret) const;

  // Failure throttling shared by sign-in and client authentication: fixed
  // window failure counters in the store, one per key. A limit <= 0 never
  // refuses and counts nothing.
  struct ThrottleKey {
    std::string key;
    int max_failures;
  };
  // A 429 temporarily_unavailable error (Retry-After = rest of the window)
  // when any key has reached its limit, else OK.
  absl::Status CheckThrottle(const std::vector<ThrottleKey>& keys, absl::Time now,
                             const std::string& description) const;
  absl::Status RecordFailure(const std::vector<ThrottleKey>& keys, absl::Time now,
                             absl::Duration window) const;

  absl::StatusOr<v1::TokenResponse> AuthorizationCodeGrant(const ClientConfig& client,
                                                           const v1::TokenRequest& request,
                                                           absl::Time now);
  absl::StatusOr<v1::TokenResponse> RefreshTokenGrant(const ClientConfig& client,
                                                      const v1::TokenRequest& request,
                                                      absl::Time now);
  absl::StatusOr<v1::TokenResponse> ClientCredentialsGrant(const ClientConfig& client,
                                                           const v1::TokenRequest& request,
                                                           absl::Time now);
  // OK while a grant may still be used under the current configuration: its
  // client is configured and allowed every scope of it, and its subject
  // exists. Otherwise the reason (a sentence without final period).
  absl::Status CheckGrantAllowed(const std::string& client_id, const std::string& subject,
                                 const std::vector<std::string>& scopes) const;
  // When the grant that began at `created` ends (options.grant_lifetime).
  absl::Time GrantEnd(absl::Time created) const;
  // For introspection: true while the token's grant is allowed and has not
  // reached its end; revokes the grant's family when it is no longer allowed.
  template <typename Record>
  absl::StatusOr<bool> GrantUsable(const Record& record, absl::Time now);

  // Checks RFC 8707 resource parameters against the canonical resource.
  absl::Status CheckResources(const google::protobuf::RepeatedPtrField<std::string>& resources,
                              const std::string& expected) const;

  // Sweeps the store when options.sweep_interval has passed since the last
  // sweep; a store outage is the caller's failure.
  absl::Status MaybeSweep(absl::Time now);

  const AuthOptions options_;
  const std::shared_ptr<Store> store_;
  const std::shared_ptr<Clock> clock_;
  const std::string issuer_;
  // Normalised canonical resource (the audience of every token).
  const std::string resource_;
  absl::flat_hash_map<std::string, ClientConfig> clients_;
  absl::flat_hash_map<std::string, UserConfig> users_;
  const SubjectDirectory subjects_;
  // Verified against when the username is unknown, so timing does not reveal it.
  std::string dummy_password_hash_;
  std::string dummy_client_secret_hash_;

  // Successful client-secret verifications, keyed by
  // HMAC(cache_key_, client_id, secret_hash, secret): the KDF runs once per
  // distinct valid secret. The key is random per process.
  const crypto::HmacSha256Key cache_key_;
  absl::Mutex cache_mu_;
  absl::flat_hash_set<std::string> verified_secrets_ ABSL_GUARDED_BY(cache_mu_);

  // /token requests per authenticated client id (see AuthOptions).
  RateLimiter token_limiter_;
  // /authorize requests per client address (see AuthOptions).
  RateLimiter authorize_limiter_;

  std::atomic<int64_t> next_sweep_unix_nanos_{0};

  // Set by EnableUpstreamSignIn when identity providers are configured.
  std::unique_ptr<UpstreamSignIn> upstream_;
};

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_AUTHORIZATION_SERVER_H_
