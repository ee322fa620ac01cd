#include "orchestrator/server/singletons.h"

#include <memory>

#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::server {
namespace {

using ::testing::HasSubstr;

bool WaitFor(const std::function<bool()>& condition) {
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return condition();
}

class SingletonsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::sqlite::SqliteStoreOptions options;
    options.path = dir_.File("riposte.db");
    auto store = store::sqlite::SqliteStore::Open(options, &clock_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  std::unique_ptr<Singletons> Start(const std::string& holder,
                                    metrics::Registry& registry) {
    SingletonOptions options;
    options.holder = holder;
    options.renew_every = absl::Milliseconds(20);
    auto s = Singletons::Start(store_.get(), {kSweeperSingleton, kRetentionSingleton},
                               options, &clock_, registry);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }

  riposte::testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
};

TEST_F(SingletonsTest, TheFirstReplicaHoldsEveryLeaseAndHandsThemOverOnStop) {
  metrics::Registry ra, rb;
  auto a = Start("replica-a", ra);
  auto b = Start("replica-b", rb);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->held(kSweeperSingleton));
  EXPECT_TRUE(a->held(kRetentionSingleton));
  EXPECT_FALSE(b->held(kSweeperSingleton));
  EXPECT_FALSE(b->held(kRetentionSingleton));
  EXPECT_THAT(ra.RenderText(),
              HasSubstr("riposte_singleton_held{name=\"approval_sweeper\"} 1"));
  EXPECT_THAT(rb.RenderText(),
              HasSubstr("riposte_singleton_held{name=\"approval_sweeper\"} 0"));
  a->Stop();
  EXPECT_FALSE(a->held(kSweeperSingleton));
  // At b's next renewal, not after the lease's 30 s.
  EXPECT_TRUE(WaitFor([&] {
    return b->held(kSweeperSingleton) && b->held(kRetentionSingleton);
  }));
  EXPECT_THAT(rb.RenderText(),
              HasSubstr("riposte_singleton_held{name=\"retention\"} 1"));
}

}  // namespace
}  // namespace riposte::server
