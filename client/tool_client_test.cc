// Both ToolClient implementations against the same ToolServiceImpl: the
// local one (direct calls) and the remote one (gRPC, in-process channel; its
// CallTool as unary RPCs or over a CallToolMux stream) must give the same
// answers, deadlines, cancellation and metrics.
#include "client/tool_client.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/call.h"
#include "client/local_tool_client.h"
#include "client/remote_tool_client.h"
#include "client/tool_call_mux.h"
#include "common/metrics.h"
#include "mcp/json_struct.h"
#include "mcp/tool_registry.h"
#include "mcp/tool_service.h"

namespace mcp_oauth::client {
namespace {

using mcp_oauth::tools::v1::CallToolRequest;
using mcp_oauth::tools::v1::CallToolResponse;
using mcp_oauth::tools::v1::ListToolsRequest;
using mcp_oauth::tools::v1::ListToolsResponse;
using nlohmann::json;

// The thread the last "shout" ran on.
absl::Mutex thread_mu;
std::thread::id shout_thread ABSL_GUARDED_BY(thread_mu);

mcp::ToolDefinition Tool(const std::string& name, bool inline_run, mcp::ToolHandler handler) {
  mcp::ToolDefinition tool;
  tool.name = name;
  tool.description = "test tool " + name;
  tool.input_schema = {{"type", "object"},
                       {"properties", {{"text", {{"type", "string"}}}}},
                       {"additionalProperties", false}};
  tool.handler = std::move(handler);
  tool.runs_inline = inline_run;
  return tool;
}

struct Backend {
  std::thread::id caller_thread;
  std::unique_ptr<mcp::ToolServiceImpl> service;
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<ToolClient> local;
  std::shared_ptr<ToolClient> remote;
  std::shared_ptr<ToolClient> mux;  // the remote client with a ToolCallMux
};

// The calls served over CallToolMux streams (their server counts each one as
// a CallTool RPC; this test's server has no interceptor counting RPCs).
double MuxCallsServed() {
  auto& family =
      metrics::DefaultRegistry().CounterFamily("grpc_server_handled_total", "", {"method", "code"});
  return family.WithLabels({"ToolService/CallTool", "OK"}).value() +
         family.WithLabels({"ToolService/CallTool", "NOT_FOUND"}).value();
}

Backend* StartBackend() {
  auto registry = std::make_shared<mcp::ToolRegistry>();
  EXPECT_TRUE(
      registry
          ->Register(Tool("shout", true,
                          [](const json& args, const mcp::CallContext&) -> absl::StatusOr<json> {
                            absl::MutexLock lock(&thread_mu);
                            shout_thread = std::this_thread::get_id();
                            return json{{"text", args.value("text", "") + "!"}};
                          }))
          .ok());
  // Returns its arguments and what type one of them had when it arrived.
  mcp::ToolDefinition types =
      Tool("types", true, [](const json& args, const mcp::CallContext&) -> absl::StatusOr<json> {
        return json{{"args", args},
                    {"f_is_integer", args.contains("f") && args["f"].is_number_integer()}};
      });
  types.input_schema = {{"type", "object"}};
  EXPECT_TRUE(registry->Register(std::move(types)).ok());
  // Runs until cancelled or past its deadline (on the worker pool).
  EXPECT_TRUE(
      registry
          ->Register(Tool("wait", false,
                          [](const json&, const mcp::CallContext& ctx) -> absl::StatusOr<json> {
                            while (!ctx.Cancelled()) {
                              std::this_thread::sleep_for(std::chrono::milliseconds(2));
                            }
                            return json::object();
                          }))
          .ok());
  auto* backend = new Backend;
  backend->service = std::make_unique<mcp::ToolServiceImpl>(registry);
  grpc::ServerBuilder builder;
  builder.RegisterService(backend->service.get());
  backend->server = builder.BuildAndStart();
  EXPECT_NE(backend->server, nullptr);
  std::shared_ptr<mcp_oauth::tools::v1::ToolService::StubInterface> stub =
      mcp_oauth::tools::v1::ToolService::NewStub(
          backend->server->InProcessChannel(grpc::ChannelArguments()));
  backend->remote = MakeRemoteToolClient(stub);
  backend->local = MakeLocalToolClient(backend->service.get(), MakeUnmeteredRemoteToolClient(stub));
  grpc::ChannelArguments mux_arguments;
  SetToolCallMuxChannelArguments(&mux_arguments);
  ToolCallMuxOptions mux_options;
  mux_options.streams = 1;
  auto mux = std::make_shared<ToolCallMux>(
      mcp_oauth::tools::v1::ToolService::NewStub(backend->server->InProcessChannel(mux_arguments)),
      mux_options);
  // The stream opens on first use: until then calls go unary.
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  bool taken = false;
  while (!taken && absl::Now() < give_up) {
    CallToolRequest probe;
    probe.set_name("shout");
    // Waited for: a probe still running would overwrite shout_thread.
    auto ran = std::make_shared<absl::Notification>();
    UnaryDone<CallToolResponse> done = [ran](const grpc::Status&, CallToolResponse&) {
      ran->Notify();
    };
    taken = mux->TryCall(CallOptions(), probe, done);
    if (taken) {
      EXPECT_TRUE(ran->WaitForNotificationWithTimeout(absl::Seconds(10)));
    } else {
      absl::SleepFor(absl::Milliseconds(5));
    }
  }
  EXPECT_TRUE(taken);
  backend->mux = MakeRemoteToolClient(stub, std::move(mux));
  return backend;
}

Backend* shared_backend = nullptr;

struct Outcome {
  grpc::Status status;
  CallToolResponse response;
  bool answered_before_return = false;
};

Outcome Call(ToolClient& client, const CallToolRequest& request,
             CallOptions options = CallOptions()) {
  auto outcome = std::make_shared<Outcome>();
  auto done = std::make_shared<absl::Notification>();
  client.CallTool(options, request,
                  [outcome, done](const grpc::Status& status, CallToolResponse& response) {
                    outcome->status = status;
                    outcome->response = std::move(response);
                    done->Notify();
                  });
  outcome->answered_before_return = done->HasBeenNotified();
  EXPECT_TRUE(done->WaitForNotificationWithTimeout(absl::Seconds(10)));
  return *outcome;
}

struct JsonOutcome {
  grpc::Status status;
  ToolClient::JsonResult result;
  bool answered_before_return = false;
};

JsonOutcome CallJson(ToolClient& client, const std::string& name, const json& args,
                     CallOptions options = CallOptions()) {
  auto outcome = std::make_shared<JsonOutcome>();
  auto done = std::make_shared<absl::Notification>();
  CallToolRequest request;
  request.set_name(name);
  client.CallToolJson(options, request, args,
                      [outcome, done](const grpc::Status& status, ToolClient::JsonResult& result) {
                        outcome->status = status;
                        outcome->result = std::move(result);
                        done->Notify();
                      });
  outcome->answered_before_return = done->HasBeenNotified();
  EXPECT_TRUE(done->WaitForNotificationWithTimeout(absl::Seconds(10)));
  return *outcome;
}

CallToolRequest Request(const std::string& name, const json& args) {
  CallToolRequest request;
  request.set_name(name);
  for (const auto& [key, value] : args.items()) {
    (*request.mutable_arguments()->mutable_fields())[key].set_string_value(
        value.get<std::string>());
  }
  return request;
}

uint64_t CallToolCount() {
  return metrics::GrpcClientLatency().WithLabels({"ToolService/CallTool"}).Read().count;
}

enum class Path { kLocal, kRemote, kMux };

class ToolClientTest : public ::testing::TestWithParam<Path> {
 public:
  // One backend for the whole binary, never destroyed: tearing a server down
  // and building the next one (or destroying it at exit) raced a gRPC 1.51
  // thread unref'ing the completion queue (double free under ASan, 2 runs in
  // 5). Still reachable from a global, so LeakSanitizer does not count it.
  static void SetUpTestSuite() {
    if (shared_backend == nullptr) shared_backend = StartBackend();
  }

