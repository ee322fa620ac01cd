#include "orchestrator/operator/operator_service.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "orchestrator/intake/breach_recorder.h"
#include "policies/policy_loader.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::operator_api {
namespace {

using ::testing::HasSubstr;

constexpr char kPolicy[] = R"(
rules:
  - name: takeover
    match: {models: ["Takeover"], subject: user}
    ladder: [disable_user]
    mode: confirm
    duration: 1h
    approval: {deadline: 30m, on_expiry: reject}
)";

// INVALID_ARGUMENT with a message that starts with `prefix` (the field).
void ExpectInvalid(const grpc::Status& s, const std::string& prefix) {
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << prefix << ": " << s.error_message();
  EXPECT_THAT(s.error_message(), ::testing::StartsWith(prefix));
}

// The store with a gate: while stalled, every read waits and every unit of
// work is held (as on a slow disk or a stalled database) until released.
class GatedStore : public store::Store {
 public:
  void Wrap(store::Store* inner) { inner_ = inner; }

  void Stall() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }
  void Release() ABSL_LOCKS_EXCLUDED(mu_) {
    std::vector<std::pair<Work, Done>> held;
    {
      absl::MutexLock lock(&mu_);
      closed_ = false;
      held.swap(held_);
      waiting_ -= static_cast<int>(held.size());
    }
    for (auto& [work, done] : held) {
      inner_->Execute(std::move(work), std::move(done));
    }
  }
  // True once `n` reads or units wait at the gate, within `timeout`.
  bool AwaitWaiting(int n, absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return waiting_ >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }

  void Execute(Work work, Done done) override {
    {
      absl::MutexLock lock(&mu_);
      if (closed_) {
        ++waiting_;
        held_.emplace_back(std::move(work), std::move(done));
        return;
      }
    }
    inner_->Execute(std::move(work), std::move(done));
  }
  absl::StatusOr<std::vector<audit::AuditRecord>> ReadAudit(
      int64_t after_seq, int64_t limit) override {
    Pass();
    return inner_->ReadAudit(after_seq, limit);
  }
  absl::StatusOr<audit::VerifyResult> VerifyAudit() override {
    Pass();
    return inner_->VerifyAudit();
  }
  absl::StatusOr<std::vector<store::OutboxRow>> ReadOutbox(
      int64_t after_seq, int64_t limit) override {
    Pass();
    return inner_->ReadOutbox(after_seq, limit);
  }
  absl::StatusOr<int64_t> LastOutboxSeq() override {
    Pass();
    return inner_->LastOutboxSeq();
  }
  absl::StatusOr<audit::ChainBase> ReadAuditBase() override {
    Pass();
    return inner_->ReadAuditBase();
  }
  absl::StatusOr<audit::AuditedRows> ListAuditedRows() override {
    Pass();
    return inner_->ListAuditedRows();
  }
  absl::StatusOr<std::optional<store::BreachRow>> GetBreach(
      absl::string_view detector_id, absl::string_view breach_id) override {
    Pass();
    return inner_->GetBreach(detector_id, breach_id);
  }
  absl::StatusOr<store::StoreStats> Stats() override {
    Pass();
    return inner_->Stats();
  }
  void Close() override { inner_->Close(); }
  bool exclusive() const override { return inner_->exclusive(); }
  absl::StatusOr<std::vector<store::ActionRunRow>> ListRuns(
      int64_t limit) override {
    Pass();
    return inner_->ListRuns(limit);
  }
  absl::StatusOr<std::vector<store::IncidentRow>> FindIncidents(
      const store::IncidentFilter& filter) override {
    Pass();
    return inner_->FindIncidents(filter);
  }
  absl::StatusOr<std::optional<store::IncidentRow>> GetIncident(
      int64_t id) override {
    Pass();
    return inner_->GetIncident(id);
  }
  absl::StatusOr<std::vector<store::ActionRunRow>> FindRuns(
      const store::RunFilter& filter) override {
    Pass();
    return inner_->FindRuns(filter);
  }
  absl::StatusOr<std::vector<store::BreachRow>> IncidentBreaches(
      int64_t incident_id) override {
    Pass();
    return inner_->IncidentBreaches(incident_id);
  }
  absl::StatusOr<std::vector<store::DecisionRow>> IncidentDecisions(
      int64_t incident_id) override {
    Pass();
    return inner_->IncidentDecisions(incident_id);
  }
  absl::StatusOr<std::optional<std::string>> ReadSetting(
      absl::string_view key) override {
    Pass();
    return inner_->ReadSetting(key);
  }
  absl::StatusOr<store::StoreGauges> Gauges() override {
    Pass();
    return inner_->Gauges();
  }

 private:
  void Pass() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    ++waiting_;
    auto open = [this]()
                    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !closed_; };
    mu_.Await(absl::Condition(&open));
    --waiting_;
  }

  store::Store* inner_ = nullptr;
  absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::pair<Work, Done>> held_ ABSL_GUARDED_BY(mu_);
};

class OperatorServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::sqlite::SqliteStoreOptions o;
    o.path = dir_.File("riposte.db");
    store_ = std::move(store::sqlite::SqliteStore::Open(o, Clock::Real()).value());
    policies_.Set(*policies::ParsePolicy({{"p.yaml", kPolicy}}));
    config::TenantConfig t;
    t.id = "contoso";
    validator_ = std::make_unique<intake::BreachValidator>(config::IntakeLimits(),
                                                           std::vector{t});
    recorder_ = std::make_unique<intake::BreachRecorder>(
        store_.get(), Clock::Real(), absl::Hours(1), &policies_);
    commands_ = std::make_unique<RunCommands>(store_.get(), Clock::Real(),
                                              &policies_, nullptr);
    gate_.Wrap(store_.get());
    OperatorDeps deps;
    deps.store = &gate_;
    deps.commands = commands_.get();
    deps.policies = &policies_;
    deps.validator = validator_.get();
    deps.clock = Clock::Real();
    deps.authorize = [this](grpc::CallbackServerContext* ctx,
                            Need need) -> absl::StatusOr<CallerInfo> {
      // Tests name the caller in metadata; admin-only calls need "admin".
      auto md = ctx->client_metadata().find("x-test-caller");
      if (md == ctx->client_metadata().end()) {
        return absl::UnauthenticatedError("no credentials");
      }
      std::string who(md->second.data(), md->second.size());
      if (need == Need::kAdmin && who != "admin") {
        return absl::PermissionDeniedError("needs admin");
      }
      return CallerInfo{who, who == "admin" ? "admin" : "operator"};
    };
    service_ = std::make_unique<OperatorService>(std::move(deps));
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(service_.get());
    server_ = b.BuildAndStart();
    stub_ = v1::Operator::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    gate_.Release();
    server_->Shutdown();
    store_->Close();
  }

  void Record(const std::string& upn, const std::string& id) {
    v1::Breach b;
    b.set_detector_id("dt");
    b.set_breach_id(id);
    b.set_tenant_id("contoso");
    b.set_model_name("Takeover");
    b.set_score(90);
    b.mutable_subject()->mutable_user()->set_user_principal_name(upn);
    absl::Notification done;
    recorder_->Record(b, [&](absl::StatusOr<v1::SubmitResponse> r) {
      EXPECT_TRUE(r.ok());
      done.Notify();
    });
    done.WaitForNotification();
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& who) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!who.empty()) ctx->AddMetadata("x-test-caller", who);
    return ctx;
  }

  testing::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  GatedStore gate_;  // what the service reads through
  decide::PolicyHolder policies_;
  std::unique_ptr<intake::BreachValidator> validator_;
  std::unique_ptr<intake::BreachRecorder> recorder_;
  std::unique_ptr<RunCommands> commands_;
  std::unique_ptr<OperatorService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Operator::Stub> stub_;
};

