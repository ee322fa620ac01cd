// Retention end to end over the embedded store: tables pruned, audit
// segments archived, the store verifying from its new base, each segment
// verifying on its own, and a long run staying the same size.

#include "orchestrator/server/retention_loop.h"

#include <dirent.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "audit/checkpoint_file.h"
#include "audit/segment.h"
#include "audit/testing/test_keys.h"
#include "common/clock.h"
#include "common/status_macros.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/metrics.h"
#include "orchestrator/server/audit_archiver.h"
#include "orchestrator/server/audit_verification.h"
#include "orchestrator/server/server_metrics.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::server {
namespace {

using runs::RunState;
using ::testing::HasSubstr;

constexpr absl::Duration kDay = absl::Hours(24);

class RetentionLoopTest : public ::testing::Test {
 protected:
  RetentionLoopTest() : clock_(absl::FromUnixSeconds(1'790'000'000)) {
    store::sqlite::SqliteStoreOptions options;
    options.path = dir_.File("riposte.db");
    store_ = *store::sqlite::SqliteStore::Open(options, &clock_);
    keys_ = audit::testing::GenerateEd25519KeyPair();
    archive_dir_ = dir_.path();
  }

  // One incident with one breach, its decision and one run in `state`, all
  // at the clock's time, each with its audit record as the intake writes.
  void AddIncident(RunState state = RunState::kDone, size_t payload = 64) {
    absl::Status st = store_->ExecuteAndWait([&](store::Transaction& txn)
                                                 -> absl::Status {
      const absl::Time now = clock_.Now();
      store::IncidentRow inc;
      inc.tenant_id = "contoso";
      inc.subject_key = absl::StrCat("user:u", ++n_);
      inc.subject_kind = "user";
      inc.first_seen = inc.last_seen = now;
      inc.breach_count = 1;
      RIPOSTE_ASSIGN_OR_RETURN(inc.id, txn.InsertIncident(inc));
      store::BreachRow b;
      RIPOSTE_ASSIGN_OR_RETURN(b.id, txn.AllocateBreachId());
      b.detector_id = "det-1";
      b.breach_id = absl::StrCat("b", n_);
      b.tenant_id = "contoso";
      b.subject_key = inc.subject_key;
      b.observed_time = b.received_time = now;
      b.incident_id = inc.id;
      b.payload = std::string(payload, 'p');
      RIPOSTE_RETURN_IF_ERROR(txn.InsertBreach(b));
      RIPOSTE_RETURN_IF_ERROR(
          Record(txn, "breach.received", "stored_breach_id", b.id));
      store::DecisionRow d;
      d.breach_id = b.id;
      d.incident_id = inc.id;
      d.decided_at = now;
      RIPOSTE_ASSIGN_OR_RETURN(int64_t decision, txn.InsertDecision(d));
      RIPOSTE_RETURN_IF_ERROR(
          Record(txn, "decision.made", "decision_id", decision));
      store::ActionRunRow r;
      r.decision_id = decision;
      r.incident_id = inc.id;
      r.tenant_id = "contoso";
      r.action = "force_logout";
      r.target_key = inc.subject_key;
      r.state = state;
      r.idempotency_key = absl::StrCat("k", n_);
      r.created_at = r.updated_at = now;
      RIPOSTE_ASSIGN_OR_RETURN(int64_t run, txn.InsertActionRun(r));
      return Record(txn, absl::StrCat("action.", runs::RunStateName(state)),
                    "run_id", run);
    });
    ASSERT_TRUE(st.ok()) << st;
  }

  static absl::Status Record(store::Transaction& txn, absl::string_view event,
                             absl::string_view key, int64_t id) {
    audit::AuditEvent ev;
    ev.actor = "system";
    ev.event = std::string(event);
    ev.details = absl::StrCat("{\"", key, "\":", id, "}");
    return txn.AppendAudit(ev).status();
  }

  std::unique_ptr<RetentionLoop> Loop(
      int64_t segment_records, bool archive = true,
      absl::Duration correlation_window = absl::Hours(1)) {
    RetentionOptions o;
    o.incidents = o.runs = kDay;
    o.correlation_window = correlation_window;
    std::unique_ptr<AuditArchiver> archiver;
    if (archive) {
      ArchiverOptions a;
      a.archive_dir = archive_dir_;
      a.origin = "riposte/contoso";
      a.keep = kDay;
      a.segment_records = segment_records;
      archiver = std::make_unique<AuditArchiver>(
          store_.get(),
          *audit::CheckpointSigner::Create(keys_.private_pem, "riposte/contoso"),
          a, &clock_);
    }
    auto loop = RetentionLoop::Create(store_.get(), o, std::move(archiver),
                                      &clock_, registry_);
    EXPECT_TRUE(loop.ok()) << loop.status();
    return loop.ok() ? *std::move(loop) : nullptr;
  }

  std::vector<std::string> Segments() {
    std::vector<std::string> names;
    DIR* d = opendir(archive_dir_.c_str());
    while (dirent* e = readdir(d)) {
      if (absl::StartsWith(e->d_name, "audit-")) names.push_back(e->d_name);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    return names;
  }

  audit::SegmentResult VerifySegmentFile(const std::string& name) {
    auto text = audit::ReadCheckpointFile(absl::StrCat(archive_dir_, "/", name));
    EXPECT_TRUE(text.ok()) << text.status();
    auto segment = audit::ParseSegment(name, *text);
    EXPECT_TRUE(segment.ok()) << segment.status();
    auto verifier = audit::CheckpointVerifier::FromPublicKeyPem(keys_.public_pem);
    return audit::VerifySegment(*segment, *verifier);
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  audit::testing::TestKeyPair keys_;
  std::string archive_dir_;
  metrics::Registry registry_;
  int n_ = 0;
};

TEST_F(RetentionLoopTest, WithoutArchiveTheAuditChainStaysWhole) {
  for (int i = 0; i < 5; ++i) AddIncident();
  clock_.Advance(2 * kDay);
  AddIncident();
  auto loop = Loop(0, /*archive=*/false);
  auto pass = loop->RunPass();
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->removed.incidents, 5);
  EXPECT_EQ(pass->audit_records, 0);
  EXPECT_EQ(store_->Stats()->audit_records, 18);
  auto v = VerifyAuditTrail(*store_, std::nullopt);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok()) << v->Problem();
  EXPECT_THAT(registry_.RenderText(),
              HasSubstr("riposte_retention_removed_total{kind=\"breach\"} 5"));
}

TEST_F(RetentionLoopTest, OcsfEventsLeaveOnlyOnceDeliveredAndOld) {
  auto append = [&](int n) {
    ASSERT_TRUE(store_
                    ->ExecuteAndWait([&](store::Transaction& txn) -> absl::Status {
                      for (int i = 0; i < n; ++i) {
                        store::OutboxRow row;
                        row.uid = absl::StrCat("e", ++n_);
                        row.class_uid = 2004;
                        row.time = clock_.Now();
                        row.event = "{}";
                        RIPOSTE_RETURN_IF_ERROR(txn.AppendOutbox(row));
                      }
                      return absl::OkStatus();
                    })
                    .ok());
  };
  append(7);  // old
  clock_.Advance(2 * kDay);
  append(2);  // recent
  int64_t delivered = 5;
  RetentionOptions o;
  o.incidents = o.runs = o.ocsf_events = kDay;
  o.batch = 2;  // several units
  o.ocsf_delivered = [&]() -> absl::StatusOr<int64_t> { return delivered; };
  auto loop = *RetentionLoop::Create(store_.get(), o, nullptr, &clock_,
                                     registry_);
  auto pass = loop->RunPass();
  ASSERT_TRUE(pass.ok()) << pass.status();
  // Old and delivered: 1..5. Old but undelivered (6, 7) and recent stay.
  EXPECT_EQ(pass->ocsf_events, 5);
  std::vector<store::OutboxRow> left = *store_->ReadOutbox(0, 100);
  ASSERT_EQ(left.size(), 4u);
  EXPECT_EQ(left[0].uid, "e6");
  EXPECT_THAT(registry_.RenderText(),
              HasSubstr("riposte_retention_removed_total{kind=\"ocsf_event\"} 5"));
  delivered = 9;
  EXPECT_EQ(loop->RunPass()->ocsf_events, 2);
  EXPECT_EQ(store_->ReadOutbox(0, 100)->size(), 2u);
  // A sink whose cursor cannot be read holds the pass back: nothing goes.
  RetentionOptions broken = o;
  broken.ocsf_delivered = []() -> absl::StatusOr<int64_t> {
    return absl::DataLossError("cursor");
  };
  metrics::Registry other;
  auto failing = *RetentionLoop::Create(store_.get(), broken, nullptr, &clock_,
                                        other);
  EXPECT_FALSE(failing->RunPass().ok());
  EXPECT_EQ(store_->ReadOutbox(0, 100)->size(), 2u);
}

TEST_F(RetentionLoopTest, AnIncidentInsideTheCorrelationWindowStays) {
  AddIncident();
  clock_.Advance(2 * kDay);
  AddIncident();
  // Older than the age (1d), but a breach observed now could still join it
  // (window 3d).
  auto pass = Loop(0, /*archive=*/false, /*correlation_window=*/3 * kDay)
                  ->RunPass();
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->removed.incidents, 0);
  EXPECT_EQ(store_->Stats()->incidents, 2);
}

TEST_F(RetentionLoopTest, OldSegmentsAreArchivedAndTheStoreVerifiesFromItsBase) {
  for (int i = 0; i < 4; ++i) AddIncident();  // records 1-12
  clock_.Advance(2 * kDay);
  AddIncident();  // records 13-15
  auto loop = Loop(/*segment_records=*/6);
  auto pass = loop->RunPass();
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->removed.incidents, 4);
  // 1-6 and 7-12 went; 13-15 are recent and the head stays.
  EXPECT_EQ(pass->audit_segments, 2);
  EXPECT_EQ(Segments(), (std::vector<std::string>{
                            "audit-000000000001-000000000006.jsonl",
                            "audit-000000000007-000000000012.jsonl"}));
  EXPECT_EQ(store_->Stats()->audit_records, 3);
  EXPECT_EQ(store_->ReadAuditBase()->seq, 12);

