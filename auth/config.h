// Turns flags, environment variables and an optional JSON configuration file
// into AuthOptions. Precedence: flag > environment > config file > default.
// Called once by main files; libraries never read flags.
//
// Flags (canonical hyphenated names, see AuthFlagNames()):
//   --public-url     public base URL = issuer (env MCP_STATIC_PUBLIC_URL)
//   --client-id      static client id (env MCP_STATIC_CLIENT_ID)
//   --client-secret  static client secret (env MCP_STATIC_CLIENT_SECRET)
//   --redirect-uris  comma-separated redirect URIs (env MCP_STATIC_REDIRECT_URIS)
//   --config         JSON configuration file
//   --port, --host   only used for the default public URL
//                    (env MCP_STATIC_PORT, default 9003; MCP_STATIC_HOST)
//   --token-rate-limit  /token requests per second per client, 0 = no limit
//                    (env MCP_TOKEN_RATE_LIMIT, default 200)
//   --token-rate-burst  requests a client may make at once (env
//                    MCP_TOKEN_RATE_BURST, default 400)
//   --client-auth-max-failures, --client-auth-max-failures-per-ip,
//   --client-auth-failure-window  failed client authentication throttle
//                    (see AuthOptions; env MCP_CLIENT_AUTH_*)
//   --authorize-rate-limit, --authorize-rate-burst, --max-pending-authorizations
//                    /authorize limits (see AuthOptions; env MCP_AUTHORIZE_RATE_*,
//                    MCP_MAX_PENDING_AUTHORIZATIONS)
// AuthFlags() is the one table of these flags with their help lines.
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
#include <set>
#include <string>
#include <string_view>
#include <vector>

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

using GetEnvFunction = std::function<std::optional<std::string>(const char*)>;

// One flag a main file accepts, with its --help text.
struct FlagHelp {
  const char* name;   // without "--"
  const char* value;  // placeholder of its value, e.g. "N"
  const char* help;
};

// Every flag BuildAuthOptions reads, with its help (the single source of
// AuthFlagNames() and of the help main files print).
const std::vector<FlagHelp>& AuthFlags();

// Returns the flags BuildAuthOptions reads, so main files can accept them.
std::set<std::string> AuthFlagNames();

// "  --name VALUE\n      help\n" for each flag.
std::string FormatFlagHelp(const std::vector<FlagHelp>& flags);

// Builds the options; errors name the offending flag or config field, e.g.
// "config clients[1].redirect_uris: must be an array of absolute URLs".
absl::StatusOr<AuthOptions> BuildAuthOptions(const flags::ParsedFlags& flags,
                                             const GetEnvFunction& getenv);

// Same, with the config file's contents given directly ("" for none).
absl::StatusOr<AuthOptions> BuildAuthOptionsFromJson(const flags::ParsedFlags& flags,
                                                     const GetEnvFunction& getenv,
                                                     std::string_view config_json);

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_CONFIG_H_
