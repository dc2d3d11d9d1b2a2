#include "mcp/tool_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/metrics.h"
#include "mcp/json_struct.h"
#include "mcp/tools/builtin_tools.h"

namespace mcp_oauth::mcp {
namespace {

using mcp_oauth::tools::v1::CallToolEvent;
using mcp_oauth::tools::v1::CallToolRequest;
using mcp_oauth::tools::v1::CallToolResponse;
using mcp_oauth::tools::v1::CallToolStreamRequest;
using mcp_oauth::tools::v1::ListToolsRequest;
using mcp_oauth::tools::v1::ListToolsResponse;
using mcp_oauth::tools::v1::ToolService;
using nlohmann::json;

std::atomic<bool> g_slow_started{false};
std::atomic<bool> g_slow_saw_cancel{false};

ToolDefinition TestTool(const std::string& name, ToolHandler handler) {
  ToolDefinition tool;
  tool.name = name;
  tool.description = "test tool";
  tool.input_schema = {{"type", "object"}};
  tool.handler = std::move(handler);
  return tool;
}

// One server for the whole binary: Debian's gRPC 1.51 can trip an internal
// refcount assertion (grpc_cq_internal_unref) when callback servers are
// destroyed and created in quick succession, as per-test servers would be.
class ToolServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto registry = std::make_shared<ToolRegistry>();
    ASSERT_TRUE(RegisterBuiltinTools(registry.get()).ok());
    // Sleeps until cancelled (cooperative), like a well-behaved slow tool.
    ASSERT_TRUE(
        registry
            ->Register(TestTool("slow",
                                [](const json&, const CallContext& ctx) -> absl::StatusOr<json> {
                                  g_slow_started = true;
                                  while (!ctx.Cancelled()) {
                                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                                  }
                                  g_slow_saw_cancel = true;
                                  return json{{"late", true}};
                                }))
            .ok());
    ASSERT_TRUE(
        registry
            ->Register(TestTool("throws",
                                [](const json&, const CallContext&) -> absl::StatusOr<json> {
                                  throw std::runtime_error("boom");
                                }))
            .ok());
    ASSERT_TRUE(
        registry
            ->Register(TestTool("fails_internally",
                                [](const json&, const CallContext&) -> absl::StatusOr<json> {
                                  return absl::InternalError("secret database password wrong");
                                }))
            .ok());
    ASSERT_TRUE(
        registry
            ->Register(TestTool("whoami",
                                [](const json&, const CallContext& ctx) -> absl::StatusOr<json> {
                                  return json{{"user", ctx.caller().username},
                                              {"client", ctx.caller().client_id},
                                              {"scopes", ctx.caller().scopes}};
                                }))
            .ok());
    // Reports progress 1..3 of 3 and logs at debug and info.
    ASSERT_TRUE(
        registry
            ->Register(TestTool("reporting",
                                [](const json&, const CallContext& ctx) -> absl::StatusOr<json> {
                                  for (int i = 1; i <= 3; ++i) ctx.ReportProgress(i, 3, "step");
                                  ctx.Log("debug", "fine detail");
                                  ctx.Log("info", json{{"step", "done"}}, "tester");
                                  return json{{"wanted_progress", ctx.WantsProgress()}};
                                }))
            .ok());
    ToolServiceOptions options;
    options.default_call_timeout = absl::Milliseconds(300);
    options.worker_threads = 2;
    registry_ = registry;
    service_ = new ToolServiceImpl(registry, options);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_);
    server_ = builder.BuildAndStart().release();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    stub_ = ToolService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                     grpc::InsecureChannelCredentials()))
                .release();
  }

  static void TearDownTestSuite() {
    // Clients first, then the server, then the service it points to.
    registry_.reset();
    delete stub_;
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    delete server_;
    delete service_;
  }

  grpc::Status List(int page_size, const std::string& token, ListToolsResponse* response) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    ListToolsRequest request;
    request.set_page_size(page_size);
    request.set_page_token(token);
    return stub_->ListTools(&ctx, request, response);
  }

  grpc::Status Call(const std::string& name, const json& args, CallToolResponse* response,
                    std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + deadline);
    CallToolRequest request;
    request.set_name(name);
    *request.mutable_arguments() = *JsonToStruct(args);
    request.mutable_caller()->set_username("demo_user");
    request.mutable_caller()->set_client_id("static-client");
    request.mutable_caller()->add_scopes("user");
    return stub_->CallTool(&ctx, request, response);
  }

  // Runs CallToolStream to the end; returns its status and events.
  grpc::Status CallStream(const std::string& name, bool progress, const std::string& min_log_level,
                          std::vector<CallToolEvent>* events) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    CallToolStreamRequest request;
    request.mutable_call()->set_name(name);
    request.set_progress(progress);
    request.set_min_log_level(min_log_level);
    auto reader = stub_->CallToolStream(&ctx, request);
    CallToolEvent event;
    while (reader->Read(&event)) events->push_back(event);
    return reader->Finish();
  }

  static std::string Text(const CallToolResponse& r) {
    if (r.content_size() != 1) return "<" + std::to_string(r.content_size()) + " blocks>";
    EXPECT_EQ(r.content(0).fields().at("type").string_value(), "text");
    return r.content(0).fields().at("text").string_value();
  }

  static std::shared_ptr<ToolRegistry> registry_;
  static ToolServiceImpl* service_;
  static grpc::Server* server_;
  static ToolService::Stub* stub_;
};

