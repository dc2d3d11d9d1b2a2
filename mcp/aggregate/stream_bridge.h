// StreamBridge: serves one CallToolStream by forwarding it to a backend's
// CallToolStream. A read from the backend is kept pending while fewer than
// kMaxQueued events wait to be written to the caller (a slow caller slows the
// backend's stream instead of growing a buffer here), so the backend keeps
// streaming while a write to the caller is in flight.
//
// The backend's status ends the caller's stream. The client context should
// be a child of the server call (ClientContext::FromCallbackServerContext) so
// that the caller's deadline and cancellation reach the backend; a caller
// that goes away also cancels the backend call explicitly.
//
// Owns itself: deleted once both the server and the client side are done.
#ifndef MCP_OAUTH_MCP_AGGREGATE_STREAM_BRIDGE_H_
#define MCP_OAUTH_MCP_AGGREGATE_STREAM_BRIDGE_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "proto/tools/v1/tools.grpc.pb.h"

namespace mcp_oauth::mcp {

class StreamBridge final : public grpc::ServerWriteReactor<mcp_oauth::tools::v1::CallToolEvent>,
                           public grpc::ClientReadReactor<mcp_oauth::tools::v1::CallToolEvent> {
 public:
  // Starts the backend call; returns the reactor to hand to gRPC.
  static StreamBridge* Start(std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> stub,
                             std::unique_ptr<grpc::ClientContext> context,
                             mcp_oauth::tools::v1::CallToolStreamRequest request);

  // Server side (towards the caller).
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;
  // Client side (towards the backend).
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  StreamBridge(std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> stub,
               std::unique_ptr<grpc::ClientContext> context,
               mcp_oauth::tools::v1::CallToolStreamRequest request);
  static constexpr size_t kMaxQueued = 64;

  // Starts the next write or read, or finishes; returns true when the
  // client side's hold is to be released (outside mu_).
  bool PumpLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Deletes this once both sides are done.
  void SideDone();

  std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> stub_;
  std::unique_ptr<grpc::ClientContext> context_;
  mcp_oauth::tools::v1::CallToolStreamRequest request_;
  absl::Mutex mu_;
  mcp_oauth::tools::v1::CallToolEvent read_event_;
  mcp_oauth::tools::v1::CallToolEvent write_event_;
  std::deque<mcp_oauth::tools::v1::CallToolEvent> queue_ ABSL_GUARDED_BY(mu_);
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_over_ ABSL_GUARDED_BY(mu_) = false;  // no read will be started again
  bool hold_released_ ABSL_GUARDED_BY(mu_) = false;
  bool caller_gone_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> backend_status_ ABSL_GUARDED_BY(mu_);
  std::atomic<int> sides_left_{2};
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_AGGREGATE_STREAM_BRIDGE_H_
