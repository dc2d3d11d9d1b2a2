// ToolCallMux against real servers on loopback TCP: the transport's own
// behaviour (the ToolClient semantics it shares with unary calls are checked
// in tool_client_test): reconnecting after a restart, falling back to
// CallTool on a server without CallToolMux, deadlines when the server does
// not answer, backpressure, and the server ending its streams on shutdown.
#include "client/tool_call_mux.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/call.h"
#include "client/remote_tool_client.h"
#include "mcp/tool_registry.h"
#include "mcp/tool_service.h"

namespace mcp_oauth::client {
namespace {

using mcp_oauth::tools::v1::CallToolMuxRequest;
using mcp_oauth::tools::v1::CallToolMuxResponse;
using mcp_oauth::tools::v1::CallToolRequest;
using mcp_oauth::tools::v1::CallToolResponse;
using mcp_oauth::tools::v1::ToolService;
using nlohmann::json;

std::shared_ptr<const mcp::ToolRegistry> Registry() {
  auto registry = std::make_shared<mcp::ToolRegistry>();
  mcp::ToolDefinition shout;
  shout.name = "shout";
  shout.input_schema = {{"type", "object"}};
  shout.runs_inline = true;
  shout.handler = [](const json& args, const mcp::CallContext& ctx) -> absl::StatusOr<json> {
    return json{{"text", args.value("text", "") + "!"}, {"subject", ctx.caller().subject}};
  };
  EXPECT_TRUE(registry->Register(shout).ok());
  mcp::ToolDefinition wait;
  wait.name = "wait";
  wait.input_schema = {{"type", "object"}};
  wait.handler = [](const json&, const mcp::CallContext& ctx) -> absl::StatusOr<json> {
    while (!ctx.Cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return json::object();
  };
  EXPECT_TRUE(registry->Register(wait).ok());
  return registry;
}

// A ToolServiceImpl on 127.0.0.1:`port` (0: any free port).
struct ToolServer {
  explicit ToolServer(int port = 0) : service(Registry()) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                             &bound_port);
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
  }
  // As tool_server does on SIGTERM.
  void Stop(absl::Duration grace = absl::Seconds(5)) {
    service.EndStreams();
    server->Shutdown(absl::ToChronoTime(absl::Now() + grace));
    server->Wait();
    service.Shutdown();
  }
  std::string target() const { return "127.0.0.1:" + std::to_string(bound_port); }

  mcp::ToolServiceImpl service;
  int bound_port = 0;
  std::unique_ptr<grpc::Server> server;
};

std::shared_ptr<ToolService::StubInterface> MuxStub(const std::string& target) {
  grpc::ChannelArguments arguments;
  SetToolCallMuxChannelArguments(&arguments);
  return ToolService::NewStub(
      grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), arguments));
}

CallToolRequest Request(const std::string& name, const std::string& text = "") {
  CallToolRequest request;
  request.set_name(name);
  if (!text.empty())
    (*request.mutable_arguments()->mutable_fields())["text"].set_string_value(text);
  request.mutable_caller()->set_subject("alice");
  return request;
}

struct Outcome {
  absl::Notification done;
  grpc::Status status;
  CallToolResponse response;
};

// Starts `request` on `mux`; returns null when the mux declined it.
std::shared_ptr<Outcome> TryCall(ToolCallMux& mux, CallToolRequest request,
                                 CallOptions options = CallOptions()) {
  auto outcome = std::make_shared<Outcome>();
  UnaryDone<CallToolResponse> done = [outcome](const grpc::Status& status,
                                               CallToolResponse& response) {
    outcome->status = status;
    outcome->response = std::move(response);
    outcome->done.Notify();
  };
  if (!mux.TryCall(options, request, done)) return nullptr;
  return outcome;
}

