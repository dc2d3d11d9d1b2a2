// One suite for every TaskStore backend (memory, SQLite, PostgreSQL): round
// trips, compare-and-set updates, leases and sweeping, plus what only the
// SQL stores can show (a reopened store and a second instance on the same
// database see the records; a newer schema is refused).
//
// PostgreSQL: common/testing/postgres_server.h (MCP_TEST_POSTGRES_URL, else
// a throwaway cluster); its cases skip when there is none, unless
// MCP_REQUIRE_POSTGRES=1, where they fail.
#include "mcp/tasks/task_store.h"

#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "auth/sqlite_store.h"
#include "common/testing/postgres_server.h"
#include "gtest/gtest.h"
#include "mcp/tasks/sql_task_store.h"
#include "mcp/tasks/task_store_factory.h"

namespace mcp_oauth::mcp::tasks {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

enum class Backend { kMemory, kSqlite, kPostgres };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  switch (info.param) {
    case Backend::kMemory:
      return "Memory";
    case Backend::kSqlite:
      return "Sqlite";
    case Backend::kPostgres:
      return "Postgres";
  }
  return "Unknown";
}

TaskRecord Record(const std::string& id) {
  TaskRecord r;
  r.id = id;
  r.owner = "subject-a\nclient-1";
  r.status = TaskStatus::kWorking;
  r.status_message = "starting";
  r.created_at = kT0;
  r.updated_at = kT0 + absl::Seconds(1);
  r.expires_at = kT0 + absl::Hours(1);
  r.ttl_ms = 3600000;
  r.poll_interval_ms = 500;
  r.input_responses = "{}";
  r.call = "CgVzbG93";
  r.runner = "runner-1";
  r.lease_until = kT0 + absl::Seconds(30);
  return r;
}

class TaskStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    static int counter = 0;
    switch (GetParam()) {
      case Backend::kMemory:
        spec_ = "memory";
        break;
      case Backend::kSqlite:
        spec_ = absl::StrCat("sqlite:", ::testing::TempDir(), "tasks-", getpid(), "-", counter++,
                             ".db");
        break;
      case Backend::kPostgres: {
        testutil::PostgresServer& server = testutil::PostgresServer::Get();
        if (!server.available()) {
          if (testutil::PostgresServer::Required()) FAIL() << server.error();
          GTEST_SKIP() << server.error();
        }
        spec_ = server.NewDatabase("tasks");
        ASSERT_FALSE(spec_.empty());
        break;
      }
    }
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }

  // A new store on the same database (a restart, or another replica).
  std::shared_ptr<TaskStore> Open() {
    auto store = OpenTaskStore(spec_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *store : nullptr;
  }
  bool durable() const { return GetParam() != Backend::kMemory; }

  std::string spec_;
  std::shared_ptr<TaskStore> store_;
};

TEST_P(TaskStoreTest, RecordRoundTripsEveryField) {
  TaskRecord in = Record("t1");
  in.status = TaskStatus::kInputRequired;
  in.result = R"({"content":[]})";
  in.error = R"({"code":-32603})";
  in.input_requests = R"({"k":{"method":"elicitation/create"}})";
  ASSERT_TRUE(store_->Create(in).ok());
  absl::StatusOr<TaskRecord> out = store_->Get("t1");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->owner, in.owner);
  EXPECT_EQ(out->status, TaskStatus::kInputRequired);
  EXPECT_EQ(out->status_message, "starting");
  EXPECT_EQ(out->created_at, in.created_at);
  EXPECT_EQ(out->updated_at, in.updated_at);
  EXPECT_EQ(out->expires_at, in.expires_at);
  EXPECT_EQ(out->ttl_ms, 3600000);
  EXPECT_EQ(out->poll_interval_ms, 500);
  EXPECT_EQ(out->result, in.result);
  EXPECT_EQ(out->error, in.error);
  EXPECT_EQ(out->input_requests, in.input_requests);
  EXPECT_EQ(out->input_responses, "{}");
  EXPECT_EQ(out->call, in.call);
  EXPECT_EQ(out->runner, "runner-1");
  EXPECT_EQ(out->lease_until, in.lease_until);
  EXPECT_EQ(out->version, 0);
}

