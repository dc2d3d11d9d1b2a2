#include "auth/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "auth/sql_store.h"
#include "auth/sqlite_checkpointer.h"

namespace mcp_oauth::auth {
namespace {

constexpr int kBusyTimeoutMs = 5000;

// $N placeholders (the shared dialect) become SQLite's ?N.
std::string ToSqlitePlaceholders(const std::string& sql) {
  std::string out = sql;
  for (char& c : out) {
    if (c == '$') c = '?';
  }
  return out;
}

class SqliteConnection final : public SqlConnection {
 public:
  // `checkpointer` (may be null) is kept alive as long as its WAL hook may
  // run on this connection.
  SqliteConnection(sqlite3* db, std::shared_ptr<SqliteCheckpointer> checkpointer)
      : db_(db), checkpointer_(std::move(checkpointer)) {
    if (checkpointer_) checkpointer_->Attach(db_);
  }
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  absl::StatusOr<SqlResult> Execute(const std::string& sql,
                                    const std::vector<SqlValue>& params) override {
    sqlite3_stmt* stmt = nullptr;
    auto it = statements_.find(sql);
    if (it != statements_.end()) {
      stmt = it->second;
    } else {
      std::string text = ToSqlitePlaceholders(sql);
      int rc = sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size()),
                                  SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) return Error(rc);
      statements_.emplace(sql, stmt);
    }
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt)) {
      return absl::InternalError(absl::StrCat("SQLite: ", params.size(), " parameters for ",
                                              sqlite3_bind_parameter_count(stmt), " placeholders"));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      int index = static_cast<int>(i + 1);
      int rc;
      if (const int64_t* n = std::get_if<int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(stmt, index, *n);
      } else {
        // SQLITE_STATIC: `params` outlives the statement's use of it (the
        // bindings are cleared before returning), so SQLite need not copy.
        const std::string& s = std::get<std::string>(params[i]);
        rc = sqlite3_bind_text(stmt, index, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
      }
      if (rc != SQLITE_OK) {
        absl::Status error = Error(rc);
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        return error;
      }
    }
    SqlResult result;
    while (true) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) {
        int n = sqlite3_column_count(stmt);
        std::vector<std::string>& row = result.rows.emplace_back();
        row.reserve(n);
        for (int c = 0; c < n; ++c) row.push_back(ColumnText(stmt, c));
        continue;
      }
      if (rc == SQLITE_DONE) break;
      absl::Status error = Error(rc);
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
      return error;
    }
    result.affected = sqlite3_changes64(db_);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return result;
  }

  bool Healthy() const override { return true; }

 private:
  // Column `c` as text. Integers are formatted here: sqlite3_column_text
  // would convert them inside the statement (an allocation each).
  static std::string ColumnText(sqlite3_stmt* stmt, int c) {
    switch (sqlite3_column_type(stmt, c)) {
      case SQLITE_NULL:
        return std::string();
      case SQLITE_INTEGER:
        return absl::StrCat(static_cast<int64_t>(sqlite3_column_int64(stmt, c)));
      default: {
        const unsigned char* text = sqlite3_column_text(stmt, c);
        if (text == nullptr) return std::string();
        return std::string(reinterpret_cast<const char*>(text),
                           static_cast<size_t>(sqlite3_column_bytes(stmt, c)));
      }
    }
  }

  absl::Status Error(int rc) {
    std::string message = absl::StrCat("SQLite: ", sqlite3_errmsg(db_));
    switch (rc & 0xff) {
      case SQLITE_CONSTRAINT:
        return absl::AlreadyExistsError(message);
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
      case SQLITE_FULL:
      case SQLITE_IOERR:
      case SQLITE_CANTOPEN:
      case SQLITE_READONLY:
        return absl::UnavailableError(message);
      default:
        return absl::InternalError(message);
    }
  }

  sqlite3* const db_;
  const std::shared_ptr<SqliteCheckpointer> checkpointer_;
  absl::flat_hash_map<std::string, sqlite3_stmt*> statements_;
};

