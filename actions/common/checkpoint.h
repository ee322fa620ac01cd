#ifndef RIPOSTE_ACTIONS_COMMON_CHECKPOINT_H_
#define RIPOSTE_ACTIONS_COMMON_CHECKPOINT_H_

// Adapters call Checkpoint right before they change a target, with the
// memo a retry would need if the process died mid-change (what the target
// looked like before). Only Apply checkpoints: during Revert the stored
// memo is the Apply's and must stay.

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
