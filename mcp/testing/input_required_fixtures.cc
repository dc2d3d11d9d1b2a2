// The conformance suite's multi round-trip (input-required result, SEP-2322)
// fixture tools, plus the diagnostic tools of its server-stateless scenario
// (test_missing_capability, test_streaming_elicitation, test_logging_tool),
// and the prompt that asks for input (test_input_required_result_prompt).
// Test-only, registered as a catalog extension like conformance_fixtures.cc.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mcp/catalog.h"
#include "mcp/tool.h"

namespace mcp_oauth::mcp::testing {
namespace {

using nlohmann::json;

json Text(const std::string& text) { return json{{"type", "text"}, {"text", text}}; }

json ObjectSchema(const std::string& property, const std::string& type) {
  return json{
      {"type", "object"}, {"properties", {{property, {{"type", type}}}}}, {"required", {property}}};
}

ToolContent Done(const std::string& text) {
  ToolContent out;
  out.blocks.push_back(Text(text));
  return out;
}

ToolContent Ask(std::map<std::string, InputRequest> requests, std::string state = "") {
  ToolContent out;
  out.input_required.requests = std::move(requests);
  out.input_required.state = std::move(state);
  return out;
}

// Returns content[field] of an accepted elicitation answer under `key`, or
// nullptr when there is none (missing, declined, or of the wrong shape).
const json* Elicited(const ToolInput& input, const std::string& key, const std::string& field) {
  const json* answer = input.Response(key);
  if (answer == nullptr || !answer->is_object() || answer->value("action", "") != "accept")
    return nullptr;
  auto content = answer->find("content");
  if (content == answer->end() || !content->is_object()) return nullptr;
  auto value = content->find(field);
  return value == content->end() ? nullptr : &*value;
}

// Returns the text of a sampling answer under `key`, or "" when none.
std::string SampledText(const ToolInput& input, const std::string& key) {
  const json* answer = input.Response(key);
  if (answer == nullptr || !answer->is_object()) return "";
  auto content = answer->find("content");
  if (content == answer->end() || !content->is_object()) return "";
  return content->value("text", "");
}

// Returns the root URIs of a roots/list answer under `key`, or nullopt.
std::optional<std::vector<std::string>> Roots(const ToolInput& input, const std::string& key) {
  const json* answer = input.Response(key);
  if (answer == nullptr || !answer->is_object() || !answer->contains("roots") ||
      !(*answer)["roots"].is_array()) {
    return std::nullopt;
  }
  std::vector<std::string> uris;
  for (const json& root : (*answer)["roots"]) {
    if (root.is_object()) uris.push_back(root.value("uri", ""));
  }
  return uris;
}

InputRequest AskName(const std::string& message = "What is your name?") {
  return ElicitationRequest(message, ObjectSchema("name", "string"));
}

InputRequest AskConfirm() {
  return ElicitationRequest("Please confirm", ObjectSchema("ok", "boolean"));
}

ToolDefinition Tool(const std::string& name, const std::string& description,
                    ContentToolHandler handler) {
  ToolDefinition tool;
  tool.name = name;
  tool.description = description;
  tool.input_schema = {{"type", "object"}, {"properties", json::object()}};
  tool.content_handler = std::move(handler);
  tool.runs_inline = true;  // pure: no I/O
  return tool;
}

using Result = absl::StatusOr<ToolContent>;

std::vector<ToolDefinition> Tools() {
  std::vector<ToolDefinition> tools;
  tools.push_back(Tool("test_input_required_result_elicitation",
                       "Asks for the user's name, then greets",
                       [](const json&, const CallContext& ctx) -> Result {
                         const json* name = Elicited(ctx.input(), "user_name", "name");
                         if (name == nullptr || !name->is_string())
                           return Ask({{"user_name", AskName()}});
                         return Done("Hello, " + name->get<std::string>() + "!");
                       }));
  tools.push_back(Tool("test_input_required_result_sampling", "Asks the client's model a question",
                       [](const json&, const CallContext& ctx) -> Result {
                         const std::string answer = SampledText(ctx.input(), "capital_question");
                         if (answer.empty()) {
                           return Ask({{"capital_question",
                                        SamplingRequest("What is the capital of France?", 100)}});
                         }
                         return Done("The model said: " + answer);
                       }));
  tools.push_back(Tool("test_input_required_result_list_roots", "Asks for the client's roots",
                       [](const json&, const CallContext& ctx) -> Result {
                         auto roots = Roots(ctx.input(), "client_roots");
                         if (!roots) return Ask({{"client_roots", ListRootsRequest()}});
                         return Done("Roots: " + absl::StrJoin(*roots, ", "));
                       }));
  // Keeps "request-state-v1" across the round trip; answers "state-ok" only
  // when it came back (verified by ToolService).
  for (const char* name :
       {"test_input_required_result_request_state", "test_input_required_result_tampered_state"}) {
    tools.push_back(Tool(name, "Asks for confirmation with a request state",
                         [](const json&, const CallContext& ctx) -> Result {
                           const json* ok = Elicited(ctx.input(), "confirm", "ok");
                           if (ok == nullptr || ctx.input().state() != "request-state-v1") {
                             return Ask({{"confirm", AskConfirm()}}, "request-state-v1");
                           }
                           return Done("state-ok: confirmed");
                         }));
  }
  tools.push_back(Tool("test_input_required_result_multiple_inputs",
                       "Asks for three inputs at once",
                       [](const json&, const CallContext& ctx) -> Result {
                         const ToolInput& input = ctx.input();
                         const json* name = Elicited(input, "user_name", "name");
                         const std::string greeting = SampledText(input, "greeting");
                         auto roots = Roots(input, "client_roots");
                         if (input.state() != "multiple-v1" || name == nullptr ||
                             !name->is_string() || greeting.empty() || !roots) {
                           return Ask({{"user_name", AskName()},
                                       {"greeting", SamplingRequest("Generate a greeting", 50)},
                                       {"client_roots", ListRootsRequest()}},
                                      "multiple-v1");
                         }
                         return Done(absl::StrCat(greeting, " ", name->get<std::string>(), " (",
                                                  roots->size(), " roots)"));
                       }));
  tools.push_back(
      Tool("test_input_required_result_multi_round", "Asks two questions, one per round",
           [](const json&, const CallContext& ctx) -> Result {
             const ToolInput& input = ctx.input();
             const std::string& state = input.state();
             if (state.rfind("step2:", 0) == 0) {
               const json* color = Elicited(input, "step2", "color");
               if (color != nullptr && color->is_string()) {
                 return Done(absl::StrCat(state.substr(6), " likes ", color->get<std::string>()));
               }
               return Ask({{"step2", ElicitationRequest("Step 2: What is your favorite color?",
                                                        ObjectSchema("color", "string"))}},
                          state);
             }
             const json* name = Elicited(input, "step1", "name");
             if (state == "step1" && name != nullptr && name->is_string()) {
               return Ask({{"step2", ElicitationRequest("Step 2: What is your favorite color?",
                                                        ObjectSchema("color", "string"))}},
                          "step2:" + name->get<std::string>());
             }
             return Ask({{"step1", AskName("Step 1: What is your name?")}}, "step1");
           }));
  tools.push_back(Tool("test_input_required_result_capabilities",
                       "Asks only for what the client can give",
                       [](const json&, const CallContext& ctx) -> Result {
                         const ToolInput& input = ctx.input();
                         if (!input.responses().empty()) return Done("Thanks for the input.");
                         std::map<std::string, InputRequest> requests;
                         if (input.ClientSupports("sampling")) {
                           requests["question"] = SamplingRequest("Say hello", 20);
                         }
                         if (input.ClientSupports("elicitation")) requests["user_name"] = AskName();
                         if (input.ClientSupports("roots"))
                           requests["client_roots"] = ListRootsRequest();
                         if (requests.empty())
                           return Done("The client offers no way to ask for input.");
                         return Ask(std::move(requests));
                       }));
  // Always needs sampling: the endpoint refuses it with -32021 when the
  // client did not declare the capability.
  tools.push_back(Tool("test_missing_capability", "Needs the client's sampling capability",
                       [](const json&, const CallContext& ctx) -> Result {
                         const std::string answer = SampledText(ctx.input(), "question");
                         if (answer.empty())
                           return Ask({{"question", SamplingRequest("Say hello", 20)}});
                         return Done("The model said: " + answer);
                       }));
  tools.push_back(Tool("test_streaming_elicitation", "Asks for the user's name (input required)",
                       [](const json&, const CallContext& ctx) -> Result {
                         const json* name = Elicited(ctx.input(), "user_name", "name");
                         if (name == nullptr || !name->is_string())
                           return Ask({{"user_name", AskName()}});
                         return Done("Hello, " + name->get<std::string>() + "!");
                       }));
  tools.push_back(Tool("test_logging_tool", "Logs at info, then answers",
                       [](const json&, const CallContext& ctx) -> Result {
                         ctx.Log("info", json{{"message", "test_logging_tool ran"}}, "conformance");
                         return Done("Logged.");
                       }));
  return tools;
}

// input-required-result-non-tool-request: a prompt that asks for context
// (an elicitation) before it renders.
PromptDefinition ContextPrompt() {
  PromptDefinition prompt;
  prompt.name = "test_input_required_result_prompt";
  prompt.description = "Asks the user for context, then renders a prompt with it";
  prompt.render_with_input = [](const std::map<std::string, std::string>&,
                                const CallContext& ctx) -> absl::StatusOr<PromptOutput> {
    PromptOutput out;
    const json* context = Elicited(ctx.input(), "user_context", "context");
    if (context == nullptr || !context->is_string()) {
      out.input_required.requests["user_context"] = ElicitationRequest(
          "What context should the prompt use?", ObjectSchema("context", "string"));
      return out;
    }
    out.messages.push_back({"user", Text("Use this context: " + context->get<std::string>())});
    return out;
  };
  return prompt;
}

absl::Status AddInputRequiredFixtures(Catalog* catalog) {
  for (ToolDefinition& tool : Tools()) {
    if (absl::Status s = catalog->tools->Register(std::move(tool)); !s.ok()) return s;
  }
  return catalog->prompts->Register(ContextPrompt());
}

const bool kRegistered = AddCatalogExtension(&AddInputRequiredFixtures);

}  // namespace
}  // namespace mcp_oauth::mcp::testing
