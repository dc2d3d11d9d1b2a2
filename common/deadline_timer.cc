#include "common/deadline_timer.h"

#include "absl/time/clock.h"

namespace mcp_oauth {

DeadlineTimer::DeadlineTimer() : thread_([this] { Loop(); }) {}

DeadlineTimer::~DeadlineTimer() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

uint64_t DeadlineTimer::Schedule(absl::Time when, std::function<void()> callback) {
  absl::MutexLock lock(&mu_);
  const uint64_t id = next_id_++;
  pending_.emplace(std::make_pair(when, id), std::move(callback));
  when_by_id_[id] = when;
  return id;
}

void DeadlineTimer::Cancel(uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = when_by_id_.find(id);
  if (it == when_by_id_.end()) return;
  pending_.erase(std::make_pair(it->second, id));
  when_by_id_.erase(it);
}

void DeadlineTimer::Loop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    if (pending_.empty()) {
      mu_.Await(absl::Condition(
          +[](DeadlineTimer* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(t->mu_) {
            return t->stopping_ || !t->pending_.empty();
          },
          this));
      continue;
    }
    auto first = pending_.begin();
    const absl::Time when = first->first.first;
    if (absl::Now() < when) {
      // Wakes early when something earlier is scheduled or on shutdown.
      struct Args {
        DeadlineTimer* timer;
        std::pair<absl::Time, uint64_t> first_key;
      } args{this, first->first};
      mu_.AwaitWithDeadline(absl::Condition(
                                +[](Args* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                  return a->timer->stopping_ || a->timer->pending_.empty() ||
                                         a->timer->pending_.begin()->first != a->first_key;
                                },
                                &args),
                            when);
      continue;
    }
    std::function<void()> callback = std::move(first->second);
    when_by_id_.erase(first->first.second);
    pending_.erase(first);
    mu_.Unlock();
    callback();
    mu_.Lock();
  }
}

}  // namespace mcp_oauth
