#include "mcp/tasks/task_manager.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/crypto.h"
#include "common/log.h"
#include "mcp/json_struct.h"

namespace mcp_oauth::mcp::tasks {
namespace {

using mcp_oauth::tools::v1::CallToolRequest;
using mcp_oauth::tools::v1::CallToolResponse;
using nlohmann::json;

// JSON-RPC codes of a failed task's `error`.
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;

constexpr int kMaxCasAttempts = 8;

std::string Iso8601(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::string EncodeCall(const CallToolRequest& call) {
  return crypto::Base64UrlEncode(call.SerializeAsString());
}

absl::StatusOr<CallToolRequest> DecodeCall(const std::string& text) {
  absl::StatusOr<std::string> raw = crypto::Base64UrlDecode(text);
  CallToolRequest call;
  if (!raw.ok() || !call.ParseFromString(*raw))
    return absl::InternalError("task record: unreadable call");
  return call;
}

json ParseOr(const std::string& text, json fallback) {
  if (text.empty()) return fallback;
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? fallback : parsed;
}

// The Task fields of CreateTaskResult and tasks/get.
json TaskJson(const TaskRecord& r) {
  json out = {{"taskId", r.id},
              {"status", std::string(StatusName(r.status))},
              {"createdAt", Iso8601(r.created_at)},
              {"lastUpdatedAt", Iso8601(r.updated_at)},
              {"ttlMs", r.ttl_ms},
              {"pollIntervalMs", r.poll_interval_ms}};
  if (!r.status_message.empty()) out["statusMessage"] = r.status_message;
  return out;
}

// tasks/get: the Task plus its result, error or pending input requests.
json DetailedTaskJson(const TaskRecord& r) {
  json out = TaskJson(r);
  out["resultType"] = "complete";
  switch (r.status) {
    case TaskStatus::kCompleted:
      out["result"] = ParseOr(r.result, json::object());
      break;
    case TaskStatus::kFailed:
      out["error"] =
          ParseOr(r.error, json{{"code", kInternalError}, {"message", "Internal error"}});
      break;
    case TaskStatus::kInputRequired:
      out["inputRequests"] = ParseOr(r.input_requests, json::object());
      break;
    default:
      break;
  }
  return out;
}

json Ack() { return json{{"resultType", "complete"}}; }

json ErrorJson(int code, const std::string& message) {
  return json{{"code", code}, {"message", message}};
}

// The JSON-RPC error a failed task reports for its tool call's status.
json ErrorForStatus(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
      return ErrorJson(kInvalidParams, "Invalid params: the tool no longer exists");
    case grpc::StatusCode::INVALID_ARGUMENT:
      return ErrorJson(kInvalidParams, "Invalid params: invalid or expired input state");
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return ErrorJson(kInternalError, "Internal error: the task exceeded its time limit");
    case grpc::StatusCode::CANCELLED:
      return ErrorJson(kInternalError, "Internal error: the server running this task stopped");
    default:
      return ErrorJson(kInternalError, "Internal error: the tool failed");
  }
}

json InputRequestsJson(const mcp_oauth::tools::v1::InputRequired& required) {
  json requests = json::object();
  for (const auto& [key, request] : required.input_requests()) {
    requests[key] = {{"method", request.method()}, {"params", StructToJson(request.params())}};
  }
  return requests;
}

}  // namespace

// Counts the tool calls whose completion has not run yet (Shutdown waits
// for none to be left) and hands their callbacks the manager until it is
// destroyed. A callback never holds a reference to the manager, so the
// manager is always destroyed by its owner, never on a gRPC thread.
class TaskManager::Calls {
 public:
  explicit Calls(TaskManager* manager) : manager_(manager) {}

  void Started() {
    absl::MutexLock lock(&mu_);
    ++live_;
  }
  // Runs `fn(manager)` unless the manager is gone (under the lock: the
  // destructor waits for it).
  template <typename Fn>
  void With(Fn fn) {
    absl::MutexLock lock(&mu_);
    if (manager_ != nullptr) fn(*manager_);
  }
  // The completion of a call started here has run.
  void Ended() {
    absl::MutexLock lock(&mu_);
    --live_;
  }
  // Returns false when calls were still running after `timeout`.
  bool WaitForNone(absl::Duration timeout) {
    auto none = [](int* live) { return *live == 0; };
    const bool drained = mu_.LockWhenWithTimeout(absl::Condition(+none, &live_), timeout);
    mu_.Unlock();
    return drained;
  }
  void Detach() {
    absl::MutexLock lock(&mu_);
    manager_ = nullptr;
  }