// Each request field a caller controls is checked, and the error names it.
TEST_F(OperatorServiceTest, OutOfRangeRequestFieldsAreInvalidArgumentNamingTheField) {
  {
    v1::ListRunsRequest req;
    req.set_page_size(-1);
    v1::ListRunsResponse resp;
    ExpectInvalid(stub_->ListRuns(As("op").get(), req, &resp), "page_size");
  }
  {
    v1::ListIncidentsRequest req;
    req.set_page_size(-50);
    v1::ListIncidentsResponse resp;
    ExpectInvalid(stub_->ListIncidents(As("op").get(), req, &resp), "page_size");
  }
  {
    v1::ListRunsRequest req;
    req.add_states("running");
    req.add_states("bogus");
    v1::ListRunsResponse resp;
    ExpectInvalid(stub_->ListRuns(As("op").get(), req, &resp), "states[1]");
  }
  for (int64_t seconds : {int64_t{-62135596801}, int64_t{253402300800},
                          std::numeric_limits<int64_t>::max()}) {
    v1::ListIncidentsRequest req;
    req.mutable_since()->set_seconds(seconds);
    v1::ListIncidentsResponse resp;
    ExpectInvalid(stub_->ListIncidents(As("op").get(), req, &resp), "since");
    v1::ListRunsRequest runs;
    runs.mutable_until()->set_seconds(seconds);
    v1::ListRunsResponse runs_resp;
    ExpectInvalid(stub_->ListRuns(As("op").get(), runs, &runs_resp), "until");
  }
  {
    v1::ListIncidentsRequest req;
    req.mutable_since()->set_seconds(1000);
    req.mutable_since()->set_nanos(-1);
    v1::ListIncidentsResponse resp;
    ExpectInvalid(stub_->ListIncidents(As("op").get(), req, &resp),
                   "since.nanos");
  }
  {
    v1::ListRunsRequest req;
    req.mutable_since()->set_seconds(2000);
    req.mutable_until()->set_seconds(1000);
    v1::ListRunsResponse resp;
    ExpectInvalid(stub_->ListRuns(As("op").get(), req, &resp), "until");
  }
  {
    v1::ExtendRequest req;
    req.set_run_id(1);
    req.set_reason("r");
    req.mutable_expires_time()->set_seconds(std::numeric_limits<int64_t>::min());
    v1::ActionRun resp;
    ExpectInvalid(stub_->Extend(As("op").get(), req, &resp), "expires_time");
    req.mutable_extend_by()->set_seconds(3600);
    req.mutable_extend_by()->set_nanos(-5);
    ExpectInvalid(stub_->Extend(As("op").get(), req, &resp), "extend_by.nanos");
    req.mutable_extend_by()->set_seconds(std::numeric_limits<int64_t>::max());
    req.mutable_extend_by()->set_nanos(0);
    ExpectInvalid(stub_->Extend(As("op").get(), req, &resp), "extend_by");
  }
  {
    v1::SimulateRequest req;
    v1::Breach* b = req.add_breaches();
    b->set_detector_id("dt");
    b->set_breach_id("x");
    b->set_tenant_id("contoso");
    b->set_model_name("Takeover");
    b->set_score(90);
    b->mutable_subject()->mutable_user()->set_user_principal_name("a@contoso.com");
    req.add_received_times()->set_seconds(-99999999999999);
    v1::SimulateResponse resp;
    ExpectInvalid(stub_->Simulate(As("op").get(), req, &resp),
                   "received_times[0]");
  }
  {
    v1::ExportAuditRequest req;
    req.set_after_seq(-3);
    grpc::ClientContext ctx;
    ctx.AddMetadata("x-test-caller", "op");
    auto reader = stub_->ExportAudit(&ctx, req);
    v1::AuditExportChunk chunk;
    while (reader->Read(&chunk)) {
    }
    ExpectInvalid(reader->Finish(), "after_seq");
  }
  // 0 is unset in proto3: the default page, not an error.
  v1::ListRunsRequest zero;
  zero.set_page_size(0);
  v1::ListRunsResponse resp;
  EXPECT_TRUE(stub_->ListRuns(As("op").get(), zero, &resp).ok());
}

