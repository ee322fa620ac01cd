#ifndef RIPOSTE_ORCHESTRATOR_DECIDE_RUN_STATE_H_
#define RIPOSTE_ORCHESTRATOR_DECIDE_RUN_STATE_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace riposte::decide {

// The lifecycle of one action run (DESIGN.md, "Action run lifecycle"):
//   proposed -> awaiting_approval -> (approved | rejected | approval_expired)
//   -> queued -> running -> (active until expiry | done | failed)
//   active -> reverting -> reverted
// observed and suppressed are terminal records of actions that were decided
// but deliberately not run.
enum class RunState {
  kProposed,
  kAwaitingApproval,
  kApproved,
  kRejected,
  kApprovalExpired,
  kQueued,
  kRunning,
  kActive,
  kDone,
  kFailed,
  kReverting,
  kReverted,
  kObserved,
  kSuppressed,
};

// "proposed", "awaiting_approval", ... as stored and shown.
absl::string_view RunStateName(RunState state);
std::optional<RunState> ParseRunState(absl::string_view name);

// In effect on the target, or on its way to be: proposed, awaiting_approval,
// approved, queued, running, active. Such a run blocks another run of the
// same or a weaker action on the same target. (A reverting run is on its way
// out, so it blocks nothing.)
bool IsOpen(RunState state);

}  // namespace riposte::decide

#endif  // RIPOSTE_ORCHESTRATOR_DECIDE_RUN_STATE_H_
