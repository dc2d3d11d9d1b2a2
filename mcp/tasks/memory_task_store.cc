#include "mcp/tasks/memory_task_store.h"

namespace mcp_oauth::mcp::tasks {

absl::Status MemoryTaskStore::Create(const TaskRecord& record) {
  absl::MutexLock lock(&mu_);
  TaskRecord stored = record;
  stored.version = 0;
  if (!records_.emplace(record.id, std::move(stored)).second) {
    return absl::AlreadyExistsError("task id already exists");
  }
  return absl::OkStatus();
}

absl::StatusOr<TaskRecord> MemoryTaskStore::Get(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = records_.find(id);
  if (it == records_.end()) return absl::NotFoundError("no such task");
  return it->second;
}

absl::StatusOr<bool> MemoryTaskStore::Update(TaskRecord* record) {
  absl::MutexLock lock(&mu_);
  auto it = records_.find(record->id);
  if (it == records_.end() || it->second.version != record->version) return false;
  ++record->version;
  it->second = *record;
  return true;
}

absl::Status MemoryTaskStore::RenewLeases(const std::string& runner, absl::Time until) {
  absl::MutexLock lock(&mu_);
  for (auto& [id, record] : records_) {
    // The lease is not part of what Update compares: no version bump, so a
    // renewal never makes a concurrent writer retry.
    if (record.runner == runner && record.status == TaskStatus::kWorking)
      record.lease_until = until;
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> MemoryTaskStore::Sweep(absl::Time now) {
  absl::MutexLock lock(&mu_);
  int64_t removed = 0;
  for (auto it = records_.begin(); it != records_.end();) {
    if (it->second.expires_at < now) {
      it = records_.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

}  // namespace mcp_oauth::mcp::tasks
