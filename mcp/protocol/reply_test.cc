// Rendered answers: JsonWriter writes what DumpJson writes, and a tools/call
// result rendered straight into the body is byte for byte the body its DOM
// gave (keys sorted, compact, invalid UTF-8 replaced), in both eras.
#include "mcp/protocol/reply.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "client/local_tool_client.h"
#include "client/remote_tool_client.h"
#include "mcp/json_struct.h"
#include "mcp/protocol/endpoint_test_util.h"
#include "mcp/protocol/json_writer.h"
#include "mcp/protocol/mcp_endpoint.h"
#include "mcp/tool_service.h"
#include "mcp/tools/builtin_tools.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

// Values with everything a serializer can get wrong.
json Awkward() {
  return json{
      {"text", "quote \" backslash \\ newline \n tab \t ctl \x01 \u00e9 \u2028 \xF0\x9F\x98\x80"},
      {"invalid", "bad \xC3 utf8 \xFF"},
      {"numbers", {0, -7, 9007199254740993LL, 18446744073709551615ULL, 0.1, -2.5e300, 1e-7}},
      {"nested", {{"b", {{"z", nullptr}, {"a", true}}}, {"a", json::array()}}},
      {"empty", json::object()}};
}

TEST(JsonWriterTest, WritesWhatDumpJsonWrites) {
  for (const json& value : {Awkward(), json("\xE2\x82"), json(42), json(nullptr), json::array()}) {
    std::string out;
    JsonWriter writer(&out);
    writer.Raw("[");
    writer.Value(value);
    writer.Raw(",");
    writer.Value(value);
    writer.Raw("]");
    EXPECT_EQ(out, DumpJson(json::array({value, value})));
  }
}

TEST(RpcReplyTest, BodyOfEachKind) {
  EXPECT_FALSE(RpcReply(std::nullopt).has_value());
  EXPECT_EQ(RpcReply().TakeBody(), "");
  RpcReply dom(json{{"b", 1}, {"a", "\xFF"}});
  ASSERT_TRUE(dom.has_value());
  EXPECT_FALSE(dom.rendered());
  ASSERT_NE(dom.dom(), nullptr);
  EXPECT_EQ(dom.TakeBody(), "{\"a\":\"\xEF\xBF\xBD\",\"b\":1}");
  RpcReply rendered = RpcReply::Rendered("{\"id\":1}");
  EXPECT_TRUE(rendered.has_value());
  EXPECT_TRUE(rendered.rendered());
  EXPECT_EQ(rendered.dom(), nullptr);
  EXPECT_EQ(rendered.TakeBody(), "{\"id\":1}");
}

// The tools/call results as the endpoint answers them, through the local
// client (the default gateway's path).
class RenderedToolCallTest : public ::testing::Test {
 protected:
  RenderedToolCallTest() {
    auto registry = std::make_shared<ToolRegistry>();
    EXPECT_TRUE(RegisterBuiltinTools(registry.get()).ok());
    ToolDefinition awkward;
    awkward.name = "awkward";
    awkward.description = "returns awkward JSON";
    awkward.input_schema = {{"type", "object"}};
    awkward.handler = [](const json&, const CallContext&) -> absl::StatusOr<json> {
      return Awkward();
    };
    EXPECT_TRUE(registry->Register(std::move(awkward)).ok());
    ToolDefinition failing;
    failing.name = "blocks";
    failing.description = "an error result without structured content";
    failing.input_schema = {{"type", "object"}};
    failing.content_handler = [](const json&, const CallContext&) -> absl::StatusOr<ToolContent> {
      ToolContent out;
      out.blocks.push_back({{"type", "text"}, {"text", "no \"luck\" \xC3"}});
      out.is_error = true;
      return out;
    };
    EXPECT_TRUE(registry->Register(std::move(failing)).ok());
    service_ = std::make_unique<ToolServiceImpl>(registry);
    McpOptions options;
    options.session_key = std::string(32, 'k');
    McpBackends backends;
    backends.tool_client = client::MakeLocalToolClient(service_.get(), nullptr);
    endpoint_ = std::make_unique<McpEndpoint>(options, std::move(backends));
  }

  McpResponse Post(const json& body, HttpHeaders headers) {
    McpRequest request;
    request.method = "POST";
    request.headers = std::move(headers);
    request.headers.Set("accept", "application/json, text/event-stream");
    request.headers.Set("content-type", "application/json");
    request.body = body.dump();
    request.principal.subject = "alice";
    request.principal.client_id = "client-1";
    return HandleAndWait(*endpoint_, std::move(request));
  }

