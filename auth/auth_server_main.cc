// auth_server: the AuthService as a standalone gRPC process (health checking,
// server reflection and this process's metrics, mcp_oauth.ops.v1.MetricsService,
// enabled). SIGINT/SIGTERM shut it down cleanly.
//
//   auth_server [--grpc-listen=127.0.0.1:9005] [--public-url=...]
//               [--client-id=...] [--client-secret=...] [--redirect-uris=...]
//               [--config=auth.json] [--port=9003] [--host=...]
//               [--log-level=info] [--grpc-tls-cert=PEM --grpc-tls-key=PEM
//               --grpc-tls-client-ca=PEM] [--grpc-shared-secret-file=FILE] ...
// (every flag with its help: auth_server_flags.cc, printed by --help)
//
// A --grpc-listen address other than loopback is refused unless TLS with
// client certificates and/or a shared credential protects the port (see
// common/grpc_security/grpc_security.h).
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "auth/auth_server_flags.h"
#include "auth/auth_service.h"
#include "auth/authorization_server.h"
#include "auth/clock.h"
#include "auth/config.h"
#include "auth/store_factory.h"
#include "common/flags.h"
#include "common/grpc_metrics.h"
#include "common/grpc_security/grpc_security.h"
#include "common/log.h"
#include "common/server_main.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"

namespace mcp_oauth::auth {
namespace {

int Fail(const std::string& message, int code = 2) {
  std::cerr << "auth_server: " << message << "\n";
  return code;
}

int Main(int argc, char** argv) {
  StopSignals stop_signals;  // before any thread starts
  DisableMutexDeadlockDetection();

  AuthServerFlags settings;
  flags::FlagTable table = AuthServerFlagTable(&settings);
  auto outcome = table.Parse(argc, argv, flags::GetEnv);
  if (!outcome.ok()) return Fail(std::string(outcome.status().message()));
  if (*outcome == flags::FlagTable::Outcome::kHelp) {
    std::cout << table.Usage();
    return 0;
  }
  log::SetLevel(settings.log_level);
  auto options = BuildAuthOptions(settings.auth, flags::GetEnv);
  if (!options.ok()) return Fail(std::string(options.status().message()));
  const std::string& listen = settings.grpc_listen;
  auto security = grpc_security::ReadServerSecurity(settings.security, flags::GetEnv);
  if (!security.ok()) return Fail(std::string(security.status().message()));
  auto credentials = grpc_security::ServerCredentialsFor(listen, *security);
  if (!credentials.ok()) return Fail(std::string(credentials.status().message()));

  const std::string spec = settings.store.value_or(DefaultStoreSpec());
  auto store = OpenStore(spec);
  if (!store.ok()) {
    std::cerr << "auth_server: --store: " << store.status().message() << "\n";
    return 1;
  }
  log::Info("auth_server: token store " + DescribeStoreSpec(spec));
  auto core =
      std::make_shared<AuthorizationServer>(*options, *store, std::make_shared<RealClock>());
  core->EnableUpstreamSignIn(nullptr);
  AuthServiceImpl service(core);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, *credentials, &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Service> metrics_service = metrics::EnableServerMetrics(builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::cerr << "auth_server: cannot listen on " << listen << "\n";
    return 1;
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  server->GetHealthCheckService()->SetServingStatus("mcp_oauth.auth.v1.AuthService", true);
  log::Info(absl::StrCat("auth_server: AuthService listening on ", listen, " (port ", port, "; ",
                         security->tls() ? "TLS with client certificates" : "plaintext",
                         security->shared_secret.empty() ? "" : ", shared credential required",
                         "), issuer ", options->issuer()));
  // Scripts and tests read the bound port from this line.
  std::cout << "auth_server ready: grpc_port=" << port << std::endl;

  const int received = stop_signals.Wait();
  log::Info(absl::StrCat("auth_server: ", StopSignals::Name(received), ", shutting down"));
  server->GetHealthCheckService()->SetServingStatus(false);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server->Wait();
  return 0;
}

}  // namespace
}  // namespace mcp_oauth::auth

int main(int argc, char** argv) { return mcp_oauth::auth::Main(argc, argv); }