  auto v = VerifyAuditTrail(*store_, std::nullopt);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok()) << v->Problem();
  EXPECT_EQ(v->chain.base_seq, 12);
  EXPECT_EQ(v->chain.head_seq, 15);
  EXPECT_THAT(v->ToJson(), HasSubstr("\"archived_through\":12"));
  auto store_verify = store_->VerifyAudit();
  ASSERT_TRUE(store_verify.ok());
  EXPECT_TRUE(store_verify->ok) << store_verify->reason;

  for (const std::string& name : Segments()) {
    audit::SegmentResult r = VerifySegmentFile(name);
    EXPECT_TRUE(r.ok) << name << ": " << r.problem;
  }
  // The segments chain to each other and to the store's base.
  EXPECT_EQ(VerifySegmentFile(Segments()[1]).prev_hash,
            VerifySegmentFile(Segments()[0]).head_hash);
  EXPECT_EQ(VerifySegmentFile(Segments()[1]).head_hash,
            store_->ReadAuditBase()->hash);
}

TEST_F(RetentionLoopTest, CheckpointsBelowTheBaseAreSkippedAndOneAtItIsCompared) {
  for (int i = 0; i < 4; ++i) AddIncident();
  const std::vector<audit::AuditRecord> before = *store_->ReadAudit(0, 100);
  clock_.Advance(2 * kDay);
  AddIncident();
  ASSERT_TRUE(Loop(6)->RunPass().ok());
  auto signer = *audit::CheckpointSigner::Create(keys_.private_pem, "riposte/contoso");
  std::string file;
  for (int count : {3, 12}) {
    absl::StrAppend(&file,
                    *signer->Sign({"riposte/contoso", count, before[count - 1].hash}),
                    "\n");
  }
  const std::string path = dir_.File("cp");
  ASSERT_TRUE(audit::AppendCheckpoint(path, file.substr(0, file.size() - 1)).ok());
  auto verifier = *audit::CheckpointVerifier::FromPublicKeyPem(keys_.public_pem);
  auto source = LoadCheckpoints(path, verifier, false);
  ASSERT_TRUE(source.ok()) << source.status();
  ASSERT_TRUE(source->error.empty()) << source->error;
  auto v = VerifyAuditTrail(*store_, *source);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok()) << v->Problem();
  EXPECT_EQ(v->anchors.checkpoints, 1);  // 12, at the base; 3 is archived
}

