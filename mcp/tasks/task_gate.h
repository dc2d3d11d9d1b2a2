// The ToolService's part of MCP tasks: what a CallTool does given the tool's
// task support and the request's TaskMode (proto/tools/v1/tools.proto).
#ifndef MCP_OAUTH_MCP_TASKS_TASK_GATE_H_
#define MCP_OAUTH_MCP_TASKS_TASK_GATE_H_

#include "absl/status/status.h"
#include "mcp/tool.h"
#include "proto/tools/v1/tools.pb.h"

namespace mcp_oauth::mcp::tasks {

enum class TaskGate {
  kRun,        // run the handler as usual
  kRunInTask,  // run it as a task (CallContext::InTask, the task deadline)
  kStartTask,  // do not run it: answer start_task
};

// Returns what to do, or FAILED_PRECONDITION ("Task required: ...") when the
// tool needs a task and the client did not negotiate tasks.
absl::StatusOr<TaskGate> GateTaskCall(const ToolDefinition& tool,
                                      mcp_oauth::tools::v1::TaskMode mode);

// The task_support of tools/v1 Tool: "", "optional" or "required".
const char* TaskSupportName(ToolDefinition::TaskSupport support);

}  // namespace mcp_oauth::mcp::tasks

#endif  // MCP_OAUTH_MCP_TASKS_TASK_GATE_H_
