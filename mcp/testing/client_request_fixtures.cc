// The conformance suite's 2025-era fixture tools that ask the client for
// input during a tool call (tools-call-sampling, tools-call-elicitation,
// elicitation-sep1034-defaults, elicitation-sep1330-enums). They return an
// input-required result; in a 2025 session the endpoint turns it into
// server-to-client requests on the POST's SSE stream and calls the tool again
// with the answers. Test-only, registered as a catalog extension.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "mcp/catalog.h"
#include "mcp/tool.h"

namespace mcp_oauth::mcp::testing {
namespace {

using nlohmann::json;

ToolContent Text(const std::string& text) {
  ToolContent out;
  out.blocks.push_back(json{{"type", "text"}, {"text", text}});
  return out;
}

ToolContent Ask(const std::string& key, InputRequest request) {
  ToolContent out;
  out.input_required.requests[key] = std::move(request);
  return out;
}

// "action=<action>, content=<content JSON>" of an elicitation answer.
std::string DescribeElicitation(const json& answer) {
  return "action=" + answer.value("action", std::string("?")) +
         ", content=" + answer.value("content", json::object()).dump();
}

ToolDefinition Tool(const std::string& name, const std::string& description, json properties,
                    std::vector<std::string> required, ContentToolHandler handler) {
  ToolDefinition tool;
  tool.name = name;
  tool.description = description;
  tool.input_schema = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) tool.input_schema["required"] = required;
  tool.content_handler = std::move(handler);
  tool.runs_inline = true;  // pure: no I/O
  return tool;
}

// A tool that asks one elicitation with `schema` (message from `message_of`)
// and reports the answer as "<prefix><action, content>".
ContentToolHandler ElicitAndReport(std::function<std::string(const json&)> message_of, json schema,
                                   std::string prefix) {
  return
      [message_of = std::move(message_of), schema = std::move(schema), prefix = std::move(prefix)](
          const json& args, const CallContext& ctx) -> absl::StatusOr<ToolContent> {
        const json* answer = ctx.input().Response("answer");
        if (answer == nullptr || !answer->is_object()) {
          return Ask("answer", ElicitationRequest(message_of(args), schema));
        }
        return Text(prefix + DescribeElicitation(*answer));
      };
}

json Sep1034Schema() {
  return {{"type", "object"},
          {"properties",
           {{"name", {{"type", "string"}, {"description", "User name"}, {"default", "John Doe"}}},
            {"age", {{"type", "integer"}, {"description", "User age"}, {"default", 30}}},
            {"score", {{"type", "number"}, {"description", "User score"}, {"default", 95.5}}},
            {"status",
             {{"type", "string"},
              {"description", "User status"},
              {"enum", {"active", "inactive", "pending"}},
              {"default", "active"}}},
            {"verified",
             {{"type", "boolean"}, {"description", "Verification status"}, {"default", true}}}}},
          {"required", json::array()}};
}

json Sep1330Schema() {
  auto titled = [](const char* v1, const char* t1, const char* v2, const char* t2, const char* v3,
                   const char* t3) {
    return json::array({{{"const", v1}, {"title", t1}},
                        {{"const", v2}, {"title", t2}},
                        {{"const", v3}, {"title", t3}}});
  };
  return {{"type", "object"},
          {"properties",
           {{"untitledSingle", {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}},
            {"titledSingle",
             {{"type", "string"},
              {"oneOf", titled("value1", "First Option", "value2", "Second Option", "value3",
                               "Third Option")}}},
            {"legacyEnum",
             {{"type", "string"},
              {"enum", {"opt1", "opt2", "opt3"}},
              {"enumNames", {"Option One", "Option Two", "Option Three"}}}},
            {"untitledMulti",
             {{"type", "array"},
              {"items", {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}}}},
            {"titledMulti",
             {{"type", "array"},
              {"items",
               {{"anyOf", titled("value1", "First Choice", "value2", "Second Choice", "value3",
                                 "Third Choice")}}}}}}},
          {"required", json::array()}};
}

std::vector<ToolDefinition> Tools() {
  std::vector<ToolDefinition> tools;
  tools.push_back(Tool(
      "test_sampling", "Asks the client's LLM to answer a prompt",
      {{"prompt", {{"type", "string"}, {"description", "The prompt to send to the LLM"}}}},
      {"prompt"}, [](const json& args, const CallContext& ctx) -> absl::StatusOr<ToolContent> {
        const json* answer = ctx.input().Response("completion");
        if (answer == nullptr || !answer->is_object()) {
          return Ask("completion", SamplingRequest(args.value("prompt", std::string()), 100));
        }
        const json content = answer->value("content", json::object());
        return Text("LLM response: " +
                    (content.is_object() ? content.value("text", std::string()) : std::string()));
      }));
  tools.push_back(Tool(
      "test_elicitation", "Asks the user for a username and an email",
      {{"message", {{"type", "string"}, {"description", "The message to show the user"}}}},
      {"message"},
      ElicitAndReport([](const json& args) { return args.value("message", std::string()); },
                      {{"type", "object"},
                       {"properties",
                        {{"username", {{"type", "string"}, {"description", "User's response"}}},
                         {"email", {{"type", "string"}, {"description", "User's email address"}}}}},
                       {"required", {"username", "email"}}},
                      "User response: ")));
  tools.push_back(Tool(
      "test_elicitation_sep1034_defaults", "Elicitation with defaults for every primitive type",
      json::object(), {},
      ElicitAndReport(
          [](const json&) {
            return std::string("Test client default value handling - please accept with defaults");
          },
          Sep1034Schema(), "Elicitation completed: ")));
  tools.push_back(Tool("test_elicitation_sep1330_enums",
                       "Elicitation with the five enum schema variants", json::object(), {},
                       ElicitAndReport([](const json&) { return std::string("Pick some options"); },
                                       Sep1330Schema(), "Elicitation completed: ")));
  return tools;
}

absl::Status AddClientRequestFixtures(Catalog* catalog) {
  for (ToolDefinition& tool : Tools()) {
    if (absl::Status s = catalog->tools->Register(std::move(tool)); !s.ok()) return s;
  }
  return absl::OkStatus();
}

const bool kRegistered = AddCatalogExtension(&AddClientRequestFixtures);

}  // namespace
}  // namespace mcp_oauth::mcp::testing