// Creates the parent directories (mode 0700) of `path`.
absl::Status MakeParentDirectories(const std::string& path) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    std::string dir = path.substr(0, slash);
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot create directory ", dir, ": ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

// SQLite keeps memory statistics by default, taking a global mutex at every
// allocation (tens per statement); nothing reads them. sqlite3_config works
// only before SQLite initialises, i.e. before the process's first open, all
// of which come through here.
void DisableMemoryStatistics() {
  static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)configured;  // SQLITE_MISUSE if SQLite was initialised already.
}

absl::StatusOr<sqlite3*> OpenDatabase(const std::string& path) {
  DisableMemoryStatistics();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open SQLite database ", path, ": ", message));
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  return db;
}

// A connection whose commits report to `checkpointer` when it is not null
// (else SQLite checkpoints automatically, inside the commit).
absl::StatusOr<std::unique_ptr<SqlConnection>> Connect(
    const std::string& path, std::shared_ptr<SqliteCheckpointer> checkpointer = nullptr) {
  auto db = OpenDatabase(path);
  if (!db.ok()) return db.status();
  auto connection = std::make_unique<SqliteConnection>(*db, std::move(checkpointer));
  // WAL: readers never block the writer; NORMAL: fsync at checkpoints only,
  // which keeps committed data across a process crash (see the header).
  auto mode = connection->Execute("PRAGMA journal_mode=WAL", {});
  if (!mode.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot use SQLite database ", path, ": ", mode.status().message()));
  }
  if (mode->rows.empty() || mode->rows[0].empty() || mode->rows[0][0] != "wal") {
    return absl::FailedPreconditionError(
        absl::StrCat("SQLite database ", path, " cannot be switched to WAL mode"));
  }
  for (const char* pragma : {"PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=OFF"}) {
    auto done = connection->Execute(pragma, {});
    if (!done.ok()) return done.status();
  }
  return connection;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqlConnection>> ConnectSqlite(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("empty SQLite database path");
  absl::Status dirs = MakeParentDirectories(path);
  if (!dirs.ok()) return dirs;
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open SQLite database ", path, ": ", std::strerror(errno)));
  }
  close(fd);
  return Connect(path);
}

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, int pool_size) {
  if (path.empty()) return absl::InvalidArgumentError("empty SQLite database path");
  absl::Status dirs = MakeParentDirectories(path);
  if (!dirs.ok()) return dirs;
  // Create the file ourselves so that it is private from the first byte;
  // SQLite gives its -wal and -shm files the same mode.
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open SQLite database ", path, ": ", std::strerror(errno)));
  }
  close(fd);

  // Checkpoints off the request path, through a connection of its own. Its
  // synchronous=NORMAL makes each checkpoint fsync the WAL, then the file.
  auto checkpoint_db = OpenDatabase(path);
  if (!checkpoint_db.ok()) return checkpoint_db.status();
  if (sqlite3_exec(*checkpoint_db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL", nullptr,
                   nullptr, nullptr) != SQLITE_OK) {
    std::string message = sqlite3_errmsg(*checkpoint_db);
    sqlite3_close_v2(*checkpoint_db);
    return absl::FailedPreconditionError(
        absl::StrCat("cannot use SQLite database ", path, ": ", message));
  }
  auto checkpointer =
      std::make_shared<SqliteCheckpointer>(*checkpoint_db, SqliteCheckpointer::Options());

  SqlDialect dialect;
  dialect.name = "SQLite";
  dialect.begin_write = "BEGIN IMMEDIATE";
  dialect.table_suffix = " WITHOUT ROWID";
  dialect.serialize_writes = true;
  auto store = SqlStore::Open(
      std::move(dialect), [path, checkpointer]() { return Connect(path, checkpointer); },
      pool_size);
  if (!store.ok()) return store.status();
  return std::unique_ptr<Store>(std::move(*store));
}

}  // namespace mcp_oauth::auth