  // A 2025-11-25 session's headers.
  HttpHeaders Session() {
    McpResponse init = Post({{"jsonrpc", "2.0"},
                             {"id", 0},
                             {"method", "initialize"},
                             {"params",
                              {{"protocolVersion", "2025-11-25"},
                               {"capabilities", json::object()},
                               {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}},
                            {});
    EXPECT_EQ(init.status, 200);
    return {{"mcp-session-id", init.Header("Mcp-Session-Id").value_or("")},
            {"mcp-protocol-version", "2025-11-25"}};
  }

  McpResponse SessionCall(const json& id, const std::string& tool, const json& arguments) {
    return Post({{"jsonrpc", "2.0"},
                 {"id", id},
                 {"method", "tools/call"},
                 {"params", {{"name", tool}, {"arguments", arguments}}}},
                Session());
  }

  McpResponse StatelessCall(const json& id, const std::string& tool, const json& arguments) {
    return Post(
        {{"jsonrpc", "2.0"},
         {"id", id},
         {"method", "tools/call"},
         {"params",
          {{"name", tool},
           {"arguments", arguments},
           {"_meta",
            {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
             {"io.modelcontextprotocol/clientCapabilities", json::object()}}}}}},
        {{"mcp-protocol-version", "2026-07-28"}, {"mcp-method", "tools/call"}, {"mcp-name", tool}});
  }

  std::unique_ptr<ToolServiceImpl> service_;
  std::unique_ptr<McpEndpoint> endpoint_;
};

TEST_F(RenderedToolCallTest, EchoBodyIsExact) {
  McpResponse session = SessionCall(7, "echo", {{"message", "hi"}});
  EXPECT_EQ(session.status, 200);
  EXPECT_EQ(session.body,
            R"({"id":7,"jsonrpc":"2.0","result":{"content":[{"text":"{\"echo\":\"hi\",)"
            R"(\"length\":2}","type":"text"}],"isError":false,)"
            R"("structuredContent":{"echo":"hi","length":2}}})");
  McpResponse stateless = StatelessCall("s\"7", "echo", {{"message", "hi"}});
  EXPECT_EQ(stateless.status, 200);
  EXPECT_EQ(stateless.body,
            R"({"id":"s\"7","jsonrpc":"2.0","result":{"content":[{"text":"{\"echo\":\"hi\",)"
            R"(\"length\":2}","type":"text"}],"isError":false,"resultType":"complete",)"
            R"("structuredContent":{"echo":"hi","length":2}}})");
}

// The body is the DOM's serialization: parsing it and dumping it again
// changes nothing (no key out of order, no space, numbers and escapes as
// nlohmann writes them), and it carries the tool's values.
TEST_F(RenderedToolCallTest, AwkwardBodiesAreTheDomSerialization) {
  for (bool stateless : {false, true}) {
    SCOPED_TRACE(stateless ? "stateless" : "session");
    McpResponse response = stateless ? StatelessCall(-3, "awkward", json::object())
                                     : SessionCall("id \u00e9", "awkward", json::object());
    ASSERT_EQ(response.status, 200);
    const json parsed = json::parse(response.body, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << response.body;
    EXPECT_EQ(response.body, DumpJson(parsed));
    EXPECT_EQ(parsed["id"], stateless ? json(-3) : json("id \u00e9"));
    const json& result = parsed["result"];
    EXPECT_EQ(result["isError"], false);
    EXPECT_EQ(result.contains("resultType"), stateless);
    EXPECT_EQ(result["structuredContent"]["invalid"], "bad \xEF\xBF\xBD utf8 \xEF\xBF\xBD");
    EXPECT_EQ(result["structuredContent"]["nested"], Awkward()["nested"]);
    EXPECT_EQ(result["structuredContent"]["text"], Awkward()["text"]);
    EXPECT_EQ(result["content"][0]["type"], "text");

    McpResponse blocks = stateless ? StatelessCall(1, "blocks", json::object())
                                   : SessionCall(1, "blocks", json::object());
    ASSERT_EQ(blocks.status, 200);
    EXPECT_EQ(blocks.body,
              std::string(R"({"id":1,"jsonrpc":"2.0","result":{"content":[{"text":"no \"luck\" )") +
                  "\xEF\xBF\xBD" + R"(","type":"text"}],"isError":true)" +
                  (stateless ? R"(,"resultType":"complete")" : "") + "}}");
  }
}

}  // namespace
}  // namespace mcp_oauth::mcp