 protected:
  ToolClient& client() {
    switch (GetParam()) {
      case Path::kLocal:
        return *shared_backend->local;
      case Path::kRemote:
        return *shared_backend->remote;
      case Path::kMux:
        break;
    }
    return *shared_backend->mux;
  }
};

TEST_P(ToolClientTest, CallsTheTool) {
  Outcome outcome = Call(client(), Request("shout", {{"text", "hi"}}));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
  EXPECT_FALSE(outcome.response.is_error());
  EXPECT_EQ(outcome.response.structured_content().fields().at("text").string_value(), "hi!");
  ASSERT_EQ(outcome.response.content_size(), 1);
}

TEST_P(ToolClientTest, UnknownToolIsNotFound) {
  Outcome outcome = Call(client(), Request("nope", json::object()));
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(outcome.status.error_message(), "unknown tool: nope");
}

TEST_P(ToolClientTest, InvalidArgumentsAreAnErrorResult) {
  Outcome outcome = Call(client(), Request("shout", {{"other", "x"}}));
  ASSERT_TRUE(outcome.status.ok());
  EXPECT_TRUE(outcome.response.is_error());
}

TEST_P(ToolClientTest, DeadlineEndsTheCall) {
  CallOptions options;
  options.timeout = absl::Milliseconds(50);
  const absl::Time started = absl::Now();
  Outcome outcome = Call(client(), Request("wait", json::object()), options);
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(absl::Now() - started, absl::Seconds(5));
}

TEST_P(ToolClientTest, CancellationEndsTheCall) {
  CallOptions options;
  options.cancellation = std::make_shared<Cancellation>();
  std::thread canceller([cancellation = options.cancellation] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    cancellation->Cancel();
  });
  Outcome outcome = Call(client(), Request("wait", json::object()), options);
  canceller.join();
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::CANCELLED);
}

