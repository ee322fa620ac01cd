#include "store/group_commit.h"

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Units here never touch the transaction; they only see which session's
// transaction they were given.
class NoTransaction : public Transaction {
 public:
  absl::StatusOr<std::optional<BreachRow>> FindBreach(
      absl::string_view, absl::string_view) override {
    return Nope();
  }
  absl::StatusOr<int64_t> AllocateBreachId() override { return Nope(); }
  absl::Status InsertBreach(const BreachRow&) override { return Nope(); }
  absl::StatusOr<std::optional<IncidentRow>> FindLatestIncident(
      absl::string_view, absl::string_view) override {
    return Nope();
  }
  absl::StatusOr<int64_t> InsertIncident(const IncidentRow&) override {
    return Nope();
  }
  absl::Status UpdateIncident(const IncidentRow&) override { return Nope(); }
  absl::StatusOr<std::vector<BreachRow>> ListBreachesObservedBetween(
      int64_t, absl::Time, absl::Time, int64_t) override {
    return Nope();
  }
  absl::StatusOr<std::vector<int64_t>> GetIncidentSteps(
      int64_t, absl::string_view) override {
    return Nope();
  }
  absl::Status PutIncidentSteps(int64_t, absl::string_view,
                                const std::vector<int64_t>&) override {
    return Nope();
  }
  absl::StatusOr<std::optional<ActionRunRow>> GetRun(int64_t) override {
    return Nope();
  }
  absl::StatusOr<std::vector<ActionRunRow>> ListRunsOnTargets(
      absl::string_view, const std::vector<std::string>&,
      const std::vector<runs::RunState>&) override {
    return Nope();
  }
  absl::StatusOr<int64_t> CountAutonomousRuns(absl::string_view,
                                              absl::string_view,
                                              absl::Time) override {
    return Nope();
  }
  absl::StatusOr<int64_t> InsertDecision(const DecisionRow&) override {
    return Nope();
  }
  absl::StatusOr<int64_t> InsertActionRun(const ActionRunRow&) override {
    return Nope();
  }
  absl::StatusOr<std::optional<std::string>> GetSetting(
      absl::string_view) override {
    return Nope();
  }
  absl::StatusOr<audit::AuditRecord> AppendAudit(
      const audit::AuditEvent&) override {
    return Nope();
  }
  absl::Status AppendOutbox(const OutboxRow&) override { return Nope(); }
  absl::StatusOr<int64_t> PruneOutbox(int64_t, absl::Time, int64_t) override {
    return Nope();
  }
  absl::StatusOr<std::optional<ActionRunRow>> ClaimDueRun(absl::string_view,
                                                          absl::Time,
                                                          absl::Time) override {
    return Nope();
  }
  absl::Status UpdateLeasedRun(const RunUpdate&) override { return Nope(); }
  absl::Status CheckpointRunMemo(int64_t, int64_t, absl::string_view) override {
    return Nope();
  }
  absl::StatusOr<std::optional<absl::Time>> NextDueTime(absl::Time) override {
    return Nope();
  }
  absl::StatusOr<int64_t> ReleaseForeignLeases(absl::string_view,
                                               absl::Time) override {
    return Nope();
  }
  absl::StatusOr<std::optional<DecisionRow>> GetDecision(int64_t) override {
    return Nope();
  }
  absl::Status UpdateRunForOperator(const OperatorRunUpdate&) override {
    return Nope();
  }
  absl::StatusOr<std::vector<ActionRunRow>> ListExpiredApprovals(
      absl::Time) override {
    return Nope();
  }
  absl::Status PutSetting(absl::string_view, absl::string_view) override {
    return Nope();
  }
  absl::StatusOr<PruneResult> PruneIncidents(const PruneRequest&) override {
    return Nope();
  }
  absl::StatusOr<int64_t> ReclaimSpace(int64_t) override { return Nope(); }
  absl::StatusOr<int64_t> CountStoredRows(const audit::AuditedRows&) override {
    return Nope();
  }
  absl::Status RemoveArchivedAudit(const audit::ChainBase&) override {
    return Nope();
  }

 private:
  static absl::Status Nope() { return absl::UnimplementedError("fake"); }
};

// Records what the runner asked of it; fails where told to.
class FakeSession : public BatchSession {
 public:
  absl::Status Begin() override { return Log("begin", begin_status); }
  absl::Status Savepoint() override {
    return Log("savepoint", absl::OkStatus());
  }
  absl::Status Release() override {
    return Log("release", releases_++ == fail_release ? release_failure
                                                      : absl::OkStatus());
  }
  absl::Status RollbackToSavepoint() override {
    return Log("rollback_to", rollback_to_status);
  }
  absl::Status Commit() override { return Log("commit", commit_status); }
  void Rollback() override { Log("rollback", absl::OkStatus()).IgnoreError(); }
  Transaction& transaction() override { return txn_; }
  void UnitStarted() override { Log("unit", absl::OkStatus()).IgnoreError(); }
  void UnitRolledBack() override {
    Log("unit_undone", absl::OkStatus()).IgnoreError();
  }
  void BatchAbandoned() override {
    Log("abandoned", absl::OkStatus()).IgnoreError();
  }

