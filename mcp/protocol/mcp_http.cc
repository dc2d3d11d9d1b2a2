#include "mcp/protocol/mcp_http.h"

#include "absl/strings/match.h"

namespace mcp_oauth::mcp {
std::optional<std::string> McpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, absl::string_view(name.data(), name.size()))) return value;
  }
  return std::nullopt;
}

}  // namespace mcp_oauth::mcp
