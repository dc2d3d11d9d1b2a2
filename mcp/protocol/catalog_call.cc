#include "mcp/protocol/catalog_call.h"

#include "absl/strings/str_cat.h"
#include "mcp/protocol/endpoint_internal.h"

namespace mcp_oauth::mcp {

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

}  // namespace mcp_oauth::mcp
