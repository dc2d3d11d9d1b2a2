// One conformance suite for every Store backend (memory, SQLite, PostgreSQL):
// each behaviour of the Store interface is tested here once, for all of them
// (memory_store_test.cc keeps only what is memory-specific), plus what only a
// durable store can show (reopening keeps everything; two instances on one
// database still let exactly one redemption win; a newer schema is refused).
//
// PostgreSQL: common/testing/postgres_server.h (MCP_TEST_POSTGRES_URL, else
// a throwaway cluster). Its cases skip when there is none, unless
// MCP_REQUIRE_POSTGRES=1, where they fail.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "auth/memory_store.h"
#include "auth/postgres_store.h"
#include "auth/sql_store.h"
#include "auth/sqlite_store.h"
#include "auth/store.h"
#include "auth/store_factory.h"
#include "common/testing/postgres_server.h"
#include "gtest/gtest.h"

namespace mcp_oauth::auth {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

// A binding check every redemption passes.
CodeBindingCheck AnyBinding() {
  return [](const AuthorizationCode&) { return absl::OkStatus(); };
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// A decision that accepts any presented token, rotating it to `access` and
// `refresh` when the store's own checks pass.
RefreshDecision AcceptAll(const AccessTokenRecord& access, const RefreshTokenRecord& refresh) {
  return [access, refresh](const RefreshTokenRecord&) {
    RefreshVerdict verdict;
    verdict.access = access;
    verdict.refresh = refresh;
    return verdict;
  };
}

// The store under test with its statuses checked: no case here expects an
// outage, so any non-OK status a call returns fails the test, and each case
// reads as the behaviour it checks. Outcomes the Store reports as statuses
// (PutPendingAuthorization, CompleteAuthorization, IssueTokens) are
// returned; the helpers below the Store's own methods go through them.
class CheckedStore {
 public:
  explicit CheckedStore(std::shared_ptr<Store> store) : store_(std::move(store)) {}

  absl::Status PutPendingAuthorization(const PendingAuthorization& pending, int64_t max_pending) {
    return store_->PutPendingAuthorization(pending, max_pending);
  }
  std::optional<PendingAuthorization> GetPendingAuthorization(const std::string& id_hash,
                                                              absl::Time now) {
    return Value(store_->GetPendingAuthorization(id_hash, now));
  }
  void DeletePendingAuthorization(const std::string& id_hash) {
    Check(store_->DeletePendingAuthorization(id_hash));
  }
  absl::Status CompleteAuthorization(const std::string& id_hash, absl::Time now,
                                     const AuthorizationCode& code) {
    return store_->CompleteAuthorization(id_hash, now, code);
  }
  ConsumeCodeResult ConsumeCode(const std::string& code_hash, absl::Time now,
                                const CodeBindingCheck& check) {
    return Value(store_->ConsumeCode(code_hash, now, check));
  }
  absl::Status IssueTokens(const TokenFamily& family, const AccessTokenRecord& access,
                           const std::optional<RefreshTokenRecord>& refresh) {
    return store_->IssueTokens(family, access, refresh);
  }
  std::optional<AccessTokenRecord> GetAccessToken(const std::string& token_hash) {
    return Value(store_->GetAccessToken(token_hash));
  }
  std::optional<RefreshTokenRecord> GetRefreshToken(const RefreshTokenKey& key) {
    return Value(store_->GetRefreshToken(key));
  }
  RedeemRefreshResult RedeemRefreshToken(const RefreshTokenKey& old, absl::Time now,
                                         const RefreshDecision& decide) {
    return Value(store_->RedeemRefreshToken(old, now, decide));
  }
  void RevokeFamily(const std::string& family_id) { Check(store_->RevokeFamily(family_id)); }
  void RevokeAccessToken(const std::string& token_hash) {
    Check(store_->RevokeAccessToken(token_hash));
  }
  std::vector<ThrottleState> ReadLoginFailures(const std::vector<std::string>& keys,
                                               absl::Time now) {
    return Value(store_->ReadLoginFailures(keys, now));
  }
  ThrottleState RecordLoginFailure(const std::string& key, absl::Time now, absl::Duration window) {
    return Value(store_->RecordLoginFailure(key, now, window));
  }
  void ResetLoginFailures(const std::string& key) { Check(store_->ResetLoginFailures(key)); }
  int64_t Sweep(absl::Time now) { return Value(store_->Sweep(now)); }

  // Stores `code` as the server does: a pending authorization, completed.
  absl::Status PutCode(const AuthorizationCode& code) {
    PendingAuthorization pending;
    pending.id_hash = "pending-" + code.code_hash;
    pending.expires_at = absl::InfiniteFuture();
    if (absl::Status put = PutPendingAuthorization(pending, 0); !put.ok()) return put;
    return CompleteAuthorization(pending.id_hash, kT0, code);
  }
  // RedeemRefreshToken with AcceptAll.
  RotateOutcome Rotate(const RefreshTokenKey& old, absl::Time now, const AccessTokenRecord& access,
                       const RefreshTokenRecord& refresh) {
    return RedeemRefreshToken(old, now, AcceptAll(access, refresh)).outcome;
  }
  // The throttle state of one key.
  ThrottleState LoginFailures(const std::string& key, absl::Time now) {
    std::vector<ThrottleState> states = ReadLoginFailures({key}, now);
    EXPECT_EQ(states.size(), 1u);
    return states.empty() ? ThrottleState{} : states.front();
  }

  Store& store() { return *store_; }

 private:
  template <typename T>
  static T Value(absl::StatusOr<T> result) {
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *std::move(result) : T();
  }
  static void Check(const absl::Status& status) { EXPECT_TRUE(status.ok()) << status; }

  std::shared_ptr<Store> store_;
};

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

class StoreConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    static int counter = 0;
    switch (GetParam()) {
      case Backend::kMemory:
        spec_ = "memory";
        break;
      case Backend::kSqlite:
        spec_ = absl::StrCat("sqlite:", Env("TEST_TMPDIR").empty() ? "/tmp" : Env("TEST_TMPDIR"),
                             "/conformance-", getpid(), "-", counter++, ".db");
        break;
      case Backend::kPostgres: {
        testutil::PostgresServer& server = testutil::PostgresServer::Get();
        if (!server.available()) {
          if (testutil::PostgresServer::Required()) FAIL() << server.error();
          GTEST_SKIP() << server.error();
        }
        spec_ = server.NewDatabase("conformance");
        ASSERT_FALSE(spec_.empty());
        break;
      }
    }
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }

  // A new store on the same database (a restart, or another instance).
  std::shared_ptr<CheckedStore> Open() {
    auto store = OpenStore(spec_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::make_shared<CheckedStore>(*store) : nullptr;
  }

  bool durable() const { return GetParam() != Backend::kMemory; }

  // Runs `sql` on the database of a durable store, outside the store, on a
  // connection of its own.
  void ExecuteRaw(const std::string& sql) {
    absl::StatusOr<std::unique_ptr<SqlConnection>> db =
        GetParam() == Backend::kSqlite ? ConnectSqlite(spec_.substr(std::string("sqlite:").size()))
                                       : ConnectPostgres(spec_);
    ASSERT_TRUE(db.ok()) << db.status();
    absl::StatusOr<SqlResult> executed = (*db)->Execute(sql, {});
    EXPECT_TRUE(executed.ok()) << sql << ": " << executed.status();
  }

  std::string spec_;
  std::shared_ptr<CheckedStore> store_;
};

AccessTokenRecord Access(const std::string& hash, const std::string& family,
                         absl::Time exp = kT0 + absl::Hours(1)) {
  AccessTokenRecord r;
  r.token_hash = hash;
  r.family_id = family;
  r.client_id = "c";
  r.subject = "sub";
  r.username = "alice";
  r.scopes = {"user", "admin"};
  r.audience = "https://rs.example/mcp";
  r.jti = "jti-" + family;
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
  r.scopes = {"user"};
  r.audience = "https://rs.example/mcp";
  r.issued_at = kT0;
  r.expires_at = exp;
  return r;
}

RefreshTokenRecord Refresh(const std::string& hash, const std::string& family,
                           absl::Time exp = kT0 + absl::Hours(24)) {
  return Chained(Unchained(hash, family, exp), 0);
}

// The successor of generation `generation - 1` on the family's chain.
RefreshTokenRecord Next(const std::string& hash, const std::string& family, int64_t generation = 1,
                        absl::Time exp = kT0 + absl::Hours(24)) {
  return Chained(Unchained(hash, family, exp), generation);
}

TokenFamily Family(const std::string& id) {
  TokenFamily f;
  f.family_id = id;
  f.client_id = "c";
  f.created_at = kT0;
  return f;
}

AuthorizationCode Code(const std::string& hash, const std::string& family,
                       absl::Time exp = kT0 + absl::Minutes(5)) {
  AuthorizationCode code;
  code.code_hash = hash;
  code.family_id = family;
  code.client_id = "c";
  code.redirect_uri = "http://localhost/cb";
  code.scopes = {"user"};
  code.code_challenge = "challenge";
  code.expires_at = exp;
  return code;
}

// Digests are raw bytes: include NULs and high bytes.
const std::string kBinaryHash("\x00\xff\x10 a\x7f", 6);

TEST_P(StoreConformanceTest, PendingAuthorizationRoundTripsExpiresAndCompletesOnce) {
  PendingAuthorization p;
  p.id_hash = kBinaryHash;
  p.client_id = "client";
  p.redirect_uri = "http://127.0.0.1:1/cb";
  p.redirect_uri_in_request = false;
  p.scopes = {"user", "admin"};
  p.state = "st\"ate'";
  p.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  p.resource = "https://rs.example/mcp";
  p.csrf_token = "csrf";
  p.created_at = kT0;
  p.expires_at = kT0 + absl::Minutes(10);
  ASSERT_TRUE(store_->PutPendingAuthorization(p, 0).ok());
  EXPECT_EQ(store_->PutPendingAuthorization(p, 0).code(), absl::StatusCode::kAlreadyExists);
  auto got = store_->GetPendingAuthorization(kBinaryHash, kT0);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->id_hash, kBinaryHash);
  EXPECT_EQ(got->client_id, "client");
  EXPECT_EQ(got->redirect_uri, p.redirect_uri);
  EXPECT_FALSE(got->redirect_uri_in_request);
  EXPECT_EQ(got->scopes, p.scopes);
  EXPECT_EQ(got->state, p.state);
  EXPECT_EQ(got->code_challenge, p.code_challenge);
  EXPECT_EQ(got->resource, p.resource);
  EXPECT_EQ(got->csrf_token, "csrf");
  EXPECT_EQ(got->created_at, kT0);
  EXPECT_EQ(got->expires_at, p.expires_at);
  EXPECT_FALSE(store_->GetPendingAuthorization(kBinaryHash, kT0 + absl::Minutes(10)).has_value());

