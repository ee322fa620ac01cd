// The contract of the audit chain and of retention: appending, reading and
// verifying the chain, archiving its start, and which incidents may go.

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/testing/store_contract.h"

namespace riposte::store::testing {
namespace {

using runs::RunState;

constexpr absl::Duration kDay = absl::Hours(24);

TEST_P(StoreContractTest, AuditRecordsAreSealedInOrderAndReadBackAsSealed) {
  std::vector<audit::AuditRecord> sealed;
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                for (int i = 0; i < 3; ++i) {
                  audit::AuditEvent ev;
                  ev.actor = "operator:alice";
                  ev.event = "action.approved";
                  ev.subject = "contoso/user:alice";
                  ev.details = absl::StrCat("{\"i\":", i, "}");
                  ev.policy_version = "v7";
                  RIPOSTE_ASSIGN_OR_RETURN(audit::AuditRecord r,
                                           txn.AppendAudit(ev));
                  sealed.push_back(r);
                }
                return absl::OkStatus();
              }).ok());
  ASSERT_EQ(sealed.size(), 3u);
  EXPECT_EQ(sealed[0].seq, 1);
  EXPECT_EQ(sealed[0].prev_hash, audit::kGenesisHash);
  EXPECT_EQ(sealed[0].time, clock_.Now());  // the store's clock
  std::vector<audit::AuditRecord> read = *store_->ReadAudit(0, 10);
  ASSERT_EQ(read.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(read[i].seq, static_cast<int64_t>(i + 1));
    EXPECT_EQ(read[i].time, sealed[i].time);
    EXPECT_EQ(read[i].event.actor, "operator:alice");
    EXPECT_EQ(read[i].event.event, "action.approved");
    EXPECT_EQ(read[i].event.subject, "contoso/user:alice");
    EXPECT_EQ(read[i].event.details, absl::StrCat("{\"i\":", i, "}"));
    EXPECT_EQ(read[i].event.policy_version, "v7");
    EXPECT_EQ(read[i].prev_hash, sealed[i].prev_hash);
    EXPECT_EQ(read[i].hash, sealed[i].hash);
    EXPECT_EQ(read[i].hash, audit::ComputeHash(read[i]));
    if (i > 0) {
      EXPECT_EQ(read[i].prev_hash, read[i - 1].hash);
    }
  }
  audit::VerifyResult v = *store_->VerifyAudit();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.records, 3);
  EXPECT_EQ(v.head_seq, 3);
  EXPECT_EQ(v.head_hash, sealed[2].hash);
  EXPECT_EQ(v.base_seq, 0);
}

TEST_P(StoreContractTest, AnEmptyChainVerifiesFromGenesis) {
  audit::VerifyResult v = *store_->VerifyAudit();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.records, 0);
  EXPECT_EQ(v.head_seq, 0);
  EXPECT_EQ(v.head_hash, audit::kGenesisHash);
  audit::ChainBase base = *store_->ReadAuditBase();
  EXPECT_EQ(base.seq, 0);
  EXPECT_EQ(base.hash, audit::kGenesisHash);
  EXPECT_TRUE(store_->ReadAudit(0, 10)->empty());
}

TEST_P(StoreContractTest, ReadAuditPagesAfterASequenceNumber) {
  ASSERT_TRUE(AppendAudit(12).ok());
  std::vector<int64_t> seqs;
  int64_t after = 0;
  for (int page = 0; page < 10; ++page) {
    std::vector<audit::AuditRecord> batch = *store_->ReadAudit(after, 5);
    EXPECT_LE(batch.size(), 5u);
    if (batch.empty()) break;
    for (const auto& r : batch) seqs.push_back(r.seq);
    after = batch.back().seq;
  }
  ASSERT_EQ(seqs.size(), 12u);
  for (size_t i = 0; i < seqs.size(); ++i) {
    EXPECT_EQ(seqs[i], static_cast<int64_t>(i + 1));
  }
  EXPECT_TRUE(store_->ReadAudit(12, 5)->empty());
  EXPECT_EQ((*store_->ReadAudit(10, 100)).size(), 2u);
}

