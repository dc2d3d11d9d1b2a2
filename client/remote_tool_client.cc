#include "client/remote_tool_client.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "client/grpc_client_call.h"
#include "client/tool_call_mux.h"
#include "mcp/json_struct.h"

namespace mcp_oauth::client {
namespace {

using mcp_oauth::tools::v1::CallToolEvent;
using mcp_oauth::tools::v1::CallToolResponse;
using mcp_oauth::tools::v1::CallToolStreamRequest;
using mcp_oauth::tools::v1::ToolsChanged;
using mcp_oauth::tools::v1::WatchToolsRequest;

class RemoteToolClient final : public ToolClient {
 public:
  RemoteToolClient(std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> stub,
                   std::shared_ptr<ToolCallMux> mux)
      : stub_(std::move(stub)), mux_(std::move(mux)) {}

  void ListTools(const CallOptions& options, const ListToolsRequest& request,
                 UnaryDone<ListToolsResponse> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->ListTools(args...); });
  }

  void CallTool(const CallOptions& options, const CallToolRequest& request,
                UnaryDone<CallToolResponse> done) override {
    Send(options, request, std::move(done));
  }

  // On a mux stream whose server takes JSON text, the arguments and the
  // result travel as JSON text (no Struct). Else the request is copied once,
  // with the arguments converted into it (the default copies it twice), and
  // the answer converted as it comes.
  void CallToolJson(const CallOptions& options, const CallToolRequest& request,
                    const nlohmann::json& arguments, UnaryDone<JsonResult> done) override {
    if (mux_ != nullptr && mux_->TryCallJson(options, request, arguments, done)) return;
    absl::StatusOr<google::protobuf::Struct> converted = mcp::JsonToStruct(arguments);
    if (!converted.ok()) {
      JsonResult empty;
      done(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        std::string(converted.status().message())),
           empty);
      return;
    }
    CallToolRequest call = request;
    call.mutable_arguments()->Swap(&*converted);
    UnaryDone<CallToolResponse> converting = [done = std::move(done)](const grpc::Status& status,
                                                                      CallToolResponse& response) {
      JsonResult result = ToJsonResult(&response);
      done(status, result);
    };
    StartUnary(options, std::move(call), std::move(converting),
               [this](auto... args) { stub_->async()->CallTool(args...); });
  }

  void CallToolStream(const CallOptions& options, const CallToolStreamRequest& request,
                      EventFn on_event, StreamDoneFn done) override {
    // The stream's last event carries the result, which `done` gets.
    auto result = std::make_shared<std::optional<CallToolResponse>>();
    StreamReader<CallToolStreamRequest, CallToolEvent>::Start(
        options, request,
        [result, on_event = std::move(on_event)](CallToolEvent& event) {
          if (!event.has_result()) {
            on_event(event);
            return;
          }
          result->emplace();
          (*result)->Swap(event.mutable_result());
        },
        [result, done = std::move(done)](const grpc::Status& status) {
          if (status.ok() && !result->has_value()) {
            done(grpc::Status(grpc::StatusCode::INTERNAL, "stream ended without a result"),
                 nullptr);
          } else {
            done(status, result->has_value() ? &**result : nullptr);
          }
        },
        [this](auto... args) { stub_->async()->CallToolStream(args...); });
  }

  void WatchTools(const CallOptions& options, ChangeFn on_change, StatusFn done) override {
    StreamReader<WatchToolsRequest, ToolsChanged>::Start(
        options, WatchToolsRequest(), std::move(on_change), std::move(done),
        [this](auto... args) { stub_->async()->WatchTools(args...); });
  }

 private:
  // CallTool on a mux stream if it takes the call, else as a unary RPC.
  void Send(const CallOptions& options, CallToolRequest request, UnaryDone<CallToolResponse> done) {
    if (mux_ != nullptr && mux_->TryCall(options, request, done)) return;
    StartUnary(options, std::move(request), std::move(done),
               [this](auto... args) { stub_->async()->CallTool(args...); });
  }

  const std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> stub_;
  const std::shared_ptr<ToolCallMux> mux_;  // optional
};

}  // namespace

std::shared_ptr<ToolClient> MakeRemoteToolClient(
    std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> stub,
    std::shared_ptr<ToolCallMux> mux) {
  return Metered(std::make_shared<RemoteToolClient>(std::move(stub), std::move(mux)));
}

std::shared_ptr<ToolClient> MakeUnmeteredRemoteToolClient(
    std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> stub,
    std::shared_ptr<ToolCallMux> mux) {
  return std::make_shared<RemoteToolClient>(std::move(stub), std::move(mux));
}

}  // namespace mcp_oauth::client
