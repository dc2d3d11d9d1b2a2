#include "auth/sql_store.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "auth/refresh_chain.h"

namespace mcp_oauth::auth {
namespace {

// Forward migrations, applied in order; never edit a published one, append.
// Types are limited to TEXT and BIGINT so both dialects read them alike.
struct Migration {
  int version;
  std::vector<std::string> statements;  // "{T}" is replaced by the table suffix.
};

const std::vector<Migration>& Migrations() {
  static const auto* migrations = new std::vector<Migration>{
      {1,
       {
           "CREATE TABLE pending_authorizations ("
           " id_hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,"
           " redirect_uri_in_request BIGINT NOT NULL, scopes TEXT NOT NULL, state TEXT NOT NULL,"
           " code_challenge TEXT NOT NULL, resource TEXT NOT NULL, csrf_token TEXT NOT NULL,"
           " created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL){T}",
           "CREATE INDEX pending_authorizations_expires ON pending_authorizations (expires_at)",
           "CREATE TABLE authorization_codes ("
           " code_hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,"
           " redirect_uri_in_request BIGINT NOT NULL, scopes TEXT NOT NULL,"
           " code_challenge TEXT NOT NULL, resource TEXT NOT NULL, subject TEXT NOT NULL,"
           " username TEXT NOT NULL, family_id TEXT NOT NULL, issued_at BIGINT NOT NULL,"
           " expires_at BIGINT NOT NULL, used BIGINT NOT NULL){T}",
           "CREATE INDEX authorization_codes_expires ON authorization_codes (expires_at)",
           "CREATE TABLE token_families ("
           " family_id TEXT PRIMARY KEY, client_id TEXT NOT NULL, subject TEXT NOT NULL,"
           " username TEXT NOT NULL, created_at BIGINT NOT NULL, revoked BIGINT NOT NULL,"
           " keep_until BIGINT NOT NULL){T}",
           "CREATE INDEX token_families_keep_until ON token_families (keep_until)",
           "CREATE TABLE access_tokens ("
           " token_hash TEXT PRIMARY KEY, family_id TEXT NOT NULL, client_id TEXT NOT NULL,"
           " subject TEXT NOT NULL, username TEXT NOT NULL, scopes TEXT NOT NULL,"
           " audience TEXT NOT NULL, jti TEXT NOT NULL, issued_at BIGINT NOT NULL,"
           " expires_at BIGINT NOT NULL, revoked BIGINT NOT NULL){T}",
           "CREATE INDEX access_tokens_expires ON access_tokens (expires_at)",
           "CREATE TABLE refresh_tokens ("
           " token_hash TEXT PRIMARY KEY, family_id TEXT NOT NULL, client_id TEXT NOT NULL,"
           " subject TEXT NOT NULL, username TEXT NOT NULL, scopes TEXT NOT NULL,"
           " audience TEXT NOT NULL, jti TEXT NOT NULL, issued_at BIGINT NOT NULL,"
           " expires_at BIGINT NOT NULL, rotated BIGINT NOT NULL, revoked BIGINT NOT NULL){T}",
           "CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at)",
           "CREATE TABLE login_throttles ("
           " throttle_key TEXT PRIMARY KEY, failures BIGINT NOT NULL,"
           " window_end BIGINT NOT NULL){T}",
       }},
      // Refresh token chains: one row per chain, its live generation
      // (refresh_tokens keeps the chainless tokens of version 1).
      {2,
       {
           "CREATE TABLE refresh_chains ("
           " chain_hash TEXT PRIMARY KEY, generation BIGINT NOT NULL, token_hash TEXT NOT NULL,"
           " family_id TEXT NOT NULL, client_id TEXT NOT NULL, subject TEXT NOT NULL,"
           " username TEXT NOT NULL, scopes TEXT NOT NULL, audience TEXT NOT NULL,"
           " jti TEXT NOT NULL, issued_at BIGINT NOT NULL, expires_at BIGINT NOT NULL){T}",
           "CREATE INDEX refresh_chains_expires ON refresh_chains (expires_at)",
       }},
      // The access token issued with a chain's live generation, which the
      // next rotation deletes ('' for chains rotated before this version).
      {3,
       {
           "ALTER TABLE refresh_chains ADD COLUMN access_hash TEXT NOT NULL DEFAULT ''",
       }},
      // A chain's expiry moves at every rotation; indexing it rewrote two
      // index entries (pages) per rotation. sweep_after is a lower bound of
      // expires_at that rotations leave alone: Sweep() deletes the chains it
      // finds expired and moves the others' bound up to their expiry.
      {4,
       {
           "ALTER TABLE refresh_chains ADD COLUMN sweep_after BIGINT NOT NULL DEFAULT 0",
           "UPDATE refresh_chains SET sweep_after = expires_at",
           "DROP INDEX refresh_chains_expires",
           "CREATE INDEX refresh_chains_sweep_after ON refresh_chains (sweep_after)",
       }},
  };
  return *migrations;
}

using Row = std::vector<std::string>;

int64_t ToDb(absl::Time t) { return absl::ToUnixMicros(t); }  // Saturates at +-infinity.

absl::Time TimeFromDb(const std::string& text) {
  int64_t micros = 0;
  (void)absl::SimpleAtoi(text, &micros);
  if (micros == std::numeric_limits<int64_t>::max()) return absl::InfiniteFuture();
  if (micros == std::numeric_limits<int64_t>::min()) return absl::InfinitePast();
  return absl::FromUnixMicros(micros);
}

int64_t IntFromDb(const std::string& text) {
  int64_t value = 0;
  (void)absl::SimpleAtoi(text, &value);
  return value;
}

std::string Hex(const std::string& digest) { return absl::BytesToHexString(digest); }
std::string Unhex(const std::string& hex) { return absl::HexStringToBytes(hex); }

std::string JoinScopes(const std::vector<std::string>& scopes) {
  return absl::StrJoin(scopes, " ");
}
std::vector<std::string> SplitScopes(const std::string& text) {
  return absl::StrSplit(text, ' ', absl::SkipEmpty());
}

// Business outcomes travel as these statuses; anything else is an outage.
bool IsOutage(const absl::Status& status) {
  return !status.ok() && !absl::IsAlreadyExists(status) && !absl::IsNotFound(status) &&
         !absl::IsFailedPrecondition(status) && !absl::IsResourceExhausted(status);
}

absl::Status Unavailable(const absl::Status& cause) {
  return absl::UnavailableError(absl::StrCat("token store unavailable: ", cause.message()));
}

// The status for the caller: an outage becomes UNAVAILABLE (see store.h).
absl::Status ForCaller(const absl::Status& status) {
  return IsOutage(status) ? Unavailable(status) : status;
}

constexpr char kPendingColumns[] =
    "id_hash, client_id, redirect_uri, redirect_uri_in_request, scopes, state, code_challenge,"
    " resource, csrf_token, created_at, expires_at";
constexpr char kCodeColumns[] =
    "code_hash, client_id, redirect_uri, redirect_uri_in_request, scopes, code_challenge,"
    " resource, subject, username, family_id, issued_at, expires_at, used";
constexpr char kTokenColumns[] =
    "token_hash, family_id, client_id, subject, username, scopes, audience, jti, issued_at,"
    " expires_at";

PendingAuthorization PendingFromRow(const Row& r) {
  PendingAuthorization p;
  p.id_hash = Unhex(r[0]);
  p.client_id = r[1];
  p.redirect_uri = r[2];
  p.redirect_uri_in_request = IntFromDb(r[3]) != 0;
  p.scopes = SplitScopes(r[4]);
  p.state = r[5];
  p.code_challenge = r[6];
  p.resource = r[7];
  p.csrf_token = r[8];
  p.created_at = TimeFromDb(r[9]);
  p.expires_at = TimeFromDb(r[10]);
  return p;
}

AuthorizationCode CodeFromRow(const Row& r) {
  AuthorizationCode c;
  c.code_hash = Unhex(r[0]);
  c.client_id = r[1];
  c.redirect_uri = r[2];
  c.redirect_uri_in_request = IntFromDb(r[3]) != 0;
  c.scopes = SplitScopes(r[4]);
  c.code_challenge = r[5];
  c.resource = r[6];
  c.subject = r[7];
  c.username = r[8];
  c.family_id = r[9];
  c.issued_at = TimeFromDb(r[10]);
  c.expires_at = TimeFromDb(r[11]);
  c.used = IntFromDb(r[12]) != 0;
  return c;
}

template <typename Record>
Record TokenFromRow(const Row& r) {
  Record t;
  t.token_hash = Unhex(r[0]);
  t.family_id = r[1];
  t.client_id = r[2];
  t.subject = r[3];
  t.username = r[4];
  t.scopes = SplitScopes(r[5]);
  t.audience = r[6];
  t.jti = r[7];
  t.issued_at = TimeFromDb(r[8]);
  t.expires_at = TimeFromDb(r[9]);
  return t;
}

template <typename Record>
std::vector<SqlValue> TokenValues(const Record& t) {
  return {Hex(t.token_hash),    t.family_id, t.client_id, t.subject,         t.username,
          JoinScopes(t.scopes), t.audience,  t.jti,       ToDb(t.issued_at), ToDb(t.expires_at)};
}

absl::Status InsertAccess(SqlConnection& db, const AccessTokenRecord& t) {
  std::vector<SqlValue> values = TokenValues(t);
  values.emplace_back(int64_t{t.revoked ? 1 : 0});
  return db
      .Execute(absl::StrCat("INSERT INTO access_tokens (", kTokenColumns,
                            ", revoked) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
               values)
      .status();
}

absl::Status InsertRefresh(SqlConnection& db, const RefreshTokenRecord& t) {
  std::vector<SqlValue> values = TokenValues(t);
  values.emplace_back(int64_t{t.rotated ? 1 : 0});
  values.emplace_back(int64_t{t.revoked ? 1 : 0});
  return db
      .Execute(absl::StrCat("INSERT INTO refresh_tokens (", kTokenColumns,
                            ", rotated, revoked) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
                            " $11, $12)"),
               values)
      .status();
}

constexpr char kChainColumns[] =
    "c.chain_hash, c.generation, c.token_hash, c.family_id, c.client_id, c.subject, c.username,"
    " c.scopes, c.audience, c.jti, c.issued_at, c.expires_at, c.access_hash";

RefreshTokenRecord ChainFromRow(const Row& r) {
  RefreshTokenRecord t;
  t.chain_hash = Unhex(r[0]);
  t.generation = IntFromDb(r[1]);
  t.token_hash = Unhex(r[2]);
  t.family_id = r[3];
  t.client_id = r[4];
  t.subject = r[5];
  t.username = r[6];
  t.scopes = SplitScopes(r[7]);
  t.audience = r[8];
  t.jti = r[9];
  t.issued_at = TimeFromDb(r[10]);
  t.expires_at = TimeFromDb(r[11]);
  t.access_hash = Unhex(r[12]);
  return t;
}

absl::Status InsertChain(SqlConnection& db, const RefreshTokenRecord& t) {
  return db
      .Execute(
          "INSERT INTO refresh_chains (chain_hash, generation, token_hash, family_id,"
          " client_id, subject, username, scopes, audience, jti, issued_at, expires_at,"
          " access_hash, sweep_after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
          " $12, $13, $12)",
          {Hex(t.chain_hash), t.generation, Hex(t.token_hash), t.family_id, t.client_id, t.subject,
           t.username, JoinScopes(t.scopes), t.audience, t.jti, ToDb(t.issued_at),
           ToDb(t.expires_at), Hex(t.access_hash)})
      .status();
}

// Stores a refresh token: a chain's first row, or a chainless token.
absl::Status InsertRefreshToken(SqlConnection& db, const RefreshTokenRecord& t) {
  return t.chain_hash.empty() ? InsertRefresh(db, t) : InsertChain(db, t);
}

// Marks the family revoked, creating a tombstone kept until `keep_until`.
absl::Status RevokeFamilyIn(SqlConnection& db, const std::string& family_id,
                            absl::Time keep_until) {
  return db
      .Execute(
          "INSERT INTO token_families (family_id, client_id, subject, username, created_at,"
          " revoked, keep_until) VALUES ($1, '', '', '', 0, 1, $2)"
          " ON CONFLICT (family_id) DO UPDATE SET revoked = 1",
          {family_id, ToDb(keep_until)})
      .status();
}

// Keeps the family (an existing one, or a new unrevoked one) at least until
// `until`; when it has to move, to `until` + `slack`. The row is written only
// when it moves: with a slack, rotating a refresh token every minute
// rewrites it once a day instead of every time.
absl::Status ExtendFamilyIn(SqlConnection& db, const std::string& family_id, absl::Time until,
                            absl::Duration slack = absl::ZeroDuration()) {
  return db
      .Execute(
          "INSERT INTO token_families (family_id, client_id, subject, username, created_at,"
          " revoked, keep_until) VALUES ($1, '', '', '', 0, 0, $3)"
          " ON CONFLICT (family_id) DO UPDATE SET keep_until = excluded.keep_until"
          " WHERE token_families.keep_until < $2",
          {family_id, ToDb(until), ToDb(until + slack)})
      .status();
}

}  // namespace

// ------------------------------------------------------------------ pool

class SqlStore::Pool {
 public:
  Pool(Connector connector, int size) : connector_(std::move(connector)), max_(size) {}

