// The catalog clients over a real gRPC channel to fake ResourceService and
// PromptService: answers and statuses pass through, each call carries its
// deadline and request id, is metered under its method, and only failures
// that are not the caller's are logged; the resource watch streams updates
// until cancelled.
#include "client/catalog_client.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/remote_catalog_client.h"
#include "common/metrics.h"
#include "common/request_id.h"
#include "gtest/gtest.h"

namespace mcp_oauth::client {
namespace {

namespace pv1 = prompts::v1;
namespace rv1 = resources::v1;

// What a fake service saw of its last call, and the status it answers.
struct Seen {
  absl::Mutex mu;
  std::string request_id ABSL_GUARDED_BY(mu);
  absl::Duration deadline_in ABSL_GUARDED_BY(mu);
  grpc::Status answer ABSL_GUARDED_BY(mu);

  grpc::Status Record(grpc::CallbackServerContext* context) {
    absl::MutexLock lock(&mu);
    auto it = context->client_metadata().find(request_id::kMetadataKey);
    request_id = it == context->client_metadata().end()
                     ? ""
                     : std::string(it->second.data(), it->second.size());
    deadline_in = absl::FromChrono(context->deadline()) - absl::Now();
    return answer;
  }
};

template <typename Response>
grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context, Seen& seen) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(seen.Record(context));
  return reactor;
}

class FakeResources final : public rv1::ResourceService::CallbackService {
 public:
  explicit FakeResources(Seen* seen) : seen_(*seen) {}
  grpc::ServerUnaryReactor* ListResources(grpc::CallbackServerContext* context,
                                          const rv1::ListResourcesRequest* request,
                                          rv1::ListResourcesResponse* response) override {
    response->add_resources()->set_uri("page:" + request->page_token());
    return Answer<rv1::ListResourcesResponse>(context, seen_);
  }
  grpc::ServerUnaryReactor* ListResourceTemplates(grpc::CallbackServerContext* context,
                                                  const rv1::ListResourceTemplatesRequest*,
                                                  rv1::ListResourceTemplatesResponse*) override {
    return Answer<rv1::ListResourceTemplatesResponse>(context, seen_);
  }
  grpc::ServerUnaryReactor* ReadResource(grpc::CallbackServerContext* context,
                                         const rv1::ReadResourceRequest* request,
                                         rv1::ReadResourceResponse* response) override {
    response->add_contents()->set_text("read " + request->uri());
    return Answer<rv1::ReadResourceResponse>(context, seen_);
  }
  grpc::ServerUnaryReactor* Complete(grpc::CallbackServerContext* context,
                                     const rv1::CompleteRequest*, rv1::CompleteResponse*) override {
    return Answer<rv1::CompleteResponse>(context, seen_);
  }
  // Sends two updates, then waits to be cancelled.
  grpc::ServerWriteReactor<rv1::ResourceUpdated>* WatchResources(
      grpc::CallbackServerContext* context, const rv1::WatchResourcesRequest*) override {
    class Writer final : public grpc::ServerWriteReactor<rv1::ResourceUpdated> {
     public:
      Writer() {
        updates_[0].set_uri("file:///a");
        updates_[1].set_uri("file:///b");
        StartWrite(&updates_[0]);
      }
      void OnWriteDone(bool ok) override {
        if (ok && ++sent_ < 2) StartWrite(&updates_[sent_]);
      }
      void OnCancel() override { Finish(grpc::Status::CANCELLED); }
      void OnDone() override { delete this; }

     private:
      rv1::ResourceUpdated updates_[2];
      int sent_ = 0;
    };
    (void)context;
    return new Writer();
  }

 private:
  Seen& seen_;
};

class FakePrompts final : public pv1::PromptService::CallbackService {
 public:
  explicit FakePrompts(Seen* seen) : seen_(*seen) {}
  grpc::ServerUnaryReactor* ListPrompts(grpc::CallbackServerContext* context,
                                        const pv1::ListPromptsRequest*,
                                        pv1::ListPromptsResponse*) override {
    return Answer<pv1::ListPromptsResponse>(context, seen_);
  }
  grpc::ServerUnaryReactor* GetPrompt(grpc::CallbackServerContext* context,
                                      const pv1::GetPromptRequest* request,
                                      pv1::GetPromptResponse* response) override {
    response->set_description("prompt " + request->name());
    return Answer<pv1::GetPromptResponse>(context, seen_);
  }
  grpc::ServerUnaryReactor* Complete(grpc::CallbackServerContext* context,
                                     const pv1::CompleteRequest*, pv1::CompleteResponse*) override {
    return Answer<pv1::CompleteResponse>(context, seen_);
  }

 private:
  Seen& seen_;
};

uint64_t Calls(const char* method) {
  return metrics::GrpcClientLatency().WithLabels({method}).Read().count;
}

