// 2026-07-28 (stateless) requests through McpEndpoint, next to the 2025
// session flow, against a real in-process ToolService.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/local_tool_client.h"
#include "client/remote_tool_client.h"
#include "mcp/protocol/endpoint_test_util.h"
#include "mcp/protocol/mcp_endpoint.h"
#include "mcp/protocol/stateless_era.h"
#include "mcp/tool_service.h"
#include "mcp/tools/builtin_tools.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

// Asks for a name (elicitation) with a state, then greets.
absl::StatusOr<ToolContent> Greet(const json&, const CallContext& ctx) {
  const json* answer = ctx.input().Response("name");
  ToolContent out;
  if (answer == nullptr || ctx.input().state() != "asked") {
    out.input_required.requests["name"] = ElicitationRequest("Name?", {{"type", "object"}});
    out.input_required.state = "asked";
    return out;
  }
  out.blocks.push_back(
      {{"type", "text"}, {"text", "Hello, " + answer->at("content").value("name", "") + "!"}});
  return out;
}

std::atomic<bool> g_slow_cancelled{false};

ToolDefinition JsonTool(const std::string& name, ToolHandler handler) {
  ToolDefinition tool;
  tool.name = name;
  tool.description = name;
  tool.input_schema = {{"type", "object"}};
  tool.handler = std::move(handler);
  return tool;
}

struct Backend {
  std::unique_ptr<ToolServiceImpl> service;
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<tools::v1::ToolService::StubInterface> stub;
};

