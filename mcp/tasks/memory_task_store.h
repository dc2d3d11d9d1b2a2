// MemoryTaskStore: task records in a map, for one process (tests, --store
// memory). Lost on exit. Thread safe.
#ifndef MCP_OAUTH_MCP_TASKS_MEMORY_TASK_STORE_H_
#define MCP_OAUTH_MCP_TASKS_MEMORY_TASK_STORE_H_

#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "mcp/tasks/task_store.h"

namespace mcp_oauth::mcp::tasks {

class MemoryTaskStore final : public TaskStore {
 public:
  absl::Status Create(const TaskRecord& record) override;
  absl::StatusOr<TaskRecord> Get(const std::string& id) override;
  absl::StatusOr<bool> Update(TaskRecord* record) override;
  absl::Status RenewLeases(const std::string& runner, absl::Time until) override;
  absl::StatusOr<int64_t> Sweep(absl::Time now) override;

 private:
  absl::Mutex mu_;
  std::map<std::string, TaskRecord> records_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mcp_oauth::mcp::tasks

#endif  // MCP_OAUTH_MCP_TASKS_MEMORY_TASK_STORE_H_
