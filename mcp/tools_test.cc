#include <gtest/gtest.h>

#include <regex>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "mcp/json_schema.h"
#include "mcp/tool_registry.h"
#include "mcp/tools/builtin_tools.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

class BuiltinToolsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(RegisterBuiltinTools(&registry_).ok()); }

  absl::StatusOr<json> Run(const std::string& name, const json& args) {
    const ToolDefinition* tool = registry_.Find(name);
    EXPECT_NE(tool, nullptr);
    if (tool == nullptr) return absl::NotFoundError(name);
    EXPECT_TRUE(ValidateJson(tool->input_schema, args).ok());
    absl::StatusOr<json> result = tool->handler(args, CallContext());
    if (result.ok()) {
      absl::Status s = ValidateJson(tool->output_schema, *result);
      EXPECT_TRUE(s.ok()) << s;
    }
    return result;
  }

  ToolRegistry registry_;
};

TEST_F(BuiltinToolsTest, RegistersInStableOrder) {
  ASSERT_EQ(registry_.size(), 2u);
  EXPECT_EQ(registry_.tools()[0]->name, "get_time");
  EXPECT_EQ(registry_.tools()[1]->name, "echo");
  EXPECT_EQ(registry_.Find("nope"), nullptr);
  ToolRegistry other;
  ASSERT_TRUE(RegisterBuiltinTools(&other).ok());
  EXPECT_EQ(other.version_tag(), registry_.version_tag());
  EXPECT_EQ(registry_.version_tag().size(), 16u);
}

TEST_F(BuiltinToolsTest, GetTimeIsRealUtc) {
  const absl::Time before = absl::Now();
  absl::StatusOr<json> r = Run("get_time", json::object());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)["timezone"], "UTC");
  const double ts = (*r)["timestamp"].get<double>();
  EXPECT_NEAR(ts, absl::ToDoubleSeconds(before - absl::UnixEpoch()), 5.0);

  const std::string iso = (*r)["current_time"];
  EXPECT_TRUE(std::regex_match(iso, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00)")))
      << iso;
  absl::Time parsed;
  std::string err;
  ASSERT_TRUE(absl::ParseTime("%Y-%m-%dT%H:%M:%E*S%Ez", iso, &parsed, &err)) << err;
  EXPECT_LT(absl::AbsDuration(parsed - before), absl::Seconds(5));
  EXPECT_NEAR(absl::ToDoubleSeconds(parsed - absl::UnixEpoch()), ts, 0.001);

  const std::string formatted = (*r)["formatted"];
  EXPECT_EQ(formatted, absl::FormatTime("%Y-%m-%d %H:%M:%S", parsed, absl::UTCTimeZone()));
}

TEST_F(BuiltinToolsTest, EchoCountsCodePoints) {
  const std::string message =
      "h\xC3\xA9llo \xF0\x9F\x8C\x8D";  // "héllo 🌍": 7 code points, 11 bytes
  absl::StatusOr<json> r = Run("echo", json{{"message", message}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)["echo"], message);
  EXPECT_EQ((*r)["length"], 7);
}

TEST_F(BuiltinToolsTest, EchoRejectsInvalidUtf8) {
  const ToolDefinition* echo = registry_.Find("echo");
  ASSERT_NE(echo, nullptr);
  absl::StatusOr<json> r =
      echo->handler(json{{"message", std::string("a\xC0\xAF")}}, CallContext());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(BuiltinToolsTest, EchoSchemaRequiresMessage) {
  const ToolDefinition* echo = registry_.Find("echo");
  ASSERT_NE(echo, nullptr);
  EXPECT_EQ(ValidateJson(echo->input_schema, json::object()).message(),
            "missing required argument 'message'");
}

TEST(ToolRegistryTest, RejectsBadDefinitions) {
  ToolRegistry registry;
  ToolDefinition tool = EchoTool();
  ASSERT_TRUE(registry.Register(tool).ok());
  EXPECT_EQ(registry.Register(tool).code(), absl::StatusCode::kAlreadyExists);

  ToolDefinition unnamed = EchoTool();
  unnamed.name = "";
  EXPECT_FALSE(registry.Register(unnamed).ok());

  ToolDefinition no_handler = EchoTool();
  no_handler.name = "x";
  no_handler.handler = nullptr;
  EXPECT_FALSE(registry.Register(no_handler).ok());

  ToolDefinition not_object = EchoTool();
  not_object.name = "y";
  not_object.input_schema = {{"type", "string"}};
  EXPECT_FALSE(registry.Register(not_object).ok());

  ToolDefinition bad_keyword = EchoTool();
  bad_keyword.name = "z";
  bad_keyword.input_schema["anyOf"] = json::array();
  EXPECT_FALSE(registry.Register(bad_keyword).ok());
  EXPECT_EQ(registry.size(), 1u);
}

TEST(ToolRegistryTest, CompilesSchemasOnce) {
  ToolRegistry registry;
  ASSERT_TRUE(registry.Register(EchoTool()).ok());
  const ToolDefinition* echo = registry.Find("echo");
  ASSERT_NE(echo, nullptr);
  ASSERT_NE(echo->compiled_input_schema, nullptr);
  ASSERT_NE(echo->compiled_output_schema, nullptr);
  EXPECT_EQ(ValidateCompiled(*echo->compiled_input_schema, json::object()).message(),
            "missing required argument 'message'");
  EXPECT_EQ(ValidateCompiled(*echo->compiled_output_schema, json{{"echo", "a"}}).message(),
            "missing required argument 'length'");
}

}  // namespace
}  // namespace mcp_oauth::mcp