// One server per binary (Debian's gRPC 1.51 dislikes quick server churn).
Backend* SharedBackend() {
  static Backend* backend = [] {
    auto registry = std::make_shared<ToolRegistry>();
    EXPECT_TRUE(RegisterBuiltinTools(registry.get()).ok());
    ToolDefinition greet;
    greet.name = "greet";
    greet.description = "asks for a name";
    greet.input_schema = {{"type", "object"}};
    greet.content_handler = &Greet;
    EXPECT_TRUE(registry->Register(std::move(greet)).ok());
    EXPECT_TRUE(
        registry
            ->Register(JsonTool("steps",
                                [](const json&, const CallContext& ctx) -> absl::StatusOr<json> {
                                  ctx.ReportProgress(1, 2, "half");
                                  ctx.ReportProgress(2, 2);
                                  return json{{"done", true}};
                                }))
            .ok());
    // Reports once, then runs until cancelled.
    EXPECT_TRUE(
        registry
            ->Register(JsonTool("slow",
                                [](const json&, const CallContext& ctx) -> absl::StatusOr<json> {
                                  ctx.ReportProgress(1);
                                  while (!ctx.Cancelled()) {
                                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                                  }
                                  g_slow_cancelled = absl::Now() < ctx.deadline();
                                  return json{{"late", true}};
                                }))
            .ok());
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

class StatelessEndpointTest : public ::testing::Test {
 protected:
  StatelessEndpointTest() {
    McpOptions options;
    options.session_key = std::string(32, 'k');
#ifdef MCP_ENDPOINT_TEST_LOCAL
    // stateless_endpoint_local_test: the same tests through the in-process
    // client.
    McpBackends backends;
    backends.tool_client =
        client::MakeLocalToolClient(SharedBackend()->service.get(),
                                    client::MakeUnmeteredRemoteToolClient(SharedBackend()->stub));
    endpoint_ = std::make_unique<McpEndpoint>(options, std::move(backends));
#else
    endpoint_ = std::make_unique<McpEndpoint>(options, SharedBackend()->stub);
#endif
  }

  McpResponse Post(const json& body, HttpHeaders headers) {
    McpRequest request;
    request.method = "POST";
    request.headers = std::move(headers);
    request.headers.Set("accept", "application/json, text/event-stream");
    request.headers.Set("content-type", "application/json");
    request.body = body.dump();
    request.principal.subject = "alice";
    request.principal.client_id = "client-1";
    return HandleAndWait(*endpoint_, std::move(request));
  }

  // A well-formed 2026-07-28 request; `caps` are the client capabilities.
  McpResponse Call(const std::string& method, json params = json::object(),
                   json caps = json::object(), int id = 1) {
    json meta = {{kMetaProtocolVersion, kStatelessVersion}, {kMetaClientCapabilities, caps}};
    if (params.contains("_meta")) meta.update(params["_meta"]);  // e.g. a progressToken
    params["_meta"] = std::move(meta);
    HttpHeaders headers{{"MCP-Protocol-Version", kStatelessVersion}, {"Mcp-Method", method}};
    if (params.contains("name")) headers.Set("Mcp-Name", params["name"].get<std::string>());
    return Post({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}, headers);
  }

  static json Body(const McpResponse& response) { return json::parse(response.body); }

  std::unique_ptr<McpEndpoint> endpoint_;
};

TEST_F(StatelessEndpointTest, DiscoverOpensNoSession) {
  McpResponse response = Call("server/discover");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_FALSE(response.Header("Mcp-Session-Id"));
  json result = Body(response)["result"];
  EXPECT_EQ(result["resultType"], "complete");
  EXPECT_NE(std::find(result["supportedVersions"].begin(), result["supportedVersions"].end(),
                      kStatelessVersion),
            result["supportedVersions"].end());
  EXPECT_TRUE(result["capabilities"].contains("tools"));
  EXPECT_FALSE(result["capabilities"].contains("logging"));
  EXPECT_TRUE(result["_meta"][kMetaServerInfo].contains("name"));
  EXPECT_EQ(endpoint_->ActiveSessionCount(), 0u);
}

TEST_F(StatelessEndpointTest, SessionEraStillServedOnTheSameEndpoint) {
  McpResponse response = Post({{"jsonrpc", "2.0"},
                               {"id", 1},
                               {"method", "initialize"},
                               {"params",
                                {{"protocolVersion", "2025-11-25"},
                                 {"capabilities", json::object()},
                                 {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}},
                              {});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_TRUE(response.Header("Mcp-Session-Id"));
  EXPECT_EQ(Body(response)["result"]["protocolVersion"], "2025-11-25");
}

TEST_F(StatelessEndpointTest, RemovedMethodsAreNotFound) {
  for (const char* method :
       {"initialize", "ping", "logging/setLevel", "resources/subscribe", "no/such"}) {
    McpResponse response = Call(method, json::object(), json::object(), 42);
    EXPECT_EQ(response.status, 404) << method;
    EXPECT_EQ(Body(response)["error"]["code"], -32601) << method;
    EXPECT_EQ(Body(response)["id"], 42) << method;
  }
}

TEST_F(StatelessEndpointTest, ToolsListCarriesCachingHints) {
  json result = Body(Call("tools/list"))["result"];
  EXPECT_EQ(result["resultType"], "complete");
  EXPECT_TRUE(result["ttlMs"].is_number_integer());
  EXPECT_EQ(result["cacheScope"], "private");
  EXPECT_FALSE(result["tools"].empty());
}

TEST_F(StatelessEndpointTest, EnvelopeErrorsUseTheirCodes) {
  // Method header disagreeing with the body.
  json message = {
      {"jsonrpc", "2.0"},
      {"id", 9},
      {"method", "tools/list"},
      {"params",
       {{"_meta",
         {{kMetaProtocolVersion, kStatelessVersion}, {kMetaClientCapabilities, json::object()}}}}}};
  McpResponse mismatch = Post(message, HttpHeaders{{"MCP-Protocol-Version", kStatelessVersion},
                                                   {"Mcp-Method", "prompts/list"}});
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_EQ(Body(mismatch)["error"]["code"], kHeaderMismatch);
  EXPECT_EQ(Body(mismatch)["id"], 9);
  // No _meta at all.
  McpResponse no_meta = Post(
      {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "server/discover"}},
      HttpHeaders{{"MCP-Protocol-Version", kStatelessVersion}, {"Mcp-Method", "server/discover"}});
  EXPECT_EQ(no_meta.status, 400);
  EXPECT_EQ(Body(no_meta)["error"]["code"], -32602);
}

TEST_F(StatelessEndpointTest, InputRequiredRoundTrip) {
  const json caps = {{"elicitation", json::object()}};
  json first = Body(Call("tools/call", {{"name", "greet"}, {"arguments", json::object()}}, caps));
  ASSERT_EQ(first["result"]["resultType"], "input_required") << first;
  EXPECT_EQ(first["result"]["inputRequests"]["name"]["method"], "elicitation/create");
  const std::string state = first["result"]["requestState"].get<std::string>();
  ASSERT_FALSE(state.empty());

  json answers = {{"name", {{"action", "accept"}, {"content", {{"name", "Ada"}}}}}};
  json second =
      Body(Call("tools/call",
                {{"name", "greet"}, {"inputResponses", answers}, {"requestState", state}}, caps));
  ASSERT_EQ(second["result"]["resultType"], "complete") << second;
  EXPECT_EQ(second["result"]["content"][0]["text"], "Hello, Ada!");

  McpResponse tampered =
      Call("tools/call",
           {{"name", "greet"}, {"inputResponses", answers}, {"requestState", state + "x"}}, caps);
  EXPECT_EQ(tampered.status, 400);
  EXPECT_EQ(Body(tampered)["error"]["code"], -32602);
}

TEST_F(StatelessEndpointTest, InputFromAnUndeclaredCapabilityIsRefused) {
  McpResponse response = Call("tools/call", {{"name", "greet"}, {"arguments", json::object()}});
  EXPECT_EQ(response.status, 400);
  json error = Body(response)["error"];
  EXPECT_EQ(error["code"], kMissingClientCapability);
  EXPECT_EQ(error["data"]["requiredCapabilities"], (json{{"elicitation", json::object()}}));
}

TEST_F(StatelessEndpointTest, MalformedInputResponsesAreInvalidParams) {
  for (const json& bad : {json(nullptr), json{{"name", 12345}}, json::array()}) {
    McpResponse response = Call("tools/call", {{"name", "greet"}, {"inputResponses", bad}},
                                {{"elicitation", json::object()}});
    EXPECT_EQ(response.status, 400) << bad;
    EXPECT_EQ(Body(response)["error"]["code"], -32602) << bad;
  }
}

// Collects an SSE answer.
struct Sink {
  absl::Mutex mu;
  std::string data;
  bool closed = false;
};

TEST_F(StatelessEndpointTest, ProgressTokenStreamsProgressThenTheResult) {
  McpResponse response =
      Call("tools/call", {{"name", "steps"}, {"_meta", {{"progressToken", "p1"}}}});
  ASSERT_EQ(response.status, 200);
  ASSERT_NE(response.stream, nullptr) << response.body;
  EXPECT_EQ(response.Header("Content-Type"), "text/event-stream");
  auto sink = std::make_shared<Sink>();
  response.stream->Start(
      [sink](std::string_view bytes) {
        absl::MutexLock lock(&sink->mu);
        sink->data.append(bytes.data(), bytes.size());
        return true;
      },
      [sink] {
        absl::MutexLock lock(&sink->mu);
        sink->closed = true;
      });
  absl::MutexLock lock(&sink->mu);
  ASSERT_TRUE(sink->mu.AwaitWithTimeout(absl::Condition(&sink->closed), absl::Seconds(10)));
  const size_t first = sink->data.find("notifications/progress");
  const size_t result = sink->data.find("\"resultType\":\"complete\"");
  ASSERT_NE(first, std::string::npos) << sink->data;
  EXPECT_NE(sink->data.find("\"progressToken\":\"p1\""), std::string::npos);
  EXPECT_NE(sink->data.find("notifications/progress", first + 1), std::string::npos)
      << "two progress events";
  ASSERT_NE(result, std::string::npos) << sink->data;
  EXPECT_LT(first, result);
}

TEST_F(StatelessEndpointTest, ClosingTheStreamCancelsTheCall) {
  g_slow_cancelled = false;
  McpResponse response = Call("tools/call", {{"name", "slow"}, {"_meta", {{"progressToken", 7}}}});
  ASSERT_NE(response.stream, nullptr) << response.body;
  response.stream->Start([](std::string_view) { return true; }, [] {});
  response.stream->Cancel();  // what the gateway does when the client goes away
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!g_slow_cancelled && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_TRUE(g_slow_cancelled) << "the tool saw the cancellation before its deadline";
}

}  // namespace
}  // namespace mcp_oauth::mcp
