#include <algorithm>

#include "common/metrics.h"
#include "mcp/json_struct.h"
#include "mcp/protocol/endpoint_internal.h"

namespace mcp_oauth::mcp {

const std::set<std::string>& LogLevels() {
  static const auto* levels = new std::set<std::string>{"debug", "info",     "notice", "warning",
                                                        "error", "critical", "alert",  "emergency"};
  return *levels;
}

McpResponse JsonResponse(int status, const json& body) {
  McpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = DumpJson(body);
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

std::chrono::system_clock::time_point DeadlineAfter(absl::Duration timeout) {
  return absl::ToChronoTime(absl::Now() + timeout);
}

void AddRequestId(grpc::ClientContext& context, const std::string& id) {
  if (request_id::IsValid(id)) context.AddMetadata(request_id::kMetadataKey, id);
}

void ObserveLatency(const char* method, absl::Time started) {
  metrics::GrpcClientLatency().WithLabels({method}).Observe(
      absl::ToDoubleSeconds(absl::Now() - started));
}

// Reads the optional string `cursor` of a list request; false (with the
// error sent) when it is not a string.
bool ReadCursor(const json& id, const json& params, std::string* cursor, const Reply& reply) {
  auto it = params.find("cursor");
  if (it == params.end() || it->is_null()) return true;
  if (!it->is_string()) {
    reply(RpcError(id, kInvalidParams, "Invalid params: cursor must be a string"));
    return false;
  }
  *cursor = it->get<std::string>();
  return true;
}

// Maps a failed list/get/read RPC of the catalog services.
json CatalogRpcError(const json& id, const grpc::Status& status, const std::string& not_found) {
  switch (status.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
      return RpcError(id, kInvalidParams, not_found);
    case grpc::StatusCode::INVALID_ARGUMENT:
      return RpcError(id, kInvalidParams, "Invalid params: " + status.error_message());
    case grpc::StatusCode::PERMISSION_DENIED:
      return RpcError(id, kInvalidRequest, "Permission denied: " + status.error_message());
    default:
      return RpcErrorForStatus(id, status, "");
  }
}

// Returns false (with the error sent) unless `value` is an object of strings.
bool ReadStringMap(const json& id, const json& value, const char* what,
                   google::protobuf::Map<std::string, std::string>* out, const Reply& reply) {
  if (value.is_null()) return true;
  if (!value.is_object()) {
    reply(
        RpcError(id, kInvalidParams, absl::StrCat("Invalid params: ", what, " must be an object")));
    return false;
  }
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) {
      reply(RpcError(id, kInvalidParams,
                     absl::StrCat("Invalid params: ", what, " values must be strings")));
      return false;
    }
    (*out)[key] = item.get<std::string>();
  }
  return true;
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
