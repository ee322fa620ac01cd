#include "orchestrator/execute/executor.h"

#include <deque>

#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/sqlite/sqlite_store.h"

namespace riposte::execute {
namespace {

using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1'795'000'000);

// An adapter that answers from a script and records its calls.
class ScriptedAdapter : public actions::ActionExecutor {
 public:
  absl::string_view name() const override { return "scripted"; }
  absl::StatusOr<actions::ActionResult> Apply(
      const actions::ActionRequest& r) override {
    return Next("apply", r);
  }
  absl::StatusOr<actions::ActionResult> Revert(
      const actions::ActionRequest& r) override {
    return Next("revert", r);
  }
  void Push(absl::StatusOr<actions::ActionResult> r) {
    absl::MutexLock lock(&mu_);
    script_.push_back(std::move(r));
  }
  std::vector<std::string> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  std::vector<actions::ActionRequest> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }

 private:
  absl::StatusOr<actions::ActionResult> Next(const std::string& kind,
                                             const actions::ActionRequest& r) {
    absl::MutexLock lock(&mu_);
    calls_.push_back(kind + ":" + r.action);
    requests_.push_back(r);
    if (script_.empty()) {
      actions::ActionResult ok;
      ok.outcome = kind == "apply" ? actions::ActionResult::Outcome::kApplied
                                   : actions::ActionResult::Outcome::kReverted;
      return ok;
    }
    auto r2 = script_.front();
    script_.pop_front();
    return r2;
  }
  absl::Mutex mu_;
  std::deque<absl::StatusOr<actions::ActionResult>> script_;
  std::vector<std::string> calls_;
  std::vector<actions::ActionRequest> requests_;
};

class OneAdapterRouter : public AdapterRouter {
 public:
  explicit OneAdapterRouter(actions::ActionExecutor* a) : a_(a) {}
  absl::StatusOr<actions::ActionExecutor*> Route(absl::string_view tenant,
                                                 absl::string_view action,
                                                 const v1::Entity&) override {
    if (action == "unroutable") {
      return absl::FailedPreconditionError("no adapter for unroutable");
    }
    return a_;
  }

 private:
  actions::ActionExecutor* a_;
};

class ExecutorTest : public ::testing::Test {
 protected:
  ExecutorTest() : clock_(kStart) {
    store::sqlite::SqliteStoreOptions o;
    o.path = dir_.File("riposte.db");
    store_ = std::move(store::sqlite::SqliteStore::Open(o, &clock_).value());
    router_ = std::make_unique<OneAdapterRouter>(&adapter_);
  }

  std::unique_ptr<Executor> MakeExecutor(ExecutorOptions o = {}) {
    o.backoff.initial = absl::Seconds(10);
    o.backoff.max = absl::Minutes(10);
    if (o.holder == "riposted") o.holder = "test-holder";
    return std::make_unique<Executor>(store_.get(), router_.get(), &clock_,
                                      &registry_, o, [] { return 0.5; });
  }

  // Inserts an autonomous proposed run and returns its id.
  int64_t AddRun(const std::string& action, absl::Duration duration,
                 bool reversible) {
    int64_t id = 0;
    EXPECT_TRUE(store_->ExecuteAndWait([&](store::Transaction& txn) -> absl::Status {
      store::IncidentRow inc;
      inc.tenant_id = "contoso";
      inc.subject_key = "user:alice@contoso.com";
      inc.subject_kind = "user";
      inc.first_seen = inc.last_seen = clock_.Now();
      auto inc_id = txn.InsertIncident(inc);
      if (!inc_id.ok()) return inc_id.status();
      store::DecisionRow d;
      d.incident_id = *inc_id;
      d.tenant_id = "contoso";
      d.decided_at = clock_.Now();
      d.matched_rules = "[]";
      d.narrative = "Alice's account was used from a rare location.";
      auto d_id = txn.InsertDecision(d);
      if (!d_id.ok()) return d_id.status();
      store::ActionRunRow r;
      r.decision_id = *d_id;
      r.incident_id = *inc_id;
      r.tenant_id = "contoso";
      r.action = action;
      r.target_kind = "user";
      r.target_key = "user:alice@contoso.com";
      v1::Entity e;
      e.mutable_user()->set_user_principal_name("alice@contoso.com");
      e.SerializeToString(&r.target);
      r.state = runs::RunState::kProposed;
      r.rule = "r";
      r.rule_mode = "autonomous";
      r.autonomous = true;
      r.reversible = reversible;
      r.duration = duration;
      r.on_approval_expiry = "reject";
      r.idempotency_key = absl::StrCat("k-", action, "-", *d_id);
      r.created_at = r.updated_at = clock_.Now();
      auto run_id = txn.InsertActionRun(r);
      if (!run_id.ok()) return run_id.status();
      id = *run_id;
      return absl::OkStatus();
    }).ok());
    return id;
  }

