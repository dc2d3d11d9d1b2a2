#include "common/flags.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mcp_oauth::flags {
namespace {

using ::testing::HasSubstr;

// A fake environment.
GetEnvFunction Env(std::map<std::string, std::string> values) {
  return [values](const char* name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

struct Options {
  int port = 9003;
  std::string host = "127.0.0.1";
  bool metrics = false;
  bool access_log = true;
  std::vector<std::string> scopes = {"user"};
  std::vector<std::string> targets;
};

FlagTable MakeTable(Options* options) {
  FlagTable table("Usage: demo [flags]\n", "Precedence: flag > environment > default.\n");
  table.Section("Server");
  table.Int("port", "DEMO_PORT", "public port", 0, 65535, &options->port);
  table.String("host", "ADDR", "DEMO_HOST", "address to bind", "127.0.0.1", &options->host);
  table.Switch("metrics", "DEMO_METRICS", "serve /metrics", /*bare=*/true, &options->metrics);
  table.Switch("access-log", "DEMO_ACCESS_LOG", "log each request", /*bare=*/false,
               &options->access_log);
  table.List("scopes", "S", "DEMO_SCOPES", "required scopes", "user", &options->scopes);
  table.Note("Scopes are separated by commas or spaces.");
  table.Add({"target", "ADDR", "DEMO_TARGET", "a backend; repeatable", "", false, true, true,
             [options](const std::string& value) {
               options->targets.push_back(value);
               return absl::OkStatus();
             }});
  return table;
}

TEST(FlagTableTest, AcceptsBothSpellingsAndBothValueForms) {
  Options options;
  FlagTable table = MakeTable(&options);
  auto outcome = table.Parse({"--port=81", "--access_log", "off", "--metrics"}, NoEnv);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(*outcome, FlagTable::Outcome::kRun);
  EXPECT_EQ(options.port, 81);
  EXPECT_FALSE(options.access_log);
  EXPECT_TRUE(options.metrics);
  EXPECT_EQ(options.host, "127.0.0.1");  // not given: the default stays
}

TEST(FlagTableTest, UnknownFlagIsAnErrorNamingIt) {
  Options options;
  auto outcome = MakeTable(&options).Parse({"--no-such-flag=1"}, NoEnv);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(outcome.status().message(), "unknown flag --no-such-flag (see --help)");
}

TEST(FlagTableTest, MissingValueIsAnError) {
  Options options;
  auto outcome = MakeTable(&options).Parse({"--port"}, NoEnv);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().message(), "flag --port needs a value");
}

TEST(FlagTableTest, PositionalArgumentIsAnError) {
  Options options;
  auto outcome = MakeTable(&options).Parse({"--metrics", "extra"}, NoEnv);
  ASSERT_FALSE(outcome.ok());
  EXPECT_THAT(outcome.status().message(), HasSubstr("unexpected argument 'extra'"));
}

TEST(FlagTableTest, BadNumbersAreRefusedWithTheFlagAndTheRange) {
  for (const char* bad : {"abc", "-1", "65536", "12x", ""}) {
    Options options;
    auto outcome = MakeTable(&options).Parse({std::string("--port=") + bad}, NoEnv);
    ASSERT_FALSE(outcome.ok()) << bad;
    EXPECT_EQ(outcome.status().message(), std::string("--port: '") + bad + "' must be 0..65535");
  }
}

TEST(FlagTableTest, BadSwitchIsRefused) {
  Options options;
  auto outcome = MakeTable(&options).Parse({"--access-log=maybe"}, NoEnv);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().message(), "--access-log: 'maybe' must be on or off");
}

TEST(FlagTableTest, FlagBeatsEnvironmentWhichBeatsDefault) {
  Options options;
  auto env = Env({{"DEMO_PORT", "82"}, {"DEMO_HOST", "0.0.0.0"}});
  ASSERT_TRUE(MakeTable(&options).Parse({"--port=81"}, env).ok());
  EXPECT_EQ(options.port, 81);         // flag
  EXPECT_EQ(options.host, "0.0.0.0");  // environment
  EXPECT_TRUE(options.access_log);     // default
}

TEST(FlagTableTest, BadEnvironmentValueNamesTheFlag) {
  Options options;
  auto outcome = MakeTable(&options).Parse({}, Env({{"DEMO_PORT", "http"}}));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().message(), "--port: 'http' must be 0..65535");
}

TEST(FlagTableTest, LastValueWinsUnlessRepeatable) {
  Options options;
  ASSERT_TRUE(MakeTable(&options)
                  .Parse({"--port=1", "--port=2", "--target=a", "--target", "b"},
                         Env({{"DEMO_TARGET", "env"}}))
                  .ok());
  EXPECT_EQ(options.port, 2);
  EXPECT_THAT(options.targets, ::testing::ElementsAre("a", "b"));
}

TEST(FlagTableTest, RepeatableFlagFallsBackToItsEnvironmentVariable) {
  Options options;
  ASSERT_TRUE(MakeTable(&options).Parse({}, Env({{"DEMO_TARGET", "env"}})).ok());
  EXPECT_THAT(options.targets, ::testing::ElementsAre("env"));
  Options empty;
  ASSERT_TRUE(MakeTable(&empty).Parse({}, Env({{"DEMO_TARGET", ""}})).ok());
  EXPECT_TRUE(empty.targets.empty());  // empty_env_is_unset
}

TEST(FlagTableTest, ListsSplitOnCommasAndSpaces) {
  Options options;
  ASSERT_TRUE(MakeTable(&options).Parse({"--scopes", "a, b,,c"}, NoEnv).ok());
  EXPECT_THAT(options.scopes, ::testing::ElementsAre("a", "b", "c"));
}

TEST(FlagTableTest, HelpCallsNoSetter) {
  Options options;
  auto outcome = MakeTable(&options).Parse({"--port=1", "--help"}, Env({{"DEMO_HOST", "x"}}));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(*outcome, FlagTable::Outcome::kHelp);
  EXPECT_EQ(options.port, 9003);
  EXPECT_EQ(options.host, "127.0.0.1");
}

TEST(FlagTableTest, UsageListsEveryFlagWithItsEnvironmentAndDefault) {
  Options options;
  FlagTable table = MakeTable(&options);
  std::string usage = table.Usage();
  for (const std::string& name : table.Names()) {
    EXPECT_THAT(usage, HasSubstr("  --" + name + " ")) << usage;
  }
  EXPECT_THAT(usage, HasSubstr("public port (env DEMO_PORT; default 9003)"));
  EXPECT_THAT(usage, HasSubstr("\nServer:\n"));
  EXPECT_THAT(usage, HasSubstr("Scopes are separated by commas or spaces."));
  EXPECT_EQ(usage.rfind("Usage: demo [flags]\n", 0), 0u);
  EXPECT_THAT(usage, ::testing::EndsWith("Precedence: flag > environment > default.\n"));
  for (absl::string_view line : absl::StrSplit(usage, '\n')) {
    EXPECT_LE(line.size(), 88u) << line;
  }
}

TEST(FlagTableTest, AcceptsOnlyItsFlags) {
  Options options;
  FlagTable table = MakeTable(&options);
  EXPECT_TRUE(table.Accepts("port"));
  EXPECT_TRUE(table.Accepts("help"));
  EXPECT_FALSE(table.Accepts("client-id"));
}

}  // namespace
}  // namespace mcp_oauth::flags
