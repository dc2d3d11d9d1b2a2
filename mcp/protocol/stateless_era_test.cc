#include "mcp/protocol/stateless_era.h"

#include <gtest/gtest.h>

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

const std::vector<std::string> kSupported = {"2026-07-28"};

json Meta(const std::string& version = "2026-07-28") {
  return {{kMetaProtocolVersion, version},
          {kMetaClientCapabilities, json::object()},
          {kMetaClientInfo, {{"name", "t"}, {"version", "1"}}}};
}

json Request(const std::string& method, json params = json::object()) {
  if (!params.contains("_meta")) params["_meta"] = Meta();
  return {{"jsonrpc", "2.0"}, {"id", 7}, {"method", method}, {"params", std::move(params)}};
}

HttpHeaders Headers(const std::string& method, const std::string& name = "") {
  HttpHeaders headers{{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", method}};
  if (!name.empty()) headers.Add("Mcp-Name", name);
  return headers;
}

TEST(DetectEraTest, SessionsForInitializeAndSessionRequests) {
  json initialize = {
      {"jsonrpc", "2.0"},
      {"id", 1},
      {"method", "initialize"},
      {"params", {{"protocolVersion", "2025-11-25"}, {"capabilities", json::object()}}}};
  EXPECT_EQ(DetectEra({}, initialize), ProtocolEra::kSessions);
  EXPECT_EQ(DetectEra(HttpHeaders{{"MCP-Protocol-Version", "2025-11-25"}}, initialize),
            ProtocolEra::kSessions);
  EXPECT_EQ(DetectEra(HttpHeaders{{"Mcp-Session-Id", "s"}, {"MCP-Protocol-Version", "2026-07-28"}},
                      Request("tools/list")),
            ProtocolEra::kSessions);
  json plain = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}};
  EXPECT_EQ(DetectEra({}, plain), ProtocolEra::kSessions);
  EXPECT_EQ(DetectEra(HttpHeaders{{"MCP-Protocol-Version", "2025-11-25"}}, plain),
            ProtocolEra::kSessions);
  EXPECT_EQ(DetectEra({}, json::array({plain})), ProtocolEra::kSessions);
}

TEST(DetectEraTest, StatelessByMetaHeaderOrDiscover) {
  EXPECT_EQ(DetectEra({}, Request("tools/list")), ProtocolEra::kStateless);  // _meta version
  json plain = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}};
  EXPECT_EQ(DetectEra(HttpHeaders{{"mcp-protocol-version", "2026-07-28"}}, plain),
            ProtocolEra::kStateless);
  EXPECT_EQ(DetectEra(HttpHeaders{{"MCP-Protocol-Version", "v999.0.0"}}, plain),
            ProtocolEra::kStateless);
  json discover = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "server/discover"}};
  EXPECT_EQ(DetectEra({}, discover), ProtocolEra::kStateless);
  // initialize does not exist in 2026-07-28: a 2026-07-28 one is stateless (and not found).
  EXPECT_EQ(DetectEra(Headers("initialize"), Request("initialize")), ProtocolEra::kStateless);
}

TEST(CheckStatelessRequestTest, AcceptsAWellFormedRequest) {
  EXPECT_FALSE(CheckStatelessRequest(Headers("tools/list"), Request("tools/list"), kSupported));
  EXPECT_FALSE(CheckStatelessRequest(Headers("tools/call", "echo"),
                                     Request("tools/call", {{"name", "echo"}}), kSupported));
  EXPECT_FALSE(CheckStatelessRequest(Headers("resources/read", "test://a"),
                                     Request("resources/read", {{"uri", "test://a"}}), kSupported));
}

TEST(CheckStatelessRequestTest, ClientInfoIsOptional) {
  json params = {
      {"_meta", {{kMetaProtocolVersion, "2026-07-28"}, {kMetaClientCapabilities, json::object()}}}};
  EXPECT_FALSE(CheckStatelessRequest(Headers("server/discover"), Request("server/discover", params),
                                     kSupported));
}

