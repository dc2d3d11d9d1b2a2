// Configuration of the authorization server: registered clients, users,
// lifetimes and public URLs. Built once at startup (see config.h) and then
// shared read-only, so it needs no locking.
#ifndef MCP_OAUTH_AUTH_OPTIONS_H_
#define MCP_OAUTH_AUTH_OPTIONS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace mcp_oauth::auth {

// A pre-registered OAuth client.
struct ClientConfig {
  std::string client_id;
  std::string client_name;
  // Encoded hash of the client secret (see secret_hash.h); empty for public
  // clients (token_endpoint_auth_method "none").
  std::string secret_hash;
  // "client_secret_basic" or "client_secret_post" (both are accepted for a
  // confidential client), or "none" for a public client.
  std::string token_endpoint_auth_method = "client_secret_basic";
  // Absolute URLs; matched exactly, except for the port of http loopback hosts.
  std::vector<std::string> redirect_uris;
  // Scopes the client may request; empty means every supported scope.
  std::vector<std::string> allowed_scopes;
  // "authorization_code", "refresh_token", "client_credentials".
  std::vector<std::string> grant_types = {"authorization_code", "refresh_token"};
  // A resource server allowed to introspect every client's tokens. Otherwise
  // /introspect answers {"active":false} for tokens of other clients, so one
  // client never learns the users, scopes and clients of another's tokens.
  bool introspect_any_token = false;

  bool is_public() const { return token_endpoint_auth_method == "none"; }
  // True when this (authenticated) client may introspect a token issued to
  // `token_client_id`: its own tokens, or any when introspect_any_token.
  bool may_introspect(const std::string& token_client_id) const {
    return introspect_any_token || token_client_id == client_id;
  }
};

// A user who can sign in on the login page.
struct UserConfig {
  // Neither may start with "client:" (machine subjects, see subjects.h).
  std::string username;
  // Stable subject identifier ("sub"); defaults to the username.
  std::string subject;
  // Encoded hash of the password (see secret_hash.h).
  std::string password_hash;
};

// An upstream OpenID provider people may sign in with (config file
// `identity_providers`). Tokens issued after such a sign-in have the subject
// "<id>:<upstream sub>".
struct IdentityProviderConfig {
  std::string id;            // [a-z0-9_-], 1-64 characters; the subject prefix
  std::string display_name;  // on the sign-in button
  std::string issuer;        // exact; https (http only on a loopback host)
  std::string client_id;
  std::string client_secret;  // from the file or client_secret_file; never logged
  std::vector<std::string> scopes = {"openid", "email", "profile"};
  std::string username_claim = "email";  // shown and logged as the username
  // Admission: the verified email's domain must be one of these (when any),
  // and each required claim must have its value (or contain it, for arrays).
  std::vector<std::string> allowed_email_domains;
  std::map<std::string, std::string> required_claims;
};

// A remote ToolService (config file `tool_backends`) whose tools, resources
// and prompts the gateway serves next to the others. Read by the gateway only;
// the authorization server ignores it. The PEM files and the shared secret are
// read when the config is loaded; the secret is never logged.
struct ToolBackendFileConfig {
  std::string name;    // [A-Za-z0-9_.-]{1,64}, not "builtin"
  std::string target;  // host:port
  std::string prefix;  // prepended to its tool and prompt names (empty: none)
  // TLS: the CA that signed the backend's certificate (empty: plaintext), and
  // a client certificate + key to present (both or none; needs the CA).
  std::string server_ca_file, server_ca_pem;
  std::string client_cert_file, client_cert_pem;
  std::string client_key_file, client_key_pem;
  // Sent as 'authorization: Bearer <secret>' on every call (empty: none).
  std::string shared_secret_file, shared_secret;
};

struct AuthOptions {
  // Public base URL, no trailing slash; it is the issuer, e.g.
  // "http://localhost:9003".
  std::string public_url = "http://localhost:9003";
  // Path of the MCP endpoint; the canonical resource is public_url + mcp_path.
  std::string mcp_path = "/mcp";
  std::vector<std::string> scopes_supported = {"user"};
  // Scope granted when a request names none.
  std::string default_scope = "user";

