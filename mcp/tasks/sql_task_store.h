// SqlTaskStore: task records in a table (mcp_tasks) of the SQLite file or
// PostgreSQL database that the token store uses, so that every gateway
// replica on that database answers for every task and results survive
// restarts.
//
// The table has its own schema version (mcp_task_schema_migrations), applied
// by Open like the token store's migrations and refused when newer than this
// binary. Every operation is one statement (Update is a compare-and-set on
// the version column), so no transaction spans a round trip.
//
// Thread safe: one connection, used under a mutex and replaced when it
// breaks (task traffic is a few statements per task, not per request).
#ifndef MCP_OAUTH_MCP_TASKS_SQL_TASK_STORE_H_
#define MCP_OAUTH_MCP_TASKS_SQL_TASK_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "auth/sql_store.h"
#include "mcp/tasks/task_store.h"

namespace mcp_oauth::mcp::tasks {

class SqlTaskStore final : public TaskStore {
 public:
  using Connector = std::function<absl::StatusOr<std::unique_ptr<auth::SqlConnection>>()>;

  // Connects, applies the missing migrations (`migration_lock`, if not
  // empty, serialises instances starting together) and returns the store.
  static absl::StatusOr<std::unique_ptr<SqlTaskStore>> Open(std::string name, Connector connector,
                                                            std::string begin_write,
                                                            std::string migration_lock);
  // The schema version this binary writes.
  static int LatestSchemaVersion();

  absl::Status Create(const TaskRecord& record) override;
  absl::StatusOr<TaskRecord> Get(const std::string& id) override;
  absl::StatusOr<bool> Update(TaskRecord* record) override;
  absl::Status RenewLeases(const std::string& runner, absl::Time until) override;
  absl::StatusOr<int64_t> Sweep(absl::Time now) override;

 private:
  SqlTaskStore(std::string name, Connector connector)
      : name_(std::move(name)), connector_(std::move(connector)) {}
  absl::Status Migrate(const std::string& begin_write, const std::string& migration_lock);
  // Runs one statement, reconnecting first when the connection is gone.
  absl::StatusOr<auth::SqlResult> Execute(const std::string& sql,
                                          const std::vector<auth::SqlValue>& params)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string name_;
  const Connector connector_;
  absl::Mutex mu_;
  std::unique_ptr<auth::SqlConnection> connection_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mcp_oauth::mcp::tasks

#endif  // MCP_OAUTH_MCP_TASKS_SQL_TASK_STORE_H_
