// Argument completion (MCP completion/complete) shared by prompts and
// resource templates.
#ifndef MCP_OAUTH_MCP_COMPLETION_H_
#define MCP_OAUTH_MCP_COMPLETION_H_

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mcp_oauth::mcp {

// Returns suggestions, best first, for an argument whose text so far is
// `value`; `context` holds the other arguments already chosen. Must be fast
// and must not block (runs on the gRPC thread).
using Completer = std::function<std::vector<std::string>(
    const std::string& value, const std::map<std::string, std::string>& context)>;

// MCP caps one completion result at 100 values.
constexpr size_t kMaxCompletionValues = 100;

// Returns a Completer offering the entries of `values` that start with the
// typed text, in the given order.
Completer PrefixCompleter(std::vector<std::string> values);

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_COMPLETION_H_
