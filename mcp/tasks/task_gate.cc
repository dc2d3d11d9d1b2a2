#include "mcp/tasks/task_gate.h"

#include "absl/strings/str_cat.h"

namespace mcp_oauth::mcp::tasks {

using mcp_oauth::tools::v1::TaskMode;

absl::StatusOr<TaskGate> GateTaskCall(const ToolDefinition& tool, TaskMode mode) {
  if (tool.task_support == ToolDefinition::TaskSupport::kNone) return TaskGate::kRun;
  switch (mode) {
    case mcp_oauth::tools::v1::TASK_MODE_RUN:
      return TaskGate::kRunInTask;
    case mcp_oauth::tools::v1::TASK_MODE_ALLOWED:
      return tool.decides_task ? TaskGate::kRun : TaskGate::kStartTask;
    default:
      if (tool.task_support == ToolDefinition::TaskSupport::kRequired) {
        return absl::FailedPreconditionError(
            absl::StrCat("Task required: tool '", tool.name, "' runs only as a task"));
      }
      return TaskGate::kRun;
  }
}

const char* TaskSupportName(ToolDefinition::TaskSupport support) {
  switch (support) {
    case ToolDefinition::TaskSupport::kOptional:
      return "optional";
    case ToolDefinition::TaskSupport::kRequired:
      return "required";
    default:
      return "";
  }
}

}  // namespace mcp_oauth::mcp::tasks
