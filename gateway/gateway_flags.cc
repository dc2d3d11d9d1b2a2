#include "gateway/gateway_flags.h"

#include <limits>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "auth/config_tool_backends.h"
#include "auth/url.h"
#include "common/server_main.h"
#include "gateway/mcp_route.h"
#include "gateway/oauth_routes.h"

namespace mcp_oauth::gateway {
namespace {

constexpr int64_t kMaxBodyBytes = int64_t{1} << 30;
constexpr int kMaxCount = 1 << 30;

// localhost, 127.0.0.0/8 and [::1].
bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

// Adds a repeatable flag whose values are appended to `*out`.
void AddRepeated(flags::FlagTable* table, const std::string& name, const std::string& value_name,
                 const std::string& env, const std::string& help, std::vector<std::string>* out) {
  table->Add({name, value_name, env, help, "", false, /*repeated=*/true,
              /*empty_env_is_unset=*/true, [out](const std::string& value) {
                out->push_back(value);
                return absl::OkStatus();
              }});
}

// --tools-target (repeatable, [NAME=]ADDR), --tools-prefix NAME=PREFIX and
// --builtin-tools -> options. One unnamed target without prefixes or
// --builtin-tools keeps the split-process meaning: it replaces the built-in
// tools. Anything else aggregates. The channels use the --grpc-* client
// security settings. The config file's tool_backends (each with its own
// security settings) replace --tools-target: giving both is an error, while
// --tools-prefix and --builtin-tools apply to either.
absl::Status ApplyToolTargets(const GatewayFlags& flags,
                              const std::vector<auth::ToolBackendFileConfig>& file_backends,
                              GatewayOptions* options) {
  const std::vector<std::string>& targets = flags.tools_targets;
  if (!targets.empty() && !file_backends.empty()) {
    return absl::InvalidArgumentError(
        "tool backends come from --tools-target (or MCP_TOOLS_TARGET) or from the config "
        "file's tool_backends, not both");
  }
  const std::vector<std::string>& prefixes = flags.tools_prefixes;
  if (targets.size() == 1 && targets[0].find('=') == std::string::npos && prefixes.empty() &&
      !flags.builtin_tools_given) {
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
      return absl::InvalidArgumentError("--tools-target: backend '" + backend.name +
                                        "' has no address");
    }
    if (!names.insert(backend.name).second) {
      return absl::InvalidArgumentError("--tools-target: two backends are named '" + backend.name +
                                        "'");
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

}  // namespace

GatewayFlags::GatewayFlags()
    : form_body_bytes(kDefaultFormBodyBytes),
      mcp_body_bytes(kDefaultMcpBodyBytes),
      other_body_bytes(kDefaultBodyBytes) {}

flags::FlagTable GatewayFlagTable(GatewayFlags* out) {
  GatewayOptions* options = &out->options;
  flags::FlagTable table(
      "Usage: gateway [flags]\n"
      "\n"
      "MCP server with a built-in OAuth 2.1 authorization server. One public HTTP\n"
      "port (OAuth + MCP), one internal gRPC port (AuthService, ToolService).\n",
      "\nFlag spellings with '-' and '_' are equivalent (--client-id = --client_id).\n"
      "Precedence: flag > environment > default.\n");

  table.Section("Public HTTP server");
  table.Add({"port", "N", "MCP_STATIC_PORT", "public port", std::to_string(options->http.port),
             false, false, false, [out](const std::string& text) {
               int port = 0;
               if (!absl::SimpleAtoi(text, &port) || port < 0 || port > 65535) {
                 return absl::InvalidArgumentError("'" + text + "' is not a port number");
               }
               out->options.http.port = port;
               out->auth.url_port = text;  // the default public URL's port too
               return absl::OkStatus();
             }});
  table.Add({"host", "ADDR", "MCP_STATIC_HOST", "address to bind", options->http.host, false, false,
             false, [out](const std::string& text) {
               out->options.http.host = text;
               out->auth.url_host = text;  // the default public URL's host too
               return absl::OkStatus();
             }});
  table.Int("threads", "MCP_HTTP_THREADS", "HTTP IO threads", 1, 256, &options->http.threads);
  table.Int64("max-form-body-bytes", "MCP_MAX_FORM_BODY_BYTES",
              "body limit of /token, /login, /login/callback, /login/oidc/start, /introspect, "
              "/revoke, /register; "
              "a larger body is refused with 413 before it is read",
              1, kMaxBodyBytes, &out->form_body_bytes);
  table.Int64("max-mcp-body-bytes", "MCP_MAX_MCP_BODY_BYTES", "body limit of /mcp", 1,
              kMaxBodyBytes, &out->mcp_body_bytes);
  table.Int64("max-body-bytes", "MCP_MAX_BODY_BYTES", "body limit of every other path", 1,
              kMaxBodyBytes, &out->other_body_bytes);
  table.Int("max-requests-per-connection", "MCP_MAX_REQUESTS_PER_CONNECTION",
            "keep-alive: the Nth answer on a connection closes it", 1, kMaxCount,
            &options->http.max_requests_per_connection);
  table.Int("max-pipelined-requests", "MCP_MAX_PIPELINED_REQUESTS",
            "requests a client may send ahead without reading the answers; the Nth answer of "
            "such a run closes the connection",
            1, kMaxCount, &options->http.max_pipelined_requests);
  table.Int("read-timeout-seconds", "MCP_READ_TIMEOUT_SECONDS",
            "time a client has to send a whole request, and to take an answer", 1, 3600,
            &out->read_timeout_seconds);
  table.Int("idle-timeout-seconds", "MCP_IDLE_TIMEOUT_SECONDS",
            "how long a kept-alive connection may wait for its next request", 1, 3600,
            &out->idle_timeout_seconds);

  table.Section("Internal gRPC");
  table.String("grpc-listen", "ADDR:PORT", "MCP_GRPC_LISTEN",
               "internal gRPC address (\"\" to serve none)", options->grpc_listen,
               &options->grpc_listen);
  table.String("auth-target", "ADDR:PORT", "MCP_AUTH_TARGET",
               "use a remote AuthService instead of the in-process one", "", &options->auth_target);
  AddRepeated(&table, "tools-target", "[NAME=]ADDR:PORT", "MCP_TOOLS_TARGET",
              "use a remote ToolService instead of the in-process one. Repeat it, or name the "
              "target, to serve the tools of several ToolServices together: each is a backend "
              "called NAME (default tools1, tools2, ...), next to the built-in tools (backend "
              "\"builtin\"). Or list them in the --config file's tool_backends, each with its "
              "own TLS / client certificate / shared secret (not both: giving both is an error)",
              &out->tools_targets);
  AddRepeated(&table, "tools-prefix", "NAME=PREFIX", "",
              "prepend PREFIX to the tool (and prompt) names of backend NAME, overriding a "
              "config prefix (two backends offering one name are refused at startup "
              "otherwise); repeatable",
              &out->tools_prefixes);
  table.Add({"builtin-tools", "on|off", "MCP_BUILTIN_TOOLS",
             "serve the built-in tools next to named or several --tools-target backends", "on",
             false, false, false, [out](const std::string& text) {
               if (text.empty()) return absl::OkStatus();  // as if not given
               if (!flags::ParseSwitch(text, &out->options.builtin_tools)) {
                 return absl::InvalidArgumentError("'" + text + "' must be on or off");
               }
               out->builtin_tools_given = true;
               return absl::OkStatus();
             }});
  table.Note(
      "A --grpc-listen address other than loopback is refused unless protected by one "
      "or both of TLS requiring client certificates and a shared secret:");
  grpc_security::AddServerSecurityFlags(&table, &out->security);
  table.Note(
      "The calls to --auth-target / --tools-target (the shared secret above is sent on "
      "them too):");
  grpc_security::AddClientSecurityFlags(&table, &out->security);

  table.Section("OAuth (authorization server; see README \"Configuration\")");
  auth::AddAuthFlags(&table, &out->auth);
  table.Optional("store", "SPEC", "MCP_STORE",
                 "where tokens, codes, revocations and sign-in throttles live; unused with "
                 "--auth-target. sqlite:PATH: a SQLite file, created 0600; "
                 "postgres://USER[:PASS]@HOST:PORT/DB: shared by several instances (see README "
                 "\"Storage and scale-out\"); memory: nothing survives a restart (tests)",
                 "sqlite:$MCP_DATA_DIR/auth.db, else "
                 "sqlite:${XDG_STATE_HOME:-~/.local/state}/mcp-oauth/auth.db",
                 &out->store);
  table.Optional("task-store", "SPEC", "MCP_TASK_STORE",
                 "where MCP tasks (tool calls run as tasks, extension "
                 "io.modelcontextprotocol/tasks) are recorded, same specs as --store; off: the "
                 "extension is off",
                 "the --store database, or memory with --auth-target", &out->task_store);

  table.Section("MCP endpoint (/mcp)");
  table.List("required-scopes", "S", "MCP_REQUIRED_SCOPES",
             "space- or comma-separated scopes every /mcp request needs", "user",
             &options->required_scopes);
  table.List("allowed-origins", "LIST", "MCP_ALLOWED_ORIGINS",
             "extra allowed Origin values, comma separated; the public URL's origin and "
             "loopback are always allowed",
             "", &options->allowed_origins);
  table.List("allowed-hosts", "LIST", "MCP_ALLOWED_HOSTS",
             "extra allowed Host names, comma separated; \"*\" disables the DNS-rebinding check",
             "", &options->allowed_hosts);
  table.Int("token-cache-seconds", "MCP_TOKEN_CACHE_SECONDS",
            "how long /mcp reuses a successful token validation, i.e. the longest a revoked "
            "token keeps working there; 0 = ask every time",
            0, 3600, &out->token_cache_seconds);
  table.Int("max-sessions-per-principal", "MCP_MAX_SESSIONS_PER_PRINCIPAL",
            "live MCP sessions one user may hold per client on this gateway; initialize "
            "beyond it answers 429; 0 = no limit",
            0, 100000, &options->max_sessions_per_principal);
  table.Note(
      "Session ids are signed with env MCP_SESSION_KEY (>= 32 characters) so that "
      "replicas sharing it accept each other's sessions; unset, a random per-process key "
      "is used.");

  table.Section("Operations");
  AddLogLevelFlag(&table, "MCP_LOG_LEVEL", &out->log_level);
  table.Int("shutdown-grace-seconds", "", "time in-flight requests get on SIGTERM", 0,
            std::numeric_limits<int>::max(), &out->shutdown_grace_seconds);
  table.Switch("access-log", "MCP_ACCESS_LOG",
               "one JSON line per request on stderr, written at level info", /*bare=*/false,
               &options->access_log);
  table.Switch("metrics", "MCP_METRICS",
               "serve GET /metrics (Prometheus text format) on the public port", /*bare=*/true,
               &options->metrics);

  table.Section("Deployment");
  table.String("tls-cert", "FILE", "MCP_TLS_CERT",
               "serve HTTPS (TLS 1.2+) with this PEM certificate chain; needs --tls-key; "
               "SIGHUP re-reads both",
               "", &options->http.tls_cert_file);
  table.String("tls-key", "FILE", "MCP_TLS_KEY", "its PEM private key", "",
               &options->http.tls_key_file);
  table.Switch("behind-tls-proxy", "MCP_BEHIND_TLS_PROXY",
               "a reverse proxy in front terminates TLS; required when the public URL is "
               "neither https nor loopback; needs --trusted-proxies",
               /*bare=*/true, &out->behind_tls_proxy);
  table.List("trusted-proxies", "LIST", "MCP_TRUSTED_PROXIES",
             "proxy addresses (exact IPs, comma separated) whose X-Forwarded-For / "
             "X-Forwarded-Proto are believed; from anyone else they are ignored",
             "", &options->trusted_proxies);
  return table;
}

absl::StatusOr<GatewayOptions> BuildGatewayOptions(GatewayFlags flags,
                                                   const flags::GetEnvFunction& getenv) {
  GatewayOptions options = std::move(flags.options);
  options.http.read_timeout = std::chrono::seconds(flags.read_timeout_seconds);
  options.http.keep_alive_idle_timeout = std::chrono::seconds(flags.idle_timeout_seconds);
  options.shutdown_grace = std::chrono::seconds(flags.shutdown_grace_seconds);
  options.token_cache_ttl = std::chrono::seconds(flags.token_cache_seconds);

  auto server_security = grpc_security::ReadServerSecurity(flags.security, getenv);
  if (!server_security.ok()) return server_security.status();
  auto client_security = grpc_security::ReadClientSecurity(flags.security, getenv);
  if (!client_security.ok()) return client_security.status();
  options.grpc_server_security = *std::move(server_security);
  options.grpc_client_security = *std::move(client_security);

  auto auth_options = auth::BuildAuthOptions(flags.auth, getenv);
  if (!auth_options.ok()) return auth_options.status();
  options.auth = *std::move(auth_options);
  if (absl::Status status = ApplyToolTargets(flags, options.auth.tool_backends, &options);
      !status.ok()) {
    return status;
  }
  options.form_body_bytes = static_cast<size_t>(flags.form_body_bytes);
  options.mcp_body_bytes = static_cast<size_t>(flags.mcp_body_bytes);
  options.http.max_body_bytes = static_cast<size_t>(flags.other_body_bytes);

  if (options.http.tls_cert_file.empty() != options.http.tls_key_file.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  // Behind a proxy every peer is the proxy: without the proxy's address the
  // real client address is never read, and every per-address limit (sign-in,
  // client authentication, /authorize) would throttle all clients as one.
  if (flags.behind_tls_proxy && options.trusted_proxies.empty()) {
    return absl::InvalidArgumentError(
        "--behind-tls-proxy needs --trusted-proxies (env MCP_TRUSTED_PROXIES): list the "
        "proxy's address so that clients are told apart by X-Forwarded-For; without it every "
        "client would have the proxy's address");
  }
  // Tokens, codes and passwords must not cross a network in clear text.
  auto public_url = auth::ParseUrl(options.auth.public_url);
  if (!public_url.ok()) {
    return absl::InvalidArgumentError("--public-url: '" + options.auth.public_url +
                                      "' is not a URL");
  }
  if (public_url->scheme != "https" && !IsLoopbackHost(public_url->host) &&
      !flags.behind_tls_proxy) {
    return absl::InvalidArgumentError(
        "the public URL " + options.auth.public_url +
        " is neither https nor loopback: serve it behind a TLS-terminating proxy (and say so "
        "with --behind-tls-proxy) or use an https URL");
  }
  if (auto key = getenv ? getenv("MCP_SESSION_KEY") : std::nullopt) {
    if (key->size() < 32) {
      return absl::InvalidArgumentError("MCP_SESSION_KEY must be at least 32 characters");
    }
    options.session_key = *key;
  }
  return options;
}

}  // namespace mcp_oauth::gateway
