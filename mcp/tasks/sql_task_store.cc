#include "mcp/tasks/sql_task_store.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace mcp_oauth::mcp::tasks {
namespace {

// Forward migrations of the mcp_tasks table, applied in order; never edit a
// published one, append. TEXT and BIGINT only, as in auth/sql_store.cc.
struct Migration {
  int version;
  std::vector<std::string> statements;
};

const std::vector<Migration>& Migrations() {
  static const auto* migrations = new std::vector<Migration>{
      {1,
       {
           "CREATE TABLE mcp_tasks ("
           " task_id TEXT PRIMARY KEY, owner TEXT NOT NULL, status TEXT NOT NULL,"
           " status_message TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,"
           " expires_at BIGINT NOT NULL, ttl_ms BIGINT NOT NULL, poll_interval_ms BIGINT NOT NULL,"
           " result TEXT NOT NULL, error TEXT NOT NULL, input_requests TEXT NOT NULL,"
           " input_responses TEXT NOT NULL, call_request TEXT NOT NULL, runner TEXT NOT NULL,"
           " lease_until BIGINT NOT NULL, version BIGINT NOT NULL)",
           "CREATE INDEX mcp_tasks_expires ON mcp_tasks (expires_at)",
           "CREATE INDEX mcp_tasks_runner ON mcp_tasks (runner)",
       }},
  };
  return *migrations;
}

constexpr char kColumns[] =
    "task_id, owner, status, status_message, created_at, updated_at, expires_at, ttl_ms,"
    " poll_interval_ms, result, error, input_requests, input_responses, call_request, runner,"
    " lease_until, version";

int64_t ToDb(absl::Time t) { return absl::ToUnixMicros(t); }
int64_t IntFromDb(const std::string& text) {
  int64_t value = 0;
  return absl::SimpleAtoi(text, &value) ? value : 0;
}
absl::Time TimeFromDb(const std::string& text) { return absl::FromUnixMicros(IntFromDb(text)); }

std::vector<auth::SqlValue> Values(const TaskRecord& r) {
  return {r.id,
          r.owner,
          std::string(StatusName(r.status)),
          r.status_message,
          ToDb(r.created_at),
          ToDb(r.updated_at),
          ToDb(r.expires_at),
          r.ttl_ms,
          r.poll_interval_ms,
          r.result,
          r.error,
          r.input_requests,
          r.input_responses,
          r.call,
          r.runner,
          ToDb(r.lease_until)};
}

absl::StatusOr<TaskRecord> FromRow(const std::vector<std::string>& row) {
  if (row.size() != 17) return absl::InternalError("mcp_tasks: unexpected row shape");
  TaskRecord r;
  r.id = row[0];
  r.owner = row[1];
  std::optional<TaskStatus> status = ParseStatus(row[2]);
  if (!status) return absl::InternalError("mcp_tasks: unknown status " + row[2]);
  r.status = *status;
  r.status_message = row[3];
  r.created_at = TimeFromDb(row[4]);
  r.updated_at = TimeFromDb(row[5]);
  r.expires_at = TimeFromDb(row[6]);
  r.ttl_ms = IntFromDb(row[7]);
  r.poll_interval_ms = IntFromDb(row[8]);
  r.result = row[9];
  r.error = row[10];
  r.input_requests = row[11];
  r.input_responses = row[12];
  r.call = row[13];
  r.runner = row[14];
  r.lease_until = TimeFromDb(row[15]);
  r.version = IntFromDb(row[16]);
  return r;
}

}  // namespace

int SqlTaskStore::LatestSchemaVersion() { return Migrations().back().version; }

absl::StatusOr<std::unique_ptr<SqlTaskStore>> SqlTaskStore::Open(std::string name,
                                                                 Connector connector,
                                                                 std::string begin_write,
                                                                 std::string migration_lock) {
  std::unique_ptr<SqlTaskStore> store(new SqlTaskStore(std::move(name), std::move(connector)));
  absl::Status migrated = store->Migrate(begin_write, migration_lock);
  if (!migrated.ok()) {
    return absl::Status(migrated.code(),
                        absl::StrCat(store->name_, " task store: ", migrated.message()));
  }
  return store;
}

