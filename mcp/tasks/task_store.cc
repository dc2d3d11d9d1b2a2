#include "mcp/tasks/task_store.h"

namespace mcp_oauth::mcp::tasks {

std::string_view StatusName(TaskStatus status) {
  switch (status) {
    case TaskStatus::kWorking:
      return "working";
    case TaskStatus::kInputRequired:
      return "input_required";
    case TaskStatus::kCompleted:
      return "completed";
    case TaskStatus::kFailed:
      return "failed";
    case TaskStatus::kCancelled:
      return "cancelled";
  }
  return "failed";
}

std::optional<TaskStatus> ParseStatus(std::string_view name) {
  for (TaskStatus status : {TaskStatus::kWorking, TaskStatus::kInputRequired,
                            TaskStatus::kCompleted, TaskStatus::kFailed, TaskStatus::kCancelled}) {
    if (StatusName(status) == name) return status;
  }
  return std::nullopt;
}

}  // namespace mcp_oauth::mcp::tasks
