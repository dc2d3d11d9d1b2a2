// Conversions between nlohmann::json and google::protobuf::Struct/Value.
//
// protobuf's Value holds numbers as doubles: integers survive a round trip
// exactly up to 2^53, and a double with an integral value in that range is
// converted back to a JSON integer (so {"n": 5} stays 5, not 5.0). Non-finite
// doubles (which JSON cannot carry) become null. Thread safe (pure functions).
#ifndef MCP_OAUTH_MCP_JSON_STRUCT_H_
#define MCP_OAUTH_MCP_JSON_STRUCT_H_

#include <google/protobuf/struct.pb.h>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace mcp_oauth::mcp {

// Returns `value` as a protobuf Value. Fails only for nesting deeper than 100.
absl::StatusOr<google::protobuf::Value> JsonToValue(const nlohmann::json& value);

// Returns `object` as a protobuf Struct; INVALID_ARGUMENT when it is not a JSON
// object (or is nested deeper than 100).
absl::StatusOr<google::protobuf::Struct> JsonToStruct(const nlohmann::json& object);

nlohmann::json ValueToJson(const google::protobuf::Value& value);
nlohmann::json StructToJson(const google::protobuf::Struct& object);

// The same round trip without the protobuf, for JSON that stays in process:
// rewrites `value` in place as ValueToJson(*JsonToValue(value)) gives it
// (numbers as above; unsigned integers become signed ones). Fails (changing
// nothing or part) where JsonToValue fails.
absl::Status NormalizeAsStruct(nlohmann::json* value);
// Returns true unless NormalizeAsStruct would leave `value` the same (apart
// from unsigned integers turning signed: same value, same text); also true
// where it fails. Does not allocate: the hot path checks before it copies.
bool ChangedByStruct(const nlohmann::json& value);

// Serializes `value` compactly; invalid UTF-8 is replaced (never throws).
std::string DumpJson(const nlohmann::json& value);

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_JSON_STRUCT_H_
