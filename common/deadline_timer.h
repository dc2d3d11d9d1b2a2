// DeadlineTimer: call deadlines of the in-process service clients and the
// tool service, and the aggregate's backend probes, on one background thread.
#ifndef MCP_OAUTH_COMMON_DEADLINE_TIMER_H_
#define MCP_OAUTH_COMMON_DEADLINE_TIMER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace mcp_oauth {

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

}  // namespace mcp_oauth

#endif  // MCP_OAUTH_COMMON_DEADLINE_TIMER_H_
