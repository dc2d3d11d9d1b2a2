// The set of tools a ToolService serves, in registration order.
//
// Filled at startup, then read-only: Register is not thread safe, every const
// method is (concurrent readers need no locking once registration is done).
#ifndef MCP_OAUTH_MCP_TOOL_REGISTRY_H_
#define MCP_OAUTH_MCP_TOOL_REGISTRY_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "mcp/tool.h"

namespace mcp_oauth::mcp {

class ToolRegistry {
 public:
  ToolRegistry() = default;
  ToolRegistry(const ToolRegistry&) = delete;
  ToolRegistry& operator=(const ToolRegistry&) = delete;

  // Adds `tool`. Fails (INVALID_ARGUMENT / ALREADY_EXISTS) for an empty or
  // duplicate name, a missing handler, an input schema that is not an object
  // schema, or a schema using unsupported keywords.
  absl::Status Register(ToolDefinition tool);

  // Returns the tool called `name`, or nullptr.
  const ToolDefinition* Find(std::string_view name) const;

  // All tools in registration order.
  const std::vector<ToolDefinition>& tools() const { return tools_; }
  size_t size() const { return tools_.size(); }

  // Returns a short tag that changes whenever the tool list (names, order,
  // schemas) changes; the same build yields the same tag in every process, so
  // page tokens stay valid across replicas.
  const std::string& version_tag() const { return version_tag_; }

 private:
  std::vector<ToolDefinition> tools_;
  std::unordered_map<std::string, size_t> index_;
  std::string version_tag_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_TOOL_REGISTRY_H_