std::shared_ptr<ToolRegistry> ToolServiceTest::registry_;
ToolServiceImpl* ToolServiceTest::service_ = nullptr;
grpc::Server* ToolServiceTest::server_ = nullptr;
ToolService::Stub* ToolServiceTest::stub_ = nullptr;

TEST_F(ToolServiceTest, ListsAllToolsWithSchemas) {
  ListToolsResponse r;
  ASSERT_TRUE(List(0, "", &r).ok());
  ASSERT_EQ(r.tools_size(), 7);
  EXPECT_TRUE(r.next_page_token().empty());
  EXPECT_EQ(r.tools(0).name(), "get_time");
  EXPECT_EQ(r.tools(1).name(), "echo");
  const json input = StructToJson(r.tools(1).input_schema());
  EXPECT_EQ(input["required"], json::array({"message"}));
  EXPECT_EQ(input["properties"]["message"]["type"], "string");
  EXPECT_TRUE(r.tools(1).has_output_schema());
  EXPECT_FALSE(r.tools(2).has_output_schema());  // "slow" declares none
}

TEST_F(ToolServiceTest, PaginatesOneAtATime) {
  std::vector<std::string> names;
  std::string token;
  for (int page = 0; page < 10; ++page) {
    ListToolsResponse r;
    ASSERT_TRUE(List(1, token, &r).ok());
    ASSERT_EQ(r.tools_size(), 1);
    names.push_back(r.tools(0).name());
    token = r.next_page_token();
    if (token.empty()) break;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"get_time", "echo", "slow", "throws",
                                             "fails_internally", "whoami", "reporting"}));
}

