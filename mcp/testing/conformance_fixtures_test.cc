// The fixtures register through the catalog extension and have the shapes
// the conformance scenarios check.
#include "mcp/testing/conformance_fixtures.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"

namespace mcp_oauth::mcp::testing {
namespace {

using nlohmann::json;

TEST(ConformanceFixturesTest, LinkingAddsThemToTheCatalog) {
  absl::StatusOr<Catalog> catalog = BuildCatalog();
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  for (const char* tool :
       {"echo", "get_time", "test_simple_text", "test_image_content", "test_audio_content",
        "test_embedded_resource", "test_multiple_content_types", "test_error_handling"}) {
    EXPECT_NE(catalog->tools->Find(tool), nullptr) << tool;
  }
  EXPECT_NE(catalog->resources->Find("test://static-text"), nullptr);
  EXPECT_NE(catalog->resources->Find("test://static-binary"), nullptr);
  EXPECT_NE(catalog->resources->FindTemplate("test://template/{id}/data"), nullptr);
  for (const char* prompt : {"test_simple_prompt", "test_prompt_with_arguments",
                             "test_prompt_with_embedded_resource", "test_prompt_with_image"}) {
    EXPECT_NE(catalog->prompts->Find(prompt), nullptr) << prompt;
  }
  EXPECT_TRUE(catalog->prompts->has_completions());
}

TEST(ConformanceFixturesTest, ContentShapes) {
  absl::StatusOr<Catalog> catalog = BuildCatalog();
  ASSERT_TRUE(catalog.ok());
  absl::StatusOr<ToolContent> audio =
      catalog->tools->Find("test_audio_content")->content_handler(json::object(), CallContext());
  ASSERT_TRUE(audio.ok());
  ASSERT_EQ(audio->blocks.size(), 1u);
  EXPECT_EQ(audio->blocks[0]["mimeType"], "audio/wav");
  std::string wav;
  ASSERT_TRUE(absl::Base64Unescape(audio->blocks[0]["data"].get<std::string>(), &wav));
  EXPECT_EQ(wav.substr(0, 4), "RIFF");
  EXPECT_EQ(wav.size(), 44u + 80u);

  absl::StatusOr<ToolContent> error =
      catalog->tools->Find("test_error_handling")->content_handler(json::object(), CallContext());
  ASSERT_TRUE(error.ok());
  EXPECT_TRUE(error->is_error);

  auto binary = catalog->resources->Find("test://static-binary")->read(CallContext());
  ASSERT_TRUE(binary.ok());
  ASSERT_EQ(binary->size(), 1u);
  EXPECT_TRUE((*binary)[0].binary);
  EXPECT_EQ((*binary)[0].blob.substr(1, 3), "PNG");

  std::map<std::string, std::string> vars;
  const auto* tmpl = catalog->resources->MatchTemplate("test://template/123/data", &vars);
  ASSERT_NE(tmpl, nullptr);
  auto data = tmpl->read("test://template/123/data", vars, CallContext());
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(json::parse((*data)[0].text),
            json::parse(R"({"id":"123","templateTest":true,"data":"Data for ID: 123"})"));

  auto args = catalog->prompts->Find("test_prompt_with_arguments")
                  ->render({{"arg1", "hello"}, {"arg2", "world"}}, CallContext());
  ASSERT_TRUE(args.ok());
  EXPECT_EQ((*args)[0].content["text"], "Prompt with arguments: arg1='hello', arg2='world'");
}

// Records what a tool reports.
class RecordingReporter : public CallReporter {
 public:
  void Progress(double progress, double total, const std::string&) override {
    progress_.emplace_back(progress, total);
  }
  void Log(const std::string& level, const std::string&, const json& data) override {
    logs_.push_back(level + ":" + data.get<std::string>());
  }
  std::vector<std::pair<double, double>> progress_;
  std::vector<std::string> logs_;
};

TEST(ConformanceFixturesTest, ReportingToolsReport) {
  absl::StatusOr<Catalog> catalog = BuildCatalog();
  ASSERT_TRUE(catalog.ok());
  auto reporter = std::make_shared<RecordingReporter>();
  CallContext ctx(Caller(), absl::InfiniteFuture(), reporter, /*progress=*/true,
                  LogSeverity("info"));
  ASSERT_TRUE(
      catalog->tools->Find("test_tool_with_progress")->content_handler(json::object(), ctx).ok());
  EXPECT_EQ(reporter->progress_,
            (std::vector<std::pair<double, double>>{{0, 100}, {50, 100}, {100, 100}}));
  ASSERT_TRUE(
      catalog->tools->Find("test_tool_with_logging")->content_handler(json::object(), ctx).ok());
  EXPECT_EQ(reporter->logs_,
            (std::vector<std::string>{"info:Tool execution started", "info:Tool processing data",
                                      "info:Tool execution completed"}));
  // A level above info admits none of them.
  auto quiet = std::make_shared<RecordingReporter>();
  CallContext warning_only(Caller(), absl::InfiniteFuture(), quiet, false, LogSeverity("warning"));
  ASSERT_TRUE(catalog->tools->Find("test_tool_with_logging")
                  ->content_handler(json::object(), warning_only)
                  .ok());
  EXPECT_TRUE(quiet->logs_.empty());
}

TEST(ConformanceFixturesTest, ChangingFixturesChangeThings) {
  absl::StatusOr<Catalog> catalog = BuildCatalog();
  ASSERT_TRUE(catalog.ok());
  std::vector<std::string> updated;
  const uint64_t id = catalog->resources->updates().Subscribe(
      [&updated](const std::string& uri) { updated.push_back(uri); });
  const ResourceDefinition* watched = catalog->resources->Find("test://watched-resource");
  ASSERT_NE(watched, nullptr);
  EXPECT_EQ((*watched->read(CallContext()))[0].text, "Watched resource, version 1");
  ASSERT_TRUE(catalog->tools->Find("test_update_watched_resource")
                  ->content_handler(json::object(), CallContext())
                  .ok());
  EXPECT_EQ((*watched->read(CallContext()))[0].text, "Watched resource, version 2");
  EXPECT_EQ(updated, std::vector<std::string>{"test://watched-resource"});
  catalog->resources->updates().Unsubscribe(id);

  const auto& toggle = catalog->tools->Find("test_toggle_dynamic_tool")->content_handler;
  EXPECT_EQ(catalog->tools->Find("test_dynamic_tool"), nullptr);
  ASSERT_TRUE(toggle(json::object(), CallContext()).ok());
  EXPECT_NE(catalog->tools->Find("test_dynamic_tool"), nullptr);
  ASSERT_TRUE(toggle(json::object(), CallContext()).ok());
  EXPECT_EQ(catalog->tools->Find("test_dynamic_tool"), nullptr);
}

}  // namespace
}  // namespace mcp_oauth::mcp::testing
