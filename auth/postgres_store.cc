#include "auth/postgres_store.h"

#include <postgresql/libpq-fe.h>  // Debian: /usr/include/postgresql

#include <cstdlib>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "auth/postgres_conninfo.h"
#include "auth/sql_store.h"

namespace mcp_oauth::auth {
namespace {

// Seconds to wait for a connection; the URL's own connect_timeout wins.
constexpr char kConnectTimeout[] = "3";

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

std::string Trimmed(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

class PostgresConnection final : public SqlConnection {
 public:
  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}
  ~PostgresConnection() override { PQfinish(conn_); }

  absl::StatusOr<SqlResult> Execute(const std::string& sql,
                                    const std::vector<SqlValue>& params) override {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
      std::string name = absl::StrCat("s", prepared_.size());
      Result prepared(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
      if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) return Error(prepared.get());
      it = prepared_.emplace(sql, std::move(name)).first;
    }
    std::vector<std::string> text(params.size());
    std::vector<const char*> values(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      if (const int64_t* n = std::get_if<int64_t>(&params[i])) {
        text[i] = absl::StrCat(*n);
      } else {
        text[i] = std::get<std::string>(params[i]);
      }
      values[i] = text[i].c_str();
    }
    Result result(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()),
                                 values.data(), nullptr, nullptr, 0));
    ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return Error(result.get());
    SqlResult out;
    int rows = PQntuples(result.get());
    int columns = PQnfields(result.get());
    out.rows.reserve(rows);
    for (int r = 0; r < rows; ++r) {
      std::vector<std::string>& row = out.rows.emplace_back();
      row.reserve(columns);
      for (int c = 0; c < columns; ++c) {
        row.emplace_back(PQgetvalue(result.get(), r, c),
                         static_cast<size_t>(PQgetlength(result.get(), r, c)));
      }
    }
    const char* affected = PQcmdTuples(result.get());
    out.affected = (affected != nullptr && *affected != '\0') ? std::atoll(affected) : 0;
    return out;
  }

  bool Healthy() const override { return !broken_ && PQstatus(conn_) == CONNECTION_OK; }

 private:
  absl::Status Error(const PGresult* result) {
    const char* sqlstate =
        result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string state = sqlstate != nullptr ? sqlstate : "";
    std::string message = absl::StrCat(
        "PostgreSQL: ", Trimmed(result != nullptr && *PQresultErrorMessage(result) != '\0'
                                    ? PQresultErrorMessage(result)
                                    : PQerrorMessage(conn_)));
    if (state == "23505") return absl::AlreadyExistsError(message);
    // Connection loss, server shutdown, "cannot connect now": the connection
    // is unusable and the database may come back.
    if (PQstatus(conn_) != CONNECTION_OK || state.empty() || absl::StartsWith(state, "08") ||
        absl::StartsWith(state, "57P")) {
      broken_ = true;
      return absl::UnavailableError(message);
    }
    // Serialization failures, deadlocks, too many connections: retry later.
    if (absl::StartsWith(state, "40") || state == "53300") {
      return absl::UnavailableError(message);
    }
    return absl::InternalError(message);
  }

  PGconn* const conn_;
  absl::flat_hash_map<std::string, std::string> prepared_;  // SQL -> statement name.
  bool broken_ = false;
};

absl::StatusOr<std::unique_ptr<SqlConnection>> Connect(const std::string& url) {
  // connect_timeout first: values from the URL override it.
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {kConnectTimeout, "mcp-oauth", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return absl::UnavailableError("PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = RedactLibpqMessage(Trimmed(PQerrorMessage(conn)), url);
    PQfinish(conn);
    return absl::UnavailableError(
        absl::StrCat("cannot connect to PostgreSQL (", RedactConninfo(url), "): ", message));
  }
  // Quiet NOTICEs (e.g. "relation already exists, skipping") on stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<SqlConnection>(std::make_unique<PostgresConnection>(conn));
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqlConnection>> ConnectPostgres(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string message = RedactLibpqMessage(Trimmed(error), url);
    PQfreemem(error);
    return absl::InvalidArgumentError(absl::StrCat("invalid PostgreSQL URL: ", message));
  }
  PQconninfoFree(options);
  return Connect(url);
}

absl::StatusOr<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, int pool_size) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    // libpq's message quotes the part it failed on, perhaps the password.
    std::string message = RedactLibpqMessage(Trimmed(error), url);
    PQfreemem(error);
    return absl::InvalidArgumentError(absl::StrCat("invalid PostgreSQL URL: ", message));
  }
  PQconninfoFree(options);

  SqlDialect dialect;
  dialect.name = "PostgreSQL";
  dialect.begin_write = "BEGIN";
  dialect.for_update = " FOR UPDATE";
  // Instances starting together migrate one at a time.
  dialect.migration_lock = "SELECT pg_advisory_xact_lock(7305201)";
  auto store = SqlStore::Open(
      std::move(dialect), [url]() { return Connect(url); }, pool_size);
  if (!store.ok()) return store.status();
  return std::unique_ptr<Store>(std::move(*store));
}

}  // namespace mcp_oauth::auth
