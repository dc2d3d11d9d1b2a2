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
