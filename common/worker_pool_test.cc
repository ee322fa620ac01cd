#include "common/worker_pool.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace riposte {
namespace {

TEST(WorkerPoolTest, RunsEveryTaskOnItsThreads) {
  WorkerPool pool("test", 3, 100);
  std::atomic<int> ran{0};
  absl::BlockingCounter done(50);
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> on_caller{false};
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(pool.Post([&] {
                      if (std::this_thread::get_id() == caller)
                        on_caller = true;
                      ++ran;
                      done.DecrementCount();
                    })
                    .ok());
  }
  done.Wait();
  EXPECT_EQ(ran.load(), 50);
  EXPECT_FALSE(on_caller.load());
}

TEST(WorkerPoolTest, AFullQueueIsResourceExhausted) {
  WorkerPool pool("test", 1, 2);
  absl::Notification release, started;
  ASSERT_TRUE(pool.Post([&] {
                    started.Notify();
                    release.WaitForNotification();
                  })
                  .ok());
  started.WaitForNotification();  // the thread is busy; the queue is empty
  EXPECT_TRUE(pool.Post([] {}).ok());
  EXPECT_TRUE(pool.Post([] {}).ok());
  EXPECT_EQ(pool.Post([] {}).code(), absl::StatusCode::kResourceExhausted);
  release.Notify();
}

TEST(WorkerPoolTest, StoppingRunsWhatIsQueued) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool("test", 1, 100);
    absl::Notification release;
    ASSERT_TRUE(pool.Post([&] { release.WaitForNotification(); }).ok());
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(pool.Post([&] { ++ran; }).ok());
    release.Notify();
  }
  EXPECT_EQ(ran.load(), 10);
}

}  // namespace
}  // namespace riposte