TEST_P(StoreContractTest,
       ArchivingMovesTheBaseOnlyOverAStoredRecordBeforeTheHead) {
  ASSERT_TRUE(AppendAudit(6).ok());
  const std::vector<audit::AuditRecord> chain = *store_->ReadAudit(0, 10);
  auto remove = [&](audit::ChainBase base) {
    return Run([&](Transaction& txn) { return txn.RemoveArchivedAudit(base); });
  };
  // Not with a hash that is not the record's, not one never stored, and
  // never the head.
  EXPECT_EQ(remove({4, chain[0].hash}).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(remove({9, chain[5].hash}).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(remove({6, chain[5].hash}).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->Stats()->audit_records, 6);
  EXPECT_EQ(store_->ReadAuditBase()->seq, 0);

  ASSERT_TRUE(remove({4, chain[3].hash}).ok());
  audit::ChainBase base = *store_->ReadAuditBase();
  EXPECT_EQ(base.seq, 4);
  EXPECT_EQ(base.hash, chain[3].hash);
  EXPECT_EQ(store_->Stats()->audit_records, 2);
  std::vector<audit::AuditRecord> left = *store_->ReadAudit(0, 10);
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].seq, 5);
  audit::VerifyResult v = *store_->VerifyAudit();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.base_seq, 4);
  EXPECT_EQ(v.head_seq, 6);
  EXPECT_EQ(v.records, 2);
  // A record already gone cannot be a base again.
  EXPECT_EQ(remove({3, chain[2].hash}).code(),
            absl::StatusCode::kFailedPrecondition);

  Reopen();
  EXPECT_EQ(store_->ReadAuditBase()->seq, 4);
  ASSERT_TRUE(AppendAudit(1).ok());
  v = *store_->VerifyAudit();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.head_seq, 7);
  EXPECT_EQ(store_->Gauges()->audit_head_seq, 7);
  EXPECT_EQ((*store_->ReadAudit(6, 1))[0].prev_hash, chain[5].hash);
}

TEST_P(StoreContractTest, AuditedRowsListEveryBreachDecisionAndRunInIdOrder) {
  const int64_t incident = AddIncident("contoso", "user:alice", clock_.Now());
  const int64_t b1 = AddBreach(MakeBreach("det-1", "b1", incident));
  const int64_t b2 = AddBreach(MakeBreach("det-1", "b2", incident));
  ActionRunRow run = MakeRun(RunState::kAwaitingApproval, incident);
  const int64_t r1 = AddRun(run);
  const int64_t r2 = AddRun(MakeRun(RunState::kDone, incident));
  audit::AuditedRows rows = *store_->ListAuditedRows();
  EXPECT_EQ(rows.breach_ids, (std::vector<int64_t>{b1, b2}));
  ASSERT_EQ(rows.decision_ids.size(), 2u);
  EXPECT_LT(rows.decision_ids[0], rows.decision_ids[1]);
  EXPECT_EQ(rows.decision_ids[0], run.decision_id);
  ASSERT_EQ(rows.runs.size(), 2u);
  EXPECT_EQ(rows.runs[0].id, r1);
  EXPECT_EQ(rows.runs[0].state, "awaiting_approval");
  EXPECT_EQ(rows.runs[1].id, r2);
  EXPECT_EQ(rows.runs[1].state, "done");

  // CountStoredRows: how many of them are still there.
  audit::AuditedRows asked = rows;
  asked.breach_ids.push_back(b2 + 100);
  asked.runs.push_back({r2 + 100, "done"});
  int64_t stored = 0;
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_ASSIGN_OR_RETURN(stored, txn.CountStoredRows(asked));
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(stored, 6);
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_ASSIGN_OR_RETURN(
                    stored, txn.CountStoredRows(audit::AuditedRows()));
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(stored, 0);
}

}  // namespace

int64_t StoreContractTest::AddIncidentAt(absl::Time at,
                                         std::vector<RunState> states,
                                         int breaches) {
  const int64_t incident =
      AddIncident("contoso", absl::StrCat("user:r", ++subjects_), at);
  for (int i = 0; i < breaches; ++i) {
    BreachRow b =
        MakeBreach("det-1", absl::StrCat("r", subjects_, "-", i), incident);
    b.observed_time = b.received_time = at;
    AddBreach(b);
  }
  std::vector<int64_t> steps;
  for (RunState state : states) {
    ActionRunRow r = MakeRun(state, incident);
    r.created_at = r.updated_at = at;
    steps.push_back(AddRun(r));
  }
  EXPECT_TRUE(Run([&](Transaction& txn) {
                return txn.PutIncidentSteps(incident, "user:alice@contoso.com",
                                            steps);
              }).ok());
  return incident;
}

