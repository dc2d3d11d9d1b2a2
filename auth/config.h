// Turns flags, environment variables and an optional JSON configuration file
// into AuthOptions. Precedence: flag > environment > config file > default.
// Called once by main files; libraries never read flags.
//
// The flags (--public-url, --client-id, --client-secret, --redirect-uris,
// --config, and the /token, /authorize, client-authentication and hashing
// limits) are defined once, with their environment variables and help, by
// AddAuthFlags in config.cc.
// The default public URL is http://<host>:<port> of the main's --host/--port
// (AuthFlags::url_host, url_port): the gateway's bind address, or
// AddDefaultPublicUrlFlags for a binary that binds no HTTP port.
//
// The config file:
//   { "public_url": "...",
//     "clients": [{"client_id", "client_name", "client_secret_hash" |
//                  "token_endpoint_auth_method": "none", "redirect_uris",
//                  "scopes", "grant_types", "introspect_any_token"}],
//     "users": [{"username", "password_hash", "subject"}],  (neither username
//               nor subject may start with "client:", see subjects.h)
//     "identity_providers": [{"id", "display_name", "issuer", "client_id",
//                  "client_secret" | "client_secret_file", "scopes",
//                  "username_claim", "allowed_email_domains",
//                  "required_claims": {claim: value}}],
//     "tool_backends": [{"name", "target", "prefix", "server_ca_file",
//                  "client_cert_file", "client_key_file",
//                  "shared_secret_file"}],  (for the gateway, see
//               ToolBackendFileConfig; files are read at load time)
//     "token_lifetimes": {"access_token_seconds", "refresh_token_seconds",
//                         "authorization_code_seconds",
//                         "pending_authorization_seconds", "grant_seconds"},
//     "scopes_supported": ["user"], "default_scope": "user",
//     "token_rate_limit": {"requests_per_second", "burst"},
//     "client_auth_throttle": {"max_failures", "max_failures_per_ip",
//                              "window_seconds"} }
// Hashes use the format of secret_hash.h. Flag/env values for the client
// id, secret and redirect URIs override the first configured client (the
// "static" client). Plain secrets are hashed at load time. With identity
// providers and no users, the demo user is not enabled.
#ifndef MCP_OAUTH_AUTH_CONFIG_H_
#define MCP_OAUTH_AUTH_CONFIG_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "auth/options.h"
#include "auth/secret_hash.h"
#include "common/flags.h"

namespace mcp_oauth::auth {

inline constexpr char kDefaultClientId[] = "static-mcp-client-001";
inline constexpr char kDefaultClientSecret[] = "your-secret-key-change-this-in-production";
inline constexpr char kDemoUsername[] = "demo_user";
inline constexpr char kDemoPassword[] = "demo_password";
inline constexpr int kDefaultPort = 9003;

using GetEnvFunction = flags::GetEnvFunction;

// The auth flags as given (command line > environment), checked and merged
// with the config file by BuildAuthOptions. Unset: not given.
struct AuthFlags {
  std::optional<std::string> public_url;
  std::optional<std::string> client_id;
  std::optional<std::string> client_secret;
  std::optional<std::string> redirect_uris;
  std::optional<std::string> config;  // the config file's path
  std::optional<std::string> token_rate_limit;
  std::optional<std::string> token_rate_burst;
  std::optional<std::string> client_auth_max_failures;
  std::optional<std::string> client_auth_max_failures_per_ip;
  std::optional<std::string> client_auth_failure_window;
  std::optional<std::string> hash_threads;
  std::optional<std::string> hash_queue;
  std::optional<std::string> authorize_rate_limit;
  std::optional<std::string> authorize_rate_burst;
  std::optional<std::string> max_pending_authorizations;
  // Host and port of the default public URL (set by the main's --host and
  // --port); unset: localhost and kDefaultPort.
  std::optional<std::string> url_host;
  std::optional<std::string> url_port;
};

// Adds the auth flags to `table`, storing into `*out` (which must outlive
// the table's Parse).
void AddAuthFlags(flags::FlagTable* table, AuthFlags* out);

// Adds --port and --host (env MCP_STATIC_PORT, MCP_STATIC_HOST) setting only
// the default public URL: for binaries that serve no HTTP port themselves.
void AddDefaultPublicUrlFlags(flags::FlagTable* table, AuthFlags* out);

// Builds the options; errors name the offending flag or config field, e.g.
// "config clients[1].redirect_uris: must be an array of absolute URLs".
// `getenv` gives SSL_CERT_FILE and SSL_CERT_DIR (the upstream CAs).
absl::StatusOr<AuthOptions> BuildAuthOptions(const AuthFlags& flags, const GetEnvFunction& getenv);

// Same, with the config file's contents given directly ("" for none).
absl::StatusOr<AuthOptions> BuildAuthOptionsFromJson(const AuthFlags& flags,
                                                     const GetEnvFunction& getenv,
                                                     std::string_view config_json);

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_CONFIG_H_
