// The command line of auth_server: one table of every flag it accepts (the
// auth options of config.h plus its own), from which both the accepted set
// and the --help text are made, so they cannot drift apart.
#ifndef MCP_OAUTH_AUTH_AUTH_SERVER_FLAGS_H_
#define MCP_OAUTH_AUTH_AUTH_SERVER_FLAGS_H_

#include <set>
#include <string>
#include <vector>

#include "auth/config.h"

namespace mcp_oauth::auth {

// Every flag auth_server accepts, with its help.
std::vector<FlagHelp> AuthServerFlags();

// The names of AuthServerFlags() (what flags::Parse accepts).
std::set<std::string> AuthServerFlagNames();

// The full --help text.
std::string AuthServerUsage();

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_AUTH_SERVER_FLAGS_H_
