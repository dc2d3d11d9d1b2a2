// The SQLite token store: SqlStore over a database file in WAL mode.
//
// Durability: WAL with synchronous=NORMAL. A committed transaction is in the
// WAL file before the call returns, so killing the process at any moment
// (kill -9) loses nothing that was acknowledged; only a power loss or OS
// crash may lose the last transactions before a checkpoint (use PostgreSQL,
// or a filesystem with power-loss protection, where that matters).
//
// Several processes may open one file (SQLite's locks serialise writers, a
// 5 s busy timeout waits for them); within a process writes are serialised by
// a mutex and reads run in parallel on pooled connections, each caching its
// prepared statements.
#ifndef MCP_OAUTH_AUTH_SQLITE_STORE_H_
#define MCP_OAUTH_AUTH_SQLITE_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "auth/sql_store.h"
#include "auth/store.h"

namespace mcp_oauth::auth {

// Opens (creating it with mode 0600, and its directory with mode 0700, if
// missing) the database file at `path` and migrates its schema.
absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, int pool_size = 4);

// One connection to the database file at `path` (created 0600 with its
// directories when missing), in WAL mode, for other tables kept in the same
// file (mcp/tasks). The caller owns it; not thread safe.
absl::StatusOr<std::unique_ptr<SqlConnection>> ConnectSqlite(const std::string& path);

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_SQLITE_STORE_H_
