#include "orchestrator/operator/run_commands.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "actions/common/json_value.h"
#include "common/json.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "ocsf/events.h"
#include "common/text_rules.h"
#include "orchestrator/decide/decision_writer.h"
#include "runs/lifecycle.h"

namespace riposte::operator_api {
namespace {

using S = runs::RunState;

constexpr char kPausedBy[] = "autonomy.paused_by";
constexpr char kPausedSince[] = "autonomy.paused_since_us";
constexpr char kPausedReason[] = "autonomy.paused_reason";

std::vector<std::string> Approvers(const std::string& json) {
  std::vector<std::string> out;
  auto v = actions::common::JsonValue::Parse(json.empty() ? "[]" : json);
  if (!v.ok() || !v->is_array()) return out;
  for (const auto& e : v->elements()) {
    if (e.is_string()) out.push_back(e.string_value());
  }
  return out;
}

std::string ApproversJson(const std::vector<std::string>& approvers) {
  JsonArrayWriter w;
  for (const auto& a : approvers) w.Add(a);
  return w.Finish();
}


absl::Status WrongState(const store::ActionRunRow& run, absl::string_view want) {
  return absl::FailedPreconditionError(absl::StrCat(
      "run ", run.id, " is ", runs::RunStateName(run.state), ", not ", want));
}

// Applies `u` to `run` if the lifecycle lets `actor` make that transition.
absl::Status Update(store::OperatorTransaction& txn,
                    const store::ActionRunRow& run,
                    const store::OperatorRunUpdate& u, runs::Actor actor) {
  absl::Status allowed = runs::CheckTransition(run.state, u.state, actor);
  if (!allowed.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("run ", run.id, ": ", allowed.message()));
  }
  return txn.UpdateRunForOperator(u);
}

store::OperatorRunUpdate From(const store::ActionRunRow& run, absl::Time now) {
  store::OperatorRunUpdate u;
  u.id = run.id;
  u.expected_state = run.state;
  u.state = run.state;
  u.expires_at = run.expires_at;
  u.approval_deadline = run.approval_deadline;
  u.approvers = run.approvers;
  u.escalated = run.escalated;
  u.not_before = run.not_before;
  u.now = now;
  return u;
}

void Apply(const store::OperatorRunUpdate& u, store::ActionRunRow& run) {
  run.state = u.state;
  run.expires_at = u.expires_at;
  run.approval_deadline = u.approval_deadline;
  run.approvers = u.approvers;
  run.escalated = u.escalated;
  run.not_before = u.not_before;
  if (u.reset_attempts) run.attempts = 0;
  run.updated_at = u.now;
}

}  // namespace

absl::Status CheckReason(absl::string_view reason) {
  if (absl::StripAsciiWhitespace(reason).empty()) {
    return absl::InvalidArgumentError(
        "reason: required; say why, it goes into the audit trail");
  }
  if (reason.size() > 2000) {
    return absl::InvalidArgumentError("reason: at most 2000 bytes");
  }
  return CheckText("reason", reason, TextClass::kOperatorText);
}

