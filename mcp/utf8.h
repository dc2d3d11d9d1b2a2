// Strict UTF-8 decoding helpers (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF). Thread safe (pure functions).
#ifndef MCP_OAUTH_MCP_UTF8_H_
#define MCP_OAUTH_MCP_UTF8_H_

#include <cstddef>
#include <string_view>

#include "absl/status/statusor.h"

namespace mcp_oauth::mcp {

// Returns the number of Unicode code points in `text`, or INVALID_ARGUMENT when
// `text` is not well-formed UTF-8.
absl::StatusOr<size_t> CountCodePoints(std::string_view text);

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_UTF8_H_
