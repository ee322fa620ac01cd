#include "orchestrator/operator/run_commands.h"

#include "common/clock.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::operator_api {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'795'000'000);

class RunCommandsTest : public ::testing::Test {
 protected:
  RunCommandsTest() : clock_(kNow) {
    store::sqlite::SqliteStoreOptions o;
    o.path = dir_.File("riposte.db");
    store_ = std::move(store::sqlite::SqliteStore::Open(o, &clock_).value());
    commands_ = std::make_unique<RunCommands>(store_.get(), &clock_, nullptr,
                                              [this] { ++wakes_; });
  }

  int64_t AddRun(const std::string& state, const std::string& action,
                 bool two_person = false, const std::string& on_expiry = "reject",
                 const std::string& target = "user:alice@contoso.com") {
    int64_t id = 0;
    EXPECT_TRUE(store_->ExecuteAndWait([&](store::Transaction& txn) -> absl::Status {
      store::IncidentRow inc;
      inc.tenant_id = "contoso";
      inc.subject_key = target;
      inc.subject_kind = "user";
      inc.first_seen = inc.last_seen = kNow;
      auto inc_id = txn.InsertIncident(inc);
      if (!inc_id.ok()) return inc_id.status();
      store::DecisionRow d;
      d.incident_id = *inc_id;
      d.tenant_id = "contoso";
      d.decided_at = kNow;
      d.matched_rules = "[]";
      auto d_id = txn.InsertDecision(d);
      if (!d_id.ok()) return d_id.status();
      store::ActionRunRow r;
      r.decision_id = *d_id;
      r.incident_id = *inc_id;
      r.tenant_id = "contoso";
      r.action = action;
      r.target_kind = "user";
      r.target_key = target;
      r.state = *runs::ParseRunState(state);
      r.rule = "r";
      r.rule_mode = "confirm";
      r.reversible = action == "disable_user";
      r.duration = absl::Hours(4);
      r.two_person = two_person;
      r.on_approval_expiry = on_expiry;
      if (state == "awaiting_approval") r.approval_deadline = kNow + absl::Minutes(30);
      r.idempotency_key = absl::StrCat("k", *d_id);
      r.created_at = r.updated_at = kNow;
      auto rid = txn.InsertActionRun(r);
      if (!rid.ok()) return rid.status();
      id = *rid;
      return absl::OkStatus();
    }).ok());
    return id;
  }

  std::vector<std::string> Audit() {
    std::vector<std::string> out;
    const auto records = store_->ReadAudit(0, 1000).value();
    for (const auto& r : records) out.push_back(r.event.actor + " " + r.event.event);
    return out;
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<RunCommands> commands_;
  int wakes_ = 0;
};

TEST_F(RunCommandsTest, ApproveNeedsAReasonAndIsAuditedWithTheIdentity) {
  const int64_t id = AddRun("awaiting_approval", "force_logout");
  EXPECT_EQ(commands_->Approve(id, "alice", " ").status().code(),
            absl::StatusCode::kInvalidArgument);
  auto run = commands_->Approve(id, "alice", "confirmed with the user's manager");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->state, runs::RunState::kApproved);
  EXPECT_EQ(wakes_, 1);
  EXPECT_THAT(Audit(), ::testing::ElementsAre("operator:alice action.approved"));
  // Approving again: it changed meanwhile.
  auto again = commands_->Approve(id, "bob", "me too");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(again.status().message(), HasSubstr("is approved, not awaiting approval"));
}