// Calls until the mux takes a call (its stream is open); returns that call.
std::shared_ptr<Outcome> CallWhenOpen(ToolCallMux& mux, const CallToolRequest& request,
                                      CallOptions options = CallOptions()) {
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (absl::Now() < give_up) {
    if (auto outcome = TryCall(mux, request, options)) return outcome;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return nullptr;
}

template <typename AnyOutcome>
bool Finished(AnyOutcome& outcome) {
  return outcome.done.WaitForNotificationWithTimeout(absl::Seconds(10));
}

TEST(ToolCallMuxTest, CarriesCallsWithTheirCaller) {
  ToolServer server;
  ToolCallMux mux(MuxStub(server.target()), ToolCallMuxOptions());
  auto outcome = CallWhenOpen(mux, Request("shout", "hi"));
  ASSERT_NE(outcome, nullptr);
  ASSERT_TRUE(Finished(*outcome));
  ASSERT_TRUE(outcome->status.ok()) << outcome->status.error_message();
  const auto& fields = outcome->response.structured_content().fields();
  EXPECT_EQ(fields.at("text").string_value(), "hi!");
  EXPECT_EQ(fields.at("subject").string_value(), "alice");
  server.Stop();
}

TEST(ToolCallMuxTest, AnswersAreMatchedByIdInAnyOrder) {
  ToolServer server;
  ToolCallMuxOptions options;
  options.streams = 1;
  ToolCallMux mux(MuxStub(server.target()), options);
  CallOptions slow;
  slow.timeout = absl::Milliseconds(300);
  auto waiting = CallWhenOpen(mux, Request("wait"), slow);
  ASSERT_NE(waiting, nullptr);
  auto quick = TryCall(mux, Request("shout", "q"));
  ASSERT_NE(quick, nullptr);
  ASSERT_TRUE(Finished(*quick));
  EXPECT_FALSE(waiting->done.HasBeenNotified());
  EXPECT_EQ(quick->response.structured_content().fields().at("text").string_value(), "q!");
  ASSERT_TRUE(Finished(*waiting));
  EXPECT_EQ(waiting->status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  server.Stop();
}

TEST(ToolCallMuxTest, BoundsTheCallsInFlightPerStream) {
  ToolServer server;
  ToolCallMuxOptions options;
  options.streams = 1;
  options.max_calls_per_stream = 1;
  ToolCallMux mux(MuxStub(server.target()), options);
  CallOptions call_options;
  call_options.cancellation = std::make_shared<Cancellation>();
  auto waiting = CallWhenOpen(mux, Request("wait"), call_options);
  ASSERT_NE(waiting, nullptr);
  EXPECT_EQ(TryCall(mux, Request("shout", "x")), nullptr);  // declined: the caller goes unary
  call_options.cancellation->Cancel();
  ASSERT_TRUE(Finished(*waiting));
  EXPECT_EQ(waiting->status.error_code(), grpc::StatusCode::CANCELLED);
  auto next = CallWhenOpen(mux, Request("shout", "y"));
  ASSERT_NE(next, nullptr);
  ASSERT_TRUE(Finished(*next));
  EXPECT_TRUE(next->status.ok());
  server.Stop();
}

TEST(ToolCallMuxTest, CallsInFlightFailUnavailableAndTheNextUseANewStream) {
  auto first = std::make_unique<ToolServer>();
  const int port = first->bound_port;
  ToolCallMuxOptions options;
  options.streams = 1;
  options.reopen_interval = absl::Milliseconds(10);
  ToolCallMux mux(MuxStub(first->target()), options);
  auto waiting = CallWhenOpen(mux, Request("wait"));
  ASSERT_NE(waiting, nullptr);
  // The server goes away with the call in flight (its grace period ends at once).
  first->Stop(absl::ZeroDuration());
  ASSERT_TRUE(Finished(*waiting));
  EXPECT_EQ(waiting->status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << waiting->status.error_message();
  first.reset();

  ToolServer second(port);
  ASSERT_NE(second.server, nullptr);
  auto after = CallWhenOpen(mux, Request("shout", "again"));
  ASSERT_NE(after, nullptr);
  ASSERT_TRUE(Finished(*after));
  EXPECT_TRUE(after->status.ok()) << after->status.error_message();
  second.Stop();
}

// A ToolService without CallToolMux (an older tool server, another language).
class UnaryOnlyService final : public ToolService::CallbackService {
  grpc::ServerUnaryReactor* CallTool(grpc::CallbackServerContext* context, const CallToolRequest*,
                                     CallToolResponse* response) override {
    response->set_is_error(true);
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

TEST(ToolCallMuxTest, ServerWithoutTheMethodMakesEveryCallUnary) {
  UnaryOnlyService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  std::shared_ptr<ToolService::StubInterface> stub = MuxStub("127.0.0.1:" + std::to_string(port));
  auto mux = std::make_shared<ToolCallMux>(stub, ToolCallMuxOptions());
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (!mux->server_lacks_method() && absl::Now() < give_up) {
    EXPECT_EQ(TryCall(*mux, Request("shout")), nullptr);  // never taken
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_TRUE(mux->server_lacks_method());
  EXPECT_EQ(TryCall(*mux, Request("shout")), nullptr);
  // Through the client: the calls still work, as unary RPCs.
  std::shared_ptr<ToolClient> client = MakeRemoteToolClient(stub, mux);
  absl::Notification done;
  grpc::Status status;
  bool is_error = false;
  client->CallTool(CallOptions(), Request("shout"),
                   [&](const grpc::Status& s, CallToolResponse& response) {
                     status = s;
                     is_error = response.is_error();
                     done.Notify();
                   });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(status.ok());
  EXPECT_TRUE(is_error);
  server->Shutdown(absl::ToChronoTime(absl::Now()));
  server->Wait();
}

// A CallToolMux server that reads calls and never answers them.
class SilentService final : public ToolService::CallbackService {
 public:
  grpc::ServerBidiReactor<CallToolMuxRequest, CallToolMuxResponse>* CallToolMux(
      grpc::CallbackServerContext*) override {
    return new Reactor(this);
  }
  // Returns whether a cancel request for call `id` arrives within 10 s.
  bool SawCancelOf(uint64_t id) {
    absl::MutexLock lock(&mu_);
    awaited_ = id;
    return mu_.AwaitWithTimeout(absl::Condition(this, &SilentService::SawAwaited),
                                absl::Seconds(10));
  }

 private:
  class Reactor final : public grpc::ServerBidiReactor<CallToolMuxRequest, CallToolMuxResponse> {
   public:
    explicit Reactor(SilentService* service) : service_(service) {
      StartSendInitialMetadata();
      StartRead(&request_);
    }
    void OnReadDone(bool ok) override {
      if (!ok) {
        Finish(grpc::Status::OK);
        return;
      }
      if (request_.cancel()) {
        absl::MutexLock lock(&service_->mu_);
        service_->cancelled_ = request_.call_id();
      }
      StartRead(&request_);
    }
    void OnDone() override { delete this; }

   private:
    SilentService* const service_;
    CallToolMuxRequest request_;
  };
  absl::Mutex mu_;
  uint64_t cancelled_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t awaited_ ABSL_GUARDED_BY(mu_) = 0;
  bool SawAwaited() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return cancelled_ == awaited_; }
};

TEST(ToolCallMuxTest, DeadlineEndsACallTheServerDoesNotAnswer) {
  SilentService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  {
    ToolCallMuxOptions options;
    options.streams = 1;
    ToolCallMux mux(MuxStub("127.0.0.1:" + std::to_string(port)), options);
    CallOptions call_options;
    call_options.timeout = absl::Milliseconds(100);
    const absl::Time started = absl::Now();
    auto outcome =
        CallWhenOpen(mux, Request("shout"), call_options);  // the stream's first call: id 1
    ASSERT_NE(outcome, nullptr);
    ASSERT_TRUE(Finished(*outcome));
    EXPECT_EQ(outcome->status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
    EXPECT_LT(absl::Now() - started, absl::Seconds(5));
    EXPECT_TRUE(service.SawCancelOf(1));  // the server is told
  }
  server->Shutdown(absl::ToChronoTime(absl::Now()));
  server->Wait();
}

// A CallToolMux server that records the request messages it gets and
// answers every call: with JSON text when the call came with
// arguments_json, else with Structs; one answer per message. It advertises
// `features` (none: an older server, or one in another language).
class RecordingService final : public ToolService::CallbackService {
 public:
  explicit RecordingService(std::string features) : features_(std::move(features)) {}

  grpc::ServerBidiReactor<CallToolMuxRequest, CallToolMuxResponse>* CallToolMux(
      grpc::CallbackServerContext* context) override {
    if (!features_.empty()) context->AddInitialMetadata("tool-mux-features", features_);
    return new Reactor(this);
  }

  std::vector<CallToolMuxRequest> received() {
    absl::MutexLock lock(&mu_);
    return received_;
  }

 private:
  class Reactor final : public grpc::ServerBidiReactor<CallToolMuxRequest, CallToolMuxResponse> {
   public:
    explicit Reactor(RecordingService* service) : service_(service) {
      StartSendInitialMetadata();
      StartRead(&request_);
    }
    void OnReadDone(bool ok) override {
      absl::MutexLock lock(&mu_);
      if (!ok) {
        reads_done_ = true;
        if (!writing_) Finish(grpc::Status::OK);
        return;
      }
      {
        absl::MutexLock record(&service_->mu_);
        service_->received_.push_back(request_);
      }
      Answer(request_);
      for (const CallToolMuxRequest& more : request_.more()) Answer(more);
      StartRead(&request_);
    }
    void OnWriteDone(bool ok) override {
      absl::MutexLock lock(&mu_);
      writes_.pop_front();
      writing_ = false;
      if (ok && !writes_.empty()) {
        writing_ = true;
        StartWrite(&writes_.front());
      } else if (reads_done_) {
        Finish(grpc::Status::OK);
      }
    }
    void OnDone() override { delete this; }

   private:
    void Answer(const CallToolMuxRequest& request) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      if (request.cancel()) return;
      CallToolMuxResponse& answer = writes_.emplace_back();
      answer.set_call_id(request.call_id());
      if (!request.arguments_json().empty()) {
        // A block that is not an object and a number beyond 2^53: the client
        // reads them as it would read the same answer sent as Structs.
        answer.set_content_json(R"([{"type":"text","text":"json"},7])");
        answer.set_structured_content_json(R"({"big":1152921504606846977,"args":)" +
                                           request.arguments_json() + "}");
      } else {
        auto* block = answer.mutable_result()->add_content();
        (*block->mutable_fields())["type"].set_string_value("text");
        (*block->mutable_fields())["text"].set_string_value("struct");
        (*answer.mutable_result()->mutable_structured_content()->mutable_fields())["text"]
            .set_string_value("struct");
      }
      if (!writing_) {
        writing_ = true;
        StartWrite(&writes_.front());
      }
    }

    RecordingService* const service_;
    CallToolMuxRequest request_;
    absl::Mutex mu_;
    std::deque<CallToolMuxResponse> writes_ ABSL_GUARDED_BY(mu_);
    bool writing_ ABSL_GUARDED_BY(mu_) = false;
    bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  };

  const std::string features_;
  absl::Mutex mu_;
  std::vector<CallToolMuxRequest> received_ ABSL_GUARDED_BY(mu_);
};

struct RecordingServer {
  explicit RecordingServer(std::string features) : service(std::move(features)) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
  }
  ~RecordingServer() {
    server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    server->Wait();
  }
  std::string target() const { return "127.0.0.1:" + std::to_string(port); }

  RecordingService service;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
};

struct JsonOutcome {
  absl::Notification done;
  grpc::Status status;
  ToolClient::JsonResult result;
};

// Starts "shout" with `arguments` on `mux` as CallToolJson; null when the
// mux declined it.
std::shared_ptr<JsonOutcome> TryCallJson(ToolCallMux& mux, const json& arguments) {
  auto outcome = std::make_shared<JsonOutcome>();
  UnaryDone<ToolClient::JsonResult> done = [outcome](const grpc::Status& status,
                                                     ToolClient::JsonResult& result) {
    outcome->status = status;
    outcome->result = std::move(result);
    outcome->done.Notify();
  };
  CallToolRequest request = Request("shout");
  if (!mux.TryCallJson(CallOptions(), request, arguments, done)) return nullptr;
  return outcome;
}

std::shared_ptr<JsonOutcome> CallJsonWhenOpen(ToolCallMux& mux, const json& arguments) {
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (absl::Now() < give_up) {
    if (auto outcome = TryCallJson(mux, arguments)) return outcome;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return nullptr;
}

TEST(ToolCallMuxTest, AServerThatAdvertisesNothingGetsPlainMessages) {
  RecordingServer server("");
  ToolCallMuxOptions options;
  options.streams = 1;
  ToolCallMux mux(MuxStub(server.target()), options);
  auto first = CallJsonWhenOpen(mux, json{{"text", "a"}});
  ASSERT_NE(first, nullptr);
  // Calls from several threads at once: some queue behind a write in flight.
  std::vector<std::shared_ptr<JsonOutcome>> outcomes = {first};
  absl::Mutex mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto outcome = TryCallJson(mux, json{{"text", "b"}});
        ASSERT_NE(outcome, nullptr);
        absl::MutexLock lock(&mu);
        outcomes.push_back(outcome);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& outcome : outcomes) {
    ASSERT_TRUE(Finished(*outcome));
    ASSERT_TRUE(outcome->status.ok()) << outcome->status.error_message();
    EXPECT_EQ(outcome->result.structured_content, json({{"text", "struct"}}));
    EXPECT_EQ(outcome->result.content, json::parse(R"([{"type":"text","text":"struct"}])"));
  }
  size_t calls = 0;
  for (const CallToolMuxRequest& message : server.service.received()) {
    EXPECT_EQ(message.more_size(), 0);
    EXPECT_TRUE(message.arguments_json().empty());
    EXPECT_TRUE(message.call().arguments().fields().contains("text"));
    ++calls;
  }
  EXPECT_EQ(calls, outcomes.size());
}

TEST(ToolCallMuxTest, JsonCallsTravelAsJsonTextToAServerThatTakesIt) {
  RecordingServer server("json");
  ToolCallMux mux(MuxStub(server.target()), ToolCallMuxOptions());
  auto outcome = CallJsonWhenOpen(mux, json{{"text", "hi"}, {"n", 5}});
  ASSERT_NE(outcome, nullptr);
  ASSERT_TRUE(Finished(*outcome));
  ASSERT_TRUE(outcome->status.ok()) << outcome->status.error_message();
  const std::vector<CallToolMuxRequest> received = server.service.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(json::parse(received[0].arguments_json()), json({{"text", "hi"}, {"n", 5}}));
  EXPECT_FALSE(received[0].call().has_arguments());
  EXPECT_EQ(received[0].call().caller().subject(), "alice");
  // As the same answer in Structs would read: the non-object block is
  // dropped, 2^60 + 1 becomes a double, 5 stays an integer.
  EXPECT_EQ(outcome->result.content, json::parse(R"([{"type":"text","text":"json"}])"));
  const json& structured = outcome->result.structured_content;
  EXPECT_TRUE(structured["big"].is_number_float()) << structured;
  EXPECT_TRUE(structured["args"]["n"].is_number_integer()) << structured;
}

// Holds the first message written after Arm until Release (a client
// interceptor: it runs in the thread that called StartWrite).
class WriteGate {
 public:
  void Arm() {
    absl::MutexLock lock(&mu_);
    armed_ = true;
  }
  void MaybeHold() {
    absl::MutexLock lock(&mu_);
    if (!armed_) return;
    armed_ = false;
    holding_ = true;
    mu_.Await(absl::Condition(&released_));
  }
  bool AwaitHolding() {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&holding_), absl::Seconds(10));
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    released_ = true;
  }

 private:
  absl::Mutex mu_;
  bool armed_ ABSL_GUARDED_BY(mu_) = false;
  bool holding_ ABSL_GUARDED_BY(mu_) = false;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
};

class GateInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit GateInterceptor(WriteGate* gate) : gate_(gate) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      gate_->MaybeHold();
    }
    methods->Proceed();
  }

 private:
  WriteGate* const gate_;
};