  absl::StatusOr<std::unique_ptr<SqlConnection>> Acquire() {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Pool* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) {
            return !p->idle_.empty() || p->open_ < p->max_;
          },
          this));
      if (!idle_.empty()) {
        std::unique_ptr<SqlConnection> connection = std::move(idle_.back());
        idle_.pop_back();
        return connection;
      }
      ++open_;
    }
    auto connection = connector_();
    if (!connection.ok()) {
      absl::MutexLock lock(&mu_);
      --open_;
    }
    return connection;
  }

  void Release(std::unique_ptr<SqlConnection> connection) {
    absl::MutexLock lock(&mu_);
    if (connection->Healthy()) {
      idle_.push_back(std::move(connection));
    } else {
      --open_;
    }
  }

  // Closes every idle connection (after one was found dead: the database
  // probably restarted and the others are dead too).
  void DropIdle() {
    std::vector<std::unique_ptr<SqlConnection>> dropped;
    absl::MutexLock lock(&mu_);
    open_ -= static_cast<int>(idle_.size());
    dropped.swap(idle_);
  }

 private:
  const Connector connector_;
  const int max_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<SqlConnection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
};

// A pooled connection, returned to the pool on destruction.
class SqlStore::Lease {
 public:
  static absl::StatusOr<Lease> Take(Pool* pool) {
    auto connection = pool->Acquire();
    if (!connection.ok()) return connection.status();
    return Lease(pool, std::move(*connection));
  }
  Lease(Lease&& other) = default;
  ~Lease() {
    if (connection_) pool_->Release(std::move(connection_));
  }
  SqlConnection& operator*() { return *connection_; }

