#ifndef RIPOSTE_ORCHESTRATOR_DECIDE_BREACH_UNIT_H_
#define RIPOSTE_ORCHESTRATOR_DECIDE_BREACH_UNIT_H_

// The one unit of work every accepted breach goes through: idempotency,
// correlation into an incident, recognising a repeated report, deciding and
// gating under a policy snapshot, and recording all of it with its audit
// trail. The intake runs it inside a store transaction; Simulate runs the
// very same function over an in-memory IntakeTransaction, so the two cannot
// drift apart.

#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "orchestrator/decide/decide.h"
#include "policies/policy.h"
#include "riposte/v1/intake.pb.h"
#include "store/store.h"

namespace riposte::decide {

struct BreachUnitOptions {
  // A breach joins the subject's most recent incident when its observed
  // time lies within this window of the incident's span.
  absl::Duration correlation_window = absl::Hours(72);
  // Null: breaches are recorded without decisions.
  const policies::Policy* policy = nullptr;
  UndoCheck can_undo;
};

// Records `breach` (which passed BreachValidator), received at `received`
// (the decision time), in `txn`. For a (detector_id, breach_id) seen before
// it returns the original outcome with `duplicate` set and writes nothing.
// Errors come from the store (Unavailable, Internal); the caller rolls the
// unit back.
absl::StatusOr<v1::SubmitResponse> RecordBreach(store::IntakeTransaction& txn,
                                                const v1::Breach& breach,
                                                absl::Time received,
                                                const BreachUnitOptions& options);

// The earlier report in `incident_id` that `breach`, observed at
// `observed`, repeats under `policy`'s corroboration settings, if any. Reads
// only the reports observed within the tolerance (bounded).
absl::StatusOr<std::optional<Corroborated>> FindCorroborated(
    store::IntakeTransaction& txn, const policies::Policy& policy,
    int64_t incident_id, const v1::Breach& breach, absl::Time observed);

// Whether two reports about one subject may describe the same activity as
// far as their content goes (family and time aside): no compared evidence
// key and no related entities tell them apart.
bool SameActivity(const policies::Corroboration& settings, const v1::Breach& a,
                  const v1::Breach& b);

}  // namespace riposte::decide

#endif  // RIPOSTE_ORCHESTRATOR_DECIDE_BREACH_UNIT_H_
