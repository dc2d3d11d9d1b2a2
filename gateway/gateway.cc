#include "gateway/gateway.h"

#include <utility>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "absl/status/status.h"
#include "common/grpc_metrics.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/status_macros.h"
#include "gateway/access_log.h"
#include "gateway/health.h"
#include "auth/auth_service.h"
#include "client/local_auth_client.h"
#include "client/local_tool_client.h"
#include "client/remote_auth_client.h"
#include "client/remote_tool_client.h"
#include "auth/authorization_server.h"
#include "auth/memory_store.h"
#include "gateway/mcp_route.h"
#include "gateway/metrics_route.h"
#include "gateway/oauth_routes.h"
#include "gateway/router.h"
#include "mcp/aggregate/prompt_aggregator.h"
#include "mcp/aggregate/resource_aggregator.h"
#include "mcp/aggregate/aggregate_tool_client.h"
#include "mcp/aggregate/tool_aggregator.h"
#include "mcp/catalog.h"
#include "mcp/prompt_service.h"
#include "mcp/request_state.h"
#include "mcp/protocol/mcp_endpoint.h"
#include "mcp/resource_service.h"
#include "mcp/tool_service.h"
#include "proto/auth/v1/auth.grpc.pb.h"
#include "proto/tools/v1/tools.grpc.pb.h"

namespace mcp_oauth::gateway {
namespace {

class GatewayImpl final : public Gateway {
 public:
  explicit GatewayImpl(GatewayOptions options) : options_(std::move(options)) {}

  ~GatewayImpl() override { Stop(); }

  absl::Status Start() {
    RETURN_IF_ERROR(StartGrpcServer());
    auth_channel_ = ChannelFor(options_.auth_target);
    tools_channel_ = ChannelFor(options_.tools_target);
    if (!auth_channel_ || !tools_channel_) {
      return absl::FailedPreconditionError(
          "no gRPC server is running in process: give --auth-target and --tools-target, or "
          "host the services here");
    }
    HealthRoute::ToolBackendStates backend_states;
    if (aggregator_) {
      backend_states = [this] {
        std::vector<std::pair<std::string, bool>> states;
        for (const auto& backend : aggregator_->BackendStatus()) {
          states.emplace_back(backend.name, backend.up);
        }
        return states;
      };
    }
    health_ = std::make_unique<HealthRoute>(auth_channel_, tools_channel_, std::move(backend_states));
    router_.Add("GET", "/healthz", [this](HttpRequest request, Responder respond) {
      health_->Handle(std::move(request), std::move(respond));
    });
    // In process: direct calls into the service; else a real gRPC channel.
    std::shared_ptr<client::AuthClient> auth =
        auth_service_ ? client::MakeLocalAuthClient(auth_service_.get())
                      : client::MakeRemoteAuthClient(auth::v1::AuthService::NewStub(auth_channel_));
    oauth_routes_ = std::make_unique<OAuthRoutes>(auth);
    oauth_routes_->Register(router_, options_.form_body_bytes.value_or(kDefaultFormBodyBytes));
    std::shared_ptr<mcp::McpEndpoint> endpoint = MakeMcpEndpoint();
    std::weak_ptr<mcp::McpEndpoint> weak_endpoint = endpoint;
    metrics::DefaultRegistry().GaugeCallback(
        "mcp_active_sessions", "Live MCP sessions in this process's session table.",
        [weak_endpoint]() -> double {
          auto live = weak_endpoint.lock();
          return live ? static_cast<double>(live->ActiveSessionCount()) : 0;
        });
    mcp_route_ = std::make_unique<McpRoute>(std::move(auth), BearerOptions(), std::move(endpoint));
    mcp_route_->Register(router_, options_.auth.mcp_path, McpBodyBytes());
    if (options_.metrics) {
      metrics_route_ = std::make_unique<MetricsRoute>(RemoteMetricsSources());
      router_.Add("GET", "/metrics", [this](HttpRequest request, Responder respond) {
        metrics_route_->Handle(std::move(request), std::move(respond));
      });
    }
    RequestObserverOptions observer_options;
    observer_options.access_log = options_.access_log;
    observer_options.trusted_proxies = options_.trusted_proxies;
    observer_ = std::make_unique<RequestObserver>(
        &router_, [this](const std::string& path) { return router_.HasRoute(path); },
        std::move(observer_options));
    auto http = StartHttpServer(options_.http, observer_.get());
    if (!http.ok()) return http.status();
    http_ = std::move(*http);
    log::Info(std::string("gateway listening on ") +
              (options_.http.tls_cert_file.empty() ? "http://" : "https://") +
              options_.http.host + ":" +
              std::to_string(http_->port()) + (grpc_server_ ? ", internal gRPC on port " +
                                                                   std::to_string(grpc_port_)
                                                             : std::string()));
    return absl::OkStatus();
  }

