#include "mcp/aggregate/tool_merge.h"

#include <gtest/gtest.h>

namespace mcp_oauth::mcp {
namespace {

using mcp_oauth::tools::v1::Tool;

Tool Named(const std::string& name, const std::string& description = "d") {
  Tool tool;
  tool.set_name(name);
  tool.set_description(description);
  (*tool.mutable_input_schema()->mutable_fields())["type"].set_string_value("object");
  return tool;
}

BackendTools Backend(const std::string& name, std::vector<Tool> tools, bool up = true,
                     const std::string& prefix = "") {
  BackendTools backend;
  backend.name = name;
  backend.prefix = prefix;
  backend.up = up;
  backend.tools = std::move(tools);
  return backend;
}

std::vector<std::string> Names(const MergedTools& merged) {
  std::vector<std::string> names;
  for (const auto& tool : merged.tools) names.push_back(tool.name());
  return names;
}

TEST(ToolMergeTest, ListsBackendsInOrderAndRoutesEachTool) {
  MergedTools merged = MergeTools(
      {Backend("builtin", {Named("echo"), Named("get_time")}), Backend("py", {Named("whoami")})},
      {});
  EXPECT_EQ(Names(merged), (std::vector<std::string>{"echo", "get_time", "whoami"}));
  EXPECT_EQ(merged.routes.at("whoami").backend, 1u);
  EXPECT_EQ(merged.routes.at("echo").backend, 0u);
  EXPECT_TRUE(merged.collisions.empty());
  EXPECT_TRUE(merged.unavailable.empty());
}

TEST(ToolMergeTest, VersionTagFollowsTheList) {
  auto first = MergeTools({Backend("a", {Named("x")}), Backend("b", {Named("y")})}, {});
  auto same = MergeTools({Backend("a", {Named("x")}), Backend("b", {Named("y")})}, {});
  auto other_schema =
      MergeTools({Backend("a", {Named("x", "changed")}), Backend("b", {Named("y")})}, {});
  auto b_down = MergeTools({Backend("a", {Named("x")}), Backend("b", {Named("y")}, false)}, {});
  EXPECT_EQ(first.version_tag, same.version_tag);
  EXPECT_NE(first.version_tag, other_schema.version_tag);
  EXPECT_NE(first.version_tag, b_down.version_tag);
}

TEST(ToolMergeTest, CollisionKeepsTheEarlierBackendAndNamesBoth) {
  auto merged = MergeTools(
      {Backend("builtin", {Named("echo")}), Backend("py", {Named("echo"), Named("z")})}, {});
  EXPECT_EQ(Names(merged), (std::vector<std::string>{"echo", "z"}));
  EXPECT_EQ(merged.routes.at("echo").backend, 0u);
  ASSERT_EQ(merged.collisions.size(), 1u);
  EXPECT_NE(merged.collisions[0].find("'echo'"), std::string::npos);
  EXPECT_NE(merged.collisions[0].find("'py'"), std::string::npos);
  EXPECT_NE(merged.collisions[0].find("'builtin'"), std::string::npos);
}

TEST(ToolMergeTest, ATakenNameStaysWithItsOwner) {
  // "echo" belonged to backend 1 before backend 0 started offering it: the
  // newcomer is the one left out.
  auto merged =
      MergeTools({Backend("a", {Named("echo")}), Backend("b", {Named("echo")})}, {{"echo", 1}});
  EXPECT_EQ(merged.routes.at("echo").backend, 1u);
  ASSERT_EQ(merged.collisions.size(), 1u);
  EXPECT_NE(merged.collisions[0].find("of backend 'a' is left out"), std::string::npos);
}

TEST(ToolMergeTest, PrefixSeparatesEqualNames) {
  auto merged =
      MergeTools({Backend("a", {Named("echo")}), Backend("b", {Named("echo")}, true, "b_")}, {});
  EXPECT_EQ(Names(merged), (std::vector<std::string>{"echo", "b_echo"}));
  EXPECT_EQ(merged.routes.at("b_echo").backend, 1u);
  EXPECT_EQ(merged.routes.at("b_echo").backend_key, "echo");
  EXPECT_TRUE(merged.collisions.empty());
}

TEST(ToolMergeTest, DownBackendsToolsAreUnavailableNotListed) {
  auto merged =
      MergeTools({Backend("a", {Named("x")}), Backend("b", {Named("y"), Named("x")}, false)}, {});
  EXPECT_EQ(Names(merged), (std::vector<std::string>{"x"}));
  EXPECT_EQ(merged.unavailable.count("y"), 1u);
  EXPECT_EQ(merged.unavailable.at("y"), 1u);
  EXPECT_EQ(merged.unavailable.count("x"), 0u);  // served by a
  EXPECT_TRUE(merged.collisions.empty());
}

}  // namespace
}  // namespace mcp_oauth::mcp