// Runs a unary call and waits for its end.
template <typename Response, typename Call>
grpc::Status RunCall(Call call, Response* out) {
  absl::Notification done;
  grpc::Status result;
  call([&](const grpc::Status& status, Response& response) {
    result = status;
    *out = response;
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

class CatalogClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&resource_service_);
    builder.RegisterService(&prompt_service_);
    server_ = builder.BuildAndStart();
    auto channel = server_->InProcessChannel(grpc::ChannelArguments());
    resources_ = MakeRemoteResourceClient(rv1::ResourceService::NewStub(channel));
    prompts_ = MakeRemotePromptClient(pv1::PromptService::NewStub(channel));
    options_.request_id = "req-catalog-1";
    options_.timeout = absl::Seconds(7);
  }
  void TearDown() override {
    server_->Shutdown();
    server_->Wait();
  }
  void AnswerWith(grpc::Status status) {
    absl::MutexLock lock(&seen_.mu);
    seen_.answer = std::move(status);
  }

  Seen seen_;
  FakeResources resource_service_{&seen_};
  FakePrompts prompt_service_{&seen_};
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<ResourceClient> resources_;
  std::shared_ptr<PromptClient> prompts_;
  CallOptions options_;
};

TEST_F(CatalogClientTest, CallCarriesDeadlineAndRequestIdAndIsMetered) {
  const uint64_t before = Calls("ResourceService/ReadResource");
  rv1::ReadResourceRequest request;
  request.set_uri("file:///x");
  rv1::ReadResourceResponse response;
  grpc::Status status = RunCall<rv1::ReadResourceResponse>(
      [&](auto done) { resources_->ReadResource(options_, request, done); }, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.contents_size(), 1);
  EXPECT_EQ(response.contents(0).text(), "read file:///x");
  EXPECT_EQ(Calls("ResourceService/ReadResource"), before + 1);
  absl::MutexLock lock(&seen_.mu);
  EXPECT_EQ(seen_.request_id, "req-catalog-1");
  EXPECT_GT(seen_.deadline_in, absl::Seconds(1));
  EXPECT_LE(seen_.deadline_in, absl::Seconds(7));
}

TEST_F(CatalogClientTest, EveryMethodIsMeteredUnderItsName) {
  struct Case {
    const char* method;
    std::function<void()> call;
  };
  auto wait = [](auto&& start) {
    absl::Notification done;
    start([&done](const grpc::Status&, auto&) { done.Notify(); });
    done.WaitForNotification();
  };
  const Case cases[] = {
      {"ResourceService/ListResources",
       [&] { wait([&](auto d) { resources_->ListResources(options_, {}, d); }); }},
      {"ResourceService/ListResourceTemplates",
       [&] { wait([&](auto d) { resources_->ListResourceTemplates(options_, {}, d); }); }},
      {"ResourceService/ReadResource",
       [&] { wait([&](auto d) { resources_->ReadResource(options_, {}, d); }); }},
      {"ResourceService/Complete",
       [&] { wait([&](auto d) { resources_->Complete(options_, {}, d); }); }},
      {"PromptService/ListPrompts",
       [&] { wait([&](auto d) { prompts_->ListPrompts(options_, {}, d); }); }},
      {"PromptService/GetPrompt",
       [&] { wait([&](auto d) { prompts_->GetPrompt(options_, {}, d); }); }},
      {"PromptService/Complete",
       [&] { wait([&](auto d) { prompts_->Complete(options_, {}, d); }); }},
  };
  for (const Case& c : cases) {
    const uint64_t before = Calls(c.method);
    c.call();
    EXPECT_EQ(Calls(c.method), before + 1) << c.method;
  }
}

TEST_F(CatalogClientTest, LogsOnlyFailuresThatAreNotTheCallers) {
  pv1::GetPromptResponse response;
  pv1::GetPromptRequest request;
  request.set_name("missing");
  AnswerWith(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such prompt"));
  testing::internal::CaptureStderr();
  grpc::Status status = RunCall<pv1::GetPromptResponse>(
      [&](auto done) { prompts_->GetPrompt(options_, request, done); }, &response);
  std::string logged = testing::internal::GetCapturedStderr();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(logged.find("PromptService/GetPrompt failed"), std::string::npos) << logged;

  AnswerWith(grpc::Status(grpc::StatusCode::UNAVAILABLE, "backend down"));
  testing::internal::CaptureStderr();
  status = RunCall<pv1::GetPromptResponse>(
      [&](auto done) { prompts_->GetPrompt(options_, request, done); }, &response);
  logged = testing::internal::GetCapturedStderr();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(logged.find("PromptService/GetPrompt failed: 14 backend down"), std::string::npos)
      << logged;
  EXPECT_NE(logged.find("req-catalog-1"), std::string::npos) << logged;
}

TEST_F(CatalogClientTest, WatchStreamsUpdatesUntilCancelled) {
  auto cancellation = std::make_shared<Cancellation>();
  CallOptions options;
  options.timeout = absl::InfiniteDuration();
  options.cancellation = cancellation;
  absl::Mutex mu;
  std::vector<std::string> uris;
  absl::Notification two;
  absl::Notification ended;
  grpc::Status end;
  resources_->WatchResources(
      options,
      [&](const rv1::ResourceUpdated& update) {
        absl::MutexLock lock(&mu);
        uris.push_back(update.uri());
        if (uris.size() == 2) two.Notify();
      },
      [&](const grpc::Status& status) {
        end = status;
        ended.Notify();
      });
  ASSERT_TRUE(two.WaitForNotificationWithTimeout(absl::Seconds(30)));
  cancellation->Cancel();
  ASSERT_TRUE(ended.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(end.error_code(), grpc::StatusCode::CANCELLED);
  absl::MutexLock lock(&mu);
  EXPECT_EQ(uris, (std::vector<std::string>{"file:///a", "file:///b"}));
}

}  // namespace
}  // namespace mcp_oauth::client
