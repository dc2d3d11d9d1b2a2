// The cap on concurrent MCP sessions per principal (OAuth subject + client):
// McpEndpoint with a small max_sessions_per_principal and a fake clock.
// initialize makes no RPC, so the endpoint needs no backend here.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "mcp/protocol/mcp_endpoint.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

Principal Named(const std::string& subject, const std::string& client = "static-client") {
  Principal p;
  p.subject = subject;
  p.username = subject;
  p.client_id = client;
  p.scopes = {"user"};
  return p;
}

class SessionCapTest : public ::testing::Test {
 protected:
  std::unique_ptr<McpEndpoint> MakeEndpoint(int cap) {
    McpOptions options;
    options.client_id = "static-client";
    options.public_url = "https://mcp.example.com";
    options.session_key = "0123456789abcdef0123456789abcdef";
    options.max_sessions_per_principal = cap;
    options.clock = [this] { return now_; };
    return std::make_unique<McpEndpoint>(std::move(options), McpBackends());
  }

  McpResponse Send(McpEndpoint& endpoint, McpRequest request) {
    McpResponse response;
    int calls = 0;
    endpoint.Handle(std::move(request), [&](McpResponse r) {
      response = std::move(r);
      ++calls;
    });
    EXPECT_EQ(calls, 1);  // initialize and DELETE answer synchronously
    return response;
  }

  McpResponse Initialize(McpEndpoint& endpoint, const Principal& principal, int id = 1) {
    McpRequest request;
    request.method = "POST";
    request.headers = {{"Host", "localhost:9003"},
                       {"Accept", "application/json, text/event-stream"},
                       {"Content-Type", "application/json"}};
    request.body = json{{"jsonrpc", "2.0"},
                        {"id", id},
                        {"method", "initialize"},
                        {"params",
                         {{"protocolVersion", "2025-11-25"},
                          {"capabilities", json::object()},
                          {"clientInfo", {{"name", "test"}, {"version", "1"}}}}}}
                       .dump();
    request.principal = principal;
    return Send(endpoint, std::move(request));
  }

  McpResponse Delete(McpEndpoint& endpoint, const Principal& principal,
                     const std::string& session) {
    McpRequest request;
    request.method = "DELETE";
    request.headers = {{"Host", "localhost:9003"},
                       {"Mcp-Session-Id", session},
                       {"MCP-Protocol-Version", "2025-11-25"}};
    request.principal = principal;
    return Send(endpoint, std::move(request));
  }

  absl::Time now_ = absl::FromUnixSeconds(1700000000);
};

TEST_F(SessionCapTest, InitializeBeyondTheCapIsRefusedWith429) {
  auto endpoint = MakeEndpoint(2);
  const Principal alice = Named("alice");
  McpResponse first = Initialize(*endpoint, alice);
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(Initialize(*endpoint, alice).status, 200);

  McpResponse refused = Initialize(*endpoint, alice, /*id=*/42);
  EXPECT_EQ(refused.status, 429);
  EXPECT_FALSE(refused.Header("Mcp-Session-Id").has_value());
  json body = json::parse(refused.body, nullptr, false);
  ASSERT_FALSE(body.is_discarded()) << refused.body;
  EXPECT_EQ(body["id"], 42);  // the client can match it to its initialize
  EXPECT_EQ(body["error"]["code"], -32000);
  EXPECT_TRUE(absl::StrContains(body["error"]["message"].get<std::string>(),
                                "already has 2 open MCP sessions"))
      << refused.body;

  // Other principals are not affected: another user, or the same user
  // through another client.
  EXPECT_EQ(Initialize(*endpoint, Named("bob")).status, 200);
  EXPECT_EQ(Initialize(*endpoint, Named("alice", "other-client")).status, 200);

  // Ending a session frees its place.
  const std::string session = first.Header("Mcp-Session-Id").value_or("");
  ASSERT_EQ(Delete(*endpoint, alice, session).status, 200);
  EXPECT_EQ(Initialize(*endpoint, alice).status, 200);
  EXPECT_EQ(Initialize(*endpoint, alice).status, 429);
}

TEST_F(SessionCapTest, IdleSessionsFreeTheirPlace) {
  auto endpoint = MakeEndpoint(1);
  const Principal alice = Named("alice");
  ASSERT_EQ(Initialize(*endpoint, alice).status, 200);
  now_ += absl::Minutes(59);
  EXPECT_EQ(Initialize(*endpoint, alice).status, 429);
  now_ += absl::Minutes(2);  // past the 1 h idle timeout
  EXPECT_EQ(Initialize(*endpoint, alice).status, 200);
}

TEST_F(SessionCapTest, ZeroMeansNoCap) {
  auto endpoint = MakeEndpoint(0);
  for (int i = 0; i < 300; ++i) ASSERT_EQ(Initialize(*endpoint, Named("alice")).status, 200) << i;
}

TEST_F(SessionCapTest, DefaultCapIsGenerous) {
  McpOptions defaults;
  EXPECT_GE(defaults.max_sessions_per_principal, 100);
  auto endpoint = MakeEndpoint(defaults.max_sessions_per_principal);
  for (int i = 0; i < defaults.max_sessions_per_principal; ++i) {
    ASSERT_EQ(Initialize(*endpoint, Named("alice")).status, 200) << i;
  }
  EXPECT_EQ(Initialize(*endpoint, Named("alice")).status, 429);
}

}  // namespace
}  // namespace mcp_oauth::mcp