 private:
  Lease(Pool* pool, std::unique_ptr<SqlConnection> connection)
      : pool_(pool), connection_(std::move(connection)) {}
  Pool* pool_;
  std::unique_ptr<SqlConnection> connection_;
};

// ------------------------------------------------------------- plumbing

SqlStore::SqlStore(SqlDialect dialect, Connector connector, int pool_size)
    : dialect_(std::move(dialect)),
      pool_(std::make_unique<Pool>(std::move(connector), std::max(1, pool_size))) {}

SqlStore::~SqlStore() = default;

int SqlStore::LatestSchemaVersion() { return Migrations().back().version; }

absl::StatusOr<std::unique_ptr<SqlStore>> SqlStore::Open(SqlDialect dialect, Connector connector,
                                                         int pool_size) {
  std::unique_ptr<SqlStore> store(
      new SqlStore(std::move(dialect), std::move(connector), pool_size));
  absl::Status migrated = store->Migrate();
  if (!migrated.ok()) return migrated;
  return store;
}

absl::Status SqlStore::Migrate() {
  int applied_now = 0;
  int found = 0;
  absl::Status status = Transaction([&](SqlConnection& db) -> absl::Status {
    if (!dialect_.migration_lock.empty()) {
      auto locked = db.Execute(dialect_.migration_lock, {});
      if (!locked.ok()) return locked.status();
    }
    auto created = db.Execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY,"
        " applied_at BIGINT NOT NULL)",
        {});
    if (!created.ok()) return created.status();
    auto current = db.Execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {});
    if (!current.ok()) return current.status();
    found = static_cast<int>(current->rows.empty() ? 0 : IntFromDb(current->rows[0][0]));
    if (found > LatestSchemaVersion()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the token store has schema version ", found, " but this binary knows only up to ",
          LatestSchemaVersion(), " (written by a newer version?)"));
    }
    for (const Migration& migration : Migrations()) {
      if (migration.version <= found) continue;
      for (const std::string& statement : migration.statements) {
        auto done =
            db.Execute(absl::StrReplaceAll(statement, {{"{T}", dialect_.table_suffix}}), {});
        if (!done.ok()) {
          return absl::Status(done.status().code(), absl::StrCat("migration ", migration.version,
                                                                 ": ", done.status().message()));
        }
      }
      auto recorded =
          db.Execute("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                     {int64_t{migration.version}, ToDb(absl::Now())});
      if (!recorded.ok()) return recorded.status();
      ++applied_now;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat(dialect_.name, " token store: ", status.message()));
  }
  return absl::OkStatus();
}

