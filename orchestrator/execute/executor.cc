#include "orchestrator/execute/executor.h"

#include <pthread.h>

#include "absl/strings/str_cat.h"
#include "actions/common/json_value.h"
#include "common/json.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "ocsf/events.h"
#include "runs/lifecycle.h"

namespace riposte::execute {
namespace {

using S = runs::RunState;

template <typename T>
T Must(absl::StatusOr<T> v) {
  if (!v.ok()) {
    log::Error("executor metrics", {{"error", v.status()}});
    std::abort();
  }
  return *v;
}

std::string StatusText(const absl::Status& s) {
  return absl::StrCat(absl::StatusCodeToString(s.code()), ": ", s.message());
}

// The adapter's note in words ("account was disabled before Riposte acted;
// left disabled"), from its details; for an effect Riposte cannot undo, with
// how a person restores it ("restore" in the details), if the adapter says.
std::string NoteOf(const actions::ActionResult& result) {
  absl::StatusOr<actions::common::JsonValue> details =
      actions::common::JsonValue::Parse(result.details);
  if (!details.ok()) return "";
  std::string note = details->GetString("note").value_or("");
  if (!result.reversible) {
    if (std::optional<std::string> restore = details->GetString("restore")) {
      absl::StrAppend(&note, note.empty() ? "" : ". ",
                      "Riposte cannot undo this: ", *restore);
    }
  }
  return note;
}

}  // namespace

Executor::Executor(store::Store* store, AdapterRouter* router, Clock* clock,
                   metrics::Registry* metrics, ExecutorOptions options,
                   std::function<double()> uniform01)
    : store_(store),
      router_(router),
      clock_(clock),
      options_(std::move(options)),
      uniform01_(std::move(uniform01)),
      breaker_(options_.breaker_failures, options_.breaker_open_for) {
  runs_total_ = Must(metrics->AddCounter(
      "riposte_action_runs_total",
      "Action run attempts finished, by action, adapter and resulting state "
      "(active, done, reverted, queued for retry, throttled, failed, deferred).",
      {"action", "adapter", "state"}));
  retries_total_ = Must(metrics->AddCounter(
      "riposte_action_retries_total",
      "Retries scheduled after a retryable failure, by adapter and code.",
      {"adapter", "code"}));
  takeovers_total_ = Must(metrics->AddCounter(
      "riposte_action_lease_takeovers_total",
      "Runs taken over after their worker's lease lapsed.", {}));
  effect_latency_ = Must(metrics->AddHistogram(
      "riposte_action_effect_latency_seconds",
      "Time from the decision to the effect on the target.", {"action"},
      metrics::ExponentialBuckets(0.01, 2, 14)));
  call_latency_ = Must(metrics->AddHistogram(
      "riposte_adapter_call_seconds",
      "Duration of one adapter call (apply or revert), by adapter and "
      "outcome (ok or the status code).",
      {"adapter", "outcome"}, metrics::DefaultLatencyBuckets()));
}

Executor::~Executor() { Stop(); }

absl::Status Executor::Start() {
  if (store_->exclusive()) {
    int64_t released = 0;
    absl::Status status = store_->ExecuteAndWait(
        [&](store::ExecutorTransaction& txn) -> absl::Status {
          RIPOSTE_ASSIGN_OR_RETURN(
              released, txn.ReleaseForeignLeases(options_.holder, clock_->Now()));
          return absl::OkStatus();
        });
    if (absl::IsUnavailable(status)) {
      // E.g. a full disk: riposted still starts; those runs resume when
      // their leases lapse.
      log::Warn("cannot release the leases of a previous process yet",
                {{"error", status}});
    } else if (!status.ok()) {
      return status;
    }
    if (released > 0) {
      log::Info("resuming action runs left by a previous process",
                {{"runs", released}});
    }
  }
  for (int i = 0; i < options_.workers; ++i) {
    workers_.emplace_back([this, i] { WorkerLoop(i); });
  }
  return absl::OkStatus();
}

void Executor::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  for (auto& w : workers_) w.join();
  workers_.clear();
}

void Executor::Wake() {
  absl::MutexLock lock(&mu_);
  ++wakeups_;
}

