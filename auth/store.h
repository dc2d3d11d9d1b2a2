// Persistence seam of the authorization server. Every method is one atomic
// operation, designed to map onto one SQL transaction (see sql_store.h). Only
// SHA-256 digests of tokens, codes and authorization ids are stored (the
// `*_hash` fields, raw 32 bytes), never the raw values. Implementations must
// be thread safe.
//
// Errors: every method returns UNAVAILABLE when the backend cannot do it (the
// database is unreachable, fails or is busy): an outage, which the caller
// answers with 503 and the client retries, never with "not found". Lookups
// answer "nothing there" with an empty optional; the other codes a method
// lists (NotFound, AlreadyExists, FailedPrecondition, ResourceExhausted) are
// outcomes, not outages.
#ifndef MCP_OAUTH_AUTH_STORE_H_
#define MCP_OAUTH_AUTH_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace mcp_oauth::auth {

// A validated authorization request waiting for the user to sign in.
struct PendingAuthorization {
  std::string id_hash;
  std::string client_id;
  std::string redirect_uri;
  // False when the request omitted redirect_uri (then /token must omit it too).
  bool redirect_uri_in_request = true;
  std::vector<std::string> scopes;
  std::string state;
  std::string code_challenge;  // S256 only.
  std::string resource;        // Normalised canonical resource.
  std::string csrf_token;      // Shown to the login form; not a bearer credential.
  absl::Time created_at;
  absl::Time expires_at;
};

// An issued authorization code.
struct AuthorizationCode {
  std::string code_hash;
  std::string client_id;
  std::string redirect_uri;
  bool redirect_uri_in_request = true;
  std::vector<std::string> scopes;
  std::string code_challenge;
  std::string resource;
  std::string subject;
  std::string username;
  // Family the tokens issued for this code belong to, so a replay can revoke them.
  std::string family_id;
  absl::Time issued_at;
  absl::Time expires_at;
  bool used = false;
};

// All tokens descending from one grant (one code, or one client_credentials
// request). Revoking the family revokes every token in it.
struct TokenFamily {
  std::string family_id;
  std::string client_id;
  std::string subject;
  std::string username;
  // When the grant began: the sign-in (the code's issue time) or the
  // client_credentials request. The grant's absolute lifetime counts from it.
  absl::Time created_at;
  bool revoked = false;
};

struct AccessTokenRecord {
  std::string token_hash;
  std::string family_id;
  std::string client_id;
  std::string subject;
  std::string username;
  std::vector<std::string> scopes;
  std::string audience;
  std::string jti;
  absl::Time issued_at;
  absl::Time expires_at;
  // Set by the store on reads: the token or its family was revoked.
  bool revoked = false;
  // Set by the store on reads: its family's created_at (InfinitePast when
  // the family is unknown).
  absl::Time grant_created_at = absl::InfinitePast();
};

// Refresh tokens of one grant form a chain: each rotation issues the next
// generation of the same chain, and the store keeps one record per chain
// (the live generation) instead of one per token, so rotating a million
// times costs no more storage than rotating once. The chain's id is in each
// of its tokens; the store sees only its digest (chain_hash). A token of an
// older generation is a rotated token: presenting it is reuse.
//
// Tokens minted before chains existed have no chain (chain_hash empty): one
// record per token, as before, until they expire.
struct RefreshTokenKey {
  std::string chain_hash;  // Empty for a token without a chain.
  int64_t generation = 0;  // Position in the chain (the first token is 0).
  std::string token_hash;  // Digest of the whole token.
};

