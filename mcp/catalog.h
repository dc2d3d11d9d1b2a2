// Catalog: everything an in-process MCP backend serves (tools, resources,
// prompts), built from the built-in definitions plus any catalog extensions
// linked into the binary.
//
// Extensions exist for test-only binaries (e.g. the conformance fixtures in
// //tests/e2e:conformance_gateway): a library linked with alwayslink calls
// AddCatalogExtension from a static initializer. Production binaries link
// none, so they serve exactly the built-ins.
//
// AddCatalogExtension and BuildCatalog are thread safe; the registries of a
// built Catalog are read-only.
#ifndef MCP_OAUTH_MCP_CATALOG_H_
#define MCP_OAUTH_MCP_CATALOG_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mcp/prompt_registry.h"
#include "mcp/resource_registry.h"
#include "mcp/tool_registry.h"

namespace mcp_oauth::mcp {

struct Catalog {
  std::shared_ptr<ToolRegistry> tools;
  std::shared_ptr<ResourceRegistry> resources;
  std::shared_ptr<PromptRegistry> prompts;
};

// Adds definitions to a catalog being built (after the built-ins).
using CatalogExtension = absl::Status (*)(Catalog* catalog);

// Adds `extension` to the process-wide list BuildCatalog runs, in call order.
// Returns true (so it can initialize a static bool).
bool AddCatalogExtension(CatalogExtension extension);

// Returns a catalog holding the built-in tools, resources and prompts, then
// whatever each extension adds. Fails with the first registration error.
absl::StatusOr<Catalog> BuildCatalog();

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_CATALOG_H_
