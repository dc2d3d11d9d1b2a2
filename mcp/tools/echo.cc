// echo: returns its message and the message's length in Unicode code points.
#include <string>

#include "absl/status/status.h"
#include "common/utf8.h"
#include "mcp/tools/builtin_tools.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

absl::StatusOr<json> Run(const json& args, const CallContext& /*ctx*/) {
  const auto& message = args.at("message").get_ref<const std::string&>();
  absl::StatusOr<size_t> length = utf8::CountCodePoints(message);
  if (!length.ok()) return absl::InvalidArgumentError("message is not valid UTF-8");
  return json{{"echo", message}, {"length", *length}};
}

}  // namespace

ToolDefinition EchoTool() {
  ToolDefinition tool;
  tool.name = "echo";
  tool.title = "Echo";
  tool.description = "Echoes back the given message and its length in Unicode characters.";
  tool.input_schema = {
      {"type", "object"},
      {"properties", {{"message", {{"type", "string"}, {"description", "The message to echo"}}}}},
      {"required", {"message"}},
      {"additionalProperties", false},
  };
  tool.output_schema = {
      {"type", "object"},
      {"properties",
       {
           {"echo", {{"type", "string"}}},
           {"length", {{"type", "integer"}, {"description", "Length in Unicode code points"}}},
       }},
      {"required", {"echo", "length"}},
  };
  tool.handler = &Run;
  tool.runs_inline = true;  // pure computation
  return tool;
}

}  // namespace mcp_oauth::mcp
