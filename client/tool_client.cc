#include "client/tool_client.h"

#include <utility>

#include "absl/time/clock.h"

namespace mcp_oauth::client {
namespace {

class MeteredToolClient final : public ToolClient {
 public:
  explicit MeteredToolClient(std::shared_ptr<ToolClient> inner) : inner_(std::move(inner)) {}

  void ListTools(const CallOptions& options, const ListToolsRequest& request,
                 UnaryDone<ListToolsResponse> done) override {
    inner_->ListTools(options, request,
                      [started = absl::Now(), done = std::move(done)](const grpc::Status& status,
                                                                      ListToolsResponse& response) {
                        ObserveCall("ToolService/ListTools", started);
                        done(status, response);
                      });
  }

  void CallTool(const CallOptions& options, const CallToolRequest& request,
                UnaryDone<CallToolResponse> done) override {
    inner_->CallTool(options, request,
                     [started = absl::Now(), done = std::move(done)](const grpc::Status& status,
                                                                     CallToolResponse& response) {
                       ObserveCall("ToolService/CallTool", started);
                       done(status, response);
                     });
  }

  void CallToolStream(const CallOptions& options, const CallToolStreamRequest& request,
                      EventFn on_event, StreamDoneFn done) override {
    inner_->CallToolStream(options, request, std::move(on_event),
                           [started = absl::Now(), done = std::move(done)](
                               const grpc::Status& status, CallToolResponse* result) {
                             ObserveCall("ToolService/CallToolStream", started);
                             done(status, result);
                           });
  }

  // A watch lives as long as its streams: its latency says nothing.
  void WatchTools(const CallOptions& options, ChangeFn on_change, StatusFn done) override {
    inner_->WatchTools(options, std::move(on_change), std::move(done));
  }

 private:
  const std::shared_ptr<ToolClient> inner_;
};

}  // namespace

std::shared_ptr<ToolClient> Metered(std::shared_ptr<ToolClient> inner) {
  return std::make_shared<MeteredToolClient>(std::move(inner));
}

}  // namespace mcp_oauth::client
