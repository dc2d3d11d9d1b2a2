// TaskManager against a real ToolService (in-process gRPC) and the memory
// and SQLite task stores: the task lifecycle, input inside a task,
// cancellation, progress, owners, and what other replicas and a dead
// process look like. Also the ToolService's task gate.
#include "mcp/tasks/task_manager.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "client/remote_tool_client.h"
#include "gtest/gtest.h"
#include "mcp/json_struct.h"
#include "mcp/tasks/memory_task_store.h"
#include "mcp/tasks/task_store_factory.h"
#include "mcp/tool_registry.h"
#include "mcp/tool_service.h"

namespace mcp_oauth::mcp::tasks {
namespace {

using mcp_oauth::tools::v1::CallToolRequest;
using mcp_oauth::tools::v1::CallToolResponse;
using mcp_oauth::tools::v1::CallToolStreamRequest;
using mcp_oauth::tools::v1::ListToolsRequest;
using mcp_oauth::tools::v1::ListToolsResponse;
using nlohmann::json;

std::atomic<bool> g_slow_saw_cancel{false};

ToolDefinition TaskTool(const std::string& name, ToolHandler handler) {
  ToolDefinition tool;
  tool.name = name;
  tool.description = name;
  tool.input_schema = {{"type", "object"}};
  tool.handler = std::move(handler);
  tool.task_support = ToolDefinition::TaskSupport::kOptional;
  return tool;
}

std::shared_ptr<ToolRegistry> Registry() {
  auto registry = std::make_shared<ToolRegistry>();
  auto add = [&](ToolDefinition tool) { EXPECT_TRUE(registry->Register(std::move(tool)).ok()); };
  add(TaskTool("double", [](const json& args, const CallContext& ctx) -> absl::StatusOr<json> {
    return json{{"value", args.value("n", 0) * 2}, {"in_task", ctx.InTask()}};
  }));
  add(TaskTool("oops", [](const json&, const CallContext&) -> absl::StatusOr<json> {
    return absl::InvalidArgumentError("bad input");
  }));
  add(TaskTool("boom", [](const json&, const CallContext&) -> absl::StatusOr<json> {
    throw std::runtime_error("crash");
  }));
  add(TaskTool("slow", [](const json&, const CallContext& ctx) -> absl::StatusOr<json> {
    for (int i = 1; i <= 1000 && !ctx.Cancelled(); ++i) {
      ctx.ReportProgress(i, 1000, absl::StrCat("step ", i));
      absl::SleepFor(absl::Milliseconds(10));
    }
    if (ctx.Cancelled()) g_slow_saw_cancel = true;
    return json{{"done", true}};
  }));
  ToolDefinition ask;
  ask.name = "ask";
  ask.description = "asks for a and b at once";
  ask.input_schema = {{"type", "object"}};
  ask.task_support = ToolDefinition::TaskSupport::kOptional;
  ask.content_handler = [](const json&, const CallContext& ctx) -> absl::StatusOr<ToolContent> {
    const json* a = ctx.input().Response("a");
    const json* b = ctx.input().Response("b");
    ToolContent out;
    if (a == nullptr || b == nullptr) {
      json schema = {{"type", "object"}, {"properties", {{"v", {{"type", "string"}}}}}};
      out.input_required.requests = {{"a", ElicitationRequest("a?", schema)},
                                     {"b", ElicitationRequest("b?", schema)}};
      return out;
    }
    out.blocks.push_back(
        {{"type", "text"},
         {"text", absl::StrCat("a=", a->value("content", json::object()).value("v", ""),
                               " b=", b->value("content", json::object()).value("v", ""))}});
    return out;
  };
  add(std::move(ask));
  ToolDefinition required = TaskTool(
      "needs_task",
      [](const json&, const CallContext&) -> absl::StatusOr<json> { return json::object(); });
  required.task_support = ToolDefinition::TaskSupport::kRequired;
  add(std::move(required));
  add([] {
    ToolDefinition plain;
    plain.name = "plain";
    plain.description = "no task support";
    plain.input_schema = {{"type", "object"}};
    plain.handler = [](const json&, const CallContext&) -> absl::StatusOr<json> {
      return json{{"ok", true}};
    };
    return plain;
  }());
  return registry;
}

json Render(const CallToolResponse& response) {
  json content = json::array();
  for (const auto& block : response.content()) content.push_back(StructToJson(block));
  return json{{"content", content}, {"isError", response.is_error()}};
}

const std::string kAlice = TaskOwner("alice", "client-1");
const std::string kMallory = TaskOwner("mallory", "client-1");

class TaskManagerTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    ToolServiceOptions options;
    options.worker_threads = 4;
    service_ = std::make_unique<ToolServiceImpl>(Registry(), options);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    tools_ = client::MakeRemoteToolClient(mcp_oauth::tools::v1::ToolService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments())));
    if (GetParam()) {
      const char* tmp = std::getenv("TEST_TMPDIR");
      static int counter = 0;
      spec_ = absl::StrCat("sqlite:", tmp != nullptr ? tmp : "/tmp", "/manager-", getpid(), "-",
                           counter++, ".db");
    } else {
      spec_ = "memory";
    }
    auto store = OpenTaskStore(spec_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *store;
    manager_ = NewManager(store_);
  }

  void TearDown() override {
    // Streams still running end first; the managers' destructors then wait
    // for the completions of their calls (TaskManager::Shutdown), which hold
    // no reference to them.
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    server_->Wait();
    manager_.reset();
    other_.reset();
  }

  std::shared_ptr<TaskManager> NewManager(std::shared_ptr<TaskStore> store,
                                          std::function<absl::Time()> clock = nullptr) {
    TaskManagerOptions options;
    options.render_result = Render;
    options.progress_every = absl::ZeroDuration();
    options.clock = std::move(clock);
    return std::make_shared<TaskManager>(std::move(store), tools_, options);
  }

  static absl::StatusOr<json> Wait(const std::function<void(TaskManager::Done)>& op) {
    auto done = std::make_shared<absl::Notification>();
    auto out = std::make_shared<absl::StatusOr<json>>(absl::DeadlineExceededError("no answer"));
    op([done, out](absl::StatusOr<json> r) {
      *out = std::move(r);
      done->Notify();
    });
    done->WaitForNotificationWithTimeout(absl::Seconds(10));
    return *out;
  }

  std::string StartTask(const std::string& tool, const json& args = json::object(),
                        TaskManager* on = nullptr) {
    CallToolRequest call;
    call.set_name(tool);
    *call.mutable_arguments() = *JsonToStruct(args);
    call.mutable_caller()->set_subject("alice");
    *call.mutable_client_capabilities() = *JsonToStruct(json{{"elicitation", json::object()}});
    TaskManager* manager = on != nullptr ? on : manager_.get();
    absl::StatusOr<json> created =
        Wait([&](TaskManager::Done done) { manager->Start(call, kAlice, "", std::move(done)); });
    EXPECT_TRUE(created.ok()) << created.status();
    if (!created.ok()) return "";
    EXPECT_EQ((*created)["resultType"], "task");
    EXPECT_EQ((*created)["status"], "working");
    EXPECT_FALSE(created->contains("result"));
    return created->value("taskId", "");
  }

  absl::StatusOr<json> Get(const std::string& id, const std::string& owner = kAlice,
                           TaskManager* on = nullptr) {
    TaskManager* manager = on != nullptr ? on : manager_.get();
    return Wait([&](TaskManager::Done done) { manager->Get(id, owner, std::move(done)); });
  }

  // Polls until the task leaves `status` (or 10 s pass).
  json WaitWhile(const std::string& id, const std::string& status) {
    json last;
    for (int i = 0; i < 1000; ++i) {
      absl::StatusOr<json> got = Get(id);
      if (!got.ok()) return json{{"error", std::string(got.status().message())}};
      last = *got;
      if (last["status"] != status) break;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return last;
  }

  std::unique_ptr<ToolServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<client::ToolClient> tools_;
  std::string spec_;
  std::shared_ptr<TaskStore> store_;
  std::shared_ptr<TaskManager> manager_;
  std::shared_ptr<TaskManager> other_;
};

