// DisableMutexDeadlockDetection: after it, locking two mutexes in both
// orders (a lock-order cycle, which Debian's Abseil otherwise reports and
// aborts on) passes unremarked, as the server mains need.
#include "common/server_main.h"

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace mcp_oauth {
namespace {

TEST(DisableMutexDeadlockDetectionTest, ALockOrderCycleNoLongerAborts) {
  DisableMutexDeadlockDetection();
  absl::Mutex a;
  absl::Mutex b;
  {
    absl::MutexLock first(&a);
    absl::MutexLock second(&b);
  }
  {
    absl::MutexLock first(&b);
    absl::MutexLock second(&a);  // b before a: the cycle the detector aborts on
  }
  SUCCEED();
}

}  // namespace
}  // namespace mcp_oauth
