// ToolClient: how the gateway and the MCP endpoint call a ToolService, with
// the ToolService's own protobuf messages and gRPC status codes, whether the
// service runs in this process or behind a channel:
//   MakeLocalToolClient   (local_tool_client.h)  calls the service
//       implementation directly: no transport, no serialization, and no
//       thread hop for tools that run inline;
//   MakeRemoteToolClient  (remote_tool_client.h) a real gRPC channel
//       (--tools-target, or a stub in tests).
// Both give the same statuses, deadlines (CallOptions::timeout), cancellation
// (CallOptions::cancellation) and request ids, and both record every call's
// latency in grpc_client_call_duration_seconds{method="ToolService/..."}
// (client/call.h) in one place (Metered below).
//
// CallToolJson is CallTool with the arguments and the result's content as
// JSON, for callers that hold JSON (the MCP endpoint): the local client hands
// them to the tool and back as they are; a remote client converts them to and
// from google.protobuf.Struct (the default implementation).
//
// Implementations are thread safe. Callbacks may run before the call returns
// or on another thread; they must not block.
#ifndef MCP_OAUTH_CLIENT_TOOL_CLIENT_H_
#define MCP_OAUTH_CLIENT_TOOL_CLIENT_H_

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "client/call.h"
#include "proto/tools/v1/tools.pb.h"

namespace mcp_oauth::client {

class ToolClient {
 public:
  using ListToolsRequest = mcp_oauth::tools::v1::ListToolsRequest;
  using ListToolsResponse = mcp_oauth::tools::v1::ListToolsResponse;
  using CallToolRequest = mcp_oauth::tools::v1::CallToolRequest;
  using CallToolResponse = mcp_oauth::tools::v1::CallToolResponse;
  using CallToolStreamRequest = mcp_oauth::tools::v1::CallToolStreamRequest;
  using CallToolEvent = mcp_oauth::tools::v1::CallToolEvent;
  using ToolsChanged = mcp_oauth::tools::v1::ToolsChanged;

  // A progress or log event of CallToolStream (never the result).
  using EventFn = std::function<void(const CallToolEvent& event)>;
  // The end of CallToolStream: the result when the status is OK, else null.
  using StreamDoneFn = std::function<void(const grpc::Status& status, CallToolResponse* result)>;
  using ChangeFn = std::function<void(const ToolsChanged& change)>;
  using StatusFn = std::function<void(const grpc::Status& status)>;

  // The answer of CallToolJson: `response` without its content and
  // structured_content, which are here as JSON (numbers as a Struct carries
  // them: mcp/json_struct.h); its other fields (is_error, input_required,
  // start_task) as CallTool gives them.
  struct JsonResult {
    CallToolResponse response;
    nlohmann::json content = nlohmann::json::array();  // MCP content blocks
    nlohmann::json structured_content;                 // null: none
  };

  virtual ~ToolClient() = default;

  // The requests are read (or copied) before these return.
  virtual void ListTools(const CallOptions& options, const ListToolsRequest& request,
                         UnaryDone<ListToolsResponse> done) = 0;
  virtual void CallTool(const CallOptions& options, const CallToolRequest& request,
                        UnaryDone<CallToolResponse> done) = 0;
  // CallTool with `arguments` (a JSON object) instead of request.arguments
  // (ignored): same statuses, deadline, cancellation, request id and metric.
  // The default converts to CallTool's messages and back.
  virtual void CallToolJson(const CallOptions& options, const CallToolRequest& request,
                            const nlohmann::json& arguments, UnaryDone<JsonResult> done);
  // `on_event` for each event in order, then `done` once. A stream that ends
  // OK without a result gives INTERNAL.
  virtual void CallToolStream(const CallOptions& options, const CallToolStreamRequest& request,
                              EventFn on_event, StreamDoneFn done) = 0;
  // `on_change` now and after each change of the tool list, until cancelled
  // or the service ends the stream; then `done`.
  virtual void WatchTools(const CallOptions& options, ChangeFn on_change, StatusFn done) = 0;
};

// Moves the content of `response` into a JsonResult (converted to JSON).
ToolClient::JsonResult ToJsonResult(ToolClient::CallToolResponse* response);
// Moves `result` into a CallToolResponse (the content converted to Struct).
ToolClient::CallToolResponse ToCallToolResponse(ToolClient::JsonResult* result);

// Wraps `inner` so that every call's latency is recorded (client/call.h).
// The factories return clients wrapped this way.
std::shared_ptr<ToolClient> Metered(std::shared_ptr<ToolClient> inner);

}  // namespace mcp_oauth::client

#endif  // MCP_OAUTH_CLIENT_TOOL_CLIENT_H_