TEST_F(ToolServiceTest, ClampsPageSize) {
  ListToolsResponse r;
  ASSERT_TRUE(List(1000, "", &r).ok());
  EXPECT_EQ(r.tools_size(), 7);
  EXPECT_EQ(List(-1, "", &r).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ToolServiceTest, RejectsBadPageTokens) {
  ListToolsResponse first;
  ASSERT_TRUE(List(2, "", &first).ok());
  ASSERT_FALSE(first.next_page_token().empty());
  for (const std::string& bad : {std::string("garbage!"), std::string("cDE6YWJjOjE"),  // p1:abc:1
                                 first.next_page_token() + "x", std::string("AAAA")}) {
    ListToolsResponse r;
    EXPECT_EQ(List(2, bad, &r).error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
  }
}

TEST_F(ToolServiceTest, UnknownToolIsNotFound) {
  CallToolResponse r;
  EXPECT_EQ(Call("nope", json::object(), &r).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ToolServiceTest, EchoReturnsStructuredAndText) {
  CallToolResponse r;
  ASSERT_TRUE(Call("echo", json{{"message", "h\xC3\xA9llo \xF0\x9F\x8C\x8D"}}, &r).ok());
  EXPECT_FALSE(r.is_error());
  const json structured = StructToJson(r.structured_content());
  EXPECT_EQ(structured["length"], 7);
  EXPECT_EQ(json::parse(Text(r)), structured);
}

TEST_F(ToolServiceTest, InvalidArgumentsAreErrorResults) {
  CallToolResponse r;
  ASSERT_TRUE(Call("echo", json::object(), &r).ok());
  EXPECT_TRUE(r.is_error());
  EXPECT_NE(Text(r).find("missing required argument 'message'"), std::string::npos) << Text(r);
  EXPECT_FALSE(r.has_structured_content());

  CallToolResponse wrong_type;
  ASSERT_TRUE(Call("echo", json{{"message", 5}}, &wrong_type).ok());
  EXPECT_TRUE(wrong_type.is_error());
  EXPECT_NE(Text(wrong_type).find("argument 'message' must be a string"), std::string::npos);
}

TEST_F(ToolServiceTest, PassesCaller) {
  CallToolResponse r;
  ASSERT_TRUE(Call("whoami", json::object(), &r).ok());
  const json structured = StructToJson(r.structured_content());
  EXPECT_EQ(structured["user"], "demo_user");
  EXPECT_EQ(structured["client"], "static-client");
  EXPECT_EQ(structured["scopes"], json::array({"user"}));
}

TEST_F(ToolServiceTest, SlowToolHitsServerDeadline) {
  g_slow_saw_cancel = false;
  CallToolResponse r;
  const auto start = std::chrono::steady_clock::now();
  grpc::Status s = Call("slow", json::object(), &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  for (int i = 0; i < 200 && !g_slow_saw_cancel; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(g_slow_saw_cancel.load());
}

TEST_F(ToolServiceTest, ClientDeadlineIsHonoured) {
  CallToolResponse r;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Call("slow", json::object(), &r, std::chrono::milliseconds(50)).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(280));
}

TEST_F(ToolServiceTest, ThrowingToolIsInternalNotACrash) {
  CallToolResponse r;
  grpc::Status s = Call("throws", json::object(), &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(s.error_message().find("boom"), std::string::npos);
  // The service still works afterwards.
  ASSERT_TRUE(Call("get_time", json::object(), &r).ok());
  EXPECT_FALSE(r.is_error());
}

TEST_F(ToolServiceTest, FailingToolIsErrorResultWithoutInternals) {
  CallToolResponse r;
  ASSERT_TRUE(Call("fails_internally", json::object(), &r).ok());
  EXPECT_TRUE(r.is_error());
  EXPECT_EQ(Text(r).find("password"), std::string::npos) << Text(r);
}

// mcp_tool_calls_total{tool,outcome} in the process registry.
double ToolCalls(const std::string& tool, const std::string& outcome) {
  return metrics::DefaultRegistry()
      .CounterFamily("mcp_tool_calls_total", "", {"tool", "outcome"})
      .WithLabels({tool, outcome})
      .value();
}

TEST_F(ToolServiceTest, CountsCallsByToolAndOutcome) {
  struct Case {
    std::string name;
    json args;
    std::string tool_label;
    std::string outcome;
  };
  const std::vector<Case> cases = {
      {"echo", json{{"message", "x"}}, "echo", "ok"},  // inline
      {"whoami", json::object(), "whoami", "ok"},      // worker pool
      {"echo", json::object(), "echo", "invalid_arguments"},
      {"fails_internally", json::object(), "fails_internally", "tool_error"},
      {"throws", json::object(), "throws", "internal"},
      {"slow", json::object(), "slow", "deadline_exceeded"},
      {"no such tool", json::object(), "other", "not_found"},
  };
  for (const Case& c : cases) {
    const double before = ToolCalls(c.tool_label, c.outcome);
    CallToolResponse r;
    Call(c.name, c.args, &r);
    EXPECT_EQ(ToolCalls(c.tool_label, c.outcome), before + 1) << c.name << " " << c.outcome;
  }
  // A name that is not registered never becomes a label value.
  EXPECT_EQ(metrics::DefaultRegistry().Render().find("no such tool"), std::string::npos);
}

TEST_F(ToolServiceTest, ConcurrentCallsSucceed) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      CallToolResponse r;
      if (Call("echo", json{{"message", std::string(i, 'x')}}, &r).ok() &&
          StructToJson(r.structured_content())["length"] == i) {
        ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
}

}  // namespace
}  // namespace mcp_oauth::mcp

namespace mcp_oauth::mcp {
namespace {

TEST_F(ToolServiceTest, StreamCarriesProgressAndAdmittedLogsThenResult) {
  std::vector<CallToolEvent> events;
  grpc::Status status = CallStream("reporting", /*progress=*/true, "info", &events);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(events.size(), 5u);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(events[i].has_progress()) << i;
    EXPECT_EQ(events[i].progress().progress(), i + 1);
    EXPECT_EQ(events[i].progress().total(), 3);
    EXPECT_EQ(events[i].progress().message(), "step");
  }
  ASSERT_TRUE(events[3].has_log());  // the debug message was filtered out
  EXPECT_EQ(events[3].log().level(), "info");
  EXPECT_EQ(events[3].log().logger(), "tester");
  EXPECT_EQ(ValueToJson(events[3].log().data()), (json{{"step", "done"}}));
  ASSERT_TRUE(events[4].has_result());
  EXPECT_EQ(StructToJson(events[4].result().structured_content()),
            (json{{"wanted_progress", true}}));
}

TEST_F(ToolServiceTest, StreamSendsOnlyWhatWasAskedFor) {
  std::vector<CallToolEvent> events;
  ASSERT_TRUE(CallStream("reporting", /*progress=*/false, "debug", &events).ok());
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].log().level(), "debug");
  EXPECT_EQ(events[1].log().level(), "info");
  EXPECT_EQ(StructToJson(events[2].result().structured_content()),
            (json{{"wanted_progress", false}}));

  events.clear();
  ASSERT_TRUE(CallStream("reporting", /*progress=*/false, "", &events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].has_result());
}

TEST_F(ToolServiceTest, StreamErrorsAreRpcStatuses) {
  std::vector<CallToolEvent> events;
  EXPECT_EQ(CallStream("no_such_tool", true, "", &events).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(CallStream("reporting", true, "verbose", &events).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(events.empty());
  // An inline tool streams its result too.
  ASSERT_TRUE(CallStream("get_time", true, "info", &events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].has_result());
}

TEST_F(ToolServiceTest, CancellingTheStreamCancelsTheTool) {
  g_slow_saw_cancel = false;
  const double cancelled_before = ToolCalls("slow", "cancelled");
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  CallToolStreamRequest request;
  request.mutable_call()->set_name("slow");
  request.set_progress(true);
  g_slow_started = false;
  auto reader = stub_->CallToolStream(&ctx, request);
  // Cancel only once the tool runs: a call cancelled while still queued never
  // starts, so the tool would never see the cancellation (seen under load).
  for (int i = 0; i < 800 && !g_slow_started; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(g_slow_started);
  ctx.TryCancel();
  CallToolEvent event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // The tool saw its context cancelled, and the server ended the call as
  // cancelled (not at its deadline).
  for (int i = 0; i < 400 && !g_slow_saw_cancel; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(g_slow_saw_cancel);
  EXPECT_EQ(ToolCalls("slow", "cancelled"), cancelled_before + 1);
}

TEST_F(ToolServiceTest, WatchToolsStreamsTheTagAfterEveryChange) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto reader = stub_->WatchTools(&ctx, mcp_oauth::tools::v1::WatchToolsRequest());
  mcp_oauth::tools::v1::ToolsChanged event;
  ASSERT_TRUE(reader->Read(&event));
  const std::string initial = event.version_tag();
  EXPECT_EQ(initial, registry_->version_tag());

  ASSERT_TRUE(registry_
                  ->Register(TestTool("dynamic",
                                      [](const json&, const CallContext&) -> absl::StatusOr<json> {
                                        return json{{"dynamic", true}};
                                      }))
                  .ok());
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_NE(event.version_tag(), initial);
  // The new tool is listed and callable at once.
  ListToolsResponse list;
  ASSERT_TRUE(List(0, "", &list).ok());
  EXPECT_EQ(list.tools(list.tools_size() - 1).name(), "dynamic");
  CallToolResponse r;
  ASSERT_TRUE(Call("dynamic", json::object(), &r).ok());
  EXPECT_EQ(StructToJson(r.structured_content()), (json{{"dynamic", true}}));

  ASSERT_TRUE(registry_->Unregister("dynamic").ok());
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.version_tag(), initial);  // the same list again
  EXPECT_EQ(Call("dynamic", json::object(), &r).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(registry_->Unregister("dynamic").code(), absl::StatusCode::kNotFound);

  ctx.TryCancel();
  while (reader->Read(&event)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // The server stopped listening once the watch ended.
  for (int i = 0; i < 200 && registry_->changes().listener_count() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(registry_->changes().listener_count(), 0u);
}

// Shutdown ends what is on the pool: the running call's handler sees
// Cancelled() and the queued calls never start; every caller hears
// UNAVAILABLE exactly once before Shutdown returns, and later calls are
// refused at once. (A service without a gRPC server: the direct calls of
// the gateway's in-process client.)
TEST(ToolServiceShutdownTest, EndsRunningAndQueuedCallsBeforeReturning) {
  std::atomic<int> started{0};
  std::atomic<bool> saw_cancel{false};
  auto registry = std::make_shared<ToolRegistry>();
  ASSERT_TRUE(
      registry
          ->Register(TestTool("blocks",
                              [&](const json&, const CallContext& ctx) -> absl::StatusOr<json> {
                                ++started;
                                // Bounded, so that a broken Shutdown fails the test
                                // instead of hanging it.
                                for (int i = 0; i < 3000 && !ctx.Cancelled(); ++i) {
                                  std::this_thread::sleep_for(std::chrono::milliseconds(10));
                                }
                                saw_cancel = ctx.Cancelled();
                                return json{{"done", true}};
                              }))
          .ok());
  ToolServiceOptions options;
  options.worker_threads = 1;
  options.default_call_timeout = absl::Minutes(5);  // far beyond the test
  ToolServiceImpl service(registry, options);

  struct Outcome {
    absl::Mutex mu;
    int calls ABSL_GUARDED_BY(mu) = 0;
    std::vector<grpc::StatusCode> codes ABSL_GUARDED_BY(mu);
  };
  auto outcome = std::make_shared<Outcome>();
  auto start = [&] {
    CallToolRequest request;
    request.set_name("blocks");
    service.StartCallTool(request, absl::InfiniteFuture(), "req-s", nullptr,
                          [outcome](const grpc::Status& status, CallToolResponse*) {
                            absl::MutexLock lock(&outcome->mu);
                            ++outcome->calls;
                            outcome->codes.push_back(status.error_code());
                          });
  };
  for (int i = 0; i < 3; ++i) start();  // one runs, two wait in the queue
  for (int i = 0; i < 1000 && started == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(started.load(), 1);

  const auto before = std::chrono::steady_clock::now();
  service.Shutdown();
  const auto took = std::chrono::steady_clock::now() - before;
  EXPECT_LT(took, std::chrono::seconds(20)) << "the running handler was cancelled, not waited out";
  EXPECT_TRUE(saw_cancel.load());
  EXPECT_EQ(started.load(), 1) << "queued calls never start";
  {
    absl::MutexLock lock(&outcome->mu);
    EXPECT_EQ(outcome->calls, 3) << "every caller answered, once, before Shutdown returned";
    for (grpc::StatusCode code : outcome->codes) EXPECT_EQ(code, grpc::StatusCode::UNAVAILABLE);
  }

  start();
  {
    absl::MutexLock lock(&outcome->mu);
    ASSERT_EQ(outcome->calls, 4) << "refused before StartCallTool returns";
    EXPECT_EQ(outcome->codes.back(), grpc::StatusCode::UNAVAILABLE);
  }
  EXPECT_EQ(started.load(), 1);
  service.Shutdown();  // idempotent
}

}  // namespace
}  // namespace mcp_oauth::mcp
