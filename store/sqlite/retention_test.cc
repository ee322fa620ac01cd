// Retention in the embedded store: that space goes back to the file system,
// and the file's vacuum mode. Which incidents PruneIncidents removes, and
// the archived audit chain, are pinned by the store contract
// (sqlite_contract_test).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::store::sqlite {
namespace {

using runs::RunState;

constexpr absl::Duration kDay = absl::Hours(24);

class RetentionTest : public ::testing::Test {
 protected:
  RetentionTest() : clock_(absl::FromUnixSeconds(1'790'000'000)) {
    SqliteStoreOptions options;
    options.path = dir_.File("riposte.db");
    store_ = *SqliteStore::Open(options, &clock_);
  }

  // One incident of `breaches` breaches observed and received at `at`, one
  // decision, and one run per state in `states` (changed at `at`).
  int64_t AddIncident(absl::Time at, std::vector<RunState> states,
                      int breaches = 1, size_t payload_bytes = 16) {
    int64_t incident_id = 0;
    absl::Status st = store_->ExecuteAndWait([&](Transaction& txn)
                                                 -> absl::Status {
      IncidentRow inc;
      inc.tenant_id = "contoso";
      inc.subject_key = absl::StrCat("user:u", ++subjects_);
      inc.subject_kind = "user";
      inc.first_seen = inc.last_seen = at;
      inc.breach_count = breaches;
      auto id = txn.InsertIncident(inc);
      if (!id.ok()) return id.status();
      incident_id = *id;
      int64_t first_breach = 0;
      for (int i = 0; i < breaches; ++i) {
        BreachRow b;
        auto bid = txn.AllocateBreachId();
        if (!bid.ok()) return bid.status();
        b.id = *bid;
        if (first_breach == 0) first_breach = b.id;
        b.detector_id = "det-1";
        b.breach_id = absl::StrCat("b", b.id);
        b.tenant_id = "contoso";
        b.subject_key = inc.subject_key;
        b.observed_time = b.received_time = at;
        b.incident_id = incident_id;
        b.payload = std::string(payload_bytes, 'p');
        absl::Status in = txn.InsertBreach(b);
        if (!in.ok()) return in;
      }
      DecisionRow d;
      d.breach_id = first_breach;
      d.incident_id = incident_id;
      d.decided_at = at;
      auto decision = txn.InsertDecision(d);
      if (!decision.ok()) return decision.status();
      std::vector<int64_t> steps;
      for (RunState state : states) {
        ActionRunRow r;
        r.decision_id = *decision;
        r.incident_id = incident_id;
        r.tenant_id = "contoso";
        r.action = "force_logout";
        r.target_key = inc.subject_key;
        r.state = state;
        r.idempotency_key = absl::StrCat("k", ++runs_);
        r.created_at = r.updated_at = at;
        auto run = txn.InsertActionRun(r);
        if (!run.ok()) return run.status();
        steps.push_back(*run);
      }
      if (!steps.empty()) {
        return txn.PutIncidentSteps(incident_id, inc.subject_key, steps);
      }
      return absl::OkStatus();
    });
    EXPECT_TRUE(st.ok()) << st;
    return incident_id;
  }

  // Prunes everything allowed with `age` for incidents and runs, batch by
  // batch, then reclaims the free pages.
  PruneResult Prune(absl::Duration age, int64_t limit = 500) {
    PruneResult total;
    PruneRequest request;
    request.activity_before = clock_.Now() - age;
    request.runs_changed_before = clock_.Now() - age;
    request.limit = limit;
    while (true) {
      PruneResult batch;
      absl::Status st = store_->ExecuteAndWait([&](Transaction& txn) {
        auto r = txn.PruneIncidents(request);
        if (!r.ok()) return r.status();
        batch = *r;
        return absl::OkStatus();
      });
      EXPECT_TRUE(st.ok()) << st;
      if (!st.ok()) break;
      total.incidents += batch.incidents;
      total.breaches += batch.breaches;
      total.decisions += batch.decisions;
      total.runs += batch.runs;
      request.after_id = batch.last_id;
      if (batch.done) break;
    }
    EXPECT_TRUE(store_
                    ->ExecuteAndWait([](Transaction& txn) {
                      return txn.ReclaimSpace(1 << 20).status();
                    })
                    .ok());
    return total;
  }

  bool Exists(int64_t incident_id) {
    return store_->GetIncident(incident_id)->has_value();
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<SqliteStore> store_;
  int subjects_ = 0;
  int runs_ = 0;
};

TEST_F(RetentionTest, SpaceGoesBackToTheFileSystem) {
  const absl::Time old = clock_.Now() - 10 * kDay;
  for (int i = 0; i < 50; ++i) {
    AddIncident(old, {RunState::kDone}, /*breaches=*/10, /*payload=*/2000);
  }
  AddIncident(clock_.Now(), {RunState::kDone});
  const int64_t before = store_->Gauges()->size_bytes;
  EXPECT_EQ(Prune(kDay).incidents, 50);
  StoreGauges after = *store_->Gauges();
  EXPECT_LT(after.size_bytes, before / 4) << before;
  EXPECT_EQ(after.free_bytes, 0);
}

// A long run: a day's worth of breaches every round, the clock a day on,
// retention one day. The file stays the same size however long it runs.
TEST_F(RetentionTest, LongRunStaysBounded) {
  constexpr int kRounds = 20;
  constexpr int kPerRound = 1000;  // 20,000 breaches in all
  std::vector<int64_t> sizes;
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kPerRound / 10; ++i) {
      AddIncident(clock_.Now(), {RunState::kDone, RunState::kReverted},
                  /*breaches=*/10, /*payload=*/1000);
    }
    clock_.Advance(kDay);
    Prune(kDay);
    sizes.push_back(store_->Gauges()->size_bytes);
  }
  EXPECT_EQ(store_->Stats()->breaches, kPerRound);
  // After N rounds and after 2N rounds: the same, give or take a little.
  const int64_t half = sizes[kRounds / 2 - 1];
  const int64_t end = sizes.back();
  EXPECT_LE(end, half + half / 10) << "after " << kRounds / 2 << ": " << half
                                   << ", after " << kRounds << ": " << end;
}

// Appends `n` audit records.
absl::Status AppendRecords(Store& store, int n) {
  return store.ExecuteAndWait([n](Transaction& txn) -> absl::Status {
    for (int i = 0; i < n; ++i) {
      audit::AuditEvent ev;
      ev.actor = "system";
      ev.event = "test.event";
      absl::Status s = txn.AppendAudit(ev).status();
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  });
}

TEST_F(RetentionTest, VerifyNamesAFirstRecordThatDoesNotFollowTheBase) {
  ASSERT_TRUE(AppendRecords(*store_, 6).ok());
  const std::vector<audit::AuditRecord> chain = *store_->ReadAudit(0, 10);
  ASSERT_TRUE(store_
                  ->ExecuteAndWait([&](Transaction& txn) {
                    return txn.RemoveArchivedAudit({3, chain[2].hash});
                  })
                  .ok());
  // Record 4 deleted behind riposted's back: the chain no longer follows.
  store_->Close();
  {
    auto db = *Database::Open(dir_.File("riposte.db"), /*read_only=*/false);
    ASSERT_TRUE(db->Exec("DELETE FROM audit_log WHERE seq = 4").ok());
  }
  SqliteStoreOptions options;
  options.path = dir_.File("riposte.db");
  options.read_only = true;
  auto store = *SqliteStore::Open(options, &clock_);
  audit::VerifyResult v = *store->VerifyAudit();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_broken_seq, 4);
}

// The auto_vacuum mode of the file at `path`.
int64_t AutoVacuumMode(const std::string& path) {
  auto db = *Database::Open(path, /*read_only=*/true);
  auto s = *db->Prepare("PRAGMA auto_vacuum");
  return *s->Step() ? s->ColumnInt(0) : -1;
}

TEST(RetentionMigrationTest, ANewStoreIsIncrementalAnOlderOneOnlyWhenAsked) {
  riposte::testing::TempDir dir;
  FakeClock clock(absl::FromUnixSeconds(1'790'000'000));
  SqliteStoreOptions fresh;
  fresh.path = dir.File("new.db");
  (*SqliteStore::Open(fresh, &clock))->Close();
  EXPECT_EQ(AutoVacuumMode(fresh.path), 2);  // incremental

  SqliteStoreOptions older;
  older.path = dir.File("old.db");
  {
    auto db = *Database::Open(older.path, /*read_only=*/false);
    ASSERT_TRUE(db->Exec("PRAGMA auto_vacuum = NONE; CREATE TABLE t (x); "
                         "DROP TABLE t;")
                    .ok());
  }
  auto store = SqliteStore::Open(older, &clock);
  ASSERT_TRUE(store.ok()) << store.status();
  (*store)->Close();
  EXPECT_EQ(AutoVacuumMode(older.path), 0);  // not without retention
}

TEST(RetentionMigrationTest, AnOlderStoreIsSwitchedToIncrementalVacuum) {
  riposte::testing::TempDir dir;
  FakeClock clock(absl::FromUnixSeconds(1'790'000'000));
  SqliteStoreOptions options;
  options.path = dir.File("riposte.db");
  options.switch_to_incremental_vacuum = true;
  {
    auto db = *Database::Open(options.path, /*read_only=*/false);
    ASSERT_TRUE(db->Exec("PRAGMA auto_vacuum = NONE; CREATE TABLE t (x); "
                         "DROP TABLE t;")
                    .ok());
  }
  auto store = SqliteStore::Open(options, &clock);
  ASSERT_TRUE(store.ok()) << store.status();
  (*store)->Close();
  EXPECT_EQ(AutoVacuumMode(options.path), 2);  // incremental
}

}  // namespace
}  // namespace riposte::store::sqlite
