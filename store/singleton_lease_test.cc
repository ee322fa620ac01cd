#include "store/singleton_lease.h"

#include <memory>

#include "common/clock.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::store {
namespace {

class SingletonLeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sqlite::SqliteStoreOptions options;
    options.path = dir_.File("riposte.db");
    auto store = sqlite::SqliteStore::Open(options, &clock_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  SingletonLease Lease(const std::string& holder) {
    return SingletonLease(store_.get(), "sweeper", holder, &clock_,
                          absl::Seconds(30));
  }

  absl::Status Check(const SingletonLease& lease) {
    return store_->ExecuteAndWait(
        [&](Transaction& txn) { return lease.CheckHeld(txn); });
  }

  riposte::testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  std::unique_ptr<sqlite::SqliteStore> store_;
};

TEST_F(SingletonLeaseTest, OneHolderAtATimeUntilTheLeaseExpires) {
  SingletonLease a = Lease("replica-a"), b = Lease("replica-b");
  EXPECT_EQ(a.Hold().value_or(false), true);
  EXPECT_EQ(a.fence(), 1);
  EXPECT_EQ(b.Hold().value_or(true), false);
  EXPECT_EQ(b.fence(), 0);
  // Renewing keeps the fence and pushes the expiry on.
  clock_.Advance(absl::Seconds(20));
  EXPECT_EQ(a.Hold().value_or(false), true);
  clock_.Advance(absl::Seconds(20));
  EXPECT_EQ(b.Hold().value_or(true), false);
  EXPECT_EQ(a.fence(), 1);
  EXPECT_TRUE(Check(a).ok());
}

TEST_F(SingletonLeaseTest, AHolderThatStopsRenewingIsTakenOverWithAGreaterFence) {
  SingletonLease a = Lease("replica-a"), b = Lease("replica-b");
  ASSERT_EQ(a.Hold().value_or(false), true);
  clock_.Advance(absl::Seconds(31));
  EXPECT_EQ(b.Hold().value_or(false), true);
  EXPECT_EQ(b.fence(), 2);
  // The old holder's writes are refused, and it learns it lost the lease.
  absl::Status stale = Check(a);
  EXPECT_EQ(stale.code(), absl::StatusCode::kFailedPrecondition) << stale;
  EXPECT_THAT(stale.message(), ::testing::HasSubstr("lease lost"));
  EXPECT_EQ(a.Hold().value_or(true), false);
  EXPECT_TRUE(Check(b).ok());
}

TEST_F(SingletonLeaseTest, OnAStoreOneProcessOwnsALeftLeaseIsTakenAtOnce) {
  SingletonLease before_restart = Lease("riposted-1");
  ASSERT_EQ(before_restart.Hold().value_or(false), true);
  SingletonLease after_restart(store_.get(), "sweeper", "riposted-2", &clock_,
                               absl::Seconds(30), /*take_over_at_once=*/true);
  EXPECT_EQ(after_restart.Hold().value_or(false), true);
  EXPECT_EQ(after_restart.fence(), 2);
}

TEST_F(SingletonLeaseTest, ReleaseLetsAnotherTakeItAtOnce) {
  SingletonLease a = Lease("replica-a"), b = Lease("replica-b");
  ASSERT_EQ(a.Hold().value_or(false), true);
  a.Release();
  EXPECT_EQ(a.fence(), 0);
  EXPECT_EQ(Check(a).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(b.Hold().value_or(false), true);
  EXPECT_EQ(b.fence(), 2);
}

TEST_F(SingletonLeaseTest, LeasesOfDifferentNamesAreIndependent) {
  SingletonLease sweeper = Lease("replica-a");
  SingletonLease retention(store_.get(), "retention", "replica-b", &clock_,
                           absl::Seconds(30));
  EXPECT_EQ(sweeper.Hold().value_or(false), true);
  EXPECT_EQ(retention.Hold().value_or(false), true);
}

TEST_F(SingletonLeaseTest, ACorruptLeaseIsAnErrorNotATakeover) {
  ASSERT_TRUE(store_
                  ->ExecuteAndWait([](Transaction& txn) {
                    return txn.PutSetting("singleton.sweeper", "garbage");
                  })
                  .ok());
  SingletonLease a = Lease("replica-a");
  auto held = a.Hold();
  EXPECT_EQ(held.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(a.fence(), 0);
}

}  // namespace
}  // namespace riposte::store
