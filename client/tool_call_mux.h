// ToolCallMux: CallTool calls multiplexed over a few long-lived
// ToolService.CallToolMux streams, the remote ToolClient's transport for
// CallTool (split mode). A unary RPC per call costs both processes a
// stream's setup, HTTP/2 HEADERS and the gRPC call stack each time; on an
// open stream a call is one message each way, correlated by an id.
//
// Semantics are the unary RPC's: each call carries its timeout (the server
// enforces it, and the call fails DEADLINE_EXCEEDED here too if no answer
// came by then), request id and caller; a Cancellation cancels that call
// only (CANCELLED here, and a cancel request to the server). A stream that
// breaks (e.g. the tool server restarted) fails its calls UNAVAILABLE and is
// replaced on the next call.
//
// Optional stream features (tools.proto) are used once the server
// advertised them: "json" carries TryCallJson's arguments and results as JSON
// text (no google.protobuf.Struct either way), and "batch" sends the calls
// that queued while a write was in flight in one message. An older server
// (or one in another language) gets plain messages.
//
// TryCall declines a call (the caller then makes the unary RPC) while a
// stream is not yet open, when a stream already has max_calls_per_stream
// calls in flight (backpressure without queueing), and for good once the
// server answered UNIMPLEMENTED (a ToolService without CallToolMux).
//
// This class is thread safe. Include only from .cc files (gRPC headers).
#ifndef MCP_OAUTH_CLIENT_TOOL_CALL_MUX_H_
#define MCP_OAUTH_CLIENT_TOOL_CALL_MUX_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/call.h"
#include "client/tool_client.h"
#include "proto/tools/v1/tools.grpc.pb.h"

namespace grpc {
class ChannelArguments;
}  // namespace grpc

namespace mcp_oauth::client {

struct ToolCallMuxOptions {
  // Streams used round robin (e.g. one per gateway IO thread).
  int streams = 2;
  size_t max_calls_per_stream = 256;
  // A stream that broke is reopened at most this often (calls go unary
  // meanwhile), so an unreachable server is not asked twice per call.
  absl::Duration reopen_interval = absl::Milliseconds(100);
};

// Sets the arguments of a channel that carries only CallToolMux streams: no
// retries (a stream is never retried; its calls fail as unary calls would)
// and the minimal call stack (the streams have no deadline; each call has).
void SetToolCallMuxChannelArguments(grpc::ChannelArguments* arguments);

class ToolCallMux {
 public:
  using CallToolRequest = mcp_oauth::tools::v1::CallToolRequest;
  using CallToolResponse = mcp_oauth::tools::v1::CallToolResponse;

  // `stub` should be on a channel of its own (SetToolCallMuxChannelArguments).
  ToolCallMux(std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> stub,
              ToolCallMuxOptions options);
  // Cancels the streams (their calls end CANCELLED) and returns once they
  // let go of this object. Do not destroy it from a call's `done`.
  ~ToolCallMux();
  ToolCallMux(const ToolCallMux&) = delete;
  ToolCallMux& operator=(const ToolCallMux&) = delete;

  // Starts the call on a stream and returns true (`done` then runs once, as
  // for a unary call; `request` may have been moved from); or returns false
  // and leaves both untouched.
  bool TryCall(const CallOptions& options, CallToolRequest& request,
               UnaryDone<CallToolResponse>& done);
  // The same for ToolClient::CallToolJson: `arguments` (a JSON object)
  // instead of request.arguments. Both are left untouched; `done` is moved
  // from only when this returns true.
  bool TryCallJson(const CallOptions& options, const CallToolRequest& request,
                   const nlohmann::json& arguments, UnaryDone<ToolClient::JsonResult>& done);

  // Whether the server answered UNIMPLEMENTED (every call goes unary).
  bool server_lacks_method() const { return unsupported_->load(std::memory_order_relaxed); }

  // One stream (defined in the .cc).
  class Stream;

 private:
  // Returns the stream of the next slot (null when none is open yet) and
  // that slot's index.
  std::shared_ptr<Stream> Pick(size_t* index);
  // Opens a new stream in slot `index` if it still holds `ended` and was
  // not (re)opened within reopen_interval.
  void Reopen(size_t index, const Stream* ended);

  const std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> stub_;
  const ToolCallMuxOptions options_;
  // Set once the server answered UNIMPLEMENTED.
  const std::shared_ptr<std::atomic<bool>> unsupported_;
  const size_t slot_count_;
  std::atomic<size_t> next_slot_{0};
  absl::Mutex mu_;
  struct Slot {
    std::shared_ptr<Stream> stream;
    absl::Time opened = absl::InfinitePast();
  };
  std::vector<Slot> slots_ ABSL_GUARDED_BY(mu_);
  // Streams replaced in their slot that may not have ended yet.
  std::vector<std::weak_ptr<Stream>> retired_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mcp_oauth::client

#endif  // MCP_OAUTH_CLIENT_TOOL_CALL_MUX_H_