struct RefreshTokenRecord {
  // The chain's live token (or, without a chain, this token).
  std::string token_hash;
  std::string chain_hash;  // Empty: a token without a chain.
  int64_t generation = 0;
  std::string family_id;
  std::string client_id;
  std::string subject;
  std::string username;
  std::vector<std::string> scopes;
  std::string audience;
  std::string jti;
  absl::Time issued_at;
  absl::Time expires_at;
  // Chains only, set by the store: digest of the access token issued with
  // the live generation. Rotation deletes that token: the client that
  // rotated has its successor, so only the latest generation's access token
  // stays (storage per chain is bounded however often it rotates).
  std::string access_hash;
  // Set by the store on reads: the presented token was exchanged for a
  // successor (an older generation, or a chainless token marked rotated);
  // presenting it again is reuse.
  bool rotated = false;
  // Set by the store on reads: the token or its family was revoked.
  bool revoked = false;
  // Set by the store on reads: its family's created_at (InfinitePast when
  // the family is unknown).
  absl::Time grant_created_at = absl::InfinitePast();
};

// Checks one redemption against a code's bindings (client, redirect URI,
// PKCE verifier): OK, or the error to answer. Runs inside the store's
// transaction, so it must be quick and must not call the store.
using CodeBindingCheck = std::function<absl::Status(const AuthorizationCode&)>;

enum class ConsumeCodeOutcome {
  kConsumed,     // First use: `code` holds the record, now marked used.
  kNotFound,     // Unknown or expired.
  kAlreadyUsed,  // Replay: the family of tokens issued for it was revoked.
  kRejected,     // A binding did not match: nothing changed, see `rejection`.
};

struct ConsumeCodeResult {
  ConsumeCodeOutcome outcome = ConsumeCodeOutcome::kNotFound;
  AuthorizationCode code;
  // The binding check's error when outcome is kRejected.
  absl::Status rejection;
};

enum class RotateOutcome {
  kRotated,   // The old token is now dead and the new tokens are stored.
  kNotFound,  // Unknown, expired or revoked.
  kReused,    // Already rotated: the whole family was revoked.
  kRejected,  // The caller's decision refused it (see RedeemRefreshResult).
};

// A refresh grant's verdict on the presented token (RedeemRefreshToken).
struct RefreshVerdict {
  // OK: rotate to `access` and `refresh`. Otherwise nothing rotates and the
  // caller answers with this status.
  absl::Status status;
  // With a non-OK status: revoke the token's whole family too.
  bool revoke_family = false;
  AccessTokenRecord access;
  RefreshTokenRecord refresh;
};

// Decides from the presented token's record (as GetRefreshToken returns it:
// `rotated`, `revoked` and `grant_created_at` set) whether to rotate. Runs
// inside the store's transaction, so it must be quick and must not call the
// store.
using RefreshDecision = std::function<RefreshVerdict(const RefreshTokenRecord&)>;

struct RedeemRefreshResult {
  RotateOutcome outcome = RotateOutcome::kNotFound;
  // The verdict's status when outcome is kRejected.
  absl::Status rejection;
};

// Fixed-window failure counter for login throttling.
struct ThrottleState {
  int failures = 0;
  absl::Time window_end;
};

// How much longer than its tokens a family is kept after a rotation moved
// its end (see RedeemRefreshToken).
constexpr absl::Duration kRotationKeepSlack = absl::Hours(24);

class Store {
 public:
  virtual ~Store() = default;

  // False when no call ever waits on I/O (an in-memory store): then cheap
  // lookups may run on threads that must not block (e.g. HTTP IO threads).
  virtual bool MayBlock() const { return true; }

  // Pending authorizations. Stores `pending` unless `max_pending` > 0 and
  // that many unexpired ones (at pending.created_at) are stored already:
  // then ResourceExhausted. Concurrent writers may overshoot the cap by
  // their number (SQL stores count and insert in one transaction, not under
  // a table lock). AlreadyExists on an id collision.
  virtual absl::Status PutPendingAuthorization(const PendingAuthorization& pending,
                                               int64_t max_pending) = 0;
  // Returns the pending authorization if it exists and has not expired.
  virtual absl::StatusOr<std::optional<PendingAuthorization>> GetPendingAuthorization(
      const std::string& id_hash, absl::Time now) = 0;
  virtual absl::Status DeletePendingAuthorization(const std::string& id_hash) = 0;
  // Atomically deletes the (unexpired) pending authorization and stores
  // `code`. NotFound when the pending authorization is gone (e.g. a
  // concurrent login completed it first); AlreadyExists on a code collision
  // (the pending authorization stays).
  virtual absl::Status CompleteAuthorization(const std::string& id_hash, absl::Time now,
                                             const AuthorizationCode& code) = 0;

