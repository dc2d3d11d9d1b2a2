#include "mcp/aggregate/aggregate_tool_client.h"

#include <string>
#include <utility>

#include "client/remote_tool_client.h"
#include "mcp/aggregate/tool_aggregator.h"

namespace mcp_oauth::mcp {
namespace {

class AggregateToolClient final : public client::ToolClient {
 public:
  AggregateToolClient(const ToolAggregator* aggregator,
                      std::shared_ptr<client::ToolClient> fallback)
      : aggregator_(aggregator), fallback_(std::move(fallback)) {}

  void ListTools(const client::CallOptions& options, const ListToolsRequest& request,
                 client::UnaryDone<ListToolsResponse> done) override {
    fallback_->ListTools(options, request, std::move(done));
  }

  void CallTool(const client::CallOptions& options, const CallToolRequest& request,
                client::UnaryDone<CallToolResponse> done) override {
    CallToolRequest forwarded;
    std::shared_ptr<client::ToolClient> backend = Route(request, &forwarded, done);
    if (backend != nullptr) backend->CallTool(options, forwarded, std::move(done));
  }

  // The backend's own CallToolJson: no google.protobuf.Struct on a direct
  // call of the built-in tools.
  void CallToolJson(const client::CallOptions& options, const CallToolRequest& request,
                    const nlohmann::json& arguments, client::UnaryDone<JsonResult> done) override {
    CallToolRequest forwarded;
    std::shared_ptr<client::ToolClient> backend = Route(request, &forwarded, done);
    if (backend != nullptr) backend->CallToolJson(options, forwarded, arguments, std::move(done));
  }

  void CallToolStream(const client::CallOptions& options, const CallToolStreamRequest& request,
                      EventFn on_event, StreamDoneFn done) override {
    fallback_->CallToolStream(options, request, std::move(on_event), std::move(done));
  }

  void WatchTools(const client::CallOptions& options, ChangeFn on_change, StatusFn done) override {
    fallback_->WatchTools(options, std::move(on_change), std::move(done));
  }

 private:
  // Returns the client of the backend owning request.name() and sets
  // `forwarded` to `request` renamed for it; or answers `done` (NOT_FOUND,
  // UNAVAILABLE) and returns null.
  template <typename Response>
  std::shared_ptr<client::ToolClient> Route(const CallToolRequest& request,
                                            CallToolRequest* forwarded,
                                            client::UnaryDone<Response>& done) const {
    absl::StatusOr<BackendRoute> route = aggregator_->Route(request.name());
    if (!route.ok()) {
      Response empty;
      done(grpc::Status(static_cast<grpc::StatusCode>(route.status().code()),
                        std::string(route.status().message())),
           empty);
      return nullptr;
    }
    *forwarded = request;
    forwarded->set_name(std::move(route->name));
    if (route->calls != nullptr) return std::move(route->calls);
    return client::MakeUnmeteredRemoteToolClient(std::move(route->stub));
  }

  const ToolAggregator* const aggregator_;
  const std::shared_ptr<client::ToolClient> fallback_;
};

}  // namespace

std::shared_ptr<client::ToolClient> MakeAggregateToolClient(
    const ToolAggregator* aggregator, std::shared_ptr<client::ToolClient> fallback) {
  return client::Metered(std::make_shared<AggregateToolClient>(aggregator, std::move(fallback)));
}

}  // namespace mcp_oauth::mcp