PruneResult StoreContractTest::Prune(absl::Duration age, int64_t limit) {
  PruneRequest request;
  request.activity_before = clock_.Now() - age;
  request.runs_changed_before = clock_.Now() - age;
  request.limit = limit;
  return PruneAll(request);
}

PruneResult StoreContractTest::PruneAll(PruneRequest request) {
  PruneResult total;
  for (int batches = 0; batches < 1000; ++batches) {
    PruneResult batch;
    absl::Status st = Run([&](Transaction& txn) -> absl::Status {
      RIPOSTE_ASSIGN_OR_RETURN(batch, txn.PruneIncidents(request));
      return absl::OkStatus();
    });
    EXPECT_TRUE(st.ok()) << st;
    if (!st.ok()) break;
    EXPECT_GE(batch.last_id, request.after_id);
    total.incidents += batch.incidents;
    total.breaches += batch.breaches;
    total.decisions += batch.decisions;
    total.runs += batch.runs;
    request.after_id = batch.last_id;
    if (batch.done) {
      total.done = true;
      break;
    }
  }
  EXPECT_TRUE(total.done);
  return total;
}

bool StoreContractTest::Exists(int64_t incident) {
  return store_->GetIncident(incident)->has_value();
}

namespace {

TEST_P(StoreContractTest, AnOldClosedIncidentGoesWithEverythingOfIt) {
  const absl::Time old = clock_.Now() - 10 * kDay;
  const int64_t gone = AddIncidentAt(
      old, {RunState::kDone, RunState::kReverted}, /*breaches=*/3);
  const int64_t recent = AddIncidentAt(clock_.Now(), {RunState::kDone});
  PruneResult r = Prune(kDay);
  EXPECT_EQ(r.incidents, 1);
  EXPECT_EQ(r.breaches, 3);
  EXPECT_EQ(r.decisions, 2);  // one per run here
  EXPECT_EQ(r.runs, 2);
  EXPECT_FALSE(Exists(gone));
  EXPECT_TRUE(store_->IncidentBreaches(gone)->empty());
  EXPECT_TRUE(store_->IncidentDecisions(gone)->empty());
  RunFilter f;
  f.incident_id = gone;
  EXPECT_TRUE(store_->FindRuns(f)->empty());
  std::vector<int64_t> steps = {1};
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_ASSIGN_OR_RETURN(
                    steps,
                    txn.GetIncidentSteps(gone, "user:alice@contoso.com"));
                return absl::OkStatus();
              }).ok());
  EXPECT_TRUE(steps.empty());
  EXPECT_TRUE(Exists(recent));
  StoreStats stats = *store_->Stats();
  EXPECT_EQ(stats.incidents, 1);
  EXPECT_EQ(stats.breaches, 1);
  EXPECT_EQ(stats.decisions, 1);
  EXPECT_EQ(stats.action_runs, 1);
  // The store may give the space back; asking never fails.
  EXPECT_TRUE(Run([](Transaction& txn) {
                return txn.ReclaimSpace(1 << 20).status();
              }).ok());
}

TEST_P(StoreContractTest, NothingInForceOrUndecidedIsRemoved) {
  const absl::Time old = clock_.Now() - 10 * kDay;
  std::vector<std::pair<RunState, int64_t>> kept;
  for (RunState state :
       {RunState::kProposed, RunState::kAwaitingApproval, RunState::kApproved,
        RunState::kQueued, RunState::kRunning, RunState::kActive,
        RunState::kReverting, RunState::kFailed}) {
    kept.push_back({state, AddIncidentAt(old, {RunState::kDone, state})});
  }
  std::vector<int64_t> closed;
  for (RunState state :
       {RunState::kSuppressed, RunState::kObserved, RunState::kRejected,
        RunState::kApprovalExpired, RunState::kDone, RunState::kReverted}) {
    closed.push_back(AddIncidentAt(old, {state}));
  }
  const int64_t no_runs = AddIncidentAt(old, {});
  AddIncidentAt(clock_.Now(), {RunState::kDone});  // the newest stays
  PruneResult r = Prune(kDay);
  EXPECT_EQ(r.incidents, 7);
  for (int64_t id : closed) EXPECT_FALSE(Exists(id)) << id;
  EXPECT_FALSE(Exists(no_runs));
  for (auto [state, id] : kept) {
    EXPECT_TRUE(Exists(id)) << runs::RunStateName(state);
  }
}