  // Authorization codes (stored by CompleteAuthorization). Atomically: runs
  // `check` on the code and, only if it passes, marks the code used and
  // returns it. A redemption failing a binding changes nothing (kRejected),
  // so whoever intercepted a code cannot burn it. A second use that passes
  // `check` is a replay: it revokes the code's token family in the same
  // transaction and reports kAlreadyUsed.
  virtual absl::StatusOr<ConsumeCodeResult> ConsumeCode(const std::string& code_hash,
                                                        absl::Time now,
                                                        const CodeBindingCheck& check) = 0;

  // Tokens. Stores the tokens of `family`, creating the family if it does not
  // exist. FailedPrecondition if the family exists and is revoked (e.g. a code
  // replay revoked it while the first exchange was in flight); AlreadyExists
  // on a token collision.
  virtual absl::Status IssueTokens(const TokenFamily& family, const AccessTokenRecord& access,
                                   const std::optional<RefreshTokenRecord>& refresh) = 0;
  // Returns the access token record (with `revoked` reflecting its family).
  virtual absl::StatusOr<std::optional<AccessTokenRecord>> GetAccessToken(
      const std::string& token_hash) = 0;
  // Returns the record of the presented token: for a chain, the chain's
  // record (fields of its live generation) with `rotated` set when `key` is
  // an older generation; nothing when `key` names a generation the chain
  // never had, or the live generation with another digest.
  virtual absl::StatusOr<std::optional<RefreshTokenRecord>> GetRefreshToken(
      const RefreshTokenKey& key) = 0;
  // The refresh grant in one transaction: finds the record `old` presents
  // (as GetRefreshToken; kNotFound when there is none) and asks `decide`.
  // A refusing verdict changes nothing (but revokes the family when it asks
  // to): kRejected. An accepting one rotates if `old` is live (its chain's
  // live generation, or a chainless token not rotated; not revoked or
  // expired at `now`): makes the verdict's refresh token the live one,
  // stores its access token in the family and deletes the access token
  // issued with `old` (see RefreshTokenRecord::access_hash). The new refresh
  // token continues the chain (same chain_hash, generation + 1), or starts
  // one when `old` has no chain; otherwise kNotFound. If `old` was already
  // rotated, revokes its family (reuse detection): kReused. The family is
  // kept (see Sweep) at least until the new tokens expire; when that moves
  // it, it moves kRotationKeepSlack further, so a family is not rewritten on
  // every rotation. A token collision rotates nothing: kNotFound.
  virtual absl::StatusOr<RedeemRefreshResult> RedeemRefreshToken(const RefreshTokenKey& old,
                                                                 absl::Time now,
                                                                 const RefreshDecision& decide) = 0;
  // Marks the family revoked (creating a revoked tombstone if unknown).
  virtual absl::Status RevokeFamily(const std::string& family_id) = 0;
  virtual absl::Status RevokeAccessToken(const std::string& token_hash) = 0;

  // Failure throttling: `key` is e.g. "user:alice" or "ip:10.0.0.1".
  // Returns the state of each of `keys` (same order) in one read.
  virtual absl::StatusOr<std::vector<ThrottleState>> ReadLoginFailures(
      const std::vector<std::string>& keys, absl::Time now) = 0;
  // Counts one failure; a new window of length `window` starts when the last
  // one ended. Returns the updated state.
  virtual absl::StatusOr<ThrottleState> RecordLoginFailure(const std::string& key, absl::Time now,
                                                           absl::Duration window) = 0;
  virtual absl::Status ResetLoginFailures(const std::string& key) = 0;

  // Deletes every entry that expired before `now`; returns how many.
  virtual absl::StatusOr<int64_t> Sweep(absl::Time now) = 0;
};

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_STORE_H_