absl::Status SqlStore::Transaction(const std::function<absl::Status(SqlConnection&)>& body) {
  absl::Status result;
  {
    absl::MutexLockMaybe lock(dialect_.serialize_writes ? &write_mu_ : nullptr);
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto lease = Lease::Take(pool_.get());
      if (!lease.ok()) {
        result = lease.status();
        break;
      }
      SqlConnection& db = **lease;
      auto begun = db.Execute(dialect_.begin_write, {});
      if (!begun.ok()) {
        result = begun.status();
        if (!db.Healthy()) {
          pool_->DropIdle();
          continue;  // A dead pooled connection: nothing ran, try a fresh one.
        }
        break;
      }
      result = body(db);
      if (result.ok()) {
        auto committed = db.Execute("COMMIT", {});
        if (committed.ok()) break;
        result = committed.status();
      }
      if (db.Healthy()) (void)db.Execute("ROLLBACK", {});
      break;
    }
  }
  return ForCaller(result);
}

absl::StatusOr<SqlResult> SqlStore::Read(const std::string& sql,
                                         const std::vector<SqlValue>& params) {
  absl::Status result;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto lease = Lease::Take(pool_.get());
    if (!lease.ok()) {
      result = lease.status();
      break;
    }
    auto rows = (**lease).Execute(sql, params);
    if (rows.ok()) return rows;
    result = rows.status();
    if ((**lease).Healthy()) break;
    pool_->DropIdle();
  }
  return ForCaller(result);
}

// ------------------------------------------------- pending authorizations

