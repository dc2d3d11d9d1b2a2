// Opens the TaskStore for a --store specification (the same specs as the
// token store, auth/store_factory.h): "memory", "sqlite:PATH",
// "postgres://..." / "postgresql://...". The SQL stores keep their table in
// that same database.
#ifndef MCP_OAUTH_MCP_TASKS_TASK_STORE_FACTORY_H_
#define MCP_OAUTH_MCP_TASKS_TASK_STORE_FACTORY_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "mcp/tasks/task_store.h"

namespace mcp_oauth::mcp::tasks {

absl::StatusOr<std::shared_ptr<TaskStore>> OpenTaskStore(std::string_view spec);

}  // namespace mcp_oauth::mcp::tasks

#endif  // MCP_OAUTH_MCP_TASKS_TASK_STORE_FACTORY_H_
