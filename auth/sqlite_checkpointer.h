// SqliteCheckpointer: checkpoints a WAL-mode SQLite database on a thread of
// its own, so that a commit does not copy the WAL into the database file and
// fsync both while the store's write lock is held (SQLite's automatic
// checkpoint runs inside the COMMIT that crosses its threshold).
//
// Attached connections report each commit through SQLite's WAL hook (which
// replaces the automatic checkpoint). Once `Options::background_pages`
// frames are not yet copied, the thread runs a PASSIVE checkpoint: it never
// blocks readers or the writer. Two bounds stay on the committing thread:
// - durability: with synchronous=NORMAL the WAL is fsynced only by a
//   checkpoint, so when `max_unsynced_pages` frames are still not copied
//   (the thread fell behind) the commit checkpoints itself, as SQLite's
//   automatic checkpoint did at the same count: a power loss can lose no
//   more than before;
// - size: the WAL restarts from its start only when a writer finds it fully
//   copied, which a background checkpoint under steady writes never
//   achieves; at `max_wal_pages` frames the commit copies the few frames
//   left (the write lock holds new ones back) so the next one restarts it.
//
// This class is thread safe. It must outlive the connections attached to it.
#ifndef MCP_OAUTH_AUTH_SQLITE_CHECKPOINTER_H_
#define MCP_OAUTH_AUTH_SQLITE_CHECKPOINTER_H_

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace mcp_oauth::auth {

class SqliteCheckpointer {
 public:
  struct Options {
    int background_pages = 500;
    int max_unsynced_pages = 1000;  // SQLite's default wal_autocheckpoint.
    int max_wal_pages = 10000;      // About 40 MB with 4 KiB pages.
  };

  // Checkpoints through `db` (a connection to the database, in WAL mode,
  // owned and closed by this object).
  SqliteCheckpointer(sqlite3* db, Options options);
  ~SqliteCheckpointer();
  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

  // Installs the WAL hook on `connection`.
  void Attach(sqlite3* connection);

  // Checkpoints run so far, for tests and diagnostics.
  int64_t background_checkpoints() const { return background_.load(); }
  int64_t commit_checkpoints() const { return on_commit_.load(); }

 private:
  static int OnCommit(void* self, sqlite3* db, const char* name, int wal_pages);
  void Committed(sqlite3* db, const char* name, int wal_pages);
  void Run();

  sqlite3* const db_;
  const Options options_;
  // Frames of the current WAL known to be copied (0 after a restart).
  std::atomic<int> copied_{0};
  std::atomic<bool> due_{false};
  std::atomic<int64_t> background_{0};
  std::atomic<int64_t> on_commit_{0};
  absl::Mutex mu_;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_SQLITE_CHECKPOINTER_H_
