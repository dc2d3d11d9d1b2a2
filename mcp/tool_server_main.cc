// tool_server: the standalone ToolService process.
//
//   tool_server --grpc-listen=127.0.0.1:9006 [--worker-threads=4]
//               [--call-timeout-seconds=30] [--log-level=info]
//
// Health checking (grpc.health.v1), server reflection and the metrics of this
// process (mcp_oauth.ops.v1.MetricsService) are enabled.
// SIGINT/SIGTERM shut the server down cleanly (exit 0).
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/flags.h"
#include "common/grpc_security/grpc_security.h"
#include "common/grpc_metrics.h"
#include "common/log.h"
#include "mcp/request_state.h"
#include "mcp/tool_registry.h"
#include "mcp/tool_service.h"
#include "mcp/tools/builtin_tools.h"

namespace {

constexpr char kUsage[] =
    "usage: tool_server [--grpc-listen=HOST:PORT] [--worker-threads=N]\n"
    "                   [--call-timeout-seconds=N] [--log-level=debug|info|warning|error]\n"
    "                   [--grpc-tls-cert=PEM --grpc-tls-key=PEM --grpc-tls-client-ca=PEM]\n"
    "                   [--grpc-shared-secret-file=FILE]\n"
    "A non-loopback --grpc-listen needs TLS with client certificates (env MCP_GRPC_TLS_CERT,\n"
    "MCP_GRPC_TLS_KEY, MCP_GRPC_TLS_CLIENT_CA) and/or a shared credential sent as\n"
    "'authorization: Bearer <secret>' (env MCP_GRPC_SHARED_SECRET_FILE or MCP_GRPC_SHARED_SECRET).\n"
    "Env MCP_SESSION_KEY (>= 32 characters, the gateways' key) seals multi-round tool calls'\n"
    "requestState so that any replica accepts them; unset: a random key per process.\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "tool_server: %s\n%s", message.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mcp_oauth;  // NOLINT: main file

  // Block the shutdown signals in every thread; the main thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // Debian's Abseil checks every Mutex acquisition (gRPC's own locks
  // included) for lock-order cycles: ~24,000 instructions per CallTool here.
  // Tests run the detection; the server, like the gateway, does not.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  std::set<std::string> known = {"grpc-listen", "worker-threads", "call-timeout-seconds",
                                 "log-level", "help"};
  for (const auto& name : grpc_security::ServerSecurityFlagNames()) known.insert(name);
  auto parsed = flags::Parse(argc, argv, known, {"help"});
  if (!parsed.ok()) return Fail(std::string(parsed.status().message()));
  if (parsed->Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const std::string listen = parsed->Get("grpc-listen").value_or("127.0.0.1:9006");
  auto security = grpc_security::ServerSecurityFromFlags(*parsed, flags::GetEnv);
  if (!security.ok()) return Fail(std::string(security.status().message()));
  auto credentials = grpc_security::ServerCredentialsFor(listen, *security);
  if (!credentials.ok()) return Fail(std::string(credentials.status().message()));
  mcp::ToolServiceOptions options;
  if (auto key = flags::GetEnv("MCP_SESSION_KEY")) {
    if (key->size() < 32) return Fail("MCP_SESSION_KEY must be at least 32 characters");
    options.request_state_key = mcp::RequestStateCodec::DeriveKey(*key);
  }
  if (auto v = parsed->Get("worker-threads")) {
    if (!absl::SimpleAtoi(*v, &options.worker_threads) || options.worker_threads < 1) {
      return Fail("--worker-threads must be a positive integer");
    }
  }
  if (auto v = parsed->Get("call-timeout-seconds")) {
    int seconds = 0;
    if (!absl::SimpleAtoi(*v, &seconds) || seconds < 1) return Fail("--call-timeout-seconds must be positive");
    options.default_call_timeout = absl::Seconds(seconds);
  }
  if (auto v = parsed->Get("log-level")) {
    log::Level level;
    if (!log::ParseLevel(*v, &level)) return Fail("unknown --log-level");
    log::SetLevel(level);
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
  log::Info(absl::StrCat("tool_server listening on ", listen, " (port ", port, "), ", registry->size(), " tools"));
  // Scripts and tests read the bound port from this line.
  std::printf("tool_server ready: grpc_port=%d\n", port);
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log::Info(absl::StrCat("signal ", signal_number, ": shutting down"));
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server->Wait();
  return 0;
}
