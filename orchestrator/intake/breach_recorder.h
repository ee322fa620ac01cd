#ifndef RIPOSTE_ORCHESTRATOR_INTAKE_BREACH_RECORDER_H_
#define RIPOSTE_ORCHESTRATOR_INTAKE_BREACH_RECORDER_H_

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "riposte/v1/intake.pb.h"
#include "store/store.h"

namespace riposte::intake {

// Turns a validated breach into durable state: looks up the idempotency key,
// correlates the breach into an incident, stores it with its audit records,
// and reports the outcome once the store has made it durable.
//
// Correlation: a breach joins the subject's most recent incident when its
// observed time lies within `window` of that incident's span (so late
// arrivals join too); otherwise it opens a new incident.
//
// Thread-safe; the callback runs on a store thread and must be quick.
class BreachRecorder {
 public:
  using Done = absl::AnyInvocable<void(absl::StatusOr<v1::SubmitResponse>)>;

  BreachRecorder(store::Store* store, Clock* clock, absl::Duration window)
      : store_(store), clock_(clock), window_(window) {}

  // `breach` must have passed BreachValidator. The reply is the stored
  // outcome; for a (detector_id, breach_id) seen before it is the original
  // outcome with `duplicate` set, and nothing is written. Errors come from
  // the store: Unavailable (retry) or Internal.
  void Record(v1::Breach breach, Done done);

 private:
  store::Store* const store_;
  Clock* const clock_;
  const absl::Duration window_;
};

}  // namespace riposte::intake

#endif  // RIPOSTE_ORCHESTRATOR_INTAKE_BREACH_RECORDER_H_
