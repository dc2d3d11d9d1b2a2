// PostgresServer: the PostgreSQL server of a test binary: the one at
// MCP_TEST_POSTGRES_URL, else a throwaway cluster that tools/pgtemp starts
// on first use and that is stopped after the binary's last test. Each test
// takes a new, empty database on it. A test that needs it and finds none
// skips, unless MCP_REQUIRE_POSTGRES=1 (CI), where it fails:
//
//   PostgresServer& server = PostgresServer::Get();
//   if (!server.available()) {
//     if (PostgresServer::Required()) FAIL() << server.error();
//     GTEST_SKIP() << server.error();
//   }
//   std::string url = server.NewDatabase("tasks");
//
// As root, tools/pgtemp runs postgres as the `postgres` user: give such
// tests tags = ["no-sandbox"]. Thread compatible: call it from the test
// thread.
#ifndef MCP_OAUTH_COMMON_TESTING_POSTGRES_SERVER_H_
#define MCP_OAUTH_COMMON_TESTING_POSTGRES_SERVER_H_

#include <string>

namespace mcp_oauth::testutil {

class PostgresServer {
 public:
  // Returns the binary's server, started on the first call.
  static PostgresServer& Get();
  // True when MCP_REQUIRE_POSTGRES=1: a missing server is a failure.
  static bool Required();

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  bool available() const { return !url_.empty(); }
  // Why there is no server ("" when there is one).
  const std::string& error() const { return error_; }

  // Returns the URL of a new, empty database named <prefix>_<pid>_<n>, or
  // "" after adding a test failure that says why not.
  std::string NewDatabase(const std::string& prefix);

  // Stops the cluster this binary started, if any (done after the last test).
  void Stop();

 private:
  PostgresServer();

  std::string url_;
  std::string dir_;  // the tools/pgtemp cluster; "" for an outside server
  std::string error_;
  int next_ = 0;
};

}  // namespace mcp_oauth::testutil

#endif  // MCP_OAUTH_COMMON_TESTING_POSTGRES_SERVER_H_
