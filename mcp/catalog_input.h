// Multi round-trip requests for prompts/get and resources/read: between the
// catalog services' protos and the multi-round API that tools use
// (tool_input.h). Opens a request's answers and sealed state into the
// ToolInput a renderer or reader sees in ctx.input(), and writes its
// InputRequired into the response, sealing its state for the same request.
// Internal to //mcp:catalog_services. Thread safe (pure functions).
#ifndef MCP_OAUTH_MCP_CATALOG_INPUT_H_
#define MCP_OAUTH_MCP_CATALOG_INPUT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/map.h"
#include "google/protobuf/struct.pb.h"
#include "mcp/request_state.h"
#include "mcp/tool_input.h"
#include "proto/tools/v1/tools.pb.h"

namespace mcp_oauth::mcp {

// Returns the input of one prompts/get or resources/read round: `responses`,
// `request_state` opened with `codec` for `binding`
// (RequestStateCodec::RequestBinding; INVALID_ARGUMENT when forged,
// altered, expired or issued for another request), `capabilities` (null:
// none declared), and a sealer binding the next state to `binding`.
absl::StatusOr<std::shared_ptr<const ToolInput>> OpenRequestInput(
    const std::string& binding, const std::string& request_state,
    const google::protobuf::Map<std::string, google::protobuf::Struct>& responses,
    const google::protobuf::Struct* capabilities, std::shared_ptr<const RequestStateCodec> codec,
    absl::Time now);

// Writes `required` into `out`, its state sealed through `input`. INTERNAL
// when a request has no method or its params are not an object.
absl::Status WriteInputRequired(const InputRequired& required, const ToolInput& input,
                                mcp_oauth::tools::v1::InputRequired* out);

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_CATALOG_INPUT_H_
