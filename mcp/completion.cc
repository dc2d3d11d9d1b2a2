#include "mcp/completion.h"

#include <utility>

#include "absl/strings/match.h"

namespace mcp_oauth::mcp {

Completer PrefixCompleter(std::vector<std::string> values) {
  return [values = std::move(values)](const std::string& value,
                                      const std::map<std::string, std::string>&) {
    std::vector<std::string> out;
    for (const std::string& candidate : values) {
      if (absl::StartsWith(candidate, value)) out.push_back(candidate);
    }
    return out;
  };
}

}  // namespace mcp_oauth::mcp
