// The README's "Adding a tool" example compiles as written (the genrule in
// tests/BUILD extracts its cpp block into readme_reverse_tool.cc), registers,
// validates its arguments against its input schema and returns what the
// README says it returns.
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "mcp/json_schema.h"
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

TEST(ReadmeToolTest, ArgumentsAreValidatedAgainstTheSchema) {
  const ToolDefinition tool = ReverseTool();
  EXPECT_FALSE(ValidateJson(tool.input_schema, nlohmann::json::object()).ok());
  EXPECT_FALSE(ValidateJson(tool.input_schema, {{"text", 5}}).ok());
}

}  // namespace
}  // namespace mcp_oauth::mcp
