// A human-readable description of a loaded configuration, printed by
// `oauth_admin check-config`: what the file configures (public URL, clients,
// users, lifetimes), never a secret or a hash. Pure function, thread safe.
#ifndef MCP_OAUTH_AUTH_CONFIG_SUMMARY_H_
#define MCP_OAUTH_AUTH_CONFIG_SUMMARY_H_

#include <string>

#include "auth/options.h"

namespace mcp_oauth::auth {

// Returns several lines describing `options`, ending in a newline.
std::string DescribeAuthOptions(const AuthOptions& options);

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_CONFIG_SUMMARY_H_
