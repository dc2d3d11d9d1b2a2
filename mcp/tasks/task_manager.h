// TaskManager: the MCP tasks extension (io.modelcontextprotocol/tasks,
// SEP-2663) on the gateway side. It turns a tools/call whose tool answered
// start_task into a task: a record in the TaskStore (so any replica on the
// store answers tasks/get, tasks/update and tasks/cancel), and the tool call
// itself, run again with TASK_MODE_RUN through the ToolClient by this
// process, which records its outcome.
//
// Liveness: the process running a task holds a lease on its record and
// renews it; a working task whose lease ran out (its process died) is
// reported, and recorded, as failed, never left "working". Shutdown marks
// this process's running tasks failed at once, cancels their tool calls and
// waits (bounded) for the calls' completions.
//
// Visibility: a task belongs to the principal that created it (TaskOwner);
// for any other it does not exist (NotFound, like an unknown id).
//
// Store calls may block (SQL): they run on a small worker pool and every
// method answers through a callback, never on the caller's thread.
//
// This class is thread safe. Create it with std::make_shared. The tool
// calls' callbacks hold no reference to it: the last reference never drops
// on a gRPC thread. Call Shutdown before releasing it (or its destructor
// does).
#ifndef MCP_OAUTH_MCP_TASKS_TASK_MANAGER_H_
#define MCP_OAUTH_MCP_TASKS_TASK_MANAGER_H_

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/tool_client.h"
#include "common/worker_pool.h"
#include "mcp/tasks/task_store.h"

namespace mcp_oauth::mcp::tasks {

// The owner key of a principal's tasks.
std::string TaskOwner(const std::string& subject, const std::string& client_id);

struct TaskManagerOptions {
  absl::Duration ttl = absl::Hours(1);  // how long a task (and its result) is kept
  absl::Duration poll_interval = absl::Milliseconds(500);
  absl::Duration call_timeout = absl::Hours(1);  // of the tool call a task runs
  absl::Duration lease = absl::Seconds(30);
  absl::Duration renew_every = absl::Seconds(10);
  absl::Duration sweep_every = absl::Minutes(1);
  // A progress message is written to the record at most this often.
  absl::Duration progress_every = absl::Seconds(1);
  // How long Shutdown waits for the completions of cancelled tool calls.
  absl::Duration drain_timeout = absl::Seconds(2);
  int store_threads = 2;
  size_t max_queued = 1024;
  // The MCP tools/call result of a tool response (content, isError, ...).
  std::function<nlohmann::json(const mcp_oauth::tools::v1::CallToolResponse&)> render_result;
  // Default absl::Now.
  std::function<absl::Time()> clock;
};

class TaskManager {
 public:
  using Done = std::function<void(absl::StatusOr<nlohmann::json> result)>;

  TaskManager(std::shared_ptr<TaskStore> store, std::shared_ptr<client::ToolClient> tools,
              TaskManagerOptions options);
  ~TaskManager();
  TaskManager(const TaskManager&) = delete;
  TaskManager& operator=(const TaskManager&) = delete;

  // Starts the lease renewal and sweeping thread.
  void StartBackground();

  // Creates a working task for `call` (a tools/call whose tool answered
  // start_task) owned by `owner`, answers the CreateTaskResult once the
  // record is stored, then runs the call as the task.
  void Start(mcp_oauth::tools::v1::CallToolRequest call, std::string owner, std::string request_id,
             Done done);
  // Answers the DetailedTask of tasks/get. NotFound: unknown, expired or
  // another principal's.
  void Get(std::string id, std::string owner, Done done);
  // tasks/update: records the answers to pending input requests (unknown
  // keys are ignored); once none is pending the task runs again with them.
  // Answers the empty ack. InvalidArgument: `responses` is not an object of
  // objects.
  void Update(std::string id, std::string owner, nlohmann::json responses, Done done);
  // tasks/cancel: a task not yet finished becomes cancelled (its tool call is
  // cancelled when it runs here; elsewhere its result is discarded).
  // Answers the empty ack, also for a finished task.
  void Cancel(std::string id, std::string owner, Done done);

  // Cancels this process's running tasks and records them failed, then
  // waits (at most drain_timeout) until every tool call started here has
  // completed, so that no completion runs after it. Later calls fail with
  // Unavailable. Idempotent.
  void Shutdown();

  const std::string& runner_id() const { return runner_; }

 private:
  absl::Time Now() const { return options_.clock(); }
  // Runs `work` on the pool (inline when the pool refuses it).
  void Post(std::function<void()> work);
  // Reads `id` for `owner`: NotFound unless it exists, is not expired and is
  // theirs; a working task with a lapsed lease is recorded failed first.
  absl::StatusOr<TaskRecord> Load(const std::string& id, const std::string& owner);
  absl::StatusOr<nlohmann::json> UpdateNow(const std::string& id, const std::string& owner,
                                           const nlohmann::json& responses);
  absl::StatusOr<nlohmann::json> CancelNow(const std::string& id, const std::string& owner);
  // Tracks task `id` as running here, its call counted until Run's
  // completion; nullptr (and the task recorded failed) once shutting down.
  std::shared_ptr<client::Cancellation> Register(const std::string& id);
  // Runs the tool call of task `id` (its record says working, runner us)
  // under `cancellation` (from Register; null: nothing to do).
  void Run(const std::string& id, mcp_oauth::tools::v1::CallToolRequest call,
           const std::string& request_id, std::shared_ptr<client::Cancellation> cancellation);
  void Finish(const std::string& id, mcp_oauth::tools::v1::CallToolRequest call,
              const grpc::Status& status, const mcp_oauth::tools::v1::CallToolResponse* response);
  // Records task `id` failed if it is still working here (shutdown).
  void FailRunning(const std::string& id);
  void RecordProgress(const std::string& id, const std::string& message);
  void Background();

  // The completions of the tool calls started here (task_manager.cc):
  // shared with their callbacks, which reach the manager only through it.
  class Calls;

  const std::shared_ptr<TaskStore> store_;
  const std::shared_ptr<client::ToolClient> tools_;
  TaskManagerOptions options_;
  const std::string runner_;

  absl::Mutex mu_;
  // Task id -> the cancellation of its tool call running here.
  std::map<std::string, std::shared_ptr<client::Cancellation>> running_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  const std::shared_ptr<Calls> calls_;
  std::thread background_;
  mcp_oauth::WorkerPool pool_;  // last: drained first on destruction
};

}  // namespace mcp_oauth::mcp::tasks

#endif  // MCP_OAUTH_MCP_TASKS_TASK_MANAGER_H_