  absl::Duration access_token_ttl = absl::Seconds(3600);
  absl::Duration refresh_token_ttl = absl::Hours(24 * 30);
  absl::Duration code_ttl = absl::Seconds(300);
  absl::Duration pending_authorization_ttl = absl::Seconds(600);
  // Absolute lifetime of a grant, counted from the sign-in: refresh tokens
  // (and the access tokens they give) never outlive it, so the user signs in
  // again at the latest after this long, however often the tokens rotate.
  absl::Duration grant_lifetime = absl::Hours(24 * 90);

  // Sign-in throttling, fixed windows of `login_failure_window`; addresses
  // are counted by AddressThrottleKey (IPv4 address, IPv6 /64):
  //  - `max_login_failures` failures for one username from one address: that
  //    username is refused with 429 from that address (even the right
  //    password) until the window ends. Other addresses are unaffected.
  //  - `max_login_failures_per_ip` failures from one address over all
  //    usernames: every sign-in from that address is refused likewise.
  //  - `max_login_failures_per_user` failures for one username over all
  //    addresses refuse nothing by themselves (anyone could lock a user out);
  //    until that window ends, each address gets one failed try for the user
  //    instead of `max_login_failures`, and a first try (also the right
  //    password) from an address that has not failed for it is always
  //    verified.
  // 0 disables a limit.
  int max_login_failures = 5;
  int max_login_failures_per_ip = 20;
  int max_login_failures_per_user = 20;
  absl::Duration login_failure_window = absl::Minutes(5);

  // Throttling of failed client authentication at /token, /introspect and
  // /revoke (same counters as the login throttle): after
  // `max_client_auth_failures` failures for one client id from one client IP,
  // or `max_client_auth_failures_per_ip` failures from one IP over all client
  // ids, within `client_auth_failure_window`, that client id (resp. every
  // client) is refused from that IP with 429 before its secret is verified,
  // until the window ends. Other IPs are unaffected. 0 disables a limit.
  int max_client_auth_failures = 10;
  int max_client_auth_failures_per_ip = 50;
  absl::Duration client_auth_failure_window = absl::Minutes(5);

  // Token endpoint rate limit per authenticated client: a token bucket per
  // client id in this process, refilled at `token_rate_per_second` and
  // holding up to `token_rate_burst` requests. Over it: 429 + Retry-After.
  // A rate of 0 disables the limit.
  double token_rate_per_second = 200;
  int token_rate_burst = 400;

  // The hashing budget: password checks (sign-in) and client-secret checks
  // (PBKDF2) run on their own `hash_threads` threads, apart from the workers
  // serving /token, /introspect and /revoke, so a sign-in flood cannot delay
  // those. Each kind of check may have `hash_queue` requests waiting; beyond
  // that a request is refused at once with 503 + Retry-After. 0 threads:
  // half the CPU cores, at least 1.
  int hash_threads = 0;
  int hash_queue = 16;
  // /authorize is unauthenticated and each accepted request stores a pending
  // authorization: a token bucket per client address (AddressThrottleKey) in
  // this process, refilled at `authorize_rate_per_second` and holding
  // `authorize_rate_burst` requests (over it: 429 + Retry-After; a rate of 0
  // disables it), and at most `max_pending_authorizations` unexpired pending
  // authorizations in the store in all (over it: 503 + Retry-After; 0 = no
  // cap).
  double authorize_rate_per_second = 1;
  int authorize_rate_burst = 20;
  int64_t max_pending_authorizations = 10000;

  // How often expired entries are swept from the store.
  absl::Duration sweep_interval = absl::Seconds(60);

  // The first client is the "static" client named in error messages.
  std::vector<ClientConfig> clients;
  std::vector<UserConfig> users;
  std::vector<IdentityProviderConfig> identity_providers;
  // For the gateway: see ToolBackendFileConfig.
  std::vector<ToolBackendFileConfig> tool_backends;
  // Extra trust for calls to identity providers, beside the system store:
  // the standard SSL_CERT_FILE / SSL_CERT_DIR (libcurl does not read them).
  std::string upstream_ca_file;
  std::string upstream_ca_path;

  // True while the well-known default client secret or the demo user is in
  // use; the service logs a warning at startup.
  bool using_default_client_secret = false;
  bool using_demo_user = false;

  std::string issuer() const { return public_url; }
  std::string canonical_resource() const { return public_url + mcp_path; }
};

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_OPTIONS_H_