class GateFactory final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit GateFactory(WriteGate* gate) : gate_(gate) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new GateInterceptor(gate_);
  }

 private:
  WriteGate* const gate_;
};

TEST(ToolCallMuxTest, CallsQueuedWhileAWriteIsInFlightGoInOneMessage) {
  RecordingServer server("json,batch");
  WriteGate gate;
  grpc::ChannelArguments arguments;
  SetToolCallMuxChannelArguments(&arguments);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<GateFactory>(&gate));
  ToolCallMuxOptions options;
  options.streams = 1;
  ToolCallMux mux(
      ToolService::NewStub(grpc::experimental::CreateCustomChannelWithInterceptors(
          server.target(), grpc::InsecureChannelCredentials(), arguments, std::move(factories))),
      options);
  auto probe = CallJsonWhenOpen(mux, json{{"text", "probe"}});
  ASSERT_NE(probe, nullptr);
  ASSERT_TRUE(Finished(*probe));

  gate.Arm();
  std::shared_ptr<JsonOutcome> held;
  std::thread writer([&] { held = TryCallJson(mux, json{{"text", "held"}}); });
  ASSERT_TRUE(gate.AwaitHolding());
  // The write is in flight (held in StartWrite, outside the mux's lock):
  // these calls queue, and go out together once it is done.
  std::vector<std::shared_ptr<JsonOutcome>> queued;
  for (int i = 0; i < 4; ++i) {
    queued.push_back(TryCallJson(mux, json{{"text", "queued"}}));
    ASSERT_NE(queued.back(), nullptr);
  }
  gate.Release();
  writer.join();
  ASSERT_NE(held, nullptr);
  queued.push_back(held);
  for (const auto& outcome : queued) {
    ASSERT_TRUE(Finished(*outcome));
    ASSERT_TRUE(outcome->status.ok()) << outcome->status.error_message();
    EXPECT_EQ(outcome->result.content, json::parse(R"([{"type":"text","text":"json"}])"));
  }
  const std::vector<CallToolMuxRequest> received = server.service.received();
  ASSERT_EQ(received.size(), 3u);  // the probe, the held call, then the other four
  EXPECT_EQ(received[1].more_size(), 0);
  EXPECT_EQ(json::parse(received[1].arguments_json())["text"], "held");
  ASSERT_EQ(received[2].more_size(), 3);
  for (const CallToolMuxRequest& more : received[2].more())
    EXPECT_EQ(json::parse(more.arguments_json())["text"], "queued");
}

TEST(ToolCallMuxServerTest, EndStreamsLetsShutdownReturnBeforeItsDeadline) {
  ToolServer server;
  ToolCallMux mux(MuxStub(server.target()), ToolCallMuxOptions());
  auto outcome = CallWhenOpen(mux, Request("shout", "x"));
  ASSERT_NE(outcome, nullptr);
  ASSERT_TRUE(Finished(*outcome));
  // The stream stays open and idle; a Shutdown would wait out its 20 s.
  const absl::Time started = absl::Now();
  server.Stop(absl::Seconds(20));
  EXPECT_LT(absl::Now() - started, absl::Seconds(10));
}

}  // namespace
}  // namespace mcp_oauth::client
