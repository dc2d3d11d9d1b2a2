// `bazel run //gateway`: flags and environment -> GatewayOptions, then serve
// until SIGINT or SIGTERM, and stop gracefully (exit 0). SIGHUP reloads the
// TLS certificate.
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_split.h"
#include "auth/config.h"
#include "auth/config_tool_backends.h"
#include "auth/store_factory.h"
#include "auth/url.h"
#include "common/flags.h"
#include "common/grpc_security/grpc_security.h"
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
  --max-form-body-bytes N  body limit of /token, /login, /login/callback, /introspect,
                           /revoke, /register (env MCP_MAX_FORM_BODY_BYTES; default
                           16384); a larger body is refused with 413 before it is read
  --max-mcp-body-bytes N   body limit of /mcp (env MCP_MAX_MCP_BODY_BYTES; default
                           1048576)
  --max-body-bytes N       body limit of every other path (env MCP_MAX_BODY_BYTES;
                           default 65536)
  --max-requests-per-connection N
                           keep-alive: the Nth answer on a connection closes it
                           (env MCP_MAX_REQUESTS_PER_CONNECTION; default 1000)
  --max-pipelined-requests N
                           requests a client may send ahead without reading the
                           answers; the Nth answer of such a run closes the
                           connection (env MCP_MAX_PIPELINED_REQUESTS; default 16)
  --read-timeout-seconds N time a client has to send a whole request, and to take
                           an answer (env MCP_READ_TIMEOUT_SECONDS; default 30)
  --idle-timeout-seconds N how long a kept-alive connection may wait for its next
                           request (env MCP_IDLE_TIMEOUT_SECONDS; default 60)

Internal gRPC:
  --grpc-listen ADDR:PORT  internal gRPC address (env MCP_GRPC_LISTEN;
                           default 127.0.0.1:9004; "" to serve none)
  --auth-target ADDR:PORT  use a remote AuthService instead of the in-process one
                           (env MCP_AUTH_TARGET)
  --tools-target [NAME=]ADDR:PORT
                           use a remote ToolService instead of the in-process one
                           (env MCP_TOOLS_TARGET). Repeat it, or name the target,
                           to serve the tools of several ToolServices together:
                           each is a backend called NAME (default tools1, tools2,
                           ...), next to the built-in tools (backend "builtin").
                           Or list them in the --config file's tool_backends, each
                           with its own TLS / client certificate / shared secret
                           (not both: giving both is an error)
  --tools-prefix NAME=PREFIX
                           prepend PREFIX to the tool (and prompt) names of backend
                           NAME, overriding a config prefix (two
                           backends offering one name are refused at startup
                           otherwise); repeatable
  --builtin-tools on|off   serve the built-in tools next to named or several
                           --tools-target backends (env MCP_BUILTIN_TOOLS; default on)
  A --grpc-listen address other than loopback is refused unless protected by one
  or both of:
  --grpc-tls-cert FILE, --grpc-tls-key FILE, --grpc-tls-client-ca FILE
                           TLS requiring client certificates signed by the CA (PEM;
                           env MCP_GRPC_TLS_CERT, MCP_GRPC_TLS_KEY, MCP_GRPC_TLS_CLIENT_CA)
  --grpc-shared-secret-file FILE
                           every call must send 'authorization: Bearer <secret>'
                           (>= 32 characters; env MCP_GRPC_SHARED_SECRET_FILE, or the
                           secret itself in MCP_GRPC_SHARED_SECRET); also sent on the
                           calls to --auth-target / --tools-target
  --grpc-server-ca FILE    call the targets over TLS, verifying them with this CA
                           (env MCP_GRPC_SERVER_CA)
  --grpc-client-cert FILE, --grpc-client-key FILE
                           client certificate for targets requiring one (env
                           MCP_GRPC_CLIENT_CERT, MCP_GRPC_CLIENT_KEY)

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
  --token-rate-limit R     /token requests per second per client, per process; over
                           it 429 + Retry-After (env MCP_TOKEN_RATE_LIMIT; default 200;
                           0 = no limit; unused with --auth-target)
  --token-rate-burst N     requests a client may make at once (env
                           MCP_TOKEN_RATE_BURST; default 400)
  --client-auth-max-failures N
                           failed client authentications per client id from one IP
                           before 429 + Retry-After (env MCP_CLIENT_AUTH_MAX_FAILURES;
                           default 10; 0 = no limit)
  --client-auth-max-failures-per-ip N
                           the same over all client ids from one IP (env
                           MCP_CLIENT_AUTH_MAX_FAILURES_PER_IP; default 50; 0 = no limit)
  --client-auth-failure-window S
                           seconds those failures are counted over (env
                           MCP_CLIENT_AUTH_FAILURE_WINDOW; default 300)
  --hash-threads N         threads that check passwords and unverified client secrets,
                           apart from the /token, /introspect and /revoke workers (env
                           MCP_HASH_THREADS; default half the CPU cores, at least 1;
                           unused with --auth-target)
  --hash-queue N           sign-ins (and, separately, client-secret checks) that may
                           wait for them; more get 503 + Retry-After at once (env
                           MCP_HASH_QUEUE; default 16)
  --authorize-rate-limit R /authorize requests per second per client address (IPv6:
                           per /64), per process; over it an HTML 429 + Retry-After
                           (env MCP_AUTHORIZE_RATE_LIMIT; default 1; 0 = no limit;
                           unused with --auth-target)
  --authorize-rate-burst N /authorize requests an address may make at once (env
                           MCP_AUTHORIZE_RATE_BURST; default 20)
  --max-pending-authorizations N
                           sign-ins in progress in the store in all; over it
                           /authorize answers an HTML 503 + Retry-After (env
                           MCP_MAX_PENDING_AUTHORIZATIONS; default 10000; 0 = no cap)
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
  --max-sessions-per-principal N
                           live MCP sessions one user may hold per client on this
                           gateway; initialize beyond it answers 429
                           (env MCP_MAX_SESSIONS_PER_PRINCIPAL; default 256; 0 = no limit)
  Session ids are signed with env MCP_SESSION_KEY (>= 32 characters) so that replicas
  sharing it accept each other's sessions; unset, a random per-process key is used.

