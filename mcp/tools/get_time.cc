// get_time: the current time in UTC.
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "mcp/tools/builtin_tools.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

absl::StatusOr<json> Run(const json& /*args*/, const CallContext& /*ctx*/) {
  const absl::Time now = absl::Now();
  const absl::TimeZone utc = absl::UTCTimeZone();
  return json{
      {"current_time", absl::FormatTime("%Y-%m-%dT%H:%M:%E6S+00:00", now, utc)},
      {"timezone", "UTC"},
      {"timestamp", static_cast<double>(absl::ToUnixMicros(now)) / 1e6},
      {"formatted", absl::FormatTime("%Y-%m-%d %H:%M:%S", now, utc)},
  };
}

}  // namespace

ToolDefinition GetTimeTool() {
  ToolDefinition tool;
  tool.name = "get_time";
  tool.title = "Get current time";
  tool.description = "Returns the current date and time in UTC.";
  tool.input_schema = {
      {"type", "object"},
      {"properties", json::object()},
      {"additionalProperties", false},
  };
  tool.output_schema = {
      {"type", "object"},
      {"properties",
       {
           {"current_time", {{"type", "string"}, {"description", "ISO 8601 time in UTC"}}},
           {"timezone", {{"type", "string"}}},
           {"timestamp", {{"type", "number"}, {"description", "Seconds since the Unix epoch"}}},
           {"formatted", {{"type", "string"}, {"description", "YYYY-MM-DD HH:MM:SS (UTC)"}}},
       }},
      {"required", {"current_time", "timezone", "timestamp", "formatted"}},
  };
  tool.handler = &Run;
  tool.runs_inline = true;  // pure computation
  return tool;
}

}  // namespace mcp_oauth::mcp