void Executor::WorkerLoop(int index) {
  pthread_setname_np(pthread_self(), absl::StrCat("exec-", index).c_str());
  while (true) {
    int64_t seen;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      seen = wakeups_;
    }
    absl::StatusOr<bool> worked = Cycle(/*wait=*/false);
    if (!worked.ok()) {
      log::Warn("executor cycle failed", {{"error", worked.status()}});
    }
    if (worked.ok() && *worked) continue;

    // Idle: wait for a wake-up, the next due time, or the poll interval.
    absl::Duration wait = options_.idle_poll;
    auto next = store_->ExecuteAndWait(
        [&](store::ExecutorTransaction& txn) -> absl::Status {
          RIPOSTE_ASSIGN_OR_RETURN(auto t, txn.NextDueTime(clock_->Now()));
          if (t.has_value()) {
            wait = std::max(absl::ZeroDuration(),
                            std::min(wait, *t - clock_->Now()));
          }
          return absl::OkStatus();
        });
    if (!next.ok()) wait = options_.idle_poll;
    absl::MutexLock lock(&mu_);
    auto woken = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || wakeups_ != seen;
    };
    mu_.AwaitWithTimeout(absl::Condition(&woken), wait);
  }
}

absl::Status Executor::Finish(const store::ActionRunRow& run,
                              const store::RunUpdate& update,
                              const std::string& event,
                              const std::string& details, bool wait,
                              std::optional<store::OutboxRow> ocsf) {
  RIPOSTE_RETURN_IF_ERROR(
      runs::CheckTransition(run.state, update.state, runs::Actor::kExecutor));
  audit::AuditEvent ev;
  ev.actor = "system";
  ev.event = event;
  ev.subject = absl::StrCat(run.tenant_id, "/", run.target_key);
  ev.details = details;
  auto work = [update, ev, ocsf = std::move(ocsf)](
                  store::ExecutorTransaction& txn) -> absl::Status {
    RIPOSTE_RETURN_IF_ERROR(txn.UpdateLeasedRun(update));
    if (ocsf.has_value()) RIPOSTE_RETURN_IF_ERROR(txn.AppendOutbox(*ocsf));
    return txn.AppendAudit(ev).status();
  };
  if (wait) return store_->ExecuteAndWait(std::move(work));
  const int64_t run_id = run.id;
  store_->Execute(std::move(work), [run_id](absl::Status s) {
    if (!s.ok()) {
      // The lease lapses and the run is taken over; the adapter call is
      // repeated idempotently.
      log::Warn("could not record an action run's outcome",
                {{"run", run_id}, {"error", s}});
    }
  });
  return absl::OkStatus();
}

absl::StatusOr<bool> Executor::RunOnce() { return Cycle(/*wait=*/true); }

