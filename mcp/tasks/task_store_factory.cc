#include "mcp/tasks/task_store_factory.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "auth/postgres_store.h"
#include "auth/sqlite_store.h"
#include "auth/store_factory.h"
#include "mcp/tasks/memory_task_store.h"
#include "mcp/tasks/sql_task_store.h"

namespace mcp_oauth::mcp::tasks {

absl::StatusOr<std::shared_ptr<TaskStore>> OpenTaskStore(std::string_view spec_view) {
  std::string spec(spec_view);
  if (spec == "memory") return std::make_shared<MemoryTaskStore>();
  if (absl::StartsWith(spec, "sqlite:")) {
    std::string path = spec.substr(7);
    if (path.empty()) return absl::InvalidArgumentError("--store=sqlite:PATH needs a path");
    auto store = SqlTaskStore::Open(
        "SQLite", [path] { return auth::ConnectSqlite(path); }, "BEGIN IMMEDIATE", "");
    if (!store.ok()) return store.status();
    return std::shared_ptr<TaskStore>(std::move(*store));
  }
  if (absl::StartsWith(spec, "postgres://") || absl::StartsWith(spec, "postgresql://")) {
    const std::string& url = spec;
    auto store = SqlTaskStore::Open(
        "PostgreSQL", [url] { return auth::ConnectPostgres(url); }, "BEGIN",
        "SELECT pg_advisory_xact_lock(7305202)");
    if (!store.ok()) return store.status();
    return std::shared_ptr<TaskStore>(std::move(*store));
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown task store '",
                                                 auth::DescribeStoreSpec(spec),
                                                 "' (memory, sqlite:PATH or postgres://...)"));
}

}  // namespace mcp_oauth::mcp::tasks
