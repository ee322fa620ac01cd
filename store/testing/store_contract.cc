// The contract's fixture, and the cases about units of work themselves:
// atomicity, isolation of a failed unit, Done, Close, durability.

#include "store/testing/store_contract.h"

#include <atomic>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "common/status_macros.h"

namespace riposte::store::testing {

void PrintTo(const StoreEngineFactory& factory, std::ostream* os) {
  *os << factory.name;
}

std::string EngineName(
    const ::testing::TestParamInfo<StoreEngineFactory>& info) {
  return info.param.name;
}

StoreContractTest::StoreContractTest()
    : clock_(absl::FromUnixSeconds(1'790'000'000)) {}

void StoreContractTest::SetUp() {
  absl::StatusOr<std::unique_ptr<Store>> opened = GetParam().open(&clock_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  store_ = std::move(*opened);
}

void StoreContractTest::TearDown() {
  if (store_ != nullptr) store_->Close();
}

void StoreContractTest::Reopen() {
  store_->Close();
  store_.reset();
  absl::StatusOr<std::unique_ptr<Store>> opened = GetParam().reopen(&clock_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  store_ = std::move(*opened);
}

absl::Status StoreContractTest::Run(Store::Work work) {
  return store_->ExecuteAndWait(std::move(work));
}

int64_t StoreContractTest::AddIncident(const std::string& tenant,
                                       const std::string& subject_key,
                                       absl::Time last_seen) {
  int64_t id = 0;
  absl::Status s = Run([&](Transaction& txn) -> absl::Status {
    IncidentRow row;
    row.tenant_id = tenant;
    row.subject_key = subject_key;
    row.subject_kind = "user";
    row.first_seen = row.last_seen = last_seen;
    row.breach_count = 1;
    RIPOSTE_ASSIGN_OR_RETURN(id, txn.InsertIncident(row));
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  return id;
}

BreachRow StoreContractTest::MakeBreach(const std::string& detector,
                                        const std::string& breach_id,
                                        int64_t incident) {
  BreachRow row;
  row.detector_id = detector;
  row.breach_id = breach_id;
  row.tenant_id = "contoso";
  row.subject_key = "user:alice@contoso.com";
  row.model_name = "SaaS / Access / Suspicious Login Attempt";
  row.score = 71.5;
  row.observed_time = clock_.Now() - absl::Seconds(5);
  row.received_time = clock_.Now();
  row.incident_id = incident;
  row.payload = std::string("\0\1payload\xff", 10);
  row.payload_digest = "digest";
  row.outcome = std::string("out\0come", 8);
  return row;
}

int64_t StoreContractTest::AddBreach(BreachRow row) {
  absl::Status s = Run([&](Transaction& txn) -> absl::Status {
    RIPOSTE_ASSIGN_OR_RETURN(row.id, txn.AllocateBreachId());
    return txn.InsertBreach(row);
  });
  EXPECT_TRUE(s.ok()) << s;
  return row.id;
}

int64_t StoreContractTest::AddDecision(int64_t incident,
                                       absl::Time decided_at) {
  int64_t id = 0;
  absl::Status s = Run([&](Transaction& txn) -> absl::Status {
    DecisionRow d;
    d.incident_id = incident;
    d.tenant_id = "contoso";
    d.policy_version = "v1";
    d.decided_at = decided_at;
    d.matched_rules = "[\"lockout\"]";
    d.narrative = absl::StrCat("decision for incident ", incident);
    RIPOSTE_ASSIGN_OR_RETURN(id, txn.InsertDecision(d));
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  return id;
}

ActionRunRow StoreContractTest::MakeRun(runs::RunState state,
                                        int64_t incident) {
  ActionRunRow r;
  if (incident == 0) {
    incident = AddIncident("contoso", absl::StrCat("user:u", ++next_key_),
                           clock_.Now());
  }
  r.incident_id = incident;
  r.decision_id = AddDecision(incident, clock_.Now());
  r.tenant_id = "contoso";
  r.action = "force_logout";
  r.target_kind = "user";
  r.target_key = "user:alice@contoso.com";
  r.target = std::string(
      "\x0a\x05"
      "alice",
      7);
  r.state = state;
  r.rule = "lockout";
  r.rung = 1;
  r.rule_mode = "enforce";
  r.autonomous = true;
  r.reversible = true;
  r.duration = absl::Hours(1);
  r.on_approval_expiry = "reject";
  r.gates = "";
  r.idempotency_key = absl::StrCat("key-", ++next_key_);
  r.created_at = r.updated_at = clock_.Now();
  return r;
}

int64_t StoreContractTest::AddRun(const ActionRunRow& row) {
  int64_t id = 0;
  absl::Status s = Run([&](Transaction& txn) -> absl::Status {
    RIPOSTE_ASSIGN_OR_RETURN(id, txn.InsertActionRun(row));
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  return id;
}

RunUpdate StoreContractTest::UpdateOf(const ActionRunRow& run,
                                      runs::RunState state) {
  RunUpdate up;
  up.id = run.id;
  up.fence = run.fence;
  up.state = state;
  up.now = clock_.Now();
  return up;
}

absl::Status StoreContractTest::UpdateLeased(const RunUpdate& update) {
  return Run([&](Transaction& txn) { return txn.UpdateLeasedRun(update); });
}

OperatorRunUpdate StoreContractTest::OperatorUpdateOf(int64_t id,
                                                      runs::RunState from,
                                                      runs::RunState to) {
  OperatorRunUpdate up;
  up.id = id;
  up.expected_state = from;
  up.state = to;
  up.now = clock_.Now();
  return up;
}

absl::Status StoreContractTest::UpdateForOperator(
    const OperatorRunUpdate& update) {
  return Run(
      [&](Transaction& txn) { return txn.UpdateRunForOperator(update); });
}

void StoreContractTest::HoldBack(int64_t id, runs::RunState state,
                                 absl::Time until) {
  OperatorRunUpdate up = OperatorUpdateOf(id, state, state);
  up.not_before = until;
  absl::Status s = UpdateForOperator(up);
  EXPECT_TRUE(s.ok()) << s;
}

ActionRunRow StoreContractTest::GetRun(int64_t id) {
  std::optional<ActionRunRow> run;
  absl::Status s = Run([&](Transaction& txn) -> absl::Status {
    RIPOSTE_ASSIGN_OR_RETURN(run, txn.GetRun(id));
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_TRUE(run.has_value()) << "run " << id;
  return run.value_or(ActionRunRow());
}

std::optional<ActionRunRow> StoreContractTest::Claim(
    const std::string& holder) {
  std::optional<ActionRunRow> run;
  absl::Status s = Run([&](Transaction& txn) -> absl::Status {
    RIPOSTE_ASSIGN_OR_RETURN(
        run, txn.ClaimDueRun(holder, clock_.Now(), clock_.Now() + kLease));
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  return run;
}

absl::Status StoreContractTest::AppendAudit(int n, const std::string& event) {
  return Run([n, event](Transaction& txn) -> absl::Status {
    for (int i = 0; i < n; ++i) {
      audit::AuditEvent ev;
      ev.actor = "system";
      ev.event = event;
      RIPOSTE_RETURN_IF_ERROR(txn.AppendAudit(ev).status());
    }
    return absl::OkStatus();
  });
}

namespace {

// A unit that writes a little everywhere, then fails.
absl::Status WriteThenFail(Transaction& txn) {
  IncidentRow inc;
  inc.tenant_id = "contoso";
  inc.subject_key = "user:doomed";
  inc.subject_kind = "user";
  RIPOSTE_RETURN_IF_ERROR(txn.InsertIncident(inc).status());
  RIPOSTE_RETURN_IF_ERROR(txn.PutSetting("doomed", "yes"));
  audit::AuditEvent ev;
  ev.actor = "system";
  ev.event = "doomed";
  RIPOSTE_RETURN_IF_ERROR(txn.AppendAudit(ev).status());
  return absl::InternalError("changed my mind");
}

TEST_P(StoreContractTest, AFailedUnitLeavesNothingAndDoneGetsItsStatus) {
  absl::Status s = Run(WriteThenFail);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(s.message(), "changed my mind");
  StoreStats stats = *store_->Stats();
  EXPECT_EQ(stats.incidents, 0);
  EXPECT_EQ(stats.audit_records, 0);
  EXPECT_FALSE(store_->ReadSetting("doomed")->has_value());
  // The chain goes on from where it was, without a gap.
  ASSERT_TRUE(AppendAudit(1).ok());
  EXPECT_EQ((*store_->ReadAudit(0, 10))[0].seq, 1);
}

TEST_P(StoreContractTest, AFailedUnitDoesNotDisturbOthersQueuedWithIt) {
  constexpr int kUnits = 9;
  absl::BlockingCounter done(kUnits);
  std::vector<absl::Status> results(kUnits);
  for (int i = 0; i < kUnits; ++i) {
    Store::Work work = WriteThenFail;
    if (i % 3 != 1) {
      work = [i](Transaction& txn) -> absl::Status {
        RIPOSTE_RETURN_IF_ERROR(txn.PutSetting(absl::StrCat("k", i), "v"));
        audit::AuditEvent ev;
        ev.actor = "system";
        ev.event = absl::StrCat("unit.", i);
        return txn.AppendAudit(ev).status();
      };
    }
    store_->Execute(std::move(work), [&, i](absl::Status s) {
      results[i] = std::move(s);
      done.DecrementCount();
    });
  }
  done.Wait();
  for (int i = 0; i < kUnits; ++i) {
    if (i % 3 == 1) {
      EXPECT_EQ(results[i].code(), absl::StatusCode::kInternal) << i;
      EXPECT_FALSE(store_->ReadSetting(absl::StrCat("k", i))->has_value());
    } else {
      EXPECT_TRUE(results[i].ok()) << i << ": " << results[i];
      EXPECT_TRUE(store_->ReadSetting(absl::StrCat("k", i))->has_value());
    }
  }
  EXPECT_FALSE(store_->ReadSetting("doomed")->has_value());
  std::vector<audit::AuditRecord> chain = *store_->ReadAudit(0, 100);
  ASSERT_EQ(chain.size(), 6u);
  for (size_t i = 0; i < chain.size(); ++i) {
    EXPECT_EQ(chain[i].seq, static_cast<int64_t>(i + 1));
    EXPECT_NE(chain[i].event.event, "doomed");
    if (i > 0) {
      EXPECT_EQ(chain[i].prev_hash, chain[i - 1].hash);
    }
  }
  audit::VerifyResult v = *store_->VerifyAudit();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.records, 6);
}

TEST_P(StoreContractTest, AUnitSeesItsOwnWrites) {
  ASSERT_TRUE(
      Run([](Transaction& txn) -> absl::Status {
        IncidentRow inc;
        inc.tenant_id = "contoso";
        inc.subject_key = "user:alice@contoso.com";
        inc.subject_kind = "user";
        inc.breach_count = 1;
        RIPOSTE_ASSIGN_OR_RETURN(inc.id, txn.InsertIncident(inc));
        RIPOSTE_ASSIGN_OR_RETURN(
            auto found,
            txn.FindLatestIncident("contoso", "user:alice@contoso.com"));
        if (!found.has_value() || found->id != inc.id) {
          return absl::InternalError("incident not seen");
        }
        RIPOSTE_RETURN_IF_ERROR(txn.PutSetting("paused", "true"));
        RIPOSTE_ASSIGN_OR_RETURN(auto paused, txn.GetSetting("paused"));
        if (paused != "true") return absl::InternalError("setting");
        BreachRow b;
        b.detector_id = "det-1";
        b.breach_id = "b1";
        b.incident_id = inc.id;
        RIPOSTE_ASSIGN_OR_RETURN(b.id, txn.AllocateBreachId());
        RIPOSTE_RETURN_IF_ERROR(txn.InsertBreach(b));
        RIPOSTE_ASSIGN_OR_RETURN(auto breach, txn.FindBreach("det-1", "b1"));
        if (!breach.has_value() || breach->id != b.id) {
          return absl::InternalError("breach not seen");
        }
        return absl::OkStatus();
      }).ok());
}

TEST_P(StoreContractTest, ConcurrentCallersAllCommit) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        absl::Status s = Run([t, i](Transaction& txn) -> absl::Status {
          RIPOSTE_RETURN_IF_ERROR(
              txn.PutSetting(absl::StrCat("t", t, "-", i), "v"));
          audit::AuditEvent ev;
          ev.actor = "system";
          ev.event = "concurrent";
          return txn.AppendAudit(ev).status();
        });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  audit::VerifyResult v = *store_->VerifyAudit();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.records, kThreads * kPerThread);
  EXPECT_EQ(v.head_seq, kThreads * kPerThread);
}

TEST_P(StoreContractTest, DoneIsCalledOnceForEveryUnit) {
  constexpr int kUnits = 50;
  absl::Mutex mu;
  std::vector<int> calls(kUnits, 0);
  absl::BlockingCounter done(kUnits);
  for (int i = 0; i < kUnits; ++i) {
    store_->Execute([](Transaction&) { return absl::OkStatus(); },
                    [&, i](absl::Status s) {
                      EXPECT_TRUE(s.ok()) << s;
                      {
                        absl::MutexLock lock(&mu);
                        ++calls[i];
                      }
                      done.DecrementCount();
                    });
  }
  done.Wait();
  absl::MutexLock lock(&mu);
  for (int i = 0; i < kUnits; ++i) EXPECT_EQ(calls[i], 1) << i;
}

TEST_P(StoreContractTest, CloseFinishesQueuedWork) {
  std::atomic<int> ok{0};
  for (int i = 0; i < 20; ++i) {
    store_->Execute(
        [i](Transaction& txn) {
          return txn.PutSetting(absl::StrCat("q", i), "v");
        },
        [&](absl::Status s) {
          if (s.ok()) ++ok;
        });
  }
  store_->Close();
  EXPECT_EQ(ok.load(), 20);
  Reopen();
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(store_->ReadSetting(absl::StrCat("q", i))->has_value()) << i;
  }
}

TEST_P(StoreContractTest, AfterCloseUnitsAreUnavailableAndNotRun) {
  store_->Close();
  store_->Close();  // idempotent
  bool ran = false;
  std::optional<absl::Status> told;
  store_->Execute(
      [&](Transaction&) {
        ran = true;
        return absl::OkStatus();
      },
      [&](absl::Status s) { told = std::move(s); });
  // Done comes at once, before Execute returns.
  ASSERT_TRUE(told.has_value());
  EXPECT_EQ(told->code(), absl::StatusCode::kUnavailable) << *told;
  EXPECT_FALSE(ran);
  EXPECT_EQ(Run([](Transaction&) { return absl::OkStatus(); }).code(),
            absl::StatusCode::kUnavailable);
}

TEST_P(StoreContractTest, ReadsAfterCloseAreUnavailable) {
  store_->Close();
  EXPECT_EQ(store_->Stats().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_->Gauges().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_->ReadAudit(0, 10).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_->FindRuns(RunFilter()).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_->ReadSetting("x").status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_P(StoreContractTest, EverythingCommittedSurvivesReopen) {
  const int64_t incident = AddIncident("contoso", "user:alice", clock_.Now());
  const int64_t breach = AddBreach(MakeBreach("det-1", "b1", incident));
  const int64_t run = AddRun(MakeRun(runs::RunState::kQueued, incident));
  std::optional<ActionRunRow> claimed = Claim("worker-1");
  ASSERT_TRUE(claimed.has_value());
  ASSERT_TRUE(
      Run([](Transaction& txn) { return txn.PutSetting("k", "v"); }).ok());
  ASSERT_TRUE(AppendAudit(3).ok());
  const std::vector<audit::AuditRecord> chain = *store_->ReadAudit(0, 10);

  Reopen();
  std::optional<BreachRow> b = *store_->GetBreach("det-1", "b1");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->id, breach);
  EXPECT_EQ(b->payload, std::string("\0\1payload\xff", 10));
  EXPECT_TRUE(store_->GetIncident(incident)->has_value());
  ActionRunRow r = GetRun(run);
  EXPECT_EQ(r.state, runs::RunState::kRunning);
  EXPECT_EQ(r.lease_holder, "worker-1");
  EXPECT_EQ(r.fence, claimed->fence);
  EXPECT_EQ(r.lease_expires, claimed->lease_expires);
  EXPECT_EQ(*store_->ReadSetting("k"), "v");
  std::vector<audit::AuditRecord> after = *store_->ReadAudit(0, 10);
  ASSERT_EQ(after.size(), chain.size());
  for (size_t i = 0; i < chain.size(); ++i) {
    EXPECT_EQ(after[i].hash, chain[i].hash);
    EXPECT_EQ(after[i].time, chain[i].time);
  }
  // The chain and the ids go on from where they were.
  ASSERT_TRUE(AppendAudit(1).ok());
  audit::VerifyResult v = *store_->VerifyAudit();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.head_seq, 4);
  EXPECT_GT(AddBreach(MakeBreach("det-1", "b2", incident)), breach);
  EXPECT_GT(AddRun(MakeRun(runs::RunState::kQueued, incident)), run);
}

}  // namespace
}  // namespace riposte::store::testing
