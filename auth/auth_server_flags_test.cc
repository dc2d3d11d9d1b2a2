#include "auth/auth_server_flags.h"

#include <string>

#include "auth/config.h"
#include "common/grpc_security/grpc_security.h"
#include "gtest/gtest.h"

namespace mcp_oauth::auth {
namespace {

// Every flag auth_server accepts is in its table (hence in --help): the auth
// options and the gRPC port security flags, whose names come from elsewhere.
TEST(AuthServerFlagsTest, AcceptsEveryAuthAndSecurityFlag) {
  std::set<std::string> names = AuthServerFlagNames();
  for (const std::string& name : AuthFlagNames()) EXPECT_TRUE(names.count(name)) << name;
  for (const std::string& name : grpc_security::ServerSecurityFlagNames()) {
    EXPECT_TRUE(names.count(name)) << name;
  }
  for (const char* name : {"token-rate-limit", "token-rate-burst", "client-auth-max-failures",
                           "client-auth-max-failures-per-ip", "client-auth-failure-window",
                           "grpc-listen", "store", "log-level", "help"}) {
    EXPECT_TRUE(names.count(name)) << name;
  }
}

TEST(AuthServerFlagsTest, UsageListsEveryAcceptedFlag) {
  std::string usage = AuthServerUsage();
  for (const std::string& name : AuthServerFlagNames()) {
    EXPECT_NE(usage.find("  --" + name + " "), std::string::npos) << name << "\n" << usage;
  }
  for (const FlagHelp& flag : AuthServerFlags()) {
    EXPECT_FALSE(std::string(flag.help).empty()) << flag.name;
  }
}

}  // namespace
}  // namespace mcp_oauth::auth