  AuthorizationCode code = Code("c1", "f1");
  EXPECT_EQ(store_->CompleteAuthorization(kBinaryHash, kT0 + absl::Minutes(10), code).code(),
            absl::StatusCode::kNotFound);  // Expired.
  EXPECT_TRUE(store_->CompleteAuthorization(kBinaryHash, kT0, code).ok());
  EXPECT_FALSE(store_->GetPendingAuthorization(kBinaryHash, kT0).has_value());
  code.code_hash = "c2";
  EXPECT_EQ(store_->CompleteAuthorization(kBinaryHash, kT0, code).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, PendingAuthorizationsAreCapped) {
  auto pending = [](const std::string& id, absl::Time created, absl::Duration ttl) {
    PendingAuthorization p;
    p.id_hash = id;
    p.client_id = "client";
    p.created_at = created;
    p.expires_at = created + ttl;
    return p;
  };
  ASSERT_TRUE(store_->PutPendingAuthorization(pending("p1", kT0, absl::Minutes(1)), 3).ok());
  ASSERT_TRUE(store_->PutPendingAuthorization(pending("p2", kT0, absl::Minutes(10)), 3).ok());
  ASSERT_TRUE(store_->PutPendingAuthorization(pending("p3", kT0, absl::Minutes(10)), 3).ok());
  EXPECT_EQ(store_->PutPendingAuthorization(pending("p4", kT0, absl::Minutes(10)), 3).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_FALSE(store_->GetPendingAuthorization("p4", kT0).has_value());
  // No cap: stored anyway.
  EXPECT_TRUE(store_->PutPendingAuthorization(pending("p5", kT0, absl::Minutes(10)), 0).ok());
  // Expired ones (p1, unswept) do not count: p2, p3, p5 are live.
  absl::Time later = kT0 + absl::Minutes(2);
  EXPECT_EQ(store_->PutPendingAuthorization(pending("p6", later, absl::Minutes(10)), 3).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(store_->PutPendingAuthorization(pending("p7", later, absl::Minutes(10)), 4).ok());
  EXPECT_EQ(store_->PutPendingAuthorization(pending("p8", later, absl::Minutes(10)), 4).code(),
            absl::StatusCode::kResourceExhausted);
  // Completing one frees a place.
  ASSERT_TRUE(store_->CompleteAuthorization("p2", later, Code("c-cap", "f-cap")).ok());
  EXPECT_TRUE(store_->PutPendingAuthorization(pending("p8", later, absl::Minutes(10)), 4).ok());
}

TEST_P(StoreConformanceTest, CompleteAuthorizationCodeCollisionKeepsPending) {
  PendingAuthorization p;
  p.id_hash = "p1";
  p.expires_at = kT0 + absl::Minutes(10);
  ASSERT_TRUE(store_->PutPendingAuthorization(p, 0).ok());
  ASSERT_TRUE(store_->PutCode(Code("c1", "f0")).ok());
  EXPECT_EQ(store_->PutCode(Code("c1", "f0")).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->CompleteAuthorization("p1", kT0, Code("c1", "f1")).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(store_->GetPendingAuthorization("p1", kT0).has_value());
  store_->DeletePendingAuthorization("p1");
  EXPECT_FALSE(store_->GetPendingAuthorization("p1", kT0).has_value());
}

TEST_P(StoreConformanceTest, CodeIsSingleUseAndReplayRevokesFamily) {
  AuthorizationCode code = Code(kBinaryHash, "f1");
  code.subject = "sub";
  code.username = "alice";
  code.resource = "https://rs.example/mcp";
  code.issued_at = kT0;
  ASSERT_TRUE(store_->PutCode(code).ok());
  auto first = store_->ConsumeCode(kBinaryHash, kT0, AnyBinding());
  ASSERT_EQ(first.outcome, ConsumeCodeOutcome::kConsumed);
  EXPECT_EQ(first.code.family_id, "f1");
  EXPECT_EQ(first.code.code_hash, kBinaryHash);
  EXPECT_EQ(first.code.client_id, "c");
  EXPECT_EQ(first.code.redirect_uri, "http://localhost/cb");
  EXPECT_TRUE(first.code.redirect_uri_in_request);
  EXPECT_EQ(first.code.scopes, std::vector<std::string>{"user"});
  EXPECT_EQ(first.code.code_challenge, "challenge");
  EXPECT_EQ(first.code.subject, "sub");
  EXPECT_EQ(first.code.username, "alice");
  EXPECT_EQ(first.code.resource, "https://rs.example/mcp");
  EXPECT_EQ(first.code.issued_at, kT0);
  EXPECT_TRUE(first.code.used);
  ASSERT_TRUE(store_->IssueTokens(Family("f1"), Access("a1", "f1"), Refresh("r1", "f1")).ok());
  EXPECT_FALSE(store_->GetAccessToken("a1")->revoked);

  auto second = store_->ConsumeCode(kBinaryHash, kT0, AnyBinding());
  EXPECT_EQ(second.outcome, ConsumeCodeOutcome::kAlreadyUsed);
  EXPECT_TRUE(store_->GetAccessToken("a1")->revoked);
  EXPECT_TRUE(store_->GetRefreshToken(Key("r1"))->revoked);
  EXPECT_EQ(store_->ConsumeCode("nope", kT0, AnyBinding()).outcome, ConsumeCodeOutcome::kNotFound);
}

// An attacker holding an intercepted code but not the client's credentials,
// redirect URI or PKCE verifier: the check fails.
CodeBindingCheck WrongBinding() {
  return [](const AuthorizationCode& code) {
    return code.client_id == "c" ? absl::InvalidArgumentError("wrong verifier")
                                 : absl::InternalError("check saw the wrong record");
  };
}

TEST_P(StoreConformanceTest, FailedBindingLeavesTheCodeToItsClient) {
  ASSERT_TRUE(store_->PutCode(Code("c1", "f1")).ok());
  auto attack = store_->ConsumeCode("c1", kT0, WrongBinding());
  EXPECT_EQ(attack.outcome, ConsumeCodeOutcome::kRejected);
  EXPECT_EQ(attack.rejection, absl::InvalidArgumentError("wrong verifier"));
  // The rightful client still redeems it.
  auto first = store_->ConsumeCode("c1", kT0, AnyBinding());
  ASSERT_EQ(first.outcome, ConsumeCodeOutcome::kConsumed);
  ASSERT_TRUE(store_->IssueTokens(Family("f1"), Access("a1", "f1"), Refresh("r1", "f1")).ok());
  // A failing replay (the attacker again) revokes nothing...
  EXPECT_EQ(store_->ConsumeCode("c1", kT0, WrongBinding()).outcome, ConsumeCodeOutcome::kRejected);
  EXPECT_FALSE(store_->GetAccessToken("a1")->revoked);
  EXPECT_FALSE(store_->GetRefreshToken(Key("r1"))->revoked);
  // ...only a replay passing every binding does.
  EXPECT_EQ(store_->ConsumeCode("c1", kT0, AnyBinding()).outcome, ConsumeCodeOutcome::kAlreadyUsed);
  EXPECT_TRUE(store_->GetAccessToken("a1")->revoked);
  // An expired unused code is gone whatever the check says.
  ASSERT_TRUE(store_->PutCode(Code("c2", "f2")).ok());
  EXPECT_EQ(store_->ConsumeCode("c2", kT0 + absl::Minutes(5), WrongBinding()).outcome,
            ConsumeCodeOutcome::kNotFound);
}

TEST_P(StoreConformanceTest, AttackersRacingTheClientNeverBurnTheCode) {
  ASSERT_TRUE(store_->PutCode(Code("c1", "f1")).ok());
  std::shared_ptr<CheckedStore> other = durable() ? Open() : store_;
  ASSERT_NE(other, nullptr);
  std::atomic<int> consumed{0};
  std::atomic<int> rejected{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 9; ++i) {
    threads.emplace_back([&, i] {
      CheckedStore& store = i % 2 == 0 ? *store_ : *other;
      bool rightful = i == 4;
      switch (store.ConsumeCode("c1", kT0, rightful ? AnyBinding() : WrongBinding()).outcome) {
        case ConsumeCodeOutcome::kConsumed:
          ++consumed;
          break;
        case ConsumeCodeOutcome::kRejected:
          ++rejected;
          break;
        default:
          break;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(consumed.load(), 1);
  EXPECT_EQ(rejected.load(), 8);
  EXPECT_TRUE(store_->IssueTokens(Family("f1"), Access("a1", "f1"), std::nullopt).ok());
}

TEST_P(StoreConformanceTest, TokensCarryTheirGrantsStart) {
  TokenFamily family = Family("f1");
  family.created_at = kT0 - absl::Hours(24 * 10);  // Signed in ten days ago.
  ASSERT_TRUE(store_->IssueTokens(family, Access("a1", "f1"), Refresh("r1", "f1")).ok());
  EXPECT_EQ(store_->GetAccessToken("a1")->grant_created_at, family.created_at);
  EXPECT_EQ(store_->GetRefreshToken(Key("r1"))->grant_created_at, family.created_at);
  // Rotation keeps the family and so its start.
  ASSERT_EQ(store_->Rotate(Key("r1"), kT0, Access("a2", "f1"), Next("r2", "f1")),
            RotateOutcome::kRotated);
  EXPECT_EQ(store_->GetAccessToken("a2")->grant_created_at, family.created_at);
  EXPECT_EQ(store_->GetRefreshToken(Key("r2"))->grant_created_at, family.created_at);
  if (durable()) {
    store_ = Open();
    ASSERT_NE(store_, nullptr);
    EXPECT_EQ(store_->GetRefreshToken(Key("r2"))->grant_created_at, family.created_at);
  }
}

TEST_P(StoreConformanceTest, ExpiredCodeIsNotConsumed) {
  ASSERT_TRUE(store_->PutCode(Code("c1", "f1")).ok());
  EXPECT_EQ(store_->ConsumeCode("c1", kT0 + absl::Minutes(5), AnyBinding()).outcome,
            ConsumeCodeOutcome::kNotFound);
  EXPECT_EQ(store_->ConsumeCode("c1", kT0, AnyBinding()).outcome, ConsumeCodeOutcome::kConsumed);
}

TEST_P(StoreConformanceTest, ReplayBeforeIssueBlocksIssuance) {
  ASSERT_TRUE(store_->PutCode(Code("c1", "f1")).ok());
  ASSERT_EQ(store_->ConsumeCode("c1", kT0, AnyBinding()).outcome, ConsumeCodeOutcome::kConsumed);
  ASSERT_EQ(store_->ConsumeCode("c1", kT0, AnyBinding()).outcome, ConsumeCodeOutcome::kAlreadyUsed);
  EXPECT_EQ(store_->IssueTokens(Family("f1"), Access("a1", "f1"), std::nullopt).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(store_->GetAccessToken("a1").has_value());
}

TEST_P(StoreConformanceTest, TokensRoundTrip) {
  ASSERT_TRUE(
      store_->IssueTokens(Family("f1"), Access(kBinaryHash, "f1"), Refresh("r1", "f1")).ok());
  auto access = store_->GetAccessToken(kBinaryHash);
  ASSERT_TRUE(access.has_value());
  AccessTokenRecord want = Access(kBinaryHash, "f1");
  EXPECT_EQ(access->token_hash, want.token_hash);
  EXPECT_EQ(access->family_id, "f1");
  EXPECT_EQ(access->client_id, "c");
  EXPECT_EQ(access->subject, "sub");
  EXPECT_EQ(access->username, "alice");
  EXPECT_EQ(access->scopes, want.scopes);
  EXPECT_EQ(access->audience, want.audience);
  EXPECT_EQ(access->jti, want.jti);
  EXPECT_EQ(access->issued_at, kT0);
  EXPECT_EQ(access->expires_at, want.expires_at);
  EXPECT_FALSE(access->revoked);
  auto refresh = store_->GetRefreshToken(Key("r1"));
  ASSERT_TRUE(refresh.has_value());
  EXPECT_EQ(refresh->scopes, std::vector<std::string>{"user"});
  EXPECT_EQ(refresh->expires_at, kT0 + absl::Hours(24));
  EXPECT_FALSE(refresh->rotated);
  EXPECT_FALSE(refresh->revoked);
  EXPECT_FALSE(store_->GetAccessToken("r1").has_value());
  EXPECT_FALSE(store_->GetRefreshToken(Key(kBinaryHash)).has_value());
  EXPECT_EQ(store_->IssueTokens(Family("f1"), Access(kBinaryHash, "f1"), std::nullopt).code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_P(StoreConformanceTest, RotationAndReuseDetection) {
  ASSERT_TRUE(store_->IssueTokens(Family("f1"), Access("a1", "f1"), Refresh("r1", "f1")).ok());
  EXPECT_EQ(store_->Rotate(Key("r1"), kT0, Access("a2", "f1"), Next("r2", "f1")),
            RotateOutcome::kRotated);
  EXPECT_TRUE(store_->GetRefreshToken(Key("r1"))->rotated);
  EXPECT_FALSE(store_->GetAccessToken("a2")->revoked);
  EXPECT_FALSE(store_->GetRefreshToken(Key("r2"))->rotated);
  // Reuse of r1 revokes the family, including the successor tokens.
  EXPECT_EQ(store_->Rotate(Key("r1"), kT0, Access("a3", "f1"), Next("r3", "f1")),
            RotateOutcome::kReused);
  EXPECT_TRUE(store_->GetAccessToken("a2")->revoked);
  EXPECT_TRUE(store_->GetRefreshToken(Key("r2"))->revoked);
  EXPECT_FALSE(store_->GetAccessToken("a3").has_value());
  EXPECT_EQ(store_->Rotate(Key("r2"), kT0, Access("a4", "f1"), Next("r4", "f1", 2)),
            RotateOutcome::kNotFound);
  EXPECT_EQ(store_->Rotate(Key("unknown"), kT0, Access("a5", "f1"), Next("r5", "f1")),
            RotateOutcome::kNotFound);
}

TEST_P(StoreConformanceTest, LongChainKeepsOneRecordAndDetectsOldReuse) {
  ASSERT_TRUE(store_->IssueTokens(Family("f1"), Access("a0", "f1"), Refresh("g0", "f1")).ok());
  for (int g = 1; g <= 20; ++g) {
    std::string n = std::to_string(g);
    ASSERT_EQ(store_->Rotate(Key("g" + std::to_string(g - 1)), kT0, Access("a" + n, "f1"),
                             Next("g" + n, "f1", g)),
              RotateOutcome::kRotated)
        << "generation " << g;
  }
  EXPECT_FALSE(store_->GetRefreshToken(Key("g20"))->rotated);
  EXPECT_EQ(store_->GetRefreshToken(Key("g20"))->generation, 20);
  EXPECT_TRUE(store_->GetRefreshToken(Key("g5"))->rotated);
  EXPECT_EQ(store_->Rotate(Key("g5"), kT0, Access("b", "f1"), Next("x", "f1", 6)),
            RotateOutcome::kReused);
  EXPECT_TRUE(store_->GetRefreshToken(Key("g20"))->revoked);
  EXPECT_TRUE(store_->GetAccessToken("a20")->revoked);
  // Everything expired: the latest generation's access token (each rotation
  // deleted its predecessor's), one record for the whole chain (not 21) and
  // the family.
  EXPECT_EQ(store_->Sweep(kT0 + absl::Hours(25)), 1 + 1 + 1);
}

TEST_P(StoreConformanceTest, RotationMovesTheFamilysEndInSteps) {
  ASSERT_TRUE(store_->IssueTokens(Family("f1"), Access("a0", "f1"), Refresh("g0", "f1")).ok());
  // The successor outlives every token so far: the family is kept until it
  // expires plus kRotationKeepSlack.
  ASSERT_EQ(store_->Rotate(Key("g0"), kT0, Access("a1", "f1"),
                           Next("g1", "f1", 1, kT0 + absl::Hours(48))),
            RotateOutcome::kRotated);
  EXPECT_EQ(store_->Sweep(kT0 + absl::Hours(48)), 1 + 1);  // a1 (a0 went with g0) + chain
  EXPECT_EQ(store_->Sweep(kT0 + absl::Hours(48) + kRotationKeepSlack - absl::Seconds(1)), 0);
  EXPECT_EQ(store_->Sweep(kT0 + absl::Hours(48) + kRotationKeepSlack), 1);
}

TEST_P(StoreConformanceTest, GenerationsAChainNeverHadAreUnknown) {
  ASSERT_TRUE(store_->IssueTokens(Family("f1"), Access("a0", "f1"), Refresh("g0", "f1")).ok());
  ASSERT_EQ(store_->Rotate(Key("g0"), kT0, Access("a1", "f1"), Next("g1", "f1", 1)),
            RotateOutcome::kRotated);
  RefreshTokenKey ahead = Key("g1");
  ahead.generation = 2;
  RefreshTokenKey forged = Key("g1");
  forged.token_hash = "not-g1";
  for (const RefreshTokenKey& key : {ahead, forged}) {
    EXPECT_FALSE(store_->GetRefreshToken(key).has_value());
    EXPECT_EQ(store_->Rotate(key, kT0, Access("a2", "f1"), Next("g2", "f1", 2)),
              RotateOutcome::kNotFound);
  }
  // Nothing was revoked or rotated: the live token still works.
  EXPECT_FALSE(store_->GetRefreshToken(Key("g1"))->revoked);
  EXPECT_EQ(store_->Rotate(Key("g1"), kT0, Access("a3", "f1"), Next("g2", "f1", 2)),
            RotateOutcome::kRotated);
  // A successor that does not continue the chain rotates nothing.
  EXPECT_EQ(store_->Rotate(Key("g2"), kT0, Access("a4", "f1"), Next("g9", "f1", 9)),
            RotateOutcome::kNotFound);
  EXPECT_FALSE(store_->GetRefreshToken(Key("g2"))->rotated);
}

TEST_P(StoreConformanceTest, ChainlessTokenStartsAChain) {
  // A token minted before chains (e.g. in a database from an older version).
  ASSERT_TRUE(
      store_->IssueTokens(Family("f1"), Access("a1", "f1"), Unchained("legacy1", "f1")).ok());
  RefreshTokenKey legacy = Key("legacy1");
  ASSERT_TRUE(legacy.chain_hash.empty());
  EXPECT_FALSE(store_->GetRefreshToken(legacy)->rotated);
  ASSERT_EQ(store_->Rotate(legacy, kT0, Access("a2", "f1"), Refresh("c0", "f1")),
            RotateOutcome::kRotated);
  EXPECT_TRUE(store_->GetRefreshToken(legacy)->rotated);
  EXPECT_FALSE(store_->GetRefreshToken(Key("c0"))->rotated);
  ASSERT_EQ(store_->Rotate(Key("c0"), kT0, Access("a3", "f1"), Next("c1", "f1", 1)),
            RotateOutcome::kRotated);
  // Reusing the chainless token revokes the chain's family.
  EXPECT_EQ(store_->Rotate(legacy, kT0, Access("a4", "f1"), Refresh("d0", "f1")),
            RotateOutcome::kReused);
  EXPECT_TRUE(store_->GetRefreshToken(Key("c1"))->revoked);
  EXPECT_TRUE(store_->GetAccessToken("a3")->revoked);
}

TEST_P(StoreConformanceTest, ExpiredRefreshTokenDoesNotRotate) {
  ASSERT_TRUE(
      store_
          ->IssueTokens(Family("f1"), Access("a1", "f1"), Refresh("r1", "f1", kT0 + absl::Hours(1)))
          .ok());
  EXPECT_EQ(store_->Rotate(Key("r1"), kT0 + absl::Hours(1), Access("a2", "f1"), Next("r2", "f1")),
            RotateOutcome::kNotFound);
  EXPECT_FALSE(store_->GetRefreshToken(Key("r1"))->rotated);
}

TEST_P(StoreConformanceTest, RotationCollisionRotatesNothing) {
  ASSERT_TRUE(store_->IssueTokens(Family("f1"), Access("a1", "f1"), Refresh("r1", "f1")).ok());
  EXPECT_EQ(store_->Rotate(Key("r1"), kT0, Access("a1", "f1"), Next("r2", "f1")),
            RotateOutcome::kNotFound);
  EXPECT_FALSE(store_->GetRefreshToken(Key("r1"))->rotated);
  EXPECT_FALSE(store_->GetRefreshToken(Key("r2")).has_value());
}

TEST_P(StoreConformanceTest, ConcurrentRotationHasExactlyOneWinner) {
  ASSERT_TRUE(store_->IssueTokens(Family("f1"), Access("a0", "f1"), Refresh("r0", "f1")).ok());
  // Two store instances on one database when the backend is durable: two
  // processes racing.
  std::shared_ptr<CheckedStore> other = durable() ? Open() : store_;
  ASSERT_NE(other, nullptr);
  std::atomic<int> rotated{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      Store& store = (i % 2 == 0 ? *store_ : *other).store();
      std::string n = std::to_string(i + 1);
      absl::StatusOr<RedeemRefreshResult> result = store.RedeemRefreshToken(
          Key("r0"), kT0, AcceptAll(Access("a" + n, "f1"), Next("r" + n, "f1")));
      if (!result.ok()) {
        ++failures;  // e.g. a busy database: an outage, not a lost race.
      } else if (result->outcome == RotateOutcome::kRotated) {
        ++rotated;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(rotated.load(), 1);
  EXPECT_EQ(failures.load(), 0);
  // The losers saw a rotated token: reuse, so the family is revoked.
  EXPECT_TRUE(store_->GetRefreshToken(Key("r0"))->revoked);
}

TEST_P(StoreConformanceTest, ConcurrentCodeRedemptionHasExactlyOneWinner) {
  ASSERT_TRUE(store_->PutCode(Code("c1", "f1")).ok());
  std::shared_ptr<CheckedStore> other = durable() ? Open() : store_;
  ASSERT_NE(other, nullptr);
  std::atomic<int> consumed{0};
  std::atomic<int> replays{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      CheckedStore& store = i % 2 == 0 ? *store_ : *other;
      switch (store.ConsumeCode("c1", kT0, AnyBinding()).outcome) {
        case ConsumeCodeOutcome::kConsumed:
          ++consumed;
          break;
        case ConsumeCodeOutcome::kAlreadyUsed:
          ++replays;
          break;
        case ConsumeCodeOutcome::kNotFound:
        case ConsumeCodeOutcome::kRejected:
          break;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(consumed.load(), 1);
  EXPECT_EQ(replays.load(), 15);
}

// Only the latest generation's access token stays: storage per chain does
// not grow with its rotations, and a superseded access token stops working.
TEST_P(StoreConformanceTest, RotationDeletesTheAccessTokenOfTheRotatedGeneration) {
  ASSERT_TRUE(store_->IssueTokens(Family("f1"), Access("a0", "f1"), Refresh("g0", "f1")).ok());
  ASSERT_TRUE(store_->IssueTokens(Family("f2"), Access("b0", "f2"), Refresh("h0", "f2")).ok());
  ASSERT_EQ(store_->Rotate(Key("g0"), kT0, Access("a1", "f1"), Next("g1", "f1", 1)),
            RotateOutcome::kRotated);
  EXPECT_FALSE(store_->GetAccessToken("a0").has_value());
  ASSERT_TRUE(store_->GetAccessToken("a1").has_value());
  EXPECT_FALSE(store_->GetAccessToken("a1")->revoked);
  ASSERT_EQ(store_->Rotate(Key("g1"), kT0, Access("a2", "f1"), Next("g2", "f1", 2)),
            RotateOutcome::kRotated);
  EXPECT_FALSE(store_->GetAccessToken("a1").has_value());
  EXPECT_TRUE(store_->GetAccessToken("a2").has_value());
  // Other grants' tokens, and access tokens issued without a refresh token
  // in the same family, are left alone.
  EXPECT_TRUE(store_->GetAccessToken("b0").has_value());
  ASSERT_TRUE(store_->IssueTokens(Family("f1"), Access("x", "f1"), std::nullopt).ok());
  ASSERT_EQ(store_->Rotate(Key("g2"), kT0, Access("a3", "f1"), Next("g3", "f1", 3)),
            RotateOutcome::kRotated);
  EXPECT_TRUE(store_->GetAccessToken("x").has_value());
  EXPECT_FALSE(store_->GetAccessToken("a2").has_value());
  // A refused or failed rotation deletes nothing.
  EXPECT_EQ(store_->Rotate(Key("g3"), kT0, Access("a4", "f1"), Next("g9", "f1", 9)),
            RotateOutcome::kNotFound);
  EXPECT_TRUE(store_->GetAccessToken("a3").has_value());
  if (durable()) {
    store_ = Open();
    ASSERT_NE(store_, nullptr);
    ASSERT_EQ(store_->Rotate(Key("g3"), kT0, Access("a4", "f1"), Next("g4", "f1", 4)),
              RotateOutcome::kRotated);
    EXPECT_FALSE(store_->GetAccessToken("a3").has_value());
  }
}

TEST_P(StoreConformanceTest, RedeemShowsTheDecisionThePresentedToken) {
  TokenFamily family = Family("f1");
  family.created_at = kT0 - absl::Hours(3);
  ASSERT_TRUE(store_->IssueTokens(family, Access("a0", "f1"), Refresh("g0", "f1")).ok());
  std::vector<RefreshTokenRecord> seen;
  auto accept = [&](const std::string& access, const std::string& next, int64_t generation) {
    return [&seen, access, next, generation](const RefreshTokenRecord& presented) {
      seen.push_back(presented);
      RefreshVerdict verdict;
      verdict.access = Access(access, "f1");
      verdict.refresh = Next(next, "f1", generation);
      return verdict;
    };
  };
  RedeemRefreshResult result = store_->RedeemRefreshToken(Key("g0"), kT0, accept("a1", "g1", 1));
  EXPECT_EQ(result.outcome, RotateOutcome::kRotated);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].family_id, "f1");
  EXPECT_EQ(seen[0].client_id, "c");
  EXPECT_EQ(seen[0].generation, 0);
  EXPECT_EQ(seen[0].scopes, std::vector<std::string>{"user"});
  EXPECT_EQ(seen[0].grant_created_at, family.created_at);
  EXPECT_FALSE(seen[0].rotated);
  EXPECT_FALSE(seen[0].revoked);
  // An unknown token reaches no decision.
  EXPECT_EQ(store_->RedeemRefreshToken(Key("nothing"), kT0, accept("a9", "g9", 1)).outcome,
            RotateOutcome::kNotFound);
  EXPECT_EQ(seen.size(), 1u);

  // A refusal changes nothing and comes back as the decision's status.
  auto refuse = [&](bool revoke_family) {
    return [&seen, revoke_family](const RefreshTokenRecord& presented) {
      seen.push_back(presented);
      RefreshVerdict verdict;
      verdict.status = absl::PermissionDeniedError("no");
      verdict.revoke_family = revoke_family;
      return verdict;
    };
  };
  result = store_->RedeemRefreshToken(Key("g1"), kT0, refuse(false));
  EXPECT_EQ(result.outcome, RotateOutcome::kRejected);
  EXPECT_EQ(result.rejection, absl::PermissionDeniedError("no"));
  EXPECT_TRUE(store_->GetAccessToken("a1").has_value());
  EXPECT_FALSE(store_->GetRefreshToken(Key("g1"))->rotated);
  EXPECT_FALSE(store_->GetRefreshToken(Key("g1"))->revoked);
  // The decision sees a rotated token as rotated, and may refuse it without
  // revoking (e.g. presented by another client)...
  result = store_->RedeemRefreshToken(Key("g0"), kT0, refuse(false));
  EXPECT_EQ(result.outcome, RotateOutcome::kRejected);
  EXPECT_TRUE(seen.back().rotated);
  EXPECT_FALSE(store_->GetRefreshToken(Key("g1"))->revoked);
  // ...or revoke the family with its refusal.
  result = store_->RedeemRefreshToken(Key("g1"), kT0, refuse(true));
  EXPECT_EQ(result.outcome, RotateOutcome::kRejected);
  EXPECT_TRUE(store_->GetRefreshToken(Key("g1"))->revoked);
  EXPECT_TRUE(store_->GetAccessToken("a1")->revoked);
  // Accepting a revoked token rotates nothing.
  EXPECT_EQ(store_->RedeemRefreshToken(Key("g1"), kT0, accept("a2", "g2", 2)).outcome,
            RotateOutcome::kNotFound);
  EXPECT_TRUE(seen.back().revoked);
  EXPECT_FALSE(store_->GetAccessToken("a2").has_value());
}

TEST_P(StoreConformanceTest, AcceptingARotatedTokenStillRevokesItsFamily) {
  ASSERT_TRUE(store_->IssueTokens(Family("f1"), Access("a0", "f1"), Refresh("g0", "f1")).ok());
  ASSERT_EQ(store_->Rotate(Key("g0"), kT0, Access("a1", "f1"), Next("g1", "f1", 1)),
            RotateOutcome::kRotated);
  // Whatever the decision says, the store never rotates a rotated token.
  RedeemRefreshResult result =
      store_->RedeemRefreshToken(Key("g0"), kT0, [](const RefreshTokenRecord&) {
        RefreshVerdict verdict;
        verdict.access = Access("a2", "f1");
        verdict.refresh = Next("g2", "f1", 1);
        return verdict;
      });
  EXPECT_EQ(result.outcome, RotateOutcome::kReused);
  EXPECT_TRUE(store_->GetAccessToken("a1")->revoked);
  EXPECT_FALSE(store_->GetAccessToken("a2").has_value());
}

TEST_P(StoreConformanceTest, RevokeSingleAccessTokenLeavesFamily) {
  ASSERT_TRUE(store_->IssueTokens(Family("f1"), Access("a1", "f1"), Refresh("r1", "f1")).ok());
  ASSERT_TRUE(store_->IssueTokens(Family("f1"), Access("a2", "f1"), std::nullopt).ok());
  store_->RevokeAccessToken("a1");
  EXPECT_TRUE(store_->GetAccessToken("a1")->revoked);
  EXPECT_FALSE(store_->GetAccessToken("a2")->revoked);
  EXPECT_FALSE(store_->GetRefreshToken(Key("r1"))->revoked);
  store_->RevokeFamily("f1");
  EXPECT_TRUE(store_->GetRefreshToken(Key("r1"))->revoked);
  EXPECT_TRUE(store_->GetAccessToken("a2")->revoked);
  EXPECT_EQ(store_->Rotate(Key("r1"), kT0, Access("a3", "f1"), Next("r3", "f1")),
            RotateOutcome::kNotFound);
  // Revoking an unknown family leaves a tombstone that blocks issuance.
  store_->RevokeFamily("f9");
  EXPECT_EQ(store_->IssueTokens(Family("f9"), Access("a9", "f9"), std::nullopt).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_P(StoreConformanceTest, ThrottleWindow) {
  EXPECT_EQ(store_->LoginFailures("user:a", kT0).failures, 0);
  auto s = store_->RecordLoginFailure("user:a", kT0, absl::Minutes(5));
  EXPECT_EQ(s.failures, 1);
  s = store_->RecordLoginFailure("user:a", kT0 + absl::Minutes(1), absl::Minutes(5));
  EXPECT_EQ(s.failures, 2);
  EXPECT_EQ(s.window_end, kT0 + absl::Minutes(5));
  EXPECT_EQ(store_->LoginFailures("user:a", kT0 + absl::Minutes(2)).failures, 2);
  EXPECT_EQ(store_->LoginFailures("user:a", kT0 + absl::Minutes(2)).window_end,
            kT0 + absl::Minutes(5));
  EXPECT_EQ(store_->LoginFailures("user:a", kT0 + absl::Minutes(5)).failures, 0);
  EXPECT_EQ(store_->LoginFailures("ip:x", kT0).failures, 0);
  // A new window starts when the last one ended.
  s = store_->RecordLoginFailure("user:a", kT0 + absl::Minutes(6), absl::Minutes(5));
  EXPECT_EQ(s.failures, 1);
  EXPECT_EQ(s.window_end, kT0 + absl::Minutes(11));
  store_->ResetLoginFailures("user:a");
  EXPECT_EQ(store_->LoginFailures("user:a", kT0 + absl::Minutes(6)).failures, 0);
}

TEST_P(StoreConformanceTest, ThrottlesOfSeveralKeysInOneRead) {
  store_->RecordLoginFailure("ip:x", kT0, absl::Minutes(5));
  store_->RecordLoginFailure("ip:x", kT0, absl::Minutes(5));
  store_->RecordLoginFailure("user:a", kT0, absl::Minutes(1));
  std::vector<ThrottleState> states =
      store_->ReadLoginFailures({"user:a", "nobody", "ip:x"}, kT0 + absl::Seconds(30));
  ASSERT_EQ(states.size(), 3u);
  EXPECT_EQ(states[0].failures, 1);
  EXPECT_EQ(states[0].window_end, kT0 + absl::Minutes(1));
  EXPECT_EQ(states[1].failures, 0);
  EXPECT_EQ(states[2].failures, 2);
  EXPECT_EQ(states[2].window_end, kT0 + absl::Minutes(5));
  // An ended window reads as none; the others keep their place.
  states = store_->ReadLoginFailures({"user:a", "ip:x"}, kT0 + absl::Minutes(2));
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].failures, 0);
  EXPECT_EQ(states[1].failures, 2);
  EXPECT_TRUE(store_->ReadLoginFailures({}, kT0).empty());
}

TEST_P(StoreConformanceTest, SweepRemovesOnlyExpired) {
  PendingAuthorization p;
  p.id_hash = "p1";
  p.expires_at = kT0 + absl::Minutes(10);
  ASSERT_TRUE(store_->PutPendingAuthorization(p, 0).ok());
  ASSERT_TRUE(store_->PutCode(Code("c1", "f0")).ok());
  ASSERT_TRUE(store_->IssueTokens(Family("f1"), Access("a1", "f1"), Refresh("r1", "f1")).ok());
  store_->RecordLoginFailure("ip:x", kT0, absl::Minutes(5));

  EXPECT_EQ(store_->Sweep(kT0), 0);
  EXPECT_EQ(store_->Sweep(kT0 + absl::Minutes(6)), 2);  // code + throttle
  EXPECT_TRUE(store_->GetPendingAuthorization("p1", kT0).has_value());
  EXPECT_EQ(store_->ConsumeCode("c1", kT0, AnyBinding()).outcome, ConsumeCodeOutcome::kNotFound);
  EXPECT_EQ(store_->Sweep(kT0 + absl::Hours(2)), 2);  // pending + access token
  EXPECT_FALSE(store_->GetAccessToken("a1").has_value());
  EXPECT_TRUE(store_->GetRefreshToken(Key("r1")).has_value());
  EXPECT_EQ(store_->Sweep(kT0 + absl::Hours(25)), 2);  // refresh token + family
  EXPECT_FALSE(store_->GetRefreshToken(Key("r1")).has_value());
  EXPECT_EQ(store_->Sweep(kT0 + absl::Hours(100)), 0);
}

// A rotation moves the chain's expiry past the one it was created with.
TEST_P(StoreConformanceTest, SweepKeepsARotatedChainUntilItsNewExpiry) {
  ASSERT_TRUE(
      store_
          ->IssueTokens(Family("f1"), Access("a0", "f1"), Refresh("g0", "f1", kT0 + absl::Hours(1)))
          .ok());
  ASSERT_EQ(
      store_->Rotate(Key("g0"), kT0, Access("a1", "f1"), Next("g1", "f1", 1, kT0 + absl::Hours(3))),
      RotateOutcome::kRotated);
  store_->Sweep(kT0 + absl::Hours(2));
  EXPECT_TRUE(store_->GetRefreshToken(Key("g1")).has_value());
  store_->Sweep(kT0 + absl::Hours(2) + absl::Minutes(1));
  EXPECT_TRUE(store_->GetRefreshToken(Key("g1")).has_value());
  store_->Sweep(kT0 + absl::Hours(3));
  EXPECT_FALSE(store_->GetRefreshToken(Key("g1")).has_value());
}

TEST_P(StoreConformanceTest, RevocationTombstoneOutlivesSweep) {
  store_->RevokeFamily("f1");
  EXPECT_EQ(store_->Sweep(kT0 + absl::Hours(24 * 365)), 0);
  EXPECT_EQ(store_->IssueTokens(Family("f1"), Access("a1", "f1"), std::nullopt).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_P(StoreConformanceTest, EverythingSurvivesReopening) {
  if (!durable()) GTEST_SKIP() << "the memory store is not durable";
  ASSERT_TRUE(store_->IssueTokens(Family("f1"), Access("a1", "f1"), Refresh("r1", "f1")).ok());
  ASSERT_TRUE(store_->IssueTokens(Family("f2"), Access("a2", "f2"), Refresh("r2", "f2")).ok());
  ASSERT_TRUE(store_->PutCode(Code("c1", "f3")).ok());
  ASSERT_EQ(store_->ConsumeCode("c1", kT0, AnyBinding()).outcome, ConsumeCodeOutcome::kConsumed);
  store_->RevokeFamily("f2");
  store_->RecordLoginFailure("user:a", kT0, absl::Minutes(5));
  store_.reset();

  std::shared_ptr<CheckedStore> reopened = Open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_FALSE(reopened->GetAccessToken("a1")->revoked);
  EXPECT_EQ(reopened->Rotate(Key("r1"), kT0, Access("a1b", "f1"), Next("r1b", "f1")),
            RotateOutcome::kRotated);
  EXPECT_TRUE(reopened->GetAccessToken("a2")->revoked);
  EXPECT_EQ(reopened->Rotate(Key("r2"), kT0, Access("a2b", "f2"), Next("r2b", "f2")),
            RotateOutcome::kNotFound);
  EXPECT_EQ(reopened->ConsumeCode("c1", kT0, AnyBinding()).outcome,
            ConsumeCodeOutcome::kAlreadyUsed);
  EXPECT_EQ(reopened->LoginFailures("user:a", kT0).failures, 1);
}

// Chains rotated before version 3 have no access_hash: they go on rotating,
// and from their first rotation on they name their access token.
TEST_P(StoreConformanceTest, ChainsFromSchemaVersion2KeepRotating) {
  if (!durable()) GTEST_SKIP() << "the memory store has no schema";
  ASSERT_TRUE(store_->IssueTokens(Family("f1"), Access("a0", "f1"), Refresh("g0", "f1")).ok());
  store_.reset();
  // Back to version 2: the columns of versions 3 and 4 and their records gone.
  ExecuteRaw("DROP INDEX refresh_chains_sweep_after");
  ExecuteRaw("ALTER TABLE refresh_chains DROP COLUMN sweep_after");
  ExecuteRaw("CREATE INDEX refresh_chains_expires ON refresh_chains (expires_at)");
  ExecuteRaw("ALTER TABLE refresh_chains DROP COLUMN access_hash");
  ExecuteRaw("DELETE FROM schema_migrations WHERE version >= 3");
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  ASSERT_EQ(store_->Rotate(Key("g0"), kT0, Access("a1", "f1"), Next("g1", "f1", 1)),
            RotateOutcome::kRotated);
  EXPECT_TRUE(store_->GetAccessToken("a0").has_value());  // Unknown to its chain: expires.
  ASSERT_EQ(store_->Rotate(Key("g1"), kT0, Access("a2", "f1"), Next("g2", "f1", 2)),
            RotateOutcome::kRotated);
  EXPECT_FALSE(store_->GetAccessToken("a1").has_value());
  EXPECT_TRUE(store_->GetAccessToken("a2").has_value());
}

// Chains written before version 4 have no sweep_after: the migration gives
// them their expiry, so they are swept as before.
TEST_P(StoreConformanceTest, ChainsFromSchemaVersion3AreSweptAtTheirExpiry) {
  if (!durable()) GTEST_SKIP() << "the memory store has no schema";
  ASSERT_TRUE(
      store_
          ->IssueTokens(Family("f1"), Access("a0", "f1"), Refresh("g0", "f1", kT0 + absl::Hours(1)))
          .ok());
  ASSERT_TRUE(
      store_
          ->IssueTokens(Family("f2"), Access("b0", "f2"), Refresh("h0", "f2", kT0 + absl::Hours(5)))
          .ok());
  store_.reset();
  // Back to version 3: its index, no sweep_after, no record of version 4.
  ExecuteRaw("DROP INDEX refresh_chains_sweep_after");
  ExecuteRaw("ALTER TABLE refresh_chains DROP COLUMN sweep_after");
  ExecuteRaw("CREATE INDEX refresh_chains_expires ON refresh_chains (expires_at)");
  ExecuteRaw("DELETE FROM schema_migrations WHERE version = 4");
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  store_->Sweep(kT0 + absl::Hours(2));
  EXPECT_FALSE(store_->GetRefreshToken(Key("g0")).has_value());
  EXPECT_TRUE(store_->GetRefreshToken(Key("h0")).has_value());
  ASSERT_EQ(
      store_->Rotate(Key("h0"), kT0, Access("b1", "f2"), Next("h1", "f2", 1, kT0 + absl::Hours(8))),
      RotateOutcome::kRotated);
  store_->Sweep(kT0 + absl::Hours(6));
  EXPECT_TRUE(store_->GetRefreshToken(Key("h1")).has_value());
  store_->Sweep(kT0 + absl::Hours(8));
  EXPECT_FALSE(store_->GetRefreshToken(Key("h1")).has_value());
}

TEST_P(StoreConformanceTest, SchemaFromNewerVersionIsRefused) {
  if (!durable()) GTEST_SKIP() << "the memory store has no schema";
  // Pretend a newer binary migrated the database.
  ExecuteRaw(absl::StrCat("INSERT INTO schema_migrations (version, applied_at) VALUES (",
                          SqlStore::LatestSchemaVersion() + 1, ", 0)"));
  auto reopened = OpenStore(spec_);
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(reopened.status().message().find("newer"), std::string::npos) << reopened.status();
}

INSTANTIATE_TEST_SUITE_P(AllBackends, StoreConformanceTest,
                         ::testing::Values(Backend::kMemory, Backend::kSqlite, Backend::kPostgres),
                         BackendName);

// ------------------------------------------------------ --store parsing

TEST(OpenStoreTest, RejectsUnknownSpecsWithoutLeakingPasswords) {
  auto bad = OpenStore("mysql://root:hunter2@db/x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().find("hunter2"), std::string::npos) << bad.status();
  EXPECT_FALSE(OpenStore("sqlite:").ok());
  EXPECT_TRUE(OpenStore("memory").ok());
}

TEST(OpenStoreTest, UnreachablePostgresIsAClearStartupError) {
  // Port 1 on loopback: nothing listens there.
  auto store = OpenStore("postgres://u:s3cret@127.0.0.1:1/db");
  ASSERT_FALSE(store.ok());
  std::string message(store.status().message());
  EXPECT_NE(message.find("cannot connect to PostgreSQL (user=u password=*** dbname=db "
                         "host=127.0.0.1 port=1)"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("s3cret"), std::string::npos);
  auto malformed = OpenStore("postgres://[oops");
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.status().message().find("PostgreSQL"), std::string::npos)
      << malformed.status();
}

TEST(OpenStoreTest, NoPasswordInAnyFormReachesAMessage) {
  for (const char* spec :
       {"postgres://u@127.0.0.1:1/db?password=s3cret", "postgresql://u:s3cret@127.0.0.1:1/db",
        "postgres://u:s3cret%zz@127.0.0.1:1/db", "postgres://u:s3cret@[oops",
        "host=127.0.0.1 port=1 password=s3cret", "host=127.0.0.1 password='s3cret"}) {
    SCOPED_TRACE(spec);
    auto store = OpenStore(spec);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().message().find("s3cret"), std::string::npos) << store.status();
    std::string described = DescribeStoreSpec(spec);
    EXPECT_EQ(described.find("s3cret"), std::string::npos) << described;
  }
  EXPECT_EQ(DescribeStoreSpec("postgres://app:s3cret@db:5433/tokens?sslmode=require"),
            "PostgreSQL (user=app password=*** dbname=tokens host=db port=5433 sslmode=require)");
  EXPECT_EQ(DescribeStoreSpec("sqlite:/var/lib/x/auth.db"), "sqlite:/var/lib/x/auth.db");
}

TEST(OpenStoreTest, SqliteFileIsPrivateAndInAFreshDirectory) {
  std::string dir = absl::StrCat(Env("TEST_TMPDIR").empty() ? "/tmp" : Env("TEST_TMPDIR"),
                                 "/fresh-", getpid(), "/nested");
  auto store = OpenStore("sqlite:" + dir + "/auth.db");
  ASSERT_TRUE(store.ok()) << store.status();
  struct stat st;
  ASSERT_EQ(stat((dir + "/auth.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto not_a_database = OpenStore("sqlite:/proc/version");
  EXPECT_FALSE(not_a_database.ok());
}

TEST(OpenStoreTest, DefaultSpecIsSqliteUnderTheDataDirectory) {
  setenv("MCP_DATA_DIR", "/var/lib/mcp", 1);
  EXPECT_EQ(DefaultStoreSpec(), "sqlite:/var/lib/mcp/auth.db");
  unsetenv("MCP_DATA_DIR");
  setenv("XDG_STATE_HOME", "/home/u/.state", 1);
  EXPECT_EQ(DefaultStoreSpec(), "sqlite:/home/u/.state/mcp-oauth/auth.db");
  unsetenv("XDG_STATE_HOME");
  setenv("HOME", "/home/u", 1);
  EXPECT_EQ(DefaultStoreSpec(), "sqlite:/home/u/.local/state/mcp-oauth/auth.db");
}

}  // namespace
}  // namespace mcp_oauth::auth