TEST_F(OperatorServiceTest, PendingRunsPageWithNarratives) {
  for (int i = 0; i < 5; ++i) Record(absl::StrCat("u", i, "@contoso.com"), absl::StrCat(i));
  v1::ListRunsRequest req;
  req.add_states("awaiting_approval");
  req.set_page_size(2);
  std::vector<int64_t> ids;
  std::string token;
  do {
    req.set_page_token(token);
    v1::ListRunsResponse resp;
    auto ctx = As("alice");
    ASSERT_TRUE(stub_->ListRuns(ctx.get(), req, &resp).ok());
    for (const auto& r : resp.runs()) {
      ids.push_back(r.run_id());
      EXPECT_THAT(r.narrative(), HasSubstr("waits for an operator"));
      EXPECT_EQ(r.state(), "awaiting_approval");
    }
    token = resp.next_page_token();
  } while (!token.empty());
  EXPECT_EQ(ids.size(), 5u);
  EXPECT_TRUE(std::is_sorted(ids.rbegin(), ids.rend()));  // newest first
}

TEST_F(OperatorServiceTest, ApproveThroughTheApiAndSeeTheTimeline) {
  Record("alice@contoso.com", "b1");
  v1::ListRunsRequest list;
  list.add_states("awaiting_approval");
  v1::ListRunsResponse runs;
  auto c1 = As("alice");
  ASSERT_TRUE(stub_->ListRuns(c1.get(), list, &runs).ok());
  ASSERT_EQ(runs.runs_size(), 1);
  const int64_t run_id = runs.runs(0).run_id();

  v1::RunCommand cmd;
  cmd.set_run_id(run_id);
  v1::ActionRun out;
  auto no_reason = As("bob");
  grpc::Status s = stub_->Approve(no_reason.get(), cmd, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  cmd.set_reason("user confirmed they did not log in from Lagos");
  auto c2 = As("bob");
  ASSERT_TRUE(stub_->Approve(c2.get(), cmd, &out).ok());
  EXPECT_EQ(out.state(), "approved");
  EXPECT_THAT(out.approvers(), ::testing::ElementsAre("bob"));
  auto c3 = As("bob");
  s = stub_->Approve(c3.get(), cmd, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  v1::GetIncidentRequest gi;
  gi.set_incident_id(runs.runs(0).incident_id());
  v1::IncidentDetail detail;
  auto c4 = As("alice");
  ASSERT_TRUE(stub_->GetIncident(c4.get(), gi, &detail).ok());
  EXPECT_EQ(detail.breaches_size(), 1);
  EXPECT_EQ(detail.decisions_size(), 1);
  EXPECT_THAT(detail.decisions(0).matched_rules(), ::testing::ElementsAre("takeover"));
  EXPECT_EQ(detail.runs_size(), 1);
  EXPECT_EQ(detail.runs(0).state(), "approved");
}

TEST_F(OperatorServiceTest, RolesAreChecked) {
  v1::SetPausedRequest p;
  p.set_paused(true);
  p.set_reason("test");
  v1::PauseState state;
  auto none = As("");
  EXPECT_EQ(stub_->SetPaused(none.get(), p, &state).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto op = As("alice");
  EXPECT_EQ(stub_->SetPaused(op.get(), p, &state).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto admin = As("admin");
  ASSERT_TRUE(stub_->SetPaused(admin.get(), p, &state).ok());
  EXPECT_TRUE(state.paused());
  EXPECT_EQ(state.by(), "admin");
}

TEST_F(OperatorServiceTest, AuditStreamsVerifiesAndExports) {
  Record("alice@contoso.com", "b1");
  v1::StreamAuditRequest req;
  auto ctx = As("alice");
  auto reader = stub_->StreamAudit(ctx.get(), req);
  v1::AuditEntry e;
  std::vector<std::string> events;
  while (reader->Read(&e)) events.push_back(e.event());
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_THAT(events, ::testing::ElementsAre("incident.opened", "breach.received",
                                             "decision.made", "action.awaiting_approval"));
  v1::VerifyAuditResponse v;
  auto c2 = As("alice");
  ASSERT_TRUE(stub_->VerifyAudit(c2.get(), v1::VerifyAuditRequest(), &v).ok());
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(v.records(), 4);

  // Follow: a record appended later arrives on the open stream.
  grpc::ClientContext follow_ctx;
  follow_ctx.AddMetadata("x-test-caller", "alice");
  req.set_after_seq(4);
  req.set_follow(true);
  auto follow = stub_->StreamAudit(&follow_ctx, req);
  Record("bob@contoso.com", "b2");
  ASSERT_TRUE(follow->Read(&e));
  EXPECT_EQ(e.seq(), 5);
  follow_ctx.TryCancel();
  follow->Finish().IgnoreError();

  auto c3 = As("alice");
  auto exporter = stub_->ExportAudit(c3.get(), v1::ExportAuditRequest());
  v1::AuditExportChunk chunk;
  std::string jsonl;
  while (exporter->Read(&chunk)) jsonl += chunk.jsonl();
  ASSERT_TRUE(exporter->Finish().ok());
  EXPECT_EQ(std::count(jsonl.begin(), jsonl.end(), '\n'), 8);
  EXPECT_THAT(jsonl, HasSubstr("\"event\":\"decision.made\""));
  EXPECT_THAT(jsonl, HasSubstr("\"prev_hash\":"));
}

TEST_F(OperatorServiceTest, OcsfExportStreamsTheOutboxFromATimeOrPosition) {
  const absl::Time t = absl::FromUnixSeconds(1'790'000'000);
  // More than one page (200 rows), so the chunks carry on from each other.
  ASSERT_TRUE(store_
                  ->ExecuteAndWait([&](store::Transaction& txn) -> absl::Status {
                    for (int i = 0; i < 450; ++i) {
                      store::OutboxRow row;
                      row.uid = absl::StrCat("e", i);
                      row.class_uid = 2004;
                      row.time = t + absl::Seconds(i);
                      row.event = absl::StrCat("{\"n\":", i, "}");
                      RIPOSTE_RETURN_IF_ERROR(txn.AppendOutbox(row));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  auto read_all = [&](const v1::ExportOcsfRequest& req, std::string* jsonl) {
    auto ctx = As("alice");
    auto reader = stub_->ExportOcsf(ctx.get(), req);
    v1::OcsfExportChunk chunk;
    while (reader->Read(&chunk)) *jsonl += chunk.jsonl();
    return reader->Finish();
  };
  std::string all;
  ASSERT_TRUE(read_all(v1::ExportOcsfRequest(), &all).ok());
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 450);
  EXPECT_THAT(all, ::testing::StartsWith("{\"n\":0}\n{\"n\":1}\n"));
  EXPECT_THAT(all, ::testing::EndsWith("{\"n\":449}\n"));

  v1::ExportOcsfRequest since;
  ToProtoTime(t + absl::Seconds(440), since.mutable_since());
  std::string recent;
  ASSERT_TRUE(read_all(since, &recent).ok());
  EXPECT_EQ(recent.substr(0, recent.find('\n')), "{\"n\":440}");
  EXPECT_EQ(std::count(recent.begin(), recent.end(), '\n'), 10);

  v1::ExportOcsfRequest after;
  after.set_after_seq(449);
  std::string last;
  ASSERT_TRUE(read_all(after, &last).ok());
  EXPECT_EQ(last, "{\"n\":449}\n");

  v1::ExportOcsfRequest bad;
  bad.set_after_seq(-1);
  std::string none;
  ExpectInvalid(read_all(bad, &none), "after_seq");
  auto anonymous = As("");
  auto refused = stub_->ExportOcsf(anonymous.get(), v1::ExportOcsfRequest());
  v1::OcsfExportChunk chunk;
  while (refused->Read(&chunk)) {
  }
  EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(OperatorServiceTest, HostileStringsAreRefusedNamingTheField) {
  Record("alice@contoso.com", "b1");
  const std::string nul_ip = std::string("10.0.0.1\0evil", 13);
  {
    v1::ListIncidentsRequest req;
    req.set_subject_key("user:alice@contoso.com\x1b[2J");
    v1::ListIncidentsResponse resp;
    auto ctx = As("alice");
    ExpectInvalid(stub_->ListIncidents(ctx.get(), req, &resp),
                   "subject_key: must not contain escape sequences");
    req.set_subject_key("");
    req.set_tenant_id(std::string("contoso\0", 8));
    auto ctx2 = As("alice");
    ExpectInvalid(stub_->ListIncidents(ctx2.get(), req, &resp),
                   "tenant_id: must not contain NUL");
  }
  {
    v1::ListRunsRequest req;
    req.set_target_key("ip:" + nul_ip);
    v1::ListRunsResponse resp;
    auto ctx = As("alice");
    ExpectInvalid(stub_->ListRuns(ctx.get(), req, &resp),
                   "target_key: must not contain NUL");
    req.clear_target_key();
    req.set_action("disable_user\xE2\x80\xAE");
    auto ctx2 = As("alice");
    ExpectInvalid(stub_->ListRuns(ctx2.get(), req, &resp),
                   "action: must not contain bidirectional");
  }
  {
    v1::SimulateRequest req;
    auto* b = req.add_breaches();
    b->set_detector_id("dt");
    b->set_breach_id("s1");
    b->set_tenant_id("contoso");
    b->set_model_name("Takeover");
    b->set_score(90);
    b->mutable_subject()->mutable_ip()->set_address(nul_ip);
    v1::SimulateResponse resp;
    auto ctx = As("alice");
    ExpectInvalid(stub_->Simulate(ctx.get(), req, &resp),
                   "breaches[0].subject.ip.address: must not contain NUL");
    b->mutable_subject()->mutable_user()->set_user_principal_name(
        "alice@contoso.com");
    auto* p = req.add_policy();
    p->set_name("p.yaml\x1b]0;owned\x07");
    p->set_yaml(kPolicy);
    auto ctx2 = As("alice");
    ExpectInvalid(stub_->Simulate(ctx2.get(), req, &resp),
                   "policy[0].name: must not contain escape sequences");
  }
  {
    v1::ReloadPolicyRequest req;
    req.set_reason("routine\x1b[1A\x1b[2Kapproved by CISO");
    v1::PolicyInfo resp;
    auto ctx = As("admin");
    ExpectInvalid(stub_->ReloadPolicy(ctx.get(), req, &resp),
                   "reason: must not contain escape sequences");
  }
  {
    v1::RunCommand cmd;
    cmd.set_run_id(1);
    cmd.set_reason(std::string("ok\0hidden", 9));
    v1::ActionRun run;
    auto ctx = As("alice");
    ExpectInvalid(stub_->Approve(ctx.get(), cmd, &run),
                   "reason: must not contain NUL");
  }
  // None of it reached the audit trail: the breach's four records only.
  v1::VerifyAuditResponse v;
  auto ctx = As("alice");
  ASSERT_TRUE(stub_->VerifyAudit(ctx.get(), v1::VerifyAuditRequest(), &v).ok());
  EXPECT_EQ(v.records(), 4);
}

// Store work runs off gRPC's callback threads: however many calls wait on a
// stalled store, a call that needs no store still answers, and the stalled
// ones answer once the store moves again.
TEST_F(OperatorServiceTest, CallsWaitingOnTheStoreDoNotHoldUpOthers) {
  Record("alice@contoso.com", "b1");
  gate_.Stall();
  struct Pending {
    grpc::ClientContext ctx;
    v1::ListIncidentsRequest req;
    v1::ListIncidentsResponse resp;
    grpc::Status status;
    absl::Notification done;
  };
  constexpr int kStalled = 32;
  std::vector<std::unique_ptr<Pending>> calls;
  for (int i = 0; i < kStalled; ++i) {
    auto call = std::make_unique<Pending>();
    call->ctx.AddMetadata("x-test-caller", "alice");
    Pending* c = call.get();
    stub_->async()->ListIncidents(&c->ctx, &c->req, &c->resp,
                                  [c](grpc::Status s) {
                                    c->status = std::move(s);
                                    c->done.Notify();
                                  });
    calls.push_back(std::move(call));
  }
  // Audit streams stalled on their first read too.
  std::vector<std::unique_ptr<grpc::ClientContext>> stream_ctx;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::AuditEntry>>> streams;
  for (int i = 0; i < 4; ++i) {
    stream_ctx.push_back(As("alice"));
    streams.push_back(
        stub_->StreamAudit(stream_ctx.back().get(), v1::StreamAuditRequest()));
  }
  // An export, and commands whose units of work wait to be written.
  auto export_ctx = As("alice");
  auto exporter = stub_->ExportAudit(export_ctx.get(), v1::ExportAuditRequest());
  struct Command {
    grpc::ClientContext ctx;
    v1::RunCommand req;
    v1::ActionRun resp;
    grpc::Status status;
    absl::Notification done;
  };
  std::vector<std::unique_ptr<Command>> commands;
  for (int i = 0; i < 8; ++i) {
    auto command = std::make_unique<Command>();
    command->ctx.AddMetadata("x-test-caller", "alice");
    command->req.set_run_id(999'000 + i);
    command->req.set_reason("stalled");
    Command* c = command.get();
    stub_->async()->Reject(&c->ctx, &c->req, &c->resp, [c](grpc::Status s) {
      c->status = std::move(s);
      c->done.Notify();
    });
    commands.push_back(std::move(command));
  }
  ASSERT_TRUE(gate_.AwaitWaiting(1, absl::Seconds(10)));

  auto ctx = As("alice");
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::WhoAmIResponse who;
  grpc::Status s = stub_->WhoAmI(ctx.get(), v1::WhoAmIRequest(), &who);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(who.identity(), "alice");

  gate_.Release();
  for (auto& call : calls) {
    ASSERT_TRUE(call->done.WaitForNotificationWithTimeout(absl::Seconds(30)));
    EXPECT_TRUE(call->status.ok()) << call->status.error_message();
    EXPECT_EQ(call->resp.incidents_size(), 1);
  }
  for (auto& command : commands) {
    ASSERT_TRUE(command->done.WaitForNotificationWithTimeout(absl::Seconds(30)));
    EXPECT_EQ(command->status.error_code(), grpc::StatusCode::NOT_FOUND)
        << command->status.error_message();
  }
  v1::AuditExportChunk chunk;
  std::string exported;
  while (exporter->Read(&chunk)) exported += chunk.jsonl();
  EXPECT_TRUE(exporter->Finish().ok());
  EXPECT_THAT(exported, HasSubstr("breach.received"));
  for (auto& stream : streams) {
    v1::AuditEntry entry;
    int entries = 0;
    while (stream->Read(&entry)) ++entries;
    EXPECT_GT(entries, 0);
    grpc::Status finished = stream->Finish();
    EXPECT_TRUE(finished.ok()) << finished.error_message();
  }
}

TEST_F(OperatorServiceTest, PolicyShowAndValidate) {
  v1::PolicyInfo info;
  auto c1 = As("alice");
  ASSERT_TRUE(stub_->GetPolicy(c1.get(), v1::GetPolicyRequest(), &info).ok());
  EXPECT_EQ(info.rules(), 1);
  ASSERT_EQ(info.files_size(), 1);
  EXPECT_THAT(info.files(0).yaml(), HasSubstr("takeover"));
  v1::ValidatePolicyRequest vr;
  auto* f = vr.add_policy();
  f->set_name("bad.yaml");
  f->set_yaml("rules:\n  - name: x\n    ladder: [nope]\n");
  v1::ValidatePolicyResponse resp;
  auto c2 = As("alice");
  ASSERT_TRUE(stub_->ValidatePolicy(c2.get(), vr, &resp).ok());
  EXPECT_FALSE(resp.valid());
  EXPECT_THAT(resp.errors(), HasSubstr("bad.yaml:3"));
}

}  // namespace
}  // namespace riposte::operator_api
