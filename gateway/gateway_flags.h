// The command line of the gateway: one table of every flag it accepts (its
// own, the auth flags of auth/config.h and the gRPC security flags), from
// which the accepted set, --help and the setters into GatewayFlags come; then
// the checks across flags that turn GatewayFlags into GatewayOptions.
#ifndef MCP_OAUTH_GATEWAY_GATEWAY_FLAGS_H_
#define MCP_OAUTH_GATEWAY_GATEWAY_FLAGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/config.h"
#include "common/flags.h"
#include "common/grpc_security/grpc_security.h"
#include "common/log.h"
#include "gateway/gateway_options.h"

namespace mcp_oauth::gateway {

// What the gateway's flags set: most go straight into `options`; the rest
// are checked against each other by BuildGatewayOptions.
struct GatewayFlags {
  GatewayOptions options;
  log::Level log_level = log::Level::kInfo;
  auth::AuthFlags auth;
  grpc_security::SecurityFlags security;
  std::optional<std::string> store;         // unset: auth::DefaultStoreSpec()
  std::optional<std::string> task_store;    // unset: the --store spec ("memory" with --auth-target)
  std::vector<std::string> tools_targets;   // --tools-target, in order
  std::vector<std::string> tools_prefixes;  // --tools-prefix NAME=PREFIX
  bool builtin_tools_given = false;         // --builtin-tools (non-empty)
  int64_t form_body_bytes;
  int64_t mcp_body_bytes;
  int64_t other_body_bytes;
  int read_timeout_seconds = 30;
  int idle_timeout_seconds = 60;
  int shutdown_grace_seconds = 10;
  int token_cache_seconds = 5;
  bool behind_tls_proxy = false;

  GatewayFlags();
};

// Returns the gateway's flag table, storing into `*out` (which must outlive
// the table's Parse).
flags::FlagTable GatewayFlagTable(GatewayFlags* out);

// Checks the flags against each other, reads the files they name and returns
// the options (without the token store, which the main opens). Errors name
// the flag or config field.
absl::StatusOr<GatewayOptions> BuildGatewayOptions(GatewayFlags flags,
                                                   const flags::GetEnvFunction& getenv);

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_GATEWAY_FLAGS_H_
