#ifndef RIPOSTE_ORCHESTRATOR_DECIDE_DECISION_WRITER_H_
#define RIPOSTE_ORCHESTRATOR_DECIDE_DECISION_WRITER_H_

#include <optional>
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
  // What the incident held before this breach (DecideInput).
  int64_t prior_breaches = 0;
  std::optional<absl::Time> last_observed;
  std::optional<Corroborated> corroborates;
  // For audit records: "<tenant>/<subject key>".
  std::string audit_subject;
  // See DecideInput::can_undo.
  UndoCheck can_undo;
};

// Gathers the decision's inputs from the store (the incident's steps on
// the breach's targets, open runs on them, budget use, the pause), decides,
// and writes the decision, its action runs, the incident's updated steps
// and their audit records inside `txn`, so they become durable with the
// breach. Reads a bounded amount whatever the incident's size. Returns the
// wire form. Errors come from the store.
absl::StatusOr<v1::Decision> DecideAndRecord(store::IntakeTransaction& txn,
                                             const policies::Policy& policy,
                                             const BreachContext& ctx);

}  // namespace riposte::decide

#endif  // RIPOSTE_ORCHESTRATOR_DECIDE_DECISION_WRITER_H_