Operations:
  --log-level LEVEL        debug, info, warning, error (env MCP_LOG_LEVEL; default info)
  --shutdown-grace-seconds N  time in-flight requests get on SIGTERM (default 10)
  --access-log on|off      one JSON line per request on stderr, written at level info
                           (env MCP_ACCESS_LOG; default on)
  --metrics                serve GET /metrics (Prometheus text format) on the public
                           port (env MCP_METRICS=on; default off)

Deployment:
  --tls-cert FILE          serve HTTPS (TLS 1.2+) with this PEM certificate chain
                           (env MCP_TLS_CERT); needs --tls-key; SIGHUP re-reads both
  --tls-key FILE           its PEM private key (env MCP_TLS_KEY)
  --behind-tls-proxy       a reverse proxy in front terminates TLS; required when the
                           public URL is neither https nor loopback (env
                           MCP_BEHIND_TLS_PROXY=on); needs --trusted-proxies
  --trusted-proxies LIST   proxy addresses (exact IPs, comma separated) whose
                           X-Forwarded-For / X-Forwarded-Proto are believed; from
                           anyone else they are ignored (env MCP_TRUSTED_PROXIES)
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

// localhost, 127.0.0.0/8 and [::1].
bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

// Parses on/off (also true/false, yes/no, 1/0).
bool ParseSwitch(const std::string& text, bool* value) {
  if (text == "on" || text == "true" || text == "yes" || text == "1") {
    *value = true;
  } else if (text == "off" || text == "false" || text == "no" || text == "0") {
    *value = false;
  } else {
    return false;
  }
  return true;
}

