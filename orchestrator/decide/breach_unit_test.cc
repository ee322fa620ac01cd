// The rules of time, order and repeats (docs/POLICY.md, "Time, order and
// repeated reports"), through the breach unit that both the intake and
// Simulate run.

#include "orchestrator/decide/breach_unit.h"

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/proto_time.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "orchestrator/decide/simulator.h"
#include "policies/policy_loader.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::decide {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kT = absl::FromUnixSeconds(1'795'000'000);

constexpr char kPolicy[] = R"(
rules:
  - name: takeover
    match: {models: ["SaaS / Compromise / *"], subject: user}
    ladder: [force_logout, disable_user]
    escalation_window: 48h
    quiet_period: 72h
    mode: autonomous
    duration: 4h
)";

v1::Breach Login(const std::string& detector, const std::string& id,
                 absl::Time observed,
                 const std::string& model = "SaaS / Compromise / Unusual Login",
                 const std::string& ip = "") {
  v1::Breach b;
  b.set_detector_id(detector);
  b.set_breach_id(id);
  b.set_tenant_id("contoso");
  b.set_model_name(model);
  b.set_score(70);
  b.mutable_subject()->mutable_user()->set_user_principal_name("alice@contoso.com");
  ToProtoTime(observed, b.mutable_observed_time());
  if (!ip.empty()) {
    auto* e = b.add_evidence();
    e->set_key("src_endpoint.ip");
    e->set_value(ip);
  }
  return b;
}

class BreachUnitTest : public ::testing::Test {
 protected:
  BreachUnitTest()
      : policy_(*policies::ParsePolicy({{"p.yaml", kPolicy}})),
        sim_(policy_, absl::Hours(72), /*paused=*/false) {}

  // The action of the decision's only action.
  static std::string ActionOf(const v1::SimulatedDecision& d) {
    return d.decision().actions_size() == 1 ? d.decision().actions(0).action()
                                            : "(none)";
  }

  std::shared_ptr<const policies::Policy> policy_;
  Simulator sim_;
};

TEST_F(BreachUnitTest, ActivityWithinTheWindowAfterTheEffectEscalates) {
  EXPECT_EQ(ActionOf(sim_.Add(Login("d1", "b1", kT), kT)), "force_logout");
  // Exactly at the window's end still counts.
  auto d = sim_.Add(Login("d1", "b2", kT + absl::Hours(48)), kT + absl::Hours(48));
  EXPECT_EQ(ActionOf(d), "disable_user");
  EXPECT_THAT(d.decision().narrative(),
              HasSubstr("observed 2d later, within the 2d escalation window"));
}

TEST_F(BreachUnitTest, ActivityAfterTheWindowDoesNotEscalateHoweverLateItArrives) {
  sim_.Add(Login("d1", "b1", kT), kT);
  const absl::Time observed = kT + absl::Hours(48) + absl::Seconds(1);
  // Received promptly, or a day late: the observed time decides.
  for (absl::Duration late : {absl::ZeroDuration(), absl::Hours(24)}) {
    Simulator sim(policy_, absl::Hours(72), false);
    sim.Add(Login("d1", "b1", kT), kT);
    auto d = sim.Add(Login("d1", "b2", observed), observed + late);
    EXPECT_EQ(ActionOf(d), "force_logout") << late;
    EXPECT_THAT(d.decision().narrative(),
                HasSubstr("outside the 2d escalation window"));
    EXPECT_THAT(d.decision().narrative(), Not(HasSubstr("not enough")));
  }
}

TEST_F(BreachUnitTest, ActivityObservedBeforeTheEffectDoesNotEscalate) {
  sim_.Add(Login("d1", "b1", kT), kT);
  // Seen ten minutes before the logout took effect, reported an hour after.
  auto d = sim_.Add(Login("d2", "b2", kT - absl::Minutes(10)), kT + absl::Hours(1));
  EXPECT_EQ(d.incident(), 1);
  // It does not climb the ladder; and the logout, made after it, already
  // contained it: nothing is repeated.
  ASSERT_EQ(d.decision().actions_size(), 1);
  EXPECT_EQ(d.decision().actions(0).action(), "force_logout");
  EXPECT_EQ(d.decision().actions(0).state(), "suppressed");
  EXPECT_THAT(d.decision().narrative(),
              HasSubstr("force_logout (run 1) took effect at 2026-11-18 11:06:40 UTC, "
                        "after this activity was observed (2026-11-18 10:56:40 UTC)"));
  // Activity after the effect still does.
  auto later = sim_.Add(Login("d1", "b3", kT + absl::Hours(2)), kT + absl::Hours(2));
  EXPECT_EQ(ActionOf(later), "disable_user");
}

