#include "auth/auth_server_flags.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mcp_oauth::auth {
namespace {

using ::testing::HasSubstr;

flags::GetEnvFunction Env(std::string name, std::string value) {
  return [name, value](const char* asked) -> std::optional<std::string> {
    if (asked == name) return value;
    return std::nullopt;
  };
}

// Every flag auth_server accepts is in --help, with a line of its own.
TEST(AuthServerFlagsTest, UsageListsEveryAcceptedFlag) {
  AuthServerFlags values;
  flags::FlagTable table = AuthServerFlagTable(&values);
  std::string usage = table.Usage();
  for (const std::string& name : table.Names()) {
    EXPECT_THAT(usage, HasSubstr("  --" + name + " ")) << usage;
  }
  for (const char* name : {"token-rate-limit", "token-rate-burst", "client-auth-max-failures",
                           "client-auth-max-failures-per-ip", "client-auth-failure-window",
                           "grpc-listen", "store", "log-level", "help", "port", "host",
                           "grpc-tls-cert", "grpc-shared-secret-file", "public-url"}) {
    EXPECT_TRUE(table.Accepts(name)) << name;
  }
  // The gateway's own flags are not auth_server's.
  EXPECT_FALSE(table.Accepts("tools-target"));
  EXPECT_FALSE(table.Accepts("grpc-server-ca"));
}

TEST(AuthServerFlagsTest, FlagsReachTheirOptions) {
  AuthServerFlags values;
  auto outcome =
      AuthServerFlagTable(&values).Parse({"--grpc-listen=127.0.0.1:0", "--client_id", "c1",
                                          "--port=8123", "--log-level=debug", "--store=memory"},
                                         Env("MCP_STATIC_HOST", "127.0.0.2"));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(values.grpc_listen, "127.0.0.1:0");
  EXPECT_EQ(values.auth.client_id, "c1");
  EXPECT_EQ(values.auth.url_port, "8123");
  EXPECT_EQ(values.auth.url_host, "127.0.0.2");
  EXPECT_EQ(values.log_level, log::Level::kDebug);
  EXPECT_EQ(values.store, "memory");
  auto options = BuildAuthOptions(values.auth, flags::NoEnv);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->public_url, "http://127.0.0.2:8123");
}

TEST(AuthServerFlagsTest, DefaultsAndErrors) {
  AuthServerFlags values;
  ASSERT_TRUE(AuthServerFlagTable(&values).Parse(std::vector<std::string>{}, flags::NoEnv).ok());
  EXPECT_EQ(values.grpc_listen, "127.0.0.1:9005");
  EXPECT_FALSE(values.store.has_value());
  // auth_server's --grpc-listen and --log-level have no environment variable.
  ASSERT_TRUE(AuthServerFlagTable(&values)
                  .Parse(std::vector<std::string>{}, Env("MCP_GRPC_LISTEN", "0.0.0.0:1"))
                  .ok());
  EXPECT_EQ(values.grpc_listen, "127.0.0.1:9005");
  auto bad = AuthServerFlagTable(&values).Parse({"--log-level=loud"}, flags::NoEnv);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("--log-level: unknown level 'loud'"));
  auto unknown = AuthServerFlagTable(&values).Parse({"--tools-target=x"}, flags::NoEnv);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "unknown flag --tools-target (see --help)");
}

}  // namespace
}  // namespace mcp_oauth::auth
