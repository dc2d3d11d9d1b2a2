// The ToolClient of a ToolService behind a gRPC channel (see tool_client.h).
// Include only from .cc files: it pulls in gRPC.
#ifndef MCP_OAUTH_CLIENT_REMOTE_TOOL_CLIENT_H_
#define MCP_OAUTH_CLIENT_REMOTE_TOOL_CLIENT_H_

#include <memory>

#include "client/tool_client.h"
#include "proto/tools/v1/tools.grpc.pb.h"

namespace mcp_oauth::client {

class ToolCallMux;

// Every call sets its deadline and `x-request-id` metadata from CallOptions;
// a Cancellation cancels the RPC. With `mux`, CallTool goes over its streams
// when it takes the call (client/tool_call_mux.h), else as a unary RPC on
// `stub`. Returns a Metered client.
std::shared_ptr<ToolClient> MakeRemoteToolClient(
    std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> stub,
    std::shared_ptr<ToolCallMux> mux = nullptr);
// The same, not Metered: for clients that wrap it (e.g. the streams of the
// local client, the remote backends of an aggregate) and are Metered
// themselves.
std::shared_ptr<ToolClient> MakeUnmeteredRemoteToolClient(
    std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> stub,
    std::shared_ptr<ToolCallMux> mux = nullptr);

}  // namespace mcp_oauth::client

#endif  // MCP_OAUTH_CLIENT_REMOTE_TOOL_CLIENT_H_
