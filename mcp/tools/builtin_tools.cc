#include "mcp/tools/builtin_tools.h"

namespace mcp_oauth::mcp {

absl::Status RegisterBuiltinTools(ToolRegistry* registry) {
  // One line per tool.
  for (ToolDefinition (*factory)() : {
           &GetTimeTool,
           &EchoTool,
       }) {
    absl::Status s = registry->Register(factory());
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace mcp_oauth::mcp
