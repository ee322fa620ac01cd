#ifndef RIPOSTE_ORCHESTRATOR_DECIDE_DECISION_WRITER_H_
#define RIPOSTE_ORCHESTRATOR_DECIDE_DECISION_WRITER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "orchestrator/decide/decide.h"
#include "policies/policy.h"
#include "riposte/v1/decision.pb.h"
#include "store/store.h"

namespace riposte::decide {

// Where the global pause (kill switch) is kept among the store's settings.
inline constexpr char kPausedSetting[] = "autonomy.paused";

// What the intake knows about a breach when it asks for a decision.
struct BreachContext {
  const v1::Breach* breach = nullptr;
  int64_t breach_row_id = 0;  // the id the breach will be stored under
  int64_t incident_id = 0;
  absl::Time observed;
  absl::Time now;
  // For audit records: "<tenant>/<subject key>".
  std::string audit_subject;
  // See DecideInput::can_undo.
  UndoCheck can_undo;
};

// Gathers the decision's inputs from the store (the incident's earlier
// breaches and runs, open runs on the targets, budget use, the pause),
// decides, and writes the decision, its action runs and their audit records
// inside `txn`, so they become durable with the breach. Returns the wire
// form. Errors come from the store.
absl::StatusOr<v1::Decision> DecideAndRecord(store::Transaction& txn,
                                             const policies::Policy& policy,
                                             const BreachContext& ctx);

}  // namespace riposte::decide

#endif  // RIPOSTE_ORCHESTRATOR_DECIDE_DECISION_WRITER_H_
