#include "gateway/service_host.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <functional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "auth/auth_service.h"
#include "auth/authorization_server.h"
#include "auth/memory_store.h"
#include "client/local_auth_client.h"
#include "client/local_tool_client.h"
#include "client/remote_tool_client.h"
#include "client/tool_call_mux.h"
#include "common/grpc_metrics.h"
#include "common/status_macros.h"
#include "gateway/health.h"
#include "mcp/aggregate/aggregate_tool_client.h"
#include "mcp/aggregate/prompt_aggregator.h"
#include "mcp/aggregate/resource_aggregator.h"
#include "mcp/aggregate/tool_aggregator.h"
#include "mcp/catalog.h"
#include "mcp/prompt_service.h"
#include "mcp/request_state.h"
#include "mcp/resource_service.h"
#include "mcp/tool_service.h"
#include "proto/prompts/v1/prompts.grpc.pb.h"
#include "proto/resources/v1/resources.grpc.pb.h"
#include "proto/tools/v1/tools.grpc.pb.h"

namespace mcp_oauth::gateway {
namespace {

class ServiceHost final : public HostedServices {
 public:
  explicit ServiceHost(const GatewayOptions& options) : options_(options) {}
  ~ServiceHost() override { Shutdown(std::chrono::milliseconds(0)); }

  // Hosts the services that are not remote, with health, reflection and
  // MetricsService (whose interceptor counts every RPC served here).
  absl::Status Start() {
    bool host_auth = options_.auth_target.empty();
    bool host_tools = options_.tools_target.empty();
    if (!host_auth && !host_tools) return absl::OkStatus();
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    if (!options_.grpc_listen.empty()) {
      auto credentials =
          grpc_security::ServerCredentialsFor(options_.grpc_listen, options_.grpc_server_security);
      if (!credentials.ok()) return credentials.status();
      builder.AddListeningPort(options_.grpc_listen, *credentials, &grpc_port_);
    }
    if (host_auth) {
      auto core = std::make_shared<auth::AuthorizationServer>(
          options_.auth, options_.store ? options_.store : std::make_shared<auth::MemoryStore>(),
          std::make_shared<auth::RealClock>());
      core->EnableUpstreamSignIn(nullptr);
      auth_service_ = std::make_unique<auth::AuthServiceImpl>(std::move(core));
      builder.RegisterService(auth_service_.get());
    }
    if (host_tools) {
      // Resources and prompts live next to the tools (and, like them, come
      // from the catalog: built-ins plus extensions linked into the binary).
      absl::StatusOr<mcp::Catalog> catalog = mcp::BuildCatalog();
      if (!catalog.ok()) return catalog.status();
      offer_resources_ = !catalog->resources->empty();
      offer_prompts_ = !catalog->prompts->empty();
      offer_completions_ =
          catalog->resources->has_completions() || catalog->prompts->has_completions();
      mcp::ToolServiceOptions tool_options;
      // Multi-round tool calls: a requestState sealed here must open on every
      // replica and on a separate tool_server sharing MCP_SESSION_KEY.
      tool_options.request_state_key = mcp::RequestStateCodec::DeriveKey(options_.session_key);
      tool_registry_ = catalog->tools;
      tool_service_ = std::make_unique<mcp::ToolServiceImpl>(catalog->tools, tool_options);
      // Prompts and resources that ask for input seal their requestState
      // with the same key (their bindings name the method: no state opens
      // for a request of another kind).
      mcp::CatalogServiceOptions catalog_options;
      catalog_options.request_state_key = tool_options.request_state_key;
      resource_service_ =
          std::make_unique<mcp::ResourceServiceImpl>(catalog->resources, catalog_options);
      prompt_service_ = std::make_unique<mcp::PromptServiceImpl>(catalog->prompts, catalog_options);
      if (options_.tool_backends.empty()) {
        builder.RegisterService(tool_service_.get());
        builder.RegisterService(resource_service_.get());
        builder.RegisterService(prompt_service_.get());
      } else {
        RETURN_IF_ERROR(StartToolAggregator());
        builder.RegisterService(aggregator_.get());
        builder.RegisterService(resource_aggregator_.get());
        builder.RegisterService(prompt_aggregator_.get());
        // Backends may serve resources and prompts the built-ins lack.
        offer_resources_ = offer_prompts_ = offer_completions_ = true;
      }
    }
    metrics_service_ = metrics::EnableServerMetrics(builder);
    grpc_server_ = builder.BuildAndStart();
    if (!grpc_server_ || (!options_.grpc_listen.empty() && grpc_port_ == 0)) {
      return absl::UnavailableError("cannot start the internal gRPC server on " +
                                    options_.grpc_listen);
    }
    auto* health = grpc_server_->GetHealthCheckService();
    if (host_auth) health->SetServingStatus(kAuthServiceName, true);
    if (host_tools) health->SetServingStatus(kToolServiceName, true);
    return absl::OkStatus();
  }