  std::vector<std::string> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

  // Set before the batch runs (the writer reads them).
  absl::Status begin_status;
  absl::Status rollback_to_status;
  absl::Status commit_status;
  int fail_release = -1;  // which Release call (from 0) fails
  absl::Status release_failure;

 private:
  int releases_ = 0;  // on the writer thread only
  absl::Status Log(const char* call, absl::Status result) {
    absl::MutexLock lock(&mu_);
    calls_.push_back(call);
    return result;
  }

  NoTransaction txn_;
  absl::Mutex mu_;
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
};

// The outcome each unit's Done was given, in the order they were told.
class Outcomes {
 public:
  Store::Done Expect(int unit) {
    return [this, unit](absl::Status s) {
      absl::MutexLock lock(&mu_);
      order_.push_back(unit);
      status_[unit] = std::move(s);
    };
  }
  bool WaitFor(size_t n) {
    absl::MutexLock lock(&mu_);
    auto told = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return order_.size() >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&told), absl::Seconds(30));
  }
  absl::Status status(int unit) {
    absl::MutexLock lock(&mu_);
    return status_[unit];
  }
  std::vector<int> order() {
    absl::MutexLock lock(&mu_);
    return order_;
  }

 private:
  absl::Mutex mu_;
  std::vector<int> order_ ABSL_GUARDED_BY(mu_);
  std::map<int, absl::Status> status_ ABSL_GUARDED_BY(mu_);
};

Store::Work Ok() {
  return [](Transaction&) { return absl::OkStatus(); };
}

// A unit that holds its writer until released, so the units queued behind
// it make one batch.
class Blocker {
 public:
  Store::Work Work() {
    return [this](Transaction&) {
      started_.Notify();
      release_.WaitForNotification();
      return absl::OkStatus();
    };
  }
  void WaitStarted() { started_.WaitForNotification(); }
  void Release() { release_.Notify(); }

 private:
  absl::Notification started_, release_;
};

struct Runner {
  explicit Runner(GroupCommitOptions options = {}, int sessions = 1) {
    std::vector<std::unique_ptr<BatchSession>> owned;
    for (int i = 0; i < sessions; ++i) {
      auto s = std::make_unique<FakeSession>();
      fakes.push_back(s.get());
      owned.push_back(std::move(s));
    }
    runner = std::make_unique<GroupCommitRunner>(std::move(options),
                                                 std::move(owned));
  }
  std::vector<FakeSession*> fakes;  // valid until runner->Close()
  std::unique_ptr<GroupCommitRunner> runner;
};

TEST(GroupCommitRunnerTest, FailedUnitRollsBackAloneAndTheBatchCommits) {
  Runner r;
  FakeSession& session = *r.fakes[0];
  Blocker blocker;
  Outcomes outcomes;
  r.runner->Execute(blocker.Work(), outcomes.Expect(0));
  blocker.WaitStarted();
  r.runner->Execute(Ok(), outcomes.Expect(1));
  r.runner->Execute(
      [](Transaction&) { return absl::NotFoundError("no such run"); },
      outcomes.Expect(2));
  r.runner->Execute(Ok(), outcomes.Expect(3));
  blocker.Release();
  ASSERT_TRUE(outcomes.WaitFor(4));

  EXPECT_TRUE(outcomes.status(1).ok());
  EXPECT_EQ(outcomes.status(2), absl::NotFoundError("no such run"));
  EXPECT_TRUE(outcomes.status(3).ok());
  std::vector<std::string> calls = session.calls();
  // The second batch: units 1..3 in one transaction, unit 2 undone alone.
  std::vector<std::string> second(calls.begin() + 5, calls.end());
  EXPECT_THAT(second,
              ElementsAre("begin", "unit", "savepoint", "release", "unit",
                          "savepoint", "rollback_to", "release", "unit_undone",
                          "unit", "savepoint", "release", "commit"));
  EXPECT_EQ(r.runner->CommitCount(), 2);
  EXPECT_EQ(r.runner->CommittedUnits(), 3);
}

