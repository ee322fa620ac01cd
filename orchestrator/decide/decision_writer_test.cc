#include "orchestrator/decide/decision_writer.h"

#include "common/clock.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policies/policy_loader.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::decide {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'795'000'000);

constexpr char kPolicy[] = R"(
budgets:
  - {action: disable_user, max: 1, per: 10m}
rules:
  - name: takeover
    match: {models: ["Takeover"], subject: user}
    ladder: [disable_user]
    mode: autonomous
  - name: copies
    match: {models: ["Takeover"]}
    target: related_emails
    ladder: [quarantine_email]
    mode: autonomous
)";

class DecisionWriterTest : public ::testing::Test {
 protected:
  DecisionWriterTest() : clock_(kNow) {
    store::sqlite::SqliteStoreOptions options;
    options.path = dir_.File("riposte.db");
    store_ = std::move(store::sqlite::SqliteStore::Open(options, &clock_).value());
    policy_ = *policies::ParsePolicy({{"p.yaml", kPolicy}});
  }

  // Opens an incident for `upn` and decides a "Takeover" breach in it.
  v1::Decision DecideFor(const std::string& upn, int64_t breach_row) {
    v1::Breach b;
    b.set_detector_id("dt");
    b.set_breach_id(upn);
    b.set_tenant_id("contoso");
    b.set_model_name("Takeover");
    b.set_score(90);
    b.mutable_subject()->mutable_user()->set_user_principal_name(upn);
    auto* e = b.add_related_entities()->mutable_email();
    e->set_mailbox("shared@contoso.com");
    e->set_internet_message_id("<same@x>");
    v1::Decision out;
    absl::Status s = store_->ExecuteAndWait([&](store::Transaction& txn) -> absl::Status {
      store::IncidentRow inc;
      inc.tenant_id = "contoso";
      inc.subject_key = "user:" + upn;
      inc.subject_kind = "user";
      inc.first_seen = inc.last_seen = kNow;
      inc.breach_count = 1;
      auto id = txn.InsertIncident(inc);
      if (!id.ok()) return id.status();
      BreachContext ctx;
      ctx.breach = &b;
      ctx.breach_row_id = breach_row;
      ctx.incident_id = *id;
      ctx.observed = kNow;
      ctx.now = kNow;
      ctx.audit_subject = "contoso/user:" + upn;
      auto d = DecideAndRecord(txn, *policy_, ctx);
      if (!d.ok()) return d.status();
      out = *d;
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  std::vector<std::string> Events() {
    std::vector<std::string> out;
    const auto records = store_->ReadAudit(0, 1000).value();
    for (const auto& r : records) {
      out.push_back(r.event.event);
    }
    return out;
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::shared_ptr<const policies::Policy> policy_;
};

TEST_F(DecisionWriterTest, RecordsDecisionRunsAndAuditInOrder) {
  v1::Decision d = DecideFor("alice@contoso.com", 1);
  ASSERT_EQ(d.actions_size(), 2);
  EXPECT_GT(d.decision_id(), 0);
  EXPECT_GT(d.actions(0).run_id(), 0);
  EXPECT_EQ(d.actions(0).state(), "proposed");
  EXPECT_EQ(d.policy_version(), policy_->version);
  EXPECT_THAT(Events(), ::testing::ElementsAre("decision.made", "action.proposed",
                                               "action.proposed"));
  auto audit = store_->ReadAudit(0, 10).value();
  EXPECT_EQ(audit[0].event.policy_version, policy_->version);
  EXPECT_THAT(audit[1].event.details, HasSubstr("\"action\":\"disable_user\""));
  auto stats = store_->Stats().value();
  EXPECT_EQ(stats.decisions, 1);
  EXPECT_EQ(stats.action_runs, 2);
}

TEST_F(DecisionWriterTest, BudgetAndOpenRunsOnSharedTargetsCountAcrossIncidents) {
  DecideFor("alice@contoso.com", 1);
  v1::Decision second = DecideFor("bob@contoso.com", 2);
  ASSERT_EQ(second.actions_size(), 2);
  // The second disable in ten minutes waits for an operator...
  EXPECT_EQ(second.actions(0).state(), "awaiting_approval");
  EXPECT_THAT(second.actions(0).gates(), ::testing::ElementsAre("budget"));
  EXPECT_TRUE(second.actions(0).has_approval_deadline());
  // ...and the shared mailbox copy is already being quarantined by the first.
  EXPECT_EQ(second.actions(1).state(), "suppressed");
  EXPECT_THAT(second.actions(1).gates(), ::testing::ElementsAre("duplicate"));
  EXPECT_THAT(second.narrative(), HasSubstr("quarantine_email (run 2) is already under way"));
  EXPECT_THAT(Events(), ::testing::Contains("guard.budget_exhausted"))
      << ::testing::PrintToString(Events());
}

TEST_F(DecisionWriterTest, StoredPauseTurnsAutonomyIntoApproval) {
  ASSERT_TRUE(store_->ExecuteAndWait([](store::Transaction& txn) {
    return txn.PutSetting(kPausedSetting, "true");
  }).ok());
  v1::Decision d = DecideFor("alice@contoso.com", 1);
  EXPECT_EQ(d.actions(0).state(), "awaiting_approval");
  EXPECT_THAT(d.actions(0).gates(), ::testing::ElementsAre("paused"));
  EXPECT_THAT(d.narrative(), HasSubstr("autonomy is paused"));
}

}  // namespace
}  // namespace riposte::decide