absl::StatusOr<bool> Executor::Cycle(bool wait) {
  const absl::Time now = clock_->Now();
  std::optional<store::ActionRunRow> claimed;
  std::string narrative;
  bool takeover = false;
  RIPOSTE_RETURN_IF_ERROR(store_->ExecuteAndWait(
      [&](store::ExecutorTransaction& txn) -> absl::Status {
        RIPOSTE_ASSIGN_OR_RETURN(
            auto before, txn.ClaimDueRun(options_.holder, now, now + options_.lease));
        claimed = std::move(before);
        if (!claimed.has_value()) return absl::OkStatus();
        RIPOSTE_RETURN_IF_ERROR(runs::CheckTransition(
            claimed->claimed_from, claimed->state, runs::Actor::kExecutor));
        RIPOSTE_ASSIGN_OR_RETURN(std::optional<store::DecisionRow> decision,
                                 txn.GetDecision(claimed->decision_id));
        if (decision.has_value()) narrative = std::move(decision->narrative);
        // Its lease lapsed while it was being worked on: the worker died.
        takeover = claimed->claimed_from == runs::RunState::kRunning ||
                   claimed->claimed_from == runs::RunState::kReverting;
        JsonObjectWriter d;
        d.AddInt("run_id", claimed->id);
        d.Add("action", claimed->action);
        d.AddInt("attempt", claimed->attempts);
        d.AddInt("fence", claimed->fence);
        d.Add("holder", options_.holder);
        if (takeover) d.AddBool("lease_taken_over", true);
        audit::AuditEvent ev;
        ev.actor = "system";
        ev.event = absl::StrCat("action.", runs::RunStateName(claimed->state));
        ev.subject = absl::StrCat(claimed->tenant_id, "/", claimed->target_key);
        ev.details = d.Finish();
        return txn.AppendAudit(ev).status();
      }));
  if (!claimed.has_value()) return false;
  const store::ActionRunRow& run = *claimed;
  if (takeover) (*takeovers_total_->WithLabels({}))->Increment();
  const bool reverting = run.state == S::kReverting;

  v1::Entity target;
  target.ParseFromString(run.target);
  store::RunUpdate up;
  up.id = run.id;
  up.fence = run.fence;

  auto routed = router_->Route(run.tenant_id, run.action, target);
  if (!routed.ok()) {
    up.state = S::kFailed;
    up.now = clock_->Now();
    up.last_error = StatusText(routed.status());
    JsonObjectWriter d;
    d.AddInt("run_id", run.id);
    d.Add("error", up.last_error);
    log::Error("action run failed: no adapter",
               {{"run", run.id}, {"error", routed.status()}});
    (*runs_total_->WithLabels({run.action, "none", "failed"}))->Increment();
    RIPOSTE_RETURN_IF_ERROR(Finish(run, up, "action.failed", d.Finish(), wait));
    return true;
  }
  actions::ActionExecutor* adapter = *routed;
  const std::string adapter_name(adapter->name());
  const std::string breaker_key = absl::StrCat(adapter_name, "/", run.tenant_id);

  if (auto until = breaker_.Check(breaker_key, now)) {
    // Held back, not failed: the attempt is refunded.
    up.state = reverting ? S::kActive : S::kQueued;
    up.not_before = *until;
    up.refund_attempt = true;
    up.now = clock_->Now();
    JsonObjectWriter d;
    d.AddInt("run_id", run.id);
    d.Add("adapter", adapter_name);
    d.AddInt("until_unix", absl::ToUnixSeconds(*until));
    (*runs_total_->WithLabels({run.action, adapter_name, "deferred"}))->Increment();
    RIPOSTE_RETURN_IF_ERROR(Finish(run, up, "action.deferred", d.Finish(), wait));
    return true;
  }

  actions::ActionRequest req;
  req.run_id = run.id;
  req.incident_id = run.incident_id;
  req.tenant_id = run.tenant_id;
  req.action = run.action;
  req.target = target;
  req.target_key = run.target_key;
  req.idempotency_key = run.idempotency_key;
  req.narrative = narrative;
  req.memo = run.memo;
  req.attempt = run.attempts;
  if (run.expires_at.has_value()) req.expires_at = *run.expires_at;
  std::string checkpointed = run.memo;
  req.checkpoint = [this, &run, &checkpointed](const std::string& memo) {
    absl::Status s =
        store_->ExecuteAndWait([&](store::ExecutorTransaction& txn) {
          return txn.CheckpointRunMemo(run.id, run.fence, memo);
        });
    if (s.ok()) checkpointed = memo;
    return s;
  };

  const absl::Time call_start = clock_->Now();
  absl::StatusOr<actions::ActionResult> result =
      reverting ? adapter->Revert(req) : adapter->Apply(req);
  const absl::Time done = clock_->Now();
  (*call_latency_->WithLabels(
       {adapter_name,
        result.ok() ? "ok" : absl::StatusCodeToString(result.status().code())}))
      ->Observe(absl::ToDoubleSeconds(done - call_start));
  up.now = done;

  JsonObjectWriter d;
  d.AddInt("run_id", run.id);
  d.Add("action", run.action);
  d.Add("adapter", adapter_name);
  d.AddInt("attempt", run.attempts);
  if (result.ok()) {
    breaker_.RecordSuccess(breaker_key);
    const std::string outcome(actions::OutcomeName(result->outcome));
    d.Add("outcome", outcome);
    d.AddRaw("result", result->details.empty() ? "{}" : result->details);
    up.memo = result->memo.empty() ? checkpointed : result->memo;
    up.outcome = outcome;
    up.outcome_note = NoteOf(*result);
    if (!up.outcome_note.empty()) d.Add("note", up.outcome_note);
    std::string event;
    if (reverting) {
      up.state = S::kReverted;
      event = "action.reverted";
    } else {
      up.effect_at = done;
      if (run.reversible && !result->reversible) {
        // The adapter cannot undo this effect after all (a gateway
        // remediation): say so instead of promising a release.
        up.reversible = false;
        d.AddBool("reversible", false);
      }
      if (run.reversible && result->reversible) {
        // In effect until it expires, or (no duration) until an operator
        // reverts it.
        up.state = S::kActive;
        if (run.duration > absl::ZeroDuration()) {
          up.expires_at = done + run.duration;
          d.AddInt("expires_unix", absl::ToUnixSeconds(*up.expires_at));
        }
        event = "action.active";
      } else {
        up.state = S::kDone;
        event = "action.done";
      }
      (*effect_latency_->WithLabels({run.action}))
          ->Observe(absl::ToDoubleSeconds(done - run.created_at));
    }
    (*runs_total_->WithLabels(
         {run.action, adapter_name, std::string(runs::RunStateName(up.state))}))
        ->Increment();
    log::Info("action run finished", {{"run", run.id},
                                      {"action", run.action},
                                      {"tenant", run.tenant_id},
                                      {"state", runs::RunStateName(up.state)},
                                      {"outcome", outcome}});
    // The data lake hears of a change Riposte made or found in place as it
    // wanted; not of a revert that found nothing of Riposte's to undo.
    std::optional<store::OutboxRow> effect;
    using Outcome = actions::ActionResult::Outcome;
    if (result->outcome == Outcome::kApplied ||
        result->outcome == Outcome::kAlreadyApplied ||
        result->outcome == Outcome::kReverted) {
      ocsf::EffectFacts facts;
      facts.run = &run;
      facts.undo = reverting;
      facts.at = done;
      facts.adapter = adapter_name;
      facts.outcome = outcome;
      facts.note = up.outcome_note;
      effect = ocsf::ActionEffect(facts).ToRow();
    }
    RIPOSTE_RETURN_IF_ERROR(
        Finish(run, up, event, d.Finish(), wait, std::move(effect)));
    return true;
  }

  const absl::Status& error = result.status();
  up.last_error = StatusText(error);
  d.Add("error", up.last_error);
  const bool retryable = IsRetryable(error.code());
  // Throttling is the service asking to wait, not a failure: it neither
  // uses up an attempt nor trips the breaker; only max_age bounds it.
  const bool throttled = retryable && actions::IsThrottled(error);
  if (retryable && !throttled) breaker_.RecordFailure(breaker_key, done);
  const absl::Time first = run.first_attempt_at.value_or(done);
  const bool aged = done - first >= options_.max_age;
  const bool exhausted =
      aged || (!throttled && run.attempts >= options_.max_attempts);
  if (retryable && !exhausted) {
    std::optional<absl::Duration> retry_after = actions::RetryAfter(error);
    absl::Duration delay;
    if (retry_after.has_value()) {
      delay = *retry_after;
    } else if (throttled) {
      // No attempt is counted, so the backoff grows with the time spent
      // waiting instead.
      delay = ThrottleBackoff(done - first, options_.backoff, uniform01_);
    } else {
      delay = Backoff(run.attempts, options_.backoff, uniform01_);
    }
    up.state = reverting ? S::kReverting : S::kQueued;
    up.not_before = done + delay;
    up.refund_attempt = throttled;
    d.AddInt("retry_in_ms", absl::ToInt64Milliseconds(delay));
    d.AddBool("retry_after_from_server", retry_after.has_value());
    if (throttled) d.AddBool("throttled", true);
    (*retries_total_->WithLabels(
         {adapter_name, absl::StatusCodeToString(error.code())}))
        ->Increment();
    (*runs_total_->WithLabels(
         {run.action, adapter_name, throttled ? "throttled" : "retry"}))
        ->Increment();
    log::Warn("action run will be retried",
              {{"run", run.id},
               {"action", run.action},
               {"attempt", run.attempts},
               {"retry_in_ms", absl::ToInt64Milliseconds(delay)},
               {"error", error}});
    RIPOSTE_RETURN_IF_ERROR(Finish(run, up, "action.retry_scheduled", d.Finish(), wait));
    return true;
  }
  up.state = S::kFailed;
  d.AddBool("gave_up_after_retries", retryable);
  (*runs_total_->WithLabels({run.action, adapter_name, "failed"}))->Increment();
  log::Error(reverting ? "action revert failed; the effect stays in place"
                       : "action run failed",
             {{"run", run.id},
              {"action", run.action},
              {"tenant", run.tenant_id},
              {"attempts", run.attempts},
              {"error", error}});
  RIPOSTE_RETURN_IF_ERROR(Finish(run, up, "action.failed", d.Finish(), wait));
  return true;
}

}  // namespace riposte::execute