  int grpc_port() const override { return grpc_port_; }

  std::shared_ptr<grpc::Channel> InProcessChannel() const override {
    if (!grpc_server_) return nullptr;
    return grpc_server_->InProcessChannel(grpc::ChannelArguments());
  }

  std::shared_ptr<client::AuthClient> LocalAuthClient() const override {
    return auth_service_ ? client::MakeLocalAuthClient(auth_service_.get()) : nullptr;
  }

  std::shared_ptr<client::ToolClient> LocalToolClient(
      std::shared_ptr<client::ToolClient> streams) const override {
    // Several backends: calls straight to the owning backend (one RPC, not
    // one to the aggregate and one from it); lists and streams from the
    // aggregate on the in-process channel.
    if (aggregator_) return mcp::MakeAggregateToolClient(aggregator_.get(), std::move(streams));
    // In process: direct calls, with the streams on the in-process channel.
    if (tool_service_) return client::MakeLocalToolClient(tool_service_.get(), std::move(streams));
    return nullptr;
  }

  std::function<std::vector<std::string>()> ToolNames() const override {
    if (aggregator_) return [aggregator = aggregator_.get()] { return aggregator->ToolNames(); };
    if (tool_registry_) return [registry = tool_registry_] { return registry->names(); };
    return nullptr;
  }

  bool offer_resources() const override { return offer_resources_; }
  bool offer_prompts() const override { return offer_prompts_; }
  bool offer_completions() const override { return offer_completions_; }

  std::vector<std::pair<std::string, bool>> BackendStates() const override {
    std::vector<std::pair<std::string, bool>> states;
    if (!aggregator_) return states;
    for (const auto& backend : aggregator_->BackendStatus()) {
      states.emplace_back(backend.name, backend.up);
    }
    return states;
  }
  bool aggregates_backends() const override { return aggregator_ != nullptr; }

  void Shutdown(std::chrono::milliseconds grace) override {
    if (shut_down_) return;
    shut_down_ = true;
    // Other gateways' CallToolMux streams would hold Shutdown until its deadline.
    if (tool_service_) tool_service_->EndStreams();
    if (grpc_server_) grpc_server_->Shutdown(std::chrono::system_clock::now() + grace);
    // Direct calls still running end now, while the routes they answer to live.
    if (auth_service_) auth_service_->Shutdown();
    if (tool_service_) tool_service_->Shutdown();
  }