 private:
  absl::Mutex mu_;
  TaskManager* manager_ ABSL_GUARDED_BY(mu_);
  int live_ ABSL_GUARDED_BY(mu_) = 0;
};

std::string TaskOwner(const std::string& subject, const std::string& client_id) {
  // A separator that appears in neither (both are printable token claims).
  return absl::StrCat(subject, "\n", client_id);
}

TaskManager::TaskManager(std::shared_ptr<TaskStore> store,
                         std::shared_ptr<client::ToolClient> tools, TaskManagerOptions options)
    : store_(std::move(store)),
      tools_(std::move(tools)),
      options_(std::move(options)),
      runner_(crypto::RandomToken(16)),
      calls_(std::make_shared<Calls>(this)),
      pool_(options_.store_threads, {options_.max_queued}) {
  if (!options_.clock) options_.clock = [] { return absl::Now(); };
}

TaskManager::~TaskManager() {
  Shutdown();
  calls_->Detach();  // a completion after a timed-out drain does nothing
  if (background_.joinable()) background_.join();
}

void TaskManager::StartBackground() {
  background_ = std::thread([this] { Background(); });
}

void TaskManager::Background() {
  absl::Time next_sweep = absl::Now() + options_.sweep_every;
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.renew_every);
    if (stopping_) break;
    mu_.Unlock();
    if (absl::Status s = store_->RenewLeases(runner_, Now() + options_.lease); !s.ok()) {
      log::Warning(absl::StrCat("tasks: renewing leases failed: ", s.message()));
    }
    if (absl::Now() >= next_sweep) {
      next_sweep = absl::Now() + options_.sweep_every;
      (void)store_->Sweep(Now());
    }
    mu_.Lock();
  }
}

// Pool work captures `this` only (never a strong reference): the pool is
// drained in the destructor, which therefore never runs on a pool thread.
void TaskManager::Post(std::function<void()> work) {
  auto shared = std::make_shared<std::function<void()>>(std::move(work));
  if (!pool_.Submit(0, [shared] { (*shared)(); })) (*shared)();
}

void TaskManager::Start(CallToolRequest call, std::string owner, std::string request_id,
                        Done done) {
  Post([self = this, call = std::move(call), owner = std::move(owner),
        request_id = std::move(request_id), done = std::move(done)]() mutable {
    {
      absl::MutexLock lock(&self->mu_);
      if (self->stopping_) {
        done(absl::UnavailableError("shutting down"));
        return;
      }
    }
    call.set_task_mode(mcp_oauth::tools::v1::TASK_MODE_RUN);
    const absl::Time now = self->Now();
    TaskRecord r;
    r.id = crypto::RandomToken(24);
    r.owner = owner;
    r.status = TaskStatus::kWorking;
    r.created_at = r.updated_at = now;
    r.expires_at = now + self->options_.ttl;
    r.ttl_ms = absl::ToInt64Milliseconds(self->options_.ttl);
    r.poll_interval_ms = absl::ToInt64Milliseconds(self->options_.poll_interval);
    r.input_responses = "{}";
    r.call = EncodeCall(call);
    r.runner = self->runner_;
    r.lease_until = now + self->options_.lease;
    if (absl::Status s = self->store_->Create(r); !s.ok()) {
      done(s);
      return;
    }
    // Durably created: a tasks/get right after this answer finds it.
    // Registered before answering, so that a Shutdown from now on sees it.
    std::shared_ptr<client::Cancellation> cancellation = self->Register(r.id);
    json created = TaskJson(r);
    created["resultType"] = "task";
    done(std::move(created));
    self->Run(r.id, std::move(call), request_id, std::move(cancellation));
  });
}

std::shared_ptr<client::Cancellation> TaskManager::Register(const std::string& id) {
  auto cancellation = std::make_shared<client::Cancellation>();
  // Counted before the stopping check: a Shutdown from here on waits for
  // this call (Run's completion ends it), even before Run has started it.
  calls_->Started();
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      running_[id] = cancellation;
      return cancellation;
    }
  }
  calls_->Ended();
  FailRunning(id);
  return nullptr;
}

