// The conformance suite's schema fixtures: json_schema_2020_12_tool
// (json-schema-2020-12: the 2020-12 keywords survive tools/list) and
// test_custom_headers (http-custom-header-server-validation: parameters
// mirrored into Mcp-Param-* headers, which the server checks against the
// body). Test-only, registered as a catalog extension like
// conformance_fixtures.cc.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "mcp/catalog.h"
#include "mcp/tool.h"

namespace mcp_oauth::mcp::testing {
namespace {

using nlohmann::json;

ToolContent Say(const std::string& text) {
  ToolContent out;
  out.blocks.push_back(json{{"type", "text"}, {"text", text}});
  return out;
}

ToolDefinition JsonSchema202012Tool() {
  ToolDefinition tool;
  tool.name = "json_schema_2020_12_tool";
  tool.description = "Tool with JSON Schema 2020-12 features";
  tool.input_schema = json::parse(R"({
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": {
      "address": {
        "$anchor": "addressDef",
        "type": "object",
        "properties": {"street": {"type": "string"}, "city": {"type": "string"}}
      }
    },
    "properties": {
      "name": {"type": "string"},
      "address": {"$ref": "#/$defs/address"},
      "contactMethod": {"type": "string", "enum": ["phone", "email"]},
      "phone": {"type": "string"},
      "email": {"type": "string"}
    },
    "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
    "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
    "then": {"required": ["phone"]},
    "else": {"required": ["email"]},
    "additionalProperties": false
  })");
  tool.content_handler = [](const json& args, const CallContext&) -> absl::StatusOr<ToolContent> {
    return Say("ok: " + args.value("name", std::string("anonymous")));
  };
  tool.runs_inline = true;
  return tool;
}

ToolDefinition CustomHeadersTool() {
  ToolDefinition tool;
  tool.name = "test_custom_headers";
  tool.description = "Mirrors region, priority and verbose into Mcp-Param-* headers";
  tool.input_schema = {
      {"type", "object"},
      {"properties",
       {{"region",
         {{"type", "string"}, {"description", "Where to run"}, {"x-mcp-header", "Region"}}},
        {"priority", {{"type", "integer"}, {"x-mcp-header", "Priority"}}},
        {"verbose", {{"type", "boolean"}, {"x-mcp-header", "Verbose"}}},
        {"query", {{"type", "string"}}}}},
      {"required", {"region"}}};
  tool.content_handler = [](const json& args, const CallContext&) -> absl::StatusOr<ToolContent> {
    return Say(absl::StrCat("region=", args.value("region", std::string())));
  };
  tool.runs_inline = true;
  return tool;
}

absl::Status AddSchemaFixtures(Catalog* catalog) {
  if (absl::Status s = catalog->tools->Register(JsonSchema202012Tool()); !s.ok()) return s;
  return catalog->tools->Register(CustomHeadersTool());
}

const bool kRegistered = AddCatalogExtension(&AddSchemaFixtures);

}  // namespace
}  // namespace mcp_oauth::mcp::testing
