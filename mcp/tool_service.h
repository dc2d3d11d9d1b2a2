// ToolServiceImpl: the gRPC ToolService (proto/tools/v1/tools.proto) over a
// ToolRegistry, using the callback API.
//
// ListTools answers inline. CallTool validates the arguments against the
// tool's input schema on the gRPC thread, then runs the handler on a bounded
// worker pool (handlers may block) under a per-call deadline: the earlier of
// the client's deadline and `default_call_timeout`. When the deadline fires
// first the RPC ends with DEADLINE_EXCEEDED and the handler's CallContext
// reports Cancelled() (the worker thread stays busy until the handler returns).
// A full queue gives RESOURCE_EXHAUSTED; a handler that throws gives INTERNAL.
// CallToolStream runs a call the same way and streams the tool's progress and
// log events (see ToolEventQueue) before the result.
//
// WatchTools streams the registry's version tag now and after every change
// (tools added or removed at runtime).
//
// CallToolMux carries many CallTool calls on one stream, each run as
// CallTool runs it (tool_call_mux.h). EndStreams ends those streams: call it
// before the grpc::Server's Shutdown, which would otherwise wait for them
// until its deadline.
//
// Shutdown ends the calls still on the pool (UNAVAILABLE, their handlers see
// Cancelled()) and joins the workers, so that no callback runs after it.
//
// This class is thread safe. The registry is shared; it may change while
// serving (calls in flight keep the definition they started with). Shut the
// grpc::Server down, then call Shutdown (or destroy this object).
#ifndef MCP_OAUTH_MCP_TOOL_SERVICE_H_
#define MCP_OAUTH_MCP_TOOL_SERVICE_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "client/tool_client.h"
#include "common/deadline_timer.h"
#include "common/worker_pool.h"
#include "mcp/request_state.h"
#include "mcp/tool_call_mux.h"
#include "mcp/tool_registry.h"
#include "proto/tools/v1/tools.grpc.pb.h"

namespace mcp_oauth::client {
class Cancellation;
}  // namespace mcp_oauth::client

namespace mcp_oauth::mcp {

struct ToolServiceOptions {
  int default_page_size = 50;
  int max_page_size = 100;  // larger requests are clamped
  absl::Duration default_call_timeout = absl::Seconds(30);
  // The deadline of a call that runs as an MCP task (TASK_MODE_RUN).
  absl::Duration task_call_timeout = absl::Hours(1);
  int worker_threads = 4;
  size_t max_queued_calls = 64;
  // HMAC key sealing the requestState of multi-round tool calls (>= 32
  // bytes, shared by replicas); empty: a random key per process.
  std::string request_state_key;
  absl::Duration request_state_ttl = absl::Minutes(10);
  // Calls in flight on one CallToolMux stream; one more is
  // RESOURCE_EXHAUSTED.
  size_t max_calls_per_stream = 1024;
  // Progress/log events a CallToolStream buffers for a slow reader before
  // dropping new ones.
  size_t max_pending_events = 64;
  // Changes a WatchTools stream buffers for a slow reader before ending.
  size_t max_pending_watch_events = 256;
};

class ToolServiceImpl final : public mcp_oauth::tools::v1::ToolService::CallbackService {
 public:
  explicit ToolServiceImpl(std::shared_ptr<const ToolRegistry> registry,
                           ToolServiceOptions options = ToolServiceOptions());
  // Calls Shutdown.
  ~ToolServiceImpl() override;

  // Ends every call running or queued on the worker pool with UNAVAILABLE
  // (its handler's CallContext reports Cancelled()), refuses new ones the
  // same way, and returns once the workers have returned (a handler that
  // ignores cancellation is waited for): no `done` or RPC completion of a
  // pool call happens after it. Call it when the callers stop (after the
  // gRPC server's shutdown), before what the callbacks use goes away.
  // Idempotent.
  void Shutdown();

