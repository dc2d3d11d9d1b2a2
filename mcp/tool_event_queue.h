// ToolEventQueue: the write side of one CallToolStream RPC. Tools report
// progress and log messages through it (it is their CallReporter) from any
// thread; it writes the events to the stream one at a time (gRPC allows one
// outstanding write), then the result, then finishes the RPC.
//
// Bounded: while the client reads slowly, at most `max_pending` progress/log
// events wait; further ones are dropped (a tool must never block on its
// reader). The result is never dropped.
//
// This class is thread safe. The reactor calls OnWriteDone for every write it
// started and Detach from OnDone; after Detach nothing touches the reactor.
#ifndef MCP_OAUTH_MCP_TOOL_EVENT_QUEUE_H_
#define MCP_OAUTH_MCP_TOOL_EVENT_QUEUE_H_

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <deque>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "mcp/tool.h"
#include "proto/tools/v1/tools.pb.h"

namespace mcp_oauth::mcp {

class ToolEventQueue final : public CallReporter {
 public:
  using Reactor = grpc::ServerWriteReactor<mcp_oauth::tools::v1::CallToolEvent>;

  ToolEventQueue(Reactor* reactor, size_t max_pending)
      : reactor_(reactor), max_pending_(max_pending) {}

  void Progress(double progress, double total, const std::string& message) override;
  void Log(const std::string& level, const std::string& logger,
           const nlohmann::json& data) override;

  // Ends the stream: with OK, after writing `result` (and what is queued
  // before it); otherwise with `status` once the write in progress is done.
  // Only the first call counts.
  void Finish(const grpc::Status& status, mcp_oauth::tools::v1::CallToolResponse* result);

  // The reactor's OnWriteDone.
  void OnWriteDone(bool ok);
  // The reactor's OnDone: the reactor is gone.
  void Detach();

  // Events dropped because the queue was full (for tests).
  size_t dropped() const;

 private:
  void Push(mcp_oauth::tools::v1::CallToolEvent event);
  // Starts the next write, or the Finish once everything is written.
  void StartNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  Reactor* reactor_ ABSL_GUARDED_BY(mu_);
  const size_t max_pending_;
  // The front element is being written while `writing_`; deque keeps it in
  // place while others are appended.
  std::deque<mcp_oauth::tools::v1::CallToolEvent> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;  // no events after this
  bool finish_sent_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
  size_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_TOOL_EVENT_QUEUE_H_
