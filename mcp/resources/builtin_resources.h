// The built-in resources and resource templates. Each factory lives in its
// own file under mcp/resources/. The production server ships none yet.
#ifndef MCP_OAUTH_MCP_RESOURCES_BUILTIN_RESOURCES_H_
#define MCP_OAUTH_MCP_RESOURCES_BUILTIN_RESOURCES_H_

#include "absl/status/status.h"
#include "mcp/resource.h"
#include "mcp/resource_registry.h"

namespace mcp_oauth::mcp {

// Factories, one per resource file (none yet), e.g.
//   ResourceDefinition ReadmeResource();  // mcp/resources/readme.cc

// Registers every built-in resource and template in `registry`, in a stable
// order.
absl::Status RegisterBuiltinResources(ResourceRegistry* registry);

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_RESOURCES_BUILTIN_RESOURCES_H_
