// The built-in tools. Each factory lives in its own file under mcp/tools/.
#ifndef MCP_OAUTH_MCP_TOOLS_BUILTIN_TOOLS_H_
#define MCP_OAUTH_MCP_TOOLS_BUILTIN_TOOLS_H_

#include "absl/status/status.h"
#include "mcp/tool.h"
#include "mcp/tool_registry.h"

namespace mcp_oauth::mcp {

// Factories, one per tool file.
ToolDefinition GetTimeTool();  // mcp/tools/get_time.cc
ToolDefinition EchoTool();     // mcp/tools/echo.cc

// Registers every built-in tool in `registry`, in a stable order.
absl::Status RegisterBuiltinTools(ToolRegistry* registry);

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_TOOLS_BUILTIN_TOOLS_H_
