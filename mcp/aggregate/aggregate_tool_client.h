// The ToolClient of a ToolAggregator in this process (see
// client/tool_client.h): CallTool goes straight to the owning backend over
// its stub (one RPC), instead of an RPC to the aggregate that then makes
// the same RPC to the backend. Routing, statuses (NOT_FOUND, UNAVAILABLE
// naming the tool), request ids, deadlines and cancellation are the
// aggregate's own. ListTools, CallToolStream and WatchTools go through
// `fallback` (a client of the aggregate, e.g. over its in-process channel).
#ifndef MCP_OAUTH_MCP_AGGREGATE_AGGREGATE_TOOL_CLIENT_H_
#define MCP_OAUTH_MCP_AGGREGATE_AGGREGATE_TOOL_CLIENT_H_

#include <memory>

#include "client/tool_client.h"

namespace mcp_oauth::mcp {

class ToolAggregator;

// `aggregator` must outlive every call made through the client. `fallback`
// is an unmetered client (client::MakeUnmeteredRemoteToolClient). Returns a
// Metered client.
std::shared_ptr<client::ToolClient> MakeAggregateToolClient(
    const ToolAggregator* aggregator, std::shared_ptr<client::ToolClient> fallback);

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_AGGREGATE_AGGREGATE_TOOL_CLIENT_H_
