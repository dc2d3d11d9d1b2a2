#include "client/local_tool_client.h"

#include <utility>

#include "absl/time/clock.h"
#include "mcp/tool_service.h"

namespace mcp_oauth::client {
namespace {

absl::Time DeadlineOf(const CallOptions& options) {
  return options.timeout == absl::InfiniteDuration() ? absl::InfiniteFuture()
                                                     : absl::Now() + options.timeout;
}

class LocalToolClient final : public ToolClient {
 public:
  LocalToolClient(mcp::ToolServiceImpl* service, std::shared_ptr<ToolClient> streams)
      : service_(service), streams_(std::move(streams)) {}

  void ListTools(const CallOptions& options, const ListToolsRequest& request,
                 UnaryDone<ListToolsResponse> done) override {
    ListToolsResponse response;
    if (options.cancellation != nullptr && options.cancellation->cancelled()) {
      done(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled"), response);
      return;
    }
    grpc::Status status = service_->ListToolsNow(request, &response);
    done(status, response);
  }

  void CallTool(const CallOptions& options, const CallToolRequest& request,
                UnaryDone<CallToolResponse> done) override {
    service_->StartCallTool(
        request, DeadlineOf(options), options.request_id, options.cancellation,
        [done = std::move(done)](const grpc::Status& status, CallToolResponse* result) {
          if (result != nullptr) {
            done(status, *result);
          } else {
            CallToolResponse empty;
            done(status, empty);
          }
        });
  }

  // The JSON goes to the tool and back as it is: no google.protobuf.Struct.
  void CallToolJson(const CallOptions& options, const CallToolRequest& request,
                    const nlohmann::json& arguments, UnaryDone<JsonResult> done) override {
    service_->StartCallToolJson(
        request, arguments, DeadlineOf(options), options.request_id, options.cancellation,
        [done = std::move(done)](const grpc::Status& status, JsonResult* result) {
          if (result != nullptr) {
            done(status, *result);
          } else {
            JsonResult empty;
            done(status, empty);
          }
        });
  }

  void CallToolStream(const CallOptions& options, const CallToolStreamRequest& request,
                      EventFn on_event, StreamDoneFn done) override {
    streams_->CallToolStream(options, request, std::move(on_event), std::move(done));
  }

  void WatchTools(const CallOptions& options, ChangeFn on_change, StatusFn done) override {
    streams_->WatchTools(options, std::move(on_change), std::move(done));
  }

 private:
  mcp::ToolServiceImpl* const service_;
  const std::shared_ptr<ToolClient> streams_;
};

}  // namespace

std::shared_ptr<ToolClient> MakeLocalToolClient(mcp::ToolServiceImpl* service,
                                                std::shared_ptr<ToolClient> streams) {
  return Metered(MakeUnmeteredLocalToolClient(service, std::move(streams)));
}

std::shared_ptr<ToolClient> MakeUnmeteredLocalToolClient(mcp::ToolServiceImpl* service,
                                                         std::shared_ptr<ToolClient> streams) {
  return std::make_shared<LocalToolClient>(service, std::move(streams));
}

}  // namespace mcp_oauth::client
