// The optional features of ToolService.CallToolMux streams
// (proto/tools/v1/tools.proto): each side lists the ones it accepts in its
// initial metadata, and the other uses a feature only once it saw it there.
// Shared by the client (client/tool_call_mux.cc) and the server
// (mcp/tool_call_mux.cc). Header only, no gRPC.
#ifndef MCP_OAUTH_CLIENT_TOOL_CALL_MUX_FEATURES_H_
#define MCP_OAUTH_CLIENT_TOOL_CALL_MUX_FEATURES_H_

#include <string_view>

namespace mcp_oauth::client {

// The metadata key; its value is a comma-separated list of features.
inline constexpr char kToolMuxFeaturesKey[] = "tool-mux-features";
// Arguments and results as JSON text (server -> client).
inline constexpr char kToolMuxJson[] = "json";
// Messages that carry several requests or answers (either way).
inline constexpr char kToolMuxBatch[] = "batch";

// Returns whether the comma-separated `list` names `feature` (spaces around
// names are ignored).
inline bool HasToolMuxFeature(std::string_view list, std::string_view feature) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name == feature) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace mcp_oauth::client

#endif  // MCP_OAUTH_CLIENT_TOOL_CALL_MUX_FEATURES_H_
