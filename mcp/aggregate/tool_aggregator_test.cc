#include "mcp/aggregate/tool_aggregator.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/remote_tool_client.h"
#include "common/request_id.h"
#include "mcp/aggregate/aggregate_tool_client.h"

namespace mcp_oauth::mcp {
namespace {

using mcp_oauth::tools::v1::CallToolEvent;
using mcp_oauth::tools::v1::CallToolRequest;
using mcp_oauth::tools::v1::CallToolResponse;
using mcp_oauth::tools::v1::CallToolStreamRequest;
using mcp_oauth::tools::v1::ListToolsRequest;
using mcp_oauth::tools::v1::ListToolsResponse;
using mcp_oauth::tools::v1::Tool;
using mcp_oauth::tools::v1::ToolsChanged;
using mcp_oauth::tools::v1::ToolService;
using mcp_oauth::tools::v1::WatchToolsRequest;

Tool Named(const std::string& name) {
  Tool tool;
  tool.set_name(name);
  (*tool.mutable_input_schema()->mutable_fields())["type"].set_string_value("object");
  return tool;
}

class FakeBackend;

// A WatchTools stream of the fake: one write in flight, the newest tag
// pending; Kill ends it with UNAVAILABLE (as a backend that goes away).
class FakeWatch final : public grpc::ServerWriteReactor<ToolsChanged> {
 public:
  FakeWatch(FakeBackend* backend, const std::string& tag);
  void Push(const std::string& tag) {
    absl::MutexLock lock(&mu_);
    pending_ = tag;
    has_pending_ = true;
    NextLocked();
  }
  void Kill() {
    absl::MutexLock lock(&mu_);
    kill_ = true;
    NextLocked();
  }
  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) kill_ = true;
    NextLocked();
  }
  void OnCancel() override { Kill(); }
  void OnDone() override;

 private:
  void NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finished_) return;
    if (kill_) {
      finished_ = true;
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "backend going away"));
      return;
    }
    if (!has_pending_) return;
    event_.set_version_tag(pending_);
    has_pending_ = false;
    writing_ = true;
    StartWrite(&event_);
  }

  FakeBackend* const backend_;
  absl::Mutex mu_;
  ToolsChanged event_;
  std::string pending_ ABSL_GUARDED_BY(mu_);
  bool has_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool kill_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// Finishes when the call is cancelled (by deadline or by the caller).
class WaitForCancel final : public grpc::ServerUnaryReactor {
 public:
  explicit WaitForCancel(absl::Notification* saw_cancel) : saw_cancel_(saw_cancel) {}
  void OnCancel() override {
    if (!saw_cancel_->HasBeenNotified()) saw_cancel_->Notify();
    Finish(grpc::Status::CANCELLED);
  }
  void OnDone() override { delete this; }

 private:
  absl::Notification* saw_cancel_;
};

// A ToolService whose tools, availability and answers the test controls.
// Tools: "slow" waits for cancellation; any other tool answers a text block
// "<backend>:<tool name as received>" and records what it received.
class FakeBackend final : public ToolService::CallbackService {
 public:
  explicit FakeBackend(std::string name) : name_(std::move(name)) {}

  void SetTools(std::vector<std::string> names) {
    absl::MutexLock lock(&mu_);
    tools_.clear();
    for (const auto& name : names) tools_.push_back(Named(name));
    ++version_;
    for (FakeWatch* watch : watches_) watch->Push(std::to_string(version_));
  }
  // Down: every RPC answers UNAVAILABLE and open watches end.
  void SetDown(bool down) {
    absl::MutexLock lock(&mu_);
    down_ = down;
    if (down) {
      for (FakeWatch* watch : watches_) watch->Kill();
    }
  }
  void Forget(FakeWatch* watch) {
    absl::MutexLock lock(&mu_);
    watches_.erase(watch);
  }
  CallToolRequest last_request() {
    absl::MutexLock lock(&mu_);
    return last_request_;
  }
  std::string last_request_id() {
    absl::MutexLock lock(&mu_);
    return last_request_id_;
  }
  int watch_count() {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(watches_.size());
  }
  absl::Notification* saw_cancel() { return saw_cancel_.get(); }
  void ResetCancel() { saw_cancel_ = std::make_unique<absl::Notification>(); }

