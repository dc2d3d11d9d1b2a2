// Starts one asynchronous unary gRPC call with a deadline and delivers the
// result to a callback (on a gRPC thread). Keeps the request, response and
// context alive until the call completes. Include only from .cc files.
#ifndef MCP_OAUTH_GATEWAY_GRPC_CALL_H_
#define MCP_OAUTH_GATEWAY_GRPC_CALL_H_

#include <chrono>
#include <functional>
#include <memory>
#include <utility>

#include <grpcpp/grpcpp.h>

namespace mcp_oauth::gateway {

inline constexpr std::chrono::milliseconds kDefaultRpcDeadline{10000};

template <typename Request, typename Response>
struct PendingCall {
  grpc::ClientContext context;
  Request request;
  Response response;
};

// `start(context, request, response, on_done)` must begin the call, e.g.
//   [stub](auto... args) { stub->async()->Token(args...); }
template <typename Request, typename Response, typename Start>
void StartUnaryCall(Start start, Request request,
                    std::function<void(const grpc::Status&, Response&)> done,
                    std::chrono::milliseconds deadline = kDefaultRpcDeadline) {
  auto call = std::make_shared<PendingCall<Request, Response>>();
  call->request = std::move(request);
  call->context.set_deadline(std::chrono::system_clock::now() + deadline);
  start(&call->context, &call->request, &call->response,
        [call, done = std::move(done)](grpc::Status status) { done(status, call->response); });
}

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_GRPC_CALL_H_
