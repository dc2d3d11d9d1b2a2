#include "mcp/aggregate/tool_aggregator.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <set>
#include <unordered_map>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/request_id.h"
#include "mcp/aggregate/backend_monitor.h"
#include "mcp/aggregate/forward.h"
#include "mcp/aggregate/stream_bridge.h"
#include "mcp/aggregate/tool_merge.h"
#include "mcp/change_feed.h"
#include "mcp/paging.h"
#include "mcp/watch_writer.h"

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

metrics::Family<metrics::Gauge>& BackendUpGauge() {
  static auto& family = metrics::DefaultRegistry().GaugeFamily(
      "mcp_tool_backend_up", "1 while the tool backend answers its WatchTools stream, else 0.",
      {"backend"});
  return family;
}

metrics::Family<metrics::Gauge>& BackendToolsGauge() {
  static auto& family = metrics::DefaultRegistry().GaugeFamily(
      "mcp_tool_backend_tools", "Tools the backend offers (0 while it is down).", {"backend"});
  return family;
}

// A CallToolStream answered without a backend (unknown or unavailable tool).
class FinishedWriter final : public grpc::ServerWriteReactor<CallToolEvent> {
 public:
  explicit FinishedWriter(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

class ToolAggregator::Core final : public BackendMonitor::Listener {
 public:
  Core(std::vector<ToolBackendConfig> configs, ToolAggregatorOptions options)
      : options_(std::move(options)), backend_count_(configs.size()) {
    std::vector<std::shared_ptr<ToolService::StubInterface>> stubs;
    for (const auto& config : configs) stubs.push_back(config.stub);
    monitor_ = std::make_shared<BackendMonitor>(
        std::move(stubs), BackendMonitor::Options{options_.initial_backoff, options_.max_backoff});
    absl::MutexLock lock(&mu_);
    for (auto& config : configs) {
      Backend backend;
      backend.config = std::move(config);
      backends_.push_back(std::move(backend));
    }
    merged_ = std::make_shared<const MergedTools>(MergeTools({}, {}));
  }

  const std::shared_ptr<BackendMonitor>& monitor() const { return monitor_; }

  // See ToolAggregator::Start. `self` is this Core, which listens to the
  // monitor until it shuts down.
  absl::Status Initialize(std::shared_ptr<Core> self) {
    const size_t n = backend_count_;
    std::vector<absl::StatusOr<std::vector<Tool>>> results(n, absl::UnavailableError("no answer"));
    absl::BlockingCounter pending(static_cast<int>(n));
    for (size_t i = 0; i < n; ++i) {
      ListAll(i, [&results, &pending, i](absl::StatusOr<std::vector<Tool>> tools) {
        results[i] = std::move(tools);
        pending.DecrementCount();
      });
    }
    pending.Wait();
    std::vector<std::string> collisions;
    {
      absl::MutexLock lock(&mu_);
      for (size_t i = 0; i < n; ++i) {
        Backend& backend = backends_[i];
        if (results[i].ok()) {
          backend.up = true;
          backend.tools = std::move(*results[i]);
          log::Info("tool backend '" + backend.config.name + "' is up (" +
                    std::to_string(backend.tools.size()) + " tools)");
        } else {
          backend.last_error = std::string(results[i].status().message());
          log::Warning("tool backend '" + backend.config.name + "' is not answering (" +
                       backend.last_error + "); retrying in the background");
        }
      }
      collisions = RemergeLocked().collisions;
    }
    if (!collisions.empty()) {
      return absl::FailedPreconditionError(absl::StrJoin(collisions, "; "));
    }
    monitor_->AddListener(std::move(self));
    monitor_->Start();
    return absl::OkStatus();
  }

  // Stops the monitor (its watches and reconnects) and waits for every
  // listing this object started to finish.
  void Shutdown() {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    monitor_->Shutdown();  // drops this listener: no reference cycle
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* in_flight) { return *in_flight == 0; }, &in_flight_));
  }

  // BackendMonitor::Listener: the backend answers, or its tools changed.
  void OnWatchEvent(size_t index) override { Refresh(index); }

  std::vector<ToolBackendStatus> BackendStatus() const {
    absl::ReaderMutexLock lock(&mu_);
    std::vector<ToolBackendStatus> out;
    for (const auto& backend : backends_) {
      out.push_back({backend.config.name, backend.up, backend.up ? backend.tools.size() : 0,
                     backend.last_error});
    }
    return out;
  }

  std::shared_ptr<const MergedTools> merged() const {
    absl::ReaderMutexLock lock(&mu_);
    return merged_;
  }

  // Returns the backend and backend-side name of the tool exposed as `name`.
  absl::StatusOr<BackendRoute> Route(const std::string& name) const {
    absl::ReaderMutexLock lock(&mu_);
    auto it = merged_->routes.find(name);
    if (it != merged_->routes.end()) {
      const ToolBackendConfig& backend = backends_[it->second.backend].config;
      return BackendRoute{backend.stub, backend.calls, it->second.backend_key};
    }
    auto down = merged_->unavailable.find(name);
    if (down != merged_->unavailable.end()) {
      return absl::UnavailableError("tool '" + name + "' is unavailable: its backend '" +
                                    backends_[down->second].config.name + "' is down");
    }
    return absl::NotFoundError("unknown tool: " + name);
  }

  const ToolAggregatorOptions& options() const { return options_; }
  ChangeFeed& feed() { return feed_; }

 private:
  struct Backend {
    ToolBackendConfig config;
    bool up = false;
    std::vector<Tool> tools;  // as last listed
    std::string last_error;
    // Bumped by every refresh started and every watch end: a listing that
    // finishes after a newer one started, or after its watch ended, is stale.
    uint64_t refresh_seq = 0;
  };

  // Lists every tool of backend `index`, then calls `done` (on a gRPC
  // thread). Each page request counts in in_flight_ (Shutdown waits for
  // them); once stopping, the next page ends the walk with CANCELLED.
  void ListAll(size_t index, std::function<void(absl::StatusOr<std::vector<Tool>>)> done) {
    ListAllPages<ListToolsRequest, ListToolsResponse, Tool>(
        [this, index](grpc::ClientContext* context, const ListToolsRequest* request,
                      ListToolsResponse* response, std::function<void(grpc::Status)> finish) {
          ToolService::StubInterface* stub;
          {
            absl::MutexLock lock(&mu_);
            if (!stopping_) {
              stub = backends_[index].config.stub.get();
              ++in_flight_;
            } else {
              stub = nullptr;
            }
          }
          if (stub == nullptr) {
            finish(grpc::Status(grpc::StatusCode::CANCELLED, "shutting down"));
            return;
          }
          stub->async()->ListTools(context, request, response,
                                   [this, finish = std::move(finish)](grpc::Status status) {
                                     finish(status);
                                     absl::MutexLock lock(&mu_);
                                     --in_flight_;
                                   });
        },
        [](ListToolsResponse* response, std::vector<Tool>* out) {
          for (auto& tool : *response->mutable_tools()) out->push_back(std::move(tool));
        },
        options_.list_timeout, std::move(done));
  }

  // The backend's list changed (or its watch just started): re-list it.
  void Refresh(size_t index) {
    uint64_t seq;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      seq = ++backends_[index].refresh_seq;
    }
    ListAll(index, [this, index, seq](absl::StatusOr<std::vector<Tool>> tools) {
      ApplyListing(index, seq, std::move(tools));
    });
  }

  void ApplyListing(size_t index, uint64_t seq, absl::StatusOr<std::vector<Tool>> tools) {
    bool restart = false;
    Changes changes;
    {
      absl::MutexLock lock(&mu_);
      Backend& backend = backends_[index];
      if (stopping_ || seq != backend.refresh_seq) return;
      if (!tools.ok()) {
        // Reconnect through the watch's end, which marks the backend down.
        backend.last_error = std::string(tools.status().message());
        restart = true;
      } else {
        const bool was_up = backend.up;
        backend.up = true;
        backend.tools = std::move(*tools);
        backend.last_error.clear();
        monitor_->ResetBackoff(index);
        if (!was_up) {
          log::Info("tool backend '" + backend.config.name + "' is up (" +
                    std::to_string(backend.tools.size()) + " tools)");
        }
        changes = RemergeLocked();
      }
    }
    if (restart) monitor_->Restart(index);
    Announce(changes);
  }

  // BackendMonitor::Listener: the backend is down (or restarting).
  void OnWatchEnded(size_t index, const grpc::Status& status) override {
    Changes changes;
    {
      absl::MutexLock lock(&mu_);
      Backend& backend = backends_[index];
      if (stopping_) return;
      ++backend.refresh_seq;
      if (backend.last_error.empty() || status.error_code() != grpc::StatusCode::CANCELLED) {
        backend.last_error = status.ok() ? "the watch ended" : status.error_message();
      }
      if (backend.up) {
        log::Warning("tool backend '" + backend.config.name + "' is down (" + backend.last_error +
                     "); its tools are unavailable until it answers again");
      }
      backend.up = false;
      changes = RemergeLocked();
    }
    Announce(changes);
  }

  struct Changes {
    bool changed = false;
    std::string version_tag;
    std::vector<std::string> collisions;  // new since the previous merge
  };

  Changes RemergeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<BackendTools> inputs;
    for (const auto& backend : backends_) {
      inputs.push_back({backend.config.name, backend.config.prefix, backend.up, backend.tools});
    }
    std::unordered_map<std::string, size_t> owner;
    for (const auto& [name, route] : merged_->routes) owner.emplace(name, route.backend);
    auto merged = std::make_shared<MergedTools>(MergeTools(inputs, owner));
    Changes changes;
    changes.changed = merged->version_tag != merged_->version_tag;
    changes.version_tag = merged->version_tag;
    std::set<std::string> known(merged_->collisions.begin(), merged_->collisions.end());
    for (const auto& message : merged->collisions) {
      if (known.count(message) == 0) changes.collisions.push_back(message);
    }
    merged_ = std::move(merged);
    for (const auto& backend : backends_) {
      BackendUpGauge().WithLabels({backend.config.name}).Set(backend.up ? 1 : 0);
      BackendToolsGauge()
          .WithLabels({backend.config.name})
          .Set(backend.up ? static_cast<double>(backend.tools.size()) : 0);
    }
    return changes;
  }

  // Logs new collisions and tells the watchers (outside mu_: listeners run
  // under the feed's lock).
  void Announce(const Changes& changes) {
    for (const auto& message : changes.collisions) log::Error(message);
    if (changes.changed) feed_.Publish(changes.version_tag);
  }

  const ToolAggregatorOptions options_;
  const size_t backend_count_;
  mutable absl::Mutex mu_;
  std::vector<Backend> backends_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const MergedTools> merged_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Listings not yet finished.
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  ChangeFeed feed_;
  std::shared_ptr<BackendMonitor> monitor_;
};