TEST_P(TaskManagerTest, TaskRunsAndInlinesItsResult) {
  const std::string id = StartTask("double", json{{"n", 21}});
  ASSERT_FALSE(id.empty());
  json done = WaitWhile(id, "working");
  ASSERT_EQ(done["status"], "completed") << done;
  EXPECT_EQ(done["resultType"], "complete");
  EXPECT_EQ(done["taskId"], id);
  EXPECT_FALSE(done.contains("error"));
  ASSERT_TRUE(done["result"]["content"].is_array());
  // The tool knew it ran as a task.
  EXPECT_EQ(json::parse(done["result"]["content"][0]["text"].get<std::string>()),
            (json{{"value", 42}, {"in_task", true}}));
  EXPECT_TRUE(done["ttlMs"].is_number_integer());
  EXPECT_TRUE(done["pollIntervalMs"].is_number_integer());
}

TEST_P(TaskManagerTest, ToolErrorCompletesWithIsErrorAndCrashFails) {
  json oops = WaitWhile(StartTask("oops"), "working");
  EXPECT_EQ(oops["status"], "completed") << oops;
  EXPECT_EQ(oops["result"]["isError"], true);
  json boom = WaitWhile(StartTask("boom"), "working");
  EXPECT_EQ(boom["status"], "failed") << boom;
  EXPECT_EQ(boom["error"]["code"], -32603);
  EXPECT_TRUE(boom["error"]["message"].is_string());
  EXPECT_FALSE(boom.contains("result"));
}