absl::StatusOr<store::ActionRunRow> RunCommands::Command(
    int64_t run_id, const std::string& identity, const std::string& reason,
    const Mutation& mutate) {
  RIPOSTE_RETURN_IF_ERROR(CheckReason(reason));
  store::ActionRunRow result;
  absl::Status s = store_->ExecuteAndWait(
      [&](store::OperatorTransaction& txn) -> absl::Status {
        RIPOSTE_ASSIGN_OR_RETURN(auto run, txn.GetRun(run_id));
        if (!run.has_value()) {
          return absl::NotFoundError(absl::StrCat("run ", run_id, " does not exist"));
        }
        std::string event;
        std::string details;
        RIPOSTE_RETURN_IF_ERROR(mutate(txn, *run, event, details));
        audit::AuditEvent ev;
        ev.actor = absl::StrCat("operator:", identity);
        ev.event = event;
        ev.subject = absl::StrCat(run->tenant_id, "/", run->target_key);
        JsonObjectWriter d;
        d.AddInt("run_id", run->id);
        d.Add("action", run->action);
        d.Add("state", runs::RunStateName(run->state));
        d.Add("reason", reason);
        if (!details.empty()) d.AddRaw("change", details);
        ev.details = d.Finish();
        RIPOSTE_ASSIGN_OR_RETURN(audit::AuditRecord recorded,
                                 txn.AppendAudit(ev));
        // The command for the data lake, in the same unit; its audit seq
        // tells two commands of one kind on one run apart.
        ocsf::OperatorFacts facts;
        facts.run = &*run;
        facts.command = std::string(absl::StripPrefix(event, "action."));
        facts.identity = identity;
        facts.reason = reason;
        facts.at = recorded.time;
        facts.occurrence = absl::StrCat(recorded.seq);
        RIPOSTE_RETURN_IF_ERROR(
            txn.AppendOutbox(ocsf::OperatorCommand(facts).ToRow()));
        result = *run;
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  if (wake_) wake_();
  log::Info("operator command", {{"run", run_id},
                                 {"identity", identity},
                                 {"state", runs::RunStateName(result.state)}});
  return result;
}

absl::StatusOr<store::ActionRunRow> RunCommands::Approve(
    int64_t run_id, const std::string& identity, const std::string& reason) {
  const absl::Time now = clock_->Now();
  auto policy = policies_ != nullptr ? policies_->Get() : nullptr;
  return Command(run_id, identity, reason,
                 [&](store::OperatorTransaction& txn, store::ActionRunRow& run,
                     std::string& event, std::string& details) -> absl::Status {
    if (run.state != S::kAwaitingApproval) return WrongState(run, "awaiting approval");
    if (run.approval_deadline.has_value() && *run.approval_deadline <= now) {
      return absl::FailedPreconditionError(absl::StrCat(
          "run ", run.id, ": the approval deadline passed; the policy's choice (",
          run.on_approval_expiry, ") applies"));
    }
    // Is the target already contained by another open run?
    RIPOSTE_ASSIGN_OR_RETURN(
        auto open, txn.ListRunsOnTargets(
                       run.tenant_id, {run.target_key},
                       {S::kApproved, S::kQueued, S::kRunning, S::kActive}));
    for (const auto& other : open) {
      if (other.id == run.id) continue;
      bool covers = other.action == run.action;
      if (policy != nullptr) {
        const auto* mine = policy->FindAction(run.action);
        const auto* theirs = policy->FindAction(other.action);
        if (mine != nullptr && theirs != nullptr) {
          covers = std::includes(theirs->contains.begin(), theirs->contains.end(),
                                 mine->contains.begin(), mine->contains.end());
        }
      }
      if (covers) {
        return absl::FailedPreconditionError(absl::StrCat(
            "run ", run.id, ": the target is already contained by run ",
            other.id, " (", other.action, ", ", runs::RunStateName(other.state), ")"));
      }
    }
    std::vector<std::string> approvers = Approvers(run.approvers);
    if (std::find(approvers.begin(), approvers.end(), identity) != approvers.end()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "run ", run.id, ": ", identity,
          " approved already; a second, different operator must approve"));
    }
    approvers.push_back(identity);
    store::OperatorRunUpdate u = From(run, now);
    u.approvers = ApproversJson(approvers);
    if (run.two_person && approvers.size() < 2) {
      event = "action.approval_recorded";
      details = JsonObjectWriter().Add("needs", "a second operator").Finish();
    } else {
      u.state = S::kApproved;
      u.approval_deadline.reset();
      u.not_before = now;
      event = "action.approved";
      details = JsonObjectWriter().AddRaw("approvers", u.approvers).Finish();
    }
    RIPOSTE_RETURN_IF_ERROR(Update(txn, run, u, runs::Actor::kOperator));
    Apply(u, run);
    return absl::OkStatus();
  });
}

absl::StatusOr<store::ActionRunRow> RunCommands::Reject(
    int64_t run_id, const std::string& identity, const std::string& reason) {
  const absl::Time now = clock_->Now();
  return Command(run_id, identity, reason,
                 [&](store::OperatorTransaction& txn, store::ActionRunRow& run,
                     std::string& event, std::string&) -> absl::Status {
    if (run.state != S::kAwaitingApproval) return WrongState(run, "awaiting approval");
    store::OperatorRunUpdate u = From(run, now);
    u.state = S::kRejected;
    u.approval_deadline.reset();
    event = "action.rejected";
    RIPOSTE_RETURN_IF_ERROR(Update(txn, run, u, runs::Actor::kOperator));
    Apply(u, run);
    return absl::OkStatus();
  });
}

