// Internal to //client: the gRPC side of CallOptions, shared by the remote
// clients. Include only from .cc files.
#ifndef MCP_OAUTH_CLIENT_GRPC_CLIENT_CALL_H_
#define MCP_OAUTH_CLIENT_GRPC_CLIENT_CALL_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/call.h"
#include "common/request_id.h"

namespace mcp_oauth::client {

// Sets the deadline and the request id metadata of `context`.
inline void Prepare(const CallOptions& options, grpc::ClientContext& context) {
  if (options.timeout != absl::InfiniteDuration()) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + options.timeout));
  }
  if (request_id::IsValid(options.request_id)) {
    context.AddMetadata(request_id::kMetadataKey, options.request_id);
  }
}

// Lets options.cancellation cancel the RPC of `owner`'s context while
// `owner` lives (TryCancel before the start cancels it when it starts).
template <typename Owner>
void CancelVia(const CallOptions& options, const std::shared_ptr<Owner>& owner,
               grpc::ClientContext Owner::*context) {
  if (options.cancellation == nullptr) return;
  options.cancellation->SetHook([weak = std::weak_ptr<Owner>(owner), context] {
    if (auto live = weak.lock()) ((*live).*context).TryCancel();
  });
}

// One async unary RPC: `start(context, request, response, on_done)` begins
// it, e.g. [stub](auto... args) { stub->async()->CallTool(args...); }.
template <typename Request, typename Response, typename Start>
void StartUnary(const CallOptions& options, Request request, UnaryDone<Response> done,
                Start start) {
  struct Pending {
    grpc::ClientContext context;
    Request request;
    Response response;
  };
  auto call = std::make_shared<Pending>();
  call->request = std::move(request);
  Prepare(options, call->context);
  CancelVia(options, call, &Pending::context);
  start(&call->context, &call->request, &call->response,
        [call, done = std::move(done)](grpc::Status status) { done(status, call->response); });
}

// One server-streaming RPC: `on_event` for each event (which it may move
// from), then `on_done` once. Owns itself from Start until OnDone.
template <typename Request, typename Event>
class StreamReader final : public grpc::ClientReadReactor<Event>,
                           public std::enable_shared_from_this<StreamReader<Request, Event>> {
 public:
  using EventFn = std::function<void(Event& event)>;
  using DoneFn = std::function<void(const grpc::Status& status)>;

  // Starts `start(context, request, reactor)`, e.g.
  // [async](auto... args) { async->WatchTools(args...); }, prepared from
  // `options`.
  template <typename StartFn>
  static void Start(const CallOptions& options, Request request, EventFn on_event, DoneFn on_done,
                    StartFn start) {
    auto reader =
        std::make_shared<StreamReader>(std::move(request), std::move(on_event), std::move(on_done));
    reader->self_ = reader;
    Prepare(options, reader->context_);
    CancelVia(options, reader, &StreamReader::context_);
    start(&reader->context_, &reader->request_, reader.get());
    reader->StartRead(&reader->event_);
    reader->StartCall();
  }

  StreamReader(Request request, EventFn on_event, DoneFn on_done)
      : request_(std::move(request)),
        on_event_(std::move(on_event)),
        on_done_(std::move(on_done)) {}

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    on_event_(event_);
    this->StartRead(&event_);
  }

  void OnDone(const grpc::Status& status) override {
    std::shared_ptr<StreamReader> keep = std::move(self_);
    on_done_(status);
  }

 private:
  grpc::ClientContext context_;
  Request request_;
  const EventFn on_event_;
  const DoneFn on_done_;
  Event event_;
  std::shared_ptr<StreamReader> self_;
};

}  // namespace mcp_oauth::client

#endif  // MCP_OAUTH_CLIENT_GRPC_CLIENT_CALL_H_
