#include "client/call.h"

#include <utility>

#include "common/metrics.h"

namespace mcp_oauth::client {

void Cancellation::Cancel() {
  std::function<void()> hook;
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_) return;
    cancelled_ = true;
    hook = std::move(hook_);
    hook_ = nullptr;
  }
  if (hook) hook();
}

bool Cancellation::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

void Cancellation::SetHook(std::function<void()> hook) {
  {
    absl::MutexLock lock(&mu_);
    if (!cancelled_) {
      hook_ = std::move(hook);
      return;
    }
  }
  if (hook) hook();
}

void ObserveCall(const char* method, absl::Time started) {
  metrics::GrpcClientLatency().WithLabels({method}).Observe(
      absl::ToDoubleSeconds(absl::Now() - started));
}

}  // namespace mcp_oauth::client
