// Side channel for backend outages. The Store interface returns results
// ("not found", "not rotated"), not statuses, so a SQL backend that cannot
// reach its database records the failure here, on the calling thread, and
// answers as if nothing was found. AuthServiceImpl clears the slot before
// each RPC and, when a failure was recorded, replaces the core's answer by
// UNAVAILABLE / temporarily_unavailable (HTTP 503): a database outage never
// turns into "invalid token" or "invalid grant".
//
// Thread safe (the slot is thread local).
#ifndef MCP_OAUTH_AUTH_STORE_FAILURE_H_
#define MCP_OAUTH_AUTH_STORE_FAILURE_H_

#include "absl/status/status.h"

namespace mcp_oauth::auth {

// Records `status` (not OK) as the failure of the current operation on this
// thread. The first failure since the last TakeStoreFailure() wins.
void ReportStoreFailure(const absl::Status& status);

// Returns the failure recorded on this thread since the last call (OK if
// none) and clears it.
absl::Status TakeStoreFailure();

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_STORE_FAILURE_H_