  store::ActionRunRow Run(int64_t id) {
    std::optional<store::ActionRunRow> row;
    EXPECT_TRUE(store_->ExecuteAndWait([&](store::Transaction& txn) -> absl::Status {
      auto r = txn.GetRun(id);
      if (!r.ok()) return r.status();
      row = *r;
      return absl::OkStatus();
    }).ok());
    return row.value_or(store::ActionRunRow());
  }

  std::vector<std::string> Events() {
    std::vector<std::string> out;
    const auto records = store_->ReadAudit(0, 10000).value();
    for (const auto& r : records) out.push_back(r.event.event);
    return out;
  }

  bool RunOnce(Executor& e) {
    auto r = e.RunOnce();
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() && *r;
  }

  testing::TempDir dir_;
  FakeClock clock_;
  metrics::Registry registry_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  ScriptedAdapter adapter_;
  std::unique_ptr<OneAdapterRouter> router_;
};

TEST_F(ExecutorTest, AppliesOnceAndAuditsEveryTransitionFirst) {
  auto exec = MakeExecutor();
  const int64_t id = AddRun("force_logout", absl::ZeroDuration(), false);
  EXPECT_TRUE(RunOnce(*exec));
  EXPECT_FALSE(RunOnce(*exec));  // nothing left
  EXPECT_THAT(adapter_.calls(), ::testing::ElementsAre("apply:force_logout"));
  EXPECT_EQ(runs::RunStateName(Run(id).state), "done");
  EXPECT_TRUE(Run(id).effect_at.has_value());
  EXPECT_THAT(Events(), ::testing::ElementsAre("action.running", "action.done"));
  EXPECT_EQ(adapter_.requests()[0].idempotency_key, Run(id).idempotency_key);
}

TEST_F(ExecutorTest, ReversibleActionIsActiveThenRevertedAtExpiry) {
  auto exec = MakeExecutor();
  const int64_t id = AddRun("disable_user", absl::Hours(4), true);
  actions::ActionResult applied;
  applied.memo = "{\"was\":\"enabled\"}";
  adapter_.Push(applied);
  EXPECT_TRUE(RunOnce(*exec));
  auto run = Run(id);
  EXPECT_EQ(runs::RunStateName(run.state), "active");
  ASSERT_TRUE(run.expires_at.has_value());
  EXPECT_EQ(*run.expires_at, kStart + absl::Hours(4));
  EXPECT_FALSE(RunOnce(*exec));  // not yet expired
  clock_.Advance(absl::Hours(4));
  actions::ActionResult reconciled;
  reconciled.outcome = actions::ActionResult::Outcome::kAlreadyReverted;
  adapter_.Push(reconciled);
  EXPECT_TRUE(RunOnce(*exec));
  EXPECT_EQ(runs::RunStateName(Run(id).state), "reverted");
  // The revert got the memo the apply left.
  EXPECT_EQ(adapter_.requests()[1].memo, "{\"was\":\"enabled\"}");
  EXPECT_THAT(Events(), ::testing::ElementsAre("action.running", "action.active",
                                               "action.reverting", "action.reverted"));
  auto audit = store_->ReadAudit(0, 10).value();
  EXPECT_THAT(audit[3].event.details, HasSubstr("\"outcome\":\"already_reverted\""));
}

// The OCSF outbox hears of each change Riposte made, in the unit that
// records it, and not of a revert that changed nothing.
TEST_F(ExecutorTest, EffectsAndUndosGoToTheOcsfOutboxWithTheirOutcome) {
  auto exec = MakeExecutor();
  const int64_t disable = AddRun("disable_user", absl::Hours(4), true);
  EXPECT_TRUE(RunOnce(*exec));  // applied
  clock_.Advance(absl::Hours(4));
  EXPECT_TRUE(RunOnce(*exec));  // reverted at expiry
  const int64_t other = AddRun("disable_user", absl::Hours(1), true);
  EXPECT_TRUE(RunOnce(*exec));
  clock_.Advance(absl::Hours(1));
  actions::ActionResult nothing;
  nothing.outcome = actions::ActionResult::Outcome::kNothingToUndo;
  adapter_.Push(nothing);
  EXPECT_TRUE(RunOnce(*exec));
  EXPECT_EQ(runs::RunStateName(Run(other).state), "reverted");

  std::vector<store::OutboxRow> rows = *store_->ReadOutbox(0, 10);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_THAT(rows[0].event, HasSubstr("\"type_uid\":300105"));  // Disable
  EXPECT_THAT(rows[0].event, HasSubstr(absl::StrCat("\"run_id\":", disable)));
  EXPECT_EQ(rows[0].time, kStart);
  EXPECT_THAT(rows[1].event, HasSubstr("\"type_uid\":300102"));  // Enable
  EXPECT_EQ(rows[1].time, kStart + absl::Hours(4));
  EXPECT_THAT(rows[2].event, HasSubstr(absl::StrCat("\"run_id\":", other)));
  EXPECT_THAT(rows[2].event, HasSubstr("\"type_uid\":300105"));
  for (const store::OutboxRow& r : rows) EXPECT_EQ(r.class_uid, 3001);
}

TEST_F(ExecutorTest, RetryableFailureBacksOffThenSucceeds) {
  auto exec = MakeExecutor();
  const int64_t id = AddRun("force_logout", absl::ZeroDuration(), false);
  adapter_.Push(absl::UnavailableError("graph 503"));
  adapter_.Push(absl::UnavailableError("graph 503"));
  EXPECT_TRUE(RunOnce(*exec));
  auto run = Run(id);
  EXPECT_EQ(runs::RunStateName(run.state), "queued");
  EXPECT_EQ(run.not_before, kStart + absl::Seconds(10));  // 10s x jitter 1.0
  EXPECT_FALSE(RunOnce(*exec));
  clock_.Advance(absl::Seconds(10));
  EXPECT_TRUE(RunOnce(*exec));
  EXPECT_EQ(Run(id).not_before, kStart + absl::Seconds(10) + absl::Seconds(20));
  clock_.Advance(absl::Seconds(20));
  EXPECT_TRUE(RunOnce(*exec));
  EXPECT_EQ(runs::RunStateName(Run(id).state), "done");
  EXPECT_EQ(Run(id).attempts, 3);
}

TEST_F(ExecutorTest, RetryAfterIsHonouredExactly) {
  auto exec = MakeExecutor();
  const int64_t id = AddRun("force_logout", absl::ZeroDuration(), false);
  adapter_.Push(actions::WithRetryAfter(absl::ResourceExhaustedError("429"),
                                        absl::Seconds(37)));
  EXPECT_TRUE(RunOnce(*exec));
  EXPECT_EQ(Run(id).not_before, kStart + absl::Seconds(37));
  clock_.Advance(absl::Seconds(36));
  EXPECT_FALSE(RunOnce(*exec));
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(RunOnce(*exec));
  EXPECT_EQ(runs::RunStateName(Run(id).state), "done");
}

TEST_F(ExecutorTest, ThrottlingIsWaitedOutWithoutUsingAttempts) {
  ExecutorOptions o;
  o.max_attempts = 2;
  o.max_age = absl::Hours(1);
  auto exec = MakeExecutor(o);
  const int64_t id = AddRun("quarantine_email", absl::ZeroDuration(), false);
  // Far more throttled answers than attempts allowed: each is waited out.
  for (int i = 0; i < 6; ++i) {
    adapter_.Push(actions::AsThrottled(actions::WithRetryAfter(
        absl::ResourceExhaustedError("429"), absl::Seconds(2))));
    adapter_.Push(actions::AsThrottled(absl::UnavailableError("503")));
  }
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(RunOnce(*exec)) << i;
    const store::ActionRunRow run = Run(id);
    ASSERT_EQ(runs::RunStateName(run.state), "queued") << i;
    EXPECT_EQ(run.attempts, 0) << "throttling counted as an attempt";
    clock_.Set(run.not_before);
  }
  EXPECT_TRUE(RunOnce(*exec));
  EXPECT_EQ(runs::RunStateName(Run(id).state), "done");
  EXPECT_EQ(Run(id).attempts, 1);
  // The breaker did not open either: nothing was deferred.
  for (const std::string& e : Events()) EXPECT_NE(e, "action.deferred");
}

