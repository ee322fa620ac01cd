#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/testing/file_size_limit.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::store::sqlite {
namespace {

using ::testing::HasSubstr;

class SqliteStoreTest : public ::testing::Test {
 protected:
  SqliteStoreTest() : clock_(absl::FromUnixSeconds(1'790'000'000)) {}

  std::unique_ptr<SqliteStore> OpenStore() {
    SqliteStoreOptions options;
    options.path = dir_.File("riposte.db");
    auto store = SqliteStore::Open(options, &clock_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  static BreachRow Breach(const std::string& id, int64_t incident) {
    BreachRow row;
    row.detector_id = "det-1";
    row.breach_id = id;
    row.tenant_id = "contoso";
    row.subject_key = "user:alice@contoso.com";
    row.model_name = "SaaS / Access / Suspicious Login Attempt";
    row.score = 71.5;
    row.observed_time = absl::FromUnixSeconds(1'790'000'000);
    row.received_time = absl::FromUnixSeconds(1'790'000'001);
    row.incident_id = incident;
    row.payload = std::string("\0\1payload", 9);
    row.payload_digest = "digest";
    row.outcome = "outcome";
    return row;
  }

  // Records one breach with a new incident and an audit record.
  static Store::Work RecordBreach(const std::string& id) {
    return [id](Transaction& txn) -> absl::Status {
      IncidentRow inc;
      inc.tenant_id = "contoso";
      inc.subject_key = "user:" + id;
      inc.subject_kind = "user";
      inc.breach_count = 1;
      auto inc_id = txn.InsertIncident(inc);
      if (!inc_id.ok()) return inc_id.status();
      BreachRow row = Breach(id, *inc_id);
      auto breach_id = txn.AllocateBreachId();
      if (!breach_id.ok()) return breach_id.status();
      row.id = *breach_id;
      absl::Status inserted = txn.InsertBreach(row);
      if (!inserted.ok()) return inserted;
      audit::AuditEvent ev;
      ev.actor = "detector:det-1";
      ev.event = "breach.received";
      ev.subject = "contoso/user:" + id;
      return txn.AppendAudit(ev).status();
    };
  }

  testing::TempDir dir_;
  FakeClock clock_;
};

// Engine-neutral behaviour is pinned by the store contract
// (sqlite_contract_test); these cases are about SQLite itself.

// Group commit: concurrent units share physical commits.
TEST_F(SqliteStoreTest, ConcurrentUnitsShareCommits) {
  auto store = OpenStore();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!store->ExecuteAndWait(RecordBreach(absl::StrCat(t, "-", i))).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store->CommittedUnits(), kThreads * kPerThread);
  // With eight writers waiting on each other, commits must have been shared.
  EXPECT_LT(store->CommitCount(), kThreads * kPerThread);
  auto verify = store->VerifyAudit();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok);
  EXPECT_EQ(verify->records, kThreads * kPerThread);
}

TEST_F(SqliteStoreTest, SecondWriterIsRefused) {
  auto first = OpenStore();
  SqliteStoreOptions options;
  options.path = dir_.File("riposte.db");
  auto second = SqliteStore::Open(options, &clock_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), HasSubstr("in use"));
}

TEST_F(SqliteStoreTest, NewerSchemaIsRefused) {
  OpenStore()->Close();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.File("riposte.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  SqliteStoreOptions options;
  options.path = dir_.File("riposte.db");
  auto store = SqliteStore::Open(options, &clock_);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr("newer than this build"));
}

// Edits a row behind the store's back, as an attacker with file access
// would, and checks that verification names the record.
TEST_F(SqliteStoreTest, VerifyCatchesARowEditedInTheFile) {
  {
    auto store = OpenStore();
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(store->ExecuteAndWait(RecordBreach(absl::StrCat(i))).ok());
    }
    store->Close();
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.File("riposte.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "UPDATE audit_log SET actor = 'operator:mallory' "
                           "WHERE seq = 3",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  SqliteStoreOptions options;
  options.path = dir_.File("riposte.db");
  options.read_only = true;
  auto store = SqliteStore::Open(options, &clock_);
  ASSERT_TRUE(store.ok()) << store.status();
  auto verify = (*store)->VerifyAudit();
  ASSERT_TRUE(verify.ok());
  EXPECT_FALSE(verify->ok);
  EXPECT_EQ(verify->first_broken_seq, 3);
  EXPECT_EQ(verify->head_seq, 2);
  EXPECT_THAT(verify->reason, HasSubstr("does not match its hash"));
}

TEST_F(SqliteStoreTest, VerifyCatchesADeletedRow) {
  {
    auto store = OpenStore();
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(store->ExecuteAndWait(RecordBreach(absl::StrCat(i))).ok());
    }
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.File("riposte.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "DELETE FROM audit_log WHERE seq = 2", nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = OpenStore();
  auto verify = store->VerifyAudit();
  ASSERT_TRUE(verify.ok());
  EXPECT_FALSE(verify->ok);
  EXPECT_EQ(verify->first_broken_seq, 2);
}

}  // namespace
}  // namespace riposte::store::sqlite

namespace riposte::store::sqlite {
namespace {

// A full disk: the store opens without writing, reads are served, a write
// fails as Unavailable classified as disk_full (and is reported), and
// writing works again once there is room.
TEST_F(SqliteStoreTest, OpensAndReadsOnAFullDiskAndWritesWhenRoomReturns) {
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->ExecuteAndWait(RecordBreach("b-1")).ok());
    store->Close();
  }
  const std::string path = dir_.File("riposte.db");
  std::vector<absl::Status> reported;
  absl::Mutex reported_mu;
  SqliteStoreOptions options;
  options.path = path;
  options.on_storage_failure = [&](const absl::Status& status) {
    absl::MutexLock lock(&reported_mu);
    reported.push_back(status);
  };
  std::unique_ptr<SqliteStore> store;
  {
    riposte::testing::ScopedFileSizeLimit full(
        std::max(riposte::testing::FileSize(path.c_str()),
                 riposte::testing::FileSize((path + "-wal").c_str())));
    auto opened = SqliteStore::Open(options, &clock_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store = std::move(*opened);
    auto breach = store->GetBreach("det-1", "b-1");
    ASSERT_TRUE(breach.ok()) << breach.status();
    EXPECT_TRUE(breach->has_value());
    EXPECT_TRUE(store->VerifyAudit().ok());

    absl::Status write = store->ExecuteAndWait([](Transaction& txn) {
      return txn.PutSetting("filler", std::string(1 << 20, 'x'));
    });
    EXPECT_TRUE(absl::IsUnavailable(write)) << write;
    EXPECT_EQ(ClassifyStorageFailure(write), StorageFailure::kDiskFull)
        << write;
    absl::MutexLock lock(&reported_mu);
    ASSERT_FALSE(reported.empty());
    EXPECT_EQ(ClassifyStorageFailure(reported.back()),
              StorageFailure::kDiskFull);
  }
  EXPECT_TRUE(store->ExecuteAndWait([](Transaction& txn) {
                return txn.PutSetting("filler", std::string(1 << 20, 'x'));
              }).ok());
  EXPECT_TRUE(store->ExecuteAndWait(RecordBreach("b-2")).ok());
  EXPECT_TRUE(store->VerifyAudit()->ok);
}

TEST(StorageFailureTest, ClassifiesBySqliteCodeAndErrno) {
  EXPECT_EQ(ClassifyStorageFailure(absl::OkStatus()), StorageFailure::kNone);
  EXPECT_EQ(ClassifyStorageFailure(absl::UnavailableError("x")),
            StorageFailure::kNone);
  EXPECT_EQ(ClassifyStorageFailure(SqliteError(nullptr, SQLITE_FULL, "w")),
            StorageFailure::kDiskFull);
  EXPECT_EQ(ClassifyStorageFailure(SqliteError(nullptr, SQLITE_IOERR_WRITE, "w")),
            StorageFailure::kIoError);
  EXPECT_EQ(ClassifyStorageFailure(SqliteError(nullptr, SQLITE_READONLY, "w")),
            StorageFailure::kReadOnly);
  EXPECT_EQ(ClassifyStorageFailure(SqliteError(nullptr, SQLITE_CORRUPT, "w")),
            StorageFailure::kOther);
  EXPECT_EQ(ClassifyStorageFailure(
                SqliteError(nullptr, SQLITE_CONSTRAINT_UNIQUE, "w")),
            StorageFailure::kNone);
  EXPECT_EQ(StorageFailureName(StorageFailure::kDiskFull), "disk_full");
}

// Runs `sql` on the file at `path` outside the store, as an older build
// would have left it.
void RewriteFile(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

// A store file left by an earlier build, rewritten with RewriteFile.
class SqliteStoreMigrationTest : public ::testing::Test {
 protected:
  SqliteStoreMigrationTest() { options.path = dir.File("riposte.db"); }

  riposte::testing::TempDir dir;
  FakeClock clock{absl::FromUnixSeconds(1'790'000'000)};
  SqliteStoreOptions options;
};

// A file from the build before incidents kept their steps: the migration
// fills them in from the runs already there, leaving suppressed ones out.
TEST_F(SqliteStoreMigrationTest, SchemaFiveGainsTheIncidentsSteps) {
  {
    auto store = *SqliteStore::Open(options, &clock);
    ASSERT_TRUE(store
                    ->ExecuteAndWait([](Transaction& txn) -> absl::Status {
                      IncidentRow inc;
                      inc.tenant_id = "contoso";
                      inc.subject_key = "user:alice@contoso.com";
                      inc.subject_kind = "user";
                      inc.breach_count = 1;
                      auto id = txn.InsertIncident(inc);
                      if (!id.ok()) return id.status();
                      DecisionRow d;
                      d.incident_id = *id;
                      auto decision = txn.InsertDecision(d);
                      if (!decision.ok()) return decision.status();
                      for (auto state : {runs::RunState::kDone,
                                         runs::RunState::kSuppressed,
                                         runs::RunState::kActive}) {
                        ActionRunRow r;
                        r.decision_id = *decision;
                        r.incident_id = *id;
                        r.tenant_id = "contoso";
                        r.action = "force_logout";
                        r.target_key = "user:alice@contoso.com";
                        r.state = state;
                        r.idempotency_key = absl::StrCat("k", static_cast<int>(state));
                        auto run = txn.InsertActionRun(r);
                        if (!run.ok()) return run.status();
                      }
                      return absl::OkStatus();
                    })
                    .ok());
    store->Close();
  }
  // Back to schema 5, as the previous build left it.
  RewriteFile(options.path,
              "DROP TABLE ocsf_outbox; "
              "DROP TABLE incident_steps; "
              "DROP INDEX breaches_by_incident_observed; "
              "CREATE INDEX breaches_by_incident ON breaches (incident_id); "
              "DROP INDEX action_runs_by_target_state; "
              "CREATE INDEX action_runs_by_target ON action_runs "
              "(tenant_id, target_key); "
              "ALTER TABLE incidents DROP COLUMN corroborations; "
              "ALTER TABLE breaches DROP COLUMN corroborates; "
              "PRAGMA user_version = 5;");
  auto store = SqliteStore::Open(options, &clock);
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<int64_t> steps;
  ASSERT_TRUE((*store)
                  ->ExecuteAndWait([&](Transaction& txn) -> absl::Status {
                    auto got = txn.GetIncidentSteps(1, "user:alice@contoso.com");
                    if (!got.ok()) return got.status();
                    steps = *got;
                    return absl::OkStatus();
                  })
                  .ok());
  std::sort(steps.begin(), steps.end());
  EXPECT_EQ(steps, (std::vector<int64_t>{1, 3}));
  auto incident = *(*store)->GetIncident(1);
  ASSERT_TRUE(incident.has_value());
  EXPECT_EQ(incident->corroborations, 0);
}

// A file from the build before the OCSF outbox.
TEST_F(SqliteStoreMigrationTest, SchemaSixGainsTheOutboxAndKeepsItsRows) {
  {
    auto store = *SqliteStore::Open(options, &clock);
    ASSERT_TRUE(store
                    ->ExecuteAndWait([&](Transaction& txn) {
                      return txn.PutSetting("kept", "yes");
                    })
                    .ok());
    store->Close();
  }
  // Back to schema 6, as the previous build left it.
  RewriteFile(options.path, "DROP TABLE ocsf_outbox; PRAGMA user_version = 6;");
  auto store = SqliteStore::Open(options, &clock);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(*(*store)->ReadSetting("kept"), "yes");
  OutboxRow row;
  row.uid = "riposte:test";
  row.class_uid = 2004;
  row.event = "{}";
  ASSERT_TRUE((*store)
                  ->ExecuteAndWait(
                      [&](Transaction& txn) { return txn.AppendOutbox(row); })
                  .ok());
  EXPECT_EQ((*store)->ReadOutbox(0, 10)->size(), 1u);
}

}  // namespace
}  // namespace riposte::store::sqlite
