// In-memory Store: hash maps behind one absl::Mutex (readers share it), so
// every operation is atomic and never fails (no outage, no UNAVAILABLE).
// Thread safe. Data is lost on restart.
#ifndef MCP_OAUTH_AUTH_MEMORY_STORE_H_
#define MCP_OAUTH_AUTH_MEMORY_STORE_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "auth/store.h"

namespace mcp_oauth::auth {

class MemoryStore final : public Store {
 public:
  MemoryStore() = default;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  bool MayBlock() const override { return false; }

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

  // Number of entries of each kind, for tests (refresh_tokens counts chains
  // and chainless tokens).
  struct Counts {
    size_t pending = 0, codes = 0, families = 0, access_tokens = 0, refresh_tokens = 0,
           throttles = 0;
  };
  Counts GetCounts();

 private:
  struct FamilyEntry {
    TokenFamily family;
    // The entry may be swept after this time (latest expiry of its tokens).
    absl::Time keep_until = absl::InfinitePast();
  };

  void RevokeFamilyLocked(const std::string& family_id, absl::Time keep_until)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool FamilyRevokedLocked(const std::string& family_id) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The family's created_at, InfinitePast when it is unknown.
  absl::Time FamilyCreatedLocked(const std::string& family_id) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The stored record `key` presents (a chain's or a chainless token's), with
  // `rotated` set for the presented token; nullptr when there is none.
  RefreshTokenRecord* FindRefreshLocked(const RefreshTokenKey& key, bool* rotated)
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The presented token's record as GetRefreshToken returns it.
  RefreshTokenRecord PresentedLocked(const RefreshTokenRecord& found, bool rotated) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, PendingAuthorization> pending_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, AuthorizationCode> codes_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, FamilyEntry> families_ ABSL_GUARDED_BY(mu_);
  // One entry per live access token, so by far the largest map: nodes,
  // so that growing it moves pointers, not records, and never holds two
  // copies of the records' array at once.
  absl::node_hash_map<std::string, AccessTokenRecord> access_ ABSL_GUARDED_BY(mu_);
  // Chainless refresh tokens by token_hash; chains by chain_hash (one
  // record each, whatever the number of rotations).
  absl::flat_hash_map<std::string, RefreshTokenRecord> refresh_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, RefreshTokenRecord> chains_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, ThrottleState> throttles_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_MEMORY_STORE_H_
