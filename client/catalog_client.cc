#include "client/catalog_client.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/request_id.h"

namespace mcp_oauth::client {
namespace {

namespace pv1 = prompts::v1;
namespace rv1 = resources::v1;

// `done` metered as `method`, after logging a failure that is not the
// caller's (NOT_FOUND, INVALID_ARGUMENT: an unknown name or a bad argument).
template <typename Response>
UnaryDone<Response> Watched(const char* method, const CallOptions& options,
                            UnaryDone<Response> done) {
  return Observed(method, [method, request_id = options.request_id, done = std::move(done)](
                              const grpc::Status& status, Response& response) {
    if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND &&
        status.error_code() != grpc::StatusCode::INVALID_ARGUMENT) {
      log::Warning(absl::StrCat(request_id::LogPrefix(request_id), method,
                                " failed: ", status.error_code(), " ", status.error_message()));
    }
    done(status, response);
  });
}

class MeteredResourceClient final : public ResourceClient {
 public:
  explicit MeteredResourceClient(std::shared_ptr<ResourceClient> inner)
      : inner_(std::move(inner)) {}

  void ListResources(const CallOptions& options, const rv1::ListResourcesRequest& request,
                     UnaryDone<rv1::ListResourcesResponse> done) override {
    inner_->ListResources(options, request,
                          Watched("ResourceService/ListResources", options, std::move(done)));
  }
  void ListResourceTemplates(const CallOptions& options,
                             const rv1::ListResourceTemplatesRequest& request,
                             UnaryDone<rv1::ListResourceTemplatesResponse> done) override {
    inner_->ListResourceTemplates(
        options, request,
        Watched("ResourceService/ListResourceTemplates", options, std::move(done)));
  }
  void ReadResource(const CallOptions& options, const rv1::ReadResourceRequest& request,
                    UnaryDone<rv1::ReadResourceResponse> done) override {
    inner_->ReadResource(options, request,
                         Watched("ResourceService/ReadResource", options, std::move(done)));
  }
  void Complete(const CallOptions& options, const rv1::CompleteRequest& request,
                UnaryDone<rv1::CompleteResponse> done) override {
    inner_->Complete(options, request,
                     Watched("ResourceService/Complete", options, std::move(done)));
  }
  // A watch lives as long as its streams: its latency says nothing.
  void WatchResources(const CallOptions& options, UpdateFn on_update, StatusFn done) override {
    inner_->WatchResources(options, std::move(on_update), std::move(done));
  }

 private:
  const std::shared_ptr<ResourceClient> inner_;
};

class MeteredPromptClient final : public PromptClient {
 public:
  explicit MeteredPromptClient(std::shared_ptr<PromptClient> inner) : inner_(std::move(inner)) {}

  void ListPrompts(const CallOptions& options, const pv1::ListPromptsRequest& request,
                   UnaryDone<pv1::ListPromptsResponse> done) override {
    inner_->ListPrompts(options, request,
                        Watched("PromptService/ListPrompts", options, std::move(done)));
  }
  void GetPrompt(const CallOptions& options, const pv1::GetPromptRequest& request,
                 UnaryDone<pv1::GetPromptResponse> done) override {
    inner_->GetPrompt(options, request,
                      Watched("PromptService/GetPrompt", options, std::move(done)));
  }
  void Complete(const CallOptions& options, const pv1::CompleteRequest& request,
                UnaryDone<pv1::CompleteResponse> done) override {
    inner_->Complete(options, request, Watched("PromptService/Complete", options, std::move(done)));
  }

 private:
  const std::shared_ptr<PromptClient> inner_;
};

}  // namespace

std::shared_ptr<ResourceClient> Metered(std::shared_ptr<ResourceClient> inner) {
  return std::make_shared<MeteredResourceClient>(std::move(inner));
}

std::shared_ptr<PromptClient> Metered(std::shared_ptr<PromptClient> inner) {
  return std::make_shared<MeteredPromptClient>(std::move(inner));
}

}  // namespace mcp_oauth::client