TEST_P(TaskStoreTest, DuplicateIdIsRefusedAndUnknownIdIsNotFound) {
  ASSERT_TRUE(store_->Create(Record("t1")).ok());
  EXPECT_EQ(store_->Create(Record("t1")).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->Get("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(TaskStoreTest, UpdateIsCompareAndSet) {
  ASSERT_TRUE(store_->Create(Record("t1")).ok());
  TaskRecord finisher = *store_->Get("t1");
  TaskRecord canceller = finisher;
  canceller.status = TaskStatus::kCancelled;
  ASSERT_EQ(store_->Update(&canceller).value_or(false), true);
  EXPECT_EQ(canceller.version, 1);
  // The finishing tool read the record before the cancel: its write loses.
  finisher.status = TaskStatus::kCompleted;
  finisher.result = R"({"content":[{"type":"text","text":"late"}]})";
  EXPECT_EQ(store_->Update(&finisher).value_or(true), false);
  EXPECT_EQ(finisher.version, 0);
  TaskRecord now = *store_->Get("t1");
  EXPECT_EQ(now.status, TaskStatus::kCancelled);
  EXPECT_EQ(now.result, "");
  EXPECT_EQ(now.version, 1);
  TaskRecord missing = Record("gone");
  EXPECT_EQ(store_->Update(&missing).value_or(true), false);
}

TEST_P(TaskStoreTest, RenewLeasesMovesOnlyThatRunnersWorkingTasks) {
  TaskRecord mine = Record("mine");
  TaskRecord done = Record("done");
  done.status = TaskStatus::kCompleted;
  TaskRecord other = Record("other");
  other.runner = "runner-2";
  for (const TaskRecord& r : {mine, done, other}) ASSERT_TRUE(store_->Create(r).ok());
  const absl::Time later = kT0 + absl::Minutes(5);
  ASSERT_TRUE(store_->RenewLeases("runner-1", later).ok());
  EXPECT_EQ(store_->Get("mine")->lease_until, later);
  EXPECT_EQ(store_->Get("done")->lease_until, kT0 + absl::Seconds(30));
  EXPECT_EQ(store_->Get("other")->lease_until, kT0 + absl::Seconds(30));
}

TEST_P(TaskStoreTest, SweepRemovesOnlyExpired) {
  TaskRecord old = Record("old");
  old.expires_at = kT0 + absl::Seconds(10);
  ASSERT_TRUE(store_->Create(old).ok());
  ASSERT_TRUE(store_->Create(Record("fresh")).ok());
  EXPECT_EQ(store_->Sweep(kT0 + absl::Minutes(1)).value_or(-1), 1);
  EXPECT_EQ(store_->Get("old").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->Get("fresh").ok());
}

TEST_P(TaskStoreTest, FinishedResultSurvivesRestartAndIsSeenByAnotherInstance) {
  if (!durable()) GTEST_SKIP() << "the memory store is per process";
  std::shared_ptr<TaskStore> replica = Open();
  ASSERT_NE(replica, nullptr);
  ASSERT_TRUE(store_->Create(Record("t1")).ok());
  // The other replica finishes it...
  TaskRecord r = *replica->Get("t1");
  r.status = TaskStatus::kCompleted;
  r.result = R"({"content":[{"type":"text","text":"done"}]})";
  ASSERT_TRUE(replica->Update(&r).value_or(false));
  // ...the first sees it, and so does a store opened after both are gone.
  EXPECT_EQ(store_->Get("t1")->status, TaskStatus::kCompleted);
  store_.reset();
  replica.reset();
  std::shared_ptr<TaskStore> restarted = Open();
  ASSERT_NE(restarted, nullptr);
  absl::StatusOr<TaskRecord> after = restarted->Get("t1");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->status, TaskStatus::kCompleted);
  EXPECT_EQ(after->result, r.result);
}

TEST_P(TaskStoreTest, NewerSchemaIsRefused) {
  if (GetParam() != Backend::kSqlite) GTEST_SKIP() << "checked once, on SQLite";
  store_.reset();
  auto db = auth::ConnectSqlite(spec_.substr(7));
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE(
      (*db)
          ->Execute("INSERT INTO mcp_task_schema_migrations (version, applied_at) VALUES (99, 0)",
                    {})
          .ok());
  auto reopened = OpenTaskStore(spec_);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(reopened.status().message().find("newer"), std::string::npos) << reopened.status();
}

INSTANTIATE_TEST_SUITE_P(Backends, TaskStoreTest,
                         ::testing::Values(Backend::kMemory, Backend::kSqlite, Backend::kPostgres),
                         BackendName);

TEST(TaskStoreFactoryTest, UnknownSpecIsRefused) {
  EXPECT_EQ(OpenTaskStore("redis://x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenTaskStore("sqlite:").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mcp_oauth::mcp::tasks
