// Tool parameters mirrored into HTTP headers (MCP 2026-07-28, SEP-2243): a
// property of a tool's input schema marked {"x-mcp-header": "Region"} is
// sent by clients as the header `Mcp-Param-Region` next to the body, so
// intermediaries can route on it. The server that reads the body checks the
// two agree.
//
// Declaring one (a tool author): add "x-mcp-header": "<Name>" to a string,
// integer or boolean property reached from the schema root through
// `properties` only; names are HTTP tokens, unique ignoring case. The tool
// registry refuses a tool that breaks these rules.
//
// Thread safe (pure functions).
#ifndef MCP_OAUTH_MCP_PARAM_HEADERS_H_
#define MCP_OAUTH_MCP_PARAM_HEADERS_H_

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mcp_oauth::mcp {

inline constexpr char kHeaderAnnotation[] = "x-mcp-header";
inline constexpr char kParamHeaderPrefix[] = "mcp-param-";

// One parameter mirrored into a header.
struct HeaderParam {
  std::string header;             // the annotation's name, e.g. "Region"
  std::vector<std::string> path;  // the chain of property names to it
  std::string type;               // "string", "integer" or "boolean"
};

// Returns the parameters `input_schema` mirrors into headers, in schema
// order; INVALID_ARGUMENT when an annotation breaks a rule (not a token,
// duplicate ignoring case, not a string/integer/boolean property, or under
// anything but a chain of `properties`).
absl::StatusOr<std::vector<HeaderParam>> HeaderParams(const nlohmann::json& input_schema);

// Returns OK when `headers` (lower-cased header name without the
// "mcp-param-" prefix -> raw value) agree with `arguments` for every
// parameter of `params`: a header for each value present and not null,
// equal to it after decoding the =?base64?...?= form (integers compared as
// numbers); none for an absent or null value. Else FAILED_PRECONDITION
// with a message naming the header (never the values).
absl::Status CheckParamHeaders(const std::vector<HeaderParam>& params,
                               const nlohmann::json& arguments,
                               const std::map<std::string, std::string>& headers);

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PARAM_HEADERS_H_
