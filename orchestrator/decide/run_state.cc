#include "orchestrator/decide/run_state.h"

namespace riposte::decide {
namespace {

struct Entry {
  RunState state;
  absl::string_view name;
};

constexpr Entry kNames[] = {
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

}  // namespace riposte::decide