  // Makes the CallToolMux streams, open and future, answer their calls in
  // flight, refuse new ones (UNAVAILABLE) and end. Idempotent.
  void EndStreams();

  grpc::ServerUnaryReactor* ListTools(grpc::CallbackServerContext* context,
                                      const mcp_oauth::tools::v1::ListToolsRequest* request,
                                      mcp_oauth::tools::v1::ListToolsResponse* response) override;

  grpc::ServerUnaryReactor* CallTool(grpc::CallbackServerContext* context,
                                     const mcp_oauth::tools::v1::CallToolRequest* request,
                                     mcp_oauth::tools::v1::CallToolResponse* response) override;

  grpc::ServerWriteReactor<mcp_oauth::tools::v1::CallToolEvent>* CallToolStream(
      grpc::CallbackServerContext* context,
      const mcp_oauth::tools::v1::CallToolStreamRequest* request) override;

  grpc::ServerBidiReactor<mcp_oauth::tools::v1::CallToolMuxRequest,
                          mcp_oauth::tools::v1::CallToolMuxResponse>*
  CallToolMux(grpc::CallbackServerContext* context) override;

  grpc::ServerWriteReactor<mcp_oauth::tools::v1::ToolsChanged>* WatchTools(
      grpc::CallbackServerContext* context,
      const mcp_oauth::tools::v1::WatchToolsRequest* request) override;

  // The unary RPCs without gRPC, for in-process callers
  // (client/local_tool_client.h); the RPCs above are these plus the
  // transport. Same checks, statuses, worker pool, deadlines and
  // mcp_tool_calls_total counts.
  //
  // Answers at once.
  grpc::Status ListToolsNow(const mcp_oauth::tools::v1::ListToolsRequest& request,
                            mcp_oauth::tools::v1::ListToolsResponse* response) const;
  // `done` gets the status and, when OK, the result (which it may move
  // from); it runs exactly once: before this returns when the tool runs
  // inline or the call is refused, else on a worker or the timer thread.
  // The call's deadline is the earlier of `deadline` and
  // default_call_timeout; `cancellation` (optional) ends it with CANCELLED.
  // `request` is not used after this returns.
  using CallDone = std::function<void(const grpc::Status& status,
                                      mcp_oauth::tools::v1::CallToolResponse* result)>;
  void StartCallTool(const mcp_oauth::tools::v1::CallToolRequest& request, absl::Time deadline,
                     const std::string& request_id,
                     const std::shared_ptr<client::Cancellation>& cancellation, CallDone done);
  // StartCallTool with the arguments and the result's content as JSON
  // (client::ToolClient::CallToolJson): `arguments` (an object) instead of
  // request.arguments, which is ignored. The tool gets them as their trip
  // through a google.protobuf.Struct would leave them (json_struct.h), so
  // both ways give the same answers.
  using JsonDone =
      std::function<void(const grpc::Status& status, client::ToolClient::JsonResult* result)>;
  void StartCallToolJson(const mcp_oauth::tools::v1::CallToolRequest& request,
                         const nlohmann::json& arguments, absl::Time deadline,
                         const std::string& request_id,
                         const std::shared_ptr<client::Cancellation>& cancellation, JsonDone done);

  // The calls on the pool, which Shutdown ends (opaque; defined in the .cc).
  class InFlight;

 private:
  const std::shared_ptr<const ToolRegistry> registry_;
  const ToolServiceOptions options_;
  const std::shared_ptr<const RequestStateCodec> state_codec_;
  const std::unique_ptr<InFlight> in_flight_;
  // Destroyed after the pool and the timer, whose tasks may answer its
  // streams' calls.
  const std::unique_ptr<CallToolMuxStreams> mux_streams_;
  // Declared in this order so that the pool (whose tasks may use the timer)
  // is destroyed first.
  DeadlineTimer timer_;
  WorkerPool pool_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_TOOL_SERVICE_H_
