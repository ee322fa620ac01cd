#include "runs/lifecycle.h"

#include "absl/strings/str_cat.h"

namespace riposte::runs {
namespace {

struct Name {
  RunState state;
  absl::string_view name;
};

constexpr Name kNames[] = {
    {RunState::kProposed, "proposed"},
    {RunState::kAwaitingApproval, "awaiting_approval"},
    {RunState::kApproved, "approved"},
    {RunState::kRejected, "rejected"},
    {RunState::kApprovalExpired, "approval_expired"},
    {RunState::kQueued, "queued"},
    {RunState::kRunning, "running"},
    {RunState::kActive, "active"},
    {RunState::kDone, "done"},
    {RunState::kFailed, "failed"},
    {RunState::kReverting, "reverting"},
    {RunState::kReverted, "reverted"},
    {RunState::kObserved, "observed"},
    {RunState::kSuppressed, "suppressed"},
};

using S = RunState;
using A = Actor;

struct Transition {
  std::optional<RunState> from;  // nullopt: the run is being created
  RunState to;
  Actor by;
};

// Every allowed transition. Anything else is refused.
constexpr Transition kTransitions[] = {
    // Decided.
    {std::nullopt, S::kProposed, A::kDecider},
    {std::nullopt, S::kAwaitingApproval, A::kDecider},
    {std::nullopt, S::kObserved, A::kDecider},
    {std::nullopt, S::kSuppressed, A::kDecider},
    // Approvals: a first of two approvals keeps it awaiting.
    {S::kAwaitingApproval, S::kAwaitingApproval, A::kOperator},
    {S::kAwaitingApproval, S::kApproved, A::kOperator},
    {S::kAwaitingApproval, S::kRejected, A::kOperator},
    // A deadline passes: the policy's choice, or one more window.
    {S::kAwaitingApproval, S::kApproved, A::kSweeper},
    {S::kAwaitingApproval, S::kApprovalExpired, A::kSweeper},
    {S::kAwaitingApproval, S::kAwaitingApproval, A::kSweeper},
    // Leased by a worker (a running one whose worker died, again).
    {S::kProposed, S::kRunning, A::kExecutor},
    {S::kQueued, S::kRunning, A::kExecutor},
    {S::kApproved, S::kRunning, A::kExecutor},
    {S::kRunning, S::kRunning, A::kExecutor},
    // Carried out, retried later, held back, or given up.
    {S::kRunning, S::kActive, A::kExecutor},
    {S::kRunning, S::kDone, A::kExecutor},
    {S::kRunning, S::kQueued, A::kExecutor},
    {S::kRunning, S::kFailed, A::kExecutor},
    // Expired and undone, retried, held back, or given up (the effect
    // stays).
    {S::kActive, S::kReverting, A::kExecutor},
    {S::kReverting, S::kReverting, A::kExecutor},
    {S::kReverting, S::kReverted, A::kExecutor},
    {S::kReverting, S::kActive, A::kExecutor},
    {S::kReverting, S::kFailed, A::kExecutor},
    // Operators move the expiry of an active run (revert = expire now),
    // or retry a failed one: undo again if its effect is in place.
    {S::kActive, S::kActive, A::kOperator},
    {S::kFailed, S::kQueued, A::kOperator},
    {S::kFailed, S::kActive, A::kOperator},
};

}  // namespace

absl::string_view RunStateName(RunState state) {
  for (const auto& e : kNames) {
    if (e.state == state) return e.name;
  }
  return "unknown";
}

std::optional<RunState> ParseRunState(absl::string_view name) {
  for (const auto& e : kNames) {
    if (e.name == name) return e.state;
  }
  return std::nullopt;
}

std::string AllStateNames() {
  std::string out;
  for (const auto& e : kNames) absl::StrAppend(&out, out.empty() ? "" : ", ", e.name);
  return out;
}

absl::string_view ActorName(Actor actor) {
  switch (actor) {
    case Actor::kDecider:
      return "the decision";
    case Actor::kExecutor:
      return "the executor";
    case Actor::kOperator:
      return "an operator";
    case Actor::kSweeper:
      return "the approval deadline";
  }
  return "unknown";
}

bool IsOpen(RunState state) {
  switch (state) {
    case RunState::kProposed:
    case RunState::kAwaitingApproval:
    case RunState::kApproved:
    case RunState::kQueued:
    case RunState::kRunning:
    case RunState::kActive:
      return true;
    default:
      return false;
  }
}

std::vector<RunState> OpenStates() {
  std::vector<RunState> out;
  for (const auto& e : kNames) {
    if (IsOpen(e.state)) out.push_back(e.state);
  }
  return out;
}

bool IsFinal(RunState state) {
  for (const Transition& t : kTransitions) {
    if (t.from == state) return false;
  }
  return true;
}

RunState ClaimedState(RunState from) {
  return from == RunState::kActive || from == RunState::kReverting
             ? RunState::kReverting
             : RunState::kRunning;
}

absl::Status CheckTransition(std::optional<RunState> from, RunState to,
                             Actor actor) {
  for (const Transition& t : kTransitions) {
    if (t.from == from && t.to == to && t.by == actor) return absl::OkStatus();
  }
  if (!from.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        ActorName(actor), " cannot create a run in state ", RunStateName(to)));
  }
  return absl::FailedPreconditionError(
      absl::StrCat(ActorName(actor), " cannot move a run from ",
                   RunStateName(*from), " to ", RunStateName(to)));
}

}  // namespace riposte::runs
