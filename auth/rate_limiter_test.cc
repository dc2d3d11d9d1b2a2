#include "auth/rate_limiter.h"

#include "gtest/gtest.h"

namespace mcp_oauth::auth {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

TEST(RateLimiterTest, BurstThenRefusedUntilRefill) {
  RateLimiter limiter(/*rate_per_second=*/2, /*burst=*/3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Acquire("a", kT0), absl::ZeroDuration()) << i;
  absl::Duration wait = limiter.Acquire("a", kT0);
  EXPECT_EQ(wait, absl::Milliseconds(500));
  // A refused request takes nothing: still 500 ms to wait.
  EXPECT_EQ(limiter.Acquire("a", kT0), absl::Milliseconds(500));
  EXPECT_EQ(limiter.Acquire("a", kT0 + absl::Milliseconds(250)), absl::Milliseconds(250));
  EXPECT_EQ(limiter.Acquire("a", kT0 + absl::Milliseconds(500)), absl::ZeroDuration());
  EXPECT_GT(limiter.Acquire("a", kT0 + absl::Milliseconds(500)), absl::ZeroDuration());
}

TEST(RateLimiterTest, KeysAreIndependent) {
  RateLimiter limiter(1, 1);
  EXPECT_EQ(limiter.Acquire("a", kT0), absl::ZeroDuration());
  EXPECT_GT(limiter.Acquire("a", kT0), absl::ZeroDuration());
  EXPECT_EQ(limiter.Acquire("b", kT0), absl::ZeroDuration());
}

TEST(RateLimiterTest, RefillIsCappedAtBurst) {
  RateLimiter limiter(10, 2);
  EXPECT_EQ(limiter.Acquire("a", kT0), absl::ZeroDuration());
  // An hour idle refills two tokens, not 36000.
  absl::Time later = kT0 + absl::Hours(1);
  EXPECT_EQ(limiter.Acquire("a", later), absl::ZeroDuration());
  EXPECT_EQ(limiter.Acquire("a", later), absl::ZeroDuration());
  EXPECT_GT(limiter.Acquire("a", later), absl::ZeroDuration());
}

TEST(RateLimiterTest, BoundedTableDropsRefilledBucketsFirst) {
  RateLimiter limiter(/*rate_per_second=*/1, /*burst=*/2, /*max_keys=*/3);
  // "a" is drained; "b" and "c" took one token and refill within a second.
  EXPECT_EQ(limiter.Acquire("a", kT0), absl::ZeroDuration());
  EXPECT_EQ(limiter.Acquire("a", kT0), absl::ZeroDuration());
  EXPECT_EQ(limiter.Acquire("b", kT0), absl::ZeroDuration());
  EXPECT_EQ(limiter.Acquire("c", kT0), absl::ZeroDuration());
  EXPECT_EQ(limiter.size(), 3u);
  // A new key at the cap a second later: b and c are full again and go; a
  // (one token of two) stays, still limited.
  absl::Time later = kT0 + absl::Seconds(1);
  EXPECT_EQ(limiter.Acquire("d", later), absl::ZeroDuration());
  EXPECT_EQ(limiter.size(), 2u);
  EXPECT_EQ(limiter.Acquire("a", later), absl::ZeroDuration());
  EXPECT_GT(limiter.Acquire("a", later), absl::ZeroDuration());
  // Nothing refilled: the table is forgotten rather than grown.
  EXPECT_EQ(limiter.Acquire("e", later), absl::ZeroDuration());
  EXPECT_EQ(limiter.Acquire("f", later), absl::ZeroDuration());
  EXPECT_LE(limiter.size(), 3u);
}

TEST(RateLimiterTest, ClockGoingBackwardsNeitherRefillsNorBreaks) {
  RateLimiter limiter(1, 1);
  EXPECT_EQ(limiter.Acquire("a", kT0), absl::ZeroDuration());
  EXPECT_GT(limiter.Acquire("a", kT0 - absl::Seconds(30)), absl::ZeroDuration());
  EXPECT_EQ(limiter.Acquire("a", kT0 + absl::Seconds(1)), absl::ZeroDuration());
}

TEST(RateLimiterTest, ZeroRateDisables) {
  RateLimiter limiter(0, 1);
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(limiter.Acquire("a", kT0), absl::ZeroDuration());
}

}  // namespace
}  // namespace mcp_oauth::auth
