// McpRoute against fake AuthService and ToolService clients: the bearer check
// in front of the MCP endpoint (nothing reaches the endpoint without a valid
// token), the verified principal handed to the tools, methods and CORS, and
// the endpoint's answers passed through unchanged.
#include "gateway/mcp_route.h"

#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "auth/oauth_error_details.h"
#include "client/testing/fake_auth_client.h"
#include "client/testing/fake_tool_client.h"
#include "gtest/gtest.h"
#include "mcp/protocol/mcp_endpoint.h"

namespace mcp_oauth::gateway {
namespace {

using client::testing::FakeAuthClient;
using client::testing::FakeToolClient;
using nlohmann::json;

constexpr char kMetadataUrl[] = "http://localhost/.well-known/oauth-protected-resource/mcp";

std::string Header(const HttpResponse& response, const std::string& name) {
  for (const auto& [field, value] : response.headers) {
    if (field == name) return value;
  }
  return "";
}

std::string Rpc(int id, const std::string& method, const json& params = json::object()) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump();
}

class McpRouteTest : public ::testing::Test {
 protected:
  McpRouteTest() {
    identity::v1::Principal* principal = auth_->validate.response.mutable_principal();
    principal->set_subject("sub-7");
    principal->set_username("alice");
    principal->set_client_id("client-7");
    principal->add_scopes("user");
    principal->set_expires_at(std::time(nullptr) + 3600);
    tools_->call_result.set_is_error(false);

    BearerAuthOptions bearer;
    bearer.resource = "http://localhost/mcp";
    bearer.resource_metadata_url = kMetadataUrl;
    bearer.cache_ttl = std::chrono::milliseconds(0);
    mcp::McpOptions options;
    options.max_body_bytes = 4096;
    mcp::McpBackends backends;
    backends.tool_client = tools_;
    route_ = std::make_unique<McpRoute>(
        auth_, bearer, std::make_shared<mcp::McpEndpoint>(std::move(options), backends));
    route_->Register(router_);
  }

  HttpResponse Send(const std::string& method, std::string body,
                    std::vector<std::pair<std::string, std::string>> extra = {},
                    const std::string& token = "good-token") {
    HttpRequest request;
    request.method = method;
    request.target = request.path = "/mcp";
    request.headers.Add("host", "localhost");
    request.headers.Add("accept", "application/json, text/event-stream");
    request.headers.Add("content-type", "application/json");
    if (!token.empty()) request.headers.Add("authorization", "Bearer " + token);
    for (auto& [name, value] : extra) request.headers.Add(name, value);
    request.body = std::move(body);
    request.request_id = "req-9";
    log_fields_ = request.log_fields = std::make_shared<RequestLogFields>();
    absl::Notification answered;
    HttpResponse response;
    router_.Handle(std::move(request), [&](HttpResponse r) {
      response = std::move(r);
      answered.Notify();
    });
    EXPECT_TRUE(answered.WaitForNotificationWithTimeout(absl::Seconds(10)));
    return response;
  }

  // Returns the id of a new session.
  std::string Initialize() {
    HttpResponse response = Send("POST", Rpc(1, "initialize",
                                             {{"protocolVersion", "2025-11-25"},
                                              {"capabilities", json::object()},
                                              {"clientInfo", {{"name", "t"}, {"version", "1"}}}}));
    EXPECT_EQ(response.status, 200) << response.body;
    return Header(response, "Mcp-Session-Id");
  }

