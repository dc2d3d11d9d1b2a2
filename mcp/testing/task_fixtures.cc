// The conformance suite's tasks-extension fixtures (io.modelcontextprotocol/
// tasks scenarios of @modelcontextprotocol/conformance 0.2.0-alpha.12):
// greet (no task support), slow_compute (runs `seconds`, reports progress,
// stops when cancelled), failing_job (a tool error), protocol_error_job (a
// crash), confirm_delete and multi_input (input inside a task) and
// test_tool_with_task (input asked synchronously, then a task).
// Test-only, registered as a catalog extension like conformance_fixtures.cc.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "mcp/catalog.h"
#include "mcp/tool.h"

namespace mcp_oauth::mcp::testing {
namespace {

using nlohmann::json;

json Text(const std::string& text) { return json{{"type", "text"}, {"text", text}}; }

ToolContent Content(const std::string& text, bool is_error = false) {
  ToolContent out;
  out.blocks.push_back(Text(text));
  out.is_error = is_error;
  return out;
}

json StringSchema(const std::string& property) {
  return json{{"type", "object"},
              {"properties", {{property, {{"type", "string"}}}}},
              {"required", {property}}};
}

// Returns content[field] of an accepted elicitation answer under `key`.
const json* Elicited(const ToolInput& input, const std::string& key, const std::string& field) {
  const json* answer = input.Response(key);
  if (answer == nullptr || !answer->is_object() || answer->value("action", "") != "accept")
    return nullptr;
  auto content = answer->find("content");
  if (content == answer->end() || !content->is_object()) return nullptr;
  auto value = content->find(field);
  return value == content->end() ? nullptr : &*value;
}

ToolDefinition TaskTool(const std::string& name, const std::string& description, json input_schema,
                        ContentToolHandler handler) {
  ToolDefinition tool;
  tool.name = name;
  tool.description = description;
  tool.input_schema = std::move(input_schema);
  tool.content_handler = std::move(handler);
  tool.task_support = ToolDefinition::TaskSupport::kOptional;
  return tool;
}

// Sleeps up to `duration` in small steps; false when cancelled first.
bool SleepUnlessCancelled(const CallContext& ctx, absl::Duration duration) {
  const absl::Time end = absl::Now() + duration;
  while (absl::Now() < end) {
    if (ctx.Cancelled()) return false;
    absl::SleepFor(std::min(absl::Milliseconds(50), end - absl::Now()));
  }
  return !ctx.Cancelled();
}

std::vector<ToolDefinition> Tools() {
  std::vector<ToolDefinition> tools;

  ToolDefinition greet;
  greet.name = "greet";
  greet.description = "Says hello (never a task)";
  greet.input_schema = StringSchema("name");
  greet.content_handler = [](const json& args, const CallContext&) -> absl::StatusOr<ToolContent> {
    return Content(absl::StrCat("Hello, ", args.value("name", ""), "!"));
  };
  tools.push_back(std::move(greet));

  tools.push_back(TaskTool(
      "slow_compute",
      "Works for `seconds` seconds, reporting progress each second; stops when cancelled",
      json{{"type", "object"},
           {"properties",
            {{"seconds", {{"type", "number"}, {"minimum", 0}}}, {"label", {{"type", "string"}}}}}},
      [](const json& args, const CallContext& ctx) -> absl::StatusOr<ToolContent> {
        const double seconds = args.value("seconds", 0.0);
        const std::string label = args.value("label", "slow_compute");
        for (int elapsed = 0; elapsed < seconds; ++elapsed) {
          ctx.ReportProgress(elapsed, seconds,
                             absl::StrCat(label, ": ", elapsed, " of ", seconds, " s"));
          if (!SleepUnlessCancelled(ctx, absl::Seconds(std::min(1.0, seconds - elapsed)))) {
            return absl::CancelledError("cancelled");
          }
        }
        return Content(absl::StrCat(label, ": computed for ", seconds, " s"));
      }));

  tools.push_back(TaskTool("failing_job", "Fails with a tool error after about a second",
                           {{"type", "object"}},
                           [](const json&, const CallContext& ctx) -> absl::StatusOr<ToolContent> {
                             SleepUnlessCancelled(ctx, absl::Seconds(1));
                             return Content("failing_job: the job failed", /*is_error=*/true);
                           }));
  tools.back().task_support = ToolDefinition::TaskSupport::kRequired;

  tools.push_back(TaskTool("protocol_error_job", "Crashes (a protocol-level error)",
                           {{"type", "object"}},
                           [](const json&, const CallContext&) -> absl::StatusOr<ToolContent> {
                             throw std::runtime_error("protocol_error_job crashed");
                           }));

  tools.push_back(TaskTool(
      "confirm_delete", "Asks to confirm, then 'deletes' `filename`", StringSchema("filename"),
      [](const json& args, const CallContext& ctx) -> absl::StatusOr<ToolContent> {
        const std::string filename = args.value("filename", "");
        const json* answer = ctx.input().Response("confirm");
        if (answer == nullptr) {
          ToolContent out;
          out.input_required.requests["confirm"] =
              ElicitationRequest(absl::StrCat("Delete ", filename, "?"),
                                 json{{"type", "object"},
                                      {"properties", {{"confirm", {{"type", "boolean"}}}}},
                                      {"required", {"confirm"}}});
          return out;
        }
        const json* confirm = Elicited(ctx.input(), "confirm", "confirm");
        const bool yes = confirm != nullptr && confirm->is_boolean() && confirm->get<bool>();
        return Content(yes ? absl::StrCat("Deleted ", filename) : absl::StrCat("Kept ", filename));
      }));

  tools.push_back(
      TaskTool("multi_input", "Asks two questions at once", {{"type", "object"}},
               [](const json&, const CallContext& ctx) -> absl::StatusOr<ToolContent> {
                 const json* first = ctx.input().Response("first");
                 const json* second = ctx.input().Response("second");
                 if (first == nullptr || second == nullptr) {
                   ToolContent out;
                   out.input_required.requests["first"] =
                       ElicitationRequest("First name?", StringSchema("name"));
                   out.input_required.requests["second"] =
                       ElicitationRequest("Second name?", StringSchema("name"));
                   return out;
                 }
                 const json* a = Elicited(ctx.input(), "first", "name");
                 const json* b = Elicited(ctx.input(), "second", "name");
                 return Content(absl::StrCat(
                     "first=", a != nullptr && a->is_string() ? a->get<std::string>() : "",
                     " second=", b != nullptr && b->is_string() ? b->get<std::string>() : ""));
               }));

  ToolDefinition with_task = TaskTool(
      "test_tool_with_task", "Asks for user_name synchronously, then continues as a task",
      {{"type", "object"}}, [](const json&, const CallContext& ctx) -> absl::StatusOr<ToolContent> {
        const json* name = Elicited(ctx.input(), "user_name", "name");
        if (name == nullptr || !name->is_string()) {
          ToolContent out;
          out.input_required.requests["user_name"] =
              ElicitationRequest("What is your name?", StringSchema("name"));
          return out;
        }
        if (!ctx.InTask()) {
          ToolContent start;
          start.start_task = true;
          return start;
        }
        return Content(absl::StrCat("Hello, ", name->get<std::string>(), " (from a task)"));
      });
  with_task.task_support = ToolDefinition::TaskSupport::kRequired;
  with_task.decides_task = true;
  tools.push_back(std::move(with_task));
  return tools;
}

absl::Status AddTaskFixtures(Catalog* catalog) {
  for (ToolDefinition& tool : Tools()) {
    if (absl::Status s = catalog->tools->Register(std::move(tool)); !s.ok()) return s;
  }
  return absl::OkStatus();
}

const bool kRegistered = AddCatalogExtension(&AddTaskFixtures);

}  // namespace
}  // namespace mcp_oauth::mcp::testing
