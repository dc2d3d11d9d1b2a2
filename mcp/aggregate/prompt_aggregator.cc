#include "mcp/aggregate/prompt_aggregator.h"

#include <utility>

#include "mcp/aggregate/backend_catalog.h"
#include "mcp/aggregate/backend_monitor.h"
#include "mcp/aggregate/forward.h"
#include "mcp/aggregate/named_merge.h"

namespace mcp_oauth::mcp {
namespace {

using mcp_oauth::prompts::v1::CompleteRequest;
using mcp_oauth::prompts::v1::CompleteResponse;
using mcp_oauth::prompts::v1::GetPromptRequest;
using mcp_oauth::prompts::v1::GetPromptResponse;
using mcp_oauth::prompts::v1::ListPromptsRequest;
using mcp_oauth::prompts::v1::ListPromptsResponse;
using mcp_oauth::prompts::v1::Prompt;
using mcp_oauth::prompts::v1::PromptService;

using Snapshot = std::vector<Prompt>;
using Merged = NamedMerged<Prompt>;
using Catalog = BackendCatalog<Snapshot, Merged>;

Merged MergePrompts(const std::vector<CatalogBackend<Snapshot>>& backends, const Merged& previous) {
  std::vector<NamedBackend<Prompt>> named;
  for (const auto& backend : backends) {
    named.push_back({backend.name, backend.prefix, backend.up && backend.serves, backend.snapshot});
  }
  static constexpr NamedKey<Prompt> kKey = {
      [](const Prompt& prompt) { return prompt.name(); },
      [](Prompt* prompt, const std::string& name) { prompt->set_name(name); }, "prompt name",
      " (give one of them a prefix)"};
  return MergeNamed(named, Owners(previous), kKey);
}

}  // namespace

class PromptAggregator::Impl {
 public:
  Impl(std::vector<CatalogBackendConfig> backends, CatalogAggregatorOptions options)
      : options_(options) {
    std::vector<std::pair<std::string, std::string>> names;
    for (auto& backend : backends) {
      names.emplace_back(backend.name, backend.prefix);
      stubs_.push_back(std::move(backend.prompts));
    }
    const auto stubs = stubs_;
    const absl::Duration timeout = options_.list_timeout;
    catalog_ = std::make_shared<Catalog>(
        "PromptService", std::move(names),
        [stubs, timeout](size_t index, Catalog::Done done) {
          auto stub = stubs[index];
          ListAllPages<ListPromptsRequest, ListPromptsResponse, Prompt>(
              [stub](grpc::ClientContext* context, const ListPromptsRequest* request,
                     ListPromptsResponse* response, std::function<void(grpc::Status)> finish) {
                stub->async()->ListPrompts(context, request, response, std::move(finish));
              },
              [](ListPromptsResponse* response, std::vector<Prompt>* out) {
                for (auto& prompt : *response->mutable_prompts()) out->push_back(std::move(prompt));
              },
              timeout, std::move(done));
        },
        MergePrompts);
  }

  ~Impl() { catalog_->Shutdown(); }

  void Start(const std::shared_ptr<BackendMonitor>& monitor) {
    monitor->AddListener(catalog_);
    catalog_->Initialize();
  }

  // Returns the backend stub and the backend-side name of the prompt exposed
  // as `name`.
  absl::StatusOr<std::pair<std::shared_ptr<PromptService::StubInterface>, std::string>> Route(
      const std::string& name) const {
    std::shared_ptr<const Merged> merged = catalog_->merged();
    auto it = merged->routes.find(name);
    if (it != merged->routes.end()) {
      return std::make_pair(stubs_[it->second.backend], it->second.backend_key);
    }
    auto down = merged->unavailable.find(name);
    if (down != merged->unavailable.end()) {
      return absl::UnavailableError("prompt '" + name + "' is unavailable: its backend '" +
                                    catalog_->backend_name(down->second) + "' is down");
    }
    return absl::NotFoundError("unknown prompt: " + name);
  }

  const CatalogAggregatorOptions options_;
  std::vector<std::shared_ptr<PromptService::StubInterface>> stubs_;
  std::shared_ptr<Catalog> catalog_;
};

std::unique_ptr<PromptAggregator> PromptAggregator::Start(
    std::vector<CatalogBackendConfig> backends, std::shared_ptr<BackendMonitor> monitor,
    CatalogAggregatorOptions options) {
  auto impl = std::make_unique<Impl>(std::move(backends), options);
  impl->Start(monitor);
  return std::unique_ptr<PromptAggregator>(new PromptAggregator(std::move(impl)));
}

PromptAggregator::PromptAggregator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PromptAggregator::~PromptAggregator() = default;

grpc::ServerUnaryReactor* PromptAggregator::ListPrompts(grpc::CallbackServerContext* context,
                                                        const ListPromptsRequest* request,
                                                        ListPromptsResponse* response) {
  auto* reactor = context->DefaultReactor();
  std::shared_ptr<const Merged> merged = impl_->catalog_->merged();
  reactor->Finish(AnswerListPage(merged->items, merged->version_tag, *request, impl_->options_,
                                 response->mutable_prompts(), response->mutable_next_page_token()));
  return reactor;
}

grpc::ServerUnaryReactor* PromptAggregator::GetPrompt(grpc::CallbackServerContext* context,
                                                      const GetPromptRequest* request,
                                                      GetPromptResponse* response) {
  auto route = impl_->Route(request->name());
  if (!route.ok()) {
    auto* reactor = context->DefaultReactor();
    reactor->Finish(ToGrpcStatus(route.status()));
    return reactor;
  }
  GetPromptRequest forwarded = *request;
  forwarded.set_name(route->second);
  auto stub = std::move(route->first);
  PromptService::StubInterface* raw = stub.get();
  return ForwardUnary<GetPromptRequest, GetPromptResponse>(
      context, std::move(forwarded), response, std::move(stub),
      [raw](grpc::ClientContext* c, const GetPromptRequest* q, GetPromptResponse* r,
            std::function<void(grpc::Status)> done) {
        raw->async()->GetPrompt(c, q, r, std::move(done));
      });
}

grpc::ServerUnaryReactor* PromptAggregator::Complete(grpc::CallbackServerContext* context,
                                                     const CompleteRequest* request,
                                                     CompleteResponse* response) {
  auto route = impl_->Route(request->prompt_name());
  if (!route.ok()) {
    auto* reactor = context->DefaultReactor();
    reactor->Finish(ToGrpcStatus(route.status()));
    return reactor;
  }
  CompleteRequest forwarded = *request;
  forwarded.set_prompt_name(route->second);
  auto stub = std::move(route->first);
  PromptService::StubInterface* raw = stub.get();
  return ForwardUnary<CompleteRequest, CompleteResponse>(
      context, std::move(forwarded), response, std::move(stub),
      [raw](grpc::ClientContext* c, const CompleteRequest* q, CompleteResponse* r,
            std::function<void(grpc::Status)> done) {
        raw->async()->Complete(c, q, r, std::move(done));
      });
}

}  // namespace mcp_oauth::mcp
