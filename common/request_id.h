// Request ids: one per public HTTP request, taken from a sane incoming
// X-Request-Id header or generated, returned to the client, sent to every
// service the gateway calls as gRPC metadata `x-request-id`, and written in
// the log lines of all of them. Thread safe.
#ifndef MCP_OAUTH_COMMON_REQUEST_ID_H_
#define MCP_OAUTH_COMMON_REQUEST_ID_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace mcp_oauth::request_id {

// gRPC metadata key (lower case, as gRPC requires).
inline constexpr char kMetadataKey[] = "x-request-id";
inline constexpr size_t kMaxLength = 128;

// Returns true for 1..kMaxLength visible ASCII characters (0x21..0x7E): safe
// to echo in a header and to write into a log line.
bool IsValid(std::string_view id);

// Returns a new id, unique in this process and across processes: a random
// per-process prefix (96 bits, base64url) and a counter, "<prefix>-<n>".
// Not secret and not unpredictable (it correlates logs; nothing trusts it):
// one RAND_bytes per process instead of one per request.
std::string Generate();

// Returns `incoming` when valid, else a new id.
std::string AcceptOrGenerate(std::string_view incoming);

// Returns "request_id=<id> " for a valid id, else "": a prefix for log lines
// of services that received the id from a caller they do not control.
std::string LogPrefix(std::string_view id);

}  // namespace mcp_oauth::request_id

#endif  // MCP_OAUTH_COMMON_REQUEST_ID_H_
