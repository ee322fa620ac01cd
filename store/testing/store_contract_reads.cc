// The contract of the operators' read side: listings with their filters and
// paging, and the counts behind the metrics endpoint.

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/testing/store_contract.h"

namespace riposte::store::testing {
namespace {

using runs::RunState;

template <typename Row>
std::vector<int64_t> Ids(const absl::StatusOr<std::vector<Row>>& rows) {
  EXPECT_TRUE(rows.ok()) << rows.status();
  std::vector<int64_t> ids;
  if (rows.ok()) {
    for (const Row& r : *rows) ids.push_back(r.id);
  }
  return ids;
}

TEST_P(StoreContractTest, IncidentsListNewestFirstByTenantSubjectAndTime) {
  const absl::Time t0 = clock_.Now() - absl::Hours(10);
  const int64_t a = AddIncident("contoso", "user:alice", t0);
  const int64_t b = AddIncident("fabrikam", "user:alice", t0 + absl::Hours(1));
  const int64_t c = AddIncident("contoso", "user:bob", t0 + absl::Hours(2));
  const int64_t d = AddIncident("contoso", "user:alice", t0 + absl::Hours(3));

  EXPECT_EQ(Ids(store_->FindIncidents(IncidentFilter())),
            (std::vector<int64_t>{d, c, b, a}));
  IncidentFilter tenant;
  tenant.tenant_id = "contoso";
  EXPECT_EQ(Ids(store_->FindIncidents(tenant)),
            (std::vector<int64_t>{d, c, a}));
  IncidentFilter subject = tenant;
  subject.subject_key = "user:alice";
  EXPECT_EQ(Ids(store_->FindIncidents(subject)), (std::vector<int64_t>{d, a}));
  IncidentFilter any_tenant;
  any_tenant.subject_key = "user:alice";
  EXPECT_EQ(Ids(store_->FindIncidents(any_tenant)),
            (std::vector<int64_t>{d, b, a}));
  // [since, until) on last_seen.
  IncidentFilter window;
  window.since = t0 + absl::Hours(1);
  window.until = t0 + absl::Hours(3);
  EXPECT_EQ(Ids(store_->FindIncidents(window)), (std::vector<int64_t>{c, b}));
  IncidentFilter none;
  none.tenant_id = "nobody";
  EXPECT_TRUE(Ids(store_->FindIncidents(none)).empty());
}

TEST_P(StoreContractTest, IncidentPagesFollowBeforeId) {
  std::vector<int64_t> all;
  for (int i = 0; i < 7; ++i) {
    all.insert(all.begin(),
               AddIncident("contoso", absl::StrCat("user:u", i), clock_.Now()));
  }
  std::vector<int64_t> paged;
  IncidentFilter f;
  f.limit = 3;
  for (int page = 0; page < 5; ++page) {
    std::vector<int64_t> ids = Ids(store_->FindIncidents(f));
    EXPECT_LE(ids.size(), 3u);
    if (ids.empty()) break;
    paged.insert(paged.end(), ids.begin(), ids.end());
    f.before_id = ids.back();
  }
  EXPECT_EQ(paged, all);
}

TEST_P(StoreContractTest, AnIncidentIsFoundById) {
  const int64_t a = AddIncident("contoso", "user:alice", clock_.Now());
  const int64_t b = AddIncident("contoso", "user:bob", clock_.Now());
  std::optional<IncidentRow> got = *store_->GetIncident(a);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->id, a);
  EXPECT_EQ(got->subject_key, "user:alice");
  EXPECT_EQ(got->last_seen, clock_.Now());
  EXPECT_EQ(got->breach_count, 1);
  EXPECT_FALSE(store_->GetIncident(b + 1)->has_value());
  EXPECT_FALSE(store_->GetIncident(0)->has_value());
}

TEST_P(StoreContractTest, RunsListNewestFirstByEveryFilter) {
  const absl::Time t0 = clock_.Now() - absl::Hours(10);
  const int64_t incident = AddIncident("contoso", "user:alice", t0);
  const int64_t other = AddIncident("contoso", "user:bob", t0);
  auto add = [&](int64_t inc, const std::string& tenant,
                 const std::string& target, const std::string& action,
                 RunState state, absl::Duration at) {
    ActionRunRow r = MakeRun(state, inc);
    r.tenant_id = tenant;
    r.target_key = target;
    r.action = action;
    r.created_at = r.updated_at = t0 + at;
    return AddRun(r);
  };
  const int64_t r1 = add(incident, "contoso", "user:a", "force_logout",
                         RunState::kDone, absl::Hours(0));
  const int64_t r2 = add(incident, "contoso", "user:b", "disable_user",
                         RunState::kAwaitingApproval, absl::Hours(1));
  const int64_t r3 = add(other, "fabrikam", "user:a", "force_logout",
                         RunState::kActive, absl::Hours(2));
  const int64_t r4 = add(other, "contoso", "user:a", "force_logout",
                         RunState::kAwaitingApproval, absl::Hours(3));

  EXPECT_EQ(Ids(store_->FindRuns(RunFilter())),
            (std::vector<int64_t>{r4, r3, r2, r1}));
  RunFilter states;
  states.states = {RunState::kAwaitingApproval, RunState::kActive};
  EXPECT_EQ(Ids(store_->FindRuns(states)), (std::vector<int64_t>{r4, r3, r2}));
  RunFilter tenant;
  tenant.tenant_id = "contoso";
  EXPECT_EQ(Ids(store_->FindRuns(tenant)), (std::vector<int64_t>{r4, r2, r1}));
  RunFilter target;
  target.target_key = "user:a";
  EXPECT_EQ(Ids(store_->FindRuns(target)), (std::vector<int64_t>{r4, r3, r1}));
  RunFilter action;
  action.action = "disable_user";
  EXPECT_EQ(Ids(store_->FindRuns(action)), (std::vector<int64_t>{r2}));
  RunFilter by_incident;
  by_incident.incident_id = incident;
  EXPECT_EQ(Ids(store_->FindRuns(by_incident)), (std::vector<int64_t>{r2, r1}));
  // [since, until) on created_at.
  RunFilter window;
  window.since = t0 + absl::Hours(1);
  window.until = t0 + absl::Hours(3);
  EXPECT_EQ(Ids(store_->FindRuns(window)), (std::vector<int64_t>{r3, r2}));
  RunFilter all_of_them;
  all_of_them.tenant_id = "contoso";
  all_of_them.target_key = "user:a";
  all_of_them.action = "force_logout";
  all_of_them.states = {RunState::kAwaitingApproval};
  all_of_them.incident_id = other;
  EXPECT_EQ(Ids(store_->FindRuns(all_of_them)), (std::vector<int64_t>{r4}));
  // One run by id, as GetRun asks for it.
  RunFilter one;
  one.before_id = r2 + 1;
  one.limit = 1;
  EXPECT_EQ(Ids(store_->FindRuns(one)), (std::vector<int64_t>{r2}));
}

TEST_P(StoreContractTest, RunPagesFollowBeforeIdAndReadFullRows) {
  std::vector<int64_t> all;
  for (int i = 0; i < 8; ++i)
    all.insert(all.begin(), AddRun(RunState::kQueued));
  std::vector<int64_t> paged;
  RunFilter f;
  f.states = {RunState::kQueued};
  f.limit = 3;
  for (int page = 0; page < 5; ++page) {
    absl::StatusOr<std::vector<ActionRunRow>> rows = store_->FindRuns(f);
    std::vector<int64_t> ids = Ids(rows);
    if (ids.empty()) break;
    for (const ActionRunRow& r : *rows) {
      EXPECT_EQ(r.action, "force_logout");
      EXPECT_EQ(r.idempotency_key, GetRun(r.id).idempotency_key);
    }
    paged.insert(paged.end(), ids.begin(), ids.end());
    f.before_id = ids.back();
  }
  EXPECT_EQ(paged, all);
  EXPECT_EQ(Ids(store_->ListRuns(2)), (std::vector<int64_t>{all[0], all[1]}));
}

TEST_P(StoreContractTest, GaugesCountRunsByWhatTheyWaitFor) {
  StoreGauges empty = *store_->Gauges();
  EXPECT_EQ(empty.awaiting_approval, 0);
  EXPECT_FALSE(empty.oldest_awaiting.has_value());
  EXPECT_EQ(empty.audit_head_seq, 0);

  const absl::Time t0 = clock_.Now();
  ActionRunRow oldest = MakeRun(RunState::kAwaitingApproval);
  oldest.created_at = t0 - absl::Hours(2);
  AddRun(oldest);
  AddRun(RunState::kAwaitingApproval);
  AddRun(RunState::kActive);
  AddRun(RunState::kProposed);  // autonomous: waits for a worker
  ActionRunRow manual = MakeRun(RunState::kProposed);
  manual.autonomous = false;
  AddRun(manual);
  AddRun(RunState::kApproved);
  AddRun(RunState::kQueued);
  AddRun(RunState::kFailed);
  AddRun(RunState::kDone);
  AddRun(RunState::kReverting);
  const int64_t leased = AddRun(RunState::kQueued);
  // Claims take the due ones in id order; lease two of them.
  ASSERT_TRUE(Claim("worker-1").has_value());
  ASSERT_TRUE(Claim("worker-1").has_value());
  ASSERT_TRUE(AppendAudit(3).ok());
  StoreGauges g = *store_->Gauges();
  EXPECT_EQ(g.awaiting_approval, 2);
  EXPECT_EQ(g.oldest_awaiting, t0 - absl::Hours(2));
  EXPECT_EQ(g.active, 1);
  // Waiting: autonomous proposed, approved, two queued; two of them leased.
  EXPECT_EQ(g.queued, 2);
  EXPECT_EQ(g.running, 3);  // two leased and one reverting
  EXPECT_EQ(g.failed, 1);
  EXPECT_EQ(g.audit_head_seq, 3);
  EXPECT_GE(g.size_bytes, 0);
  EXPECT_GE(g.free_bytes, 0);
  EXPECT_NE(leased, 0);
}

TEST_P(StoreContractTest, StatsCountEveryKindOfRow) {
  StoreStats empty = *store_->Stats();
  EXPECT_EQ(empty.breaches, 0);
  EXPECT_EQ(empty.incidents, 0);
  EXPECT_EQ(empty.audit_records, 0);
  EXPECT_EQ(empty.decisions, 0);
  EXPECT_EQ(empty.action_runs, 0);
  const int64_t incident = AddIncident("contoso", "user:alice", clock_.Now());
  AddBreach(MakeBreach("det-1", "b1", incident));
  AddBreach(MakeBreach("det-1", "b2", incident));
  AddRun(MakeRun(RunState::kQueued, incident));  // and a decision
  ASSERT_TRUE(AppendAudit(4).ok());
  StoreStats s = *store_->Stats();
  EXPECT_EQ(s.breaches, 2);
  EXPECT_EQ(s.incidents, 1);
  EXPECT_EQ(s.audit_records, 4);
  EXPECT_EQ(s.decisions, 1);
  EXPECT_EQ(s.action_runs, 1);
}

TEST_P(StoreContractTest, ReadsSeeEveryUnitThatWasReportedDurable) {
  // Done(OK) means committed: the read side sees it at once, whatever
  // connection or replica serves reads.
  const int64_t incident = AddIncident("contoso", "user:alice", clock_.Now());
  for (int i = 0; i < 20; ++i) {
    const std::string id = absl::StrCat("b", i);
    AddBreach(MakeBreach("det-1", id, incident));
    ASSERT_TRUE(store_->GetBreach("det-1", id)->has_value()) << i;
    EXPECT_EQ(store_->Stats()->breaches, i + 1);
  }
}

}  // namespace
}  // namespace riposte::store::testing
