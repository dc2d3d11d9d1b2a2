#include "auth/rate_limiter.h"

#include <algorithm>

namespace mcp_oauth::auth {

RateLimiter::RateLimiter(double rate_per_second, int burst, size_t max_keys)
    : rate_per_second_(rate_per_second), burst_(std::max(1, burst)), max_keys_(max_keys) {}

size_t RateLimiter::size() const {
  absl::MutexLock lock(&mu_);
  return buckets_.size();
}

absl::Duration RateLimiter::Acquire(const std::string& key, absl::Time now) {
  if (!enabled()) return absl::ZeroDuration();
  absl::MutexLock lock(&mu_);
  if (max_keys_ > 0 && buckets_.size() >= max_keys_ && !buckets_.contains(key)) {
    absl::erase_if(buckets_, [&](const auto& entry) {
      const Bucket& b = entry.second;
      return b.tokens + absl::ToDoubleSeconds(now - b.updated) * rate_per_second_ >= burst_;
    });
    if (buckets_.size() >= max_keys_) buckets_.clear();
  }
  auto [it, inserted] = buckets_.try_emplace(key);
  Bucket& bucket = it->second;
  if (inserted) {
    bucket.tokens = burst_;
  } else if (now > bucket.updated) {
    // A clock that steps backwards refills nothing (and never drains).
    double elapsed = absl::ToDoubleSeconds(now - bucket.updated);
    bucket.tokens = std::min(burst_, bucket.tokens + elapsed * rate_per_second_);
  }
  bucket.updated = std::max(bucket.updated, now);
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return absl::ZeroDuration();
  }
  return absl::Seconds((1.0 - bucket.tokens) / rate_per_second_);
}

}  // namespace mcp_oauth::auth
