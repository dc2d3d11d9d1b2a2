// A small JSON Schema validator, sufficient for MCP tool input/output schemas.
//
// Supported keywords: type (object, string, number, integer, boolean, array,
// null, or an array of those), properties, required, additionalProperties
// (false or a schema), enum, const, minLength/maxLength (in code points),
// minimum/maximum, exclusiveMinimum/exclusiveMaximum (numbers), items,
// minItems/maxItems, and from JSON Schema 2020-12 $defs with same-document
// $ref ("#/$defs/x" or a "#name" $anchor; remote references are refused,
// never fetched), allOf, anyOf, oneOf, not and if/then/else. Annotations
// (title, description, format, default, $schema, $id, $comment, examples,
// x-mcp-header) are ignored. Thread safe (pure functions).
#ifndef MCP_OAUTH_MCP_JSON_SCHEMA_H_
#define MCP_OAUTH_MCP_JSON_SCHEMA_H_

#include <memory>
#include <nlohmann/json.hpp>

#include "absl/status/status.h"

namespace mcp_oauth::mcp {

// Returns OK when `schema` is well formed and uses only supported keywords,
// else INVALID_ARGUMENT describing the problem (a programming error in a tool
// definition: checked once at registration).
absl::Status CheckSchema(const nlohmann::json& schema);

// Returns OK when `value` conforms to `schema`, else INVALID_ARGUMENT with a
// message meant for the model/user, naming the offending argument, e.g.
// "missing required argument 'message'" or "argument 'message' must be a string".
// `schema` must have passed CheckSchema.
absl::Status ValidateJson(const nlohmann::json& schema, const nlohmann::json& value);

// A schema prepared for validating many values: each subschema's keywords
// are looked up (and its $ref resolved) once, not on every value. Immutable,
// thread safe; it keeps its own copy of the schema.
class CompiledSchema;

// Returns `schema` compiled. `schema` must have passed CheckSchema.
std::shared_ptr<const CompiledSchema> CompileSchema(const nlohmann::json& schema);

// ValidateJson against the schema `schema` was compiled from: the same
// result, faster.
absl::Status ValidateCompiled(const CompiledSchema& schema, const nlohmann::json& value);

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_JSON_SCHEMA_H_
