// TaskStore: where the records of MCP tasks (the io.modelcontextprotocol/tasks
// extension) live, so that any gateway replica sharing the store answers for
// any task and a finished result survives a restart.
//
// Backends: MemoryTaskStore (one process, lost on exit) and SqlTaskStore
// (SQLite or PostgreSQL, in the database the token store uses). Updates are
// compare-and-set on a per-record version, so concurrent writers (a finishing
// tool, tasks/cancel, tasks/update on another replica) never overwrite each
// other unseen.
//
// Implementations are thread safe.
#ifndef MCP_OAUTH_MCP_TASKS_TASK_STORE_H_
#define MCP_OAUTH_MCP_TASKS_TASK_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace mcp_oauth::mcp::tasks {

enum class TaskStatus { kWorking, kInputRequired, kCompleted, kFailed, kCancelled };

// The wire name ("working", "input_required", ...).
std::string_view StatusName(TaskStatus status);
std::optional<TaskStatus> ParseStatus(std::string_view name);
inline bool IsTerminal(TaskStatus status) {
  return status == TaskStatus::kCompleted || status == TaskStatus::kFailed ||
         status == TaskStatus::kCancelled;
}

struct TaskRecord {
  std::string id;     // random, unguessable
  std::string owner;  // the principal that created it (see TaskOwner)
  TaskStatus status = TaskStatus::kWorking;
  std::string status_message;  // latest progress message, may be empty
  absl::Time created_at = absl::UnixEpoch();
  absl::Time updated_at = absl::UnixEpoch();
  absl::Time expires_at = absl::UnixEpoch();  // created_at + ttl: gone after
  int64_t ttl_ms = 0;
  int64_t poll_interval_ms = 0;
  std::string result;           // JSON CallToolResult, when completed
  std::string error;            // JSON {code, message[, data]}, when failed
  std::string input_requests;   // JSON object of pending requests, when input_required
  std::string input_responses;  // JSON object: the answers gathered so far
  std::string call;             // opaque: what to run (again), see TaskRunner
  std::string runner;           // the process running it; "" when none
  absl::Time lease_until = absl::UnixEpoch();  // the runner renews it while alive
  int64_t version = 0;                         // bumped by every Update
};

class TaskStore {
 public:
  virtual ~TaskStore() = default;

  // Stores a new record (version 0). AlreadyExists when the id is taken;
  // Unavailable when the backend cannot be reached.
  virtual absl::Status Create(const TaskRecord& record) = 0;
  // The record `id`, expired or not; NotFound when there is none.
  virtual absl::StatusOr<TaskRecord> Get(const std::string& id) = 0;
  // Replaces the stored record when its version still equals
  // `record->version`, then increments `record->version`. Returns false (and
  // changes nothing) when the record changed meanwhile or is gone.
  virtual absl::StatusOr<bool> Update(TaskRecord* record) = 0;
  // Moves lease_until to `until` on every working record of `runner`.
  virtual absl::Status RenewLeases(const std::string& runner, absl::Time until) = 0;
  // Deletes the records that expired before `now`; returns how many.
  virtual absl::StatusOr<int64_t> Sweep(absl::Time now) = 0;
};

}  // namespace mcp_oauth::mcp::tasks

#endif  // MCP_OAUTH_MCP_TASKS_TASK_STORE_H_