absl::Status SqlTaskStore::Migrate(const std::string& begin_write,
                                   const std::string& migration_lock) {
  absl::MutexLock lock(&mu_);
  auto begun = Execute(begin_write, {});
  if (!begun.ok()) return begun.status();
  auto body = [&]() -> absl::Status {
    mu_.AssertHeld();  // Held by the caller; tells clang's thread-safety analysis.
    if (!migration_lock.empty()) {
      auto locked = connection_->Execute(migration_lock, {});
      if (!locked.ok()) return locked.status();
    }
    auto created = connection_->Execute(
        "CREATE TABLE IF NOT EXISTS mcp_task_schema_migrations (version BIGINT PRIMARY KEY,"
        " applied_at BIGINT NOT NULL)",
        {});
    if (!created.ok()) return created.status();
    auto current = connection_->Execute(
        "SELECT COALESCE(MAX(version), 0) FROM mcp_task_schema_migrations", {});
    if (!current.ok()) return current.status();
    const int found = static_cast<int>(current->rows.empty() ? 0 : IntFromDb(current->rows[0][0]));
    if (found > LatestSchemaVersion()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the task table has schema version ", found, " but this binary knows only up to ",
          LatestSchemaVersion(), " (written by a newer version?)"));
    }
    for (const Migration& migration : Migrations()) {
      if (migration.version <= found) continue;
      for (const std::string& statement : migration.statements) {
        auto done = connection_->Execute(statement, {});
        if (!done.ok()) {
          return absl::Status(done.status().code(), absl::StrCat("migration ", migration.version,
                                                                 ": ", done.status().message()));
        }
      }
      auto recorded = connection_->Execute(
          "INSERT INTO mcp_task_schema_migrations (version, applied_at) VALUES ($1, $2)",
          {int64_t{migration.version}, ToDb(absl::Now())});
      if (!recorded.ok()) return recorded.status();
    }
    return absl::OkStatus();
  };
  absl::Status status = body();
  if (status.ok()) {
    auto committed = connection_->Execute("COMMIT", {});
    if (committed.ok()) return absl::OkStatus();
    status = committed.status();
  }
  if (connection_->Healthy()) (void)connection_->Execute("ROLLBACK", {});
  return status;
}

absl::StatusOr<auth::SqlResult> SqlTaskStore::Execute(const std::string& sql,
                                                      const std::vector<auth::SqlValue>& params) {
  if (connection_ == nullptr || !connection_->Healthy()) {
    connection_.reset();
    auto connected = connector_();
    if (!connected.ok()) return absl::UnavailableError(std::string(connected.status().message()));
    connection_ = std::move(*connected);
  }
  return connection_->Execute(sql, params);
}

absl::Status SqlTaskStore::Create(const TaskRecord& record) {
  std::vector<auth::SqlValue> values = Values(record);
  values.push_back(int64_t{0});
  absl::MutexLock lock(&mu_);
  return Execute(
             absl::StrCat("INSERT INTO mcp_tasks (", kColumns,
                          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
                          " $15, $16, $17)"),
             values)
      .status();
}

absl::StatusOr<TaskRecord> SqlTaskStore::Get(const std::string& id) {
  absl::StatusOr<auth::SqlResult> found;
  {
    absl::MutexLock lock(&mu_);
    found = Execute(absl::StrCat("SELECT ", kColumns, " FROM mcp_tasks WHERE task_id = $1"), {id});
  }
  if (!found.ok()) return found.status();
  if (found->rows.empty()) return absl::NotFoundError("no such task");
  return FromRow(found->rows[0]);
}

absl::StatusOr<bool> SqlTaskStore::Update(TaskRecord* record) {
  std::vector<auth::SqlValue> values = Values(*record);
  values.push_back(record->version + 1);
  values.push_back(record->version);
  absl::StatusOr<auth::SqlResult> done;
  {
    absl::MutexLock lock(&mu_);
    done = Execute(
        "UPDATE mcp_tasks SET owner = $2, status = $3, status_message = $4, created_at = $5,"
        " updated_at = $6, expires_at = $7, ttl_ms = $8, poll_interval_ms = $9, result = $10,"
        " error = $11, input_requests = $12, input_responses = $13, call_request = $14, runner = "
        "$15,"
        " lease_until = $16, version = $17 WHERE task_id = $1 AND version = $18",
        values);
  }
  if (!done.ok()) return done.status();
  if (done->affected != 1) return false;
  ++record->version;
  return true;
}

absl::Status SqlTaskStore::RenewLeases(const std::string& runner, absl::Time until) {
  absl::MutexLock lock(&mu_);
  return Execute("UPDATE mcp_tasks SET lease_until = $1 WHERE runner = $2 AND status = 'working'",
                 {ToDb(until), runner})
      .status();
}

absl::StatusOr<int64_t> SqlTaskStore::Sweep(absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto done = Execute("DELETE FROM mcp_tasks WHERE expires_at < $1", {ToDb(now)});
  if (!done.ok()) return done.status();
  return done->affected;
}

}  // namespace mcp_oauth::mcp::tasks
