#include "common/worker_pool.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace mcp_oauth {
namespace {

// Occupies a pool thread until Release(). Declare it before the pool, so the
// pool (whose destructor finishes the task) goes first.
class Blocker {
 public:
  void Occupy(WorkerPool& pool, size_t lane) {
    EXPECT_TRUE(pool.Submit(lane, [this] {
      started_.Notify();
      release_.WaitForNotification();
    }));
    started_.WaitForNotification();
  }
  void Release() { release_.Notify(); }

 private:
  absl::Notification started_;
  absl::Notification release_;
};

TEST(WorkerPoolTest, RefusesWhenTheLaneIsFullAndOtherLanesStillTakeWork) {
  // What the tasks touch outlives the pool.
  std::atomic<int> ran{0};
  Blocker blocker;
  WorkerPool pool(1, {2, 1});
  blocker.Occupy(pool, 0);
  EXPECT_TRUE(pool.Submit(0, [&] { ++ran; }));
  EXPECT_TRUE(pool.Submit(0, [&] { ++ran; }));
  EXPECT_FALSE(pool.Submit(0, [&] { ++ran; }));  // lane 0 holds 2
  EXPECT_EQ(pool.Queued(0), 2u);
  EXPECT_TRUE(pool.Submit(1, [&] { ++ran; }));  // lane 1 is separate
  EXPECT_FALSE(pool.Submit(1, [&] { ++ran; }));
  EXPECT_FALSE(pool.Submit(2, [&] { ++ran; }));  // no such lane
  blocker.Release();
  while (ran.load() < 3) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_EQ(pool.Queued(0), 0u);
  EXPECT_TRUE(pool.Submit(0, [&] { ++ran; }));  // room again
}

TEST(WorkerPoolTest, TakesTurnsBetweenLanes) {
  absl::Mutex mu;
  std::string order;
  Blocker blocker;
  WorkerPool pool(1, {10, 10});
  blocker.Occupy(pool, 0);
  auto record = [&](char c) {
    return [&, c] {
      absl::MutexLock lock(&mu);
      order.push_back(c);
    };
  };
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(pool.Submit(0, record('a')));
  ASSERT_TRUE(pool.Submit(1, record('b')));
  ASSERT_TRUE(pool.Submit(1, record('b')));
  blocker.Release();
  for (bool done = false; !done; absl::SleepFor(absl::Milliseconds(1))) {
    absl::MutexLock lock(&mu);
    done = order.size() == 5;
  }
  // The blocker came from lane 0, so lane 1 is next: a flooded lane 0 does
  // not make lane 1 wait behind all of its tasks.
  EXPECT_EQ(order, "babaa");
}

TEST(WorkerPoolTest, DestructorRunsQueuedTasks) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(2, {100});
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(pool.Submit(0, [&] { ++ran; }));
  }
  EXPECT_EQ(ran.load(), 50);
}

TEST(WorkerPoolTest, ShutdownRunsQueuedTasksThenRefusesNewOnes) {
  std::atomic<int> ran{0};
  Blocker blocker;
  WorkerPool pool(1, {10});
  blocker.Occupy(pool, 0);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(pool.Submit(0, [&] { ++ran; }));
  std::atomic<bool> returned{false};
  std::thread shutdown([&] {
    pool.Shutdown();
    returned = true;
  });
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_FALSE(returned.load()) << "waits for the running task";
  EXPECT_FALSE(pool.Submit(0, [&] { ++ran; })) << "stopping: refused";
  blocker.Release();
  shutdown.join();
  EXPECT_EQ(ran.load(), 5) << "the queued tasks ran before Shutdown returned";
  EXPECT_EQ(pool.Queued(0), 0u);
  pool.Shutdown();  // again: a no-op
  EXPECT_FALSE(pool.Submit(0, [&] { ++ran; }));
  EXPECT_EQ(ran.load(), 5);
}

}  // namespace
}  // namespace mcp_oauth
