#include "mcp/aggregate/resource_aggregator.h"

#include <map>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "mcp/aggregate/backend_catalog.h"
#include "mcp/aggregate/backend_monitor.h"
#include "mcp/aggregate/forward.h"
#include "mcp/aggregate/named_merge.h"
#include "mcp/change_feed.h"
#include "mcp/uri_template.h"
#include "mcp/watch_writer.h"

namespace mcp_oauth::mcp {
namespace {

using mcp_oauth::resources::v1::CompleteRequest;
using mcp_oauth::resources::v1::CompleteResponse;
using mcp_oauth::resources::v1::ListResourcesRequest;
using mcp_oauth::resources::v1::ListResourcesResponse;
using mcp_oauth::resources::v1::ListResourceTemplatesRequest;
using mcp_oauth::resources::v1::ListResourceTemplatesResponse;
using mcp_oauth::resources::v1::ReadResourceRequest;
using mcp_oauth::resources::v1::ReadResourceResponse;
using mcp_oauth::resources::v1::Resource;
using mcp_oauth::resources::v1::ResourceService;
using mcp_oauth::resources::v1::ResourceTemplate;
using mcp_oauth::resources::v1::ResourceUpdated;
using mcp_oauth::resources::v1::WatchResourcesRequest;

struct Snapshot {
  std::vector<Resource> resources;
  std::vector<ResourceTemplate> templates;
};

struct Merged {
  NamedMerged<Resource> resources;
  NamedMerged<ResourceTemplate> templates;
  // The listed templates (merged order) and those of down backends, parsed,
  // with their backend, to route a read that names no listed resource.
  std::vector<std::pair<UriTemplate, size_t>> matchers;
  std::vector<std::pair<UriTemplate, size_t>> down_matchers;
  std::vector<std::string> collisions;
};

using Catalog = BackendCatalog<Snapshot, Merged>;

Merged MergeResources(const std::vector<CatalogBackend<Snapshot>>& backends,
                      const Merged& previous) {
  std::vector<NamedBackend<Resource>> resources;
  std::vector<NamedBackend<ResourceTemplate>> templates;
  for (const auto& backend : backends) {
    const bool up = backend.up && backend.serves;
    // URIs are never prefixed.
    resources.push_back({backend.name, "", up, backend.snapshot.resources});
    templates.push_back({backend.name, "", up, backend.snapshot.templates});
  }
  static constexpr NamedKey<Resource> kResourceKey = {
      [](const Resource& r) { return r.uri(); },
      [](Resource* r, const std::string& uri) { r->set_uri(uri); }, "resource URI", ""};
  static constexpr NamedKey<ResourceTemplate> kTemplateKey = {
      [](const ResourceTemplate& t) { return t.uri_template(); },
      [](ResourceTemplate* t, const std::string& text) { t->set_uri_template(text); },
      "resource template", ""};
  Merged merged;
  merged.resources = MergeNamed(resources, Owners(previous.resources), kResourceKey);
  merged.templates = MergeNamed(templates, Owners(previous.templates), kTemplateKey);
  for (const auto& item : merged.templates.items) {
    auto parsed = UriTemplate::Parse(item.uri_template());
    if (parsed.ok()) {
      merged.matchers.emplace_back(*std::move(parsed),
                                   merged.templates.routes.at(item.uri_template()).backend);
    }
  }
  for (const auto& [text, backend] : merged.templates.unavailable) {
    auto parsed = UriTemplate::Parse(text);
    if (parsed.ok()) merged.down_matchers.emplace_back(*std::move(parsed), backend);
  }
  merged.collisions = merged.resources.collisions;
  merged.collisions.insert(merged.collisions.end(), merged.templates.collisions.begin(),
                           merged.templates.collisions.end());
  return merged;
}

void ListSnapshot(std::shared_ptr<ResourceService::StubInterface> stub, absl::Duration timeout,
                  Catalog::Done done) {
  ListAllPages<ListResourcesRequest, ListResourcesResponse, Resource>(
      [stub](grpc::ClientContext* context, const ListResourcesRequest* request,
             ListResourcesResponse* response, std::function<void(grpc::Status)> finish) {
        stub->async()->ListResources(context, request, response, std::move(finish));
      },
      [](ListResourcesResponse* response, std::vector<Resource>* out) {
        for (auto& item : *response->mutable_resources()) out->push_back(std::move(item));
      },
      timeout,
      [stub, timeout, done = std::move(done)](absl::StatusOr<std::vector<Resource>> resources) {
        if (!resources.ok()) {
          done(resources.status());
          return;
        }
        ListAllPages<ListResourceTemplatesRequest, ListResourceTemplatesResponse, ResourceTemplate>(
            [stub](grpc::ClientContext* context, const ListResourceTemplatesRequest* request,
                   ListResourceTemplatesResponse* response,
                   std::function<void(grpc::Status)> finish) {
              stub->async()->ListResourceTemplates(context, request, response, std::move(finish));
            },
            [](ListResourceTemplatesResponse* response, std::vector<ResourceTemplate>* out) {
              for (auto& item : *response->mutable_resource_templates()) {
                out->push_back(std::move(item));
              }
            },
            timeout,
            [resources = *std::move(resources),
             done](absl::StatusOr<std::vector<ResourceTemplate>> templates) mutable {
              if (!templates.ok()) {
                done(templates.status());
                return;
              }
              done(Snapshot{std::move(resources), *std::move(templates)});
            });
      });
}

}  // namespace

class ResourceAggregator::Impl {
 public:
  Impl(std::vector<CatalogBackendConfig> backends, CatalogAggregatorOptions options)
      : options_(options), feed_(std::make_shared<ChangeFeed>()) {
    std::vector<std::pair<std::string, std::string>> names;
    for (auto& backend : backends) {
      names.emplace_back(backend.name, "");
      stubs_.push_back(std::move(backend.resources));
    }
    watches_.resize(stubs_.size());
    const auto stubs = stubs_;
    const absl::Duration timeout = options_.list_timeout;
    catalog_ = std::make_shared<Catalog>(
        "ResourceService", std::move(names),
        [stubs, timeout](size_t index, Catalog::Done done) {
          ListSnapshot(stubs[index], timeout, std::move(done));
        },
        MergeResources,
        // Safe: ~Impl shuts the catalog down (waiting for its listings) first.
        [this](size_t index) { EnsureUpdateWatch(index); });
  }

