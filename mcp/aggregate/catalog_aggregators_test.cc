// PromptAggregator and ResourceAggregator over fake backends that serve
// ToolService (its WatchTools is the liveness signal, see BackendMonitor),
// PromptService and ResourceService: merged paged lists, routing with the
// prompt prefix removed, URI collisions, a backend without the services
// skipped, a backend going down and coming back, forwarded resource updates.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/request_id.h"
#include "mcp/aggregate/backend_monitor.h"
#include "mcp/aggregate/prompt_aggregator.h"
#include "mcp/aggregate/resource_aggregator.h"

namespace mcp_oauth::mcp {
namespace {

namespace pv1 = mcp_oauth::prompts::v1;
namespace rv1 = mcp_oauth::resources::v1;
namespace tv1 = mcp_oauth::tools::v1;

// A server stream that writes events pushed to it and ends on Kill or when
// the caller cancels.
template <typename Event>
class PushStream final : public grpc::ServerWriteReactor<Event> {
 public:
  PushStream(std::function<void(PushStream*)> on_done, Event first) : on_done_(std::move(on_done)) {
    Push(std::move(first));
  }
  void Push(Event event) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(event));
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
    queue_.erase(queue_.begin());
    if (!ok) kill_ = true;
    NextLocked();
  }
  void OnCancel() override { Kill(); }
  void OnDone() override {
    on_done_(this);
    delete this;
  }

 private:
  void NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finished_) return;
    if (kill_) {
      finished_ = true;
      this->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "backend going away"));
    } else if (!queue_.empty()) {
      writing_ = true;
      this->StartWrite(&queue_.front());
    }
  }
  const std::function<void(PushStream*)> on_done_;
  absl::Mutex mu_;
  std::vector<Event> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool kill_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// What a fake backend offers and whether it answers; shared by its services.
struct FakeState {
  explicit FakeState(std::string name) : name(std::move(name)) {}
  const std::string name;
  absl::Mutex mu;
  bool down ABSL_GUARDED_BY(mu) = false;
  std::vector<std::string> prompts ABSL_GUARDED_BY(mu);
  std::vector<std::string> resources ABSL_GUARDED_BY(mu);
  std::vector<std::string> templates ABSL_GUARDED_BY(mu);
  std::set<PushStream<tv1::ToolsChanged>*> tool_watches ABSL_GUARDED_BY(mu);
  std::set<PushStream<rv1::ResourceUpdated>*> resource_watches ABSL_GUARDED_BY(mu);
  std::string last_subject ABSL_GUARDED_BY(mu);
  std::string last_request_id ABSL_GUARDED_BY(mu);

  void SetDown(bool value) {
    absl::MutexLock lock(&mu);
    down = value;
    if (!value) return;
    for (auto* watch : tool_watches) watch->Kill();
    for (auto* watch : resource_watches) watch->Kill();
  }
  void PushUpdate(const std::string& uri) {
    absl::MutexLock lock(&mu);
    rv1::ResourceUpdated event;
    event.set_uri(uri);
    for (auto* watch : resource_watches) watch->Push(event);
  }
  int resource_watch_count() {
    absl::MutexLock lock(&mu);
    return static_cast<int>(resource_watches.size());
  }
  // Returns the status to answer with (UNAVAILABLE while down).
  grpc::Status Record(grpc::CallbackServerContext* context, const identity::v1::Principal& caller) {
    absl::MutexLock lock(&mu);
    if (down) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "down");
    last_subject = caller.subject();
    auto it = context->client_metadata().find(request_id::kMetadataKey);
    last_request_id = it == context->client_metadata().end()
                          ? ""
                          : std::string(it->second.data(), it->second.size());
    return grpc::Status::OK;
  }
  bool IsDown() {
    absl::MutexLock lock(&mu);
    return down;
  }
};

grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context, grpc::Status status) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

grpc::Status Up(FakeState* state) {
  return state->IsDown() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "down") : grpc::Status::OK;
}