 private:
  // Several tool backends: the built-in ToolService (with its resources and
  // prompts) moves to a private in-process server, and the internal port
  // serves the aggregates instead, which watch the backends through one
  // BackendMonitor (the tool aggregate's).
  absl::Status StartToolAggregator() {
    std::vector<mcp::ToolBackendConfig> backends;
    std::vector<mcp::CatalogBackendConfig> catalog_backends;
    // The gateway's own tool calls (MakeAggregateToolClient) go to a
    // backend through `calls`: direct calls of the built-in service, and
    // CallToolMux streams to a remote one (as --tools-target without a name).
    auto add = [&](const std::string& name, const std::string& prefix,
                   const std::shared_ptr<grpc::Channel>& channel,
                   std::function<std::shared_ptr<client::ToolClient>(
                       std::shared_ptr<tools::v1::ToolService::StubInterface>)>
                       calls) {
      std::shared_ptr<tools::v1::ToolService::StubInterface> stub =
          tools::v1::ToolService::NewStub(channel);
      backends.push_back({name, prefix, stub, calls(stub)});
      catalog_backends.push_back({name, prefix, resources::v1::ResourceService::NewStub(channel),
                                  prompts::v1::PromptService::NewStub(channel)});
    };
    if (options_.builtin_tools) {
      grpc::ServerBuilder builtin;
      builtin.RegisterService(tool_service_.get());
      builtin.RegisterService(resource_service_.get());
      builtin.RegisterService(prompt_service_.get());
      builtin_server_ = builtin.BuildAndStart();
      if (!builtin_server_) return absl::InternalError("cannot start the built-in ToolService");
      add("builtin", options_.builtin_tools_prefix,
          builtin_server_->InProcessChannel(grpc::ChannelArguments()),
          [this](std::shared_ptr<tools::v1::ToolService::StubInterface> stub) {
            return client::MakeUnmeteredLocalToolClient(
                tool_service_.get(), client::MakeUnmeteredRemoteToolClient(std::move(stub)));
          });
    }
    for (const auto& backend : options_.tool_backends) {
      // Reconnect backoff capped at the aggregator's own (5 s): a restarted
      // backend's tools come back within seconds. One channel per backend,
      // and one for its CallToolMux streams.
      constexpr int kMaxReconnectBackoffMs = 5000;
      add(backend.name, backend.prefix,
          grpc_security::CreateChannel(backend.target, backend.security, kMaxReconnectBackoffMs),
          [&](std::shared_ptr<tools::v1::ToolService::StubInterface> stub) {
            grpc::ChannelArguments mux_arguments;
            client::SetToolCallMuxChannelArguments(&mux_arguments);
            mux_arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
            mux_arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 1000);
            client::ToolCallMuxOptions mux_options;
            mux_options.streams = options_.http.threads;
            auto mux = std::make_shared<client::ToolCallMux>(
                tools::v1::ToolService::NewStub(
                    grpc_security::CreateChannel(backend.target, backend.security, mux_arguments)),
                mux_options);
            tool_call_muxes_.push_back(mux);
            return client::MakeUnmeteredRemoteToolClient(std::move(stub), std::move(mux));
          });
    }
    auto aggregator = mcp::ToolAggregator::Start(std::move(backends));
    if (!aggregator.ok()) return aggregator.status();
    aggregator_ = std::move(*aggregator);
    resource_aggregator_ = mcp::ResourceAggregator::Start(catalog_backends, aggregator_->monitor());
    prompt_aggregator_ =
        mcp::PromptAggregator::Start(std::move(catalog_backends), aggregator_->monitor());
    return absl::OkStatus();
  }

  const GatewayOptions options_;
  // The CallToolMux streams of the remote tool backends, also shared by the
  // aggregate's routes: held here so that the last reference (which waits
  // for the streams to end) goes on this thread, after the servers.
  std::vector<std::shared_ptr<client::ToolCallMux>> tool_call_muxes_;
  std::unique_ptr<auth::AuthServiceImpl> auth_service_;
  std::shared_ptr<const mcp::ToolRegistry> tool_registry_;
  std::unique_ptr<mcp::ToolServiceImpl> tool_service_;
  std::unique_ptr<mcp::ResourceServiceImpl> resource_service_;
  std::unique_ptr<mcp::PromptServiceImpl> prompt_service_;
  // With tool_backends: the server of the three built-in services, then the
  // aggregates, which call it (destroyed in reverse: aggregates first, then
  // the server, then the services it serves).
  std::unique_ptr<grpc::Server> builtin_server_;
  std::unique_ptr<mcp::ToolAggregator> aggregator_;
  std::unique_ptr<mcp::ResourceAggregator> resource_aggregator_;
  std::unique_ptr<mcp::PromptAggregator> prompt_aggregator_;
  std::unique_ptr<grpc::Service> metrics_service_;
  bool offer_resources_ = false;
  bool offer_prompts_ = false;
  bool offer_completions_ = false;
  std::unique_ptr<grpc::Server> grpc_server_;
  int grpc_port_ = 0;
  bool shut_down_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<HostedServices>> HostServices(const GatewayOptions& options) {
  auto host = std::make_unique<ServiceHost>(options);
  RETURN_IF_ERROR(host->Start());
  return std::unique_ptr<HostedServices>(std::move(host));
}

}  // namespace mcp_oauth::gateway
