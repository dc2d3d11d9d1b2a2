// Between the ToolService protos and the tool-side multi-round API
// (tool_input.h): builds a tool's ToolInput from a CallToolRequest (verifying
// its requestState) and writes an InputRequired into a CallToolResponse.
// Internal to //mcp:tool_service. Thread safe (pure functions).
#ifndef MCP_OAUTH_MCP_TOOL_INPUT_PROTO_H_
#define MCP_OAUTH_MCP_TOOL_INPUT_PROTO_H_

#include <memory>
#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "mcp/request_state.h"
#include "mcp/tool_input.h"
#include "proto/tools/v1/tools.pb.h"

namespace mcp_oauth::mcp {

// Returns the input of `request` (whose validated arguments are `args`): its
// answers, its state opened with `codec` (INVALID_ARGUMENT when the state is
// forged, altered, expired or belongs to another call), the client's
// capabilities, and a sealer binding the next state to this same call.
absl::StatusOr<std::shared_ptr<const ToolInput>> OpenToolInput(
    const mcp_oauth::tools::v1::CallToolRequest& request, const nlohmann::json& args,
    std::shared_ptr<const RequestStateCodec> codec, absl::Time now);

// Replaces `response` with `required` (state sealed through `input`).
// INTERNAL when a request has no method or its params are not an object.
absl::Status FillInputRequired(const InputRequired& required, const ToolInput& input,
                               mcp_oauth::tools::v1::CallToolResponse* response);

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_TOOL_INPUT_PROTO_H_
