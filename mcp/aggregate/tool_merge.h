// Merging the tool lists of several ToolService backends into one list.
//
// Pure functions, thread safe. A backend's tools are exposed as prefix + the
// backend's own name. When two backends expose the same name, the tool that
// already had the name keeps it (`previous_owner`), else the earlier backend
// in configuration order; the other is left out and reported in
// `collisions`. Tools of backends that are down are not listed but are
// remembered in `unavailable`, so that calls to them can say so.
#ifndef MCP_OAUTH_MCP_AGGREGATE_TOOL_MERGE_H_
#define MCP_OAUTH_MCP_AGGREGATE_TOOL_MERGE_H_

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

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

// Where an exposed tool name goes.
struct ToolRoute {
  size_t backend = 0;
  std::string backend_tool_name;  // the name without the prefix
};

struct MergedTools {
  // Exposed tools (prefixed names), backend by backend in configuration
  // order, each backend's tools in its own order.
  std::vector<mcp_oauth::tools::v1::Tool> tools;
  std::unordered_map<std::string, ToolRoute> routes;
  // Exposed names of the tools of down backends (not in `routes`) -> backend.
  std::unordered_map<std::string, size_t> unavailable;
  // One message per tool left out because its name was taken, naming the
  // tool and both backends.
  std::vector<std::string> collisions;
  // Changes whenever `tools` (names, order, schemas) changes.
  std::string version_tag;
};

// Merges `backends`; `previous_owner` maps exposed names to the backend that
// owned them in the previous merge (empty at startup).
MergedTools MergeTools(const std::vector<BackendTools>& backends,
                       const std::unordered_map<std::string, size_t>& previous_owner);

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_AGGREGATE_TOOL_MERGE_H_
