// Starts one asynchronous unary gRPC call with a deadline and delivers the
// result to a callback (on a gRPC thread). Keeps the request, response and
// context alive until the call completes. Every call carries the HTTP
// request's id as `x-request-id` metadata and records its latency in the
// `grpc_client_call_duration_seconds{method}` histogram. Include only from .cc
// files.
#ifndef MCP_OAUTH_GATEWAY_GRPC_CALL_H_
#define MCP_OAUTH_GATEWAY_GRPC_CALL_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "common/metrics.h"
#include "common/request_id.h"

namespace mcp_oauth::gateway {

inline constexpr std::chrono::milliseconds kDefaultRpcDeadline{10000};

template <typename Request, typename Response>
struct PendingCall {
  grpc::ClientContext context;
  Request request;
  Response response;
};

// Sets the request id metadata on `context` (nothing for an invalid id).
inline void AddRequestId(grpc::ClientContext& context, const std::string& request_id) {
  if (request_id::IsValid(request_id)) {
    context.AddMetadata(request_id::kMetadataKey, request_id);
  }
}

// `method` names the RPC for metrics, e.g. "AuthService/Token" (a fixed
// string: it becomes a label value). `request_id` is the HTTP request's id.
// `start(context, request, response, on_done)` must begin the call, e.g.
//   [stub](auto... args) { stub->async()->Token(args...); }
template <typename Request, typename Response, typename Start>
void StartUnaryCall(const char* method, const std::string& request_id, Start start, Request request,
                    std::function<void(const grpc::Status&, Response&)> done,
                    std::chrono::milliseconds deadline = kDefaultRpcDeadline) {
  auto call = std::make_shared<PendingCall<Request, Response>>();
  call->request = std::move(request);
  call->context.set_deadline(std::chrono::system_clock::now() + deadline);
  AddRequestId(call->context, request_id);
  auto started = std::chrono::steady_clock::now();
  start(&call->context, &call->request, &call->response,
        [call, method, started, done = std::move(done)](grpc::Status status) {
          metrics::GrpcClientLatency().WithLabels({method}).Observe(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
          done(status, call->response);
        });
}

}  // namespace mcp_oauth::gateway

#endif  // MCP_OAUTH_GATEWAY_GRPC_CALL_H_
