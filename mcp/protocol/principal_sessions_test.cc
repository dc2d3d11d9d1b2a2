#include "mcp/protocol/principal_sessions.h"

#include <string>

#include "gtest/gtest.h"

namespace mcp_oauth::mcp {

// A stand-in for the endpoint's Session (only its address matters here).
struct Session {
  bool live = true;
};

namespace {

bool IsLive(const Session& s) { return s.live; }

TEST(PrincipalSessionsTest, CountsLiveSessionsPerPrincipal) {
  PrincipalSessions sessions;
  auto a1 = std::make_shared<Session>();
  auto a2 = std::make_shared<Session>();
  auto b1 = std::make_shared<Session>();
  sessions.Add("alice", a1);
  sessions.Add("alice", a2);
  sessions.Add("bob", b1);
  EXPECT_EQ(sessions.CountLive("alice", IsLive), 2u);
  EXPECT_EQ(sessions.CountLive("bob", IsLive), 1u);
  EXPECT_EQ(sessions.CountLive("carol", IsLive), 0u);

  a1->live = false;  // ended or idle
  EXPECT_EQ(sessions.CountLive("alice", IsLive), 1u);
  a1->live = true;  // forgotten once counted as not live
  EXPECT_EQ(sessions.CountLive("alice", IsLive), 1u);

  a2.reset();  // gone from the endpoint's table
  EXPECT_EQ(sessions.CountLive("alice", IsLive), 0u);
  EXPECT_EQ(sessions.principal_count(), 1u);  // only bob left
}

TEST(PrincipalSessionsTest, PrincipalsWithoutSessionsAreSwept) {
  PrincipalSessions sessions;
  auto keep = std::make_shared<Session>();
  sessions.Add("keeper", keep);
  for (int i = 0; i < 10000; ++i) {
    auto transient = std::make_shared<Session>();
    sessions.Add("user-" + std::to_string(i), transient);
  }  // every transient session is gone
  EXPECT_LT(sessions.principal_count(), 200u);
  EXPECT_EQ(sessions.CountLive("keeper", IsLive), 1u);
}

}  // namespace
}  // namespace mcp_oauth::mcp