absl::Status SqlStore::PutPendingAuthorization(const PendingAuthorization& p, int64_t max_pending) {
  absl::Status status = Transaction([&](SqlConnection& db) -> absl::Status {
    if (max_pending > 0) {
      // The count stops at the cap (LIMIT), so the check costs at most
      // max_pending index entries.
      auto live = db.Execute(
          "SELECT COUNT(*) FROM (SELECT 1 FROM pending_authorizations WHERE expires_at > $1"
          " LIMIT $2) AS live",
          {ToDb(p.created_at), max_pending});
      if (!live.ok()) return live.status();
      if (!live->rows.empty() && IntFromDb(live->rows[0][0]) >= max_pending) {
        return absl::ResourceExhaustedError("too many pending authorizations");
      }
    }
    return db
        .Execute(
            absl::StrCat("INSERT INTO pending_authorizations (", kPendingColumns,
                         ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
            {Hex(p.id_hash), p.client_id, p.redirect_uri,
             int64_t{p.redirect_uri_in_request ? 1 : 0}, JoinScopes(p.scopes), p.state,
             p.code_challenge, p.resource, p.csrf_token, ToDb(p.created_at), ToDb(p.expires_at)})
        .status();
  });
  if (absl::IsAlreadyExists(status)) {
    return absl::AlreadyExistsError("pending authorization id collision");
  }
  return status;
}

absl::StatusOr<std::optional<PendingAuthorization>> SqlStore::GetPendingAuthorization(
    const std::string& id_hash, absl::Time now) {
  auto result = Read(absl::StrCat("SELECT ", kPendingColumns,
                                  " FROM pending_authorizations WHERE id_hash = $1 AND"
                                  " expires_at > $2"),
                     {Hex(id_hash), ToDb(now)});
  if (!result.ok()) return result.status();
  if (result->rows.empty()) return std::nullopt;
  return PendingFromRow(result->rows[0]);
}

absl::Status SqlStore::DeletePendingAuthorization(const std::string& id_hash) {
  return Transaction([&](SqlConnection& db) {
    return db.Execute("DELETE FROM pending_authorizations WHERE id_hash = $1", {Hex(id_hash)})
        .status();
  });
}

absl::Status SqlStore::CompleteAuthorization(const std::string& id_hash, absl::Time now,
                                             const AuthorizationCode& c) {
  absl::Status status = Transaction([&](SqlConnection& db) -> absl::Status {
    auto deleted =
        db.Execute("DELETE FROM pending_authorizations WHERE id_hash = $1 AND expires_at > $2",
                   {Hex(id_hash), ToDb(now)});
    if (!deleted.ok()) return deleted.status();
    if (deleted->affected == 0) {
      return absl::NotFoundError("pending authorization not found or expired");
    }
    return db
        .Execute(absl::StrCat("INSERT INTO authorization_codes (", kCodeColumns,
                              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"),
                 {Hex(c.code_hash), c.client_id, c.redirect_uri,
                  int64_t{c.redirect_uri_in_request ? 1 : 0}, JoinScopes(c.scopes),
                  c.code_challenge, c.resource, c.subject, c.username, c.family_id,
                  ToDb(c.issued_at), ToDb(c.expires_at), int64_t{c.used ? 1 : 0}})
        .status();
  });
  if (absl::IsAlreadyExists(status)) return absl::AlreadyExistsError("code collision");
  return status;
}

// ---------------------------------------------------- authorization codes

absl::StatusOr<ConsumeCodeResult> SqlStore::ConsumeCode(const std::string& code_hash,
                                                        absl::Time now,
                                                        const CodeBindingCheck& check) {
  ConsumeCodeResult result;
  absl::Status status = Transaction([&](SqlConnection& db) -> absl::Status {
    result = ConsumeCodeResult();
    // The row lock holds from the check to the update: a concurrent
    // redemption waits and then sees used = 1.
    auto found = db.Execute(
        absl::StrCat("SELECT ", kCodeColumns, " FROM authorization_codes WHERE code_hash = $1",
                     dialect_.for_update),
        {Hex(code_hash)});
    if (!found.ok()) return found.status();
    if (found->rows.empty()) return absl::OkStatus();
    AuthorizationCode code = CodeFromRow(found->rows[0]);
    // An unused expired code is dead; a used one is kept to detect replays.
    if (!code.used && code.expires_at <= now) return absl::OkStatus();
    if (absl::Status bound = check(code); !bound.ok()) {
      result.outcome = ConsumeCodeOutcome::kRejected;
      result.rejection = std::move(bound);
      return absl::OkStatus();  // Nothing written: the commit is a no-op.
    }
    if (code.used) {
      // A replay by the rightful client, even after expiry: revoke.
      absl::Status revoked = RevokeFamilyIn(db, code.family_id, code.expires_at);
      if (!revoked.ok()) return revoked;
      result.outcome = ConsumeCodeOutcome::kAlreadyUsed;
      result.code = std::move(code);
      return absl::OkStatus();
    }
    auto used = db.Execute("UPDATE authorization_codes SET used = 1 WHERE code_hash = $1",
                           {Hex(code_hash)});
    if (!used.ok()) return used.status();
    code.used = true;
    result.outcome = ConsumeCodeOutcome::kConsumed;
    result.code = std::move(code);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

// ----------------------------------------------------------------- tokens

absl::Status SqlStore::IssueTokens(const TokenFamily& family, const AccessTokenRecord& access,
                                   const std::optional<RefreshTokenRecord>& refresh) {
  absl::Status status = Transaction([&](SqlConnection& db) -> absl::Status {
    auto created = db.Execute(
        "INSERT INTO token_families (family_id, client_id, subject, username, created_at,"
        " revoked, keep_until) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (family_id) DO NOTHING",
        {family.family_id, family.client_id, family.subject, family.username,
         ToDb(family.created_at), int64_t{family.revoked ? 1 : 0}, ToDb(absl::InfinitePast())});
    if (!created.ok()) return created.status();
    auto current =
        db.Execute(absl::StrCat("SELECT revoked FROM token_families WHERE family_id = $1",
                                dialect_.for_update),
                   {family.family_id});
    if (!current.ok()) return current.status();
    if (!current->rows.empty() && IntFromDb(current->rows[0][0]) != 0) {
      return absl::FailedPreconditionError("token family revoked");
    }
    absl::Time keep_until = access.expires_at;
    if (absl::Status s = InsertAccess(db, access); !s.ok()) return s;
    if (refresh) {
      keep_until = std::max(keep_until, refresh->expires_at);
      RefreshTokenRecord stored = *refresh;
      if (!stored.chain_hash.empty()) stored.access_hash = access.token_hash;
      if (absl::Status s = InsertRefreshToken(db, stored); !s.ok()) return s;
    }
    return ExtendFamilyIn(db, family.family_id, keep_until);
  });
  if (absl::IsAlreadyExists(status)) return absl::AlreadyExistsError("token collision");
  return status;
}

absl::StatusOr<std::optional<AccessTokenRecord>> SqlStore::GetAccessToken(
    const std::string& token_hash) {
  auto result = Read(
      "SELECT a.token_hash, a.family_id, a.client_id, a.subject, a.username, a.scopes,"
      " a.audience, a.jti, a.issued_at, a.expires_at, a.revoked, COALESCE(f.revoked, 0),"
      " COALESCE(f.created_at, $2)"
      " FROM access_tokens a LEFT JOIN token_families f ON f.family_id = a.family_id"
      " WHERE a.token_hash = $1",
      {Hex(token_hash), ToDb(absl::InfinitePast())});
  if (!result.ok()) return result.status();
  if (result->rows.empty()) return std::nullopt;
  const Row& row = result->rows[0];
  AccessTokenRecord record = TokenFromRow<AccessTokenRecord>(row);
  record.revoked = IntFromDb(row[10]) != 0 || IntFromDb(row[11]) != 0;
  record.grant_created_at = TimeFromDb(row[12]);
  return record;
}

absl::StatusOr<std::optional<RefreshTokenRecord>> SqlStore::GetRefreshToken(
    const RefreshTokenKey& key) {
  if (!key.chain_hash.empty()) {
    auto result = Read(absl::StrCat("SELECT ", kChainColumns,
                                    ", COALESCE(f.revoked, 0), COALESCE(f.created_at, $2)"
                                    " FROM refresh_chains c LEFT JOIN token_families f"
                                    " ON f.family_id = c.family_id WHERE c.chain_hash = $1"),
                       {Hex(key.chain_hash), ToDb(absl::InfinitePast())});
    if (!result.ok()) return result.status();
    if (result->rows.empty()) return std::nullopt;
    const Row& row = result->rows[0];
    RefreshTokenRecord record = ChainFromRow(row);
    switch (ClassifyPresented(key, record.generation, record.token_hash)) {
      case PresentedGeneration::kUnknown:
        return std::nullopt;
      case PresentedGeneration::kRotated:
        record.rotated = true;
        break;
      case PresentedGeneration::kLive:
        break;
    }
    record.revoked = IntFromDb(row[13]) != 0;
    record.grant_created_at = TimeFromDb(row[14]);
    return record;
  }
  auto result = Read(
      "SELECT r.token_hash, r.family_id, r.client_id, r.subject, r.username, r.scopes,"
      " r.audience, r.jti, r.issued_at, r.expires_at, r.rotated, r.revoked,"
      " COALESCE(f.revoked, 0), COALESCE(f.created_at, $2)"
      " FROM refresh_tokens r LEFT JOIN token_families f ON f.family_id = r.family_id"
      " WHERE r.token_hash = $1",
      {Hex(key.token_hash), ToDb(absl::InfinitePast())});
  if (!result.ok()) return result.status();
  if (result->rows.empty()) return std::nullopt;
  const Row& row = result->rows[0];
  RefreshTokenRecord record = TokenFromRow<RefreshTokenRecord>(row);
  record.rotated = IntFromDb(row[10]) != 0;
  record.revoked = IntFromDb(row[11]) != 0 || IntFromDb(row[12]) != 0;
  record.grant_created_at = TimeFromDb(row[13]);
  return record;
}

absl::StatusOr<RedeemRefreshResult> SqlStore::RedeemRefreshToken(const RefreshTokenKey& old_key,
                                                                 absl::Time now,
                                                                 const RefreshDecision& decide) {
  const bool chained = !old_key.chain_hash.empty();
  // The family's revocation, start and keep_until come with the token.
  constexpr char kFamilyColumns[] =
      ", COALESCE(f.revoked, 0), COALESCE(f.created_at, $2), COALESCE(f.keep_until, $2)";
  RedeemRefreshResult result;
  absl::Status status = Transaction([&](SqlConnection& db) -> absl::Status {
    result = RedeemRefreshResult();
    // The row lock (of the token's row only) makes concurrent redemptions
    // of one token take turns: the second one sees the chain moved on (or
    // rotated = 1).
    RefreshTokenRecord old;
    absl::Time keep_until;
    if (chained) {
      auto found =
          db.Execute(absl::StrCat("SELECT ", kChainColumns, kFamilyColumns,
                                  " FROM refresh_chains c LEFT JOIN token_families f"
                                  " ON f.family_id = c.family_id WHERE c.chain_hash = $1",
                                  dialect_.for_update.empty() ? "" : dialect_.for_update + " OF c"),
                     {Hex(old_key.chain_hash), ToDb(absl::InfinitePast())});
      if (!found.ok()) return found.status();
      if (found->rows.empty()) return absl::OkStatus();
      const Row& row = found->rows[0];
      old = ChainFromRow(row);
      switch (ClassifyPresented(old_key, old.generation, old.token_hash)) {
        case PresentedGeneration::kUnknown:
          return absl::OkStatus();
        case PresentedGeneration::kRotated:
          old.rotated = true;
          break;
        case PresentedGeneration::kLive:
          break;
      }
      old.revoked = IntFromDb(row[13]) != 0;
      old.grant_created_at = TimeFromDb(row[14]);
      keep_until = TimeFromDb(row[15]);
    } else {
      auto found = db.Execute(
          absl::StrCat("SELECT r.token_hash, r.family_id, r.client_id, r.subject, r.username,"
                       " r.scopes, r.audience, r.jti, r.issued_at, r.expires_at, r.rotated,"
                       " r.revoked",
                       kFamilyColumns,
                       " FROM refresh_tokens r LEFT JOIN token_families f"
                       " ON f.family_id = r.family_id WHERE r.token_hash = $1",
                       dialect_.for_update.empty() ? "" : dialect_.for_update + " OF r"),
          {Hex(old_key.token_hash), ToDb(absl::InfinitePast())});
      if (!found.ok()) return found.status();
      if (found->rows.empty()) return absl::OkStatus();
      const Row& row = found->rows[0];
      old = TokenFromRow<RefreshTokenRecord>(row);
      old.rotated = IntFromDb(row[10]) != 0;
      old.revoked = IntFromDb(row[11]) != 0 || IntFromDb(row[12]) != 0;
      old.grant_created_at = TimeFromDb(row[13]);
      keep_until = TimeFromDb(row[14]);
    }
    RefreshVerdict verdict = decide(old);
    if (!verdict.status.ok()) {
      if (verdict.revoke_family) {
        if (absl::Status s = RevokeFamilyIn(db, old.family_id, old.expires_at); !s.ok()) {
          return s;
        }
      }
      result.outcome = RotateOutcome::kRejected;
      result.rejection = std::move(verdict.status);
      return absl::OkStatus();
    }
    if (old.revoked) return absl::OkStatus();
    if (old.rotated) {
      absl::Status s = RevokeFamilyIn(db, old.family_id, old.expires_at);
      if (s.ok()) result.outcome = RotateOutcome::kReused;
      return s;
    }
    if (old.expires_at <= now) return absl::OkStatus();
    const AccessTokenRecord& new_access = verdict.access;
    RefreshTokenRecord& new_refresh = verdict.refresh;
    // The successor must continue the chain (or start one).
    if (new_refresh.chain_hash.empty() ||
        (chained && (new_refresh.chain_hash != old_key.chain_hash ||
                     new_refresh.generation != old.generation + 1))) {
      return absl::OkStatus();
    }
    if (absl::Status s = InsertAccess(db, new_access); !s.ok()) return s;
    if (!old.access_hash.empty()) {
      // The access token issued with the rotated token is superseded.
      auto deleted =
          db.Execute("DELETE FROM access_tokens WHERE token_hash = $1", {Hex(old.access_hash)});
      if (!deleted.ok()) return deleted.status();
    }
    new_refresh.access_hash = new_access.token_hash;
    if (chained) {
      // The chain's row now describes its next generation: nothing of the
      // rotated token stays but the lower generation number.
      auto moved = db.Execute(
          "UPDATE refresh_chains SET generation = $2, token_hash = $3, jti = $4, issued_at = $5,"
          " expires_at = $6, scopes = $7, access_hash = $8 WHERE chain_hash = $1",
          {Hex(old_key.chain_hash), new_refresh.generation, Hex(new_refresh.token_hash),
           new_refresh.jti, ToDb(new_refresh.issued_at), ToDb(new_refresh.expires_at),
           JoinScopes(new_refresh.scopes), Hex(new_refresh.access_hash)});
      if (!moved.ok()) return moved.status();
    } else {
      auto marked = db.Execute("UPDATE refresh_tokens SET rotated = 1 WHERE token_hash = $1",
                               {Hex(old_key.token_hash)});
      if (!marked.ok()) return marked.status();
      if (absl::Status s = InsertChain(db, new_refresh); !s.ok()) return s;
    }
    // keep_until only grows, so one read under no lock is enough to skip
    // the write that would not move it.
    const absl::Time until = std::max(new_access.expires_at, new_refresh.expires_at);
    if (keep_until < until) {
      if (absl::Status s = ExtendFamilyIn(db, old.family_id, until, kRotationKeepSlack); !s.ok()) {
        return s;
      }
    }
    result.outcome = RotateOutcome::kRotated;
    return absl::OkStatus();
  });
  // A 256-bit collision (AlreadyExists): nothing was rotated (kNotFound).
  if (absl::IsAlreadyExists(status)) return RedeemRefreshResult();
  if (!status.ok()) return status;
  return result;
}

absl::Status SqlStore::RevokeFamily(const std::string& family_id) {
  return Transaction(
      [&](SqlConnection& db) { return RevokeFamilyIn(db, family_id, absl::InfiniteFuture()); });
}

absl::Status SqlStore::RevokeAccessToken(const std::string& token_hash) {
  return Transaction([&](SqlConnection& db) {
    return db
        .Execute("UPDATE access_tokens SET revoked = 1 WHERE token_hash = $1", {Hex(token_hash)})
        .status();
  });
}

// --------------------------------------------------------------- throttles

absl::StatusOr<std::vector<ThrottleState>> SqlStore::ReadLoginFailures(
    const std::vector<std::string>& keys, absl::Time now) {
  std::vector<ThrottleState> states(keys.size());
  if (keys.empty()) return states;
  // One statement for all keys (a client authentication checks two): one
  // primary key lookup per key. (`throttle_key IN ($2, $3)` would make SQLite
  // build and drop a temporary index of the list at every execution.)
  std::vector<SqlValue> params = {ToDb(now)};
  std::string sql;
  for (size_t i = 0; i < keys.size(); ++i) {
    absl::StrAppend(&sql, i == 0 ? "" : " UNION ALL ",
                    "SELECT throttle_key, failures, window_end FROM login_throttles"
                    " WHERE throttle_key = $",
                    i + 2, " AND window_end > $1");
    params.emplace_back(keys[i]);
  }
  auto result = Read(sql, params);
  if (!result.ok()) return result.status();
  for (const Row& row : result->rows) {
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] != row[0]) continue;
      states[i].failures = static_cast<int>(IntFromDb(row[1]));
      states[i].window_end = TimeFromDb(row[2]);
    }
  }
  return states;
}

absl::StatusOr<ThrottleState> SqlStore::RecordLoginFailure(const std::string& key, absl::Time now,
                                                           absl::Duration window) {
  ThrottleState state;
  absl::Status status = Transaction([&](SqlConnection& db) -> absl::Status {
    auto result = db.Execute(
        "INSERT INTO login_throttles (throttle_key, failures, window_end) VALUES ($1, 1, $3)"
        " ON CONFLICT (throttle_key) DO UPDATE SET"
        " failures = CASE WHEN login_throttles.window_end <= $2 THEN 1"
        " ELSE login_throttles.failures + 1 END,"
        " window_end = CASE WHEN login_throttles.window_end <= $2 THEN excluded.window_end"
        " ELSE login_throttles.window_end END"
        " RETURNING failures, window_end",
        {key, ToDb(now), ToDb(now + window)});
    if (!result.ok()) return result.status();
    if (!result->rows.empty()) {
      state.failures = static_cast<int>(IntFromDb(result->rows[0][0]));
      state.window_end = TimeFromDb(result->rows[0][1]);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return state;
}

absl::Status SqlStore::ResetLoginFailures(const std::string& key) {
  return Transaction([&](SqlConnection& db) {
    return db.Execute("DELETE FROM login_throttles WHERE throttle_key = $1", {key}).status();
  });
}

// ----------------------------------------------------------------- sweeping

absl::StatusOr<int64_t> SqlStore::Sweep(absl::Time now) {
  int64_t removed = 0;
  absl::Status status = Transaction([&](SqlConnection& db) -> absl::Status {
    removed = 0;
    static const char* const kDeletes[] = {
        "DELETE FROM pending_authorizations WHERE expires_at <= $1",
        "DELETE FROM authorization_codes WHERE expires_at <= $1",
        "DELETE FROM access_tokens WHERE expires_at <= $1",
        "DELETE FROM refresh_tokens WHERE expires_at <= $1",
        // A rotated chain may have moved its expiry past its sweep_after.
        "DELETE FROM refresh_chains WHERE sweep_after <= $1 AND expires_at <= $1",
        "DELETE FROM token_families WHERE keep_until <= $1",
        "DELETE FROM login_throttles WHERE window_end <= $1",
    };
    for (const char* sql : kDeletes) {
      auto deleted = db.Execute(sql, {ToDb(now)});
      if (!deleted.ok()) return deleted.status();
      removed += deleted->affected;
    }
    // The chains left behind the sweep's point live on: their next look is
    // at their current expiry.
    return db
        .Execute("UPDATE refresh_chains SET sweep_after = expires_at WHERE sweep_after <= $1",
                 {ToDb(now)})
        .status();
  });
  if (!status.ok()) return status;
  return removed;
}

}  // namespace mcp_oauth::auth
