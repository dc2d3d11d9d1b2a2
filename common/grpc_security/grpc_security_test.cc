#include "common/grpc_security/grpc_security.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <cstdlib>
#include <fstream>
#include <future>
#include <map>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace mcp_oauth::grpc_security {
namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef-shared";

GetEnvFunction Env(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// The flags as `bazel run` would give them, parsed through the table.
SecurityFlags Flags(std::map<std::string, std::string> values, const GetEnvFunction& env) {
  SecurityFlags out;
  flags::FlagTable table("test\n");
  AddServerSecurityFlags(&table, &out);
  AddClientSecurityFlags(&table, &out);
  std::vector<std::string> args;
  for (const auto& [name, value] : values) args.push_back("--" + name + "=" + value);
  EXPECT_TRUE(table.Parse(args, env).ok());
  return out;
}

absl::StatusOr<ServerSecurity> ServerSecurityFromFlags(std::map<std::string, std::string> values,
                                                       const GetEnvFunction& env) {
  return ReadServerSecurity(Flags(std::move(values), env), env);
}

absl::StatusOr<ClientSecurity> ClientSecurityFromFlags(std::map<std::string, std::string> values,
                                                       const GetEnvFunction& env) {
  return ReadClientSecurity(Flags(std::move(values), env), env);
}

std::string TempFile(const std::string& name, const std::string& contents) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  std::ofstream(path) << contents;
  return path;
}

TEST(GrpcSecurityTest, LoopbackAddresses) {
  for (const char* a : {"127.0.0.1:9004", "127.1.2.3:0", "localhost:9004", "[::1]:9004",
                        "unix:/run/mcp.sock", "unix-abstract:mcp"}) {
    EXPECT_TRUE(IsLoopbackListenAddress(a)) << a;
  }
  for (const char* a :
       {"0.0.0.0:9004", "[::]:9004", ":9004", "10.0.0.5:9004", "192.168.1.1:0", "example.com:9004",
        "127.example.com:9004", "[::ffff:10.0.0.1]:1", "::1", "[::1", ""}) {
    EXPECT_FALSE(IsLoopbackListenAddress(a)) << a;
  }
}

TEST(GrpcSecurityTest, UnprotectedNonLoopbackIsRefused) {
  auto refused = ServerCredentialsFor("0.0.0.0:0", ServerSecurity());
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "refusing to serve gRPC on 0.0.0.0:0"))
      << refused.status();
  EXPECT_TRUE(ServerCredentialsFor("127.0.0.1:0", ServerSecurity()).ok());
  ServerSecurity with_secret;
  with_secret.shared_secret = kSecret;
  EXPECT_TRUE(ServerCredentialsFor("0.0.0.0:0", with_secret).ok());
}

TEST(GrpcSecurityTest, SharedSecretSources) {
  auto none = ServerSecurityFromFlags({}, Env({}));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->protected_port());

  auto from_env = ServerSecurityFromFlags({}, Env({{"MCP_GRPC_SHARED_SECRET", kSecret}}));
  ASSERT_TRUE(from_env.ok()) << from_env.status();
  EXPECT_EQ(from_env->shared_secret, kSecret);

  // The file wins over the environment; its trailing newline is not part of it.
  std::string path = TempFile("secret", "file-secret-file-secret-file-secret-42\n");
  auto from_file = ClientSecurityFromFlags({{"grpc-shared-secret-file", path}},
                                           Env({{"MCP_GRPC_SHARED_SECRET", kSecret}}));
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  EXPECT_EQ(from_file->shared_secret, "file-secret-file-secret-file-secret-42");

  auto too_short = ServerSecurityFromFlags({}, Env({{"MCP_GRPC_SHARED_SECRET", "short"}}));
  ASSERT_FALSE(too_short.ok());
  EXPECT_TRUE(absl::StrContains(too_short.status().message(), "at least 32"));
  EXPECT_FALSE(absl::StrContains(too_short.status().message(), "short"));  // never echoed

  auto missing =
      ServerSecurityFromFlags({{"grpc-shared-secret-file", "/nonexistent/secret"}}, Env({}));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(absl::StrContains(missing.status().message(), "--grpc-shared-secret-file"));
}

