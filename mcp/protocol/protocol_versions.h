// The MCP protocol versions /mcp speaks, in one table, and the named versions
// that change behaviour. Versions are ISO dates, so they compare as strings.
//
//   2026-07-28  stateless era: no initialize, no sessions (stateless_era.h)
//   2025-11-25  session era; SSE streams start with a priming event
//   2025-06-18  session era; JSON-RPC batches removed
//   2025-03-26  session era; batches allowed; the version a session request
//               without MCP-Protocol-Version means
//
// Constants and pure functions; thread safe.
#ifndef MCP_OAUTH_MCP_PROTOCOL_PROTOCOL_VERSIONS_H_
#define MCP_OAUTH_MCP_PROTOCOL_PROTOCOL_VERSIONS_H_

#include <string>
#include <string_view>
#include <vector>

namespace mcp_oauth::mcp {

// The newest version served: the stateless era (server/discover lists it
// first).
inline constexpr char kStatelessVersion[] = "2026-07-28";
// The newest session-era version: initialize answers it when the client asks
// for one it does not serve.
inline constexpr char kLatestSessionVersion[] = "2025-11-25";
// A session request without an MCP-Protocol-Version header is this version
// (the transport spec's rule for clients older than the header).
inline constexpr char kMissingHeaderVersion[] = "2025-03-26";
// The first version without JSON-RPC batches.
inline constexpr char kFirstVersionWithoutBatches[] = "2025-06-18";
// The first version whose SSE streams begin with a priming event.
inline constexpr char kFirstVersionWithPriming[] = "2025-11-25";

// Every version served, newest first: the stateless one, then the
// session-era ones. The one list.
const std::vector<std::string>& SupportedVersions();
// The session-era versions served (initialize, MCP-Protocol-Version of a
// session request), newest first.
const std::vector<std::string>& SessionVersions();
bool IsSessionVersion(std::string_view version);
// True for a session-era version, served or not (2024-11-05 is no longer
// served but still names the session era, so it is refused as unsupported
// rather than taken for a stateless request).
bool IsSessionEraName(std::string_view version);
// True when a session of `version` accepts JSON-RPC batches.
inline bool AllowsBatches(std::string_view version) {
  return version < kFirstVersionWithoutBatches;
}
// True when a session of `version` starts its SSE streams with a priming event.
inline bool SendsPrimingEvent(std::string_view version) {
  return version >= kFirstVersionWithPriming;
}

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_PROTOCOL_VERSIONS_H_