TEST_F(RetentionLoopTest, ASegmentNamingAStoredRowWaits) {
  AddIncident(RunState::kActive);  // records 1-3: its run is in force
  AddIncident();                   // 4-6
  clock_.Advance(2 * kDay);
  AddIncident();
  auto pass = Loop(3)->RunPass();
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ(pass->removed.incidents, 1);
  // 1-3 name the active run, so nothing after it may go either.
  EXPECT_EQ(pass->audit_segments, 0);
  EXPECT_EQ(store_->ReadAuditBase()->seq, 0);
  auto v = VerifyAuditTrail(*store_, std::nullopt);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok()) << v->Problem();
}

TEST_F(RetentionLoopTest, AnArchiveThatCannotBeWrittenLeavesTheStoreAlone) {
  for (int i = 0; i < 4; ++i) AddIncident();
  clock_.Advance(2 * kDay);
  AddIncident();
  archive_dir_ = dir_.File("missing");
  auto pass = Loop(6)->RunPass();
  EXPECT_FALSE(pass.ok());
  EXPECT_THAT(pass.status().message(), HasSubstr("missing"));
  EXPECT_EQ(store_->Stats()->audit_records, 15);
  EXPECT_EQ(store_->ReadAuditBase()->seq, 0);
}

TEST_F(RetentionLoopTest, TheStoreSizeIsAMetric) {
  for (int i = 0; i < 20; ++i) AddIncident(RunState::kDone, /*payload=*/4000);
  auto metrics = ServerMetrics::Register(registry_, store_.get(), &clock_,
                                         [] { return int64_t{0}; });
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  const store::StoreGauges g = *store_->Gauges();
  EXPECT_GT(g.size_bytes, 80000);
  EXPECT_THAT(registry_.RenderText(),
              HasSubstr(absl::StrCat("riposte_store_size_bytes ",
                                     g.size_bytes + g.wal_bytes, "\n")));
  EXPECT_THAT(registry_.RenderText(), HasSubstr("riposte_store_free_bytes "));
}

// A long run: 500 breaches a day for 40 days, everything kept one day. The
// store is as big after 40 days as after 20.
TEST_F(RetentionLoopTest, LongRunStaysBounded) {
  auto loop = Loop(/*segment_records=*/300);
  constexpr int kDays = 40;
  std::vector<int64_t> sizes;
  for (int day = 0; day < kDays; ++day) {
    for (int i = 0; i < 500; ++i) {
      AddIncident(RunState::kDone, /*payload=*/1000);
      clock_.Advance(kDay / 500);
    }
    auto pass = loop->RunPass();
    ASSERT_TRUE(pass.ok()) << pass.status();
    auto g = *store_->Gauges();
    sizes.push_back(g.size_bytes);
  }
  const int64_t half = sizes[kDays / 2 - 1];
  const int64_t end = sizes.back();
  EXPECT_LE(end, half + half / 10) << "after " << kDays / 2 << " days: "
                                   << half << ", after " << kDays << ": " << end;
  auto v = VerifyAuditTrail(*store_, std::nullopt);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok()) << v->Problem();
  EXPECT_GT(v->chain.base_seq, 0);
  EXPECT_LT(store_->Stats()->breaches, 1100);
}

}  // namespace
}  // namespace riposte::server
