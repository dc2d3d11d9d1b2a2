// Merging the tool lists of several ToolService backends into one list (see
// named_merge.h): tools are keyed by prefix + name. Pure, thread safe.
#ifndef MCP_OAUTH_MCP_AGGREGATE_TOOL_MERGE_H_
#define MCP_OAUTH_MCP_AGGREGATE_TOOL_MERGE_H_

#include <string>
#include <unordered_map>
#include <vector>

#include "mcp/aggregate/named_merge.h"
#include "proto/tools/v1/tools.pb.h"

namespace mcp_oauth::mcp {

// What one backend offers, as last seen.
struct BackendTools {
  std::string name;
  std::string prefix;
  bool up = false;
  // As the backend names them (no prefix); for a down backend, the tools it
  // offered when it was last up.
  std::vector<mcp_oauth::tools::v1::Tool> tools;
};

using ToolRoute = NamedRoute;

struct MergedTools {
  std::vector<mcp_oauth::tools::v1::Tool> tools;
  std::unordered_map<std::string, ToolRoute> routes;
  std::unordered_map<std::string, size_t> unavailable;
  std::vector<std::string> collisions;
  std::string version_tag;
};

// Merges `backends`; `previous_owner` maps exposed names to the backend that
// owned them in the previous merge (empty at startup).
MergedTools MergeTools(const std::vector<BackendTools>& backends,
                       const std::unordered_map<std::string, size_t>& previous_owner);

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_AGGREGATE_TOOL_MERGE_H_