TEST_P(StoreContractTest, ARecentBreachOrRunChangeKeepsItsIncident) {
  const absl::Time old = clock_.Now() - 10 * kDay;
  const int64_t young =
      AddIncidentAt(clock_.Now() - absl::Hours(12), {RunState::kDone});
  const int64_t older =
      AddIncidentAt(clock_.Now() - 3 * kDay, {RunState::kDone});
  // A breach received recently, though observed long ago.
  const int64_t late = AddIncidentAt(old, {RunState::kDone});
  BreachRow b = MakeBreach("det-1", "late", late);
  b.observed_time = old;
  b.received_time = clock_.Now();
  AddBreach(b);
  const int64_t newest = AddIncidentAt(clock_.Now(), {RunState::kDone});
  EXPECT_EQ(Prune(2 * kDay).incidents, 1);
  EXPECT_TRUE(Exists(young));
  EXPECT_FALSE(Exists(older));
  EXPECT_TRUE(Exists(late));
  EXPECT_TRUE(Exists(newest));

  // Runs must have changed before runs_changed_before.
  const int64_t changed = AddIncidentAt(old, {RunState::kDone});
  AddIncidentAt(clock_.Now(), {RunState::kDone});
  PruneRequest request;
  request.activity_before = clock_.Now() - kDay;
  request.runs_changed_before = old;  // at `old` is not before it
  EXPECT_EQ(PruneAll(request).incidents, 0);
  EXPECT_TRUE(Exists(changed));
}

TEST_P(StoreContractTest, WhatHoldsTheNewestIdsStaysSoIdsAreNotReused) {
  const int64_t only =
      AddIncidentAt(clock_.Now() - 10 * kDay, {RunState::kDone});
  EXPECT_EQ(Prune(kDay).incidents, 0);
  EXPECT_TRUE(Exists(only));

  // An old incident that holds the newest breach, decision or run stays,
  // though a newer incident exists.
  const absl::Time old = clock_.Now() - 10 * kDay;
  const int64_t holds_breach = AddIncidentAt(old, {RunState::kDone});
  const int64_t holds_run = AddIncidentAt(old, {RunState::kDone});
  const int64_t newest = AddIncidentAt(old, {RunState::kDone});
  ActionRunRow run = MakeRun(RunState::kDone, holds_run);
  run.created_at = run.updated_at = old;
  AddRun(run);  // the newest decision and run
  BreachRow b = MakeBreach("det-1", "newest", holds_breach);
  b.observed_time = b.received_time = old;
  AddBreach(b);  // the newest breach
  Prune(kDay);
  EXPECT_TRUE(Exists(holds_breach));
  EXPECT_TRUE(Exists(holds_run));
  EXPECT_FALSE(Exists(only));
  // New rows get ids above every id handed out.
  EXPECT_TRUE(Exists(newest));
  EXPECT_GT(AddIncident("contoso", "user:new", clock_.Now()), newest);
}

TEST_P(StoreContractTest, BatchesWalkPastIncidentsThatStay) {
  const absl::Time old = clock_.Now() - 10 * kDay;
  for (int i = 0; i < 7; ++i) AddIncidentAt(old, {RunState::kActive});
  for (int i = 0; i < 5; ++i) AddIncidentAt(old, {RunState::kDone});
  AddIncidentAt(clock_.Now(), {RunState::kDone});
  // Batches of 3: the kept ones at the front do not stop the pass.
  PruneResult r = Prune(kDay, /*limit=*/3);
  EXPECT_EQ(r.incidents, 5);
  EXPECT_EQ(store_->Stats()->incidents, 8);
  // A batch past the last incident is done and removes nothing.
  PruneRequest past;
  past.activity_before = clock_.Now();
  past.runs_changed_before = clock_.Now();
  past.after_id = 1000;
  PruneResult nothing = PruneAll(past);
  EXPECT_EQ(nothing.incidents, 0);
}

}  // namespace
}  // namespace riposte::store::testing
