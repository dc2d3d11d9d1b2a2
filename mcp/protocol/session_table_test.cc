#include "mcp/protocol/session_table.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace mcp_oauth::mcp {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1700000000);

SessionLimits Limits(size_t max_sessions = 10, int max_per_principal = 2) {
  return SessionLimits{absl::Minutes(10), absl::Hours(1), max_sessions, max_per_principal};
}

Principal Alice() { return Principal{"alice", "alice", "client", {"user"}}; }

std::shared_ptr<Session> NewSession(const std::string& id, const Principal& principal,
                                    absl::Time now) {
  auto session = std::make_shared<Session>();
  session->id = id;
  session->subject = principal.subject;
  session->client_id = principal.client_id;
  session->created = now;
  session->last_seen = now;
  return session;
}

TEST(SessionTableTest, UseChecksPrincipalAndIdleness) {
  SessionTable table(Limits());
  Cleanup cleanup;
  ASSERT_EQ(table.Add(NewSession("s1", Alice(), kStart), "alice|client", kStart, &cleanup),
            SessionTable::Admission::kAdded);
  bool known = false;
  EXPECT_NE(table.Use("s1", Alice(), kStart + absl::Minutes(5), &cleanup, &known), nullptr);
  EXPECT_TRUE(known);
  Principal bob{"bob", "bob", "client", {}};
  EXPECT_EQ(table.Use("s1", bob, kStart + absl::Minutes(6), &cleanup, &known), nullptr);
  EXPECT_TRUE(known);
  EXPECT_EQ(table.Use("nope", Alice(), kStart, &cleanup, &known), nullptr);
  EXPECT_FALSE(known);
  EXPECT_EQ(table.LiveCount(kStart + absl::Minutes(6)), 1u);
  // Idle for longer than the timeout (last seen at +5 min): ended, and stays a tombstone.
  EXPECT_EQ(table.Use("s1", Alice(), kStart + absl::Minutes(16), &cleanup, &known), nullptr);
  EXPECT_TRUE(known);
  EXPECT_EQ(table.Find("s1"), nullptr);
  EXPECT_EQ(table.LiveCount(kStart + absl::Minutes(16)), 0u);
}

TEST(SessionTableTest, OpenStreamKeepsSessionLive) {
  SessionTable table(Limits());
  Cleanup cleanup;
  auto session = NewSession("s1", Alice(), kStart);
  auto channel = std::make_shared<SseChannel>("c1", 4, false);
  auto stream = channel->Connect(std::nullopt);
  session->channels.push_back(channel);
  table.Add(session, "alice|client", kStart, &cleanup);
  EXPECT_TRUE(table.AnyActiveStream());
  bool known = false;
  EXPECT_NE(table.Use("s1", Alice(), kStart + absl::Minutes(30), &cleanup, &known), nullptr);
  table.EndAll(&cleanup);
  EXPECT_FALSE(table.AnyActiveStream());
  EXPECT_EQ(cleanup.channels.size(), 1u);  // closed by the caller, after its lock
  cleanup.Run();
}

TEST(SessionTableTest, PerPrincipalCapCountsLiveSessionsOnly) {
  SessionTable table(Limits(/*max_sessions=*/10, /*max_per_principal=*/2));
  Cleanup cleanup;
  EXPECT_EQ(table.Add(NewSession("a", Alice(), kStart), "alice|client", kStart, &cleanup),
            SessionTable::Admission::kAdded);
  auto b = NewSession("b", Alice(), kStart);
  EXPECT_EQ(table.Add(b, "alice|client", kStart, &cleanup), SessionTable::Admission::kAdded);
  EXPECT_EQ(table.Add(NewSession("c", Alice(), kStart), "alice|client", kStart, &cleanup),
            SessionTable::Admission::kOverPrincipalCap);
  // Another principal is not affected.
  EXPECT_EQ(table.Add(NewSession("d", Alice(), kStart), "bob|client", kStart, &cleanup),
            SessionTable::Admission::kAdded);
  SessionTable::End(*b, &cleanup);
  EXPECT_EQ(table.Add(NewSession("c", Alice(), kStart), "alice|client", kStart, &cleanup),
            SessionTable::Admission::kAdded);
}

TEST(SessionTableTest, FullTableDropsTombstonesFirst) {
  SessionTable table(Limits(/*max_sessions=*/2, /*max_per_principal=*/0));
  Cleanup cleanup;
  auto a = NewSession("a", Alice(), kStart);
  table.Add(a, "alice|client", kStart, &cleanup);
  table.Add(NewSession("b", Alice(), kStart), "alice|client", kStart, &cleanup);
  EXPECT_EQ(table.Add(NewSession("c", Alice(), kStart), "alice|client", kStart, &cleanup),
            SessionTable::Admission::kFull);
  SessionTable::End(*a, &cleanup);
  EXPECT_EQ(table.Add(NewSession("c", Alice(), kStart), "alice|client", kStart, &cleanup),
            SessionTable::Admission::kAdded);
  bool known = true;
  EXPECT_EQ(table.Use("a", Alice(), kStart, &cleanup, &known), nullptr);
  EXPECT_FALSE(known);  // its tombstone made room
}

TEST(SessionTableTest, AdoptsVerifiedIdOnce) {
  SessionTable table(Limits());
  Cleanup cleanup;
  auto adopted = table.Adopt("x", Alice(), "2025-11-25", kStart, kStart, &cleanup);
  ASSERT_NE(adopted, nullptr);
  EXPECT_EQ(adopted->protocol_version, "2025-11-25");
  EXPECT_EQ(table.Adopt("x", Alice(), "2025-11-25", kStart, kStart, &cleanup), adopted);
  Principal bob{"bob", "bob", "client", {}};
  EXPECT_EQ(table.Adopt("x", bob, "2025-11-25", kStart, kStart, &cleanup), nullptr);
}

// Server messages go to the newest stream that is still open.
TEST(SessionTableTest, NewestOpenStreamSkipsClosedOnes) {
  Session session;
  EXPECT_EQ(SessionTable::NewestOpenStream(session), nullptr);
  auto older = std::make_shared<SseChannel>("older", 8, /*priming=*/false);
  auto newer = std::make_shared<SseChannel>("newer", 8, /*priming=*/false);
  session.channels = {older, newer};
  std::shared_ptr<EventStream> older_stream = older->Connect(std::nullopt);
  EXPECT_EQ(SessionTable::NewestOpenStream(session), older);  // `newer` never connected
  std::shared_ptr<EventStream> newer_stream = newer->Connect(std::nullopt);
  EXPECT_EQ(SessionTable::NewestOpenStream(session), newer);
  newer->Close();
  EXPECT_EQ(SessionTable::NewestOpenStream(session), older);
}

}  // namespace
}  // namespace mcp_oauth::mcp
