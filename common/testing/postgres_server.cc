#include "common/testing/postgres_server.h"

#include <postgresql/libpq-fe.h>  // Debian: /usr/include/postgresql
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace mcp_oauth::testutil {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

std::string Runfile(const std::string& path) {
  const std::string base = Env("TEST_SRCDIR");
  const std::string workspace = Env("TEST_WORKSPACE");
  if (base.empty()) return path;
  return absl::StrCat(base, "/", workspace.empty() ? "mcp_oauth" : workspace, "/", path);
}

// The binary's server once Get made it (never destroyed: tests may still
// hold its URL while gtest tears down).
PostgresServer* started = nullptr;

// Stops the cluster after the last test.
class StopPostgres : public ::testing::Environment {
 public:
  void TearDown() override {
    if (started != nullptr) started->Stop();
  }
};
const auto* const kStopPostgres = ::testing::AddGlobalTestEnvironment(new StopPostgres);

}  // namespace

PostgresServer& PostgresServer::Get() {
  static PostgresServer* const server = started = new PostgresServer();
  return *server;
}

bool PostgresServer::Required() { return Env("MCP_REQUIRE_POSTGRES") == "1"; }

PostgresServer::PostgresServer() {
  url_ = Env("MCP_TEST_POSTGRES_URL");
  if (!url_.empty()) return;
  FILE* pipe = popen(absl::StrCat(Runfile("tools/pgtemp"), " start 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    error_ = "no PostgreSQL server: cannot run tools/pgtemp";
    return;
  }
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  if (pclose(pipe) != 0) {
    error_ = "no PostgreSQL server: tools/pgtemp start failed: " + output;
    return;
  }
  // Two lines: the URL, then the cluster's directory.
  const size_t newline = output.find('\n');
  url_ = output.substr(0, newline);
  dir_ = newline == std::string::npos ? "" : output.substr(newline + 1);
  while (!dir_.empty() && dir_.back() == '\n') dir_.pop_back();
}

std::string PostgresServer::NewDatabase(const std::string& prefix) {
  if (!available()) {
    ADD_FAILURE() << error_;
    return "";
  }
  // The pid keeps binaries that share MCP_TEST_POSTGRES_URL apart.
  const std::string name = absl::StrCat(prefix, "_", getpid(), "_", next_++);
  PGconn* conn = PQconnectdb(url_.c_str());
  std::string result;
  if (PQstatus(conn) == CONNECTION_OK) {
    PGresult* r = PQexec(conn, absl::StrCat("CREATE DATABASE ", name).c_str());
    if (PQresultStatus(r) == PGRES_COMMAND_OK) {
      result = url_.substr(0, url_.rfind('/') + 1) + name;
    } else {
      ADD_FAILURE() << "CREATE DATABASE " << name << ": " << PQresultErrorMessage(r);
    }
    PQclear(r);
  } else {
    ADD_FAILURE() << "connect to " << url_ << ": " << PQerrorMessage(conn);
  }
  PQfinish(conn);
  return result;
}

void PostgresServer::Stop() {
  if (dir_.empty()) return;
  const std::string command = absl::StrCat(Runfile("tools/pgtemp"), " stop ", dir_);
  if (std::system(command.c_str()) != 0) std::fprintf(stderr, "tools/pgtemp stop failed\n");
  dir_.clear();
}

}  // namespace mcp_oauth::testutil
