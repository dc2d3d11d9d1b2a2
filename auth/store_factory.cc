#include "auth/store_factory.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "auth/memory_store.h"
#include "auth/postgres_conninfo.h"
#include "auth/postgres_store.h"
#include "auth/sqlite_store.h"

namespace mcp_oauth::auth {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool IsPostgres(std::string_view spec) {
  return StartsWith(spec, "postgres://") || StartsWith(spec, "postgresql://");
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

}  // namespace

std::string DefaultStoreSpec() {
  std::string dir = Env("MCP_DATA_DIR");
  if (dir.empty()) {
    std::string state = Env("XDG_STATE_HOME");
    if (state.empty()) {
      std::string home = Env("HOME");
      if (home.empty()) {
        const passwd* user = getpwuid(getuid());
        home = user != nullptr && user->pw_dir != nullptr ? user->pw_dir : "/tmp";
      }
      state = home + "/.local/state";
    }
    dir = state + "/mcp-oauth";
  }
  return absl::StrCat("sqlite:", dir, "/auth.db");
}

std::string DescribeStoreSpec(std::string_view spec) {
  if (spec == "memory" || StartsWith(spec, "sqlite:")) return std::string(spec);
  if (IsPostgres(spec)) return absl::StrCat("PostgreSQL (", RedactConninfo(spec), ")");
  // Unknown, perhaps a key=value connection string or another database's
  // URL: shown only when there is nowhere for a password to be.
  return RedactConninfo(spec);
}

absl::StatusOr<std::shared_ptr<Store>> OpenStore(std::string_view spec) {
  if (spec == "memory") return std::shared_ptr<Store>(std::make_shared<MemoryStore>());
  if (StartsWith(spec, "sqlite:")) {
    spec.remove_prefix(7);
    if (spec.empty()) return absl::InvalidArgumentError("--store=sqlite:PATH needs a path");
    auto store = OpenSqliteStore(std::string(spec));
    if (!store.ok()) return store.status();
    return std::shared_ptr<Store>(std::move(*store));
  }
  if (IsPostgres(spec)) {
    auto store = OpenPostgresStore(std::string(spec));
    if (!store.ok()) return store.status();
    return std::shared_ptr<Store>(std::move(*store));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown --store '", DescribeStoreSpec(spec),
                   "': use memory, sqlite:PATH or postgres://USER@HOST:PORT/DB"));
}

}  // namespace mcp_oauth::auth