TEST_F(RunCommandsTest, ReasonsRefuseNulEscapesAndBidiButKeepText) {
  const int64_t id = AddRun("awaiting_approval", "force_logout");
  const size_t audited = Audit().size();
  for (const auto& [reason, why] : std::vector<std::pair<std::string, std::string>>{
           {std::string("ok\0hidden", 9), "must not contain NUL"},
           {"ok \x1b[2K\x1b[1Gapproved by the CISO", "escape sequences"},
           {"ok\r forged", "control characters"},
           {"ok \xE2\x80\xAE" "desrever", "bidirectional control characters"},
           {"ok \xff", "not valid UTF-8"},
       }) {
    for (auto status :
         {commands_->Approve(id, "alice", reason).status(),
          commands_->Reject(id, "alice", reason).status(),
          commands_->Revert(id, "alice", reason).status(),
          commands_->Retry(id, "alice", reason).status(),
          commands_->Extend(id, "alice", reason, ExpiryChange()).status(),
          commands_->SetPaused(true, "alice", reason).status()}) {
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << why;
      EXPECT_THAT(std::string(status.message()),
                  ::testing::StartsWith("reason: "));
      EXPECT_THAT(std::string(status.message()), HasSubstr(why));
    }
  }
  EXPECT_EQ(Audit().size(), audited);  // nothing reached the audit trail
  // Printable text, in any script and over several lines, is kept.
  const std::string reason = "Bestätigt vom Vorgesetzten\n\tTicket #42 ✓";
  ASSERT_TRUE(commands_->Approve(id, "alice", reason).ok());
  EXPECT_THAT(store_->ReadAudit(0, 1000).value().back().event.details,
              HasSubstr("Ticket #42"));
}

TEST_F(RunCommandsTest, TwoPersonRuleNeedsTwoDistinctOperators) {
  const int64_t id = AddRun("awaiting_approval", "disable_user", true);
  auto first = commands_->Approve(id, "alice", "looks like a takeover");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->state, runs::RunState::kAwaitingApproval);
  auto same = commands_->Approve(id, "alice", "really");
  EXPECT_EQ(same.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(same.status().message(), HasSubstr("a second, different operator"));
  auto second = commands_->Approve(id, "bob", "agreed");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->state, runs::RunState::kApproved);
  EXPECT_THAT(second->approvers, HasSubstr("alice"));
  EXPECT_THAT(second->approvers, HasSubstr("bob"));
}

TEST_F(RunCommandsTest, ApprovalAfterDeadlineOrOnContainedTargetFails) {
  const int64_t late = AddRun("awaiting_approval", "force_logout");
  clock_.Advance(absl::Minutes(31));
  auto r = commands_->Approve(late, "alice", "go");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("deadline passed"));

  clock_.Set(kNow);
  AddRun("active", "disable_user", false, "reject", "user:bob@contoso.com");
  const int64_t dup = AddRun("awaiting_approval", "disable_user", false, "reject",
                             "user:bob@contoso.com");
  auto d = commands_->Approve(dup, "alice", "go");
  EXPECT_EQ(d.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(d.status().message(), HasSubstr("already contained by run"));
}

TEST_F(RunCommandsTest, DeadlineSweepFollowsThePolicy) {
  const int64_t reject = AddRun("awaiting_approval", "force_logout", false, "reject");
  const int64_t approve = AddRun("awaiting_approval", "force_logout", false, "approve",
                                 "user:b@x");
  const int64_t escalate = AddRun("awaiting_approval", "force_logout", false,
                                  "escalate", "user:c@x");
  EXPECT_EQ(commands_->SweepApprovals().value(), 0);
  clock_.Advance(absl::Minutes(31));
  EXPECT_EQ(commands_->SweepApprovals().value(), 3);
  auto state = [&](int64_t id) {
    std::string s;
    EXPECT_TRUE(store_->ExecuteAndWait([&](store::Transaction& txn) -> absl::Status {
      s = std::string(runs::RunStateName(txn.GetRun(id).value()->state));
      return absl::OkStatus();
    }).ok());
    return s;
  };
  EXPECT_EQ(state(reject), "approval_expired");
  EXPECT_EQ(state(approve), "approved");
  EXPECT_EQ(state(escalate), "awaiting_approval");
  EXPECT_THAT(Audit(), ::testing::Contains("system action.approval_escalated"));
  // The second window passes too: now it expires.
  clock_.Advance(absl::Minutes(31));
  EXPECT_EQ(commands_->SweepApprovals().value(), 1);
  EXPECT_EQ(state(escalate), "approval_expired");
}

