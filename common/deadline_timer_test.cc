#include "common/deadline_timer.h"

#include <gtest/gtest.h>

#include <atomic>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace mcp_oauth {
namespace {

TEST(DeadlineTimerTest, FiresInOrderAndCancels) {
  DeadlineTimer timer;
  absl::Mutex mu;
  std::vector<int> fired;
  absl::Notification last;
  const absl::Time now = absl::Now();
  timer.Schedule(now + absl::Milliseconds(60), [&] {
    absl::MutexLock lock(&mu);
    fired.push_back(2);
    last.Notify();
  });
  timer.Schedule(now + absl::Milliseconds(20), [&] {
    absl::MutexLock lock(&mu);
    fired.push_back(1);
  });
  const uint64_t cancelled = timer.Schedule(now + absl::Milliseconds(40), [&] {
    absl::MutexLock lock(&mu);
    fired.push_back(99);
  });
  timer.Cancel(cancelled);
  ASSERT_TRUE(last.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_GE(absl::Now() - now, absl::Milliseconds(60));
  absl::MutexLock lock(&mu);
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace mcp_oauth
