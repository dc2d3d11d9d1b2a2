// `bazel run //gateway`: flags and environment -> GatewayOptions (every flag
// with its help: gateway_flags.cc, printed by --help), then host the services
// (service_host.h) and serve HTTP over them (gateway.h) until SIGINT
// or SIGTERM, and stop gracefully (exit 0). SIGHUP reloads the TLS
// certificate. Exit codes: 2 bad flags or configuration, 1 startup failure.
#include <cstdio>
#include <string>

#include "auth/store_factory.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/server_main.h"
#include "gateway/gateway.h"
#include "gateway/gateway_flags.h"
#include "gateway/service_host.h"
#include "mcp/tasks/task_store_factory.h"

namespace mcp_oauth::gateway {
namespace {

int Fail(const std::string& message, int code) {
  std::fprintf(stderr, "gateway: %s\n", message.c_str());
  return code;
}

int Main(int argc, char** argv) {
  StopSignals stop_signals(/*reload=*/true);  // before any library starts a thread
  DisableMutexDeadlockDetection();

  GatewayFlags settings;
  flags::FlagTable table = GatewayFlagTable(&settings);
  auto outcome = table.Parse(argc, argv, flags::GetEnv);
  if (!outcome.ok()) return Fail(std::string(outcome.status().message()), 2);
  if (*outcome == flags::FlagTable::Outcome::kHelp) {
    std::fputs(table.Usage().c_str(), stdout);
    return 0;
  }
  log::SetLevel(settings.log_level);
  const std::string store_spec = settings.store.value_or(auth::DefaultStoreSpec());
  std::optional<std::string> task_store_spec = settings.task_store;
  auto options = BuildGatewayOptions(std::move(settings), flags::GetEnv);
  if (!options.ok()) return Fail(std::string(options.status().message()), 2);

  if (options->auth_target.empty()) {
    auto store = auth::OpenStore(store_spec);
    if (!store.ok()) return Fail("--store: " + std::string(store.status().message()), 1);
    log::Info("token store: " + auth::DescribeStoreSpec(store_spec));
    options->store = *std::move(store);
  }
  // Tasks are kept with the tokens by default (replicas sharing the token
  // database then share tasks too); a remote AuthService leaves no database.
  const std::string task_spec =
      task_store_spec.value_or(options->auth_target.empty() ? store_spec : "memory");
  if (task_spec != "off") {
    auto task_store = mcp::tasks::OpenTaskStore(task_spec);
    if (!task_store.ok())
      return Fail("--task-store: " + std::string(task_store.status().message()), 1);
    log::Info("task store: " + auth::DescribeStoreSpec(task_spec));
    options->task_store = *std::move(task_store);
  }

  auto services = HostServices(*options);
  if (!services.ok()) return Fail(std::string(services.status().message()), 1);
  auto gateway = StartGateway(*options, *std::move(services));
  if (!gateway.ok()) return Fail(std::string(gateway.status().message()), 1);
  // Scripts and tests read the bound ports from this line (port 0 = any).
  std::printf("gateway ready: http_port=%d grpc_port=%d\n", (*gateway)->http_port(),
              (*gateway)->grpc_port());
  std::fflush(stdout);

  const int signal_number = stop_signals.Wait([&] {
    if (options->http.tls_cert_file.empty()) {
      log::Info("received SIGHUP: nothing to reload (TLS is off)");
      return;
    }
    absl::Status reloaded = (*gateway)->ReloadTls();
    if (reloaded.ok()) {
      log::Info("received SIGHUP: TLS certificate reloaded; new connections use it");
    } else {
      log::Error("received SIGHUP: TLS reload failed, keeping the old certificate: " +
                 std::string(reloaded.message()));
    }
  });
  log::Info("received " + StopSignals::Name(signal_number) + ", shutting down");
  (*gateway)->Stop();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace mcp_oauth::gateway

int main(int argc, char** argv) { return mcp_oauth::gateway::Main(argc, argv); }
