#include "mcp/aggregate/tool_merge.h"

#include <utility>

namespace mcp_oauth::mcp {

using mcp_oauth::tools::v1::Tool;

MergedTools MergeTools(const std::vector<BackendTools>& backends,
                       const std::unordered_map<std::string, size_t>& previous_owner) {
  std::vector<NamedBackend<Tool>> named;
  for (const auto& backend : backends) {
    named.push_back({backend.name, backend.prefix, backend.up, backend.tools});
  }
  static constexpr NamedKey<Tool> kKey = {
      [](const Tool& tool) { return tool.name(); },
      [](Tool* tool, const std::string& name) { tool->set_name(name); }, "tool name",
      " (give one of them a prefix)"};
  NamedMerged<Tool> merged = MergeNamed(named, previous_owner, kKey);
  return {std::move(merged.items), std::move(merged.routes), std::move(merged.unavailable),
          std::move(merged.collisions), std::move(merged.version_tag)};
}

}  // namespace mcp_oauth::mcp
