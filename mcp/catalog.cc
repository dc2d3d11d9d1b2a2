#include "mcp/catalog.h"

#include <vector>

#include "absl/synchronization/mutex.h"
#include "mcp/prompts/builtin_prompts.h"
#include "mcp/resources/builtin_resources.h"
#include "mcp/tools/builtin_tools.h"

namespace mcp_oauth::mcp {
namespace {

struct Extensions {
  absl::Mutex mu;
  std::vector<CatalogExtension> list ABSL_GUARDED_BY(mu);
};

// Function-local so static initializers in other files may use it.
Extensions& GlobalExtensions() {
  static auto* extensions = new Extensions;
  return *extensions;
}

}  // namespace

bool AddCatalogExtension(CatalogExtension extension) {
  Extensions& extensions = GlobalExtensions();
  absl::MutexLock lock(&extensions.mu);
  extensions.list.push_back(extension);
  return true;
}

absl::StatusOr<Catalog> BuildCatalog() {
  Catalog catalog;
  catalog.tools = std::make_shared<ToolRegistry>();
  catalog.resources = std::make_shared<ResourceRegistry>();
  catalog.prompts = std::make_shared<PromptRegistry>();
  if (absl::Status s = RegisterBuiltinTools(catalog.tools.get()); !s.ok()) return s;
  if (absl::Status s = RegisterBuiltinResources(catalog.resources.get()); !s.ok()) return s;
  if (absl::Status s = RegisterBuiltinPrompts(catalog.prompts.get()); !s.ok()) return s;
  std::vector<CatalogExtension> list;
  {
    Extensions& extensions = GlobalExtensions();
    absl::MutexLock lock(&extensions.mu);
    list = extensions.list;
  }
  for (CatalogExtension extension : list) {
    if (absl::Status s = extension(&catalog); !s.ok()) return s;
  }
  return catalog;
}

}  // namespace mcp_oauth::mcp
