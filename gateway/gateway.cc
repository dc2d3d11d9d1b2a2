#include "gateway/gateway.h"

#include <grpcpp/grpcpp.h>

#include <utility>

#include "absl/status/status.h"
#include "client/remote_auth_client.h"
#include "client/remote_tool_client.h"
#include "client/tool_call_mux.h"
#include "common/log.h"
#include "common/metrics.h"
#include "gateway/access_log.h"
#include "gateway/health.h"
#include "gateway/mcp_route.h"
#include "gateway/metrics_route.h"
#include "gateway/oauth_routes.h"
#include "gateway/router.h"
#include "mcp/protocol/mcp_endpoint.h"
#include "proto/auth/v1/auth.grpc.pb.h"
#include "proto/prompts/v1/prompts.grpc.pb.h"
#include "proto/resources/v1/resources.grpc.pb.h"
#include "proto/tools/v1/tools.grpc.pb.h"

namespace mcp_oauth::gateway {
namespace {

class GatewayImpl final : public Gateway {
 public:
  GatewayImpl(GatewayOptions options, std::unique_ptr<HostedServices> services)
      : options_(std::move(options)), services_(std::move(services)) {}

  ~GatewayImpl() override { Stop(); }

  absl::Status Start() {
    auth_channel_ = ChannelFor(options_.auth_target);
    tools_channel_ = ChannelFor(options_.tools_target);
    if (!auth_channel_ || !tools_channel_) {
      return absl::FailedPreconditionError(
          "no gRPC server is running in process: give --auth-target and --tools-target, or "
          "host the services here");
    }
    HealthRoute::ToolBackendStates backend_states;
    if (services_->aggregates_backends()) {
      backend_states = [this] { return services_->BackendStates(); };
    }
    health_ =
        std::make_unique<HealthRoute>(auth_channel_, tools_channel_, std::move(backend_states));
    router_.Add("GET", "/healthz", [this](HttpRequest request, Responder respond) {
      health_->Handle(std::move(request), std::move(respond));
    });
    // In process: direct calls into the service; else a real gRPC channel.
    std::shared_ptr<client::AuthClient> auth = services_->LocalAuthClient();
    if (!auth) auth = client::MakeRemoteAuthClient(auth::v1::AuthService::NewStub(auth_channel_));
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
              (options_.http.tls_cert_file.empty() ? "http://" : "https://") + options_.http.host +
              ":" + std::to_string(http_->port()) +
              (services_->InProcessChannel()
                   ? ", internal gRPC on port " + std::to_string(services_->grpc_port())
                   : std::string()));
    return absl::OkStatus();
  }

  int http_port() const override { return http_ ? http_->port() : 0; }
  int grpc_port() const override { return services_->grpc_port(); }
  absl::Status ReloadTls() override {
    return http_ ? http_->ReloadTls() : absl::FailedPreconditionError("not serving");
  }

  void Stop() override {
    if (stopped_) return;
    stopped_ = true;
    if (http_) http_->Stop(options_.shutdown_grace);
    services_->Shutdown(options_.shutdown_grace);
  }

 private:
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
    // The instructions name the tools tools/list would list now (a single
    // remote --tools-target is not asked: initialize makes no RPC).
    mcp_options.tool_names = services_->ToolNames();
    mcp_options.task_store = options_.task_store;
    mcp::McpBackends backends;
    std::shared_ptr<tools::v1::ToolService::StubInterface> tools_stub =
        tools::v1::ToolService::NewStub(tools_channel_);
    // Tools served here: direct calls (streams on the in-process channel);
    // else a real gRPC channel.
    backends.tool_client =
        services_->LocalToolClient(client::MakeUnmeteredRemoteToolClient(tools_stub));
    if (!backends.tool_client) {
      // Split mode: CallTool over long-lived CallToolMux streams (one per
      // IO thread) on a channel of their own, not one RPC per call.
      grpc::ChannelArguments mux_arguments;
      client::SetToolCallMuxChannelArguments(&mux_arguments);
      client::ToolCallMuxOptions mux_options;
      mux_options.streams = options_.http.threads;
      auto mux = std::make_shared<client::ToolCallMux>(
          tools::v1::ToolService::NewStub(grpc_security::CreateChannel(
              options_.tools_target, options_.grpc_client_security, mux_arguments)),
          mux_options);
      backends.tool_client = client::MakeRemoteToolClient(tools_stub, std::move(mux));
    }
    // A remote ToolService (--tools-target) serves tools only; the aggregates
    // serve resources and prompts from every backend that has them.
    mcp_options.offer_resources = services_->offer_resources();
    mcp_options.offer_prompts = services_->offer_prompts();
    mcp_options.offer_completions = services_->offer_completions();
    if (mcp_options.offer_resources)
      backends.resources = resources::v1::ResourceService::NewStub(tools_channel_);
    if (mcp_options.offer_prompts)
      backends.prompts = prompts::v1::PromptService::NewStub(tools_channel_);
    return std::make_shared<mcp::McpEndpoint>(std::move(mcp_options), std::move(backends));
  }

  std::shared_ptr<grpc::Channel> ChannelFor(const std::string& target) {
    if (!target.empty()) {
      return grpc_security::CreateChannel(target, options_.grpc_client_security);
    }
    return services_->InProcessChannel();
  }

  GatewayOptions options_;
  // First: destroyed last, after the routes that call into it.
  std::unique_ptr<HostedServices> services_;
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

absl::StatusOr<std::unique_ptr<Gateway>> StartGateway(const GatewayOptions& options,
                                                      std::unique_ptr<HostedServices> services) {
  auto gateway = std::make_unique<GatewayImpl>(options, std::move(services));
  absl::Status status = gateway->Start();
  if (!status.ok()) return status;
  return std::unique_ptr<Gateway>(std::move(gateway));
}

}  // namespace mcp_oauth::gateway
