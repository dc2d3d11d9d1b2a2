// Turns a --store specification into a Store:
//   memory              in-process maps; everything is lost on exit (tests)
//   sqlite:PATH         a SQLite file (WAL), created 0600 on first start
//   postgres://...      a shared PostgreSQL database (libpq URI; also
//   postgresql://...    postgresql://), for several instances
#ifndef MCP_OAUTH_AUTH_STORE_FACTORY_H_
#define MCP_OAUTH_AUTH_STORE_FACTORY_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "auth/store.h"

namespace mcp_oauth::auth {

// Opens the store named by `spec`. Errors explain what is wrong with the
// spec or why the database cannot be used (passwords never appear).
absl::StatusOr<std::shared_ptr<Store>> OpenStore(std::string_view spec);

// The default spec: sqlite:$MCP_DATA_DIR/auth.db, else
// sqlite:${XDG_STATE_HOME:-$HOME/.local/state}/mcp-oauth/auth.db.
std::string DefaultStoreSpec();

// `spec` safe to log: a PostgreSQL connection string as libpq parses it with
// its passwords replaced by "***" (see postgres_conninfo.h).
std::string DescribeStoreSpec(std::string_view spec);

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_STORE_FACTORY_H_