  std::shared_ptr<FakeAuthClient> auth_ = std::make_shared<FakeAuthClient>();
  std::shared_ptr<FakeToolClient> tools_ = std::make_shared<FakeToolClient>();
  Router router_;
  std::unique_ptr<McpRoute> route_;
  // The last request's access-log fields, as the server's observer would give them.
  std::shared_ptr<RequestLogFields> log_fields_;
};

TEST_F(McpRouteTest, NoTokenIsChallengedAndNeverReachesTheEndpoint) {
  HttpResponse response = Send("POST", Rpc(1, "tools/call", {{"name", "echo"}}), {}, "");
  EXPECT_EQ(response.status, 401);
  std::string challenge = Header(response, "WWW-Authenticate");
  EXPECT_NE(challenge.find(std::string("resource_metadata=\"") + kMetadataUrl + "\""),
            std::string::npos)
      << challenge;
  EXPECT_EQ(challenge.find("error="), std::string::npos) << challenge;
  EXPECT_EQ(Header(response, "Mcp-Session-Id"), "");
  EXPECT_EQ(auth_->validate.calls, 0);
  EXPECT_EQ(tools_->calls(), 0);
}

TEST_F(McpRouteTest, RefusedTokenIsInvalidToken) {
  auth::v1::OAuthError error;
  error.set_error("invalid_token");
  error.set_error_description("token expired");
  error.set_http_status(401);
  auth_->validate.status = auth::MakeOAuthStatus(grpc::StatusCode::UNAUTHENTICATED, error);
  HttpResponse response = Send("POST", Rpc(1, "initialize"), {}, "expired-token");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(Header(response, "WWW-Authenticate").rfind("Bearer error=\"invalid_token\"", 0), 0u)
      << Header(response, "WWW-Authenticate");
  EXPECT_EQ(auth_->validate.request.access_token(), "expired-token");
  EXPECT_EQ(auth_->validate.request.resource(), "http://localhost/mcp");
  EXPECT_EQ(auth_->validate.options.request_id, "req-9");
  EXPECT_EQ(Header(response, "Mcp-Session-Id"), "") << "no session without a valid token";
}

TEST_F(McpRouteTest, ValidTokenReachesTheEndpointAsThePrincipal) {
  std::string session = Initialize();
  ASSERT_FALSE(session.empty());
  HttpResponse response =
      Send("POST", Rpc(2, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}),
           {{"mcp-session-id", session}, {"mcp-protocol-version", "2025-11-25"}});
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body)["id"], 2);
  ASSERT_EQ(tools_->calls(), 1);
  tools::v1::CallToolRequest call = tools_->last_call();
  EXPECT_EQ(call.name(), "echo");
  EXPECT_EQ(call.caller().subject(), "sub-7");
  EXPECT_EQ(call.caller().username(), "alice");
  EXPECT_EQ(call.caller().client_id(), "client-7");
  ASSERT_EQ(call.caller().scopes_size(), 1);
  EXPECT_EQ(call.caller().scopes(0), "user");
  // The access log learns who asked.
  EXPECT_EQ(log_fields_->client_id, "client-7");
  EXPECT_EQ(log_fields_->user, "alice");
}

TEST_F(McpRouteTest, AnotherPrincipalCannotUseTheSession) {
  std::string session = Initialize();
  auth_->validate.response.mutable_principal()->set_subject("sub-8");
  HttpResponse response =
      Send("POST", Rpc(2, "ping"),
           {{"mcp-session-id", session}, {"mcp-protocol-version", "2025-11-25"}}, "other-token");
  EXPECT_EQ(response.status, 404) << response.body;
}

TEST_F(McpRouteTest, EndpointErrorsPassThrough) {
  EXPECT_EQ(Send("POST", "{not json").status, 400);
  EXPECT_EQ(Send("POST", Rpc(1, "initialize", {{"pad", std::string(5000, 'x')}})).status, 413)
      << "the endpoint's body limit";
  EXPECT_EQ(Send("POST", Rpc(1, "ping"), {{"mcp-session-id", "forged"}}).status, 404);
  EXPECT_EQ(tools_->calls(), 0);
}

TEST_F(McpRouteTest, MethodsAndCors) {
  HttpResponse response = Send("PUT", "{}");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(Header(response, "Allow"), "DELETE, GET, POST, OPTIONS");
  EXPECT_EQ(auth_->validate.calls, 0);

  response = Send("OPTIONS", "", {{"origin", "https://app.test"}}, "");
  EXPECT_EQ(response.status, 204);
  EXPECT_NE(Header(response, "Access-Control-Allow-Headers").find("Mcp-Session-Id"),
            std::string::npos);

  // A refused cross-origin request still shows the browser the challenge.
  response = Send("POST", Rpc(1, "ping"), {{"origin", "http://localhost"}}, "");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(Header(response, "Access-Control-Expose-Headers"), "Mcp-Session-Id, WWW-Authenticate");
}

}  // namespace
}  // namespace mcp_oauth::gateway
