#include "orchestrator/intake/breach_recorder.h"

#include <memory>
#include <utility>

#include "common/status_macros.h"
#include "orchestrator/decide/breach_unit.h"

namespace riposte::intake {

void BreachRecorder::Record(v1::Breach breach, Done done) {
  // Shared between the unit of work and its completion.
  struct State {
    v1::Breach breach;
    v1::SubmitResponse response;
    Done done;
  };
  auto state = std::make_shared<State>();
  state->breach = std::move(breach);
  state->done = std::move(done);
  const absl::Time received =
      absl::FromUnixMicros(absl::ToUnixMicros(clock_->Now()));
  const absl::Duration window = window_;
  // One snapshot for the whole unit of work, whatever reloads meanwhile.
  std::shared_ptr<const policies::Policy> policy =
      policies_ != nullptr ? policies_->Get() : nullptr;

  const decide::UndoCheck* can_undo = &can_undo_;  // outlives the store's work
  auto work = [state, received, window, policy,
               can_undo](store::IntakeTransaction& txn) -> absl::Status {
    decide::BreachUnitOptions options;
    options.correlation_window = window;
    options.policy = policy.get();
    options.can_undo = *can_undo;
    RIPOSTE_ASSIGN_OR_RETURN(
        state->response, decide::RecordBreach(txn, state->breach, received, options));
    return absl::OkStatus();
  };

  auto* hook = on_recorded_ ? &on_recorded_ : nullptr;
  store_->Execute(std::move(work), [state, hook](absl::Status status) {
    if (!status.ok()) {
      state->done(std::move(status));
      return;
    }
    if (hook != nullptr && !state->response.duplicate()) {
      (*hook)(state->response);
    }
    state->done(std::move(state->response));
  });
}

}  // namespace riposte::intake
