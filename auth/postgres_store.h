// The PostgreSQL token store: SqlStore over libpq, for several AuthService
// processes (and gateways) sharing one database.
//
// Connections come from a pool (opened lazily, at most `pool_size`), each
// with its own prepared statements. A connection lost because the server
// restarted is dropped and replaced on next use: while the database is down
// every store operation reports Unavailable (the RPC answers 503) and service
// resumes by itself once it is back. Concurrent redemption of one code or
// refresh token is serialised by row locks (SELECT ... FOR UPDATE), so
// exactly one wins across every process.
#ifndef MCP_OAUTH_AUTH_POSTGRES_STORE_H_
#define MCP_OAUTH_AUTH_POSTGRES_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "auth/sql_store.h"
#include "auth/store.h"

namespace mcp_oauth::auth {

// `url` is a libpq connection URI (postgres://user:pass@host:port/db?...).
// Fails with a clear message (no password in any form: see
// postgres_conninfo.h) when the URL is malformed or the database cannot be
// reached, and migrates the schema otherwise.
absl::StatusOr<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, int pool_size = 8);

// One libpq connection to `url`, for other tables kept in the same database
// (mcp/tasks). Errors never contain the password. Not thread safe.
absl::StatusOr<std::unique_ptr<SqlConnection>> ConnectPostgres(const std::string& url);

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_POSTGRES_STORE_H_