TEST_F(ExecutorTest, ThrottlingWithoutRetryAfterWaitsLongerTheLongerItLasts) {
  auto exec = MakeExecutor();  // backoff from 10s
  const int64_t id = AddRun("force_logout", absl::ZeroDuration(), false);
  for (int i = 0; i < 3; ++i) {
    adapter_.Push(actions::AsThrottled(absl::UnavailableError("503")));
  }
  std::vector<absl::Duration> waits;
  for (int i = 0; i < 3; ++i) {
    const absl::Time before = clock_.Now();
    ASSERT_TRUE(RunOnce(*exec));
    waits.push_back(Run(id).not_before - before);
    clock_.Set(Run(id).not_before);
  }
  EXPECT_EQ(waits[0], absl::Seconds(10));
  EXPECT_EQ(waits[1], absl::Seconds(10));
  EXPECT_EQ(waits[2], absl::Seconds(10));
  clock_.Advance(absl::Minutes(10));
  adapter_.Push(actions::AsThrottled(absl::UnavailableError("503")));
  ASSERT_TRUE(RunOnce(*exec));
  // 10m30s in: half the time waited.
  EXPECT_EQ(Run(id).not_before - clock_.Now(), absl::Seconds(315));
  clock_.Advance(absl::Minutes(30));
  adapter_.Push(actions::AsThrottled(absl::UnavailableError("503")));
  ASSERT_TRUE(RunOnce(*exec));
  // 40m30s in: capped at backoff.max.
  EXPECT_EQ(Run(id).not_before - clock_.Now(), absl::Minutes(10));
}

