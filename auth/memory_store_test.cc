// What only the memory store has: it never blocks, and its entry counts
// show that a chain of refresh tokens keeps one record however often it
// rotates. Every other Store behaviour is tested once for all backends in
// store_conformance_test.cc.
#include "auth/memory_store.h"

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace mcp_oauth::auth {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

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

TEST(MemoryStoreTest, NeverBlocks) {
  // The service runs calls on the caller's thread only on such a store.
  EXPECT_FALSE(MemoryStore().MayBlock());
}

// Rotates `old` to the given successors (a verdict that always accepts).
RotateOutcome Rotate(Store& store, const RefreshTokenKey& old, const AccessTokenRecord& access,
                     const RefreshTokenRecord& refresh) {
  absl::StatusOr<RedeemRefreshResult> result =
      store.RedeemRefreshToken(old, kT0, [&](const RefreshTokenRecord&) {
        RefreshVerdict verdict;
        verdict.access = access;
        verdict.refresh = refresh;
        return verdict;
      });
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? result->outcome : RotateOutcome::kNotFound;
}

TEST(MemoryStoreTest, RotatingAChainKeepsOneRecordOfEachKind) {
  MemoryStore store;
  ASSERT_TRUE(store.IssueTokens(Family("f1"), Access("a0", "f1"), Refresh("g0", "f1")).ok());
  for (int g = 1; g <= 1000; ++g) {
    std::string n = std::to_string(g);
    ASSERT_EQ(Rotate(store, Key("g" + std::to_string(g - 1)), Access("a" + n, "f1"),
                     Next("g" + n, "f1", g)),
              RotateOutcome::kRotated)
        << "generation " << g;
    ASSERT_EQ(store.GetCounts().refresh_tokens, 1u) << "generation " << g;
    // Each rotation deletes the access token of the generation it rotated.
    ASSERT_EQ(store.GetCounts().access_tokens, 1u) << "generation " << g;
  }
}

}  // namespace
}  // namespace mcp_oauth::auth
