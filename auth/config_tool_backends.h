// The config file's `tool_backends` section (see config.h): a list of remote
// ToolServices for the gateway, each with its own TLS / client certificate /
// shared secret settings. Internal to the config library. Pure apart from
// reading the PEM and secret files it names; thread safe.
#ifndef MCP_OAUTH_AUTH_CONFIG_TOOL_BACKENDS_H_
#define MCP_OAUTH_AUTH_CONFIG_TOOL_BACKENDS_H_

#include <string>
#include <vector>

#include "auth/options.h"
#include "nlohmann/json.hpp"

namespace mcp_oauth::auth {

// Name of the gateway's in-process tools, reserved for them.
inline constexpr char kBuiltinToolBackend[] = "builtin";

// Returns the backends of `section` (the value of "tool_backends"); appends
// one message per error to `errors` ("config tool_backends[1].target: ..."),
// so that one run names every error. Backends with errors are left out.
std::vector<ToolBackendFileConfig> ParseToolBackends(const nlohmann::json& section,
                                                     std::vector<std::string>* errors);

// True for [A-Za-z0-9_.-]{1,64}.
bool IsToolBackendName(const std::string& name);

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_CONFIG_TOOL_BACKENDS_H_
