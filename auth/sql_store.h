// SqlStore: the Store over a SQL database, written once for SQLite and
// PostgreSQL. Every Store method is one transaction (or one autocommit
// SELECT); row locks (`SELECT ... FOR UPDATE` on PostgreSQL, the single
// writer of SQLite's `BEGIN IMMEDIATE`) make ConsumeCode and
// RedeemRefreshToken safe against concurrent redemption, also across
// processes sharing the database.
//
// The schema is versioned: Open() applies the missing forward migrations
// (see kMigrations in sql_store.cc) in one transaction, and refuses a
// database written by a newer version. Values are stored as TEXT and BIGINT
// only (digests hex-encoded, times as Unix microseconds) so one set of
// statements serves both dialects.
//
// Backend failures (database unreachable, I/O errors, a busy database) are
// returned as UNAVAILABLE (see store.h), so that the RPC fails with 503; a
// broken connection is replaced on next use, so the store recovers by itself
// when the database comes back.
//
// This class is thread safe: connections come from a bounded pool, each used
// by one thread at a time.
#ifndef MCP_OAUTH_AUTH_SQL_STORE_H_
#define MCP_OAUTH_AUTH_SQL_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "auth/store.h"

namespace mcp_oauth::auth {

using SqlValue = std::variant<int64_t, std::string>;

struct SqlResult {
  // Every column as text; NULL reads as "".
  std::vector<std::vector<std::string>> rows;
  // Rows changed by an INSERT, UPDATE or DELETE.
  int64_t affected = 0;
};

// One database connection. Not thread safe: the pool hands it to one thread
// at a time.
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  // Runs one statement whose parameters are $1..$N (prepared once per
  // connection and cached by its text). Errors: AlreadyExists for a unique
  // constraint violation; Unavailable when the database cannot be reached or
  // is busy (retrying later may succeed); Internal otherwise.
  virtual absl::StatusOr<SqlResult> Execute(const std::string& sql,
                                            const std::vector<SqlValue>& params) = 0;
  // False once the connection is lost; the pool then discards it.
  virtual bool Healthy() const = 0;
};

// What differs between the SQL dialects.
struct SqlDialect {
  std::string name;               // For messages: "SQLite", "PostgreSQL".
  std::string begin_write;        // Starts a read-write transaction.
  std::string for_update;         // Suffix locking the selected rows, or "".
  std::string migration_lock;     // Statement serialising migrations, or "".
  std::string table_suffix;       // Appended to CREATE TABLE (e.g. WITHOUT ROWID).
  bool serialize_writes = false;  // One writer at a time within this process.
};

class SqlStore final : public Store {
 public:
  using Connector = std::function<absl::StatusOr<std::unique_ptr<SqlConnection>>()>;

  // Connects once (errors say why the database cannot be used), applies the
  // schema migrations and returns the store. At most `pool_size` connections
  // are open at a time.
  static absl::StatusOr<std::unique_ptr<SqlStore>> Open(SqlDialect dialect, Connector connector,
                                                        int pool_size);

  // The schema version this binary writes.
  static int LatestSchemaVersion();

  absl::Status PutPendingAuthorization(const PendingAuthorization& pending,
                                       int64_t max_pending) override;
  absl::StatusOr<std::optional<PendingAuthorization>> GetPendingAuthorization(
      const std::string& id_hash, absl::Time now) override;
  absl::Status DeletePendingAuthorization(const std::string& id_hash) override;
  absl::Status CompleteAuthorization(const std::string& id_hash, absl::Time now,
                                     const AuthorizationCode& code) override;

  absl::StatusOr<ConsumeCodeResult> ConsumeCode(const std::string& code_hash, absl::Time now,
                                                const CodeBindingCheck& check) override;

  absl::Status IssueTokens(const TokenFamily& family, const AccessTokenRecord& access,
                           const std::optional<RefreshTokenRecord>& refresh) override;
  absl::StatusOr<std::optional<AccessTokenRecord>> GetAccessToken(
      const std::string& token_hash) override;
  absl::StatusOr<std::optional<RefreshTokenRecord>> GetRefreshToken(
      const RefreshTokenKey& key) override;
  absl::StatusOr<RedeemRefreshResult> RedeemRefreshToken(const RefreshTokenKey& old, absl::Time now,
                                                         const RefreshDecision& decide) override;
  absl::Status RevokeFamily(const std::string& family_id) override;
  absl::Status RevokeAccessToken(const std::string& token_hash) override;

  absl::StatusOr<std::vector<ThrottleState>> ReadLoginFailures(const std::vector<std::string>& keys,
                                                               absl::Time now) override;
  absl::StatusOr<ThrottleState> RecordLoginFailure(const std::string& key, absl::Time now,
                                                   absl::Duration window) override;
  absl::Status ResetLoginFailures(const std::string& key) override;

  absl::StatusOr<int64_t> Sweep(absl::Time now) override;

  SqlStore(const SqlStore&) = delete;
  SqlStore& operator=(const SqlStore&) = delete;
  ~SqlStore() override;

 private:
  class Pool;
  class Lease;

  SqlStore(SqlDialect dialect, Connector connector, int pool_size);

  absl::Status Migrate();
  // Runs `body` inside one read-write transaction, committing when it
  // returns OK and rolling back otherwise. A connection found dead at BEGIN
  // is replaced once.
  absl::Status Transaction(const std::function<absl::Status(SqlConnection&)>& body);
  // Runs one statement outside a transaction (a single SELECT), replacing a
  // dead pooled connection once.
  absl::StatusOr<SqlResult> Read(const std::string& sql, const std::vector<SqlValue>& params);

  const SqlDialect dialect_;
  std::unique_ptr<Pool> pool_;
  // Held around write transactions when dialect_.serialize_writes.
  absl::Mutex write_mu_;
};

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_SQL_STORE_H_
