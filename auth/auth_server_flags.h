// The command line of auth_server: one table of every flag it accepts (the
// auth flags of config.h, the gRPC port's security flags and its own), from
// which the accepted set, --help and the setters into AuthServerFlags come.
#ifndef MCP_OAUTH_AUTH_AUTH_SERVER_FLAGS_H_
#define MCP_OAUTH_AUTH_AUTH_SERVER_FLAGS_H_

#include <optional>
#include <string>

#include "auth/config.h"
#include "common/flags.h"
#include "common/grpc_security/grpc_security.h"
#include "common/log.h"

namespace mcp_oauth::auth {

// What auth_server's flags set.
struct AuthServerFlags {
  std::string grpc_listen = "127.0.0.1:9005";
  std::optional<std::string> store;  // unset: DefaultStoreSpec()
  log::Level log_level = log::Level::kInfo;
  AuthFlags auth;
  grpc_security::SecurityFlags security;
};

// Returns auth_server's flag table, storing into `*out` (which must outlive
// the table's Parse).
flags::FlagTable AuthServerFlagTable(AuthServerFlags* out);

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_AUTH_SERVER_FLAGS_H_
