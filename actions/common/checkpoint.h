#ifndef RIPOSTE_ACTIONS_COMMON_CHECKPOINT_H_
#define RIPOSTE_ACTIONS_COMMON_CHECKPOINT_H_

// Adapters call Checkpoint right before they change a target, with the
// memo a retry would need if the process died mid-change (what the target
// looked like before), and after each step of a multi-step action, so that
// a retry resumes from the last step that completed. A Revert may
// checkpoint its own progress too, but only by adding to the Apply's memo:
// what the Apply recorded (the target's state before Riposte acted) must
// survive into every later memo.

#include <string>

#include "absl/status/status.h"
#include "actions/action_executor.h"

namespace riposte::actions::common {

// Stores `memo` through request.checkpoint, if set. A non-OK result
// (FailedPrecondition when the run's lease was lost) means: do not act.
inline absl::Status Checkpoint(const ActionRequest& request,
                               const std::string& memo) {
  if (!request.checkpoint) return absl::OkStatus();
  return request.checkpoint(memo);
}

}  // namespace riposte::actions::common

#endif  // RIPOSTE_ACTIONS_COMMON_CHECKPOINT_H_