TEST(GrpcSecurityTest, TlsFlagsGoTogether) {
  std::string pem = TempFile("cert.pem", "-----BEGIN CERTIFICATE-----\nx\n");
  auto partial = ServerSecurityFromFlags({{"grpc-tls-cert", pem}}, Env({}));
  ASSERT_FALSE(partial.ok());
  EXPECT_TRUE(absl::StrContains(partial.status().message(), "go together"));
  auto not_pem = ServerSecurityFromFlags({{"grpc-tls-cert", TempFile("junk", "junk")}}, Env({}));
  ASSERT_FALSE(not_pem.ok());
  EXPECT_TRUE(absl::StrContains(not_pem.status().message(), "not a PEM file"));
  auto client_without_ca =
      ClientSecurityFromFlags({{"grpc-client-cert", pem}, {"grpc-client-key", pem}}, Env({}));
  ASSERT_FALSE(client_without_ca.ok());
  EXPECT_TRUE(absl::StrContains(client_without_ca.status().message(), "--grpc-server-ca"));
}

// Answers every method not otherwise registered with OK and an empty body.
class AnythingService final : public grpc::CallbackGenericService {
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    class Reactor final : public grpc::ServerGenericBidiReactor {
     public:
      Reactor() { StartRead(&request_); }
      void OnReadDone(bool) override { Finish(grpc::Status::OK); }
      void OnDone() override { delete this; }

     private:
      grpc::ByteBuffer request_;
    };
    return new Reactor;
  }
};

// A real server on a plaintext loopback port with the shared secret: every
// call, the health service included, needs the credential.
class SharedSecretServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::EnableDefaultHealthCheckService(true);
    ServerSecurity security;
    security.shared_secret = kSecret;
    auto creds = ServerCredentialsFor("127.0.0.1:0", security);
    ASSERT_TRUE(creds.ok()) << creds.status();
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", *creds, &port_);
    builder.RegisterCallbackGenericService(&generic_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port_, 0);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  // Calls grpc.health.v1.Health/Check (empty request) over a channel built
  // from `client`.
  grpc::Status Call(const ClientSecurity& client,
                    const std::string& method = "/grpc.health.v1.Health/Check") {
    auto channel = CreateChannel("127.0.0.1:" + std::to_string(port_), client);
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Slice empty(std::string{});
    grpc::ByteBuffer request(&empty, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                   [&](grpc::Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
  }

  AnythingService generic_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(SharedSecretServerTest, WithoutWrongAndRightCredential) {
  ClientSecurity wrong;
  wrong.shared_secret = kSecret + "x";
  ClientSecurity truncated;
  truncated.shared_secret = kSecret.substr(0, kSecret.size() - 1);
  ClientSecurity right;
  right.shared_secret = kSecret;
  for (const char* method : {"/grpc.health.v1.Health/Check", "/test.Anything/Call"}) {
    grpc::Status without = Call(ClientSecurity(), method);
    EXPECT_EQ(without.error_code(), grpc::StatusCode::UNAUTHENTICATED) << method;
    EXPECT_EQ(without.error_message(), "missing or wrong internal gRPC credential");
    EXPECT_EQ(Call(wrong, method).error_code(), grpc::StatusCode::UNAUTHENTICATED) << method;
    EXPECT_EQ(Call(truncated, method).error_code(), grpc::StatusCode::UNAUTHENTICATED) << method;
    grpc::Status ok = Call(right, method);
    EXPECT_TRUE(ok.ok()) << method << ": " << ok.error_code() << " " << ok.error_message();
  }
}

}  // namespace
}  // namespace mcp_oauth::grpc_security
