// What several replicas on one database rely on, beyond the contract every
// engine passes: one audit chain, idempotency, one approval winning, one
// claim per run, migrations racing, and a database that goes away and
// comes back.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/postgres/pg_schema.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/testing/pg_server.h"
#include "store/singleton_lease.h"

namespace riposte::store::postgres {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ReplicasTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto server = testing::PgServer::Start({.password = "replica-pw-42"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    static int next = 0;
    db_ = absl::StrCat("replicas_", ++next);
    ASSERT_TRUE(server_->CreateDatabase(db_).ok());
  }

  std::string Dsn() const {
    return server_->Dsn(db_) + " password=replica-pw-42";
  }

  std::unique_ptr<PostgresStore> Replica() {
    PostgresStoreOptions options;
    options.dsn = Dsn();
    options.connect.connect_timeout = absl::Seconds(2);
    auto store = PostgresStore::Open(options, &clock_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // One breach with its incident and an audit record, as the intake does:
  // look it up first, insert only if new.
  static Store::Work Submit(const std::string& id,
                            std::atomic<int>* inserted = nullptr) {
    return [id, inserted](Transaction& txn) -> absl::Status {
      auto found = txn.FindBreach("det-1", id);
      if (!found.ok()) return found.status();
      if (found->has_value()) return absl::OkStatus();
      IncidentRow inc;
      inc.tenant_id = "contoso";
      inc.subject_key = "user:" + id;
      inc.subject_kind = "user";
      inc.breach_count = 1;
      auto inc_id = txn.InsertIncident(inc);
      if (!inc_id.ok()) return inc_id.status();
      BreachRow row;
      row.detector_id = "det-1";
      row.breach_id = id;
      row.tenant_id = "contoso";
      row.subject_key = inc.subject_key;
      row.incident_id = *inc_id;
      row.payload = std::string("\0payload\xff", 9);
      auto breach_id = txn.AllocateBreachId();
      if (!breach_id.ok()) return breach_id.status();
      row.id = *breach_id;
      absl::Status s = txn.InsertBreach(row);
      if (!s.ok()) return s;
      if (inserted != nullptr) ++*inserted;
      audit::AuditEvent ev;
      ev.actor = "detector:det-1";
      ev.event = "breach.received";
      ev.subject = "contoso/" + id;
      return txn.AppendAudit(ev).status();
    };
  }

  // A run in `state`, with its incident and decision; returns its id.
  static int64_t MakeRun(Store& store, runs::RunState state,
                         const std::string& key) {
    int64_t id = 0;
    absl::Status s = store.ExecuteAndWait([&](Transaction& txn) -> absl::Status {
      IncidentRow inc;
      inc.tenant_id = "contoso";
      inc.subject_key = "user:" + key;
      inc.subject_kind = "user";
      auto inc_id = txn.InsertIncident(inc);
      if (!inc_id.ok()) return inc_id.status();
      DecisionRow d;
      d.incident_id = *inc_id;
      d.tenant_id = "contoso";
      d.matched_rules = "[]";
      auto d_id = txn.InsertDecision(d);
      if (!d_id.ok()) return d_id.status();
      ActionRunRow run;
      run.decision_id = *d_id;
      run.incident_id = *inc_id;
      run.tenant_id = "contoso";
      run.action = "disable_user";
      run.target_kind = "user";
      run.target_key = "user:" + key;
      run.state = state;
      run.autonomous = true;
      run.idempotency_key = "idem-" + key;
      auto run_id = txn.InsertActionRun(run);
      if (!run_id.ok()) return run_id.status();
      id = *run_id;
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return id;
  }

  static testing::PgServer* server_;
  std::string db_;
  FakeClock clock_{absl::FromUnixSeconds(1'790'000'000)};
};

testing::PgServer* ReplicasTest::server_ = nullptr;

TEST_F(ReplicasTest, MigrationsRacingFromManyReplicasRunOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (Replica() != nullptr) ++opened;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(opened.load(), 4);
  auto conn = PgConnection::Connect(Dsn(), PgConnectOptions());
  ASSERT_TRUE(conn.ok());
  auto version = PgSchemaVersion(**conn);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, kPgSchemaVersion);
}

TEST_F(ReplicasTest, ConcurrentWritesFromThreeReplicasMakeOneChain) {
  auto a = Replica(), b = Replica(), c = Replica();
  ASSERT_TRUE(a && b && c);
  Store* replicas[] = {a.get(), b.get(), c.get()};
  constexpr int kPerReplica = 200;
  absl::BlockingCounter left(3 * kPerReplica);
  std::atomic<int> failed{0};
  for (int i = 0; i < kPerReplica; ++i) {
    for (int r = 0; r < 3; ++r) {
      replicas[r]->Execute(Submit(absl::StrCat("b-", r, "-", i)),
                           [&](absl::Status s) {
                             if (!s.ok()) ++failed;
                             left.DecrementCount();
                           });
    }
  }
  left.Wait();
  EXPECT_EQ(failed.load(), 0);
  for (Store* r : replicas) {
    auto result = r->VerifyAudit();
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_TRUE(result->ok) << result->reason;
    EXPECT_EQ(result->records, 3 * kPerReplica);
    auto stats = r->Stats();
    ASSERT_TRUE(stats.ok());
    EXPECT_EQ(stats->breaches, 3 * kPerReplica);
  }
  // Breach ids are unique and increase across replicas.
  auto audited = a->ListAuditedRows();
  ASSERT_TRUE(audited.ok());
  ASSERT_EQ(audited->breach_ids.size(), 3u * kPerReplica);
  EXPECT_EQ(audited->breach_ids.back(), 3 * kPerReplica);
}

TEST_F(ReplicasTest, OneBreachResubmittedToEveryReplicaAtOnceIsStoredOnce) {
  auto a = Replica(), b = Replica(), c = Replica();
  ASSERT_TRUE(a && b && c);
  std::atomic<int> inserted{0};
  for (int round = 0; round < 20; ++round) {
    const std::string id = absl::StrCat("same-", round);
    absl::BlockingCounter left(3);
    for (Store* r : {a.get(), b.get(), c.get()}) {
      r->Execute(Submit(id, &inserted), [&](absl::Status s) {
        EXPECT_TRUE(s.ok()) << s;
        left.DecrementCount();
      });
    }
    left.Wait();
  }
  EXPECT_EQ(inserted.load(), 20);
  auto stats = a->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->breaches, 20);
}

TEST_F(ReplicasTest, TwoApprovalsOnTwoReplicasAtOnceGiveOneSuccess) {
  auto a = Replica(), b = Replica();
  ASSERT_TRUE(a && b);
  for (int round = 0; round < 10; ++round) {
    const int64_t run = MakeRun(*a, runs::RunState::kAwaitingApproval,
                                absl::StrCat("approve-", round));
    auto approve = [run, this](const std::string& who) -> Store::Work {
      return [run, who, this](Transaction& txn) -> absl::Status {
        OperatorRunUpdate up;
        up.id = run;
        up.expected_state = runs::RunState::kAwaitingApproval;
        up.state = runs::RunState::kApproved;
        up.approvers = absl::StrCat("[\"", who, "\"]");
        up.now = clock_.Now();
        return txn.UpdateRunForOperator(up);
      };
    };
    absl::Mutex mu;
    std::vector<absl::Status> results;
    absl::BlockingCounter left(2);
    for (auto [store, who] : {std::pair{a.get(), "alice"},
                              std::pair{b.get(), "bob"}}) {
      store->Execute(approve(who), [&](absl::Status s) {
        absl::MutexLock lock(&mu);
        results.push_back(s);
        left.DecrementCount();
      });
    }
    left.Wait();
    int ok = 0, refused = 0;
    for (const auto& s : results) {
      if (s.ok()) ++ok;
      if (s.code() == absl::StatusCode::kFailedPrecondition) ++refused;
    }
    EXPECT_EQ(ok, 1);
    EXPECT_EQ(refused, 1);
  }
}

TEST_F(ReplicasTest, EachDueRunIsClaimedByOneReplica) {
  auto a = Replica(), b = Replica(), c = Replica();
  ASSERT_TRUE(a && b && c);
  constexpr int kRuns = 30;
  for (int i = 0; i < kRuns; ++i) {
    MakeRun(*a, runs::RunState::kQueued, absl::StrCat("claim-", i));
  }
  absl::Mutex mu;
  std::vector<int64_t> claimed;
  std::atomic<bool> empty{false};
  std::vector<std::thread> workers;
  for (Store* r : {a.get(), b.get(), c.get()}) {
    workers.emplace_back([&, r] {
      const std::string holder = absl::StrCat("worker-", claimed.size());
      while (!empty.load()) {
        absl::Status s = r->ExecuteAndWait([&](Transaction& txn) -> absl::Status {
          auto run = txn.ClaimDueRun(holder, clock_.Now(),
                                     clock_.Now() + absl::Minutes(5));
          if (!run.ok()) return run.status();
          absl::MutexLock lock(&mu);
          if (!run->has_value()) {
            empty = true;
          } else {
            claimed.push_back((*run)->id);
          }
          return absl::OkStatus();
        });
        EXPECT_TRUE(s.ok()) << s;
        if (!s.ok()) return;
      }
    });
  }
  for (auto& w : workers) w.join();
  std::sort(claimed.begin(), claimed.end());
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kRuns));
  EXPECT_EQ(std::adjacent_find(claimed.begin(), claimed.end()), claimed.end());
}

TEST_F(ReplicasTest, ASingletonLeaseRacedForByThreeReplicasHasOneHolder) {
  auto a = Replica(), b = Replica(), c = Replica();
  ASSERT_TRUE(a && b && c);
  for (int round = 0; round < 10; ++round) {
    const std::string name = absl::StrCat("sweeper-", round);
    std::vector<std::unique_ptr<SingletonLease>> leases;
    for (Store* r : {a.get(), b.get(), c.get()}) {
      leases.push_back(std::make_unique<SingletonLease>(
          r, name, absl::StrCat("replica-", leases.size()), &clock_,
          absl::Seconds(30)));
    }
    std::atomic<int> held{0};
    std::vector<std::thread> threads;
    for (auto& lease : leases) {
      threads.emplace_back([&held, &lease] {
        auto h = lease->Hold();
        EXPECT_TRUE(h.ok()) << h.status();
        if (h.ok() && *h) ++held;
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(held.load(), 1);
  }
}

TEST_F(ReplicasTest, DatabaseGoneIsUnavailableThenRecoversWithNothingLost) {
  auto a = Replica();
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->ExecuteAndWait(Submit("before")).ok());
  ASSERT_TRUE(server_->Crash().ok());
  absl::Status during = a->ExecuteAndWait(Submit("during"));
  EXPECT_EQ(during.code(), absl::StatusCode::kUnavailable) << during;
  EXPECT_TRUE(IsPgStorageFailure(during)) << during;
  EXPECT_THAT(during.message(), Not(HasSubstr("replica-pw-42")));
  EXPECT_EQ(a->Stats().status().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(server_->Restart().ok());
  // The next unit connects again by itself.
  absl::Status after = a->ExecuteAndWait(Submit("after"));
  EXPECT_TRUE(after.ok()) << after;
  auto stats = a->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->breaches, 2);  // before and after; during was refused
  auto verified = a->VerifyAudit();
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->reason;
}

// A replica that did nothing while the database restarted holds idle
// connections the old server closed: its first read and its first write
// afterwards must connect again, not fail (replicas_test in
// integration_tests saw Operator VerifyAudit fail this way).
TEST_F(ReplicasTest, FirstReadAndWriteAfterARestartWhileIdleSucceed) {
  auto a = Replica();
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->ExecuteAndWait(Submit("before")).ok());
  ASSERT_TRUE(a->Stats().ok());  // a read connection, now idle in the pool
  ASSERT_TRUE(server_->Crash().ok());
  ASSERT_TRUE(server_->Restart().ok());
  auto verified = a->VerifyAudit();
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->ok) << verified->reason;
  absl::Status after = a->ExecuteAndWait(Submit("after"));
  EXPECT_TRUE(after.ok()) << after;
  auto stats = a->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->breaches, 2);
}

TEST_F(ReplicasTest, WrongPasswordIsRefusedWithoutEchoingIt) {
  PostgresStoreOptions options;
  options.dsn = server_->Dsn(db_) + " password=not-the-one-99";
  auto store = PostgresStore::Open(options, &clock_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(store.status().message(), Not(HasSubstr("not-the-one-99")));
}

// A unit's last writes travel with its release: when one of them fails,
// that unit alone is undone, the rest of its batch commits, and the chain
// has no gap.
TEST_F(ReplicasTest, AUnitWhoseLastWriteFailsIsUndoneAloneInItsBatch) {
  auto store = Replica();
  ASSERT_NE(store, nullptr);
  absl::Notification started, go;
  absl::Mutex mu;
  std::vector<absl::Status> results(4);
  int told = 0;
  auto done = [&](int i) {
    return [&, i](absl::Status s) {
      absl::MutexLock lock(&mu);
      results[i] = std::move(s);
      ++told;
    };
  };
  // Holds the writer so that the next three make one batch.
  store->Execute(
      [&](Transaction&) {
        started.Notify();
        go.WaitForNotification();
        return absl::OkStatus();
      },
      done(0));
  started.WaitForNotification();
  store->Execute(Submit("a"), done(1));
  store->Execute(
      [](Transaction& txn) -> absl::Status {
        audit::AuditEvent ev;
        ev.actor = "test";
        ev.event = "fine";
        ev.subject = "x";
        absl::Status s = txn.AppendAudit(ev).status();
        if (!s.ok()) return s;
        ev.subject = "bad \xff";  // not UTF-8: the server refuses it
        return txn.AppendAudit(ev).status();
      },
      done(2));
  store->Execute(Submit("b"), done(3));
  go.Notify();
  {
    absl::MutexLock lock(&mu);
    auto all = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return told == 4; };
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&all), absl::Seconds(30)));
  }
  EXPECT_TRUE(results[1].ok()) << results[1];
  EXPECT_FALSE(results[2].ok());
  EXPECT_TRUE(results[3].ok()) << results[3];
  for (const char* id : {"a", "b"}) {
    auto found = store->GetBreach("det-1", id);
    ASSERT_TRUE(found.ok()) << found.status();
    EXPECT_TRUE(found->has_value()) << id;
  }
  auto verified = store->VerifyAudit();
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->ok) << verified->reason;
  EXPECT_EQ(verified->records, 2);  // a's and b's; none of the undone unit
}

}  // namespace
}  // namespace riposte::store::postgres
