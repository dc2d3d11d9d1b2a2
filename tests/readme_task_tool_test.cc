// The README's "Tasks for tool authors" example compiles as written (the
// genrule in tests/BUILD extracts its cpp block into readme_count_tool.cc)
// and runs as the README says: synchronously for clients without tasks, and
// as a task (through ToolService and TaskManager, as the gateway runs it)
// that reports progress as its statusMessage, completes with its result, and
// stops when cancelled.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/remote_tool_client.h"
#include "mcp/json_struct.h"
#include "mcp/tasks/memory_task_store.h"
#include "mcp/tasks/task_manager.h"
#include "mcp/tool_registry.h"
#include "mcp/tool_service.h"

namespace mcp_oauth::mcp {
ToolDefinition CountTool();  // readme_count_tool.cc, from the README
namespace {

using nlohmann::json;
using tasks::TaskManager;

absl::StatusOr<json> Wait(const std::function<void(TaskManager::Done)>& op) {
  auto done = std::make_shared<absl::Notification>();
  auto out = std::make_shared<absl::StatusOr<json>>(absl::DeadlineExceededError("no answer"));
  op([done, out](absl::StatusOr<json> r) {
    *out = std::move(r);
    done->Notify();
  });
  done->WaitForNotificationWithTimeout(absl::Seconds(20));
  return *out;
}

TEST(ReadmeTaskToolTest, RunsSynchronouslyWithoutTasks) {
  const ToolDefinition tool = CountTool();
  EXPECT_EQ(tool.task_support, ToolDefinition::TaskSupport::kOptional);
  CallContext ctx(Caller{}, absl::Now() + absl::Seconds(5));
  absl::StatusOr<json> result = tool.handler(json{{"n", 2}}, ctx);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, (json{{"counted", 2}, {"as_task", false}}));
}

TEST(ReadmeTaskToolTest, RunsAsATaskReportsProgressAndCancels) {
  auto registry = std::make_shared<ToolRegistry>();
  ASSERT_TRUE(registry->Register(CountTool()).ok());
  ToolServiceImpl service(registry);
  grpc::ServerBuilder builder;
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  {
    tasks::TaskManagerOptions options;
    options.progress_every = absl::ZeroDuration();
    options.render_result = [](const tools::v1::CallToolResponse& r) {
      return json{{"structuredContent", StructToJson(r.structured_content())}};
    };
    auto manager = std::make_shared<TaskManager>(
        std::make_shared<tasks::MemoryTaskStore>(),
        client::MakeRemoteToolClient(tools::v1::ToolService::NewStub(server->InProcessChannel({}))),
        options);
    const std::string owner = tasks::TaskOwner("alice", "client-1");
    auto start = [&](int n) {
      tools::v1::CallToolRequest call;
      call.set_name("count");
      *call.mutable_arguments() = *JsonToStruct(json{{"n", n}});
      absl::StatusOr<json> created =
          Wait([&](TaskManager::Done d) { manager->Start(call, owner, "", std::move(d)); });
      EXPECT_TRUE(created.ok()) << created.status();
      return created.ok() ? created->value("taskId", "") : "";
    };
    auto get = [&](const std::string& id) {
      return Wait([&](TaskManager::Done d) { manager->Get(id, owner, std::move(d)); })
          .value_or(json());
    };

    const std::string id = start(5);
    bool saw_progress = false;
    json task;
    for (int i = 0; i < 400; ++i) {
      task = get(id);
      saw_progress = saw_progress || task.value("statusMessage", "").rfind("counted to ", 0) == 0;
      if (task["status"] != "working") break;
      absl::SleepFor(absl::Milliseconds(20));
    }
    ASSERT_EQ(task["status"], "completed") << task;
    EXPECT_EQ(task["result"]["structuredContent"], (json{{"counted", 5}, {"as_task", true}}));
    EXPECT_TRUE(saw_progress) << "no statusMessage from ReportProgress";

    const std::string long_one = start(1000);  // 100 s unless cancelled
    ASSERT_TRUE(
        Wait([&](TaskManager::Done d) { manager->Cancel(long_one, owner, std::move(d)); }).ok());
    EXPECT_EQ(get(long_one)["status"], "cancelled");
  }
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server->Wait();
}

}  // namespace
}  // namespace mcp_oauth::mcp