void TaskManager::Run(const std::string& id, CallToolRequest call, const std::string& request_id,
                      std::shared_ptr<client::Cancellation> cancellation) {
  if (cancellation == nullptr) return;
  client::CallOptions options;
  options.request_id = request_id;
  options.timeout = options_.call_timeout;
  options.cancellation = cancellation;
  mcp_oauth::tools::v1::CallToolStreamRequest stream;
  *stream.mutable_call() = call;
  stream.set_progress(true);
  auto last_progress = std::make_shared<absl::Time>(absl::InfinitePast());
  auto progress_mu = std::make_shared<absl::Mutex>();
  tools_->CallToolStream(
      options, stream,
      [calls = calls_, id, last_progress, progress_mu,
       progress_every = options_.progress_every](const mcp_oauth::tools::v1::CallToolEvent& event) {
        if (!event.has_progress()) return;
        {
          absl::MutexLock lock(progress_mu.get());
          const absl::Time now = absl::Now();
          if (now - *last_progress < progress_every) return;
          *last_progress = now;
        }
        const auto& p = event.progress();
        std::string message = p.message();
        if (message.empty()) {
          message = p.total() > 0 ? absl::StrCat(p.progress(), "/", p.total())
                                  : absl::StrCat(p.progress());
        }
        calls->With([&](TaskManager& manager) {
          manager.Post([manager = &manager, id, message] { manager->RecordProgress(id, message); });
        });
      },
      [calls = calls_, id, call = std::move(call)](const grpc::Status& status,
                                                   CallToolResponse* result) mutable {
        auto response = std::make_shared<CallToolResponse>();
        if (result != nullptr) response->Swap(result);
        calls->With([&](TaskManager& manager) {
          manager.Post([manager = &manager, id, call = std::move(call), status,
                        response]() mutable {
            manager->Finish(id, std::move(call), status, status.ok() ? response.get() : nullptr);
          });
        });
        calls->Ended();
      });
}

void TaskManager::RecordProgress(const std::string& id, const std::string& message) {
  for (int attempt = 0; attempt < kMaxCasAttempts; ++attempt) {
    absl::StatusOr<TaskRecord> r = store_->Get(id);
    if (!r.ok() || r->status != TaskStatus::kWorking || r->runner != runner_) return;
    r->status_message = message;
    absl::StatusOr<bool> updated = store_->Update(&*r);
    if (!updated.ok() || *updated) return;
  }
}

void TaskManager::Finish(const std::string& id, CallToolRequest call, const grpc::Status& status,
                         const CallToolResponse* response) {
  {
    absl::MutexLock lock(&mu_);
    running_.erase(id);
  }
  for (int attempt = 0; attempt < kMaxCasAttempts; ++attempt) {
    absl::StatusOr<TaskRecord> r = store_->Get(id);
    // Cancelled, or declared failed (shutdown, lapsed lease): that stands.
    if (!r.ok() || r->status != TaskStatus::kWorking || r->runner != runner_) return;
    r->updated_at = Now();
    r->runner.clear();
    if (response != nullptr && response->has_input_required()) {
      // The tool needs input: the client answers through tasks/update, and
      // the call runs again with those answers and the tool's state.
      r->status = TaskStatus::kInputRequired;
      r->input_requests = InputRequestsJson(response->input_required()).dump();
      r->input_responses = "{}";
      call.clear_input_responses();
      call.set_request_state(response->input_required().request_state());
      r->call = EncodeCall(call);
    } else if (response != nullptr) {
      // A tool that reported an error is still a completed task
      // (result.isError); "failed" is for protocol-level errors.
      r->status = TaskStatus::kCompleted;
      r->result = options_.render_result ? options_.render_result(*response).dump() : "{}";
      r->input_requests.clear();
    } else {
      r->status = TaskStatus::kFailed;
      r->error = ErrorForStatus(status).dump();
      r->input_requests.clear();
    }
    absl::StatusOr<bool> updated = store_->Update(&*r);
    if (!updated.ok()) {
      log::Warning(absl::StrCat("tasks: recording the outcome of a task failed: ",
                                updated.status().message()));
      return;  // its lease lapses: reported failed
    }
    if (*updated) return;
  }
}

absl::StatusOr<TaskRecord> TaskManager::Load(const std::string& id, const std::string& owner) {
  for (int attempt = 0; attempt < kMaxCasAttempts; ++attempt) {
    absl::StatusOr<TaskRecord> r = store_->Get(id);
    if (!r.ok()) return r.status();
    const absl::Time now = Now();
    // Constant time: the owner key is derived from the caller's identity.
    if (r->expires_at < now || !crypto::ConstantTimeEquals(r->owner, owner)) {
      return absl::NotFoundError("no such task");
    }
    if (r->status != TaskStatus::kWorking || r->lease_until >= now) return r;
    // Its process stopped renewing the lease: it died with the call.
    r->status = TaskStatus::kFailed;
    r->error =
        ErrorJson(kInternalError, "Internal error: the server running this task stopped").dump();
    r->runner.clear();
    r->updated_at = now;
    absl::StatusOr<bool> updated = store_->Update(&*r);
    if (!updated.ok()) return updated.status();
    if (*updated) return r;
  }
  return absl::UnavailableError("task record keeps changing");
}

void TaskManager::Get(std::string id, std::string owner, Done done) {
  Post([self = this, id = std::move(id), owner = std::move(owner), done = std::move(done)] {
    absl::StatusOr<TaskRecord> r = self->Load(id, owner);
    if (!r.ok()) {
      done(r.status());
      return;
    }
    done(DetailedTaskJson(*r));
  });
}