absl::StatusOr<store::ActionRunRow> RunCommands::Extend(
    int64_t run_id, const std::string& identity, const std::string& reason,
    const ExpiryChange& change) {
  const absl::Time now = clock_->Now();
  return Command(run_id, identity, reason,
                 [&](store::OperatorTransaction& txn, store::ActionRunRow& run,
                     std::string& event, std::string& details) -> absl::Status {
    if (run.state != S::kActive) return WrongState(run, "active");
    if (!run.reversible) {
      return absl::FailedPreconditionError(absl::StrCat(
          "run ", run.id, ": ", run.action, " is not reversible; it has no expiry"));
    }
    store::OperatorRunUpdate u = From(run, now);
    JsonObjectWriter d;
    d.AddInt("old_expires_unix",
             run.expires_at.has_value() ? absl::ToUnixSeconds(*run.expires_at) : 0);
    switch (change.kind) {
      case ExpiryChange::Kind::kPermanent:
        u.expires_at.reset();
        event = "action.made_permanent";
        break;
      case ExpiryChange::Kind::kSetTo:
        u.expires_at = change.to;
        event = "action.expiry_changed";
        break;
      case ExpiryChange::Kind::kExtendBy:
        if (!run.expires_at.has_value()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "run ", run.id, " has no expiry (permanent); set one with an "
              "absolute time instead"));
        }
        u.expires_at = *run.expires_at + change.by;
        event = "action.expiry_changed";
        break;
    }
    d.AddInt("new_expires_unix",
             u.expires_at.has_value() ? absl::ToUnixSeconds(*u.expires_at) : 0);
    details = d.Finish();
    RIPOSTE_RETURN_IF_ERROR(Update(txn, run, u, runs::Actor::kOperator));
    Apply(u, run);
    return absl::OkStatus();
  });
}

absl::StatusOr<store::ActionRunRow> RunCommands::Revert(
    int64_t run_id, const std::string& identity, const std::string& reason) {
  const absl::Time now = clock_->Now();
  return Command(run_id, identity, reason,
                 [&](store::OperatorTransaction& txn, store::ActionRunRow& run,
                     std::string& event, std::string&) -> absl::Status {
    if (run.state != S::kActive) return WrongState(run, "active");
    if (!run.reversible) {
      return absl::FailedPreconditionError(absl::StrCat(
          "run ", run.id, ": ", run.action, " cannot be undone"));
    }
    // Expiring it now hands the undo to the executor, through the adapter.
    store::OperatorRunUpdate u = From(run, now);
    u.expires_at = now;
    u.not_before = now;
    event = "action.revert_requested";
    RIPOSTE_RETURN_IF_ERROR(Update(txn, run, u, runs::Actor::kOperator));
    Apply(u, run);
    return absl::OkStatus();
  });
}

absl::StatusOr<store::ActionRunRow> RunCommands::Retry(
    int64_t run_id, const std::string& identity, const std::string& reason) {
  const absl::Time now = clock_->Now();
  return Command(run_id, identity, reason,
                 [&](store::OperatorTransaction& txn, store::ActionRunRow& run,
                     std::string& event, std::string&) -> absl::Status {
    if (run.state != S::kFailed) return WrongState(run, "failed");
    store::OperatorRunUpdate u = From(run, now);
    u.reset_attempts = true;
    u.not_before = now;
    if (run.effect_at.has_value() && run.reversible) {
      // The effect is in place and undoing it failed: undo again.
      u.state = S::kActive;
      u.expires_at = now;
    } else {
      u.state = S::kQueued;
      u.expires_at.reset();
    }
    event = "action.retry_requested";
    RIPOSTE_RETURN_IF_ERROR(Update(txn, run, u, runs::Actor::kOperator));
    Apply(u, run);
    return absl::OkStatus();
  });
}