TEST_F(ExecutorTest, ThrottlingStillEndsAtMaxAge) {
  ExecutorOptions o;
  o.max_age = absl::Minutes(5);
  auto exec = MakeExecutor(o);
  const int64_t id = AddRun("force_logout", absl::ZeroDuration(), false);
  adapter_.Push(actions::AsThrottled(actions::WithRetryAfter(
      absl::ResourceExhaustedError("429"), absl::Minutes(6))));
  adapter_.Push(actions::AsThrottled(actions::WithRetryAfter(
      absl::ResourceExhaustedError("429 again"), absl::Seconds(1))));
  ASSERT_TRUE(RunOnce(*exec));
  clock_.Set(Run(id).not_before);
  ASSERT_TRUE(RunOnce(*exec));
  EXPECT_EQ(runs::RunStateName(Run(id).state), "failed");
  EXPECT_THAT(Run(id).last_error, HasSubstr("429 again"));
}

TEST_F(ExecutorTest, TheAdapterGetsTheDecisionsNarrativeAndItsOutcomeIsKept) {
  auto exec = MakeExecutor();
  const int64_t id = AddRun("disable_user", absl::Hours(1), true);
  actions::ActionResult applied;
  applied.outcome = actions::ActionResult::Outcome::kAlreadyApplied;
  applied.details = R"({"note":"account was already disabled before Riposte acted"})";
  adapter_.Push(applied);
  ASSERT_TRUE(RunOnce(*exec));
  ASSERT_EQ(adapter_.requests().size(), 1);
  EXPECT_EQ(adapter_.requests()[0].narrative,
            "Alice's account was used from a rare location.");
  EXPECT_EQ(Run(id).outcome, "already_applied");

  clock_.Advance(absl::Hours(1));
  actions::ActionResult nothing;
  nothing.outcome = actions::ActionResult::Outcome::kNothingToUndo;
  nothing.details = R"({"note":"nothing to undo: already disabled before Riposte acted"})";
  adapter_.Push(nothing);
  ASSERT_TRUE(RunOnce(*exec));
  const store::ActionRunRow run = Run(id);
  EXPECT_EQ(runs::RunStateName(run.state), "reverted");
  EXPECT_EQ(run.outcome, "nothing_to_undo");
  EXPECT_EQ(run.outcome_note, "nothing to undo: already disabled before Riposte acted");
  auto audit = store_->ReadAudit(0, 100).value();
  EXPECT_EQ(audit.back().event.event, "action.reverted");
  EXPECT_THAT(audit.back().event.details,
              HasSubstr(R"("outcome":"nothing_to_undo")"));
  EXPECT_THAT(audit.back().event.details,
              HasSubstr(R"("note":"nothing to undo: already disabled before Riposte acted")"));
}

