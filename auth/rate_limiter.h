// RateLimiter: one token bucket per key (here: per authenticated client id at
// the token endpoint). Each key's bucket holds up to `burst` tokens and refills
// at `rate_per_second`; a request takes one token or is refused with the time
// until the next token. State lives in this process only: with several
// authorization-server replicas each enforces the limit on its own.
//
// Memory: one small entry per key. With `max_keys` > 0 (for keys taken from
// request input, e.g. client addresses) a new key finding the table full
// first drops every bucket that has refilled (it is as good as absent), and
// if that frees nothing forgets all buckets: the limit then fails open for a
// moment rather than growing without bound. Without it callers must pass keys
// from a bounded set (configured client ids).
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
  RateLimiter(double rate_per_second, int burst, size_t max_keys = 0);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  bool enabled() const { return rate_per_second_ > 0; }
  size_t size() const;

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
  const size_t max_keys_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mcp_oauth::auth

#endif  // MCP_OAUTH_AUTH_RATE_LIMITER_H_
