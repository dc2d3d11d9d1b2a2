#include <algorithm>

#include "mcp/json_struct.h"
#include "mcp/protocol/endpoint_internal.h"

namespace mcp_oauth::mcp {

const std::set<std::string>& LogLevels() {
  static const auto* levels = new std::set<std::string>{"debug", "info",     "notice", "warning",
                                                        "error", "critical", "alert",  "emergency"};
  return *levels;
}

McpResponse JsonResponse(int status, const json& body) {
  return JsonBodyResponse(status, DumpJson(body));
}

McpResponse JsonBodyResponse(int status, std::string body) {
  McpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = std::move(body);
  return response;
}

McpResponse HttpError(int status, int code, const std::string& message) {
  return JsonResponse(status, RpcError(nullptr, code, message));
}

McpResponse Accepted() {
  McpResponse response;
  response.status = 202;
  return response;
}

// Returns true when no array/object in `text` nests deeper than `max_depth`.
// Runs before parsing so hostile input never reaches the parser's recursion.
bool DepthWithin(const std::string& text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

// A JSON-RPC error that means "this was not a valid message" (HTTP 400 when
// it is the only message of a POST).
bool IsEnvelopeError(const json& message) {
  auto it = message.find("error");
  if (it == message.end() || !it->is_object()) return false;
  const json code = it->value("code", json());
  return code == kInvalidRequest || code == kParseError;
}

// Maps a failed ToolService RPC to a JSON-RPC error without leaking details.
json RpcErrorForStatus(const json& id, const grpc::Status& status, const std::string& tool_name) {
  switch (status.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
      return RpcError(id, kInvalidParams, "Unknown tool: " + tool_name);
    case grpc::StatusCode::INVALID_ARGUMENT:
      return RpcError(id, kInvalidParams, "Invalid params");
    case grpc::StatusCode::CANCELLED:
      return RpcError(id, kInternalError, "Request cancelled");
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return RpcError(id, kInternalError, "Internal error: the request timed out");
    case grpc::StatusCode::UNAVAILABLE:
      // E.g. the tool's backend is down (mcp/aggregate): say which tool.
      if (!tool_name.empty()) return RpcError(id, kInternalError, "Tool unavailable: " + tool_name);
      return RpcError(id, kInternalError, "Internal error: the service is unavailable");
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return RpcError(id, kInternalError, "Internal error: the service is unavailable");
    default:
      return RpcError(id, kInternalError, "Internal error");
  }
}

// The client capability an input request needs, or "" when none is known.
std::string CapabilityFor(const std::string& method) {
  if (method == "elicitation/create") return "elicitation";
  if (method == "sampling/createMessage") return "sampling";
  if (method == "roots/list") return "roots";
  return "";
}

json CallResultToJson(const CallToolResponse& response) {
  json content = json::array();
  for (const auto& block : response.content()) content.push_back(StructToJson(block));
  json out = {{"content", std::move(content)}, {"isError", response.is_error()}};
  if (response.has_structured_content())
    out["structuredContent"] = StructToJson(response.structured_content());
  return out;
}

}  // namespace mcp_oauth::mcp
