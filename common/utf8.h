// Strict UTF-8 checks (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF), for the gateway's form parser and the tools' string
// lengths alike. Thread safe (pure functions).
#ifndef MCP_OAUTH_COMMON_UTF8_H_
#define MCP_OAUTH_COMMON_UTF8_H_

#include <cstddef>
#include <string_view>

#include "absl/status/statusor.h"

namespace mcp_oauth::utf8 {

// Returns the number of Unicode code points in `text`, or INVALID_ARGUMENT when
// `text` is not well-formed UTF-8.
absl::StatusOr<size_t> CountCodePoints(std::string_view text);

// Returns true when `text` is well-formed UTF-8.
bool IsValid(std::string_view text);

}  // namespace mcp_oauth::utf8

#endif  // MCP_OAUTH_COMMON_UTF8_H_