absl::StatusOr<std::unique_ptr<ToolAggregator>> ToolAggregator::Start(
    std::vector<ToolBackendConfig> backends, ToolAggregatorOptions options) {
  std::set<std::string> names;
  for (const auto& backend : backends) {
    if (backend.name.empty()) return absl::InvalidArgumentError("a tool backend needs a name");
    if (!backend.stub) {
      return absl::InvalidArgumentError("tool backend '" + backend.name + "' has no stub");
    }
    if (!names.insert(backend.name).second) {
      return absl::InvalidArgumentError("two tool backends are named '" + backend.name + "'");
    }
  }
  auto core = std::make_shared<Core>(std::move(backends), std::move(options));
  absl::Status status = core->Initialize(core);
  if (!status.ok()) {
    core->Shutdown();
    return status;
  }
  return std::unique_ptr<ToolAggregator>(new ToolAggregator(std::move(core)));
}

ToolAggregator::ToolAggregator(std::shared_ptr<Core> core) : core_(std::move(core)) {}

ToolAggregator::~ToolAggregator() { core_->Shutdown(); }

std::vector<ToolBackendStatus> ToolAggregator::BackendStatus() const {
  return core_->BackendStatus();
}

std::vector<std::string> ToolAggregator::ToolNames() const {
  std::shared_ptr<const MergedTools> merged = core_->merged();
  std::vector<std::string> names;
  names.reserve(merged->tools.size());
  for (const auto& tool : merged->tools) names.push_back(tool.name());
  return names;
}

