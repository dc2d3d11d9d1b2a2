#include "client/tool_client.h"

#include <utility>

#include "absl/status/statusor.h"
#include "mcp/json_struct.h"

namespace mcp_oauth::client {
namespace {

class MeteredToolClient final : public ToolClient {
 public:
  explicit MeteredToolClient(std::shared_ptr<ToolClient> inner) : inner_(std::move(inner)) {}

  void ListTools(const CallOptions& options, const ListToolsRequest& request,
                 UnaryDone<ListToolsResponse> done) override {
    inner_->ListTools(options, request, Observed("ToolService/ListTools", std::move(done)));
  }

  void CallTool(const CallOptions& options, const CallToolRequest& request,
                UnaryDone<CallToolResponse> done) override {
    inner_->CallTool(options, request, Observed("ToolService/CallTool", std::move(done)));
  }

  void CallToolJson(const CallOptions& options, const CallToolRequest& request,
                    const nlohmann::json& arguments, UnaryDone<JsonResult> done) override {
    inner_->CallToolJson(options, request, arguments,
                         Observed("ToolService/CallTool", std::move(done)));
  }

  void CallToolStream(const CallOptions& options, const CallToolStreamRequest& request,
                      EventFn on_event, StreamDoneFn done) override {
    inner_->CallToolStream(options, request, std::move(on_event),
                           Observed("ToolService/CallToolStream", std::move(done)));
  }

  // A watch lives as long as its streams: its latency says nothing.
  void WatchTools(const CallOptions& options, ChangeFn on_change, StatusFn done) override {
    inner_->WatchTools(options, std::move(on_change), std::move(done));
  }

 private:
  const std::shared_ptr<ToolClient> inner_;
};

}  // namespace

void ToolClient::CallToolJson(const CallOptions& options, const CallToolRequest& request,
                              const nlohmann::json& arguments, UnaryDone<JsonResult> done) {
  absl::StatusOr<google::protobuf::Struct> args = mcp::JsonToStruct(arguments);
  if (!args.ok()) {
    JsonResult empty;
    done(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(args.status().message())),
         empty);
    return;
  }
  CallToolRequest with_arguments = request;
  with_arguments.mutable_arguments()->Swap(&*args);
  CallTool(options, with_arguments,
           [done = std::move(done)](const grpc::Status& status, CallToolResponse& response) {
             JsonResult result = ToJsonResult(&response);
             done(status, result);
           });
}

ToolClient::JsonResult ToJsonResult(ToolClient::CallToolResponse* response) {
  ToolClient::JsonResult result;
  for (const auto& block : response->content()) result.content.push_back(mcp::StructToJson(block));
  if (response->has_structured_content()) {
    result.structured_content = mcp::StructToJson(response->structured_content());
  }
  response->clear_content();
  response->clear_structured_content();
  result.response.Swap(response);
  return result;
}

ToolClient::CallToolResponse ToCallToolResponse(ToolClient::JsonResult* result) {
  ToolClient::CallToolResponse response;
  response.Swap(&result->response);
  response.clear_content();
  response.clear_structured_content();
  // Blocks are objects within the depth limit (the service checked them):
  // the conversions cannot fail.
  for (const nlohmann::json& block : result->content) {
    if (auto converted = mcp::JsonToStruct(block); converted.ok())
      response.add_content()->Swap(&*converted);
  }
  if (result->structured_content.is_object()) {
    if (auto converted = mcp::JsonToStruct(result->structured_content); converted.ok()) {
      response.mutable_structured_content()->Swap(&*converted);
    }
  }
  return response;
}

std::shared_ptr<ToolClient> Metered(std::shared_ptr<ToolClient> inner) {
  return std::make_shared<MeteredToolClient>(std::move(inner));
}

}  // namespace mcp_oauth::client
