#include "common/worker_pool.h"

#include <algorithm>
#include <utility>

namespace mcp_oauth {

WorkerPool::WorkerPool(int threads, std::vector<size_t> lane_capacities) {
  absl::MutexLock lock(&mu_);
  for (size_t capacity : lane_capacities) lanes_.push_back(Lane{capacity, {}});
  for (int i = 0; i < std::max(1, threads); ++i) {
    threads_.emplace_back([this] { Run(); });
  }
}

WorkerPool::~WorkerPool() { Shutdown(); }

void WorkerPool::Shutdown() {
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    threads.swap(threads_);
  }
  for (std::thread& t : threads) t.join();
}

bool WorkerPool::Submit(size_t lane, std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  if (stopping_ || lane >= lanes_.size()) return false;
  Lane& l = lanes_[lane];
  if (l.tasks.size() >= l.capacity) return false;
  l.tasks.push_back(std::move(task));
  return true;
}

size_t WorkerPool::Queued(size_t lane) const {
  absl::MutexLock lock(&mu_);
  return lane < lanes_.size() ? lanes_[lane].tasks.size() : 0;
}

bool WorkerPool::HasWorkOrStopping() const {
  if (stopping_) return true;
  for (const Lane& l : lanes_) {
    if (!l.tasks.empty()) return true;
  }
  return false;
}

void WorkerPool::Run() {
  while (true) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &WorkerPool::HasWorkOrStopping));
      // Round robin: the first non-empty lane from where the last pick left off.
      for (size_t i = 0; i < lanes_.size() && !task; ++i) {
        size_t index = (next_lane_ + i) % lanes_.size();
        Lane& l = lanes_[index];
        if (l.tasks.empty()) continue;
        task = std::move(l.tasks.front());
        l.tasks.pop_front();
        next_lane_ = (index + 1) % lanes_.size();
      }
      if (!task) return;  // stopping, and drained
    }
    task();
  }
}

}  // namespace mcp_oauth