  ~Impl() {
    catalog_->Shutdown();
    std::vector<std::shared_ptr<UpdateWatch>> watches;
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      for (auto& watch : watches_) {
        if (watch) watches.push_back(watch);
      }
    }
    for (auto& watch : watches) watch->context.TryCancel();
    watches.clear();
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* open) { return *open == 0; }, &open_watches_));
  }

  void Start(const std::shared_ptr<BackendMonitor>& monitor) {
    monitor->AddListener(catalog_);
    catalog_->Initialize();
  }

  // Returns the stub of the backend serving `uri`.
  absl::StatusOr<std::shared_ptr<ResourceService::StubInterface>> RouteUri(
      const std::string& uri) const {
    std::shared_ptr<const Merged> merged = catalog_->merged();
    auto it = merged->resources.routes.find(uri);
    if (it != merged->resources.routes.end()) return stubs_[it->second.backend];
    auto down = merged->resources.unavailable.find(uri);
    if (down != merged->resources.unavailable.end()) return Unavailable(uri, down->second);
    std::map<std::string, std::string> variables;
    for (const auto& [matcher, backend] : merged->matchers) {
      if (matcher.Match(uri, &variables)) return stubs_[backend];
    }
    for (const auto& [matcher, backend] : merged->down_matchers) {
      if (matcher.Match(uri, &variables)) return Unavailable(uri, backend);
    }
    return absl::NotFoundError("unknown resource: " + uri);
  }

  // Returns the stub of the backend listing the template `text`.
  absl::StatusOr<std::shared_ptr<ResourceService::StubInterface>> RouteTemplate(
      const std::string& text) const {
    std::shared_ptr<const Merged> merged = catalog_->merged();
    auto it = merged->templates.routes.find(text);
    if (it != merged->templates.routes.end()) return stubs_[it->second.backend];
    auto down = merged->templates.unavailable.find(text);
    if (down != merged->templates.unavailable.end()) return Unavailable(text, down->second);
    return absl::NotFoundError("unknown resource template: " + text);
  }

  const CatalogAggregatorOptions options_;
  std::vector<std::shared_ptr<ResourceService::StubInterface>> stubs_;
  std::shared_ptr<Catalog> catalog_;
  std::shared_ptr<ChangeFeed> feed_;

 private:
  // One WatchResources stream to a backend, open while the backend serves
  // resources; its updates go to feed_. Reopened by the next successful
  // listing (the backend's watch said it answers again).
  struct UpdateWatch final : public grpc::ClientReadReactor<ResourceUpdated> {
    UpdateWatch(Impl* impl, size_t index) : impl(impl), index(index) {}
    void OnReadDone(bool ok) override {
      if (!ok) return;  // OnDone follows
      if (!event.uri().empty()) impl->feed_->Publish(event.uri());
      StartRead(&event);
    }
    void OnDone(const grpc::Status& /*status*/) override { impl->WatchEnded(index); }
    Impl* const impl;
    const size_t index;
    grpc::ClientContext context;
    WatchResourcesRequest request;
    ResourceUpdated event;
  };

  absl::Status Unavailable(const std::string& what, size_t backend) const {
    return absl::UnavailableError("resource '" + what + "' is unavailable: its backend '" +
                                  catalog_->backend_name(backend) + "' is down");
  }

  void EnsureUpdateWatch(size_t index) {
    std::shared_ptr<UpdateWatch> watch;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_ || watches_[index]) return;
      watch = std::make_shared<UpdateWatch>(this, index);
      watches_[index] = watch;
      ++open_watches_;
    }
    stubs_[index]->async()->WatchResources(&watch->context, &watch->request, watch.get());
    watch->StartRead(&watch->event);
    watch->StartCall();
  }

  void WatchEnded(size_t index) {
    std::shared_ptr<UpdateWatch> done;
    {
      absl::MutexLock lock(&mu_);
      done = std::move(watches_[index]);
      --open_watches_;
    }
    // `done` may hold the last reference to the reactor running this (its
    // OnDone touches nothing after): freed on return.
  }

  absl::Mutex mu_;
  std::vector<std::shared_ptr<UpdateWatch>> watches_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int open_watches_ ABSL_GUARDED_BY(mu_) = 0;
};