void TaskManager::Update(std::string id, std::string owner, json responses, Done done) {
  bool valid = responses.is_object();
  for (auto it = responses.begin(); valid && it != responses.end(); ++it) valid = it->is_object();
  if (!valid) {
    done(absl::InvalidArgumentError("inputResponses must map keys to result objects"));
    return;
  }
  Post([self = this, id = std::move(id), owner = std::move(owner), responses = std::move(responses),
        done = std::move(done)] { done(self->UpdateNow(id, owner, responses)); });
}

absl::StatusOr<json> TaskManager::UpdateNow(const std::string& id, const std::string& owner,
                                            const json& responses) {
  for (int attempt = 0; attempt < kMaxCasAttempts; ++attempt) {
    absl::StatusOr<TaskRecord> r = Load(id, owner);
    if (!r.ok()) return r.status();
    if (r->status != TaskStatus::kInputRequired) return Ack();
    json pending = ParseOr(r->input_requests, json::object());
    json gathered = ParseOr(r->input_responses, json::object());
    bool changed = false;
    for (auto it = responses.begin(); it != responses.end(); ++it) {
      if (!pending.contains(it.key())) continue;  // unknown or already answered
      gathered[it.key()] = it.value();
      pending.erase(it.key());
      changed = true;
    }
    if (!changed) return Ack();
    const absl::Time now = Now();
    r->updated_at = now;
    r->input_requests = pending.dump();
    r->input_responses = gathered.dump();
    absl::StatusOr<CallToolRequest> call;
    if (pending.empty()) {
      call = DecodeCall(r->call);
      if (!call.ok()) return call.status();
      for (auto it = gathered.begin(); it != gathered.end(); ++it) {
        absl::StatusOr<google::protobuf::Struct> answer = JsonToStruct(it.value());
        if (!answer.ok()) return absl::InvalidArgumentError("inputResponses nested too deeply");
        (*call->mutable_input_responses())[it.key()] = *std::move(answer);
      }
      // Every answer is in: this process runs the next round.
      r->status = TaskStatus::kWorking;
      r->input_requests.clear();
      r->runner = runner_;
      r->lease_until = now + options_.lease;
    }
    absl::StatusOr<bool> updated = store_->Update(&*r);
    if (!updated.ok()) return updated.status();
    if (!*updated) continue;
    if (pending.empty()) Run(id, *std::move(call), "", Register(id));
    return Ack();
  }
  return absl::UnavailableError("task record keeps changing");
}

void TaskManager::Cancel(std::string id, std::string owner, Done done) {
  Post([self = this, id = std::move(id), owner = std::move(owner), done = std::move(done)] {
    done(self->CancelNow(id, owner));
  });
}

absl::StatusOr<json> TaskManager::CancelNow(const std::string& id, const std::string& owner) {
  for (int attempt = 0; attempt < kMaxCasAttempts; ++attempt) {
    absl::StatusOr<TaskRecord> r = Load(id, owner);
    if (!r.ok()) return r.status();
    if (IsTerminal(r->status)) return Ack();
    r->status = TaskStatus::kCancelled;
    r->input_requests.clear();
    r->runner.clear();
    r->updated_at = Now();
    absl::StatusOr<bool> updated = store_->Update(&*r);
    if (!updated.ok()) return updated.status();
    if (!*updated) continue;
    std::shared_ptr<client::Cancellation> call;
    {
      absl::MutexLock lock(&mu_);
      if (auto it = running_.find(id); it != running_.end()) call = it->second;
    }
    // Running elsewhere: that process finds the record cancelled when its
    // call ends and discards the result.
    if (call != nullptr) call->Cancel();
    return Ack();
  }
  return absl::UnavailableError("task record keeps changing");
}

void TaskManager::Shutdown() {
  std::map<std::string, std::shared_ptr<client::Cancellation>> running;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    running.swap(running_);
  }
  for (const auto& [id, call] : running) {
    FailRunning(id);
    call->Cancel();
  }
  // The cancelled calls complete on gRPC threads; bounded, as a stuck one
  // must not hang the process's shutdown.
  if (!calls_->WaitForNone(options_.drain_timeout)) {
    log::Warning("tasks: tool calls still running after the shutdown's drain timeout");
  }
}

void TaskManager::FailRunning(const std::string& id) {
  for (int attempt = 0; attempt < kMaxCasAttempts; ++attempt) {
    absl::StatusOr<TaskRecord> r = store_->Get(id);
    if (!r.ok() || r->status != TaskStatus::kWorking || r->runner != runner_) return;
    r->status = TaskStatus::kFailed;
    r->error =
        ErrorJson(kInternalError, "Internal error: the server running this task stopped").dump();
    r->runner.clear();
    r->updated_at = Now();
    absl::StatusOr<bool> updated = store_->Update(&*r);
    if (!updated.ok() || *updated) return;
  }
}

}  // namespace mcp_oauth::mcp::tasks