// --tools-target (repeatable, [NAME=]ADDR), --tools-prefix NAME=PREFIX and
// --builtin-tools -> options. One unnamed target without prefixes or
// --builtin-tools keeps the split-process meaning: it replaces the built-in
// tools. Anything else aggregates. The channels use the --grpc-* client
// security settings. The config file's tool_backends (each with its own
// security settings) replace --tools-target: giving both is an error, while
// --tools-prefix and --builtin-tools apply to either.
absl::Status ApplyToolTargets(const flags::ParsedFlags& parsed,
                              const std::vector<auth::ToolBackendFileConfig>& file_backends,
                              GatewayOptions* options) {
  std::vector<std::string> targets = parsed.GetAll("tools-target");
  if (targets.empty()) {
    if (auto env = flags::GetEnv("MCP_TOOLS_TARGET"); env && !env->empty()) targets.push_back(*env);
  }
  if (!targets.empty() && !file_backends.empty()) {
    return absl::InvalidArgumentError(
        "tool backends come from --tools-target (or MCP_TOOLS_TARGET) or from the config "
        "file's tool_backends, not both");
  }
  const std::vector<std::string> prefixes = parsed.GetAll("tools-prefix");
  const std::string builtin_text = Setting(parsed, "builtin-tools", "MCP_BUILTIN_TOOLS", "");
  if (!builtin_text.empty() && !ParseSwitch(builtin_text, &options->builtin_tools)) {
    return absl::InvalidArgumentError("--builtin-tools: '" + builtin_text + "' must be on or off");
  }
  if (targets.size() == 1 && targets[0].find('=') == std::string::npos && prefixes.empty() &&
      builtin_text.empty()) {
    options->tools_target = targets[0];
    return absl::OkStatus();
  }
  std::set<std::string> names = {auth::kBuiltinToolBackend};
  for (const auto& file_backend : file_backends) {  // validated by the config loader
    ToolBackendTarget backend;
    backend.name = file_backend.name;
    backend.target = file_backend.target;
    backend.prefix = file_backend.prefix;
    backend.security.server_ca_pem = file_backend.server_ca_pem;
    backend.security.client_cert_pem = file_backend.client_cert_pem;
    backend.security.client_key_pem = file_backend.client_key_pem;
    backend.security.shared_secret = file_backend.shared_secret;
    names.insert(backend.name);
    options->tool_backends.push_back(std::move(backend));
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    ToolBackendTarget backend;
    const size_t equals = targets[i].find('=');
    backend.name = equals == std::string::npos ? "tools" + std::to_string(i + 1)
                                               : targets[i].substr(0, equals);
    backend.target = equals == std::string::npos ? targets[i] : targets[i].substr(equals + 1);
    if (!auth::IsToolBackendName(backend.name)) {
      return absl::InvalidArgumentError("--tools-target: '" + backend.name +
                                        "' is not a backend name ([A-Za-z0-9_.-], 1-64)");
    }
    if (backend.target.empty()) {
      return absl::InvalidArgumentError("--tools-target: backend '" + backend.name + "' has no address");
    }
    if (!names.insert(backend.name).second) {
      return absl::InvalidArgumentError("--tools-target: two backends are named '" + backend.name + "'");
    }
    backend.security = options->grpc_client_security;
    options->tool_backends.push_back(std::move(backend));
  }
  for (const std::string& item : prefixes) {
    const size_t equals = item.find('=');
    const std::string name = item.substr(0, equals);
    if (equals == std::string::npos || !names.count(name)) {
      return absl::InvalidArgumentError(
          "--tools-prefix: '" + item +
          "' must be NAME=PREFIX for a --tools-target or tool_backends name, or builtin");
    }
    const std::string prefix = item.substr(equals + 1);
    if (name == "builtin") {
      options->builtin_tools_prefix = prefix;
    } else {
      for (auto& backend : options->tool_backends) {
        if (backend.name == name) backend.prefix = prefix;
      }
    }
  }
  if (options->tool_backends.empty() && !options->builtin_tools) {
    return absl::InvalidArgumentError(
        "--builtin-tools off needs at least one --tools-target or config tool_backends entry");
  }
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  // Block the stop signals first, before any library starts a thread, so that
  // every thread inherits the mask and only the sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // Debian's Abseil checks every Mutex acquisition for lock-order cycles (a
  // debugging aid that costs ~7% of CPU on the /mcp path); our tests run the
  // detection, production does not.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  std::set<std::string> known = {"port",           "host",          "threads",
                                 "grpc-listen",    "auth-target",   "tools-target",
                                 "log-level",      "help",          "shutdown-grace-seconds",
                                 "required-scopes", "allowed-origins", "allowed-hosts",
                                 "store",          "token-cache-seconds",
                                 "access-log",     "metrics",       "behind-tls-proxy",
                                 "trusted-proxies", "tls-cert",     "tls-key",
                                 "max-form-body-bytes", "max-mcp-body-bytes", "max-body-bytes",
                                 "max-requests-per-connection", "max-pipelined-requests",
                                 "read-timeout-seconds", "idle-timeout-seconds"};
  for (const auto& name : auth::AuthFlagNames()) known.insert(name);
  for (const auto& name : grpc_security::ServerSecurityFlagNames()) known.insert(name);
  for (const auto& name : grpc_security::ClientSecurityFlagNames()) known.insert(name);
  known.insert("max-sessions-per-principal");
  known.insert("tools-prefix");
  known.insert("builtin-tools");
  auto parsed = flags::Parse(argc, argv, known, {"help", "metrics", "behind-tls-proxy"});
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
  // Body, keep-alive, pipelining and timeout limits (all positive integers).
  struct Limit {
    const char* flag;
    const char* env;
    const char* fallback;
    int64_t max;
    int64_t value = 0;
  };
  const std::string default_form = std::to_string(gateway::kDefaultFormBodyBytes);
  const std::string default_mcp = std::to_string(gateway::kDefaultMcpBodyBytes);
  const std::string default_other = std::to_string(gateway::kDefaultBodyBytes);
  Limit form_body{"max-form-body-bytes", "MCP_MAX_FORM_BODY_BYTES", default_form.c_str(),
                  int64_t{1} << 30};
  Limit mcp_body{"max-mcp-body-bytes", "MCP_MAX_MCP_BODY_BYTES", default_mcp.c_str(),
                 int64_t{1} << 30};
  Limit other_body{"max-body-bytes", "MCP_MAX_BODY_BYTES", default_other.c_str(),
                   int64_t{1} << 30};
  Limit per_connection{"max-requests-per-connection", "MCP_MAX_REQUESTS_PER_CONNECTION", "1000",
                       1 << 30};
  Limit pipelined{"max-pipelined-requests", "MCP_MAX_PIPELINED_REQUESTS", "16", 1 << 30};
  Limit read_timeout{"read-timeout-seconds", "MCP_READ_TIMEOUT_SECONDS", "30", 3600};
  Limit idle_timeout{"idle-timeout-seconds", "MCP_IDLE_TIMEOUT_SECONDS", "60", 3600};
  for (Limit* limit : {&form_body, &mcp_body, &other_body, &per_connection, &pipelined,
                       &read_timeout, &idle_timeout}) {
    std::string text = Setting(*parsed, limit->flag, limit->env, limit->fallback);
    if (!absl::SimpleAtoi(text, &limit->value) || limit->value < 1 || limit->value > limit->max) {
      std::fprintf(stderr, "gateway: --%s: '%s' must be 1..%lld\n", limit->flag, text.c_str(),
                   static_cast<long long>(limit->max));
      return 2;
    }
  }
  options.http.max_requests_per_connection = static_cast<int>(per_connection.value);
  options.http.max_pipelined_requests = static_cast<int>(pipelined.value);
  options.http.read_timeout = std::chrono::seconds(read_timeout.value);
  options.http.keep_alive_idle_timeout = std::chrono::seconds(idle_timeout.value);
  options.grpc_listen = Setting(*parsed, "grpc-listen", "MCP_GRPC_LISTEN", "127.0.0.1:9004");
  options.auth_target = Setting(*parsed, "auth-target", "MCP_AUTH_TARGET", "");
  auto server_security = grpc_security::ServerSecurityFromFlags(*parsed, flags::GetEnv);
  if (!server_security.ok()) {
    std::fprintf(stderr, "gateway: %s\n", std::string(server_security.status().message()).c_str());
    return 2;
  }
  auto client_security = grpc_security::ClientSecurityFromFlags(*parsed, flags::GetEnv);
  if (!client_security.ok()) {
    std::fprintf(stderr, "gateway: %s\n", std::string(client_security.status().message()).c_str());
    return 2;
  }
  options.grpc_server_security = std::move(*server_security);
  options.grpc_client_security = std::move(*client_security);
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
  if (absl::Status status = ApplyToolTargets(*parsed, options.auth.tool_backends, &options);
      !status.ok()) {
    std::fprintf(stderr, "gateway: %s\n", std::string(status.message()).c_str());
    return 2;
  }
  gateway::SetRouteBodyLimits(options.http, static_cast<size_t>(form_body.value),
                              static_cast<size_t>(mcp_body.value), options.auth.mcp_path,
                              static_cast<size_t>(other_body.value));
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
  std::string session_cap = Setting(*parsed, "max-sessions-per-principal",
                                    "MCP_MAX_SESSIONS_PER_PRINCIPAL", "256");
  if (!absl::SimpleAtoi(session_cap, &options.max_sessions_per_principal) ||
      options.max_sessions_per_principal < 0 || options.max_sessions_per_principal > 100000) {
    std::fprintf(stderr, "gateway: --max-sessions-per-principal: '%s' must be 0..100000\n",
                 session_cap.c_str());
    return 2;
  }
  std::string access_log = Setting(*parsed, "access-log", "MCP_ACCESS_LOG", "on");
  std::string metrics = Setting(*parsed, "metrics", "MCP_METRICS", "off");
  if (!ParseSwitch(access_log, &options.access_log)) {
    std::fprintf(stderr, "gateway: --access-log: '%s' must be on or off\n", access_log.c_str());
    return 2;
  }
  if (!ParseSwitch(metrics, &options.metrics)) {
    std::fprintf(stderr, "gateway: --metrics: '%s' must be on or off\n", metrics.c_str());
    return 2;
  }
  options.trusted_proxies = list("trusted-proxies", "MCP_TRUSTED_PROXIES", "");
  options.http.tls_cert_file = Setting(*parsed, "tls-cert", "MCP_TLS_CERT", "");
  options.http.tls_key_file = Setting(*parsed, "tls-key", "MCP_TLS_KEY", "");
  if (options.http.tls_cert_file.empty() != options.http.tls_key_file.empty()) {
    std::fprintf(stderr, "gateway: --tls-cert and --tls-key go together\n");
    return 2;
  }
  std::string behind_proxy_text =
      Setting(*parsed, "behind-tls-proxy", "MCP_BEHIND_TLS_PROXY", "off");
  bool behind_tls_proxy = false;
  if (!ParseSwitch(behind_proxy_text, &behind_tls_proxy)) {
    std::fprintf(stderr, "gateway: --behind-tls-proxy: '%s' must be on or off\n",
                 behind_proxy_text.c_str());
    return 2;
  }
  // Behind a proxy every peer is the proxy: without the proxy's address the
  // real client address is never read, and every per-address limit (sign-in,
  // client authentication, /authorize) would throttle all clients as one.
  if (behind_tls_proxy && options.trusted_proxies.empty()) {
    std::fprintf(stderr,
                 "gateway: --behind-tls-proxy needs --trusted-proxies (env "
                 "MCP_TRUSTED_PROXIES): list the proxy's address so that clients are told apart "
                 "by X-Forwarded-For; without it every client would have the proxy's address\n");
    return 2;
  }
  // Tokens, codes and passwords must not cross a network in clear text.
  auto public_url = auth::ParseUrl(options.auth.public_url);
  if (!public_url.ok()) {
    std::fprintf(stderr, "gateway: --public-url: '%s' is not a URL\n",
                 options.auth.public_url.c_str());
    return 2;
  }
  if (public_url->scheme != "https" && !IsLoopbackHost(public_url->host) && !behind_tls_proxy) {
    std::fprintf(stderr,
                 "gateway: the public URL %s is neither https nor loopback: serve it behind a "
                 "TLS-terminating proxy (and say so with --behind-tls-proxy) or use an https "
                 "URL\n",
                 options.auth.public_url.c_str());
    return 2;
  }
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
  while (sigwait(&stop_signals, &signal_number) == 0 && signal_number == SIGHUP) {
    if (options.http.tls_cert_file.empty()) {
      log::Info("received SIGHUP: nothing to reload (TLS is off)");
      continue;
    }
    absl::Status reloaded = (*gateway)->ReloadTls();
    if (reloaded.ok()) {
      log::Info("received SIGHUP: TLS certificate reloaded; new connections use it");
    } else {
      log::Error("received SIGHUP: TLS reload failed, keeping the old certificate: " +
                 std::string(reloaded.message()));
    }
  }
  log::Info(std::string("received ") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") +
            ", shutting down");
  (*gateway)->Stop();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace mcp_oauth::gateway

int main(int argc, char** argv) { return mcp_oauth::gateway::Main(argc, argv); }
