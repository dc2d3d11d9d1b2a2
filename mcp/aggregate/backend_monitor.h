// BackendMonitor: whether each of several backends answers, and when its
// tools change, from one WatchTools stream per backend; the single piece that
// watches and reconnects for the tool, resource and prompt aggregates.
//
// Every backend serves ToolService; its WatchTools stream is its liveness
// signal for all of its services (PromptService has no watch RPC, and
// WatchResources reports contents, not the list). Each event (the first one
// says the watch is in place) is passed to the listeners; a stream that ends
// (the backend is down, or Restart) is reported and reopened after a backoff
// that doubles up to max_backoff, until ResetBackoff (a listing succeeded).
//
// This class is thread safe. Listeners are called on gRPC threads, outside
// the monitor's lock, never after Shutdown returns; the monitor keeps them
// alive until then.
#ifndef MCP_OAUTH_MCP_AGGREGATE_BACKEND_MONITOR_H_
#define MCP_OAUTH_MCP_AGGREGATE_BACKEND_MONITOR_H_

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/tools/v1/tools.grpc.pb.h"

namespace mcp_oauth {
class DeadlineTimer;
}  // namespace mcp_oauth

namespace mcp_oauth::mcp {

class BackendMonitor {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // The backend's watch delivered an event: the first after (re)connecting
    // (the backend answers), or a change of its tools.
    virtual void OnWatchEvent(size_t backend) = 0;
    // The backend's watch ended (it is down, or Restart was called); a
    // reconnect is scheduled.
    virtual void OnWatchEnded(size_t backend, const grpc::Status& status) = 0;
  };

  struct Options {
    absl::Duration initial_backoff = absl::Milliseconds(200);
    absl::Duration max_backoff = absl::Seconds(5);
  };

  BackendMonitor(
      std::vector<std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface>> stubs,
      Options options);
  ~BackendMonitor();
  BackendMonitor(const BackendMonitor&) = delete;
  BackendMonitor& operator=(const BackendMonitor&) = delete;

  // Adds a listener (typically before Start; one added later sees only the
  // events after it was added).
  void AddListener(std::shared_ptr<Listener> listener);
  // Opens every backend's watch.
  void Start();
  // Ends the backend's current watch, so that it reconnects (e.g. a listing
  // failed while the watch looked fine).
  void Restart(size_t backend);
  // The next reconnect of the backend waits initial_backoff again.
  void ResetBackoff(size_t backend);
  // Cancels the watches and pending reconnects, waits for the watches to
  // end and drops the listeners. Idempotent.
  void Shutdown();

  size_t size() const { return stubs_.size(); }

 private:
  struct Watch;

  void StartWatch(size_t backend);
  void OnEvent(size_t backend);
  void OnEnded(size_t backend, const grpc::Status& status);
  std::vector<std::shared_ptr<Listener>> ListenersLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return listeners_;
  }

  const std::vector<std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface>> stubs_;
  const Options options_;
  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<Listener>> listeners_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<Watch>> watches_ ABSL_GUARDED_BY(mu_);  // null: none open
  std::vector<absl::Duration> backoff_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int open_watches_ ABSL_GUARDED_BY(mu_) = 0;
  std::unique_ptr<DeadlineTimer> timer_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_AGGREGATE_BACKEND_MONITOR_H_
