// The contract of a breach's unit of work (IntakeTransaction): idempotency,
// breach ids, correlation, an incident's compact state, decisions and runs.

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "common/status_macros.h"
#include "store/testing/store_contract.h"

namespace riposte::store::testing {
namespace {

using runs::RunState;

TEST_P(StoreContractTest, AStoredBreachReadsBackWithEveryField) {
  const int64_t incident = AddIncident("contoso", "user:alice", clock_.Now());
  BreachRow row = MakeBreach("det-1", "b1", incident);
  row.corroborates = 0;
  row.id = AddBreach(row);
  BreachRow earlier = row;
  BreachRow repeat = MakeBreach("det-2", "b1", incident);
  repeat.corroborates = row.id;
  repeat.id = AddBreach(repeat);

  for (const BreachRow& want : {row, repeat}) {
    std::optional<BreachRow> got = *store_->GetBreach(want.detector_id, "b1");
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->id, want.id);
    EXPECT_EQ(got->tenant_id, want.tenant_id);
    EXPECT_EQ(got->subject_key, want.subject_key);
    EXPECT_EQ(got->model_name, want.model_name);
    EXPECT_EQ(got->score, want.score);
    EXPECT_EQ(got->observed_time, want.observed_time);
    EXPECT_EQ(got->received_time, want.received_time);
    EXPECT_EQ(got->incident_id, incident);
    EXPECT_EQ(got->payload, want.payload);  // bytes, NULs included
    EXPECT_EQ(got->payload_digest, want.payload_digest);
    EXPECT_EQ(got->outcome, want.outcome);
    EXPECT_EQ(got->corroborates, want.corroborates);
  }
  std::optional<BreachRow> in_unit;
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_ASSIGN_OR_RETURN(in_unit,
                                         txn.FindBreach("det-2", "b1"));
                return absl::OkStatus();
              }).ok());
  ASSERT_TRUE(in_unit.has_value());
  EXPECT_EQ(in_unit->corroborates, earlier.id);
  EXPECT_FALSE(store_->GetBreach("det-1", "nope")->has_value());
  EXPECT_FALSE(store_->GetBreach("det-3", "b1")->has_value());
}

TEST_P(StoreContractTest,
       TheSameBreachTwiceIsAlreadyExistsAndRollsBackItsUnit) {
  const int64_t incident = AddIncident("contoso", "user:alice", clock_.Now());
  AddBreach(MakeBreach("det-1", "b1", incident));
  absl::Status again = Run([&](Transaction& txn) -> absl::Status {
    IncidentRow inc;
    inc.tenant_id = "contoso";
    RIPOSTE_RETURN_IF_ERROR(txn.InsertIncident(inc).status());
    audit::AuditEvent ev;
    ev.actor = "detector:det-1";
    ev.event = "breach.received";
    RIPOSTE_RETURN_IF_ERROR(txn.AppendAudit(ev).status());
    BreachRow row = MakeBreach("det-1", "b1", incident);
    RIPOSTE_ASSIGN_OR_RETURN(row.id, txn.AllocateBreachId());
    return txn.InsertBreach(row);
  });
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists) << again;
  StoreStats stats = *store_->Stats();
  EXPECT_EQ(stats.breaches, 1);
  EXPECT_EQ(stats.incidents, 1);
  EXPECT_EQ(stats.audit_records, 0);
}

TEST_P(StoreContractTest, ABreachIdIsPerDetector) {
  const int64_t incident = AddIncident("contoso", "user:alice", clock_.Now());
  const int64_t a = AddBreach(MakeBreach("det-1", "b1", incident));
  const int64_t b = AddBreach(MakeBreach("det-2", "b1", incident));
  EXPECT_NE(a, b);
  EXPECT_EQ(store_->Stats()->breaches, 2);
}

