#include "auth/memory_store.h"

#include <algorithm>
#include <utility>

#include "auth/refresh_chain.h"

namespace mcp_oauth::auth {

absl::Status MemoryStore::PutPendingAuthorization(const PendingAuthorization& pending,
                                                  int64_t max_pending) {
  absl::MutexLock lock(&mu_);
  if (max_pending > 0 && static_cast<int64_t>(pending_.size()) >= max_pending) {
    // Expired entries wait for the next sweep; they do not count.
    absl::erase_if(
        pending_, [&](const auto& entry) { return entry.second.expires_at <= pending.created_at; });
    if (static_cast<int64_t>(pending_.size()) >= max_pending) {
      return absl::ResourceExhaustedError("too many pending authorizations");
    }
  }
  if (!pending_.emplace(pending.id_hash, pending).second) {
    return absl::AlreadyExistsError("pending authorization id collision");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<PendingAuthorization>> MemoryStore::GetPendingAuthorization(
    const std::string& id_hash, absl::Time now) {
  absl::ReaderMutexLock lock(&mu_);
  auto it = pending_.find(id_hash);
  if (it == pending_.end() || it->second.expires_at <= now) return std::nullopt;
  return it->second;
}

absl::Status MemoryStore::DeletePendingAuthorization(const std::string& id_hash) {
  absl::MutexLock lock(&mu_);
  pending_.erase(id_hash);
  return absl::OkStatus();
}

absl::Status MemoryStore::CompleteAuthorization(const std::string& id_hash, absl::Time now,
                                                const AuthorizationCode& code) {
  absl::MutexLock lock(&mu_);
  auto it = pending_.find(id_hash);
  if (it == pending_.end() || it->second.expires_at <= now) {
    return absl::NotFoundError("pending authorization not found or expired");
  }
  if (codes_.count(code.code_hash) > 0) return absl::AlreadyExistsError("code collision");
  pending_.erase(it);
  codes_.emplace(code.code_hash, code);
  return absl::OkStatus();
}

absl::StatusOr<ConsumeCodeResult> MemoryStore::ConsumeCode(const std::string& code_hash,
                                                           absl::Time now,
                                                           const CodeBindingCheck& check) {
  absl::MutexLock lock(&mu_);
  ConsumeCodeResult result;
  auto it = codes_.find(code_hash);
  if (it == codes_.end()) return result;
  AuthorizationCode& code = it->second;
  // An unused expired code is dead; a used one is kept to detect replays.
  if (!code.used && code.expires_at <= now) return result;
  if (absl::Status bound = check(code); !bound.ok()) {
    result.outcome = ConsumeCodeOutcome::kRejected;
    result.rejection = std::move(bound);
    return result;
  }
  if (code.used) {
    // A replay by the rightful client, even after expiry: revoke.
    RevokeFamilyLocked(code.family_id, code.expires_at);
    result.outcome = ConsumeCodeOutcome::kAlreadyUsed;
    result.code = code;
    return result;
  }
  code.used = true;
  result.outcome = ConsumeCodeOutcome::kConsumed;
  result.code = code;
  return result;
}

absl::Status MemoryStore::IssueTokens(const TokenFamily& family, const AccessTokenRecord& access,
                                      const std::optional<RefreshTokenRecord>& refresh) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = families_.try_emplace(family.family_id);
  FamilyEntry& entry = it->second;
  if (inserted) {
    entry.family = family;
  } else if (entry.family.revoked) {
    return absl::FailedPreconditionError("token family revoked");
  }
  if (access_.count(access.token_hash) > 0 ||
      (refresh && (refresh->chain_hash.empty() ? refresh_.count(refresh->token_hash) > 0
                                               : chains_.count(refresh->chain_hash) > 0))) {
    return absl::AlreadyExistsError("token collision");
  }
  entry.keep_until = std::max(entry.keep_until, access.expires_at);
  access_.emplace(access.token_hash, access);
  if (refresh) {
    entry.keep_until = std::max(entry.keep_until, refresh->expires_at);
    if (refresh->chain_hash.empty()) {
      refresh_.emplace(refresh->token_hash, *refresh);
    } else {
      chains_.emplace(refresh->chain_hash, *refresh).first->second.access_hash = access.token_hash;
    }
  }
  return absl::OkStatus();
}

bool MemoryStore::FamilyRevokedLocked(const std::string& family_id) const {
  auto it = families_.find(family_id);
  return it != families_.end() && it->second.family.revoked;
}

absl::Time MemoryStore::FamilyCreatedLocked(const std::string& family_id) const {
  auto it = families_.find(family_id);
  return it != families_.end() ? it->second.family.created_at : absl::InfinitePast();
}

absl::StatusOr<std::optional<AccessTokenRecord>> MemoryStore::GetAccessToken(
    const std::string& token_hash) {
  absl::ReaderMutexLock lock(&mu_);
  auto it = access_.find(token_hash);
  if (it == access_.end()) return std::nullopt;
  AccessTokenRecord record = it->second;
  record.revoked = record.revoked || FamilyRevokedLocked(record.family_id);
  record.grant_created_at = FamilyCreatedLocked(record.family_id);
  return record;
}

RefreshTokenRecord* MemoryStore::FindRefreshLocked(const RefreshTokenKey& key, bool* rotated) {
  if (key.chain_hash.empty()) {
    auto it = refresh_.find(key.token_hash);
    if (it == refresh_.end()) return nullptr;
    *rotated = it->second.rotated;
    return &it->second;
  }
  auto it = chains_.find(key.chain_hash);
  if (it == chains_.end()) return nullptr;
  switch (ClassifyPresented(key, it->second.generation, it->second.token_hash)) {
    case PresentedGeneration::kLive:
      *rotated = false;
      return &it->second;
    case PresentedGeneration::kRotated:
      *rotated = true;
      return &it->second;
    case PresentedGeneration::kUnknown:
      break;
  }
  return nullptr;
}

RefreshTokenRecord MemoryStore::PresentedLocked(const RefreshTokenRecord& found,
                                                bool rotated) const {
  RefreshTokenRecord record = found;
  record.rotated = rotated;
  record.revoked = record.revoked || FamilyRevokedLocked(record.family_id);
  record.grant_created_at = FamilyCreatedLocked(record.family_id);
  return record;
}

absl::StatusOr<std::optional<RefreshTokenRecord>> MemoryStore::GetRefreshToken(
    const RefreshTokenKey& key) {
  absl::ReaderMutexLock lock(&mu_);
  bool rotated = false;
  const RefreshTokenRecord* found = FindRefreshLocked(key, &rotated);
  if (found == nullptr) return std::nullopt;
  return PresentedLocked(*found, rotated);
}

absl::StatusOr<RedeemRefreshResult> MemoryStore::RedeemRefreshToken(const RefreshTokenKey& old_key,
                                                                    absl::Time now,
                                                                    const RefreshDecision& decide) {
  RedeemRefreshResult result;
  absl::MutexLock lock(&mu_);
  bool rotated = false;
  RefreshTokenRecord* old = FindRefreshLocked(old_key, &rotated);
  if (old == nullptr) return result;
  RefreshVerdict verdict = decide(PresentedLocked(*old, rotated));
  if (!verdict.status.ok()) {
    if (verdict.revoke_family) RevokeFamilyLocked(old->family_id, old->expires_at);
    result.outcome = RotateOutcome::kRejected;
    result.rejection = std::move(verdict.status);
    return result;
  }
  if (old->revoked || FamilyRevokedLocked(old->family_id)) return result;
  if (rotated) {
    RevokeFamilyLocked(old->family_id, old->expires_at);
    result.outcome = RotateOutcome::kReused;
    return result;
  }
  if (old->expires_at <= now) return result;
  AccessTokenRecord& new_access = verdict.access;
  RefreshTokenRecord& new_refresh = verdict.refresh;
  if (access_.count(new_access.token_hash) > 0) {
    return result;  // A 256-bit collision: treat as failure.
  }
  const bool chained = !old_key.chain_hash.empty();
  if (new_refresh.chain_hash.empty() || (chained ? new_refresh.chain_hash != old_key.chain_hash ||
                                                       new_refresh.generation != old->generation + 1
                                                 : chains_.count(new_refresh.chain_hash) > 0)) {
    return result;  // Not the chain's next token, or a collision.
  }
  FamilyEntry& entry = families_[old->family_id];
  const absl::Time until = std::max(new_access.expires_at, new_refresh.expires_at);
  if (entry.keep_until < until) entry.keep_until = until + kRotationKeepSlack;
  new_refresh.access_hash = new_access.token_hash;
  // The access token issued with the rotated token is superseded.
  if (!old->access_hash.empty()) access_.erase(old->access_hash);
  std::string access_hash = new_access.token_hash;
  access_.emplace(std::move(access_hash), std::move(new_access));
  if (chained) {
    // The chain's record now describes its next generation: the rotated
    // token leaves nothing behind but the lower generation number.
    *old = std::move(new_refresh);
  } else {
    old->rotated = true;
    std::string chain_hash = new_refresh.chain_hash;
    chains_.emplace(std::move(chain_hash), std::move(new_refresh));
  }
  result.outcome = RotateOutcome::kRotated;
  return result;
}

void MemoryStore::RevokeFamilyLocked(const std::string& family_id, absl::Time keep_until) {
  auto [it, inserted] = families_.try_emplace(family_id);
  if (inserted) {
    it->second.family.family_id = family_id;
    it->second.keep_until = keep_until;
  }
  it->second.family.revoked = true;
}

absl::Status MemoryStore::RevokeFamily(const std::string& family_id) {
  absl::MutexLock lock(&mu_);
  RevokeFamilyLocked(family_id, absl::InfiniteFuture());
  return absl::OkStatus();
}

absl::Status MemoryStore::RevokeAccessToken(const std::string& token_hash) {
  absl::MutexLock lock(&mu_);
  auto it = access_.find(token_hash);
  if (it != access_.end()) it->second.revoked = true;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ThrottleState>> MemoryStore::ReadLoginFailures(
    const std::vector<std::string>& keys, absl::Time now) {
  std::vector<ThrottleState> states(keys.size());
  absl::ReaderMutexLock lock(&mu_);
  for (size_t i = 0; i < keys.size(); ++i) {
    auto it = throttles_.find(keys[i]);
    if (it != throttles_.end() && it->second.window_end > now) states[i] = it->second;
  }
  return states;
}

absl::StatusOr<ThrottleState> MemoryStore::RecordLoginFailure(const std::string& key,
                                                              absl::Time now,
                                                              absl::Duration window) {
  absl::MutexLock lock(&mu_);
  ThrottleState& state = throttles_[key];
  if (state.window_end <= now) {
    state.failures = 0;
    state.window_end = now + window;
  }
  ++state.failures;
  return state;
}

absl::Status MemoryStore::ResetLoginFailures(const std::string& key) {
  absl::MutexLock lock(&mu_);
  throttles_.erase(key);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> MemoryStore::Sweep(absl::Time now) {
  absl::MutexLock lock(&mu_);
  int64_t removed = 0;
  auto sweep = [&](auto& map, auto expired) {
    for (auto it = map.begin(); it != map.end();) {
      if (expired(it->second)) {
        map.erase(it++);
        ++removed;
      } else {
        ++it;
      }
    }
  };
  sweep(pending_, [&](const PendingAuthorization& p) { return p.expires_at <= now; });
  sweep(codes_, [&](const AuthorizationCode& c) { return c.expires_at <= now; });
  sweep(access_, [&](const AccessTokenRecord& t) { return t.expires_at <= now; });
  sweep(refresh_, [&](const RefreshTokenRecord& t) { return t.expires_at <= now; });
  sweep(chains_, [&](const RefreshTokenRecord& t) { return t.expires_at <= now; });
  sweep(families_, [&](const FamilyEntry& f) { return f.keep_until <= now; });
  sweep(throttles_, [&](const ThrottleState& t) { return t.window_end <= now; });
  return removed;
}

MemoryStore::Counts MemoryStore::GetCounts() {
  absl::ReaderMutexLock lock(&mu_);
  Counts counts;
  counts.pending = pending_.size();
  counts.codes = codes_.size();
  counts.families = families_.size();
  counts.access_tokens = access_.size();
  counts.refresh_tokens = refresh_.size() + chains_.size();
  counts.throttles = throttles_.size();
  return counts;
}

}  // namespace mcp_oauth::auth
