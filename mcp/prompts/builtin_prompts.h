// The built-in prompts. Each factory lives in its own file under
// mcp/prompts/. The production server ships none yet.
#ifndef MCP_OAUTH_MCP_PROMPTS_BUILTIN_PROMPTS_H_
#define MCP_OAUTH_MCP_PROMPTS_BUILTIN_PROMPTS_H_

#include "absl/status/status.h"
#include "mcp/prompt.h"
#include "mcp/prompt_registry.h"

namespace mcp_oauth::mcp {

// Factories, one per prompt file (none yet), e.g.
//   PromptDefinition SummarizePrompt();  // mcp/prompts/summarize.cc

// Registers every built-in prompt in `registry`, in a stable order.
absl::Status RegisterBuiltinPrompts(PromptRegistry* registry);

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROMPTS_BUILTIN_PROMPTS_H_