TEST_P(StoreContractTest, InsertingUnderATakenStoredIdIsAlreadyExists) {
  const int64_t incident = AddIncident("contoso", "user:alice", clock_.Now());
  const int64_t id = AddBreach(MakeBreach("det-1", "b1", incident));
  absl::Status s = Run([&](Transaction& txn) {
    BreachRow row = MakeBreach("det-1", "b2", incident);
    row.id = id;
    return txn.InsertBreach(row);
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  EXPECT_FALSE(store_->GetBreach("det-1", "b2")->has_value());
}

// Two detectors' resends racing: each unit inserts without looking first.
TEST_P(StoreContractTest, ConcurrentInsertsOfTheSameBreachStoreItOnce) {
  const int64_t incident = AddIncident("contoso", "user:alice", clock_.Now());
  for (int round = 0; round < 10; ++round) {
    const std::string breach_id = absl::StrCat("race-", round);
    std::vector<absl::Status> results(2);
    absl::BlockingCounter done(2);
    for (int i = 0; i < 2; ++i) {
      store_->Execute(
          [&, breach_id](Transaction& txn) -> absl::Status {
            BreachRow row = MakeBreach("det-1", breach_id, incident);
            RIPOSTE_ASSIGN_OR_RETURN(row.id, txn.AllocateBreachId());
            return txn.InsertBreach(row);
          },
          [&, i](absl::Status s) {
            results[i] = std::move(s);
            done.DecrementCount();
          });
    }
    done.Wait();
    const int ok = (results[0].ok() ? 1 : 0) + (results[1].ok() ? 1 : 0);
    EXPECT_EQ(ok, 1) << results[0] << " / " << results[1];
    for (const absl::Status& s : results) {
      if (!s.ok()) {
        EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
      }
    }
  }
  EXPECT_EQ(store_->Stats()->breaches, 10);
}

TEST_P(StoreContractTest, BreachIdsIncreaseAcrossUnitsRollbacksAndReopen) {
  const int64_t incident = AddIncident("contoso", "user:alice", clock_.Now());
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(
        AddBreach(MakeBreach("det-1", absl::StrCat("b", i), incident)));
  }
  int64_t abandoned = 0;
  EXPECT_FALSE(Run([&](Transaction& txn) -> absl::Status {
                 RIPOSTE_ASSIGN_OR_RETURN(abandoned, txn.AllocateBreachId());
                 return absl::AbortedError("abandon");
               }).ok());
  ids.push_back(AddBreach(MakeBreach("det-1", "b3", incident)));
  Reopen();
  ids.push_back(AddBreach(MakeBreach("det-1", "b4", incident)));
  for (size_t i = 1; i < ids.size(); ++i) {
    EXPECT_GT(ids[i], ids[i - 1]) << i;
  }
  EXPECT_GT(abandoned, ids[2]);
  // Two allocations in one unit differ too.
  int64_t first = 0, second = 0;
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_ASSIGN_OR_RETURN(first, txn.AllocateBreachId());
                RIPOSTE_ASSIGN_OR_RETURN(second, txn.AllocateBreachId());
                return absl::OkStatus();
              }).ok());
  EXPECT_GT(first, ids.back());
  EXPECT_GT(second, first);
}

TEST_P(StoreContractTest, TheLatestIncidentIsTheOneSeenMostRecently) {
  const absl::Time t0 = clock_.Now() - absl::Hours(3);
  const int64_t older = AddIncident("contoso", "user:alice", t0);
  const int64_t newer =
      AddIncident("contoso", "user:alice", t0 + absl::Hours(1));
  AddIncident("fabrikam", "user:alice", t0 + absl::Hours(2));
  AddIncident("contoso", "user:bob", t0 + absl::Hours(2));
  std::optional<IncidentRow> got, none;
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_ASSIGN_OR_RETURN(
                    got, txn.FindLatestIncident("contoso", "user:alice"));
                RIPOSTE_ASSIGN_OR_RETURN(
                    none, txn.FindLatestIncident("contoso", "user:carol"));
                return absl::OkStatus();
              }).ok());
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->id, newer);
  EXPECT_EQ(got->last_seen, t0 + absl::Hours(1));
  EXPECT_FALSE(none.has_value());
  EXPECT_NE(older, newer);
}

TEST_P(StoreContractTest, UpdateIncidentWritesItsTimesAndCounts) {
  const int64_t id = AddIncident("contoso", "user:alice", clock_.Now());
  IncidentRow row = **store_->GetIncident(id);
  row.first_seen = clock_.Now() - absl::Minutes(5);
  row.last_seen = clock_.Now() + absl::Minutes(5);
  row.breach_count = 7;
  row.corroborations = 2;
  ASSERT_TRUE(
      Run([&](Transaction& txn) { return txn.UpdateIncident(row); }).ok());
  IncidentRow got = **store_->GetIncident(id);
  EXPECT_EQ(got.tenant_id, "contoso");
  EXPECT_EQ(got.subject_key, "user:alice");
  EXPECT_EQ(got.subject_kind, "user");
  EXPECT_EQ(got.first_seen, row.first_seen);
  EXPECT_EQ(got.last_seen, row.last_seen);
  EXPECT_EQ(got.breach_count, 7);
  EXPECT_EQ(got.corroborations, 2);
}

