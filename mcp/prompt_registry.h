// The prompts a PromptService serves, in registration order.
//
// Filled at startup, then read-only: Register is not thread safe, every const
// method is.
#ifndef MCP_OAUTH_MCP_PROMPT_REGISTRY_H_
#define MCP_OAUTH_MCP_PROMPT_REGISTRY_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "mcp/prompt.h"

namespace mcp_oauth::mcp {

class PromptRegistry {
 public:
  PromptRegistry() = default;
  PromptRegistry(const PromptRegistry&) = delete;
  PromptRegistry& operator=(const PromptRegistry&) = delete;

  // Adds `prompt`. INVALID_ARGUMENT for an empty name, a missing renderer, an
  // empty or repeated argument name; ALREADY_EXISTS for a duplicate name.
  absl::Status Register(PromptDefinition prompt);

  // Returns the prompt called `name`, or nullptr.
  const PromptDefinition* Find(std::string_view name) const;

  const std::vector<PromptDefinition>& prompts() const { return prompts_; }
  bool empty() const { return prompts_.empty(); }
  // True when some argument offers completions.
  bool has_completions() const { return has_completions_; }
  // Changes whenever the prompt list changes (same in every process), for
  // page tokens.
  const std::string& version_tag() const { return version_tag_; }

 private:
  std::vector<PromptDefinition> prompts_;
  std::unordered_map<std::string, size_t> index_;
  bool has_completions_ = false;
  std::string version_tag_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROMPT_REGISTRY_H_