TEST_P(TaskManagerTest, CancelStopsTheToolAndIsIdempotent) {
  g_slow_saw_cancel = false;
  const std::string id = StartTask("slow");
  // Progress reaches the record as its status message.
  json running;
  for (int i = 0; i < 500; ++i) {
    running = *Get(id);
    if (running.contains("statusMessage")) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(running["status"], "working");
  EXPECT_EQ(running["statusMessage"].get<std::string>().rfind("step ", 0), 0u) << running;
  absl::StatusOr<json> ack =
      Wait([&](TaskManager::Done d) { manager_->Cancel(id, kAlice, std::move(d)); });
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(*ack, (json{{"resultType", "complete"}}));
  EXPECT_EQ(Get(id)->value("status", ""), "cancelled");
  for (int i = 0; i < 500 && !g_slow_saw_cancel; ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_TRUE(g_slow_saw_cancel) << "the tool's CallContext never reported Cancelled()";
  // The tool's late result does not overwrite the cancellation.
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(Get(id)->value("status", ""), "cancelled");
  ack = Wait([&](TaskManager::Done d) { manager_->Cancel(id, kAlice, std::move(d)); });
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(*ack, (json{{"resultType", "complete"}}));
}

TEST_P(TaskManagerTest, InputInsideATaskIsAnsweredPiecewise) {
  const std::string id = StartTask("ask");
  json waiting = WaitWhile(id, "working");
  ASSERT_EQ(waiting["status"], "input_required") << waiting;
  ASSERT_TRUE(waiting["inputRequests"].contains("a"));
  ASSERT_TRUE(waiting["inputRequests"].contains("b"));
  EXPECT_EQ(waiting["inputRequests"]["a"]["method"], "elicitation/create");
  EXPECT_FALSE(waiting.contains("requestState"));
  auto update = [&](const json& responses) {
    return Wait(
        [&](TaskManager::Done d) { manager_->Update(id, kAlice, responses, std::move(d)); });
  };
  absl::StatusOr<json> ack = update({{"a", {{"action", "accept"}, {"content", {{"v", "1"}}}}}});
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(*ack, (json{{"resultType", "complete"}}));
  json partial = *Get(id);
  EXPECT_EQ(partial["status"], "input_required");
  EXPECT_FALSE(partial["inputRequests"].contains("a"));
  EXPECT_TRUE(partial["inputRequests"].contains("b"));
  // Unknown keys are acknowledged and ignored; a non-object answer is refused.
  EXPECT_TRUE(update({{"zzz", json::object()}}).ok());
  EXPECT_EQ(update({{"b", 5}}).status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(update({{"b", {{"action", "accept"}, {"content", {{"v", "2"}}}}}}).ok());
  json done = WaitWhile(id, "input_required");
  if (done["status"] == "working") done = WaitWhile(id, "working");
  ASSERT_EQ(done["status"], "completed") << done;
  EXPECT_EQ(done["result"]["content"][0]["text"], "a=1 b=2");
}

TEST_P(TaskManagerTest, OnlyTheOwnerSeesTheTask) {
  const std::string id = StartTask("double");
  EXPECT_EQ(Get(id, kMallory).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Wait([&](TaskManager::Done d) { manager_->Cancel(id, kMallory, std::move(d)); })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Wait([&](TaskManager::Done d) {
              manager_->Update(id, kMallory, json::object(), std::move(d));
            })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Get("no-such-task").status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(WaitWhile(id, "working")["status"], "cancelled");  // Mallory's cancel did nothing
}

TEST_P(TaskManagerTest, AnotherReplicaAnswersAndADeadRunnersTaskIsFailed) {
  if (!GetParam()) GTEST_SKIP() << "replicas share a durable store";
  auto store = OpenTaskStore(spec_);
  ASSERT_TRUE(store.ok());
  // A second process on the same database whose clock is past the first's
  // lease: the first never renews (no background thread), as if it died.
  other_ = NewManager(*store, [] { return absl::Now() + absl::Minutes(5); });
  const std::string finished = StartTask("double", json{{"n", 1}});
  ASSERT_EQ(WaitWhile(finished, "working")["status"], "completed");
  json seen = *Get(finished, kAlice, other_.get());
  EXPECT_EQ(seen["status"], "completed");
  EXPECT_EQ(seen["result"]["content"][0]["text"], R"({"in_task":true,"value":2})");

  const std::string stuck = StartTask("slow");
  json dead = *Get(stuck, kAlice, other_.get());
  EXPECT_EQ(dead["status"], "failed") << dead;
  EXPECT_EQ(dead["error"]["code"], -32603);
  // Recorded, not just reported: the first process sees it too, and its own
  // late result does not overwrite it.
  EXPECT_EQ(Get(stuck)->value("status", ""), "failed");
  ASSERT_TRUE(
      Wait([&](TaskManager::Done d) { manager_->Cancel(stuck, kAlice, std::move(d)); }).ok());
  EXPECT_EQ(Get(stuck)->value("status", ""), "failed");
}

TEST_P(TaskManagerTest, ShutdownFailsRunningTasks) {
  const std::string id = StartTask("slow");
  manager_->Shutdown();
  auto reader = NewManager(store_);
  json after = *Get(id, kAlice, reader.get());
  EXPECT_EQ(after["status"], "failed") << after;
  EXPECT_EQ(Wait([&](TaskManager::Done d) { manager_->Get(id, kAlice, std::move(d)); }).ok(), true);
}

INSTANTIATE_TEST_SUITE_P(Stores, TaskManagerTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Sqlite" : "Memory";
                         });

// ToolService's gate: what a call does with each TaskMode.
TEST(TaskGateTest, ToolServiceOffersRunsOrRefusesTasks) {
  ToolServiceImpl service(Registry());
  auto call = [&](const std::string& name, mcp_oauth::tools::v1::TaskMode mode,
                  CallToolResponse* out) {
    CallToolRequest request;
    request.set_name(name);
    request.set_task_mode(mode);
    absl::Notification done;
    grpc::Status status;
    service.StartCallTool(request, absl::InfiniteFuture(), "", nullptr,
                          [&](const grpc::Status& s, CallToolResponse* r) {
                            status = s;
                            if (r != nullptr) *out = *r;
                            done.Notify();
                          });
    done.WaitForNotification();
    return status;
  };
  CallToolResponse out;
  ASSERT_TRUE(call("double", mcp_oauth::tools::v1::TASK_MODE_ALLOWED, &out).ok());
  EXPECT_TRUE(out.start_task());
  EXPECT_EQ(out.content_size(), 0);
  out.Clear();
  ASSERT_TRUE(call("double", mcp_oauth::tools::v1::TASK_MODE_NONE, &out).ok());
  EXPECT_FALSE(out.start_task());
  EXPECT_EQ(out.content_size(), 1);
  out.Clear();
  ASSERT_TRUE(call("plain", mcp_oauth::tools::v1::TASK_MODE_ALLOWED, &out).ok());
  EXPECT_FALSE(out.start_task());
  grpc::Status refused = call("needs_task", mcp_oauth::tools::v1::TASK_MODE_NONE, &out);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(refused.error_message().rfind("Task required:", 0), 0u) << refused.error_message();
}

// A ToolClient whose streamed calls end only when cancelled, and late: each
// completion runs on a thread of its own, `delay` after the cancellation
// (as a gRPC completion does on gRPC's thread).
class LateToolClient : public client::ToolClient {
 public:
  explicit LateToolClient(absl::Duration delay) : delay_(delay) {}
  ~LateToolClient() override {
    absl::MutexLock lock(&mu_);
    for (std::thread& thread : threads_) thread.join();
  }

  void ListTools(const client::CallOptions&, const ListToolsRequest&,
                 client::UnaryDone<ListToolsResponse> done) override {
    ListToolsResponse response;
    done(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, ""), response);
  }
  void CallTool(const client::CallOptions&, const CallToolRequest&,
                client::UnaryDone<CallToolResponse> done) override {
    CallToolResponse response;
    done(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, ""), response);
  }
  void CallToolStream(const client::CallOptions& options, const CallToolStreamRequest&, EventFn,
                      StreamDoneFn done) override {
    options.cancellation->SetHook([this, done] {
      absl::MutexLock lock(&mu_);
      threads_.emplace_back([this, done] {
        absl::SleepFor(delay_);
        completing_ = true;
        done(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"), nullptr);
      });
    });
    started_.Notify();
  }
  void WatchTools(const client::CallOptions&, ChangeFn, StatusFn done) override {
    done(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, ""));
  }

  absl::Notification started_;
  std::atomic<bool> completing_{false};  // a completion has begun

 private:
  const absl::Duration delay_;
  absl::Mutex mu_;
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
};

// Starts a task running "slow" on `manager` and waits until its call started.
void StartSlowTask(TaskManager& manager, LateToolClient& tools) {
  CallToolRequest call;
  call.set_name("slow");
  manager.Start(call, kAlice, "", [](absl::StatusOr<json> created) {
    EXPECT_TRUE(created.ok()) << created.status();
  });
  ASSERT_TRUE(tools.started_.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

// Shutdown cancels the running call and returns only after its completion
// ran, so none runs later (on gRPC's thread, possibly during the process's
// exit).
TEST(TaskManagerShutdownTest, WaitsForTheCancelledCallsToComplete) {
  auto tools = std::make_shared<LateToolClient>(absl::Milliseconds(200));
  TaskManagerOptions options;
  options.render_result = Render;
  auto manager = std::make_shared<TaskManager>(*OpenTaskStore("memory"), tools, options);
  StartSlowTask(*manager, *tools);
  manager->Shutdown();
  EXPECT_TRUE(tools->completing_) << "Shutdown returned before the cancelled call completed";
}

// The wait is bounded, and a completion after it finds no manager (ASan
// sees any use of the destroyed one).
TEST(TaskManagerShutdownTest, DrainIsBoundedAndALateCompletionIsHarmless) {
  auto tools = std::make_shared<LateToolClient>(absl::Milliseconds(500));
  TaskManagerOptions options;
  options.render_result = Render;
  options.drain_timeout = absl::Milliseconds(50);
  auto manager = std::make_shared<TaskManager>(*OpenTaskStore("memory"), tools, options);
  StartSlowTask(*manager, *tools);
  manager->Shutdown();
  EXPECT_FALSE(tools->completing_);  // it gave up waiting
  manager.reset();
  tools.reset();  // joins the completion, which ran after the manager was gone
}

}  // namespace
}  // namespace mcp_oauth::mcp::tasks