TEST_P(StoreContractTest,
       BreachesObservedBetweenAreInclusiveInIdOrderAndLimited) {
  const int64_t incident = AddIncident("contoso", "user:alice", clock_.Now());
  const int64_t other = AddIncident("contoso", "user:bob", clock_.Now());
  const absl::Time t0 = clock_.Now() - absl::Hours(1);
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    BreachRow b = MakeBreach("det-1", absl::StrCat("b", i), incident);
    b.observed_time = t0 + absl::Minutes(10 * (4 - i));  // newest first
    ids.push_back(AddBreach(b));
  }
  BreachRow elsewhere = MakeBreach("det-1", "x", other);
  elsewhere.observed_time = t0 + absl::Minutes(20);
  AddBreach(elsewhere);
  std::vector<BreachRow> between, limited;
  ASSERT_TRUE(
      Run([&](Transaction& txn) -> absl::Status {
        // [t0+10m, t0+30m]: breaches 1, 2 and 3.
        RIPOSTE_ASSIGN_OR_RETURN(between, txn.ListBreachesObservedBetween(
                                              incident, t0 + absl::Minutes(10),
                                              t0 + absl::Minutes(30), 100));
        RIPOSTE_ASSIGN_OR_RETURN(limited, txn.ListBreachesObservedBetween(
                                              incident, absl::InfinitePast(),
                                              absl::InfiniteFuture(), 2));
        return absl::OkStatus();
      }).ok());
  ASSERT_EQ(between.size(), 3u);
  EXPECT_EQ(between[0].id, ids[1]);
  EXPECT_EQ(between[1].id, ids[2]);
  EXPECT_EQ(between[2].id, ids[3]);
  ASSERT_EQ(limited.size(), 2u);
  EXPECT_EQ(limited[0].id, ids[0]);
  EXPECT_EQ(limited[1].id, ids[1]);
}

TEST_P(StoreContractTest, IncidentStepsArePerTargetAndReplacedWhole) {
  const int64_t incident = AddIncident("contoso", "user:alice", clock_.Now());
  std::vector<int64_t> empty, first, replaced, other;
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_ASSIGN_OR_RETURN(
                    empty, txn.GetIncidentSteps(incident, "user:a"));
                RIPOSTE_RETURN_IF_ERROR(
                    txn.PutIncidentSteps(incident, "user:a", {3, 1, 2}));
                RIPOSTE_ASSIGN_OR_RETURN(
                    first, txn.GetIncidentSteps(incident, "user:a"));
                return absl::OkStatus();
              }).ok());
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_RETURN_IF_ERROR(
                    txn.PutIncidentSteps(incident, "user:a", {4}));
                RIPOSTE_RETURN_IF_ERROR(
                    txn.PutIncidentSteps(incident, "user:b", {5, 6}));
                RIPOSTE_ASSIGN_OR_RETURN(
                    replaced, txn.GetIncidentSteps(incident, "user:a"));
                RIPOSTE_ASSIGN_OR_RETURN(
                    other, txn.GetIncidentSteps(incident, "user:b"));
                return absl::OkStatus();
              }).ok());
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(first, (std::vector<int64_t>{3, 1, 2}));  // in the order given
  EXPECT_EQ(replaced, (std::vector<int64_t>{4}));
  EXPECT_EQ(other, (std::vector<int64_t>{5, 6}));
}

