#ifndef RIPOSTE_ORCHESTRATOR_DECIDE_SIMULATOR_H_
#define RIPOSTE_ORCHESTRATOR_DECIDE_SIMULATOR_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "orchestrator/decide/decide.h"
#include "policies/policy.h"
#include "riposte/v1/operator.pb.h"

namespace riposte::decide {

// Replays breaches through Decide in memory, storing nothing: it correlates
// them into incidents the way the intake does and remembers the action runs
// it decided, assuming that autonomous actions run at once and succeed,
// that reversible ones are undone when they expire, and that approval
// requests get no answer (their deadline then applies). So a sequence shows
// escalation, decay, deduplication and budgets as they would happen live.
//
// Not thread-safe; one simulation per object.
class Simulator {
 public:
  Simulator(std::shared_ptr<const policies::Policy> policy,
            absl::Duration correlation_window, bool paused,
            UndoCheck can_undo = nullptr);

  // Decides for the next breach, observed at `observed` (also the decision
  // time). Breaches must come in time order.
  v1::SimulatedDecision Add(const v1::Breach& breach, absl::Time observed);

 private:
  struct SimIncident {
    int64_t id = 0;
    std::string tenant;
    std::string key;
    absl::Time first_seen;
    absl::Time last_seen;
    std::vector<PriorBreach> breaches;
  };
  struct SimRun {
    PriorRun run;
    std::string tenant;
    bool autonomous = false;
    absl::Time expires = absl::InfiniteFuture();
    absl::Time approval_deadline = absl::InfiniteFuture();
    policies::OnApprovalExpiry on_expiry = policies::OnApprovalExpiry::kReject;
    absl::Duration duration = absl::ZeroDuration();
    bool reversible = false;
  };

  // Moves time to `now`: expiries revert, approval deadlines pass.
  void AdvanceTo(absl::Time now);
  // What an approved or autonomous run turns into once carried out.
  void Execute(SimRun& run, absl::Time at);

  std::shared_ptr<const policies::Policy> policy_;
  absl::Duration window_;
  bool paused_;
  UndoCheck can_undo_;
  std::vector<SimIncident> incidents_;
  std::vector<SimRun> runs_;
  int64_t next_decision_ = 1;
};

// Decides a whole SimulateRequest with `policy`. Breaches without an
// observed time follow the previous one by a minute (the first defaults to
// `start`).
v1::SimulateResponse Simulate(const v1::SimulateRequest& request,
                              std::shared_ptr<const policies::Policy> policy,
                              absl::Duration correlation_window,
                              absl::Time start, UndoCheck can_undo = nullptr);

// Human-readable rendering of a simulation, one block per breach; stable,
// so golden files can compare it.
std::string FormatSimulation(const v1::SimulateResponse& response);

}  // namespace riposte::decide

#endif  // RIPOSTE_ORCHESTRATOR_DECIDE_SIMULATOR_H_
