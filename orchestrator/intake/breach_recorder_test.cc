#include "orchestrator/intake/breach_recorder.h"

#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::intake {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'795'000'000);

v1::Breach UserBreach(const std::string& id, const std::string& upn,
                      absl::Time observed) {
  v1::Breach b;
  b.set_detector_id("dt-1");
  b.set_breach_id(id);
  b.set_tenant_id("contoso");
  b.set_model_name("SaaS / Access / Suspicious Login Attempt");
  b.set_score(70);
  b.mutable_observed_time()->set_seconds(absl::ToUnixSeconds(observed));
  b.mutable_subject()->mutable_user()->set_user_principal_name(upn);
  return b;
}

class BreachRecorderTest : public ::testing::Test {
 protected:
  BreachRecorderTest() : clock_(kStart) {
    store::sqlite::SqliteStoreOptions options;
    options.path = dir_.File("riposte.db");
    store_ = std::move(store::sqlite::SqliteStore::Open(options, &clock_).value());
    recorder_ = std::make_unique<BreachRecorder>(store_.get(), &clock_,
                                                 absl::Hours(1));
  }

  v1::SubmitResponse Record(const v1::Breach& b) {
    absl::Notification done;
    absl::StatusOr<v1::SubmitResponse> result;
    recorder_->Record(b, [&](absl::StatusOr<v1::SubmitResponse> r) {
      result = std::move(r);
      done.Notify();
    });
    done.WaitForNotification();
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : v1::SubmitResponse();
  }

  store::StoreStats Stats() { return store_->Stats().value(); }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<BreachRecorder> recorder_;
};

TEST_F(BreachRecorderTest, FirstBreachOpensAnIncident) {
  auto r = Record(UserBreach("b1", "alice@contoso.com", kStart));
  EXPECT_EQ(r.detector_id(), "dt-1");
  EXPECT_EQ(r.breach_id(), "b1");
  EXPECT_GT(r.stored_breach_id(), 0);
  EXPECT_GT(r.incident_id(), 0);
  EXPECT_TRUE(r.new_incident());
  EXPECT_FALSE(r.duplicate());
  EXPECT_EQ(r.received_time().seconds(), absl::ToUnixSeconds(kStart));
  auto audit = store_->ReadAudit(0, 10).value();
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].event.event, "incident.opened");
  EXPECT_EQ(audit[1].event.event, "breach.received");
  EXPECT_EQ(audit[1].event.actor, "detector:dt-1");
  EXPECT_EQ(audit[1].event.subject, "contoso/user:alice@contoso.com");
  EXPECT_THAT(audit[1].event.details, ::testing::HasSubstr("\"breach_id\":\"b1\""));
}

TEST_F(BreachRecorderTest, BreachesAboutOneSubjectWithinTheWindowJoin) {
  auto a = Record(UserBreach("b1", "alice@contoso.com", kStart));
  auto b = Record(UserBreach("b2", "ALICE@contoso.com",
                             kStart + absl::Minutes(50)));
  auto c = Record(UserBreach("b3", "alice@contoso.com",
                             kStart + absl::Minutes(100)));
  EXPECT_EQ(a.incident_id(), b.incident_id());
  EXPECT_FALSE(b.new_incident());
  // The window runs from the last breach, so a steady trickle stays joined.
  EXPECT_EQ(b.incident_id(), c.incident_id());
  auto other = Record(UserBreach("b4", "bob@contoso.com", kStart));
  EXPECT_NE(other.incident_id(), a.incident_id());
  EXPECT_EQ(Stats().incidents, 2);
}

TEST_F(BreachRecorderTest, QuietSubjectStartsANewIncident) {
  auto a = Record(UserBreach("b1", "alice@contoso.com", kStart));
  auto b = Record(UserBreach("b2", "alice@contoso.com",
                             kStart + absl::Minutes(61)));
  EXPECT_NE(a.incident_id(), b.incident_id());
  EXPECT_TRUE(b.new_incident());
}

TEST_F(BreachRecorderTest, LateArrivalJoinsTheIncidentItBelongsTo) {
  auto a = Record(UserBreach("b1", "alice@contoso.com", kStart));
  auto late = Record(UserBreach("b0", "alice@contoso.com",
                                kStart - absl::Minutes(30)));
  EXPECT_EQ(a.incident_id(), late.incident_id());
}

TEST_F(BreachRecorderTest, ResubmissionReturnsTheOriginalOutcomeAndWritesNothing) {
  auto first = Record(UserBreach("b1", "alice@contoso.com", kStart));
  const auto before = Stats();
  clock_.Advance(absl::Minutes(5));
  auto again = Record(UserBreach("b1", "alice@contoso.com", kStart));
  EXPECT_TRUE(again.duplicate());
  EXPECT_FALSE(again.duplicate_differs());
  EXPECT_EQ(again.stored_breach_id(), first.stored_breach_id());
  EXPECT_EQ(again.incident_id(), first.incident_id());
  EXPECT_EQ(again.received_time().seconds(), first.received_time().seconds());
  const auto after = Stats();
  EXPECT_EQ(after.breaches, before.breaches);
  EXPECT_EQ(after.incidents, before.incidents);
  EXPECT_EQ(after.audit_records, before.audit_records);
}

TEST_F(BreachRecorderTest, ResubmissionWithOtherContentIsFlagged) {
  Record(UserBreach("b1", "alice@contoso.com", kStart));
  auto changed = UserBreach("b1", "alice@contoso.com", kStart);
  changed.set_score(99);
  auto again = Record(changed);
  EXPECT_TRUE(again.duplicate());
  EXPECT_TRUE(again.duplicate_differs());
  auto stored = store_->GetBreach("dt-1", "b1").value();
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->score, 70);  // the first one wins
}

TEST_F(BreachRecorderTest, MissingObservedTimeUsesReceiveTime) {
  auto b = UserBreach("b1", "alice@contoso.com", kStart);
  b.clear_observed_time();
  clock_.Advance(absl::Seconds(30));
  Record(b);
  auto stored = store_->GetBreach("dt-1", "b1").value();
  EXPECT_EQ(stored->observed_time, kStart + absl::Seconds(30));
}

TEST_F(BreachRecorderTest, AuditChainVerifies) {
  for (int i = 0; i < 10; ++i) {
    Record(UserBreach("b" + std::to_string(i),
                      "u" + std::to_string(i % 3) + "@contoso.com", kStart));
  }
  auto v = store_->VerifyAudit().value();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.records, 13);  // 10 breaches, 3 incidents
}

}  // namespace
}  // namespace riposte::intake
