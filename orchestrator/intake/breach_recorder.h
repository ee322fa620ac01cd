#ifndef RIPOSTE_ORCHESTRATOR_INTAKE_BREACH_RECORDER_H_
#define RIPOSTE_ORCHESTRATOR_INTAKE_BREACH_RECORDER_H_

#include <functional>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "orchestrator/decide/decide.h"
#include "orchestrator/decide/policy_holder.h"
#include "riposte/v1/intake.pb.h"
#include "store/store.h"

namespace riposte::intake {

// Turns a validated breach into durable state: looks up the idempotency key,
// correlates the breach into an incident, decides what to do under the
// running policy (when one is configured), stores breach, decision, action
// runs and their audit records in one unit of work, and reports the outcome
// once the store has made it durable.
//
// Correlation: a breach joins the subject's most recent incident when its
// observed time lies within `window` of that incident's span (so late
// arrivals join too); otherwise it opens a new incident.
//
// Thread-safe; the callback runs on a store thread and must be quick.
class BreachRecorder {
 public:
  using Done = absl::AnyInvocable<void(absl::StatusOr<v1::SubmitResponse>)>;

  // `policies` may be null: breaches are then recorded without decisions.
  BreachRecorder(store::Store* store, Clock* clock, absl::Duration window,
                 const decide::PolicyHolder* policies = nullptr)
      : store_(store), clock_(clock), window_(window), policies_(policies) {}

  // `breach` must have passed BreachValidator. The reply is the stored
  // outcome; for a (detector_id, breach_id) seen before it is the original
  // outcome with `duplicate` set, and nothing is written. Errors come from
  // the store: Unavailable (retry) or Internal.
  void Record(v1::Breach breach, Done done);

  // Called (on a store thread, quickly) after each newly recorded breach is
  // durable, e.g. to wake the executor when the decision has work for it.
  // Set before the first Record.
  // Where decisions learn which reversible actions the tenant's adapters
  // can undo (see decide::UndoCheck). Call before the first Record.
  void SetUndoCheck(decide::UndoCheck can_undo) { can_undo_ = std::move(can_undo); }

  void SetOnRecorded(std::function<void(const v1::SubmitResponse&)> hook) {
    on_recorded_ = std::move(hook);
  }

 private:
  store::Store* const store_;
  Clock* const clock_;
  const absl::Duration window_;
  const decide::PolicyHolder* const policies_;
  std::function<void(const v1::SubmitResponse&)> on_recorded_;
  decide::UndoCheck can_undo_;
};

}  // namespace riposte::intake

#endif  // RIPOSTE_ORCHESTRATOR_INTAKE_BREACH_RECORDER_H_
