// WorkerPool: a fixed set of threads draining bounded FIFO queues ("lanes").
//
// Submit never blocks: a task whose lane is full is refused, so the caller can
// answer "busy, retry later" at once instead of queueing without end. Idle
// threads take tasks from the non-empty lanes in turn, so a flooded lane gets
// at most its share of the threads while another lane has work.
//
// AuthServiceImpl runs store work (/token, /introspect, /revoke) on one pool
// and password / client-secret hashing on another, so that a sign-in flood
// can use up only the hashing budget; ToolService runs blocking tool handlers
// on a one-lane pool.
//
// This class is thread safe. Shutdown (or the destructor) runs the tasks still
// queued, then joins the threads.
#ifndef MCP_OAUTH_COMMON_WORKER_POOL_H_
#define MCP_OAUTH_COMMON_WORKER_POOL_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace mcp_oauth {

class WorkerPool {
 public:
  // Starts max(1, threads) threads; lane i holds up to lane_capacities[i]
  // waiting tasks (tasks being run do not count).
  WorkerPool(int threads, std::vector<size_t> lane_capacities);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task` on `lane`; returns false (and drops it) when that lane is
  // full, the lane does not exist or the pool is stopping.
  bool Submit(size_t lane, std::function<void()> task);

  // Tasks waiting in `lane` (not counting those being run).
  size_t Queued(size_t lane) const;

  // Stops taking tasks, runs those still queued and joins the threads; when it
  // returns no task of this pool runs. Idempotent (a second call returns at
  // once); never from one of the pool's own tasks.
  void Shutdown();

 private:
  struct Lane {
    size_t capacity;
    std::deque<std::function<void()>> tasks;
  };

  void Run();
  bool HasWorkOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<Lane> lanes_ ABSL_GUARDED_BY(mu_);
  size_t next_lane_ ABSL_GUARDED_BY(mu_) = 0;  // where the round robin resumes
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);  // emptied by Shutdown
};

}  // namespace mcp_oauth

#endif  // MCP_OAUTH_COMMON_WORKER_POOL_H_