TEST_P(ToolClientTest, CancelledBeforeTheStartNeverRuns) {
  CallOptions options;
  options.cancellation = std::make_shared<Cancellation>();
  options.cancellation->Cancel();
  EXPECT_EQ(Call(client(), Request("wait", json::object()), options).status.error_code(),
            grpc::StatusCode::CANCELLED);
  EXPECT_EQ(Call(client(), Request("shout", json::object()), options).status.error_code(),
            grpc::StatusCode::CANCELLED);
}

TEST_P(ToolClientTest, ListsTools) {
  ListToolsRequest request;
  request.set_page_size(1);
  ListToolsResponse first;
  grpc::Status status;
  absl::Notification done;
  client().ListTools(CallOptions(), request,
                     [&](const grpc::Status& s, ListToolsResponse& response) {
                       status = s;
                       first = std::move(response);
                       done.Notify();
                     });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(first.tools_size(), 1);
  EXPECT_EQ(first.tools(0).name(), "shout");
  EXPECT_FALSE(first.next_page_token().empty());

  request.set_page_token("bogus");
  absl::Notification refused;
  client().ListTools(CallOptions(), request, [&](const grpc::Status& s, ListToolsResponse&) {
    status = s;
    refused.Notify();
  });
  ASSERT_TRUE(refused.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_P(ToolClientTest, EveryCallIsMeteredOnce) {
  const uint64_t before = CallToolCount();
  Call(client(), Request("shout", {{"text", "a"}}));
  Call(client(), Request("nope", json::object()));
  EXPECT_EQ(CallToolCount() - before, 2u);
}

TEST_P(ToolClientTest, StreamsGiveTheResult) {
  mcp_oauth::tools::v1::CallToolStreamRequest request;
  *request.mutable_call() = Request("shout", {{"text", "s"}});
  absl::Notification done;
  grpc::Status status;
  std::string text;
  client().CallToolStream(
      CallOptions(), request, [](const ToolClient::CallToolEvent&) {},
      [&](const grpc::Status& s, CallToolResponse* result) {
        status = s;
        if (result != nullptr)
          text = result->structured_content().fields().at("text").string_value();
        done.Notify();
      });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(text, "s!");
}

// CallToolJson: the same answers as CallTool on both clients, numbers as a
// google.protobuf.Struct carries them (the local client never builds one).
TEST_P(ToolClientTest, CallToolJsonGivesWhatCallToolGives) {
  const json args =
      json::parse(R"({"f": 5.0, "big": 9007199254740993, "s": "x", "l": [1.5, 2.0]})");
  JsonOutcome outcome = CallJson(client(), "types", args);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
  const json expected_args =
      json::parse(R"({"f": 5, "big": 9007199254740992, "s": "x", "l": [1.5, 2]})");
  EXPECT_EQ(outcome.result.structured_content,
            (json{{"args", expected_args}, {"f_is_integer", true}}));
  EXPECT_TRUE(outcome.result.structured_content["args"]["f"].is_number_integer());
  EXPECT_FALSE(outcome.result.response.is_error());
  EXPECT_EQ(outcome.result.response.content_size(), 0);
  EXPECT_FALSE(outcome.result.response.has_structured_content());
  ASSERT_EQ(outcome.result.content.size(), 1u);
  EXPECT_EQ(outcome.result.content[0]["type"], "text");
  EXPECT_EQ(outcome.result.content[0]["text"],
            R"({"args":{"big":9007199254740992,"f":5,"l":[1.5,2],"s":"x"},"f_is_integer":true})");

  CallToolRequest request;
  request.set_name("types");
  *request.mutable_arguments() = *mcp::JsonToStruct(args);
  Outcome proto = Call(client(), request);
  ASSERT_TRUE(proto.status.ok());
  ToolClient::JsonResult converted = ToJsonResult(&proto.response);
  EXPECT_EQ(converted.content.dump(), outcome.result.content.dump());
  EXPECT_EQ(converted.structured_content.dump(), outcome.result.structured_content.dump());
}

TEST_P(ToolClientTest, CallToolJsonStatusesAndErrors) {
  JsonOutcome unknown = CallJson(client(), "nope", json::object());
  EXPECT_EQ(unknown.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(unknown.status.error_message(), "unknown tool: nope");

  JsonOutcome invalid = CallJson(client(), "shout", {{"other", "x"}});
  ASSERT_TRUE(invalid.status.ok());
  EXPECT_TRUE(invalid.result.response.is_error());
  ASSERT_EQ(invalid.result.content.size(), 1u);
  EXPECT_EQ(invalid.result.content[0]["type"], "text");
  EXPECT_TRUE(invalid.result.structured_content.is_null());

  CallOptions options;
  options.timeout = absl::Milliseconds(50);
  EXPECT_EQ(CallJson(client(), "wait", json::object(), options).status.error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  CallOptions cancelled;
  cancelled.cancellation = std::make_shared<Cancellation>();
  cancelled.cancellation->Cancel();
  EXPECT_EQ(CallJson(client(), "shout", json::object(), cancelled).status.error_code(),
            grpc::StatusCode::CANCELLED);

  const uint64_t before = CallToolCount();
  CallJson(client(), "shout", {{"text", "a"}});
  EXPECT_EQ(CallToolCount() - before, 1u);
}

// Only the mux client's calls travel over CallToolMux, CallToolJson's too.
TEST_P(ToolClientTest, OnlyTheMuxClientUsesTheStream) {
  const double before = MuxCallsServed();
  Call(client(), Request("shout", {{"text", "m"}}));
  Call(client(), Request("nope", json::object()));
  EXPECT_TRUE(CallJson(client(), "shout", {{"text", "j"}}).status.ok());
  EXPECT_EQ(MuxCallsServed() - before, GetParam() == Path::kMux ? 3 : 0);
}

// Arguments that are not an object never leave the client (the local one:
// never reach the tool).
TEST_P(ToolClientTest, CallToolJsonRefusesArgumentsThatAreNotAnObject) {
  JsonOutcome outcome = CallJson(client(), "shout", json::array({1, 2}));
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

INSTANTIATE_TEST_SUITE_P(LocalAndRemote, ToolClientTest,
                         ::testing::Values(Path::kLocal, Path::kRemote, Path::kMux),
                         [](const ::testing::TestParamInfo<Path>& info) {
                           switch (info.param) {
                             case Path::kLocal:
                               return std::string("Local");
                             case Path::kRemote:
                               return std::string("Remote");
                             case Path::kMux:
                               break;
                           }
                           return std::string("RemoteMux");
                         });

// The point of the local client: an inline tool runs on the caller's thread
// and answers before CallTool returns (no transport, no thread hop).
TEST(LocalToolClientTest, InlineToolAnswersOnTheCallersThread) {
  ToolClientTest::SetUpTestSuite();
  Outcome outcome = Call(*shared_backend->local, Request("shout", {{"text", "x"}}));
  EXPECT_TRUE(outcome.answered_before_return);
  {
    absl::MutexLock lock(&thread_mu);
    EXPECT_EQ(shout_thread, std::this_thread::get_id());
  }
  JsonOutcome json_outcome = CallJson(*shared_backend->local, "shout", {{"text", "y"}});
  EXPECT_TRUE(json_outcome.answered_before_return);
  EXPECT_EQ(json_outcome.result.structured_content["text"], "y!");
  Outcome remote = Call(*shared_backend->remote, Request("shout", {{"text", "x"}}));
  // (Whether the remote answer lands before CallTool returns is a race of the
  // transport threads, so only where the tool ran is checked.)
  {
    absl::MutexLock lock(&thread_mu);
    EXPECT_NE(shout_thread, std::this_thread::get_id());
  }
}

}  // namespace
}  // namespace mcp_oauth::client
