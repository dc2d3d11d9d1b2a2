// RateLimiter: one token bucket per key (here: per authenticated client id at
// the token endpoint). Each key's bucket holds up to `burst` tokens and refills
// at `rate_per_second`; a request takes one token or is refused with the time
// until the next token. State lives in this process only: with several
// authorization-server replicas each enforces the limit on its own.
//
// Memory: one small entry per key ever seen; callers pass keys from a bounded
// set (configured client ids), never raw request input.
//
// This class is thread safe.
#ifndef MCP_OAUTH_AUTH_RATE_LIMITER_H_
#define MCP_OAUTH_AUTH_RATE_LIMITER_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace mcp_oauth::auth {

class RateLimiter {
 public:
  // rate_per_second <= 0 disables the limit (every Acquire succeeds).
  // burst < 1 is treated as 1.
  RateLimiter(double rate_per_second, int burst);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  bool enabled() const { return rate_per_second_ > 0; }

  // Takes one token from `key`'s bucket at time `now`. Returns
  // absl::ZeroDuration() when the request may proceed, otherwise how long
  // until a token will be available (> 0); a refused request takes nothing.
  absl::Duration Acquire(const std::string& key, absl::Time now);

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time updated;
  };

  const double rate_per_second_;
  const double burst_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_RATE_LIMITER_H_