  grpc::ServerUnaryReactor* ListTools(grpc::CallbackServerContext* context, const ListToolsRequest*,
                                      ListToolsResponse* response) override {
    auto* reactor = context->DefaultReactor();
    absl::MutexLock lock(&mu_);
    if (down_) {
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"));
      return reactor;
    }
    for (const auto& tool : tools_) *response->add_tools() = tool;
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* CallTool(grpc::CallbackServerContext* context,
                                     const CallToolRequest* request,
                                     CallToolResponse* response) override {
    {
      absl::MutexLock lock(&mu_);
      last_request_ = *request;
      auto it = context->client_metadata().find(request_id::kMetadataKey);
      last_request_id_ = it == context->client_metadata().end()
                             ? ""
                             : std::string(it->second.data(), it->second.size());
      if (down_) {
        auto* reactor = context->DefaultReactor();
        reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"));
        return reactor;
      }
    }
    if (request->name() == "slow") return new WaitForCancel(saw_cancel_.get());
    auto* reactor = context->DefaultReactor();
    auto* block = response->add_content();
    (*block->mutable_fields())["text"].set_string_value(name_ + ":" + request->name());
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerWriteReactor<CallToolEvent>* CallToolStream(
      grpc::CallbackServerContext*, const CallToolStreamRequest* request) override {
    // One progress event, then the result. Not StartWriteAndFinish: over
    // the in-process transport, gRPC 1.51's callback client loses a message
    // sent together with the trailers.
    class Writer final : public grpc::ServerWriteReactor<CallToolEvent> {
     public:
      explicit Writer(const std::string& text) {
        progress_.mutable_progress()->set_progress(1);
        auto* block = result_.mutable_result()->add_content();
        (*block->mutable_fields())["text"].set_string_value(text);
        StartWrite(&progress_);
      }
      void OnWriteDone(bool ok) override {
        if (ok && !sent_result_) {
          sent_result_ = true;
          StartWrite(&result_);
        } else {
          Finish(ok ? grpc::Status::OK : grpc::Status::CANCELLED);
        }
      }
      void OnDone() override { delete this; }

     private:
      CallToolEvent progress_;
      CallToolEvent result_;
      bool sent_result_ = false;
    };
    return new Writer(name_ + ":" + request->call().name());
  }

  grpc::ServerWriteReactor<ToolsChanged>* WatchTools(grpc::CallbackServerContext*,
                                                     const WatchToolsRequest*) override {
    absl::MutexLock lock(&mu_);
    auto* watch = new FakeWatch(this, std::to_string(version_));
    if (down_) {
      watch->Kill();
    } else {
      watches_.insert(watch);
    }
    return watch;
  }

 private:
  const std::string name_;
  absl::Mutex mu_;
  std::vector<Tool> tools_ ABSL_GUARDED_BY(mu_);
  int version_ ABSL_GUARDED_BY(mu_) = 0;
  bool down_ ABSL_GUARDED_BY(mu_) = false;
  std::set<FakeWatch*> watches_ ABSL_GUARDED_BY(mu_);
  CallToolRequest last_request_ ABSL_GUARDED_BY(mu_);
  std::string last_request_id_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<absl::Notification> saw_cancel_ = std::make_unique<absl::Notification>();
};

FakeWatch::FakeWatch(FakeBackend* backend, const std::string& tag) : backend_(backend) {
  absl::MutexLock lock(&mu_);
  pending_ = tag;
  has_pending_ = true;
  NextLocked();
}

void FakeWatch::OnDone() {
  backend_->Forget(this);
  delete this;
}

// Serves whichever aggregator the current test made (one gRPC server for the
// whole binary: Debian's gRPC 1.51 can trip an assertion when callback
// servers are created and destroyed in quick succession).
class Delegating final : public ToolService::CallbackService {
 public:
  void Set(ToolAggregator* target) { target_.store(target); }
  grpc::ServerUnaryReactor* ListTools(grpc::CallbackServerContext* c, const ListToolsRequest* q,
                                      ListToolsResponse* r) override {
    return target_.load()->ListTools(c, q, r);
  }
  grpc::ServerUnaryReactor* CallTool(grpc::CallbackServerContext* c, const CallToolRequest* q,
                                     CallToolResponse* r) override {
    return target_.load()->CallTool(c, q, r);
  }
  grpc::ServerWriteReactor<CallToolEvent>* CallToolStream(grpc::CallbackServerContext* c,
                                                          const CallToolStreamRequest* q) override {
    return target_.load()->CallToolStream(c, q);
  }
  grpc::ServerWriteReactor<ToolsChanged>* WatchTools(grpc::CallbackServerContext* c,
                                                     const WatchToolsRequest* q) override {
    return target_.load()->WatchTools(c, q);
  }

 private:
  std::atomic<ToolAggregator*> target_{nullptr};
};

class ToolAggregatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    alpha_ = new FakeBackend("alpha");
    beta_ = new FakeBackend("beta");
    delegating_ = new Delegating();
    alpha_server_ = Serve(alpha_).release();
    beta_server_ = Serve(beta_).release();
    front_server_ = Serve(delegating_).release();
  }

