#include "mcp/tool_event_queue.h"

#include <utility>

#include "mcp/json_struct.h"

namespace mcp_oauth::mcp {

using mcp_oauth::tools::v1::CallToolEvent;
using mcp_oauth::tools::v1::CallToolResponse;

void ToolEventQueue::Progress(double progress, double total, const std::string& message) {
  CallToolEvent event;
  auto* p = event.mutable_progress();
  p->set_progress(progress);
  p->set_total(total);
  p->set_message(message);
  Push(std::move(event));
}

void ToolEventQueue::Log(const std::string& level, const std::string& logger,
                         const nlohmann::json& data) {
  CallToolEvent event;
  auto* log = event.mutable_log();
  log->set_level(level);
  log->set_logger(logger);
  absl::StatusOr<google::protobuf::Value> value = JsonToValue(data);
  if (value.ok()) {
    *log->mutable_data() = *std::move(value);
  } else {
    log->mutable_data()->set_string_value("(log data nested too deeply)");
  }
  Push(std::move(event));
}

void ToolEventQueue::Push(CallToolEvent event) {
  absl::MutexLock lock(&mu_);
  if (finishing_ || reactor_ == nullptr) return;
  if (queue_.size() >= max_pending_) {
    ++dropped_;
    return;
  }
  queue_.push_back(std::move(event));
  if (!writing_) StartNextLocked();
}

void ToolEventQueue::Finish(const grpc::Status& status, CallToolResponse* result) {
  absl::MutexLock lock(&mu_);
  if (finishing_) return;
  finishing_ = true;
  final_status_ = status;
  if (status.ok()) {
    CallToolEvent event;
    if (result != nullptr) event.mutable_result()->Swap(result);
    queue_.push_back(std::move(event));
  } else if (writing_) {
    queue_.erase(std::next(queue_.begin()), queue_.end());  // keep the one being written
  } else {
    queue_.clear();
  }
  if (!writing_) StartNextLocked();
}

void ToolEventQueue::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  writing_ = false;
  if (!queue_.empty()) queue_.pop_front();
  if (!ok) {
    // The stream is broken (the caller went away): write nothing more. The
    // reactor's OnCancel cancels the tool.
    queue_.clear();
    if (!finishing_) {
      finishing_ = true;
      final_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "stream broken");
    }
  }
  StartNextLocked();
}

void ToolEventQueue::StartNextLocked() {
  if (reactor_ == nullptr || finish_sent_) return;
  if (!queue_.empty()) {
    writing_ = true;
    reactor_->StartWrite(&queue_.front());
    return;
  }
  if (finishing_) {
    finish_sent_ = true;
    reactor_->Finish(final_status_);
  }
}

void ToolEventQueue::Detach() {
  absl::MutexLock lock(&mu_);
  reactor_ = nullptr;
  queue_.clear();
}

size_t ToolEventQueue::dropped() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

}  // namespace mcp_oauth::mcp
