#include "client/remote_tool_client.h"

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "client/grpc_client_call.h"
#include "client/tool_call_mux.h"

namespace mcp_oauth::client {
namespace {

using mcp_oauth::tools::v1::CallToolEvent;
using mcp_oauth::tools::v1::CallToolResponse;
using mcp_oauth::tools::v1::CallToolStreamRequest;
using mcp_oauth::tools::v1::ToolsChanged;
using mcp_oauth::tools::v1::WatchToolsRequest;

// One server-streaming RPC. Owns itself from Start until OnDone. Events
// pass to `on_event` unless `take_result` claims them (CallToolStream's
// final result).
template <typename Request, typename Event>
class StreamReader final : public grpc::ClientReadReactor<Event>,
                           public std::enable_shared_from_this<StreamReader<Request, Event>> {
 public:
  using EventFn = std::function<void(const Event&)>;
  using DoneFn = std::function<void(const grpc::Status&, StreamReader*)>;
  using StartFn =
      std::function<void(grpc::ClientContext*, const Request*, grpc::ClientReadReactor<Event>*)>;

  StreamReader(Request request, EventFn on_event, DoneFn on_done)
      : request_(std::move(request)),
        on_event_(std::move(on_event)),
        on_done_(std::move(on_done)) {}

  grpc::ClientContext context;
  bool has_result = false;
  CallToolResponse result;

  void Start(const CallOptions& options, const StartFn& start) {
    self_ = this->shared_from_this();
    Prepare(options, context);
    CancelVia(options, self_, &StreamReader::context);
    start(&context, &request_, this);
    this->StartRead(&event_);
    this->StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    if constexpr (std::is_same_v<Event, CallToolEvent>) {
      if (event_.has_result()) {
        result.Swap(event_.mutable_result());
        has_result = true;
        this->StartRead(&event_);
        return;
      }
    }
    on_event_(event_);
    this->StartRead(&event_);
  }

  void OnDone(const grpc::Status& status) override {
    std::shared_ptr<StreamReader> keep = std::move(self_);
    on_done_(status, this);
  }

 private:
  Request request_;
  const EventFn on_event_;
  const DoneFn on_done_;
  Event event_;
  std::shared_ptr<StreamReader> self_;
};

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
    if (mux_ != nullptr) {
      CallToolRequest copy = request;
      if (mux_->TryCall(options, copy, done)) return;
      StartUnary(options, std::move(copy), std::move(done),
                 [this](auto... args) { stub_->async()->CallTool(args...); });
      return;
    }
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->CallTool(args...); });
  }

  void CallToolStream(const CallOptions& options, const CallToolStreamRequest& request,
                      EventFn on_event, StreamDoneFn done) override {
    using Reader = StreamReader<CallToolStreamRequest, CallToolEvent>;
    auto reader = std::make_shared<Reader>(
        request, std::move(on_event),
        [done = std::move(done)](const grpc::Status& status, Reader* r) {
          if (status.ok() && !r->has_result) {
            done(grpc::Status(grpc::StatusCode::INTERNAL, "stream ended without a result"),
                 nullptr);
          } else {
            done(status, r->has_result ? &r->result : nullptr);
          }
        });
    auto* async = stub_->async();
    reader->Start(options,
                  [async](grpc::ClientContext* context, const CallToolStreamRequest* request,
                          grpc::ClientReadReactor<CallToolEvent>* r) {
                    async->CallToolStream(context, request, r);
                  });
  }

  void WatchTools(const CallOptions& options, ChangeFn on_change, StatusFn done) override {
    using Reader = StreamReader<WatchToolsRequest, ToolsChanged>;
    auto reader = std::make_shared<Reader>(
        WatchToolsRequest(), std::move(on_change),
        [done = std::move(done)](const grpc::Status& status, Reader*) { done(status); });
    auto* async = stub_->async();
    reader->Start(options, [async](grpc::ClientContext* context, const WatchToolsRequest* request,
                                   grpc::ClientReadReactor<ToolsChanged>* r) {
      async->WatchTools(context, request, r);
    });
  }

 private:
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
    std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> stub) {
  return std::make_shared<RemoteToolClient>(std::move(stub), nullptr);
}

}  // namespace mcp_oauth::client
