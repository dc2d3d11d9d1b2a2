#include "auth/sqlite_checkpointer.h"

namespace mcp_oauth::auth {

SqliteCheckpointer::SqliteCheckpointer(sqlite3* db, Options options) : db_(db), options_(options) {
  sqlite3_wal_autocheckpoint(db_, 0);
  thread_ = std::thread([this] { Run(); });
}

SqliteCheckpointer::~SqliteCheckpointer() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
  sqlite3_close_v2(db_);
}

void SqliteCheckpointer::Attach(sqlite3* connection) {
  sqlite3_wal_hook(connection, &SqliteCheckpointer::OnCommit, this);
}

int SqliteCheckpointer::OnCommit(void* self, sqlite3* db, const char* name, int wal_pages) {
  static_cast<SqliteCheckpointer*>(self)->Committed(db, name, wal_pages);
  return SQLITE_OK;  // The commit stands whatever the checkpoint does.
}

void SqliteCheckpointer::Committed(sqlite3* db, const char* name, int wal_pages) {
  int copied = copied_.load();
  if (copied > wal_pages) {
    // The WAL restarted since that checkpoint: nothing of it is copied.
    copied_.compare_exchange_strong(copied, 0);
    copied = 0;
  }
  const int pending = wal_pages - copied;
  if (wal_pages >= options_.max_wal_pages || pending >= options_.max_unsynced_pages) {
    // PASSIVE never waits: busy (the thread is checkpointing) leaves it to
    // the next commit.
    int log_frames = 0;
    int copied_frames = 0;
    if (sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                                  &copied_frames) == SQLITE_OK) {
      copied_.store(copied_frames);
      on_commit_.fetch_add(1);
    }
    return;
  }
  // One wake-up per checkpoint, not one per commit.
  if (pending >= options_.background_pages && !due_.exchange(true)) {
    absl::MutexLock lock(&mu_);
    wake_ = true;
  }
}

void SqliteCheckpointer::Run() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](SqliteCheckpointer* c)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(c->mu_) { return c->wake_ || c->stopping_; },
          this));
      if (stopping_) return;
      wake_ = false;
    }
    int log_frames = 0;
    int copied_frames = 0;
    // Errors (busy: a commit is checkpointing; I/O) are left to the next
    // wake-up, and the commit-side bounds hold meanwhile.
    if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                                  &copied_frames) == SQLITE_OK) {
      copied_.store(copied_frames);
      background_.fetch_add(1);
    }
    due_.store(false);
  }
}

}  // namespace mcp_oauth::auth
