#ifndef RIPOSTE_ORCHESTRATOR_DECIDE_SIMULATOR_H_
#define RIPOSTE_ORCHESTRATOR_DECIDE_SIMULATOR_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "orchestrator/decide/breach_unit.h"
#include "orchestrator/decide/decide.h"
#include "policies/policy.h"
#include "riposte/v1/operator.pb.h"
#include "store/memory/memory_intake_store.h"

namespace riposte::decide {

// Replays breaches through the intake's own breach unit (RecordBreach:
// idempotency, correlation, repeated reports, decide, gates) over an
// in-memory store, storing nothing. It then plays the executor: autonomous
// actions take effect at once (when their breach was received) and
// succeed, reversible ones are undone when they expire, and approval
// requests get no answer (their deadline then applies). So a sequence shows
// escalation, decay, deduplication and budgets as they would happen live,
// decided by the very code that decides live.
//
// Not thread-safe; one simulation per object.
class Simulator {
 public:
  Simulator(std::shared_ptr<const policies::Policy> policy,
            absl::Duration correlation_window, bool paused,
            UndoCheck can_undo = nullptr);

  // Decides for the next breach as the intake would if it arrived at
  // `received` (the decision time). Breaches come in arrival order; their
  // observed times may be in any order (late reports).
  v1::SimulatedDecision Add(const v1::Breach& breach, absl::Time received);

 private:
  // Moves time to `now`: approval deadlines pass, expiries revert.
  void AdvanceTo(absl::Time now);
  // An approved or autonomous run, carried out at `at`.
  static void Execute(store::ActionRunRow& run, absl::Time at);

  std::shared_ptr<const policies::Policy> policy_;
  decide::BreachUnitOptions options_;
  store::MemoryIntakeStore store_;
};

// Decides a whole SimulateRequest with `policy`. Each breach arrives at
// its received_times entry, else at its observed time; a breach without
// either follows the previous one by a minute (the first arrives at
// `start`), and one without an observed time was observed on arrival, as
// in Submit.
v1::SimulateResponse Simulate(const v1::SimulateRequest& request,
                              std::shared_ptr<const policies::Policy> policy,
                              absl::Duration correlation_window,
                              absl::Time start, UndoCheck can_undo = nullptr);

// Human-readable rendering of a simulation, one block per breach; stable,
// so golden files can compare it.
std::string FormatSimulation(const v1::SimulateResponse& response);

}  // namespace riposte::decide

#endif  // RIPOSTE_ORCHESTRATOR_DECIDE_SIMULATOR_H_
