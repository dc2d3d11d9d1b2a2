// The README's "Adding a tool" example compiles as written (the genrule in
// tests/BUILD extracts its cpp block into readme_reverse_tool.cc), registers,
// validates its arguments against its input schema and returns what the
// README says it returns.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <utility>

#include "absl/time/clock.h"
#include "mcp/json_schema.h"
#include "mcp/protocol/mcp_endpoint.h"
#include "mcp/tool_registry.h"
#include "mcp/tools/builtin_tools.h"

namespace mcp_oauth::mcp {
ToolDefinition ReverseTool();  // readme_reverse_tool.cc, from the README
namespace {

TEST(ReadmeToolTest, ReverseToolRegistersAndRuns) {
  ToolRegistry registry;
  ASSERT_TRUE(RegisterBuiltinTools(&registry).ok());
  ASSERT_TRUE(registry.Register(ReverseTool()).ok());
  const ToolDefinition* tool = registry.Find("reverse");
  ASSERT_NE(tool, nullptr);
  EXPECT_EQ(tool->description, "Reverses a string.");

  const nlohmann::json args = {{"text", "abc"}};
  ASSERT_TRUE(ValidateJson(tool->input_schema, args).ok());
  CallContext ctx(Caller{}, absl::Now() + absl::Seconds(5));
  absl::StatusOr<nlohmann::json> result = tool->handler(args, ctx);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, (nlohmann::json{{"reversed", "cba"}}));
  EXPECT_TRUE(ValidateJson(tool->output_schema, *result).ok());
}

// The initialize instructions name the registered tools (as the gateway
// wires them), so the new tool shows up there without another edit.
TEST(ReadmeToolTest, InitializeInstructionsNameTheNewTool) {
  auto registry = std::make_shared<ToolRegistry>();
  ASSERT_TRUE(RegisterBuiltinTools(registry.get()).ok());
  ASSERT_TRUE(registry->Register(ReverseTool()).ok());
  McpOptions options;
  options.client_id = "static-client";
  options.tool_names = [registry] { return registry->names(); };
  McpEndpoint endpoint(std::move(options), McpBackends{});
  McpRequest request;
  request.method = "POST";
  request.headers = {{"Host", "localhost"},
                     {"Accept", "application/json, text/event-stream"},
                     {"Content-Type", "application/json"}};
  request.body =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})";
  request.principal.subject = "alice";
  std::optional<McpResponse> response;
  endpoint.Handle(std::move(request), [&](McpResponse r) { response = std::move(r); });
  ASSERT_TRUE(response.has_value()) << "initialize answers inline";
  ASSERT_EQ(response->status, 200) << response->body;
  nlohmann::json body = nlohmann::json::parse(response->body);
  EXPECT_EQ(body["result"]["instructions"],
            "This server uses a pre-registered static OAuth client (client_id: static-client). "
            "Tools: get_time, echo, reverse.");
}

TEST(ReadmeToolTest, ArgumentsAreValidatedAgainstTheSchema) {
  const ToolDefinition tool = ReverseTool();
  EXPECT_FALSE(ValidateJson(tool.input_schema, nlohmann::json::object()).ok());
  EXPECT_FALSE(ValidateJson(tool.input_schema, {{"text", 5}}).ok());
}

}  // namespace
}  // namespace mcp_oauth::mcp
