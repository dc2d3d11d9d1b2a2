// The tasks extension through McpEndpoint (2026-07-28 requests) against a
// real in-process ToolService and a memory task store: negotiation, the
// CreateTaskResult, tasks/get by the owner and by another principal, the
// routing header, removed methods.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "mcp/protocol/endpoint_test_util.h"
#include "mcp/protocol/mcp_endpoint.h"
#include "mcp/protocol/stateless_era.h"
#include "mcp/tasks/memory_task_store.h"
#include "mcp/tool_service.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

const json kTasksCaps = {{"extensions", {{"io.modelcontextprotocol/tasks", json::object()}}}};

ToolDefinition Tool(const std::string& name, ToolDefinition::TaskSupport support) {
  ToolDefinition tool;
  tool.name = name;
  tool.description = name;
  tool.input_schema = {{"type", "object"}};
  tool.task_support = support;
  tool.handler = [](const json&, const CallContext& ctx) -> absl::StatusOr<json> {
    return json{{"in_task", ctx.InTask()}};
  };
  return tool;
}

struct Backend {
  std::unique_ptr<ToolServiceImpl> service;
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<tools::v1::ToolService::StubInterface> stub;
};

Backend* SharedBackend() {
  static Backend* backend = [] {
    auto registry = std::make_shared<ToolRegistry>();
    EXPECT_TRUE(registry->Register(Tool("job", ToolDefinition::TaskSupport::kOptional)).ok());
    EXPECT_TRUE(
        registry->Register(Tool("needs_task", ToolDefinition::TaskSupport::kRequired)).ok());
    EXPECT_TRUE(registry->Register(Tool("plain", ToolDefinition::TaskSupport::kNone)).ok());
    auto* b = new Backend;
    b->service = std::make_unique<ToolServiceImpl>(registry);
    grpc::ServerBuilder builder;
    builder.RegisterService(b->service.get());
    b->server = builder.BuildAndStart();
    b->stub =
        tools::v1::ToolService::NewStub(b->server->InProcessChannel(grpc::ChannelArguments()));
    return b;
  }();
  return backend;
}

class EndpointTasksTest : public ::testing::Test {
 protected:
  EndpointTasksTest() {
    McpOptions options;
    options.session_key = std::string(32, 'k');
    options.task_store = std::make_shared<tasks::MemoryTaskStore>();
    endpoint_ = std::make_unique<McpEndpoint>(options, SharedBackend()->stub);
  }

  // A 2026-07-28 request from `subject`; `name` the Mcp-Name header.
  McpResponse Call(const std::string& method, json params, const json& caps,
                   const std::string& subject = "alice",
                   std::optional<std::string> name = std::nullopt) {
    params["_meta"] = {{kMetaProtocolVersion, kStatelessVersion}, {kMetaClientCapabilities, caps}};
    McpRequest request;
    request.method = "POST";
    request.headers.Set("accept", "application/json, text/event-stream");
    request.headers.Set("content-type", "application/json");
    request.headers.Set("MCP-Protocol-Version", kStatelessVersion);
    request.headers.Set("Mcp-Method", method);
    if (!name && params.contains("name")) name = params["name"].get<std::string>();
    if (!name && params.contains("taskId")) name = params["taskId"].get<std::string>();
    if (name) request.headers.Set("Mcp-Name", *name);
    request.body =
        json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}}.dump();
    request.principal.subject = subject;
    request.principal.client_id = "client-1";
    return HandleAndWait(*endpoint_, std::move(request));
  }

  static json Body(const McpResponse& response) { return json::parse(response.body); }

  std::unique_ptr<McpEndpoint> endpoint_;
};

TEST_F(EndpointTasksTest, DiscoverAdvertisesTheExtension) {
  json caps =
      Body(Call("server/discover", json::object(), json::object()))["result"]["capabilities"];
  EXPECT_EQ(caps["extensions"], (json{{"io.modelcontextprotocol/tasks", json::object()}}));
  EXPECT_FALSE(caps.contains("tasks"));
}

TEST_F(EndpointTasksTest, WithoutTheExtensionToolsRunSyncAndTaskMethodsAreRefused) {
  McpResponse plain = Call("tools/call", {{"name", "job"}}, json::object());
  json result = Body(plain)["result"];
  EXPECT_EQ(result["resultType"], "complete");
  EXPECT_FALSE(result.contains("taskId"));
  EXPECT_EQ(result["structuredContent"]["in_task"], false);

  McpResponse required = Call("tools/call", {{"name", "needs_task"}}, json::object());
  EXPECT_EQ(required.status, 400);
  json error = Body(required)["error"];
  EXPECT_EQ(error["code"], -32021);
  EXPECT_TRUE(error["data"]["requiredCapabilities"]["extensions"].contains(
      "io.modelcontextprotocol/tasks"));

  for (const char* method : {"tasks/get", "tasks/cancel"}) {
    McpResponse refused = Call(method, {{"taskId", "x"}}, json::object());
    EXPECT_EQ(Body(refused)["error"]["code"], -32021) << method;
  }
}

TEST_F(EndpointTasksTest, TaskIsCreatedPolledAndHiddenFromOthers) {
  // A tool without task support stays synchronous even for a tasks client.
  EXPECT_EQ(Body(Call("tools/call", {{"name", "plain"}}, kTasksCaps))["result"]["resultType"],
            "complete");

  json created = Body(Call("tools/call", {{"name", "job"}}, kTasksCaps))["result"];
  ASSERT_EQ(created["resultType"], "task") << created;
  const std::string id = created["taskId"];
  EXPECT_EQ(created["status"], "working");
  EXPECT_FALSE(created.contains("task"));
  EXPECT_FALSE(created.contains("requestState"));

  json got;
  for (int i = 0; i < 500; ++i) {
    got = Body(Call("tasks/get", {{"taskId", id}}, kTasksCaps))["result"];
    if (got["status"] != "working") break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(got["status"], "completed") << got;
  EXPECT_EQ(got["resultType"], "complete");
  EXPECT_EQ(got["result"]["structuredContent"]["in_task"], true);

  McpResponse foreign = Call("tasks/get", {{"taskId", id}}, kTasksCaps, "bob");
  EXPECT_EQ(foreign.status, 400);
  EXPECT_EQ(Body(foreign)["error"]["code"], -32602);
  EXPECT_EQ(Body(Call("tasks/cancel", {{"taskId", id}}, kTasksCaps, "bob"))["error"]["code"],
            -32602);
  EXPECT_EQ(Body(Call("tasks/get", {{"taskId", "nope"}}, kTasksCaps))["error"]["code"], -32602);
}

TEST_F(EndpointTasksTest, RoutingHeaderMustMatchAndRemovedMethodsAreUnknown) {
  McpResponse mismatch =
      Call("tasks/get", {{"taskId", "abc"}}, kTasksCaps, "alice", std::string("other"));
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_EQ(Body(mismatch)["error"]["code"], -32020);
  for (const char* method : {"tasks/result", "tasks/list"}) {
    McpResponse removed =
        Call(method, {{"taskId", "abc"}}, kTasksCaps, "alice", std::string("abc"));
    EXPECT_EQ(Body(removed)["error"]["code"], -32601) << method;
  }
}

}  // namespace
}  // namespace mcp_oauth::mcp
