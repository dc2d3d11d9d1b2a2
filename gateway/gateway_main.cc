// `bazel run //gateway`: flags and environment -> GatewayOptions, then serve
// until SIGINT or SIGTERM, and stop gracefully (exit 0).
#include <csignal>
#include <cstdio>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_split.h"
#include "auth/config.h"
#include "auth/store_factory.h"
#include "common/flags.h"
#include "common/log.h"
#include "gateway/gateway.h"

namespace mcp_oauth::gateway {
namespace {

constexpr char kUsage[] = R"(Usage: gateway [flags]

MCP server with a built-in OAuth 2.1 authorization server. One public HTTP
port (OAuth + MCP), one internal gRPC port (AuthService, ToolService).

Public HTTP server:
  --port N                 public port (env MCP_STATIC_PORT; default 9003)
  --host ADDR              address to bind (env MCP_STATIC_HOST; default 127.0.0.1)
  --threads N              HTTP IO threads (env MCP_HTTP_THREADS; default 2)

Internal gRPC:
  --grpc-listen ADDR:PORT  internal gRPC address (env MCP_GRPC_LISTEN;
                           default 127.0.0.1:9004; "" to serve none)
  --auth-target ADDR:PORT  use a remote AuthService instead of the in-process one
                           (env MCP_AUTH_TARGET)
  --tools-target ADDR:PORT use a remote ToolService instead of the in-process one
                           (env MCP_TOOLS_TARGET)

OAuth (authorization server; see README "Configuration"):
  --public-url URL         public base URL = issuer, no trailing slash
                           (env MCP_STATIC_PUBLIC_URL; default http://localhost:<port>)
  --client-id ID           pre-registered client id (env MCP_STATIC_CLIENT_ID;
                           default static-mcp-client-001)
  --client-secret SECRET   its secret (env MCP_STATIC_CLIENT_SECRET; prefer the env
                           variable: flags show in `ps`)
  --redirect-uris URIS     comma-separated redirect URIs (env MCP_STATIC_REDIRECT_URIS;
                           default <public-url>/callback)
  --config FILE            JSON file with clients, users, lifetimes
  --store SPEC             where tokens, codes, revocations and sign-in throttles
                           live (env MCP_STORE; unused with --auth-target):
                             sqlite:PATH   a SQLite file, created 0600 (default:
                                           $MCP_DATA_DIR/auth.db, else
                                           ${XDG_STATE_HOME:-~/.local/state}/mcp-oauth/auth.db)
                             postgres://USER[:PASS]@HOST:PORT/DB  shared by several
                                           instances (see README "Storage and scale-out")
                             memory        nothing survives a restart (tests)

MCP endpoint (/mcp):
  --required-scopes S      space- or comma-separated scopes every /mcp request needs
                           (env MCP_REQUIRED_SCOPES; default user)
  --allowed-origins LIST   extra allowed Origin values, comma separated; the public
                           URL's origin and loopback are always allowed
                           (env MCP_ALLOWED_ORIGINS)
  --allowed-hosts LIST     extra allowed Host names, comma separated; "*" disables the
                           DNS-rebinding check (env MCP_ALLOWED_HOSTS)
  --token-cache-seconds N  how long /mcp reuses a successful token validation, i.e. the
                           longest a revoked token keeps working there
                           (env MCP_TOKEN_CACHE_SECONDS; default 5; 0 = ask every time)
  Session ids are signed with env MCP_SESSION_KEY (>= 32 characters) so that replicas
  sharing it accept each other's sessions; unset, a random per-process key is used.

Operations:
  --log-level LEVEL        debug, info, warning, error (env MCP_LOG_LEVEL; default info)
  --shutdown-grace-seconds N  time in-flight requests get on SIGTERM (default 10)
  --help                   this text

Flag spellings with '-' and '_' are equivalent (--client-id = --client_id).
Precedence: flag > environment > default.
)";

// Returns the flag, else the environment variable, else `fallback`.
std::string Setting(const flags::ParsedFlags& parsed, const std::string& flag, const char* env,
                    const std::string& fallback) {
  if (auto value = parsed.Get(flag)) return *value;
  if (auto value = flags::GetEnv(env)) return *value;
  return fallback;
}

bool ParsePort(const std::string& text, int* port) {
  return absl::SimpleAtoi(text, port) && *port >= 0 && *port <= 65535;
}

int Main(int argc, char** argv) {
  // Block the stop signals first, before any library starts a thread, so that
  // every thread inherits the mask and only the sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // Debian's Abseil checks every Mutex acquisition for lock-order cycles (a
  // debugging aid that costs ~7% of CPU on the /mcp path); our tests run the
  // detection, production does not.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  std::set<std::string> known = {"port",           "host",          "threads",
                                 "grpc-listen",    "auth-target",   "tools-target",
                                 "log-level",      "help",          "shutdown-grace-seconds",
                                 "required-scopes", "allowed-origins", "allowed-hosts",
                                 "store",          "token-cache-seconds"};
  for (const auto& name : auth::AuthFlagNames()) known.insert(name);
  auto parsed = flags::Parse(argc, argv, known, {"help"});
  if (!parsed.ok()) {
    std::fprintf(stderr, "gateway: %s\n", std::string(parsed.status().message()).c_str());
    return 2;
  }
  if (parsed->Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }

