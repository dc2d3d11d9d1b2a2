#include "auth/memory_store.h"

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace mcp_oauth::auth {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

// A binding check every redemption passes.
CodeBindingCheck AnyBinding() {
  return [](const AuthorizationCode&) { return absl::OkStatus(); };
}

AccessTokenRecord Access(const std::string& hash, const std::string& family,
                         absl::Time exp = kT0 + absl::Hours(1)) {
  AccessTokenRecord r;
  r.token_hash = hash;
  r.family_id = family;
  r.client_id = "c";
  r.issued_at = kT0;
  r.expires_at = exp;
  return r;
}

// Refresh tokens in these tests are chained (see store.h): token "rN" of
// family "fM" is on chain "chain-fM"; Refresh() makes its first generation
// and Next() a successor. Key() finds what a token was made as, so a test
// presents a token by its name; an unknown name is a chainless token.
struct TestKeys {
  absl::Mutex mu;
  std::map<std::string, RefreshTokenKey> keys ABSL_GUARDED_BY(mu);
};
TestKeys& Keys() {
  static auto* keys = new TestKeys();
  return *keys;
}

RefreshTokenRecord Chained(RefreshTokenRecord r, int64_t generation) {
  r.chain_hash = "chain-" + r.family_id;
  r.generation = generation;
  absl::MutexLock lock(&Keys().mu);
  Keys().keys[r.token_hash] = RefreshTokenKey{r.chain_hash, generation, r.token_hash};
  return r;
}

RefreshTokenKey Key(const std::string& hash) {
  absl::MutexLock lock(&Keys().mu);
  auto it = Keys().keys.find(hash);
  return it != Keys().keys.end() ? it->second : RefreshTokenKey{"", 0, hash};
}

RefreshTokenRecord Unchained(const std::string& hash, const std::string& family,
                           absl::Time exp = kT0 + absl::Hours(24)) {
  RefreshTokenRecord r;
  r.token_hash = hash;
  r.family_id = family;
  r.client_id = "c";
  r.issued_at = kT0;
  r.expires_at = exp;
  return r;
}

RefreshTokenRecord Refresh(const std::string& hash, const std::string& family,
                           absl::Time exp = kT0 + absl::Hours(24)) {
  return Chained(Unchained(hash, family, exp), 0);
}

// The successor of generation `generation - 1` on the family's chain.
RefreshTokenRecord Next(const std::string& hash, const std::string& family,
                        int64_t generation = 1) {
  return Chained(Unchained(hash, family), generation);
}

TokenFamily Family(const std::string& id) {
  TokenFamily f;
  f.family_id = id;
  f.client_id = "c";
  return f;
}

TEST(MemoryStoreTest, PendingAuthorizationExpiresAndCompletesOnce) {
  MemoryStore store;
  PendingAuthorization p;
  p.id_hash = "p1";
  p.expires_at = kT0 + absl::Minutes(10);
  ASSERT_TRUE(store.PutPendingAuthorization(p, 0).ok());
  EXPECT_FALSE(store.PutPendingAuthorization(p, 0).ok());
  EXPECT_TRUE(store.GetPendingAuthorization("p1", kT0).has_value());
  EXPECT_FALSE(store.GetPendingAuthorization("p1", kT0 + absl::Minutes(10)).has_value());

  AuthorizationCode code;
  code.code_hash = "c1";
  code.expires_at = kT0 + absl::Minutes(5);
  EXPECT_TRUE(store.CompleteAuthorization("p1", kT0, code).ok());
  EXPECT_FALSE(store.GetPendingAuthorization("p1", kT0).has_value());
  code.code_hash = "c2";
  EXPECT_EQ(store.CompleteAuthorization("p1", kT0, code).code(), absl::StatusCode::kNotFound);
}

TEST(MemoryStoreTest, CodeIsSingleUseAndReplayRevokesFamily) {
  MemoryStore store;
  AuthorizationCode code;
  code.code_hash = "c1";
  code.family_id = "f1";
  code.expires_at = kT0 + absl::Minutes(5);
  ASSERT_TRUE(store.PutCode(code).ok());
  auto first = store.ConsumeCode("c1", kT0, AnyBinding());
  EXPECT_EQ(first.outcome, ConsumeCodeOutcome::kConsumed);
  EXPECT_EQ(first.code.family_id, "f1");
  ASSERT_TRUE(store.IssueTokens(Family("f1"), Access("a1", "f1"), Refresh("r1", "f1")).ok());
  EXPECT_FALSE(store.GetAccessToken("a1")->revoked);

  auto second = store.ConsumeCode("c1", kT0, AnyBinding());
  EXPECT_EQ(second.outcome, ConsumeCodeOutcome::kAlreadyUsed);
  EXPECT_TRUE(store.GetAccessToken("a1")->revoked);
  EXPECT_TRUE(store.GetRefreshToken(Key("r1"))->revoked);
  EXPECT_EQ(store.ConsumeCode("nope", kT0, AnyBinding()).outcome, ConsumeCodeOutcome::kNotFound);
}

TEST(MemoryStoreTest, ExpiredCodeIsNotConsumed) {
  MemoryStore store;
  AuthorizationCode code;
  code.code_hash = "c1";
  code.expires_at = kT0 + absl::Minutes(5);
  ASSERT_TRUE(store.PutCode(code).ok());
  EXPECT_EQ(store.ConsumeCode("c1", kT0 + absl::Minutes(5), AnyBinding()).outcome,
            ConsumeCodeOutcome::kNotFound);
}

TEST(MemoryStoreTest, ReplayBeforeIssueBlocksIssuance) {
  MemoryStore store;
  AuthorizationCode code;
  code.code_hash = "c1";
  code.family_id = "f1";
  code.expires_at = kT0 + absl::Minutes(5);
  ASSERT_TRUE(store.PutCode(code).ok());
  ASSERT_EQ(store.ConsumeCode("c1", kT0, AnyBinding()).outcome, ConsumeCodeOutcome::kConsumed);
  ASSERT_EQ(store.ConsumeCode("c1", kT0, AnyBinding()).outcome, ConsumeCodeOutcome::kAlreadyUsed);
  EXPECT_EQ(store.IssueTokens(Family("f1"), Access("a1", "f1"), std::nullopt).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(store.GetAccessToken("a1").has_value());
}

TEST(MemoryStoreTest, RotationAndReuseDetection) {
  MemoryStore store;
  ASSERT_TRUE(store.IssueTokens(Family("f1"), Access("a1", "f1"), Refresh("r1", "f1")).ok());
  EXPECT_EQ(store.RotateRefreshToken(Key("r1"), kT0, Access("a2", "f1"), Next("r2", "f1")),
            RotateOutcome::kRotated);
  EXPECT_TRUE(store.GetRefreshToken(Key("r1"))->rotated);
  EXPECT_FALSE(store.GetAccessToken("a2")->revoked);
  // Reuse of r1 revokes the family, including the successor tokens.
  EXPECT_EQ(store.RotateRefreshToken(Key("r1"), kT0, Access("a3", "f1"), Next("r3", "f1")),
            RotateOutcome::kReused);
  EXPECT_TRUE(store.GetAccessToken("a2")->revoked);
  EXPECT_TRUE(store.GetRefreshToken(Key("r2"))->revoked);
  EXPECT_FALSE(store.GetAccessToken("a3").has_value());
  EXPECT_EQ(store.RotateRefreshToken(Key("r2"), kT0, Access("a4", "f1"), Next("r4", "f1", 2)),
            RotateOutcome::kNotFound);
}

TEST(MemoryStoreTest, RotatingAChainKeepsOneRecordOfEachKind) {
  MemoryStore store;
  ASSERT_TRUE(store.IssueTokens(Family("f1"), Access("a0", "f1"), Refresh("g0", "f1")).ok());
  for (int g = 1; g <= 1000; ++g) {
    std::string n = std::to_string(g);
    ASSERT_EQ(store.RotateRefreshToken(Key("g" + std::to_string(g - 1)), kT0,
                                       Access("a" + n, "f1"), Next("g" + n, "f1", g)),
              RotateOutcome::kRotated)
        << "generation " << g;
    ASSERT_EQ(store.GetCounts().refresh_tokens, 1u) << "generation " << g;
    // Each rotation deletes the access token of the generation it rotated.
    ASSERT_EQ(store.GetCounts().access_tokens, 1u) << "generation " << g;
  }
  // A token rotated long ago is still recognised as reuse.
  EXPECT_TRUE(store.GetRefreshToken(Key("g3"))->rotated);
  EXPECT_EQ(store.RotateRefreshToken(Key("g3"), kT0, Access("b", "f1"), Next("x", "f1", 4)),
            RotateOutcome::kReused);
  EXPECT_TRUE(store.GetRefreshToken(Key("g1000"))->revoked);
  EXPECT_TRUE(store.GetAccessToken("a1000")->revoked);
}

TEST(MemoryStoreTest, ExpiredRefreshTokenDoesNotRotate) {
  MemoryStore store;
  ASSERT_TRUE(store
                  .IssueTokens(Family("f1"), Access("a1", "f1"),
                               Refresh("r1", "f1", kT0 + absl::Hours(1)))
                  .ok());
  EXPECT_EQ(store.RotateRefreshToken(Key("r1"), kT0 + absl::Hours(1), Access("a2", "f1"),
                                     Next("r2", "f1")),
            RotateOutcome::kNotFound);
}

TEST(MemoryStoreTest, ConcurrentRotationHasExactlyOneWinner) {
  MemoryStore store;
  ASSERT_TRUE(store.IssueTokens(Family("f1"), Access("a0", "f1"), Refresh("r0", "f1")).ok());
  std::atomic<int> rotated{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      std::string n = std::to_string(i + 1);
      if (store.RotateRefreshToken(Key("r0"), kT0, Access("a" + n, "f1"), Next("r" + n, "f1")) ==
          RotateOutcome::kRotated) {
        ++rotated;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(rotated.load(), 1);
}

TEST(MemoryStoreTest, RevokeSingleAccessTokenLeavesFamily) {
  MemoryStore store;
  ASSERT_TRUE(store.IssueTokens(Family("f1"), Access("a1", "f1"), Refresh("r1", "f1")).ok());
  store.RevokeAccessToken("a1");
  EXPECT_TRUE(store.GetAccessToken("a1")->revoked);
  EXPECT_FALSE(store.GetRefreshToken(Key("r1"))->revoked);
  store.RevokeFamily("f1");
  EXPECT_TRUE(store.GetRefreshToken(Key("r1"))->revoked);
}

TEST(MemoryStoreTest, ThrottleWindow) {
  MemoryStore store;
  EXPECT_EQ(store.GetLoginFailures("user:a", kT0).failures, 0);
  store.RecordLoginFailure("user:a", kT0, absl::Minutes(5));
  auto s = store.RecordLoginFailure("user:a", kT0 + absl::Minutes(1), absl::Minutes(5));
  EXPECT_EQ(s.failures, 2);
  EXPECT_EQ(s.window_end, kT0 + absl::Minutes(5));
  EXPECT_EQ(store.GetLoginFailures("user:a", kT0 + absl::Minutes(2)).failures, 2);
  EXPECT_EQ(store.GetLoginFailures("user:a", kT0 + absl::Minutes(5)).failures, 0);
  store.ResetLoginFailures("user:a");
  EXPECT_EQ(store.GetLoginFailures("user:a", kT0).failures, 0);
}

TEST(MemoryStoreTest, SweepRemovesOnlyExpired) {
  MemoryStore store;
  PendingAuthorization p;
  p.id_hash = "p1";
  p.expires_at = kT0 + absl::Minutes(10);
  ASSERT_TRUE(store.PutPendingAuthorization(p, 0).ok());
  AuthorizationCode code;
  code.code_hash = "c1";
  code.expires_at = kT0 + absl::Minutes(5);
  ASSERT_TRUE(store.PutCode(code).ok());
  ASSERT_TRUE(store.IssueTokens(Family("f1"), Access("a1", "f1"), Refresh("r1", "f1")).ok());
  store.RecordLoginFailure("ip:x", kT0, absl::Minutes(5));

  EXPECT_EQ(store.Sweep(kT0), 0);
  EXPECT_EQ(store.Sweep(kT0 + absl::Minutes(6)), 2);  // code + throttle
  EXPECT_EQ(store.GetCounts().pending, 1u);
  EXPECT_EQ(store.Sweep(kT0 + absl::Hours(2)), 2);  // pending + access token
  EXPECT_EQ(store.GetCounts().refresh_tokens, 1u);
  EXPECT_EQ(store.Sweep(kT0 + absl::Hours(25)), 2);  // refresh token + family
  auto counts = store.GetCounts();
  EXPECT_EQ(counts.families + counts.refresh_tokens + counts.access_tokens, 0u);
}

}  // namespace
}  // namespace mcp_oauth::auth
