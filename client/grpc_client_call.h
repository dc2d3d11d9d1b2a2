// Internal to //client: the gRPC side of CallOptions, shared by the remote
// clients. Include only from .cc files.
#ifndef MCP_OAUTH_CLIENT_GRPC_CLIENT_CALL_H_
#define MCP_OAUTH_CLIENT_GRPC_CLIENT_CALL_H_

#include <grpcpp/grpcpp.h>

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

}  // namespace mcp_oauth::client

#endif  // MCP_OAUTH_CLIENT_GRPC_CLIENT_CALL_H_
