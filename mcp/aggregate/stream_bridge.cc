#include "mcp/aggregate/stream_bridge.h"

#include <utility>

namespace mcp_oauth::mcp {

using mcp_oauth::tools::v1::CallToolStreamRequest;
using mcp_oauth::tools::v1::ToolService;

StreamBridge* StreamBridge::Start(std::shared_ptr<ToolService::StubInterface> stub,
                                  std::unique_ptr<grpc::ClientContext> context,
                                  CallToolStreamRequest request) {
  auto* bridge = new StreamBridge(std::move(stub), std::move(context), std::move(request));
  bridge->stub_->async()->CallToolStream(bridge->context_.get(), &bridge->request_, bridge);
  // Reads are also started from the server side's OnWriteDone, outside the
  // client reactions: the hold keeps the client side from finishing until
  // reading is over.
  bridge->AddHold();
  {
    absl::MutexLock lock(&bridge->mu_);
    bridge->reading_ = true;
  }
  bridge->StartRead(&bridge->read_event_);
  bridge->StartCall();
  return bridge;
}

StreamBridge::StreamBridge(std::shared_ptr<ToolService::StubInterface> stub,
                           std::unique_ptr<grpc::ClientContext> context,
                           CallToolStreamRequest request)
    : stub_(std::move(stub)), context_(std::move(context)), request_(std::move(request)) {}

bool StreamBridge::PumpLocked() {
  if (!writing_ && !caller_gone_ && !queue_.empty()) {
    write_event_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    StartWrite(&write_event_);
  }
  if (!reading_ && !reads_over_ && !caller_gone_ && queue_.size() < kMaxQueued) {
    reading_ = true;
    StartRead(&read_event_);
  }
  if (!reading_ && !reads_over_ && caller_gone_) reads_over_ = true;
  if (backend_status_ && !finished_ && !writing_ && (queue_.empty() || caller_gone_)) {
    finished_ = true;
    Finish(*backend_status_);
  }
  if (reads_over_ && !hold_released_) {
    hold_released_ = true;
    return true;
  }
  return false;
}

void StreamBridge::OnReadDone(bool ok) {
  bool release;
  {
    absl::MutexLock lock(&mu_);
    reading_ = false;
    if (ok) {
      queue_.push_back(std::move(read_event_));
    } else {
      reads_over_ = true;  // OnDone(status) follows
    }
    release = PumpLocked();
  }
  if (release) RemoveHold();
}

void StreamBridge::OnWriteDone(bool ok) {
  bool release;
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      caller_gone_ = true;
      context_->TryCancel();  // the backend's OnDone(status) finishes
    }
    release = PumpLocked();
  }
  if (release) RemoveHold();
}

void StreamBridge::OnCancel() { context_->TryCancel(); }

void StreamBridge::OnDone(const grpc::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    backend_status_ = status;
    PumpLocked();
  }
  SideDone();
}

void StreamBridge::OnDone() { SideDone(); }

void StreamBridge::SideDone() {
  if (sides_left_.fetch_sub(1) == 1) delete this;
}

}  // namespace mcp_oauth::mcp
