// The pieces each catalog method (endpoint_catalog.h) is made of besides
// its call through client/catalog_client.h: the JSON-RPC error for a failed
// call, and the params they read. Internal to //mcp/protocol.
#ifndef MCP_OAUTH_MCP_PROTOCOL_CATALOG_CALL_H_
#define MCP_OAUTH_MCP_PROTOCOL_CATALOG_CALL_H_

#include <google/protobuf/map.h>
#include <grpcpp/support/status.h>

#include <nlohmann/json.hpp>
#include <string>

#include "mcp/protocol/reply.h"

namespace mcp_oauth::mcp {

// Maps a failed list/get/read RPC of the catalog services; `not_found` is
// the message of NOT_FOUND.
nlohmann::json CatalogRpcError(const nlohmann::json& id, const grpc::Status& status,
                               const std::string& not_found);

// Reads the optional string `cursor` of a list request; false (with the
// error sent) when it is not a string.
bool ReadCursor(const nlohmann::json& id, const nlohmann::json& params, std::string* cursor,
                const Reply& reply);
// Returns false (with the error sent) unless `value` is null or an object
// of strings, which it copies into `out`.
bool ReadStringMap(const nlohmann::json& id, const nlohmann::json& value, const char* what,
                   google::protobuf::Map<std::string, std::string>* out, const Reply& reply);

inline void SetIfNotEmpty(nlohmann::json* out, const char* key, const std::string& value) {
  if (!value.empty()) (*out)[key] = value;
}

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_CATALOG_CALL_H_