TEST_P(StoreContractTest, ARunReadsBackWithEveryFieldAndNoBookkeeping) {
  ActionRunRow want = MakeRun(RunState::kAwaitingApproval);
  want.approval_deadline = clock_.Now() + absl::Hours(4);
  want.two_person = true;
  want.gates = "cap,budget";
  want.autonomous = false;
  const int64_t id = AddRun(want);
  ActionRunRow got = GetRun(id);
  EXPECT_EQ(got.id, id);
  EXPECT_EQ(got.decision_id, want.decision_id);
  EXPECT_EQ(got.incident_id, want.incident_id);
  EXPECT_EQ(got.tenant_id, want.tenant_id);
  EXPECT_EQ(got.action, want.action);
  EXPECT_EQ(got.target_kind, want.target_kind);
  EXPECT_EQ(got.target_key, want.target_key);
  EXPECT_EQ(got.target, want.target);
  EXPECT_EQ(got.state, RunState::kAwaitingApproval);
  EXPECT_EQ(got.rule, want.rule);
  EXPECT_EQ(got.rung, want.rung);
  EXPECT_EQ(got.rule_mode, want.rule_mode);
  EXPECT_FALSE(got.autonomous);
  EXPECT_TRUE(got.reversible);
  EXPECT_EQ(got.duration, absl::Hours(1));
  EXPECT_EQ(got.approval_deadline, want.approval_deadline);
  EXPECT_EQ(got.on_approval_expiry, want.on_approval_expiry);
  EXPECT_TRUE(got.two_person);
  EXPECT_EQ(got.gates, "cap,budget");
  EXPECT_EQ(got.idempotency_key, want.idempotency_key);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.updated_at, want.updated_at);
  EXPECT_EQ(got.attempts, 0);
  EXPECT_EQ(got.lease_holder, "");
  EXPECT_EQ(got.fence, 0);
  EXPECT_EQ(got.last_error, "");
  EXPECT_FALSE(got.expires_at.has_value());
  EXPECT_EQ(got.memo, "");
  EXPECT_FALSE(got.first_attempt_at.has_value());
  EXPECT_FALSE(got.effect_at.has_value());
  EXPECT_EQ(got.approvers, "[]");
  EXPECT_FALSE(got.escalated);
  EXPECT_EQ(got.outcome, "");
  EXPECT_EQ(got.outcome_note, "");
  // A run without a deadline or duration keeps them empty.
  ActionRunRow plain = MakeRun(RunState::kObserved);
  plain.duration = absl::ZeroDuration();
  ActionRunRow plain_got = GetRun(AddRun(plain));
  EXPECT_FALSE(plain_got.approval_deadline.has_value());
  EXPECT_EQ(plain_got.duration, absl::ZeroDuration());
  std::optional<ActionRunRow> missing;
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_ASSIGN_OR_RETURN(missing, txn.GetRun(id + 100));
                return absl::OkStatus();
              }).ok());
  EXPECT_FALSE(missing.has_value());
}

TEST_P(StoreContractTest, ARepeatedIdempotencyKeyIsAlreadyExists) {
  ActionRunRow run = MakeRun(RunState::kQueued);
  AddRun(run);
  absl::Status s =
      Run([&](Transaction& txn) { return txn.InsertActionRun(run).status(); });
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  EXPECT_EQ(store_->Stats()->action_runs, 1);
}

TEST_P(StoreContractTest, RunsOnTargetsMatchTenantTargetsAndStatesInIdOrder) {
  const int64_t incident = AddIncident("contoso", "user:alice", clock_.Now());
  auto add = [&](const std::string& tenant, const std::string& target,
                 RunState state) {
    ActionRunRow r = MakeRun(state, incident);
    r.tenant_id = tenant;
    r.target_key = target;
    return AddRun(r);
  };
  const int64_t a = add("contoso", "user:a", RunState::kActive);
  const int64_t b = add("contoso", "user:b", RunState::kQueued);
  add("contoso", "user:a", RunState::kDone);
  add("fabrikam", "user:a", RunState::kActive);
  add("contoso", "user:c", RunState::kActive);
  const int64_t a2 = add("contoso", "user:a", RunState::kQueued);
  std::vector<ActionRunRow> got, none, no_states;
  ASSERT_TRUE(
      Run([&](Transaction& txn) -> absl::Status {
        RIPOSTE_ASSIGN_OR_RETURN(
            got, txn.ListRunsOnTargets("contoso", {"user:a", "user:b"},
                                       {RunState::kActive, RunState::kQueued}));
        RIPOSTE_ASSIGN_OR_RETURN(
            none, txn.ListRunsOnTargets("contoso", {}, {RunState::kActive}));
        RIPOSTE_ASSIGN_OR_RETURN(
            no_states, txn.ListRunsOnTargets("contoso", {"user:a"}, {}));
        return absl::OkStatus();
      }).ok());
  std::vector<int64_t> ids;
  for (const auto& r : got) ids.push_back(r.id);
  EXPECT_EQ(ids, (std::vector<int64_t>{a, b, a2}));
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(no_states.empty());
}