TEST_F(ExecutorTest, AnEffectTheAdapterCannotUndoIsDoneNotActive) {
  auto exec = MakeExecutor();
  const int64_t id = AddRun("quarantine_email", absl::Hours(24), true);
  actions::ActionResult remediated;
  remediated.reversible = false;
  remediated.details =
      R"({"note":"remediated at the gateway; restore it in the administration console"})";
  adapter_.Push(remediated);
  ASSERT_TRUE(RunOnce(*exec));
  const store::ActionRunRow run = Run(id);
  EXPECT_EQ(runs::RunStateName(run.state), "done");
  EXPECT_FALSE(run.reversible);
  EXPECT_FALSE(run.expires_at.has_value());
  EXPECT_THAT(run.outcome_note, HasSubstr("administration console"));
  EXPECT_EQ(Events().back(), "action.done");
  // Nothing is ever released.
  clock_.Advance(absl::Hours(48));
  EXPECT_FALSE(RunOnce(*exec));
  EXPECT_EQ(adapter_.calls().size(), 1);
}

TEST_F(ExecutorTest, GivesUpAfterMaxAttempts) {
  ExecutorOptions o;
  o.max_attempts = 2;
  o.breaker_failures = 100;
  auto exec = MakeExecutor(o);
  const int64_t id = AddRun("force_logout", absl::ZeroDuration(), false);
  adapter_.Push(absl::UnavailableError("down"));
  adapter_.Push(absl::UnavailableError("still down"));
  EXPECT_TRUE(RunOnce(*exec));
  clock_.Advance(absl::Minutes(1));
  EXPECT_TRUE(RunOnce(*exec));
  auto run = Run(id);
  EXPECT_EQ(runs::RunStateName(run.state), "failed");
  EXPECT_THAT(run.last_error, HasSubstr("still down"));
  EXPECT_EQ(Events().back(), "action.failed");
}

TEST_F(ExecutorTest, PermanentErrorFailsAtOnce) {
  auto exec = MakeExecutor();
  const int64_t id = AddRun("force_logout", absl::ZeroDuration(), false);
  adapter_.Push(absl::PermissionDeniedError("app lacks User.RevokeSessions.All"));
  EXPECT_TRUE(RunOnce(*exec));
  EXPECT_EQ(runs::RunStateName(Run(id).state), "failed");
  EXPECT_EQ(Run(id).attempts, 1);
  const int64_t unroutable = AddRun("unroutable", absl::ZeroDuration(), false);
  EXPECT_TRUE(RunOnce(*exec));
  EXPECT_EQ(runs::RunStateName(Run(unroutable).state), "failed");
  EXPECT_THAT(Run(unroutable).last_error, HasSubstr("no adapter"));
}

TEST_F(ExecutorTest, DeadWorkersLeaseIsTakenOverAndStaleUpdatesRefused) {
  auto exec = MakeExecutor();
  const int64_t id = AddRun("disable_user", absl::Hours(1), true);
  // Another worker leases the run, then dies without a word.
  int64_t stale_fence = 0;
  ASSERT_TRUE(store_->ExecuteAndWait([&](store::Transaction& txn) -> absl::Status {
    auto r = txn.ClaimDueRun("dead-worker", clock_.Now(),
                             clock_.Now() + absl::Seconds(60));
    if (!r.ok()) return r.status();
    stale_fence = (*r)->fence;
    return absl::OkStatus();
  }).ok());
  EXPECT_FALSE(RunOnce(*exec));  // the lease still holds
  clock_.Advance(absl::Seconds(61));
  EXPECT_TRUE(RunOnce(*exec));
  EXPECT_EQ(runs::RunStateName(Run(id).state), "active");
  EXPECT_EQ(adapter_.calls().size(), 1u);
  // The dead worker wakes up and tries to record its result: refused.
  store::RunUpdate late;
  late.id = id;
  late.fence = stale_fence;
  late.state = runs::RunState::kFailed;
  late.now = clock_.Now();
  absl::Status s = store_->ExecuteAndWait(
      [&](store::Transaction& txn) { return txn.UpdateLeasedRun(late); });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(runs::RunStateName(Run(id).state), "active");
}

TEST_F(ExecutorTest, StartReleasesLeasesOfAPreviousProcess) {
  const int64_t id = AddRun("force_logout", absl::ZeroDuration(), false);
  ASSERT_TRUE(store_->ExecuteAndWait([&](store::Transaction& txn) {
    return txn.ClaimDueRun("old-process", clock_.Now(),
                           clock_.Now() + absl::Hours(1)).status();
  }).ok());
  ExecutorOptions o;
  o.workers = 0;
  auto exec = MakeExecutor(o);
  ASSERT_TRUE(exec->Start().ok());
  EXPECT_TRUE(RunOnce(*exec));  // no need to wait an hour
  EXPECT_EQ(runs::RunStateName(Run(id).state), "done");
  EXPECT_THAT(Events(), ::testing::Contains("action.running"));
}