absl::StatusOr<int> RunCommands::SweepApprovals() {
  const absl::Time now = clock_->Now();
  int changed = 0;
  RIPOSTE_RETURN_IF_ERROR(store_->ExecuteAndWait(
      [&](store::OperatorTransaction& txn) -> absl::Status {
        changed = 0;
        RIPOSTE_ASSIGN_OR_RETURN(auto expired, txn.ListExpiredApprovals(now));
        for (const auto& run : expired) {
          store::OperatorRunUpdate u = From(run, now);
          std::string event;
          if (run.on_approval_expiry == "approve") {
            u.state = S::kApproved;
            u.approval_deadline.reset();
            u.not_before = now;
            event = "action.approved";
          } else if (run.on_approval_expiry == "escalate" && !run.escalated) {
            // One more window, for a second approver.
            const absl::Duration window =
                *run.approval_deadline - run.created_at;
            u.escalated = true;
            u.approval_deadline = now + std::max(window, absl::Minutes(1));
            event = "action.approval_escalated";
          } else {
            u.state = S::kApprovalExpired;
            u.approval_deadline.reset();
            event = "action.approval_expired";
          }
          RIPOSTE_RETURN_IF_ERROR(Update(txn, run, u, runs::Actor::kSweeper));
          JsonObjectWriter d;
          d.AddInt("run_id", run.id);
          d.Add("action", run.action);
          d.Add("on_approval_expiry", run.on_approval_expiry);
          d.Add("state", runs::RunStateName(u.state));
          audit::AuditEvent ev;
          ev.actor = "system";
          ev.event = event;
          ev.subject = absl::StrCat(run.tenant_id, "/", run.target_key);
          ev.details = d.Finish();
          RIPOSTE_RETURN_IF_ERROR(txn.AppendAudit(ev).status());
          ++changed;
        }
        return absl::OkStatus();
      }));
  if (changed > 0 && wake_) wake_();
  return changed;
}

absl::StatusOr<PauseState> RunCommands::SetPaused(bool paused,
                                                  const std::string& identity,
                                                  const std::string& reason) {
  RIPOSTE_RETURN_IF_ERROR(CheckReason(reason));
  const absl::Time now = clock_->Now();
  RIPOSTE_RETURN_IF_ERROR(store_->ExecuteAndWait(
      [&](store::OperatorTransaction& txn) -> absl::Status {
        RIPOSTE_RETURN_IF_ERROR(
            txn.PutSetting(decide::kPausedSetting, paused ? "true" : "false"));
        RIPOSTE_RETURN_IF_ERROR(txn.PutSetting(kPausedBy, identity));
        RIPOSTE_RETURN_IF_ERROR(
            txn.PutSetting(kPausedSince, absl::StrCat(absl::ToUnixMicros(now))));
        RIPOSTE_RETURN_IF_ERROR(txn.PutSetting(kPausedReason, reason));
        audit::AuditEvent ev;
        ev.actor = absl::StrCat("operator:", identity);
        ev.event = paused ? "autonomy.paused" : "autonomy.resumed";
        ev.details = JsonObjectWriter().Add("reason", reason).Finish();
        return txn.AppendAudit(ev).status();
      }));
  if (paused) {
    log::Warn("autonomy paused: every action now waits for an operator",
              {{"by", identity}});
  } else {
    log::Info("autonomy resumed", {{"by", identity}});
  }
  return GetPause();
}

absl::StatusOr<PauseState> RunCommands::GetPause() {
  PauseState p;
  RIPOSTE_ASSIGN_OR_RETURN(auto paused, store_->ReadSetting(decide::kPausedSetting));
  p.paused = paused.has_value() && *paused == "true";
  RIPOSTE_ASSIGN_OR_RETURN(auto by, store_->ReadSetting(kPausedBy));
  RIPOSTE_ASSIGN_OR_RETURN(auto since, store_->ReadSetting(kPausedSince));
  RIPOSTE_ASSIGN_OR_RETURN(auto reason, store_->ReadSetting(kPausedReason));
  p.by = by.value_or("");
  p.reason = reason.value_or("");
  int64_t us = 0;
  if (since.has_value() && absl::SimpleAtoi(*since, &us)) {
    p.since = absl::FromUnixMicros(us);
  }
  return p;
}

}  // namespace riposte::operator_api
