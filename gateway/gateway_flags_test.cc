#include "gateway/gateway_flags.h"

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mcp_oauth::gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

flags::GetEnvFunction Env(std::map<std::string, std::string> values) {
  return [values](const char* name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

// Parses `args` and `env` as the gateway's main does.
absl::StatusOr<GatewayOptions> Build(const std::vector<std::string>& args,
                                     const flags::GetEnvFunction& env) {
  GatewayFlags settings;
  flags::FlagTable table = GatewayFlagTable(&settings);
  auto outcome = table.Parse(args, env);
  if (!outcome.ok()) return outcome.status();
  return BuildGatewayOptions(std::move(settings), env);
}

// Every flag the gateway accepted before its flags became one table.
TEST(GatewayFlagsTest, AcceptsEveryFlagAndListsItInHelp) {
  GatewayFlags settings;
  flags::FlagTable table = GatewayFlagTable(&settings);
  const std::string usage = table.Usage();
  for (const char* name : {"port",
                           "host",
                           "threads",
                           "grpc-listen",
                           "auth-target",
                           "tools-target",
                           "log-level",
                           "help",
                           "shutdown-grace-seconds",
                           "required-scopes",
                           "allowed-origins",
                           "allowed-hosts",
                           "store",
                           "task-store",
                           "token-cache-seconds",
                           "access-log",
                           "metrics",
                           "behind-tls-proxy",
                           "trusted-proxies",
                           "tls-cert",
                           "tls-key",
                           "max-form-body-bytes",
                           "max-mcp-body-bytes",
                           "max-body-bytes",
                           "max-requests-per-connection",
                           "max-pipelined-requests",
                           "read-timeout-seconds",
                           "idle-timeout-seconds",
                           "public-url",
                           "client-id",
                           "client-secret",
                           "redirect-uris",
                           "config",
                           "token-rate-limit",
                           "token-rate-burst",
                           "client-auth-max-failures",
                           "client-auth-max-failures-per-ip",
                           "client-auth-failure-window",
                           "hash-threads",
                           "hash-queue",
                           "authorize-rate-limit",
                           "authorize-rate-burst",
                           "max-pending-authorizations",
                           "grpc-tls-cert",
                           "grpc-tls-key",
                           "grpc-tls-client-ca",
                           "grpc-shared-secret-file",
                           "grpc-server-ca",
                           "grpc-client-cert",
                           "grpc-client-key",
                           "max-sessions-per-principal",
                           "tools-prefix",
                           "builtin-tools"}) {
    EXPECT_TRUE(table.Accepts(name)) << name;
    EXPECT_THAT(usage, HasSubstr("  --" + std::string(name) + " ")) << name;
  }
  EXPECT_EQ(table.Names().size(), 53u);  // no flag accepted that --help omits
  for (const char* env :
       {"MCP_STATIC_PORT", "MCP_HTTP_THREADS", "MCP_MAX_FORM_BODY_BYTES", "MCP_TOOLS_TARGET",
        "MCP_BUILTIN_TOOLS", "MCP_LOG_LEVEL", "MCP_STORE", "MCP_TASK_STORE", "MCP_SESSION_KEY",
        "MCP_GRPC_SHARED_SECRET", "MCP_TRUSTED_PROXIES"}) {
    EXPECT_THAT(usage, HasSubstr(env)) << env;
  }
}

TEST(GatewayFlagsTest, Defaults) {
  auto options = Build({}, flags::NoEnv);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->http.port, 9003);
  EXPECT_EQ(options->http.host, "127.0.0.1");
  EXPECT_EQ(options->auth.public_url, "http://localhost:9003");
  EXPECT_EQ(options->grpc_listen, "127.0.0.1:9004");
  EXPECT_EQ(options->form_body_bytes, 16u * 1024);
  EXPECT_EQ(options->mcp_body_bytes, 1024u * 1024);
  EXPECT_EQ(options->http.max_body_bytes, 64u * 1024);
  EXPECT_EQ(options->http.read_timeout, std::chrono::seconds(30));
  EXPECT_EQ(options->shutdown_grace, std::chrono::seconds(10));
  EXPECT_EQ(options->token_cache_ttl, std::chrono::seconds(5));
  EXPECT_THAT(options->required_scopes, ElementsAre("user"));
  EXPECT_TRUE(options->access_log);
  EXPECT_FALSE(options->metrics);
  EXPECT_TRUE(options->tools_target.empty());
  EXPECT_TRUE(options->session_key.empty());
}

// The bound --host/--port make the default public URL (as before: an
// explicit host is used, the wildcard addresses are not).
TEST(GatewayFlagsTest, PortAndHostAlsoMakeTheDefaultPublicUrl) {
  auto options = Build({"--port=8123", "--host", "127.0.0.2"}, flags::NoEnv);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->http.port, 8123);
  EXPECT_EQ(options->auth.public_url, "http://127.0.0.2:8123");
  options = Build({}, Env({{"MCP_STATIC_PORT", "0"}}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->http.port, 0);
  EXPECT_EQ(options->auth.public_url, "http://localhost:0");
}

TEST(GatewayFlagsTest, FlagBeatsEnvironment) {
  auto options = Build({"--threads=3", "--access-log=off"}, Env({{"MCP_HTTP_THREADS", "7"},
                                                                 {"MCP_ACCESS_LOG", "on"},
                                                                 {"MCP_MAX_MCP_BODY_BYTES", "100"},
                                                                 {"MCP_METRICS", "on"}}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->http.threads, 3);
  EXPECT_FALSE(options->access_log);
  EXPECT_TRUE(options->metrics);
  EXPECT_EQ(options->mcp_body_bytes, 100u);
}

TEST(GatewayFlagsTest, BadValuesNameTheFlag) {
  const std::map<std::vector<std::string>, std::string> cases = {
      {{"--port=http"}, "--port: 'http' is not a port number"},
      {{"--threads=0"}, "--threads: '0' must be 1..256"},
      {{"--max-form-body-bytes=-1"}, "--max-form-body-bytes: '-1' must be 1..1073741824"},
      {{"--access-log=loud"}, "--access-log: 'loud' must be on or off"},
      {{"--builtin-tools=maybe"}, "--builtin-tools: 'maybe' must be on or off"},
      {{"--token-cache-seconds=3601"}, "--token-cache-seconds: '3601' must be 0..3600"},
      {{"--log-level=loud"}, "--log-level: unknown level 'loud'"},
      {{"--tls-cert=a.pem"}, "--tls-cert and --tls-key go together"},
      {{"--behind-tls-proxy"}, "--behind-tls-proxy needs --trusted-proxies"},
      {{"--public-url=http://example.com"}, "neither https nor loopback"},
      {{"--token-rate-limit=x"}, "--token-rate-limit:"},
      {{"--no-such-flag"}, "unknown flag --no-such-flag"},
  };
  for (const auto& [args, message] : cases) {
    auto options = Build(args, flags::NoEnv);
    ASSERT_FALSE(options.ok()) << args[0];
    EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(options.status().message(), HasSubstr(message)) << args[0];
  }
  auto short_key = Build({}, Env({{"MCP_SESSION_KEY", "short"}}));
  ASSERT_FALSE(short_key.ok());
  EXPECT_THAT(short_key.status().message(), HasSubstr("MCP_SESSION_KEY"));
}

TEST(GatewayFlagsTest, OneUnnamedToolsTargetReplacesTheBuiltinTools) {
  auto options = Build({"--tools-target=127.0.0.1:9006"}, flags::NoEnv);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->tools_target, "127.0.0.1:9006");
  EXPECT_TRUE(options->tool_backends.empty());
  // The environment variable counts when no flag is given; empty is unset.
  options = Build({}, Env({{"MCP_TOOLS_TARGET", "127.0.0.1:9007"}}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->tools_target, "127.0.0.1:9007");
  options = Build({}, Env({{"MCP_TOOLS_TARGET", ""}}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->tools_target.empty());
}

TEST(GatewayFlagsTest, SeveralToolsTargetsAggregate) {
  auto options = Build({"--tools-target=a:1", "--tools_target", "py=b:2", "--tools-prefix=py=p_",
                        "--builtin-tools=off"},
                       Env({{"MCP_TOOLS_TARGET", "ignored:3"}}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->tools_target.empty());
  ASSERT_EQ(options->tool_backends.size(), 2u);
  EXPECT_EQ(options->tool_backends[0].name, "tools1");
  EXPECT_EQ(options->tool_backends[0].target, "a:1");
  EXPECT_EQ(options->tool_backends[1].name, "py");
  EXPECT_EQ(options->tool_backends[1].prefix, "p_");
  EXPECT_FALSE(options->builtin_tools);
  auto bad = Build({"--tools-target=a:1", "--tools-prefix=nosuch=x_"}, flags::NoEnv);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("--tools-prefix: 'nosuch=x_' must be NAME=PREFIX"));
  auto none = Build({"--builtin-tools=off"}, flags::NoEnv);
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("--builtin-tools off needs"));
}

}  // namespace
}  // namespace mcp_oauth::gateway