TEST_P(StoreContractTest, AutonomousRunsAreCountedPerTenantAndActionSince) {
  const int64_t incident = AddIncident("contoso", "user:alice", clock_.Now());
  const absl::Time t0 = clock_.Now() - absl::Hours(2);
  auto add = [&](const std::string& tenant, const std::string& action,
                 bool autonomous, absl::Time created) {
    ActionRunRow r = MakeRun(RunState::kDone, incident);
    r.tenant_id = tenant;
    r.action = action;
    r.autonomous = autonomous;
    r.created_at = r.updated_at = created;
    AddRun(r);
  };
  add("contoso", "force_logout", true, t0);
  add("contoso", "force_logout", true, t0 + absl::Hours(1));
  add("contoso", "force_logout", true, t0 + absl::Hours(2));
  add("contoso", "force_logout", false, t0 + absl::Hours(2));
  add("contoso", "disable_user", true, t0 + absl::Hours(2));
  add("fabrikam", "force_logout", true, t0 + absl::Hours(2));
  int64_t since_one_hour = 0, all = 0, none = 0;
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_ASSIGN_OR_RETURN(
                    since_one_hour,
                    txn.CountAutonomousRuns("contoso", "force_logout",
                                            t0 + absl::Hours(1)));
                RIPOSTE_ASSIGN_OR_RETURN(
                    all, txn.CountAutonomousRuns("contoso", "force_logout",
                                                 absl::InfinitePast()));
                RIPOSTE_ASSIGN_OR_RETURN(
                    none, txn.CountAutonomousRuns("contoso", "reset_password",
                                                  absl::InfinitePast()));
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(since_one_hour, 2);  // at `since` counts
  EXPECT_EQ(all, 3);
  EXPECT_EQ(none, 0);
}

TEST_P(StoreContractTest, DecisionsReadBackByIdAndByIncident) {
  const int64_t incident = AddIncident("contoso", "user:alice", clock_.Now());
  const int64_t other = AddIncident("contoso", "user:bob", clock_.Now());
  const int64_t first = AddDecision(incident, clock_.Now() - absl::Minutes(2));
  AddDecision(other, clock_.Now());
  const int64_t second = AddDecision(incident, clock_.Now() - absl::Minutes(1));
  std::optional<DecisionRow> got, missing;
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_ASSIGN_OR_RETURN(got, txn.GetDecision(first));
                RIPOSTE_ASSIGN_OR_RETURN(missing,
                                         txn.GetDecision(second + 100));
                return absl::OkStatus();
              }).ok());
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->incident_id, incident);
  EXPECT_EQ(got->tenant_id, "contoso");
  EXPECT_EQ(got->policy_version, "v1");
  EXPECT_EQ(got->decided_at, clock_.Now() - absl::Minutes(2));
  EXPECT_EQ(got->matched_rules, "[\"lockout\"]");
  EXPECT_EQ(got->narrative, absl::StrCat("decision for incident ", incident));
  EXPECT_FALSE(missing.has_value());
  std::vector<DecisionRow> listed = *store_->IncidentDecisions(incident);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, first);
  EXPECT_EQ(listed[1].id, second);
  EXPECT_TRUE(store_->IncidentDecisions(other + 100)->empty());
}

TEST_P(StoreContractTest, IncidentBreachesComeOldestObservedFirst) {
  const int64_t incident = AddIncident("contoso", "user:alice", clock_.Now());
  BreachRow late = MakeBreach("det-1", "late", incident);
  late.observed_time = clock_.Now() - absl::Minutes(1);
  BreachRow early = MakeBreach("det-1", "early", incident);
  early.observed_time = clock_.Now() - absl::Minutes(9);
  const int64_t late_id = AddBreach(late);
  const int64_t early_id = AddBreach(early);
  AddBreach(MakeBreach("det-1", "elsewhere",
                       AddIncident("contoso", "user:bob", clock_.Now())));
  std::vector<BreachRow> got = *store_->IncidentBreaches(incident);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].id, early_id);
  EXPECT_EQ(got[1].id, late_id);
}

TEST_P(StoreContractTest, SettingsAreReadInAndOutsideUnitsAndOverwritten) {
  std::optional<std::string> before;
  ASSERT_TRUE(Run([&](Transaction& txn) -> absl::Status {
                RIPOSTE_ASSIGN_OR_RETURN(before, txn.GetSetting("paused"));
                RIPOSTE_RETURN_IF_ERROR(txn.PutSetting("paused", "true"));
                return txn.PutSetting("paused", "false");
              }).ok());
  EXPECT_FALSE(before.has_value());
  EXPECT_EQ(*store_->ReadSetting("paused"), "false");
  ASSERT_TRUE(Run([](Transaction& txn) {
                return txn.PutSetting("paused", std::string("", 0));
              }).ok());
  // An empty value is a value, not a missing setting.
  std::optional<std::string> empty = *store_->ReadSetting("paused");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(*empty, "");
  EXPECT_FALSE(store_->ReadSetting("never")->has_value());
  // Large values (the health probe writes 64 KiB) come back whole.
  const std::string large(256 * 1024, 'x');
  ASSERT_TRUE(
      Run([&](Transaction& txn) { return txn.PutSetting("large", large); })
          .ok());
  EXPECT_EQ(*store_->ReadSetting("large"), large);
}

}  // namespace
}  // namespace riposte::store::testing