std::shared_ptr<BackendMonitor> ToolAggregator::monitor() const { return core_->monitor(); }

grpc::ServerUnaryReactor* ToolAggregator::ListTools(grpc::CallbackServerContext* context,
                                                    const ListToolsRequest* request,
                                                    ListToolsResponse* response) {
  auto* reactor = context->DefaultReactor();
  std::shared_ptr<const MergedTools> merged = core_->merged();
  reactor->Finish(AnswerListPage(merged->tools, merged->version_tag, *request, core_->options(),
                                 response->mutable_tools(), response->mutable_next_page_token()));
  return reactor;
}

absl::StatusOr<BackendRoute> ToolAggregator::Route(const std::string& name) const {
  return core_->Route(name);
}

grpc::ServerUnaryReactor* ToolAggregator::CallTool(grpc::CallbackServerContext* context,
                                                   const CallToolRequest* request,
                                                   CallToolResponse* response) {
  auto* reactor = context->DefaultReactor();
  auto route = core_->Route(request->name());
  if (!route.ok()) {
    reactor->Finish(ToGrpcStatus(route.status()));
    return reactor;
  }
  struct Forwarded {
    std::unique_ptr<grpc::ClientContext> context;
    CallToolRequest request;
    std::shared_ptr<ToolService::StubInterface> stub;
  };
  auto call = std::make_shared<Forwarded>();
  // A child call: the caller's deadline and cancellation reach the backend.
  call->context = grpc::ClientContext::FromCallbackServerContext(*context);
  ForwardRequestId(*context, call->context.get());
  call->request = *request;
  call->request.set_name(route->name);
  call->stub = std::move(route->stub);
  Forwarded* raw = call.get();
  raw->stub->async()->CallTool(
      raw->context.get(), &raw->request, response,
      [reactor, call = std::move(call)](grpc::Status status) { reactor->Finish(status); });
  return reactor;
}

