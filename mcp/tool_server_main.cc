// tool_server: the standalone ToolService process.
//
//   tool_server --grpc-listen=127.0.0.1:9006 [--worker-threads=4]
//               [--call-timeout-seconds=30] [--log-level=info]
// (every flag with its help: ToolServerFlagTable below, printed by --help)
//
// Health checking (grpc.health.v1), server reflection and the metrics of this
// process (mcp_oauth.ops.v1.MetricsService) are enabled.
// SIGINT/SIGTERM shut the server down cleanly (exit 0).
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <chrono>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/flags.h"
#include "common/grpc_metrics.h"
#include "common/grpc_security/grpc_security.h"
#include "common/log.h"
#include "common/server_main.h"
#include "mcp/request_state.h"
#include "mcp/tool_registry.h"
#include "mcp/tool_service.h"
#include "mcp/tools/builtin_tools.h"

namespace {

using namespace mcp_oauth;  // NOLINT: main file

// What tool_server's flags set.
struct ToolServerFlags {
  std::string grpc_listen = "127.0.0.1:9006";
  int worker_threads = mcp::ToolServiceOptions().worker_threads;
  int call_timeout_seconds =
      static_cast<int>(absl::ToInt64Seconds(mcp::ToolServiceOptions().default_call_timeout));
  log::Level log_level = log::Level::kInfo;
  grpc_security::SecurityFlags security;
};

flags::FlagTable ToolServerFlagTable(ToolServerFlags* out) {
  flags::FlagTable table(
      "Usage: tool_server [flags]\n"
      "Serves ToolService (gRPC) with health, reflection and metrics.\n",
      "\nEnv MCP_SESSION_KEY (>= 32 characters, the gateways' key) seals multi-round tool\n"
      "calls' requestState so that any replica accepts them; unset: a random key per process.\n");
  table.Section("gRPC");
  table.String("grpc-listen", "HOST:PORT", "", "gRPC address to serve ToolService on",
               out->grpc_listen, &out->grpc_listen);
  table.Int("worker-threads", "", "threads running tool calls", 1, std::numeric_limits<int>::max(),
            &out->worker_threads);
  table.Int("call-timeout-seconds", "", "deadline of a tool call without its own", 1,
            std::numeric_limits<int>::max(), &out->call_timeout_seconds);
  table.Note(
      "A non-loopback --grpc-listen needs TLS with client certificates and/or a shared "
      "credential sent as 'authorization: Bearer <secret>':");
  grpc_security::AddServerSecurityFlags(&table, &out->security);
  table.Section("Operations");
  AddLogLevelFlag(&table, "", &out->log_level);
  return table;
}

int Fail(const std::string& message, int code = 2) {
  std::fprintf(stderr, "tool_server: %s\n", message.c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  StopSignals stop_signals;  // before any thread starts
  DisableMutexDeadlockDetection();

  ToolServerFlags settings;
  flags::FlagTable table = ToolServerFlagTable(&settings);
  auto outcome = table.Parse(argc, argv, flags::GetEnv);
  if (!outcome.ok()) return Fail(std::string(outcome.status().message()));
  if (*outcome == flags::FlagTable::Outcome::kHelp) {
    std::fputs(table.Usage().c_str(), stdout);
    return 0;
  }
  log::SetLevel(settings.log_level);
  const std::string& listen = settings.grpc_listen;
  auto security = grpc_security::ReadServerSecurity(settings.security, flags::GetEnv);
  if (!security.ok()) return Fail(std::string(security.status().message()));
  auto credentials = grpc_security::ServerCredentialsFor(listen, *security);
  if (!credentials.ok()) return Fail(std::string(credentials.status().message()));
  mcp::ToolServiceOptions options;
  options.worker_threads = settings.worker_threads;
  options.default_call_timeout = absl::Seconds(settings.call_timeout_seconds);
  if (auto key = flags::GetEnv("MCP_SESSION_KEY")) {
    if (key->size() < 32) return Fail("MCP_SESSION_KEY must be at least 32 characters");
    options.request_state_key = mcp::RequestStateCodec::DeriveKey(*key);
  }

  auto registry = std::make_shared<mcp::ToolRegistry>();
  if (absl::Status s = mcp::RegisterBuiltinTools(registry.get()); !s.ok()) {
    log::Error(absl::StrCat("registering tools: ", s.ToString()));
    return 1;
  }
  mcp::ToolServiceImpl service(registry, options);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, *credentials, &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Service> metrics_service = metrics::EnableServerMetrics(builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    log::Error(absl::StrCat("cannot listen on ", listen));
    return 1;
  }
  server->GetHealthCheckService()->SetServingStatus("mcp_oauth.tools.v1.ToolService", true);
  log::Info(absl::StrCat("tool_server listening on ", listen, " (port ", port, "), ",
                         registry->size(), " tools"));
  // Scripts and tests read the bound port from this line.
  std::printf("tool_server ready: grpc_port=%d\n", port);
  std::fflush(stdout);

  const int signal_number = stop_signals.Wait();
  log::Info(absl::StrCat(StopSignals::Name(signal_number), ": shutting down"));
  service.EndStreams();  // else the gateways' streams hold Shutdown until its deadline
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server->Wait();
  return 0;
}
