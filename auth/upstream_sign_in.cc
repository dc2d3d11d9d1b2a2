#include "auth/upstream_sign_in.h"

#include <utility>

#include "common/crypto.h"

namespace mcp_oauth::auth {

UpstreamSignIn::UpstreamSignIn(const std::vector<IdentityProviderConfig>& providers,
                               std::shared_ptr<oidc::HttpFetcher> fetcher,
                               std::shared_ptr<Clock> clock, std::string callback_url,
                               absl::Duration attempt_ttl, size_t max_attempts)
    : fetcher_(std::move(fetcher)),
      clock_(std::move(clock)),
      callback_url_(std::move(callback_url)),
      attempt_ttl_(attempt_ttl),
      max_attempts_(max_attempts) {
  for (const IdentityProviderConfig& config : providers) {
    providers_[config.id] =
        std::make_unique<oidc::OidcProvider>(config, fetcher_.get(), clock_.get());
  }
}

oidc::OidcProvider* UpstreamSignIn::Find(const std::string& id) const {
  auto it = providers_.find(id);
  return it == providers_.end() ? nullptr : it->second.get();
}

absl::StatusOr<std::string> UpstreamSignIn::Begin(const std::string& provider_id,
                                                  const std::string& authorization_id_hash) {
  oidc::OidcProvider* provider = Find(provider_id);
  if (provider == nullptr) return absl::NotFoundError("unknown identity provider");
  Attempt attempt;
  attempt.authorization_id_hash = authorization_id_hash;
  attempt.provider_id = provider_id;
  attempt.nonce = crypto::RandomToken(32);
  attempt.code_verifier = crypto::RandomToken(32);  // 43 characters of base64url
  std::string state = crypto::RandomToken(32);
  std::string challenge = crypto::Base64UrlEncode(crypto::Sha256(attempt.code_verifier));
  auto url = provider->AuthorizationUrl(callback_url_, state, attempt.nonce, challenge);
  if (!url.ok()) return url.status();
  absl::Time now = clock_->Now();
  attempt.expires_at = now + attempt_ttl_;
  absl::MutexLock lock(&mu_);
  if (attempts_.size() >= max_attempts_) {
    absl::erase_if(attempts_, [now](const auto& entry) { return entry.second.expires_at <= now; });
    if (attempts_.size() >= max_attempts_) {
      return absl::ResourceExhaustedError("too many sign-in attempts in flight");
    }
  }
  attempts_[crypto::Sha256(state)] = std::move(attempt);
  return url;
}

std::optional<UpstreamSignIn::Attempt> UpstreamSignIn::Take(const std::string& state) {
  if (state.empty() || state.size() > 512) return std::nullopt;
  std::string key = crypto::Sha256(state);
  absl::MutexLock lock(&mu_);
  auto it = attempts_.find(key);
  if (it == attempts_.end()) return std::nullopt;
  Attempt attempt = std::move(it->second);
  attempts_.erase(it);
  if (attempt.expires_at <= clock_->Now()) return std::nullopt;
  return attempt;
}

absl::StatusOr<oidc::UpstreamIdentity> UpstreamSignIn::Redeem(const Attempt& attempt,
                                                              const std::string& code) {
  oidc::OidcProvider* provider = Find(attempt.provider_id);
  if (provider == nullptr) return absl::NotFoundError("unknown identity provider");
  return provider->Redeem(code, attempt.code_verifier, callback_url_, attempt.nonce);
}

}  // namespace mcp_oauth::auth
