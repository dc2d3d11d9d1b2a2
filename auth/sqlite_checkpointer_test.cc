#include "auth/sqlite_checkpointer.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace mcp_oauth::auth {
namespace {

constexpr int64_t kFrameBytes = 4096 + 24;

class SqliteCheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    const char* tmp = std::getenv("TEST_TMPDIR");
    path_ = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/checkpointer-", getpid(), "-", counter++,
                         ".db");
    writer_ = Open();
    ASSERT_NE(writer_, nullptr);
    Exec(writer_, "CREATE TABLE t (v BLOB NOT NULL)");
    db_bytes_before_ = FileSize(path_);
  }

  void TearDown() override {
    if (writer_ != nullptr) sqlite3_close_v2(writer_);
  }

  // A connection in WAL mode with synchronous=NORMAL, as the store opens.
  sqlite3* Open() {
    sqlite3* db = nullptr;
    EXPECT_EQ(
        sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
        SQLITE_OK);
    Exec(db, "PRAGMA journal_mode=WAL");
    Exec(db, "PRAGMA synchronous=NORMAL");
    return db;
  }

  static void Exec(sqlite3* db, const char* sql) {
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_OK)
        << sql << ": " << (error != nullptr ? error : "");
    sqlite3_free(error);
  }

  // Commits `n` transactions of a new page each (about 3 WAL frames with
  // the tree and header pages).
  void Commit(int n) {
    for (int i = 0; i < n; ++i) Exec(writer_, "INSERT INTO t (v) VALUES (randomblob(3000))");
  }

  static int64_t FileSize(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 ? st.st_size : 0;
  }

  std::string path_;
  sqlite3* writer_ = nullptr;
  int64_t db_bytes_before_ = 0;
};

TEST_F(SqliteCheckpointerTest, CommitsLeaveCheckpointsToTheThread) {
  SqliteCheckpointer checkpointer(Open(), {/*background_pages=*/20,
                                           /*max_unsynced_pages=*/1000000,
                                           /*max_wal_pages=*/1000000});
  checkpointer.Attach(writer_);
  Commit(200);
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (checkpointer.background_checkpoints() == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_GT(checkpointer.background_checkpoints(), 0);
  EXPECT_EQ(checkpointer.commit_checkpoints(), 0);
  // Pages reach the database file only through a checkpoint.
  EXPECT_GT(FileSize(path_), db_bytes_before_ + 10 * 4096);
}

TEST_F(SqliteCheckpointerTest, CommitCheckpointsWhenTooMuchIsUnsynced) {
  // A thread that is never woken stands for one that fell behind.
  SqliteCheckpointer checkpointer(Open(), {/*background_pages=*/1000000,
                                           /*max_unsynced_pages=*/50,
                                           /*max_wal_pages=*/1000000});
  checkpointer.Attach(writer_);
  Commit(10);  // Under 50 frames.
  EXPECT_EQ(checkpointer.commit_checkpoints(), 0);
  Commit(200);
  EXPECT_GE(checkpointer.commit_checkpoints(), 3);
  EXPECT_EQ(checkpointer.background_checkpoints(), 0);
  EXPECT_GT(FileSize(path_), db_bytes_before_ + 100 * 4096);
}

TEST_F(SqliteCheckpointerTest, WalStaysWithinItsBound) {
  SqliteCheckpointer checkpointer(Open(), {/*background_pages=*/1000000,
                                           /*max_unsynced_pages=*/1000000,
                                           /*max_wal_pages=*/100});
  checkpointer.Attach(writer_);
  for (int round = 0; round < 20; ++round) {
    Commit(50);
    // The commit reaching the bound copies the WAL, the next one restarts
    // it: never much more than the bound.
    EXPECT_LE(FileSize(path_ + "-wal"), 32 + 130 * kFrameBytes) << "round " << round;
  }
  EXPECT_GE(checkpointer.commit_checkpoints(), 5);
}

}  // namespace
}  // namespace mcp_oauth::auth