  int http_port() const override { return http_ ? http_->port() : 0; }
  int grpc_port() const override { return grpc_port_; }
  absl::Status ReloadTls() override {
    return http_ ? http_->ReloadTls() : absl::FailedPreconditionError("not serving");
  }

  void Stop() override {
    if (stopped_) return;
    stopped_ = true;
    if (http_) http_->Stop(options_.shutdown_grace);
    if (grpc_server_) {
      grpc_server_->Shutdown(std::chrono::system_clock::now() + options_.shutdown_grace);
    }
    // Direct calls still running end now, while the routes they answer to live.
    if (auth_service_) auth_service_->Shutdown();
  }

 private:
  // Hosts the services that are not remote, with health, reflection and
  // MetricsService (whose interceptor counts every RPC served here).
  absl::Status StartGrpcServer() {
    bool host_auth = options_.auth_target.empty();
    bool host_tools = options_.tools_target.empty();
    if (!host_auth && !host_tools) return absl::OkStatus();
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    if (!options_.grpc_listen.empty()) {
      auto credentials = grpc_security::ServerCredentialsFor(options_.grpc_listen,
                                                             options_.grpc_server_security);
      if (!credentials.ok()) return credentials.status();
      builder.AddListeningPort(options_.grpc_listen, *credentials, &grpc_port_);
    }
    if (host_auth) {
      auto core = std::make_shared<auth::AuthorizationServer>(
          options_.auth,
          options_.store ? options_.store : std::make_shared<auth::MemoryStore>(),
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
      offer_completions_ = catalog->resources->has_completions() || catalog->prompts->has_completions();
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
      resource_service_ = std::make_unique<mcp::ResourceServiceImpl>(catalog->resources, catalog_options);
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

  // Several tool backends: the built-in ToolService (with its resources and
  // prompts) moves to a private in-process server, and the internal port
  // serves the aggregates instead, which watch the backends through one
  // BackendMonitor (the tool aggregate's).
  absl::Status StartToolAggregator() {
    std::vector<mcp::ToolBackendConfig> backends;
    std::vector<mcp::CatalogBackendConfig> catalog_backends;
    auto add = [&](const std::string& name, const std::string& prefix,
                   const std::shared_ptr<grpc::Channel>& channel) {
      backends.push_back({name, prefix, tools::v1::ToolService::NewStub(channel)});
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
          builtin_server_->InProcessChannel(grpc::ChannelArguments()));
    }
    for (const auto& backend : options_.tool_backends) {
      // Reconnect backoff capped at the aggregator's own (5 s): a restarted
      // backend's tools come back within seconds. One channel per backend.
      add(backend.name, backend.prefix,
          grpc_security::CreateChannel(backend.target, backend.security, 5000));
    }
    auto aggregator = mcp::ToolAggregator::Start(std::move(backends));
    if (!aggregator.ok()) return aggregator.status();
    aggregator_ = std::move(*aggregator);
    resource_aggregator_ = mcp::ResourceAggregator::Start(catalog_backends, aggregator_->monitor());
    prompt_aggregator_ =
        mcp::PromptAggregator::Start(std::move(catalog_backends), aggregator_->monitor());
    return absl::OkStatus();
  }

  // The services reached remotely, whose metrics /metrics adds (labelled
  // remote="auth" / "tools"; one source when both targets are the same).
  std::vector<RemoteMetricsSource> RemoteMetricsSources() const {
    std::vector<RemoteMetricsSource> sources;
    const bool remote_auth = !options_.auth_target.empty();
    const bool remote_tools = !options_.tools_target.empty();
    if (remote_auth && remote_tools && options_.auth_target == options_.tools_target) {
      sources.push_back({"auth+tools", auth_channel_});
      return sources;
    }
    if (remote_auth) sources.push_back({"auth", auth_channel_});
    if (remote_tools) sources.push_back({"tools", tools_channel_});
    return sources;
  }

  size_t McpBodyBytes() const { return options_.mcp_body_bytes.value_or(kDefaultMcpBodyBytes); }

  BearerAuthOptions BearerOptions() const {
    BearerAuthOptions bearer;
    bearer.resource = options_.auth.canonical_resource();
    bearer.resource_metadata_url =
        options_.auth.public_url + "/.well-known/oauth-protected-resource" + options_.auth.mcp_path;
    bearer.required_scopes = options_.required_scopes;
    bearer.cache_ttl = options_.token_cache_ttl;
    return bearer;
  }

  std::shared_ptr<mcp::McpEndpoint> MakeMcpEndpoint() const {
    mcp::McpOptions mcp_options;
    mcp_options.public_url = options_.auth.public_url;
    if (!options_.auth.clients.empty()) mcp_options.client_id = options_.auth.clients[0].client_id;
    mcp_options.allowed_origins = options_.allowed_origins;
    mcp_options.allowed_hosts = options_.allowed_hosts;
    mcp_options.session_key = options_.session_key;
    mcp_options.max_sessions_per_principal = options_.max_sessions_per_principal;
    mcp_options.max_body_bytes = McpBodyBytes();
    // The instructions name the tools tools/list would list now: all
    // backends' when aggregating, else the in-process registry's (a single
    // remote --tools-target is not asked: initialize makes no RPC).
    if (aggregator_) {
      mcp_options.tool_names = [aggregator = aggregator_.get()] { return aggregator->ToolNames(); };
    } else if (tool_registry_) {
      mcp_options.tool_names = [registry = tool_registry_] { return registry->names(); };
    }
    mcp::McpBackends backends;
    std::shared_ptr<tools::v1::ToolService::StubInterface> tools_stub =
        tools::v1::ToolService::NewStub(tools_channel_);
    if (aggregator_) {
      // Several backends: calls straight to the owning backend (one RPC, not
      // one to the aggregate and one from it); lists and streams from the
      // aggregate on the in-process channel.
      backends.tool_client =
          mcp::MakeAggregateToolClient(aggregator_.get(), client::MakeUnmeteredRemoteToolClient(tools_stub));
    } else if (tool_service_) {
      // In process: direct calls, with the streams on the in-process channel.
      backends.tool_client =
          client::MakeLocalToolClient(tool_service_.get(), client::MakeUnmeteredRemoteToolClient(tools_stub));
    } else {
      backends.tool_client = client::MakeRemoteToolClient(tools_stub);
    }
    // A remote ToolService (--tools-target) serves tools only; the aggregates
    // serve resources and prompts from every backend that has them.
    mcp_options.offer_resources = offer_resources_;
    mcp_options.offer_prompts = offer_prompts_;
    mcp_options.offer_completions = offer_completions_;
    if (offer_resources_) backends.resources = resources::v1::ResourceService::NewStub(tools_channel_);
    if (offer_prompts_) backends.prompts = prompts::v1::PromptService::NewStub(tools_channel_);
    return std::make_shared<mcp::McpEndpoint>(std::move(mcp_options), std::move(backends));
  }

  std::shared_ptr<grpc::Channel> ChannelFor(const std::string& target) {
    if (!target.empty()) {
      return grpc_security::CreateChannel(target, options_.grpc_client_security);
    }
    if (!grpc_server_) return nullptr;
    return grpc_server_->InProcessChannel(grpc::ChannelArguments());
  }

  GatewayOptions options_;
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
  std::shared_ptr<grpc::Channel> auth_channel_;
  std::shared_ptr<grpc::Channel> tools_channel_;
  std::unique_ptr<HealthRoute> health_;
  std::unique_ptr<OAuthRoutes> oauth_routes_;
  std::unique_ptr<McpRoute> mcp_route_;
  std::unique_ptr<MetricsRoute> metrics_route_;
  Router router_;
  std::unique_ptr<RequestObserver> observer_;
  std::unique_ptr<HttpServer> http_;
  bool stopped_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Gateway>> StartGateway(const GatewayOptions& options) {
  auto gateway = std::make_unique<GatewayImpl>(options);
  absl::Status status = gateway->Start();
  if (!status.ok()) return status;
  return std::unique_ptr<Gateway>(std::move(gateway));
}

}  // namespace mcp_oauth::gateway
