// The ToolClient of a ToolServiceImpl in this process (see tool_client.h):
// ListTools, CallTool and CallToolJson call the implementation directly, with the same
// messages, statuses, deadlines, cancellation and request ids as over gRPC
// but no transport; a tool that runs inline answers before CallTool returns,
// on the caller's thread. CallToolStream and WatchTools (long-lived
// streams, off the hot path) go through `streams`, e.g. a stub on the
// server's in-process channel.
#ifndef MCP_OAUTH_CLIENT_LOCAL_TOOL_CLIENT_H_
#define MCP_OAUTH_CLIENT_LOCAL_TOOL_CLIENT_H_

#include <memory>

#include "client/tool_client.h"

namespace mcp_oauth::mcp {
class ToolServiceImpl;
}  // namespace mcp_oauth::mcp

namespace mcp_oauth::client {

// `service` must outlive every call made through the client. `streams` is
// an unmetered client (MakeUnmeteredRemoteToolClient). Returns a Metered
// client.
std::shared_ptr<ToolClient> MakeLocalToolClient(mcp::ToolServiceImpl* service,
                                                std::shared_ptr<ToolClient> streams);
// The same, not Metered: for clients that wrap it and are Metered themselves
// (e.g. the built-in backend of an aggregate).
std::shared_ptr<ToolClient> MakeUnmeteredLocalToolClient(mcp::ToolServiceImpl* service,
                                                         std::shared_ptr<ToolClient> streams);

}  // namespace mcp_oauth::client

#endif  // MCP_OAUTH_CLIENT_LOCAL_TOOL_CLIENT_H_