TEST_F(BreachUnitTest, TheSameActivityReportedTwiceCorroborates) {
  const absl::Time t1 = kT + absl::Hours(1);
  sim_.Add(Login("d1", "b1", kT), kT);
  sim_.Add(Login("d1", "b2", t1, "SaaS / Compromise / Unusual Login", "45.62.170.237"),
           t1);  // escalates: disable_user
  // Another detector's report of that login, under its own id and model.
  auto other = sim_.Add(Login("d2", "x-9", t1 + absl::Seconds(4),
                              "SaaS / Compromise / Login From Rare Location",
                              "45.62.170.237"),
                        t1 + absl::Minutes(3));
  EXPECT_EQ(other.corroborates(), 2);
  EXPECT_THAT(other.decision().narrative(),
              HasSubstr("reports the same activity as breach d1/b2"));
  EXPECT_THAT(other.decision().narrative(), Not(HasSubstr("not enough")));
  // The first detector resending under a new id: the same.
  auto resend = sim_.Add(
      Login("d1", "b2-again", t1, "SaaS / Compromise / Unusual Login", "45.62.170.237"),
      t1 + absl::Minutes(5));
  EXPECT_EQ(resend.corroborates(), 2);
}

TEST_F(BreachUnitTest, CorroborationDoesNotHideNewActivity) {
  sim_.Add(Login("d1", "b1", kT), kT);  // force_logout
  const absl::Time t1 = kT + absl::Hours(1);
  // Same moment, same family, but another source address: two events.
  sim_.Add(Login("d1", "b2", t1, "SaaS / Compromise / Unusual Login", "45.62.170.237"),
           t1);
  auto d = sim_.Add(Login("d2", "b3", t1, "SaaS / Compromise / Unusual Login",
                          "198.51.100.7"),
                    t1 + absl::Minutes(1));
  EXPECT_EQ(d.corroborates(), 0);
  // Beyond the tolerance: another event too.
  auto far = sim_.Add(Login("d2", "b4", t1 + absl::Minutes(3)), t1 + absl::Minutes(3));
  EXPECT_EQ(far.corroborates(), 0);
}

TEST_F(BreachUnitTest, ResubmissionIsADuplicateInSimulateAsInSubmit) {
  auto first = sim_.Add(Login("d1", "b1", kT), kT);
  sim_.Add(Login("d1", "b2", kT + absl::Hours(1)), kT + absl::Hours(1));
  auto again = sim_.Add(Login("d1", "b1", kT), kT + absl::Hours(2));
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.decision().decision_id(), first.decision().decision_id());
  EXPECT_EQ(ActionOf(again), "force_logout");
}

