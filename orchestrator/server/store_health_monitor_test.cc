#include "orchestrator/server/store_health_monitor.h"

#include <sqlite3.h>

#include <atomic>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/testing/wait_for.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/metrics.h"
#include "store/sqlite/sqlite_db.h"

namespace riposte::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using ::riposte::testing::WaitFor;

absl::Status DiskFull() {
  return store::sqlite::SqliteError(nullptr, SQLITE_FULL, "committing");
}

// A probe whose answer the test sets, and what on_change heard.
class StoreHealthMonitorTest : public ::testing::Test {
 protected:
  void Start() {
    ASSERT_TRUE(monitor_
                    .Start(
                        registry_,
                        [this] {
                          absl::MutexLock lock(&mu_);
                          ++probes_;
                          return probe_answer_;
                        },
                        [this](bool writable) {
                          absl::MutexLock lock(&mu_);
                          changes_.push_back(writable);
                        })
                    .ok());
  }
  void Answer(absl::Status status) {
    absl::MutexLock lock(&mu_);
    probe_answer_ = std::move(status);
  }
  std::vector<bool> Changes() {
    absl::MutexLock lock(&mu_);
    return changes_;
  }
  int Probes() {
    absl::MutexLock lock(&mu_);
    return probes_;
  }
  bool Metric(const std::string& line) {
    return registry_.RenderText().find(line + "\n") != std::string::npos;
  }

  metrics::Registry registry_;
  StoreHealthMonitor monitor_{absl::Milliseconds(5)};
  absl::Mutex mu_;
  absl::Status probe_answer_ ABSL_GUARDED_BY(mu_);
  int probes_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<bool> changes_ ABSL_GUARDED_BY(mu_);
};

TEST_F(StoreHealthMonitorTest, HealthyStoreIsNeverProbedAndEveryReasonStartsAtZero) {
  Start();
  EXPECT_TRUE(monitor_.writable());
  EXPECT_TRUE(monitor_.Readiness().ok());
  EXPECT_TRUE(Metric("riposte_store_writable 1"));
  for (const char* reason : {"disk_full", "io_error", "read_only", "other"}) {
    EXPECT_TRUE(Metric(absl::StrCat(
        "riposte_store_write_failures_total{reason=\"", reason, "\"} 0")))
        << registry_.RenderText();
  }
  monitor_.Stop();
  EXPECT_EQ(Probes(), 0);
  EXPECT_TRUE(Changes().empty());
}

TEST_F(StoreHealthMonitorTest, AFullDiskMakesItUnwritableUntilAProbeSucceeds) {
  Start();
  Answer(DiskFull());
  monitor_.StorageFailed(DiskFull());
  EXPECT_FALSE(monitor_.writable());
  absl::Status ready = monitor_.Readiness();
  EXPECT_TRUE(absl::IsUnavailable(ready));
  EXPECT_THAT(ready.message(), HasSubstr("disk_full"));
  ASSERT_TRUE(WaitFor([&] { return Changes().size() == 1; }));
  EXPECT_TRUE(Metric("riposte_store_writable 0"));
  ASSERT_TRUE(WaitFor([&] { return Probes() >= 2; }));
  EXPECT_FALSE(monitor_.writable());
  // The failure reported and each failed probe are counted.
  EXPECT_FALSE(Metric("riposte_store_write_failures_total{reason=\"disk_full\"} 1"));
  EXPECT_FALSE(Metric("riposte_store_write_failures_total{reason=\"disk_full\"} 0"));

  Answer(absl::OkStatus());
  ASSERT_TRUE(WaitFor([&] { return monitor_.writable(); }));
  ASSERT_TRUE(WaitFor([&] { return Changes().size() == 2; }));
  EXPECT_THAT(Changes(), ElementsAre(false, true));
  EXPECT_TRUE(monitor_.Readiness().ok());
  EXPECT_TRUE(Metric("riposte_store_writable 1"));
  const int probes = Probes();
  monitor_.Stop();
  EXPECT_EQ(Probes(), probes);
}

TEST_F(StoreHealthMonitorTest, OtherErrorsAreNotStorageFailures) {
  monitor_.StorageFailed(absl::UnavailableError("store: closed"));
  monitor_.StorageFailed(
      store::sqlite::SqliteError(nullptr, SQLITE_CONSTRAINT_UNIQUE, "insert"));
  EXPECT_TRUE(monitor_.writable());
}

TEST_F(StoreHealthMonitorTest, FailuresBeforeStartAreCountedAndAnnounced) {
  monitor_.StorageFailed(
      store::sqlite::SqliteError(nullptr, SQLITE_IOERR_FSYNC, "syncing"));
  Answer(DiskFull());
  Start();
  EXPECT_TRUE(Metric("riposte_store_writable 0"));
  EXPECT_TRUE(Metric("riposte_store_write_failures_total{reason=\"io_error\"} 1"));
  ASSERT_TRUE(WaitFor([&] { return Changes().size() == 1; }));
  EXPECT_THAT(monitor_.Readiness().message(), HasSubstr("disk_full"))
      << "the latest probe's reason";
}

TEST_F(StoreHealthMonitorTest, WorkWaitingForWritesRunsOnceTheyWork) {
  Answer(DiskFull());
  monitor_.StorageFailed(DiskFull());
  Start();
  std::atomic<int> runs{0};
  monitor_.WhenWritable([&] {
    // Fails once, then succeeds: retried at the next check.
    return ++runs == 1 ? DiskFull() : absl::OkStatus();
  });
  ASSERT_TRUE(WaitFor([&] { return Probes() >= 3; }));
  EXPECT_EQ(runs.load(), 0);
  Answer(absl::OkStatus());
  ASSERT_TRUE(WaitFor([&] { return runs.load() == 2; }));
}

}  // namespace
}  // namespace riposte::server