TEST_F(ExecutorTest, OpenCircuitDefersWithoutSpendingAttempts) {
  ExecutorOptions o;
  o.breaker_failures = 2;
  o.breaker_open_for = absl::Seconds(30);
  auto exec = MakeExecutor(o);
  const int64_t a = AddRun("force_logout", absl::ZeroDuration(), false);
  const int64_t b = AddRun("force_logout", absl::ZeroDuration(), false);
  adapter_.Push(absl::UnavailableError("down"));
  adapter_.Push(absl::UnavailableError("down"));
  EXPECT_TRUE(RunOnce(*exec));  // a fails
  EXPECT_TRUE(RunOnce(*exec));  // b fails: circuit opens
  clock_.Advance(absl::Seconds(10));
  EXPECT_TRUE(RunOnce(*exec));  // a is due again but held back
  EXPECT_EQ(runs::RunStateName(Run(a).state), "queued");
  EXPECT_EQ(Run(a).attempts, 1);
  EXPECT_EQ(Run(a).not_before, kStart + absl::Seconds(30));
  EXPECT_EQ(adapter_.calls().size(), 2u);
  EXPECT_THAT(Events(), ::testing::Contains("action.deferred"));
  clock_.Advance(absl::Minutes(5));
  while (RunOnce(*exec)) {
  }
  EXPECT_EQ(runs::RunStateName(Run(a).state), "done");
  EXPECT_EQ(runs::RunStateName(Run(b).state), "done");
}

TEST_F(ExecutorTest, WorkersPickUpWorkWhenWoken) {
  ExecutorOptions o;
  o.workers = 3;
  o.idle_poll = absl::Seconds(30);
  auto exec = MakeExecutor(o);
  ASSERT_TRUE(exec->Start().ok());
  std::vector<int64_t> ids;
  for (int i = 0; i < 10; ++i) {
    ids.push_back(AddRun("force_logout", absl::ZeroDuration(), false));
  }
  exec->Wake();
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  bool all_done = false;
  while (!all_done && absl::Now() < deadline) {
    all_done = true;
    for (int64_t id : ids) all_done = all_done && runs::RunStateName(Run(id).state) == "done";
    if (!all_done) exec->Wake();
  }
  EXPECT_TRUE(all_done);
  exec->Stop();
  EXPECT_EQ(adapter_.calls().size(), 10u);
}

}  // namespace
}  // namespace riposte::execute

namespace riposte::execute {
namespace {

// An adapter that checkpoints, then "crashes" (its worker dies) before
// finishing: the retry sees the checkpointed memo.
class CheckpointingAdapter : public actions::ActionExecutor {
 public:
  absl::string_view name() const override { return "cp"; }
  absl::StatusOr<actions::ActionResult> Apply(
      const actions::ActionRequest& r) override {
    memos.push_back(r.memo);
    if (r.attempt == 1) {
      EXPECT_TRUE(r.checkpoint("{\"was_enabled\":true}").ok());
      return absl::DeadlineExceededError("connection reset mid-call");
    }
    actions::ActionResult res;
    res.outcome = actions::ActionResult::Outcome::kAlreadyApplied;
    return res;
  }
  absl::StatusOr<actions::ActionResult> Revert(
      const actions::ActionRequest& r) override {
    memos.push_back(r.memo);
    return actions::ActionResult();
  }
  std::vector<std::string> memos;
};

TEST_F(ExecutorTest, CheckpointedMemoSurvivesAnInterruptedAttempt) {
  CheckpointingAdapter adapter;
  OneAdapterRouter router(&adapter);
  ExecutorOptions o;
  o.holder = "cp";
  Executor exec(store_.get(), &router, &clock_, &registry_, o, [] { return 0.5; });
  const int64_t id = AddRun("disable_user", absl::Hours(1), true);
  EXPECT_TRUE(exec.RunOnce().value());
  clock_.Advance(absl::Minutes(1));
  EXPECT_TRUE(exec.RunOnce().value());
  EXPECT_EQ(runs::RunStateName(Run(id).state), "active");
  EXPECT_EQ(Run(id).memo, "{\"was_enabled\":true}");
  ASSERT_EQ(adapter.memos.size(), 2u);
  EXPECT_EQ(adapter.memos[1], "{\"was_enabled\":true}");
}

}  // namespace
}  // namespace riposte::execute