TEST_F(BreachUnitTest, PolicyTunesTheMatch) {
  auto policy = policies::ParsePolicy({{"p.yaml", absl::StrCat(kPolicy, R"(
corroboration:
  tolerance: 10s
  evidence_keys: [user_agent]
  families:
    - name: sign-in
      models: ["SaaS / Compromise / Unusual Login", "Entra / Risky sign-in"]
)")}});
  ASSERT_TRUE(policy.ok()) << policy.status();
  Simulator sim(*policy, absl::Hours(72), false);
  sim.Add(Login("d1", "b1", kT, "SaaS / Compromise / Unusual Login", "1.2.3.4"), kT);
  // Another family by name, a different IP (not compared), within 10s.
  auto d = sim.Add(Login("d2", "b2", kT + absl::Seconds(8), "Entra / Risky sign-in",
                         "5.6.7.8"),
                   kT + absl::Seconds(30));
  EXPECT_EQ(d.corroborates(), 1);
  EXPECT_THAT(d.decision().narrative(), HasSubstr("family sign-in"));
  auto outside = sim.Add(Login("d2", "b3", kT + absl::Seconds(19)), kT + absl::Minutes(1));
  EXPECT_EQ(outside.corroborates(), 0);
}

// The breach unit over a real SQLite store.
class BreachUnitStoreTest : public ::testing::Test {
 protected:
  BreachUnitStoreTest() : clock_(kT) {
    store::sqlite::SqliteStoreOptions options;
    options.path = dir_.File("riposte.db");
    store_ = *store::sqlite::SqliteStore::Open(options, &clock_);
  }

  riposte::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
};

TEST_F(BreachUnitStoreTest, CorroborationIsRecordedOnTheIncidentAndTheBreach) {
  auto& store = store_;
  auto policy = *policies::ParsePolicy({{"p.yaml", kPolicy}});
  BreachUnitOptions unit;
  unit.policy = policy.get();
  for (const auto& b : {Login("d1", "b1", kT), Login("d2", "b2", kT + absl::Seconds(3))}) {
    ASSERT_TRUE(store
                    ->ExecuteAndWait([&](store::Transaction& txn) {
                      return RecordBreach(txn, b, kT + absl::Minutes(1), unit).status();
                    })
                    .ok());
  }
  auto incident = *store->GetIncident(1);
  ASSERT_TRUE(incident.has_value());
  EXPECT_EQ(incident->breach_count, 2);
  EXPECT_EQ(incident->corroborations, 1);
  auto breaches = *store->IncidentBreaches(1);
  ASSERT_EQ(breaches.size(), 2u);
  EXPECT_EQ(breaches[0].corroborates, 0);
  EXPECT_EQ(breaches[1].corroborates, breaches[0].id);
}

TEST_F(BreachUnitStoreTest, EachNewBreachLeavesOneDetectionFindingInTheOutbox) {
  auto policy = *policies::ParsePolicy({{"p.yaml", kPolicy}});
  BreachUnitOptions unit;
  unit.policy = policy.get();
  v1::SubmitResponse first;
  for (int i = 0; i < 2; ++i) {  // the second time, a duplicate
    ASSERT_TRUE(store_
                    ->ExecuteAndWait([&](store::Transaction& txn) {
                      auto r = RecordBreach(txn, Login("d1", "b1", kT),
                                            kT + absl::Minutes(1), unit);
                      if (r.ok() && i == 0) first = *r;
                      return r.status();
                    })
                    .ok());
  }
  std::vector<store::OutboxRow> rows = *store_->ReadOutbox(0, 10);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].class_uid, 2004);
  EXPECT_EQ(rows[0].time, kT);
  EXPECT_THAT(rows[0].event, HasSubstr(absl::StrCat(
                                 "\"stored_breach_id\":", first.stored_breach_id())));
  EXPECT_THAT(rows[0].event,
              HasSubstr(absl::StrCat("\"decision_id\":",
                                     first.decision().decision_id())));
  // A unit that fails after the breach leaves no event behind.
  absl::Status failed = store_->ExecuteAndWait([&](store::Transaction& txn) {
    auto r = RecordBreach(txn, Login("d1", "b2", kT), kT + absl::Minutes(1), unit);
    return r.ok() ? absl::AbortedError("the unit fails afterwards") : r.status();
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(store_->ReadOutbox(0, 10)->size(), 1u);
}

TEST_F(BreachUnitStoreTest, AttachmentHashesAreStoredLowerCase) {
  auto& store = store_;
  const std::string lower(64, 'e');
  auto with_hash = [&](const std::string& hash) {
    v1::Breach b = Login("d1", "b1", kT);
    auto* email = b.add_related_entities()->mutable_email();
    email->set_mailbox("bob@contoso.com");
    email->set_internet_message_id("<m1@contoso.com>");
    email->add_attachments()->set_sha256(hash);
    return b;
  };
  auto record = [&](const v1::Breach& b) {
    v1::SubmitResponse resp;
    EXPECT_TRUE(store
                    ->ExecuteAndWait([&](store::Transaction& txn) {
                      auto r = RecordBreach(txn, b, kT + absl::Minutes(1), {});
                      if (r.ok()) resp = *r;
                      return r.status();
                    })
                    .ok());
    return resp;
  };
  record(with_hash(std::string(64, 'E')));
  auto breaches = *store->IncidentBreaches(1);
  ASSERT_EQ(breaches.size(), 1u);
  v1::Breach stored;
  ASSERT_TRUE(stored.ParseFromString(breaches[0].payload));
  EXPECT_EQ(stored.related_entities(0).email().attachments(0).sha256(), lower);
  // The same breach with the hash in lower case is the same breach.
  v1::SubmitResponse again = record(with_hash(lower));
  EXPECT_TRUE(again.duplicate());
  EXPECT_FALSE(again.duplicate_differs());
}

}  // namespace
}  // namespace riposte::decide