TEST(GroupCommitRunnerTest, FailedCommitFailsEveryUnitOfTheBatch) {
  std::vector<absl::Status> reported;
  GroupCommitOptions options;
  options.on_storage_failure = [&](const absl::Status& s) {
    reported.push_back(s);
  };
  options.is_storage_failure = [](const absl::Status& s) {
    return s.GetPayload("test/storage").has_value();
  };
  Runner r(options);
  FakeSession& session = *r.fakes[0];
  absl::Status disk_full = absl::UnavailableError("database or disk is full");
  disk_full.SetPayload("test/storage", absl::Cord("13 28"));
  session.commit_status = disk_full;
  Outcomes outcomes;
  r.runner->Execute(Ok(), outcomes.Expect(0));
  ASSERT_TRUE(outcomes.WaitFor(1));
  r.runner->Close();

  const absl::Status failed = outcomes.status(0);
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(failed.message(),
              HasSubstr("store: commit failed: database or disk is full"));
  EXPECT_EQ(failed.GetPayload("test/storage"), absl::Cord("13 28"));
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0], failed);
  EXPECT_EQ(r.runner->CommitCount(), 0);
  EXPECT_EQ(r.runner->CommittedUnits(), 0);
}

TEST(GroupCommitRunnerTest,
     CommitFailureAfterAFailedUnitFailsAllAndTellsTheSession) {
  Runner r;
  FakeSession& session = *r.fakes[0];
  session.commit_status = absl::UnavailableError("disk I/O error");
  Blocker blocker;
  Outcomes outcomes;
  r.runner->Execute(blocker.Work(), outcomes.Expect(0));
  blocker.WaitStarted();
  r.runner->Execute(Ok(), outcomes.Expect(1));
  r.runner->Execute([](Transaction&) { return absl::InternalError("bad"); },
                    outcomes.Expect(2));
  blocker.Release();
  ASSERT_TRUE(outcomes.WaitFor(3));
  for (int unit : {1, 2}) {
    EXPECT_THAT(outcomes.status(unit).message(), HasSubstr("commit failed"))
        << unit;
  }
  std::vector<std::string> calls = session.calls();
  ASSERT_GE(calls.size(), 3u);
  EXPECT_THAT(std::vector<std::string>(calls.end() - 3, calls.end()),
              ElementsAre("commit", "rollback", "abandoned"));
}

// A session may send a unit's last writes with its release (PostgreSQL
// does): a failed release is that unit's failure, undone alone.
TEST(GroupCommitRunnerTest, FailedReleaseUndoesThatUnitAlone) {
  Runner r;
  FakeSession& session = *r.fakes[0];
  session.fail_release = 1;  // unit 1's
  session.release_failure = absl::FailedPreconditionError("duplicate seq");
  Blocker blocker;
  Outcomes outcomes;
  r.runner->Execute(blocker.Work(), outcomes.Expect(0));
  blocker.WaitStarted();
  r.runner->Execute(Ok(), outcomes.Expect(1));
  r.runner->Execute(Ok(), outcomes.Expect(2));
  blocker.Release();
  ASSERT_TRUE(outcomes.WaitFor(3));
  EXPECT_EQ(outcomes.status(1), session.release_failure);
  EXPECT_TRUE(outcomes.status(2).ok());
  std::vector<std::string> calls = session.calls();
  EXPECT_THAT(std::vector<std::string>(calls.begin() + 5, calls.end()),
              ElementsAre("begin", "unit", "savepoint", "release",
                          "rollback_to", "release", "unit_undone", "unit",
                          "savepoint", "release", "commit"));
  EXPECT_EQ(r.runner->CommittedUnits(), 2);
}

TEST(GroupCommitRunnerTest, UnitThatCannotBeUndoneAbandonsTheBatch) {
  Runner r;
  FakeSession& session = *r.fakes[0];
  session.rollback_to_status = absl::UnavailableError("disk I/O error");
  Blocker blocker;
  Outcomes outcomes;
  r.runner->Execute(blocker.Work(), outcomes.Expect(0));
  blocker.WaitStarted();
  r.runner->Execute([](Transaction&) { return absl::InternalError("bad"); },
                    outcomes.Expect(1));
  r.runner->Execute(Ok(), outcomes.Expect(2));
  blocker.Release();
  ASSERT_TRUE(outcomes.WaitFor(3));
  for (int unit : {1, 2}) {
    EXPECT_EQ(outcomes.status(unit),
              absl::UnavailableError("store: commit failed: disk I/O error"))
        << unit;
  }
  std::vector<std::string> calls = session.calls();
  // Unit 2 never ran: the batch ended at the failed undo.
  EXPECT_THAT(std::vector<std::string>(calls.begin() + 5, calls.end()),
              ElementsAre("begin", "unit", "savepoint", "rollback_to",
                          "unit_undone", "rollback", "abandoned"));
}

