#include "mcp/testing/conformance_fixtures.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/time/clock.h"
#include "mcp/completion.h"

namespace mcp_oauth::mcp::testing {
namespace {

using nlohmann::json;

// A 1x1 red pixel PNG.
constexpr char kPngBase64[] =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg"
    "==";

std::string PngBytes() {
  std::string bytes;
  absl::Base64Unescape(kPngBase64, &bytes);
  return bytes;
}

// A valid 8 kHz mono 8-bit PCM WAV file holding 80 samples of silence.
std::string WavBase64() {
  const uint32_t samples = 80;
  std::string wav;
  auto u32 = [&wav](uint32_t v) {
    for (int i = 0; i < 4; ++i) wav.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  auto u16 = [&wav](uint16_t v) {
    wav.push_back(static_cast<char>(v & 0xff));
    wav.push_back(static_cast<char>(v >> 8));
  };
  wav += "RIFF";
  u32(36 + samples);
  wav += "WAVEfmt ";
  u32(16);    // fmt chunk size
  u16(1);     // PCM
  u16(1);     // mono
  u32(8000);  // sample rate
  u32(8000);  // byte rate
  u16(1);     // block align
  u16(8);     // bits per sample
  wav += "data";
  u32(samples);
  wav.append(samples, static_cast<char>(0x80));  // 8-bit silence
  return absl::Base64Escape(wav);
}

json Text(const std::string& text) { return json{{"type", "text"}, {"text", text}}; }
json Image() { return json{{"type", "image"}, {"data", kPngBase64}, {"mimeType", "image/png"}}; }

ToolDefinition ContentTool(const std::string& name, const std::string& description,
                           std::vector<json> blocks, bool is_error = false) {
  ToolDefinition tool;
  tool.name = name;
  tool.description = description;
  tool.input_schema = {{"type", "object"}, {"properties", json::object()}};
  tool.content_handler = [blocks = std::move(blocks), is_error](
                             const json&, const CallContext&) -> absl::StatusOr<ToolContent> {
    ToolContent content;
    content.blocks = blocks;
    content.is_error = is_error;
    return content;
  };
  tool.runs_inline = true;
  return tool;
}

// Sleeps `ms` unless the call is cancelled first.
void Pause(const CallContext& ctx, int ms) {
  for (int i = 0; i < ms / 5 && !ctx.Cancelled(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

// Logs three info messages ~50 ms apart (tools-call-with-logging).
ToolDefinition LoggingTool() {
  ToolDefinition tool;
  tool.name = "test_tool_with_logging";
  tool.description = "Sends three log messages while it runs";
  tool.input_schema = {{"type", "object"}, {"properties", json::object()}};
  tool.content_handler = [](const json&, const CallContext& ctx) -> absl::StatusOr<ToolContent> {
    ctx.Log("info", "Tool execution started");
    Pause(ctx, 50);
    ctx.Log("info", "Tool processing data");
    Pause(ctx, 50);
    ctx.Log("info", "Tool execution completed");
    ToolContent content;
    content.blocks = {Text("Tool with logging executed successfully")};
    return content;
  };
  return tool;
}

// Reports progress 0, 50, 100 of 100, ~50 ms apart (tools-call-with-progress).
ToolDefinition ProgressTool() {
  ToolDefinition tool;
  tool.name = "test_tool_with_progress";
  tool.description = "Reports progress while it runs";
  tool.input_schema = {{"type", "object"}, {"properties", json::object()}};
  tool.content_handler = [](const json&, const CallContext& ctx) -> absl::StatusOr<ToolContent> {
    ctx.ReportProgress(0, 100);
    Pause(ctx, 50);
    ctx.ReportProgress(50, 100);
    Pause(ctx, 50);
    ctx.ReportProgress(100, 100);
    ToolContent content;
    content.blocks = {Text("Tool with progress executed successfully")};
    return content;
  };
  return tool;
}

std::vector<ToolDefinition> Tools() {
  return {
      LoggingTool(),
      ProgressTool(),
      ContentTool("test_simple_text", "Returns simple text content",
                  {Text("This is a simple text response for testing.")}),
      ContentTool("test_image_content", "Returns image content (a 1x1 red PNG)", {Image()}),
      ContentTool("test_audio_content", "Returns audio content (a short silent WAV)",
                  {json{{"type", "audio"}, {"data", WavBase64()}, {"mimeType", "audio/wav"}}}),
      ContentTool("test_embedded_resource", "Returns an embedded resource",
                  {json{{"type", "resource"},
                        {"resource",
                         {{"uri", "test://embedded-resource"},
                          {"mimeType", "text/plain"},
                          {"text", "This is an embedded resource content."}}}}}),
      ContentTool("test_multiple_content_types", "Returns text, image and resource content",
                  {Text("Multiple content types test:"), Image(),
                   json{{"type", "resource"},
                        {"resource",
                         {{"uri", "test://mixed-content-resource"},
                          {"mimeType", "application/json"},
                          {"text", R"({"test":"data","value":123})"}}}}}),
      ContentTool("test_error_handling", "Always fails with a tool error",
                  {Text("This tool intentionally returns an error for testing")},
                  /*is_error=*/true),
  };
}

absl::Status AddResources(ResourceRegistry* registry) {
  ResourceDefinition text;
  text.uri = "test://static-text";
  text.name = "Static Text Resource";
  text.description = "A static text resource for testing";
  text.mime_type = "text/plain";
  text.read = [](const CallContext&) -> absl::StatusOr<std::vector<ResourceContent>> {
    return std::vector<ResourceContent>{ResourceContent::Text(
        "test://static-text", "text/plain", "This is the content of the static text resource.")};
  };
  if (absl::Status s = registry->Register(std::move(text)); !s.ok()) return s;

  ResourceDefinition binary;
  binary.uri = "test://static-binary";
  binary.name = "Static Binary Resource";
  binary.description = "A static binary resource (image) for testing";
  binary.mime_type = "image/png";
  binary.read = [](const CallContext&) -> absl::StatusOr<std::vector<ResourceContent>> {
    return std::vector<ResourceContent>{
        ResourceContent::Blob("test://static-binary", "image/png", PngBytes())};
  };
  if (absl::Status s = registry->Register(std::move(binary)); !s.ok()) return s;

  ResourceTemplateDefinition data;
  data.uri_template = "test://template/{id}/data";
  data.name = "Template Data Resource";
  data.description = "A resource template with an id parameter";
  data.mime_type = "application/json";
  data.read = [](const std::string& uri, const std::map<std::string, std::string>& variables,
                 const CallContext&) -> absl::StatusOr<std::vector<ResourceContent>> {
    const std::string& id = variables.at("id");
    json body = {{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}};
    return std::vector<ResourceContent>{
        ResourceContent::Text(uri, "application/json", body.dump())};
  };
  return registry->RegisterTemplate(std::move(data));
}

PromptDefinition Prompt(const std::string& name, const std::string& description,
                        std::vector<PromptArgumentDefinition> arguments, PromptRenderer render) {
  PromptDefinition prompt;
  prompt.name = name;
  prompt.description = description;
  prompt.arguments = std::move(arguments);
  prompt.render = std::move(render);
  return prompt;
}

std::vector<PromptDefinition> Prompts() {
  using Args = std::map<std::string, std::string>;
  using Messages = absl::StatusOr<std::vector<PromptMessage>>;
  return {
      Prompt("test_simple_prompt", "A simple prompt without arguments", {},
             [](const Args&, const CallContext&) -> Messages {
               return std::vector<PromptMessage>{
                   {"user", Text("This is a simple prompt for testing.")}};
             }),
      Prompt("test_prompt_with_arguments", "A prompt with required arguments",
             {{"arg1", "First test argument", true,
               PrefixCompleter({"paris", "park", "party", "testValue1"})},
              {"arg2", "Second test argument", true, nullptr}},
             [](const Args& args, const CallContext&) -> Messages {
               return std::vector<PromptMessage>{
                   {"user", Text("Prompt with arguments: arg1='" + args.at("arg1") + "', arg2='" +
                                 args.at("arg2") + "'")}};
             }),
      Prompt("test_prompt_with_embedded_resource", "A prompt that embeds a resource",
             {{"resourceUri", "URI of the resource to embed", true, nullptr}},
             [](const Args& args, const CallContext&) -> Messages {
               json resource = {{"type", "resource"},
                                {"resource",
                                 {{"uri", args.at("resourceUri")},
                                  {"mimeType", "text/plain"},
                                  {"text", "Embedded resource content for testing."}}}};
               return std::vector<PromptMessage>{
                   {"user", resource},
                   {"user", Text("Please process the embedded resource above.")}};
             }),
      Prompt("test_prompt_with_image", "A prompt with image content", {},
             [](const Args&, const CallContext&) -> Messages {
               return std::vector<PromptMessage>{{"user", Image()},
                                                 {"user", Text("Please analyze the image above.")}};
             }),
  };
}

}  // namespace

namespace {

// test://watched-resource (resources-subscribe/unsubscribe) and the tools
// that change things at runtime: test_update_watched_resource bumps the
// resource's version (subscribers get notifications/resources/updated);
// test_toggle_dynamic_tool adds or removes test_dynamic_tool (sessions get
// notifications/tools/list_changed).
absl::Status AddChangingFixtures(Catalog* catalog) {
  auto version = std::make_shared<std::atomic<int>>(1);
  ResourceDefinition watched;
  watched.uri = "test://watched-resource";
  watched.name = "Watched Resource";
  watched.description = "A resource that changes when test_update_watched_resource is called";
  watched.mime_type = "text/plain";
  watched.read = [version](const CallContext&) -> absl::StatusOr<std::vector<ResourceContent>> {
    return std::vector<ResourceContent>{
        ResourceContent::Text("test://watched-resource", "text/plain",
                              "Watched resource, version " + std::to_string(version->load()))};
  };
  if (absl::Status s = catalog->resources->Register(std::move(watched)); !s.ok()) return s;

  std::weak_ptr<const ResourceRegistry> resources = catalog->resources;
  ToolDefinition update;
  update.name = "test_update_watched_resource";
  update.description = "Changes test://watched-resource";
  update.input_schema = {{"type", "object"}, {"properties", json::object()}};
  update.content_handler = [version, resources](const json&,
                                                const CallContext&) -> absl::StatusOr<ToolContent> {
    const int now = ++*version;
    if (auto registry = resources.lock()) registry->NotifyUpdated("test://watched-resource");
    ToolContent content;
    content.blocks = {Text("test://watched-resource is now version " + std::to_string(now))};
    return content;
  };
  if (absl::Status s = catalog->tools->Register(std::move(update)); !s.ok()) return s;

  std::weak_ptr<ToolRegistry> tools = catalog->tools;
  ToolDefinition toggle;
  toggle.name = "test_toggle_dynamic_tool";
  toggle.description = "Adds test_dynamic_tool, or removes it when present";
  toggle.input_schema = {{"type", "object"}, {"properties", json::object()}};
  toggle.content_handler = [tools](const json&, const CallContext&) -> absl::StatusOr<ToolContent> {
    auto registry = tools.lock();
    if (!registry) return absl::UnavailableError("registry gone");
    ToolContent content;
    if (registry->Unregister("test_dynamic_tool").ok()) {
      content.blocks = {Text("test_dynamic_tool removed")};
      return content;
    }
    ToolDefinition dynamic =
        ContentTool("test_dynamic_tool", "Exists only after test_toggle_dynamic_tool",
                    {Text("dynamic tool called")});
    if (absl::Status s = registry->Register(std::move(dynamic)); !s.ok()) return s;
    content.blocks = {Text("test_dynamic_tool added")};
    return content;
  };
  if (absl::Status s = catalog->tools->Register(std::move(toggle)); !s.ok()) return s;

  // Cancellation seen from the client: test_wait_for_cancel reports progress
  // once, then runs until its call is cancelled (or 60 s pass);
  // test_cancellation_count says how many calls saw their cancellation.
  auto cancelled = std::make_shared<std::atomic<int>>(0);
  ToolDefinition wait;
  wait.name = "test_wait_for_cancel";
  wait.description = "Runs until cancelled (at most 60 s)";
  wait.input_schema = {{"type", "object"}, {"properties", json::object()}};
  wait.content_handler = [cancelled](const json&,
                                     const CallContext& ctx) -> absl::StatusOr<ToolContent> {
    ctx.ReportProgress(1);
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (!ctx.Cancelled() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(5));
    if (ctx.Cancelled()) ++*cancelled;
    ToolContent content;
    content.blocks = {Text("finished without being cancelled")};
    return content;
  };
  if (absl::Status s = catalog->tools->Register(std::move(wait)); !s.ok()) return s;
  ToolDefinition count;
  count.name = "test_cancellation_count";
  count.description = "How many test_wait_for_cancel calls saw their cancellation";
  count.input_schema = {{"type", "object"}, {"properties", json::object()}};
  count.output_schema = {{"type", "object"},
                         {"properties", {{"cancelled", {{"type", "integer"}}}}}};
  count.handler = [cancelled](const json&, const CallContext&) -> absl::StatusOr<json> {
    return json{{"cancelled", cancelled->load()}};
  };
  count.runs_inline = true;
  return catalog->tools->Register(std::move(count));
}

}  // namespace

absl::Status AddConformanceFixtures(Catalog* catalog) {
  for (ToolDefinition& tool : Tools()) {
    if (absl::Status s = catalog->tools->Register(std::move(tool)); !s.ok()) return s;
  }
  if (absl::Status s = AddResources(catalog->resources.get()); !s.ok()) return s;
  if (absl::Status s = AddChangingFixtures(catalog); !s.ok()) return s;
  for (PromptDefinition& prompt : Prompts()) {
    if (absl::Status s = catalog->prompts->Register(std::move(prompt)); !s.ok()) return s;
  }
  return absl::OkStatus();
}

namespace {
// Linking this library is what adds the fixtures.
const bool kRegistered = AddCatalogExtension(&AddConformanceFixtures);
}  // namespace

}  // namespace mcp_oauth::mcp::testing
