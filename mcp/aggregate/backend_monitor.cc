#include "mcp/aggregate/backend_monitor.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"
#include "common/deadline_timer.h"

namespace mcp_oauth::mcp {

using mcp_oauth::tools::v1::ToolsChanged;
using mcp_oauth::tools::v1::ToolService;
using mcp_oauth::tools::v1::WatchToolsRequest;

// One WatchTools stream. Shared by the monitor (to cancel it) and by itself
// while the RPC runs.
struct BackendMonitor::Watch final : public grpc::ClientReadReactor<ToolsChanged> {
  Watch(BackendMonitor* monitor, size_t backend) : monitor(monitor), backend(backend) {}
  void Begin(std::shared_ptr<Watch> self, ToolService::StubInterface* stub) {
    self_ = std::move(self);
    stub->async()->WatchTools(&context, &request, this);
    StartRead(&event);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows with the status
    monitor->OnEvent(backend);
    StartRead(&event);
  }
  void OnDone(const grpc::Status& status) override {
    monitor->OnEnded(backend, status);
    self_.reset();  // may delete this
  }
  BackendMonitor* const monitor;
  const size_t backend;
  grpc::ClientContext context;
  WatchToolsRequest request;
  ToolsChanged event;
  std::shared_ptr<Watch> self_;
};

BackendMonitor::BackendMonitor(std::vector<std::shared_ptr<ToolService::StubInterface>> stubs,
                               Options options)
    : stubs_(std::move(stubs)),
      options_(options),
      watches_(stubs_.size()),
      backoff_(stubs_.size(), options.initial_backoff),
      timer_(std::make_unique<DeadlineTimer>()) {}

BackendMonitor::~BackendMonitor() { Shutdown(); }

void BackendMonitor::AddListener(std::shared_ptr<Listener> listener) {
  absl::MutexLock lock(&mu_);
  if (!stopping_) listeners_.push_back(std::move(listener));
}

void BackendMonitor::Start() {
  for (size_t i = 0; i < stubs_.size(); ++i) StartWatch(i);
}

void BackendMonitor::StartWatch(size_t backend) {
  std::shared_ptr<Watch> watch;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ || watches_[backend]) return;
    ++open_watches_;
    watch = std::make_shared<Watch>(this, backend);
    watches_[backend] = watch;
  }
  watch->Begin(watch, stubs_[backend].get());
}

void BackendMonitor::Restart(size_t backend) {
  std::shared_ptr<Watch> watch;
  {
    absl::MutexLock lock(&mu_);
    watch = watches_[backend];
  }
  // Outside mu_: cancelling may run OnDone on this thread.
  if (watch) watch->context.TryCancel();
}

void BackendMonitor::ResetBackoff(size_t backend) {
  absl::MutexLock lock(&mu_);
  backoff_[backend] = options_.initial_backoff;
}

void BackendMonitor::OnEvent(size_t backend) {
  std::vector<std::shared_ptr<Listener>> listeners;
  {
    absl::ReaderMutexLock lock(&mu_);
    if (stopping_) return;
    listeners = ListenersLocked();
  }
  for (auto& listener : listeners) listener->OnWatchEvent(backend);
}

void BackendMonitor::OnEnded(size_t backend, const grpc::Status& status) {
  std::vector<std::shared_ptr<Listener>> listeners;
  {
    absl::MutexLock lock(&mu_);
    watches_[backend].reset();
    if (!stopping_) {
      listeners = ListenersLocked();
      const absl::Duration delay = backoff_[backend];
      backoff_[backend] = std::min(backoff_[backend] * 2, options_.max_backoff);
      // Shutdown joins the timer's thread before `this` goes away, and
      // StartWatch does nothing once stopping.
      timer_->Schedule(absl::Now() + delay, [this, backend] { StartWatch(backend); });
    }
  }
  for (auto& listener : listeners) listener->OnWatchEnded(backend, status);
  // Last: Shutdown waits for this before the listeners and `this` go.
  absl::MutexLock lock(&mu_);
  --open_watches_;
}

void BackendMonitor::Shutdown() {
  std::vector<std::shared_ptr<Watch>> watches;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& watch : watches_) {
      if (watch) watches.push_back(watch);
    }
  }
  for (auto& watch : watches) watch->context.TryCancel();
  watches.clear();
  timer_.reset();  // joins; a reconnect still running sees stopping_
  std::vector<std::shared_ptr<Listener>> listeners;
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* open) { return *open == 0; }, &open_watches_));
    listeners.swap(listeners_);
  }
  // Dropped outside mu_: a listener's destructor may do anything.
}

}  // namespace mcp_oauth::mcp