TEST(GroupCommitRunnerTest, FailedBeginFailsTheBatchWithoutRollback) {
  Runner r;
  r.fakes[0]->begin_status = absl::UnavailableError("database is locked");
  Outcomes outcomes;
  r.runner->Execute(Ok(), outcomes.Expect(0));
  ASSERT_TRUE(outcomes.WaitFor(1));
  EXPECT_EQ(outcomes.status(0),
            absl::UnavailableError("store: commit failed: database is locked"));
  EXPECT_THAT(r.fakes[0]->calls(), ElementsAre("begin", "abandoned"));
}

TEST(GroupCommitRunnerTest, UnitFailuresReachTheStorageHookOnlyIfClassified) {
  std::vector<absl::Status> reported;
  GroupCommitOptions options;
  options.on_storage_failure = [&](const absl::Status& s) {
    reported.push_back(s);
  };
  options.is_storage_failure = [](const absl::Status& s) {
    return s.code() == absl::StatusCode::kUnavailable;
  };
  Runner r(options);
  Outcomes outcomes;
  r.runner->Execute([](Transaction&) { return absl::NotFoundError("x"); },
                    outcomes.Expect(0));
  r.runner->Execute([](Transaction&) { return absl::UnavailableError("full"); },
                    outcomes.Expect(1));
  r.runner->Close();
  EXPECT_THAT(reported, ElementsAre(absl::UnavailableError("full")));
}

TEST(GroupCommitRunnerTest, CloseFinishesQueuedUnitsInOrderThenRefusesNewOnes) {
  GroupCommitOptions options;
  options.max_batch = 7;
  Runner r(options);
  Blocker blocker;
  Outcomes outcomes;
  r.runner->Execute(blocker.Work(), outcomes.Expect(0));
  blocker.WaitStarted();
  constexpr int kUnits = 100;
  for (int i = 1; i <= kUnits; ++i) r.runner->Execute(Ok(), outcomes.Expect(i));
  std::thread closer([&] { r.runner->Close(); });
  blocker.Release();
  closer.join();

  std::vector<int> expected;
  for (int i = 0; i <= kUnits; ++i) expected.push_back(i);
  EXPECT_EQ(outcomes.order(), expected);  // all told before Close returned
  for (int i = 0; i <= kUnits; ++i) EXPECT_TRUE(outcomes.status(i).ok()) << i;
  EXPECT_EQ(r.runner->CommittedUnits(), kUnits + 1);
  // 1 + ceil(100 / 7) batches.
  EXPECT_EQ(r.runner->CommitCount(), 1 + (kUnits + 6) / 7);

  absl::Status late;
  r.runner->Execute(Ok(), [&](absl::Status s) { late = std::move(s); });
  EXPECT_EQ(late, absl::UnavailableError("store: closed"));
  r.runner->Close();  // idempotent
}

TEST(GroupCommitRunnerTest, SeveralSessionsDrainOneQueue) {
  constexpr int kSessions = 3;
  GroupCommitOptions options;
  options.max_batch = 1;
  Runner r(options, kSessions);
  std::vector<Transaction*> txns;
  for (FakeSession* f : r.fakes) txns.push_back(&f->transaction());

  // One unit per session at once: each waits until all have started, which
  // only happens if three writers hold one each.
  absl::Mutex mu;
  int started = 0;
  std::map<Transaction*, int> units_by_txn;
  Outcomes outcomes;
  for (int i = 0; i < kSessions; ++i) {
    r.runner->Execute(
        [&](Transaction& txn) {
          absl::MutexLock lock(&mu);
          ++started;
          ++units_by_txn[&txn];
          auto all = [&]() { return started == kSessions; };
          EXPECT_TRUE(
              mu.AwaitWithTimeout(absl::Condition(&all), absl::Seconds(30)));
          return absl::OkStatus();
        },
        outcomes.Expect(i));
  }
  constexpr int kMore = 60;
  for (int i = kSessions; i < kSessions + kMore; ++i) {
    r.runner->Execute(
        [&](Transaction& txn) {
          absl::MutexLock lock(&mu);
          ++units_by_txn[&txn];
          return absl::OkStatus();
        },
        outcomes.Expect(i));
  }
  r.runner->Close();

  EXPECT_EQ(outcomes.order().size(), static_cast<size_t>(kSessions + kMore));
  EXPECT_EQ(r.runner->CommittedUnits(), kSessions + kMore);
  EXPECT_EQ(r.runner->CommitCount(), kSessions + kMore);
  ASSERT_EQ(units_by_txn.size(), static_cast<size_t>(kSessions));
  for (Transaction* t : txns) EXPECT_GE(units_by_txn[t], 1);
}

}  // namespace
}  // namespace riposte::store
