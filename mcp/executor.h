// Execution helpers for the tool service: a bounded worker pool for tool
// handlers (which may block) and a single-threaded deadline timer.
#ifndef MCP_OAUTH_MCP_EXECUTOR_H_
#define MCP_OAUTH_MCP_EXECUTOR_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace mcp_oauth::mcp {

// A fixed set of threads draining a bounded FIFO queue. Thread safe. The
// destructor stops accepting work, runs what is already queued and joins.
class WorkerPool {
 public:
  WorkerPool(int num_threads, size_t max_queued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; returns false (and drops it) when the queue is full or the
  // pool is shutting down.
  bool TrySchedule(std::function<void()> task);

 private:
  void Loop();

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

// Runs callbacks at (or shortly after) given times on one background thread.
// Callbacks must be quick. Thread safe. The destructor drops pending callbacks.
class DeadlineTimer {
 public:
  DeadlineTimer();
  ~DeadlineTimer();
  DeadlineTimer(const DeadlineTimer&) = delete;
  DeadlineTimer& operator=(const DeadlineTimer&) = delete;

  // Schedules `callback` at `when`; returns an id for Cancel.
  uint64_t Schedule(absl::Time when, std::function<void()> callback);
  // Removes a pending callback; a no-op if it already ran or is running.
  void Cancel(uint64_t id);

 private:
  void Loop();

  absl::Mutex mu_;
  // (when, id) -> callback
  std::map<std::pair<absl::Time, uint64_t>, std::function<void()>> pending_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, absl::Time> when_by_id_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_EXECUTOR_H_