std::unique_ptr<ResourceAggregator> ResourceAggregator::Start(
    std::vector<CatalogBackendConfig> backends, std::shared_ptr<BackendMonitor> monitor,
    CatalogAggregatorOptions options) {
  auto impl = std::make_unique<Impl>(std::move(backends), options);
  impl->Start(monitor);
  return std::unique_ptr<ResourceAggregator>(new ResourceAggregator(std::move(impl)));
}

ResourceAggregator::ResourceAggregator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ResourceAggregator::~ResourceAggregator() = default;

grpc::ServerUnaryReactor* ResourceAggregator::ListResources(grpc::CallbackServerContext* context,
                                                            const ListResourcesRequest* request,
                                                            ListResourcesResponse* response) {
  auto* reactor = context->DefaultReactor();
  std::shared_ptr<const Merged> merged = impl_->catalog_->merged();
  const auto& list = merged->resources;
  reactor->Finish(AnswerListPage(list.items, list.version_tag, *request, impl_->options_,
                                 response->mutable_resources(),
                                 response->mutable_next_page_token()));
  return reactor;
}

grpc::ServerUnaryReactor* ResourceAggregator::ListResourceTemplates(
    grpc::CallbackServerContext* context, const ListResourceTemplatesRequest* request,
    ListResourceTemplatesResponse* response) {
  auto* reactor = context->DefaultReactor();
  std::shared_ptr<const Merged> merged = impl_->catalog_->merged();
  const auto& list = merged->templates;
  reactor->Finish(AnswerListPage(list.items, list.version_tag, *request, impl_->options_,
                                 response->mutable_resource_templates(),
                                 response->mutable_next_page_token()));
  return reactor;
}

grpc::ServerUnaryReactor* ResourceAggregator::ReadResource(grpc::CallbackServerContext* context,
                                                           const ReadResourceRequest* request,
                                                           ReadResourceResponse* response) {
  return ForwardRouted(context, *request, response, impl_->RouteUri(request->uri()),
                       [](auto* async, auto... args) { async->ReadResource(args...); });
}

grpc::ServerUnaryReactor* ResourceAggregator::Complete(grpc::CallbackServerContext* context,
                                                       const CompleteRequest* request,
                                                       CompleteResponse* response) {
  return ForwardRouted(context, *request, response, impl_->RouteTemplate(request->uri_template()),
                       [](auto* async, auto... args) { async->Complete(args...); });
}

grpc::ServerWriteReactor<ResourceUpdated>* ResourceAggregator::WatchResources(
    grpc::CallbackServerContext* /*context*/, const WatchResourcesRequest* /*request*/) {
  // The first event (empty uri) says the watch is in place. The writer keeps
  // the feed alive until its stream is done, even past this object.
  std::shared_ptr<ChangeFeed> feed = impl_->feed_;
  ChangeFeed* raw = feed.get();
  return new WatchWriter<ResourceUpdated>(
      raw,
      [feed = std::move(feed)](const std::string& uri) {
        ResourceUpdated event;
        event.set_uri(uri);
        return event;
      },
      ResourceUpdated(), impl_->options_.max_pending_watch_events);
}

}  // namespace mcp_oauth::mcp