grpc::ServerWriteReactor<CallToolEvent>* ToolAggregator::CallToolStream(
    grpc::CallbackServerContext* context, const CallToolStreamRequest* request) {
  auto route = core_->Route(request->call().name());
  if (!route.ok()) return new FinishedWriter(ToGrpcStatus(route.status()));
  CallToolStreamRequest forwarded = *request;
  forwarded.mutable_call()->set_name(route->name);
  auto client_context = grpc::ClientContext::FromCallbackServerContext(*context);
  ForwardRequestId(*context, client_context.get());
  return StreamBridge::Start(std::move(route->stub), std::move(client_context),
                             std::move(forwarded));
}

grpc::ServerWriteReactor<ToolsChanged>* ToolAggregator::WatchTools(
    grpc::CallbackServerContext* /*context*/, const WatchToolsRequest* /*request*/) {
  ToolsChanged first;
  first.set_version_tag(core_->merged()->version_tag);
  // The writer keeps the Core (and so the feed it listens to) alive until
  // its stream is done, even past this object.
  return new WatchWriter<ToolsChanged>(
      &core_->feed(),
      [core = core_](const std::string& version_tag) {
        ToolsChanged event;
        event.set_version_tag(version_tag);
        return event;
      },
      std::move(first), core_->options().max_pending_watch_events);
}

}  // namespace mcp_oauth::mcp