TEST(CheckStatelessRequestTest, MissingMetaIsInvalidParams) {
  for (json params : {json::object(), json{{"_meta", {{kMetaClientCapabilities, json::object()}}}},
                      json{{"_meta", {{kMetaProtocolVersion, "2026-07-28"}}}}}) {
    json message = {
        {"jsonrpc", "2.0"}, {"id", 1}, {"method", "server/discover"}, {"params", params}};
    auto rejection = CheckStatelessRequest(Headers("server/discover"), message, kSupported);
    ASSERT_TRUE(rejection) << params;
    EXPECT_EQ(rejection->http_status, 400);
    EXPECT_EQ(rejection->code, -32602);
  }
  json no_params = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "server/discover"}};
  EXPECT_EQ(CheckStatelessRequest(Headers("server/discover"), no_params, kSupported)->code, -32602);
}

TEST(CheckStatelessRequestTest, VersionHeaderMissingOrMismatchedIsHeaderMismatch) {
  auto missing = CheckStatelessRequest(HttpHeaders{{"Mcp-Method", "tools/list"}},
                                       Request("tools/list"), kSupported);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->code, kHeaderMismatch);
  auto mismatch = CheckStatelessRequest(
      Headers("tools/list"), Request("tools/list", {{"_meta", Meta("v999.0.0")}}), kSupported);
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->code, kHeaderMismatch);
  EXPECT_EQ(mismatch->http_status, 400);
}

TEST(CheckStatelessRequestTest, UnsupportedVersionListsSupported) {
  HttpHeaders headers{{"MCP-Protocol-Version", "v999.0.0"}, {"Mcp-Method", "server/discover"}};
  auto rejection = CheckStatelessRequest(
      headers, Request("server/discover", {{"_meta", Meta("v999.0.0")}}), kSupported);
  ASSERT_TRUE(rejection);
  EXPECT_EQ(rejection->code, kUnsupportedProtocolVersion);
  EXPECT_EQ(rejection->http_status, 400);
  EXPECT_EQ(rejection->data, (json{{"supported", kSupported}, {"requested", "v999.0.0"}}));
}

TEST(CheckStatelessRequestTest, MethodHeaderMustMatchExactly) {
  for (const HttpHeaders& headers : {HttpHeaders{{"MCP-Protocol-Version", "2026-07-28"}},
                                     Headers("prompts/list"), Headers("TOOLS/LIST")}) {
    auto rejection = CheckStatelessRequest(headers, Request("tools/list"), kSupported);
    ASSERT_TRUE(rejection);
    EXPECT_EQ(rejection->code, kHeaderMismatch);
  }
  // Header names are case-insensitive; surrounding whitespace is not part of the value.
  EXPECT_FALSE(CheckStatelessRequest(
      HttpHeaders{{"mcp-protocol-version", " 2026-07-28 "}, {"MCP-METHOD", "tools/list"}},
      Request("tools/list"), kSupported));
}

TEST(CheckStatelessRequestTest, NameHeaderMustMatchNameOrUri) {
  json call = Request("tools/call", {{"name", "echo"}});
  EXPECT_EQ(CheckStatelessRequest(Headers("tools/call"), call, kSupported)->code, kHeaderMismatch);
  EXPECT_EQ(CheckStatelessRequest(Headers("tools/call", "wrong_tool_name"), call, kSupported)->code,
            kHeaderMismatch);
  EXPECT_FALSE(CheckStatelessRequest(Headers("tools/call", "  echo  "), call, kSupported));
  json read = Request("resources/read", {{"uri", "test://a"}});
  EXPECT_EQ(CheckStatelessRequest(Headers("resources/read", "test://b"), read, kSupported)->code,
            kHeaderMismatch);
  json get = Request("prompts/get", {{"name", "p"}});
  EXPECT_FALSE(CheckStatelessRequest(Headers("prompts/get", "p"), get, kSupported));
}

TEST(StatelessHttpStatusTest, MapsCodes) {
  EXPECT_EQ(StatelessHttpStatus(-32601), 404);
  EXPECT_EQ(StatelessHttpStatus(-32602), 400);
  EXPECT_EQ(StatelessHttpStatus(kHeaderMismatch), 400);
  EXPECT_EQ(StatelessHttpStatus(kMissingClientCapability), 400);
  EXPECT_EQ(StatelessHttpStatus(kUnsupportedProtocolVersion), 400);
  EXPECT_EQ(StatelessHttpStatus(-32603), 500);
  EXPECT_EQ(StatelessHttpStatus(-32002), 200);
}

}  // namespace
}  // namespace mcp_oauth::mcp