  log::Level level;
  std::string level_text = Setting(*parsed, "log-level", "MCP_LOG_LEVEL", "info");
  if (!log::ParseLevel(level_text, &level)) {
    std::fprintf(stderr, "gateway: --log-level: unknown level '%s'\n", level_text.c_str());
    return 2;
  }
  log::SetLevel(level);

  GatewayOptions options;
  std::string port = Setting(*parsed, "port", "MCP_STATIC_PORT", "9003");
  if (!ParsePort(port, &options.http.port)) {
    std::fprintf(stderr, "gateway: --port: '%s' is not a port number\n", port.c_str());
    return 2;
  }
  options.http.host = Setting(*parsed, "host", "MCP_STATIC_HOST", "127.0.0.1");
  std::string threads = Setting(*parsed, "threads", "MCP_HTTP_THREADS", "2");
  if (!absl::SimpleAtoi(threads, &options.http.threads) || options.http.threads < 1 ||
      options.http.threads > 256) {
    std::fprintf(stderr, "gateway: --threads: '%s' must be 1..256\n", threads.c_str());
    return 2;
  }
  options.grpc_listen = Setting(*parsed, "grpc-listen", "MCP_GRPC_LISTEN", "127.0.0.1:9004");
  options.auth_target = Setting(*parsed, "auth-target", "MCP_AUTH_TARGET", "");
  options.tools_target = Setting(*parsed, "tools-target", "MCP_TOOLS_TARGET", "");
  int grace_seconds = 10;
  if (auto grace = parsed->Get("shutdown-grace-seconds");
      grace && (!absl::SimpleAtoi(*grace, &grace_seconds) || grace_seconds < 0)) {
    std::fprintf(stderr, "gateway: --shutdown-grace-seconds: '%s' is not a number\n",
                 grace->c_str());
    return 2;
  }
  options.shutdown_grace = std::chrono::seconds(grace_seconds);

  auto auth_options = auth::BuildAuthOptions(*parsed, flags::GetEnv);
  if (!auth_options.ok()) {
    std::fprintf(stderr, "gateway: %s\n", std::string(auth_options.status().message()).c_str());
    return 2;
  }
  options.auth = std::move(*auth_options);
  auto list = [&](const char* flag, const char* env, const std::string& fallback) {
    std::vector<std::string> items;
    for (auto item : absl::StrSplit(Setting(*parsed, flag, env, fallback), absl::ByAnyChar(", "),
                                    absl::SkipEmpty())) {
      items.emplace_back(item);
    }
    return items;
  };
  options.required_scopes = list("required-scopes", "MCP_REQUIRED_SCOPES", "user");
  options.allowed_origins = list("allowed-origins", "MCP_ALLOWED_ORIGINS", "");
  options.allowed_hosts = list("allowed-hosts", "MCP_ALLOWED_HOSTS", "");
  std::string cache_seconds = Setting(*parsed, "token-cache-seconds", "MCP_TOKEN_CACHE_SECONDS", "5");
  int cache_seconds_value = 0;
  if (!absl::SimpleAtoi(cache_seconds, &cache_seconds_value) || cache_seconds_value < 0 ||
      cache_seconds_value > 3600) {
    std::fprintf(stderr, "gateway: --token-cache-seconds: '%s' must be 0..3600\n",
                 cache_seconds.c_str());
    return 2;
  }
  options.token_cache_ttl = std::chrono::seconds(cache_seconds_value);
  if (auto key = flags::GetEnv("MCP_SESSION_KEY")) {
    if (key->size() < 32) {
      std::fprintf(stderr, "gateway: MCP_SESSION_KEY must be at least 32 characters\n");
      return 2;
    }
    options.session_key = *key;
  }

  if (options.auth_target.empty()) {
    std::string spec = Setting(*parsed, "store", "MCP_STORE", auth::DefaultStoreSpec());
    auto store = auth::OpenStore(spec);
    if (!store.ok()) {
      std::fprintf(stderr, "gateway: --store: %s\n",
                   std::string(store.status().message()).c_str());
      return 1;
    }
    log::Info("token store: " + auth::DescribeStoreSpec(spec));
    options.store = std::move(*store);
  }

  auto gateway = StartGateway(options);
  if (!gateway.ok()) {
    std::fprintf(stderr, "gateway: %s\n", std::string(gateway.status().message()).c_str());
    return 1;
  }
  // Scripts and tests read the bound ports from this line (port 0 = any).
  std::printf("gateway ready: http_port=%d grpc_port=%d\n", (*gateway)->http_port(),
              (*gateway)->grpc_port());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log::Info(std::string("received ") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") +
            ", shutting down");
  (*gateway)->Stop();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace mcp_oauth::gateway

int main(int argc, char** argv) { return mcp_oauth::gateway::Main(argc, argv); }
