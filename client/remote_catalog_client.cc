#include "client/remote_catalog_client.h"

#include <utility>

#include "client/grpc_client_call.h"

namespace mcp_oauth::client {
namespace {

namespace pv1 = prompts::v1;
namespace rv1 = resources::v1;

class RemoteResourceClient final : public ResourceClient {
 public:
  explicit RemoteResourceClient(std::shared_ptr<rv1::ResourceService::StubInterface> stub)
      : stub_(std::move(stub)) {}

  void ListResources(const CallOptions& options, const rv1::ListResourcesRequest& request,
                     UnaryDone<rv1::ListResourcesResponse> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->ListResources(args...); });
  }
  void ListResourceTemplates(const CallOptions& options,
                             const rv1::ListResourceTemplatesRequest& request,
                             UnaryDone<rv1::ListResourceTemplatesResponse> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->ListResourceTemplates(args...); });
  }
  void ReadResource(const CallOptions& options, const rv1::ReadResourceRequest& request,
                    UnaryDone<rv1::ReadResourceResponse> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->ReadResource(args...); });
  }
  void Complete(const CallOptions& options, const rv1::CompleteRequest& request,
                UnaryDone<rv1::CompleteResponse> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->Complete(args...); });
  }
  void WatchResources(const CallOptions& options, UpdateFn on_update, StatusFn done) override {
    StreamReader<rv1::WatchResourcesRequest, rv1::ResourceUpdated>::Start(
        options, rv1::WatchResourcesRequest(), std::move(on_update), std::move(done),
        [this](auto... args) { stub_->async()->WatchResources(args...); });
  }

 private:
  const std::shared_ptr<rv1::ResourceService::StubInterface> stub_;
};

class RemotePromptClient final : public PromptClient {
 public:
  explicit RemotePromptClient(std::shared_ptr<pv1::PromptService::StubInterface> stub)
      : stub_(std::move(stub)) {}

  void ListPrompts(const CallOptions& options, const pv1::ListPromptsRequest& request,
                   UnaryDone<pv1::ListPromptsResponse> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->ListPrompts(args...); });
  }
  void GetPrompt(const CallOptions& options, const pv1::GetPromptRequest& request,
                 UnaryDone<pv1::GetPromptResponse> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->GetPrompt(args...); });
  }
  void Complete(const CallOptions& options, const pv1::CompleteRequest& request,
                UnaryDone<pv1::CompleteResponse> done) override {
    StartUnary(options, request, std::move(done),
               [this](auto... args) { stub_->async()->Complete(args...); });
  }

 private:
  const std::shared_ptr<pv1::PromptService::StubInterface> stub_;
};

}  // namespace

std::shared_ptr<ResourceClient> MakeRemoteResourceClient(
    std::shared_ptr<rv1::ResourceService::StubInterface> stub) {
  return Metered(std::make_shared<RemoteResourceClient>(std::move(stub)));
}

std::shared_ptr<PromptClient> MakeRemotePromptClient(
    std::shared_ptr<pv1::PromptService::StubInterface> stub) {
  return Metered(std::make_shared<RemotePromptClient>(std::move(stub)));
}

}  // namespace mcp_oauth::client
