#ifndef RIPOSTE_RUNS_LIFECYCLE_H_
#define RIPOSTE_RUNS_LIFECYCLE_H_

// The lifecycle of one action run (DESIGN.md, "Action run lifecycle"), and
// its only owner: the states, the transitions allowed between them, and who
// may make each. The decider, the executor, operators and the approval
// sweeper all ask CheckTransition before they change a run; the store only
// persists the states' names.
//
//   decided:  proposed | awaiting_approval | observed | suppressed
//   awaiting_approval -> approved | rejected | approval_expired
//   proposed (autonomous), queued, approved -> running
//   running -> active (until expiry) | done | failed | queued (retry)
//   active -> reverting -> reverted | failed | active (held back)
//   failed -> queued | active (an operator retries)
//
// observed, suppressed, rejected, approval_expired, done and reverted are
// final. Thread-safe (constant data).

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace riposte::runs {

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

// Who changes runs.
enum class Actor {
  kDecider,   // the intake's decision creates runs
  kExecutor,  // workers carry them out and undo them
  kOperator,  // approve, reject, extend, revert, retry
  kSweeper,   // approval deadlines passing
};

// "proposed", "awaiting_approval", ... as stored and shown.
absl::string_view RunStateName(RunState state);
std::optional<RunState> ParseRunState(absl::string_view name);
absl::string_view ActorName(Actor actor);
// "proposed, awaiting_approval, ...": for "allowed: ..." messages.
std::string AllStateNames();

// In effect on the target, or on its way to be: proposed, awaiting_approval,
// approved, queued, running, active. Such a run blocks another run of the
// same or a weaker action on the same target. (A reverting run is on its way
// out, so it blocks nothing.)
bool IsOpen(RunState state);
// The open states, for queries.
std::vector<RunState> OpenStates();

// No transition leaves it.
bool IsFinal(RunState state);

// What a run becomes when a worker leases it: reverting for an active run
// whose expiry passed (or a reverting one taken over), running otherwise.
RunState ClaimedState(RunState from);

// OK if `actor` may move a run from `from` (nullopt: a run being created)
// to `to`; otherwise FailedPrecondition naming both states and the actor.
absl::Status CheckTransition(std::optional<RunState> from, RunState to,
                             Actor actor);

}  // namespace riposte::runs

#endif  // RIPOSTE_RUNS_LIFECYCLE_H_