TEST_F(RunCommandsTest, ExtendShortenPermanentRevertRetry) {
  const int64_t id = AddRun("active", "disable_user");
  // Give it an expiry first.
  auto set = commands_->Extend(id, "alice", "until Monday",
                               {ExpiryChange::Kind::kSetTo, {}, kNow + absl::Hours(10)});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(*set->expires_at, kNow + absl::Hours(10));
  auto longer = commands_->Extend(id, "alice", "still investigating",
                                  {ExpiryChange::Kind::kExtendBy, absl::Hours(2), {}});
  EXPECT_EQ(*longer->expires_at, kNow + absl::Hours(12));
  auto shorter = commands_->Extend(id, "alice", "cleared",
                                   {ExpiryChange::Kind::kExtendBy, -absl::Hours(11), {}});
  EXPECT_EQ(*shorter->expires_at, kNow + absl::Hours(1));
  auto forever = commands_->Extend(id, "alice", "terminated employee",
                                   {ExpiryChange::Kind::kPermanent, {}, {}});
  EXPECT_FALSE(forever->expires_at.has_value());
  auto revert = commands_->Revert(id, "bob", "false positive");
  ASSERT_TRUE(revert.ok());
  EXPECT_EQ(*revert->expires_at, kNow);  // the executor undoes it now
  EXPECT_THAT(Audit(), ::testing::Contains("operator:bob action.revert_requested"));

  const int64_t logout = AddRun("done", "force_logout");
  EXPECT_EQ(commands_->Revert(logout, "bob", "x").status().code(),
            absl::StatusCode::kFailedPrecondition);
  const int64_t failed = AddRun("failed", "force_logout");
  auto retried = commands_->Retry(failed, "bob", "Graph is back");
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(retried->state, runs::RunState::kQueued);
  EXPECT_EQ(commands_->Retry(424242, "bob", "x").status().code(),
            absl::StatusCode::kNotFound);

  // Each command that went through is one OCSF event, with who and why;
  // the refused ones left none.
  std::vector<store::OutboxRow> events = *store_->ReadOutbox(0, 100);
  ASSERT_EQ(events.size(), 6u);
  for (const store::OutboxRow& e : events) EXPECT_EQ(e.class_uid, 3004);
  EXPECT_THAT(events[0].event, HasSubstr("\"command\":\"expiry_changed\""));
  EXPECT_THAT(events[0].event, HasSubstr("\"name\":\"alice\""));
  EXPECT_THAT(events[3].event, HasSubstr("\"command\":\"made_permanent\""));
  EXPECT_THAT(events[4].event, HasSubstr("\"comment\":\"revert_requested: false positive\""));
  EXPECT_THAT(events[5].event, HasSubstr("\"command\":\"retry_requested\""));
  std::set<std::string> uids;
  for (const store::OutboxRow& e : events) uids.insert(e.uid);
  EXPECT_EQ(uids.size(), events.size());  // three expiry changes, three uids
}

TEST_F(RunCommandsTest, PauseIsStoredAndAudited) {
  EXPECT_FALSE(commands_->GetPause().value().paused);
  auto p = commands_->SetPaused(true, "admin-carol", "detector misfiring");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->paused);
  EXPECT_EQ(p->by, "admin-carol");
  EXPECT_EQ(p->reason, "detector misfiring");
  EXPECT_EQ(p->since, kNow);
  EXPECT_FALSE(commands_->SetPaused(false, "admin-carol", "fixed").value().paused);
  EXPECT_THAT(Audit(), ::testing::ElementsAre("operator:admin-carol autonomy.paused",
                                              "operator:admin-carol autonomy.resumed"));
}

}  // namespace
}  // namespace riposte::operator_api