  static std::unique_ptr<grpc::Server> Serve(grpc::Service* service) {
    grpc::ServerBuilder builder;
    builder.RegisterService(service);
    return builder.BuildAndStart();
  }

  void SetUp() override {
    alpha_->SetDown(false);
    beta_->SetDown(false);
    alpha_->SetTools({"a1", "echo", "slow"});
    beta_->SetTools({"b1", "echo"});
    alpha_->ResetCancel();
    // The previous test's watches end asynchronously after it cancelled them.
    for (int i = 0; i < 500 && (alpha_->watch_count() + beta_->watch_count()) > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    front_ = ToolService::NewStub(front_server_->InProcessChannel(grpc::ChannelArguments()));
  }

  void TearDown() override {
    delegating_->Set(nullptr);
    aggregator_.reset();
  }

  static ToolBackendConfig Config(const std::string& name, grpc::Server* server,
                                  const std::string& prefix) {
    return {name, prefix, ToolService::NewStub(server->InProcessChannel(grpc::ChannelArguments())),
            nullptr};
  }

  // `beta_calls`: beta's ToolBackendConfig::calls.
  absl::Status StartAggregator(const std::string& beta_prefix,
                               std::shared_ptr<client::ToolClient> beta_calls = nullptr) {
    ToolAggregatorOptions options;
    options.initial_backoff = absl::Milliseconds(20);
    options.max_backoff = absl::Milliseconds(100);
    options.list_timeout = absl::Seconds(2);
    ToolBackendConfig beta = Config("beta", beta_server_, beta_prefix);
    beta.calls = std::move(beta_calls);
    auto aggregator =
        ToolAggregator::Start({Config("alpha", alpha_server_, ""), std::move(beta)}, options);
    if (!aggregator.ok()) return aggregator.status();
    aggregator_ = std::move(*aggregator);
    delegating_->Set(aggregator_.get());
    return absl::OkStatus();
  }

  // Every exposed name, walking the pages `page_size` at a time.
  std::vector<std::string> ListAll(int page_size = 0) {
    std::vector<std::string> names;
    ListToolsRequest request;
    request.set_page_size(page_size);
    for (int page = 0; page < 100; ++page) {
      grpc::ClientContext context;
      ListToolsResponse response;
      grpc::Status status = front_->ListTools(&context, request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const auto& tool : response.tools()) names.push_back(tool.name());
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return names;
  }

  grpc::Status Call(const std::string& name, CallToolResponse* response,
                    const std::string& request_id = "") {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    if (!request_id.empty()) context.AddMetadata(request_id::kMetadataKey, request_id);
    CallToolRequest request;
    request.set_name(name);
    request.mutable_caller()->set_subject("alice-subject");
    return front_->CallTool(&context, request, response);
  }

  static std::string Text(const CallToolResponse& response) {
    if (response.content_size() == 0) return "";
    return response.content(0).fields().at("text").string_value();
  }

  // Waits (bounded) until ListAll() equals `expected`.
  bool WaitForList(const std::vector<std::string>& expected) {
    for (int i = 0; i < 300; ++i) {
      if (ListAll() == expected) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  static FakeBackend* alpha_;
  static FakeBackend* beta_;
  static Delegating* delegating_;
  static grpc::Server* alpha_server_;
  static grpc::Server* beta_server_;
  static grpc::Server* front_server_;
  std::unique_ptr<ToolService::Stub> front_;
  std::unique_ptr<ToolAggregator> aggregator_;
};

FakeBackend* ToolAggregatorTest::alpha_;
FakeBackend* ToolAggregatorTest::beta_;
Delegating* ToolAggregatorTest::delegating_;
grpc::Server* ToolAggregatorTest::alpha_server_;
grpc::Server* ToolAggregatorTest::beta_server_;
grpc::Server* ToolAggregatorTest::front_server_;

TEST_F(ToolAggregatorTest, CollisionAtStartupIsAnErrorNamingToolAndBackends) {
  absl::Status status = StartAggregator("");
  ASSERT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("'echo'"), absl::string_view::npos) << status;
  EXPECT_NE(status.message().find("'alpha'"), absl::string_view::npos) << status;
  EXPECT_NE(status.message().find("'beta'"), absl::string_view::npos) << status;
}

TEST_F(ToolAggregatorTest, ListsEveryBackendAcrossPages) {
  ASSERT_TRUE(StartAggregator("b_").ok());
  const std::vector<std::string> all = {"a1", "echo", "slow", "b_b1", "b_echo"};
  EXPECT_EQ(ListAll(), all);
  EXPECT_EQ(ListAll(2), all);
  EXPECT_EQ(ListAll(1), all);

  grpc::ClientContext context;
  ListToolsRequest request;
  request.set_page_token("bogus");
  ListToolsResponse response;
  EXPECT_EQ(front_->ListTools(&context, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ToolAggregatorTest, RoutesByNameWithCallerAndRequestId) {
  ASSERT_TRUE(StartAggregator("b_").ok());
  CallToolResponse response;
  ASSERT_TRUE(Call("b_echo", &response, "req-42").ok());
  EXPECT_EQ(Text(response), "beta:echo");  // prefix removed, right backend
  EXPECT_EQ(beta_->last_request().caller().subject(), "alice-subject");
  EXPECT_EQ(beta_->last_request_id(), "req-42");

  response.Clear();
  ASSERT_TRUE(Call("echo", &response).ok());
  EXPECT_EQ(Text(response), "alpha:echo");

  grpc::Status unknown = Call("nope", &response);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ToolAggregatorTest, DeadlineReachesTheBackend) {
  ASSERT_TRUE(StartAggregator("b_").ok());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  CallToolRequest request;
  request.set_name("slow");
  CallToolResponse response;
  EXPECT_EQ(front_->CallTool(&context, request, &response).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(alpha_->saw_cancel()->WaitForNotificationWithTimeout(absl::Seconds(5)));
}

TEST_F(ToolAggregatorTest, CancellationReachesTheBackend) {
  ASSERT_TRUE(StartAggregator("b_").ok());
  grpc::ClientContext context;
  CallToolRequest request;
  request.set_name("slow");
  CallToolResponse response;
  absl::Notification done;
  grpc::Status status;
  front_->async()->CallTool(&context, &request, &response, [&](grpc::Status s) {
    status = s;
    done.Notify();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(alpha_->saw_cancel()->HasBeenNotified());
  context.TryCancel();
  EXPECT_TRUE(alpha_->saw_cancel()->WaitForNotificationWithTimeout(absl::Seconds(5)));
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
}

// The gateway's client of its in-process aggregate: a call goes to the
// owning backend itself, routed and renamed, with the caller, request id
// and cancellation; unknown tools and the list answer as the aggregate does.
TEST_F(ToolAggregatorTest, AggregateToolClientCallsTheOwningBackend) {
  ASSERT_TRUE(StartAggregator("b_").ok());
  std::shared_ptr<ToolService::StubInterface> front =
      ToolService::NewStub(front_server_->InProcessChannel(grpc::ChannelArguments()));
  std::shared_ptr<client::ToolClient> tools =
      MakeAggregateToolClient(aggregator_.get(), client::MakeUnmeteredRemoteToolClient(front));
  client::CallOptions options;
  options.request_id = "req-7";
  options.timeout = absl::Seconds(5);
  auto start = [&](const std::string& name, grpc::Status* status, CallToolResponse* out,
                   absl::Notification* done) {
    CallToolRequest request;
    request.set_name(name);
    request.mutable_caller()->set_subject("bob-subject");
    tools->CallTool(options, request,
                    [status, out, done](const grpc::Status& s, CallToolResponse& response) {
                      *status = s;
                      out->Swap(&response);
                      done->Notify();
                    });
  };

  grpc::Status status;
  CallToolResponse response;
  absl::Notification echoed;
  start("b_echo", &status, &response, &echoed);
  ASSERT_TRUE(echoed.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Text(response), "beta:echo");
  EXPECT_EQ(beta_->last_request().name(), "echo");
  EXPECT_EQ(beta_->last_request().caller().subject(), "bob-subject");
  EXPECT_EQ(beta_->last_request_id(), "req-7");

  absl::Notification unknown;
  start("nope", &status, &response, &unknown);
  ASSERT_TRUE(unknown.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  options.cancellation = std::make_shared<client::Cancellation>();
  absl::Notification cancelled;
  start("slow", &status, &response, &cancelled);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(alpha_->saw_cancel()->HasBeenNotified());
  options.cancellation->Cancel();
  EXPECT_TRUE(alpha_->saw_cancel()->WaitForNotificationWithTimeout(absl::Seconds(5)));
  ASSERT_TRUE(cancelled.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);

  options.cancellation = nullptr;
  absl::Notification listed;
  std::vector<std::string> names;
  tools->ListTools(options, ListToolsRequest(),
                   [&](const grpc::Status& s, ListToolsResponse& page) {
                     EXPECT_TRUE(s.ok()) << s.error_message();
                     for (const auto& tool : page.tools()) names.push_back(tool.name());
                     listed.Notify();
                   });
  ASSERT_TRUE(listed.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(names, (std::vector<std::string>{"a1", "echo", "slow", "b_b1", "b_echo"}));
}

// A ToolClient that records the calls made through it and answers each
// with a text block naming the method.
class RecordingToolClient final : public client::ToolClient {
 public:
  void ListTools(const client::CallOptions&, const ListToolsRequest&,
                 client::UnaryDone<ListToolsResponse> done) override {
    ListToolsResponse empty;
    done(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not here"), empty);
  }
  void CallTool(const client::CallOptions& options, const CallToolRequest& request,
                client::UnaryDone<CallToolResponse> done) override {
    Record("CallTool", options, request, nlohmann::json());
    CallToolResponse response;
    (*response.add_content()->mutable_fields())["text"].set_string_value("recorded:CallTool");
    done(grpc::Status::OK, response);
  }
  void CallToolJson(const client::CallOptions& options, const CallToolRequest& request,
                    const nlohmann::json& arguments, client::UnaryDone<JsonResult> done) override {
    Record("CallToolJson", options, request, arguments);
    JsonResult result;
    result.content.push_back({{"type", "text"}, {"text", "recorded:CallToolJson"}});
    done(grpc::Status::OK, result);
  }
  void CallToolStream(const client::CallOptions&, const CallToolStreamRequest&, EventFn,
                      StreamDoneFn done) override {
    done(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not here"), nullptr);
  }
  void WatchTools(const client::CallOptions&, ChangeFn, StatusFn done) override {
    done(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not here"));
  }

  struct Call {
    std::string method;
    std::string request_id;
    CallToolRequest request;
    nlohmann::json arguments;
  };
  std::vector<Call> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  void Record(const char* method, const client::CallOptions& options,
              const CallToolRequest& request, const nlohmann::json& arguments) {
    absl::MutexLock lock(&mu_);
    calls_.push_back({method, options.request_id, request, arguments});
  }

  absl::Mutex mu_;
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);
};

// A backend with its own client (ToolBackendConfig::calls, e.g. CallToolMux
// streams or a direct call) gets the gateway's calls of its tools through
// it, CallToolJson as CallToolJson (no Struct on the way), routed and
// renamed; a backend without one is called over its stub.
TEST_F(ToolAggregatorTest, AggregateToolClientUsesTheBackendsOwnClient) {
  auto recorder = std::make_shared<RecordingToolClient>();
  ASSERT_TRUE(StartAggregator("b_", recorder).ok());
  std::shared_ptr<ToolService::StubInterface> front =
      ToolService::NewStub(front_server_->InProcessChannel(grpc::ChannelArguments()));
  std::shared_ptr<client::ToolClient> tools =
      MakeAggregateToolClient(aggregator_.get(), client::MakeUnmeteredRemoteToolClient(front));
  client::CallOptions options;
  options.request_id = "req-9";
  options.timeout = absl::Seconds(5);
  CallToolRequest request;
  request.mutable_caller()->set_subject("carol-subject");
  const nlohmann::json arguments = {{"message", "hi"}, {"n", 3}};

  // Answered before returning (the recorder answers inline).
  std::vector<std::string> texts;
  auto keep_json = [&](const grpc::Status& status, client::ToolClient::JsonResult& result) {
    EXPECT_TRUE(status.ok()) << status.error_message();
    texts.push_back(result.content.empty() ? "" : result.content[0].value("text", ""));
  };
  request.set_name("b_echo");
  tools->CallToolJson(options, request, arguments, keep_json);
  request.set_name("b_b1");
  tools->CallTool(options, request, [&](const grpc::Status& status, CallToolResponse& response) {
    EXPECT_TRUE(status.ok()) << status.error_message();
    texts.push_back(Text(response));
  });
  EXPECT_EQ(texts, (std::vector<std::string>{"recorded:CallToolJson", "recorded:CallTool"}));
  std::vector<RecordingToolClient::Call> calls = recorder->calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].method, "CallToolJson");
  EXPECT_EQ(calls[0].request.name(), "echo");
  EXPECT_EQ(calls[0].request.caller().subject(), "carol-subject");
  EXPECT_EQ(calls[0].request_id, "req-9");
  EXPECT_EQ(calls[0].arguments, arguments);
  EXPECT_EQ(calls[1].method, "CallTool");
  EXPECT_EQ(calls[1].request.name(), "b1");

  // alpha has no client of its own: its stub, as before.
  absl::Notification answered;
  grpc::Status status;
  std::string text;
  request.set_name("echo");
  tools->CallToolJson(options, request, arguments,
                      [&](const grpc::Status& s, client::ToolClient::JsonResult& result) {
                        status = s;
                        text = result.content.empty() ? "" : result.content[0].value("text", "");
                        answered.Notify();
                      });
  ASSERT_TRUE(answered.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(text, "alpha:echo");
  EXPECT_EQ(recorder->calls().size(), 2u);

  // Unknown names are the aggregate's answer, whichever method.
  request.set_name("nope");
  tools->CallToolJson(options, request, arguments,
                      [&](const grpc::Status& s, client::ToolClient::JsonResult&) { status = s; });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ToolAggregatorTest, StreamsEventsFromTheBackend) {
  ASSERT_TRUE(StartAggregator("b_").ok());
  grpc::ClientContext context;
  CallToolStreamRequest request;
  request.mutable_call()->set_name("b_b1");
  request.set_progress(true);
  auto reader = front_->CallToolStream(&context, request);
  std::vector<CallToolEvent> events;
  CallToolEvent event;
  while (reader->Read(&event)) events.push_back(event);
  ASSERT_TRUE(reader->Finish().ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[0].has_progress());
  ASSERT_TRUE(events[1].has_result());
  EXPECT_EQ(events[1].result().content(0).fields().at("text").string_value(), "beta:b1");

  grpc::ClientContext unknown_context;
  request.mutable_call()->set_name("nope");
  auto unknown = front_->CallToolStream(&unknown_context, request);
  EXPECT_FALSE(unknown->Read(&event));
  EXPECT_EQ(unknown->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ToolAggregatorTest, BackendDownRemovesItsToolsAndBackRestoresThem) {
  ASSERT_TRUE(StartAggregator("b_").ok());
  grpc::ClientContext watch_context;
  auto watch = front_->WatchTools(&watch_context, WatchToolsRequest());
  ToolsChanged first;
  ASSERT_TRUE(watch->Read(&first));

  beta_->SetDown(true);
  ASSERT_TRUE(WaitForList({"a1", "echo", "slow"}));
  ToolsChanged changed;
  ASSERT_TRUE(watch->Read(&changed));  // list_changed for the endpoint
  EXPECT_NE(changed.version_tag(), first.version_tag());

  CallToolResponse response;
  grpc::Status unavailable = Call("b_b1", &response);
  EXPECT_EQ(unavailable.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(unavailable.error_message().find("'b_b1'"), std::string::npos)
      << unavailable.error_message();
  EXPECT_NE(unavailable.error_message().find("'beta'"), std::string::npos);
  ASSERT_TRUE(Call("a1", &response).ok());  // the other backend still works
  auto states = aggregator_->BackendStatus();
  ASSERT_EQ(states.size(), 2u);
  EXPECT_TRUE(states[0].up);
  EXPECT_FALSE(states[1].up);
  EXPECT_FALSE(states[1].last_error.empty());

  beta_->SetDown(false);  // reconnects with backoff
  ASSERT_TRUE(WaitForList({"a1", "echo", "slow", "b_b1", "b_echo"}));
  ASSERT_TRUE(watch->Read(&changed));
  response.Clear();
  ASSERT_TRUE(Call("b_b1", &response).ok());
  EXPECT_EQ(Text(response), "beta:b1");
  EXPECT_TRUE(aggregator_->BackendStatus()[1].up);
  watch_context.TryCancel();
  watch->Finish();
}

TEST_F(ToolAggregatorTest, ToolsAddedAtRuntimeAppearAndACollisionLeavesTheNewcomerOut) {
  ASSERT_FALSE(StartAggregator("").ok());  // echo collides without a prefix
  beta_->SetTools({"b1"});
  ASSERT_TRUE(StartAggregator("").ok());
  EXPECT_EQ(ListAll(), (std::vector<std::string>{"a1", "echo", "slow", "b1"}));

  beta_->SetTools({"b1", "a1", "b2"});  // a1 belongs to alpha
  ASSERT_TRUE(WaitForList({"a1", "echo", "slow", "b1", "b2"}));
  CallToolResponse response;
  ASSERT_TRUE(Call("a1", &response).ok());
  EXPECT_EQ(Text(response), "alpha:a1");

  alpha_->SetTools({"echo", "slow"});  // alpha gives a1 up: beta's takes over
  ASSERT_TRUE(WaitForList({"echo", "slow", "b1", "a1", "b2"}));
  response.Clear();
  ASSERT_TRUE(Call("a1", &response).ok());
  EXPECT_EQ(Text(response), "beta:a1");
}

TEST_F(ToolAggregatorTest, ABackendDownAtStartIsRetried) {
  beta_->SetDown(true);
  ASSERT_TRUE(StartAggregator("b_").ok());
  EXPECT_EQ(ListAll(), (std::vector<std::string>{"a1", "echo", "slow"}));
  EXPECT_FALSE(aggregator_->BackendStatus()[1].up);
  beta_->SetDown(false);
  EXPECT_TRUE(WaitForList({"a1", "echo", "slow", "b_b1", "b_echo"}));
}

TEST_F(ToolAggregatorTest, DestroyingStopsWatching) {
  ASSERT_TRUE(StartAggregator("b_").ok());
  for (int i = 0; i < 200 && beta_->watch_count() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(beta_->watch_count(), 1);
  delegating_->Set(nullptr);
  aggregator_.reset();
  for (int i = 0; i < 200 && beta_->watch_count() != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(beta_->watch_count(), 0);
}

}  // namespace
}  // namespace mcp_oauth::mcp