class FakeTools final : public tv1::ToolService::CallbackService {
 public:
  explicit FakeTools(FakeState* state) : state_(state) {}
  grpc::ServerUnaryReactor* ListTools(grpc::CallbackServerContext* c, const tv1::ListToolsRequest*,
                                      tv1::ListToolsResponse*) override {
    return Answer(c, Up(state_));
  }
  grpc::ServerWriteReactor<tv1::ToolsChanged>* WatchTools(grpc::CallbackServerContext*,
                                                          const tv1::WatchToolsRequest*) override {
    FakeState* state = state_;
    auto* watch = new PushStream<tv1::ToolsChanged>(
        [state](PushStream<tv1::ToolsChanged>* self) {
          absl::MutexLock lock(&state->mu);
          state->tool_watches.erase(self);
        },
        tv1::ToolsChanged());
    absl::MutexLock lock(&state->mu);
    if (state->down) {
      watch->Kill();
    } else {
      state->tool_watches.insert(watch);
    }
    return watch;
  }

 private:
  FakeState* const state_;
};

class FakePrompts final : public pv1::PromptService::CallbackService {
 public:
  explicit FakePrompts(FakeState* state) : state_(state) {}
  grpc::ServerUnaryReactor* ListPrompts(grpc::CallbackServerContext* c,
                                        const pv1::ListPromptsRequest*,
                                        pv1::ListPromptsResponse* response) override {
    absl::MutexLock lock(&state_->mu);
    if (state_->down) return Answer(c, grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"));
    for (const auto& name : state_->prompts) response->add_prompts()->set_name(name);
    return Answer(c, grpc::Status::OK);
  }
  grpc::ServerUnaryReactor* GetPrompt(grpc::CallbackServerContext* c,
                                      const pv1::GetPromptRequest* request,
                                      pv1::GetPromptResponse* response) override {
    response->set_description(state_->name + ":" + request->name());
    return Answer(c, state_->Record(c, request->caller()));
  }
  grpc::ServerUnaryReactor* Complete(grpc::CallbackServerContext* c,
                                     const pv1::CompleteRequest* request,
                                     pv1::CompleteResponse* response) override {
    response->add_values(state_->name + ":" + request->prompt_name());
    return Answer(c, state_->Record(c, request->caller()));
  }

 private:
  FakeState* const state_;
};

class FakeResources final : public rv1::ResourceService::CallbackService {
 public:
  explicit FakeResources(FakeState* state) : state_(state) {}
  grpc::ServerUnaryReactor* ListResources(grpc::CallbackServerContext* c,
                                          const rv1::ListResourcesRequest*,
                                          rv1::ListResourcesResponse* response) override {
    absl::MutexLock lock(&state_->mu);
    if (state_->down) return Answer(c, grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"));
    for (const auto& uri : state_->resources) response->add_resources()->set_uri(uri);
    return Answer(c, grpc::Status::OK);
  }
  grpc::ServerUnaryReactor* ListResourceTemplates(
      grpc::CallbackServerContext* c, const rv1::ListResourceTemplatesRequest*,
      rv1::ListResourceTemplatesResponse* response) override {
    absl::MutexLock lock(&state_->mu);
    if (state_->down) return Answer(c, grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"));
    for (const auto& text : state_->templates)
      response->add_resource_templates()->set_uri_template(text);
    return Answer(c, grpc::Status::OK);
  }
  grpc::ServerUnaryReactor* ReadResource(grpc::CallbackServerContext* c,
                                         const rv1::ReadResourceRequest* request,
                                         rv1::ReadResourceResponse* response) override {
    auto* contents = response->add_contents();
    contents->set_uri(request->uri());
    contents->set_text(state_->name + ":" + request->uri());
    return Answer(c, state_->Record(c, request->caller()));
  }
  grpc::ServerUnaryReactor* Complete(grpc::CallbackServerContext* c,
                                     const rv1::CompleteRequest* request,
                                     rv1::CompleteResponse* response) override {
    response->add_values(state_->name + ":" + request->uri_template());
    return Answer(c, state_->Record(c, request->caller()));
  }
  grpc::ServerWriteReactor<rv1::ResourceUpdated>* WatchResources(
      grpc::CallbackServerContext*, const rv1::WatchResourcesRequest*) override {
    FakeState* state = state_;
    auto* watch = new PushStream<rv1::ResourceUpdated>(
        [state](PushStream<rv1::ResourceUpdated>* self) {
          absl::MutexLock lock(&state->mu);
          state->resource_watches.erase(self);
        },
        rv1::ResourceUpdated());
    absl::MutexLock lock(&state->mu);
    if (state->down) {
      watch->Kill();
    } else {
      state->resource_watches.insert(watch);
    }
    return watch;
  }

 private:
  FakeState* const state_;
};

// One fake backend: its state, services and server (never destroyed: gRPC
// 1.51 can trip over callback servers torn down in quick succession).
struct Fake {
  explicit Fake(const std::string& name, bool catalog)
      : state(name), tools(&state), prompts(&state), resources(&state) {
    grpc::ServerBuilder builder;
    builder.RegisterService(&tools);
    if (catalog) {
      builder.RegisterService(&prompts);
      builder.RegisterService(&resources);
    }
    server = builder.BuildAndStart();
  }
  std::shared_ptr<grpc::Channel> Channel() {
    return server->InProcessChannel(grpc::ChannelArguments());
  }
  FakeState state;
  FakeTools tools;
  FakePrompts prompts;
  FakeResources resources;
  std::unique_ptr<grpc::Server> server;
};

class CatalogAggregatorsTest : public ::testing::Test {
 protected:
  // Backends "alpha", "beta" (prefix "b_") and "gamma" (tools only), in that
  // order; the aggregates served on one front server.
  static void SetUpTestSuite() {
    alpha_ = new Fake("alpha", true);
    beta_ = new Fake("beta", true);
    gamma_ = new Fake("gamma", false);
    Reset();
    monitor_ = new std::shared_ptr<BackendMonitor>(MakeMonitor());
    (*monitor_)->Start();
    prompts_ = PromptAggregator::Start(Configs(), *monitor_).release();
    resources_ = ResourceAggregator::Start(Configs(), *monitor_).release();
    grpc::ServerBuilder builder;
    builder.RegisterService(prompts_);
    builder.RegisterService(resources_);
    front_ = builder.BuildAndStart().release();
  }

  static void Reset() {
    for (Fake* fake : {alpha_, beta_, gamma_}) fake->state.SetDown(false);
    {
      absl::MutexLock lock(&alpha_->state.mu);
      alpha_->state.prompts = {"p1", "shared"};
      alpha_->state.resources = {"res://a1", "res://shared"};
      alpha_->state.templates = {"tmpl://alpha/{id}"};
    }
    absl::MutexLock lock(&beta_->state.mu);
    beta_->state.prompts = {"shared", "p2"};
    beta_->state.resources = {"res://shared", "res://b1"};
    beta_->state.templates = {"tmpl://beta/{id}", "tmpl://alpha/{id}"};
  }

  static std::shared_ptr<BackendMonitor> MakeMonitor() {
    std::vector<std::shared_ptr<tv1::ToolService::StubInterface>> stubs;
    for (Fake* fake : {alpha_, beta_, gamma_})
      stubs.push_back(tv1::ToolService::NewStub(fake->Channel()));
    return std::make_shared<BackendMonitor>(
        std::move(stubs), BackendMonitor::Options{absl::Milliseconds(20), absl::Milliseconds(100)});
  }

  static std::vector<CatalogBackendConfig> Configs() {
    std::vector<CatalogBackendConfig> configs;
    for (auto [fake, prefix] :
         {std::pair{alpha_, ""}, std::pair{beta_, "b_"}, std::pair{gamma_, ""}}) {
      configs.push_back({fake->state.name, prefix, rv1::ResourceService::NewStub(fake->Channel()),
                         pv1::PromptService::NewStub(fake->Channel())});
    }
    return configs;
  }

  void SetUp() override {
    Reset();
    prompts_stub_ = pv1::PromptService::NewStub(front_->InProcessChannel(grpc::ChannelArguments()));
    resources_stub_ =
        rv1::ResourceService::NewStub(front_->InProcessChannel(grpc::ChannelArguments()));
    ASSERT_TRUE(WaitFor(
        [this] { return PromptNames() == kAllPrompts && ResourceUris() == kAllResources; }));
  }

  static bool WaitFor(const std::function<bool()>& check) {
    for (int i = 0; i < 500; ++i) {
      if (check()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  std::vector<std::string> PromptNames(int page_size = 0) {
    std::vector<std::string> names;
    pv1::ListPromptsRequest request;
    request.set_page_size(page_size);
    for (int page = 0; page < 50; ++page) {
      grpc::ClientContext context;
      pv1::ListPromptsResponse response;
      if (!prompts_stub_->ListPrompts(&context, request, &response).ok()) return {"error"};
      for (const auto& prompt : response.prompts()) names.push_back(prompt.name());
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return names;
  }

  std::vector<std::string> ResourceUris(int page_size = 0) {
    std::vector<std::string> uris;
    rv1::ListResourcesRequest request;
    request.set_page_size(page_size);
    for (int page = 0; page < 50; ++page) {
      grpc::ClientContext context;
      rv1::ListResourcesResponse response;
      if (!resources_stub_->ListResources(&context, request, &response).ok()) return {"error"};
      for (const auto& resource : response.resources()) uris.push_back(resource.uri());
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return uris;
  }

  grpc::Status GetPrompt(const std::string& name, pv1::GetPromptResponse* response) {
    grpc::ClientContext context;
    context.AddMetadata(request_id::kMetadataKey, "req-7");
    pv1::GetPromptRequest request;
    request.set_name(name);
    request.mutable_caller()->set_subject("alice");
    return prompts_stub_->GetPrompt(&context, request, response);
  }

  grpc::Status Read(const std::string& uri, rv1::ReadResourceResponse* response) {
    grpc::ClientContext context;
    rv1::ReadResourceRequest request;
    request.set_uri(uri);
    request.mutable_caller()->set_subject("bob");
    return resources_stub_->ReadResource(&context, request, response);
  }

  const std::vector<std::string> kAllPrompts = {"p1", "shared", "b_shared", "b_p2"};
  // res://shared of beta collides with alpha's (URIs are never prefixed).
  const std::vector<std::string> kAllResources = {"res://a1", "res://shared", "res://b1"};

  static Fake* alpha_;
  static Fake* beta_;
  static Fake* gamma_;
  static std::shared_ptr<BackendMonitor>* monitor_;
  static PromptAggregator* prompts_;
  static ResourceAggregator* resources_;
  static grpc::Server* front_;
  std::unique_ptr<pv1::PromptService::Stub> prompts_stub_;
  std::unique_ptr<rv1::ResourceService::Stub> resources_stub_;
};

Fake* CatalogAggregatorsTest::alpha_;
Fake* CatalogAggregatorsTest::beta_;
Fake* CatalogAggregatorsTest::gamma_;
std::shared_ptr<BackendMonitor>* CatalogAggregatorsTest::monitor_;
PromptAggregator* CatalogAggregatorsTest::prompts_;
ResourceAggregator* CatalogAggregatorsTest::resources_;
grpc::Server* CatalogAggregatorsTest::front_;

TEST_F(CatalogAggregatorsTest, PromptsOfEveryBackendPagedWithPrefixes) {
  // gamma serves no PromptService: skipped, not an error.
  EXPECT_EQ(PromptNames(1), kAllPrompts);
  EXPECT_EQ(PromptNames(3), kAllPrompts);
  grpc::ClientContext context;
  pv1::ListPromptsRequest request;
  request.set_page_token("bogus");
  pv1::ListPromptsResponse response;
  EXPECT_EQ(prompts_stub_->ListPrompts(&context, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(CatalogAggregatorsTest, GetPromptAndCompleteRouteByNameWithoutThePrefix) {
  pv1::GetPromptResponse response;
  ASSERT_TRUE(GetPrompt("b_shared", &response).ok());
  EXPECT_EQ(response.description(), "beta:shared");
  {
    absl::MutexLock lock(&beta_->state.mu);
    EXPECT_EQ(beta_->state.last_subject, "alice");
    EXPECT_EQ(beta_->state.last_request_id, "req-7");
  }
  ASSERT_TRUE(GetPrompt("shared", &response).ok());
  EXPECT_EQ(response.description(), "alpha:shared");
  EXPECT_EQ(GetPrompt("p2", &response).error_code(), grpc::StatusCode::NOT_FOUND);

  grpc::ClientContext context;
  pv1::CompleteRequest complete;
  complete.set_prompt_name("b_p2");
  pv1::CompleteResponse completed;
  ASSERT_TRUE(prompts_stub_->Complete(&context, complete, &completed).ok());
  EXPECT_EQ(completed.values(0), "beta:p2");
}

TEST_F(CatalogAggregatorsTest, ResourcesRouteByUriAndTemplateFirstOwnerKeepsACollidingUri) {
  EXPECT_EQ(ResourceUris(1), kAllResources);
  rv1::ReadResourceResponse response;
  ASSERT_TRUE(Read("res://shared", &response).ok());
  EXPECT_EQ(response.contents(0).text(), "alpha:res://shared");
  ASSERT_TRUE(Read("res://b1", &response).ok());
  EXPECT_EQ(response.contents(0).text(), "beta:res://b1");
  {
    absl::MutexLock lock(&beta_->state.mu);
    EXPECT_EQ(beta_->state.last_subject, "bob");
  }
  // Templates: beta's copy of alpha's template is left out.
  grpc::ClientContext list_context;
  rv1::ListResourceTemplatesResponse templates;
  ASSERT_TRUE(resources_stub_->ListResourceTemplates(&list_context, {}, &templates).ok());
  ASSERT_EQ(templates.resource_templates_size(), 2);
  EXPECT_EQ(templates.resource_templates(0).uri_template(), "tmpl://alpha/{id}");
  EXPECT_EQ(templates.resource_templates(1).uri_template(), "tmpl://beta/{id}");
  ASSERT_TRUE(Read("tmpl://beta/42", &response).ok());
  EXPECT_EQ(response.contents(0).text(), "beta:tmpl://beta/42");
  ASSERT_TRUE(Read("tmpl://alpha/42", &response).ok());
  EXPECT_EQ(response.contents(0).text(), "alpha:tmpl://alpha/42");
  EXPECT_EQ(Read("res://nowhere", &response).error_code(), grpc::StatusCode::NOT_FOUND);

  grpc::ClientContext context;
  rv1::CompleteRequest complete;
  complete.set_uri_template("tmpl://beta/{id}");
  rv1::CompleteResponse completed;
  ASSERT_TRUE(resources_stub_->Complete(&context, complete, &completed).ok());
  EXPECT_EQ(completed.values(0), "beta:tmpl://beta/{id}");
}

TEST_F(CatalogAggregatorsTest, ResourceUpdatesOfTheBackendsAreForwarded) {
  ASSERT_TRUE(WaitFor([] { return beta_->state.resource_watch_count() > 0; }));
  grpc::ClientContext context;
  auto reader = resources_stub_->WatchResources(&context, {});
  rv1::ResourceUpdated event;
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.uri(), "");  // the watch is in place
  beta_->state.PushUpdate("res://b1");
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.uri(), "res://b1");
  context.TryCancel();
  while (reader->Read(&event)) {
  }
  reader->Finish().IgnoreError();
}

TEST_F(CatalogAggregatorsTest, ADownBackendsItemsLeaveAndComeBack) {
  beta_->state.SetDown(true);
  ASSERT_TRUE(WaitFor([this] {
    return PromptNames() == std::vector<std::string>{"p1", "shared"} &&
           ResourceUris() == std::vector<std::string>{"res://a1", "res://shared"};
  }));
  pv1::GetPromptResponse prompt;
  grpc::Status status = GetPrompt("b_p2", &prompt);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "prompt 'b_p2' is unavailable: its backend 'beta' is down");
  rv1::ReadResourceResponse read;
  status = Read("res://b1", &read);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(),
            "resource 'res://b1' is unavailable: its backend 'beta' is down");
  EXPECT_EQ(Read("tmpl://beta/1", &read).error_code(), grpc::StatusCode::UNAVAILABLE);
  // The other backend keeps working.
  ASSERT_TRUE(GetPrompt("p1", &prompt).ok());
  EXPECT_EQ(prompt.description(), "alpha:p1");

  beta_->state.SetDown(false);
  ASSERT_TRUE(
      WaitFor([this] { return PromptNames() == kAllPrompts && ResourceUris() == kAllResources; }));
  ASSERT_TRUE(GetPrompt("b_p2", &prompt).ok());
  EXPECT_EQ(prompt.description(), "beta:p2");
}

// Aggregates torn down while their backends answer: every RPC they started
// ends first (checked under ASan).
TEST_F(CatalogAggregatorsTest, ShutsDownCleanly) {
  std::shared_ptr<BackendMonitor> monitor = MakeMonitor();
  monitor->Start();
  auto prompts = PromptAggregator::Start(Configs(), monitor);
  auto resources = ResourceAggregator::Start(Configs(), monitor);
  ASSERT_TRUE(WaitFor([] { return beta_->state.resource_watch_count() > 1; }));
  resources.reset();
  prompts.reset();
  monitor->Shutdown();
}

}  // namespace
}  // namespace mcp_oauth::mcp
