#include "store/memory/memory_intake_store.h"

#include "gmock/gmock.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace riposte::store {
namespace {

using ::testing::ElementsAre;

const absl::Time kT0 = absl::FromUnixSeconds(1'795'000'000);

BreachRow Breach(int64_t id, std::string breach_id, int64_t incident,
                 absl::Time observed) {
  BreachRow b;
  b.id = id;
  b.detector_id = "det";
  b.breach_id = std::move(breach_id);
  b.incident_id = incident;
  b.observed_time = observed;
  return b;
}

TEST(MemoryIntakeStoreTest, BreachIdempotencyKeyIsUnique) {
  MemoryIntakeStore store;
  ASSERT_TRUE(store.InsertBreach(Breach(1, "b1", 1, kT0)).ok());
  EXPECT_EQ(store.InsertBreach(Breach(2, "b1", 1, kT0)).code(),
            absl::StatusCode::kAlreadyExists);
  auto found = store.FindBreach("det", "b1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, 1);
  EXPECT_FALSE(store.FindBreach("det", "b2")->has_value());
}

TEST(MemoryIntakeStoreTest, LatestIncidentIsTheLastSeen) {
  MemoryIntakeStore store;
  IncidentRow a;
  a.tenant_id = "t";
  a.subject_key = "user:a";
  a.last_seen = kT0 + absl::Hours(5);
  IncidentRow b = a;
  b.last_seen = kT0;
  ASSERT_EQ(*store.InsertIncident(a), 1);
  ASSERT_EQ(*store.InsertIncident(b), 2);
  EXPECT_EQ((*store.FindLatestIncident("t", "user:a"))->id, 1);
  b.id = 2;
  b.last_seen = kT0 + absl::Hours(6);
  b.corroborations = 3;
  ASSERT_TRUE(store.UpdateIncident(b).ok());
  auto latest = *store.FindLatestIncident("t", "user:a");
  EXPECT_EQ(latest->id, 2);
  EXPECT_EQ(latest->corroborations, 3);
  EXPECT_FALSE(store.FindLatestIncident("t", "user:b")->has_value());
}

TEST(MemoryIntakeStoreTest, BreachesObservedBetweenAreBoundedAndInIdOrder) {
  MemoryIntakeStore store;
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(store
                    .InsertBreach(Breach(i, absl::StrCat("b", i), i == 3 ? 2 : 1,
                                         kT0 + absl::Seconds(i)))
                    .ok());
  }
  auto rows = *store.ListBreachesObservedBetween(1, kT0 + absl::Seconds(2),
                                                 kT0 + absl::Seconds(5), 2);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].id, 2);
  EXPECT_EQ(rows[1].id, 4);  // 3 belongs to incident 2
}

TEST(MemoryIntakeStoreTest, StepsAndRunsRoundTrip) {
  MemoryIntakeStore store;
  ActionRunRow r;
  r.tenant_id = "t";
  r.target_key = "user:a";
  r.action = "force_logout";
  r.state = runs::RunState::kActive;
  r.autonomous = true;
  r.created_at = kT0;
  ASSERT_EQ(*store.InsertActionRun(r), 1);
  ASSERT_TRUE(store.PutIncidentSteps(7, "user:a", {1}).ok());
  EXPECT_THAT(*store.GetIncidentSteps(7, "user:a"), ElementsAre(1));
  EXPECT_TRUE(store.GetIncidentSteps(7, "user:b")->empty());
  EXPECT_EQ((*store.GetRun(1))->action, "force_logout");
  EXPECT_FALSE(store.GetRun(2)->has_value());
  EXPECT_EQ(*store.CountAutonomousRuns("t", "force_logout", kT0), 1);
  EXPECT_EQ(*store.CountAutonomousRuns("t", "force_logout", kT0 + absl::Seconds(1)), 0);
  EXPECT_EQ(store.ListRunsOnTargets("t", {"user:a"}, {runs::RunState::kActive})->size(), 1u);
  EXPECT_TRUE(store.ListRunsOnTargets("t", {"user:a"}, {runs::RunState::kDone})->empty());
}

}  // namespace
}  // namespace riposte::store
