#include "mcp/resources/builtin_resources.h"

#include <vector>

namespace mcp_oauth::mcp {

absl::Status RegisterBuiltinResources(ResourceRegistry* registry) {
  // One line per resource, e.g. &ReadmeResource.
  const std::vector<ResourceDefinition (*)()> resources = {};
  // One line per resource template.
  const std::vector<ResourceTemplateDefinition (*)()> templates = {};
  for (auto factory : resources) {
    if (absl::Status s = registry->Register(factory()); !s.ok()) return s;
  }
  for (auto factory : templates) {
    if (absl::Status s = registry->RegisterTemplate(factory()); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace mcp_oauth::mcp
