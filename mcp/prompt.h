// A prompt template exposed over MCP: metadata, declared arguments and a
// renderer producing the messages.
//
// Adding one: write one self-contained .cc file under mcp/prompts/ that
// defines a factory returning a PromptDefinition, and add one line for it in
// mcp/prompts/builtin_prompts.cc (declaration in builtin_prompts.h).
#ifndef MCP_OAUTH_MCP_PROMPT_H_
#define MCP_OAUTH_MCP_PROMPT_H_

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mcp/completion.h"
#include "mcp/tool.h"

namespace mcp_oauth::mcp {

struct PromptArgumentDefinition {
  std::string name;
  std::string description;
  bool required = false;
  // Optional suggestions (completion/complete).
  Completer complete;
};

struct PromptMessage {
  std::string role;        // "user" or "assistant"
  nlohmann::json content;  // one MCP content block (text, image, audio, resource)
};

// Renders the prompt. `arguments` holds only declared names and every
// required one (checked before the call). Runs on the gRPC thread: must be
// fast and must not block. INVALID_ARGUMENT, NOT_FOUND and
// PERMISSION_DENIED reach the client with their message; other failures
// become a generic internal error.
using PromptRenderer = std::function<absl::StatusOr<std::vector<PromptMessage>>(
    const std::map<std::string, std::string>& arguments, const CallContext& ctx)>;

// What a prompt that may ask the client for input returns: its messages,
// or (input_required not empty) the input it needs first. It is then
// rendered again with the client's answers in ctx.input() (tool_input.h;
// the same rules as a tool's ToolContent::input_required).
struct PromptOutput {
  std::vector<PromptMessage> messages;
  InputRequired input_required;
};

// Like PromptRenderer, for prompts that may ask the client for input.
using InputPromptRenderer = std::function<absl::StatusOr<PromptOutput>(
    const std::map<std::string, std::string>& arguments, const CallContext& ctx)>;

struct PromptDefinition {
  std::string name;  // unique
  std::string title;
  std::string description;
  std::vector<PromptArgumentDefinition> arguments;
  // Exactly one of the two.
  PromptRenderer render;
  InputPromptRenderer render_with_input;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROMPT_H_
