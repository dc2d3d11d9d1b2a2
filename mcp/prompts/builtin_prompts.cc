#include "mcp/prompts/builtin_prompts.h"

#include <vector>

namespace mcp_oauth::mcp {

absl::Status RegisterBuiltinPrompts(PromptRegistry* registry) {
  // One line per prompt, e.g. &SummarizePrompt.
  const std::vector<PromptDefinition (*)()> prompts = {};
  for (auto factory : prompts) {
    if (absl::Status s = registry->Register(factory()); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace mcp_oauth::mcp
