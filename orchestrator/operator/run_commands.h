#ifndef RIPOSTE_ORCHESTRATOR_OPERATOR_RUN_COMMANDS_H_
#define RIPOSTE_ORCHESTRATOR_OPERATOR_RUN_COMMANDS_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "orchestrator/decide/policy_holder.h"
#include "store/store.h"

namespace riposte::operator_api {

// A change to an active run's expiry.
struct ExpiryChange {
  enum class Kind { kExtendBy, kSetTo, kPermanent };
  Kind kind = Kind::kExtendBy;
  absl::Duration by = absl::ZeroDuration();  // may be negative (shorten)
  absl::Time to;
};

// The global pause as stored.
struct PauseState {
  bool paused = false;
  absl::Time since = absl::InfinitePast();
  std::string by;
  std::string reason;
};

// OK, or InvalidArgument naming "reason": an operator's reason is required,
// at most 2000 bytes, and operator text (common/text_rules.h: no NUL,
// escape sequences, other controls but tab and newline, or bidi controls),
// since it goes into the audit trail as written.
absl::Status CheckReason(absl::string_view reason);

// What operators do to action runs, each a single unit of work in the store
// that re-reads the run, checks it is still in the state the command needs
// (else FailedPrecondition explaining what it is now), changes it and audits
// the change with the operator's identity and reason. Nothing here calls an
// adapter: approved runs and requested reverts are carried out by the
// executor, which `wake` nudges. Thread-safe.
class RunCommands {
 public:
  RunCommands(store::Store* store, Clock* clock,
              const decide::PolicyHolder* policies, std::function<void()> wake)
      : store_(store), clock_(clock), policies_(policies), wake_(std::move(wake)) {}

  // awaiting_approval -> approved (or one of two approvals recorded).
  // FailedPrecondition: not awaiting approval, deadline passed, target
  // already contained by another open run, or this identity approved
  // already. InvalidArgument: empty reason. NotFound: no such run.
  absl::StatusOr<store::ActionRunRow> Approve(int64_t run_id,
                                              const std::string& identity,
                                              const std::string& reason);
  // awaiting_approval -> rejected.
  absl::StatusOr<store::ActionRunRow> Reject(int64_t run_id,
                                             const std::string& identity,
                                             const std::string& reason);
  // Changes an active reversible run's expiry.
  absl::StatusOr<store::ActionRunRow> Extend(int64_t run_id,
                                             const std::string& identity,
                                             const std::string& reason,
                                             const ExpiryChange& change);
  // Asks for an active reversible run to be undone now (through the
  // adapter, by the executor).
  absl::StatusOr<store::ActionRunRow> Revert(int64_t run_id,
                                             const std::string& identity,
                                             const std::string& reason);
  // failed -> queued with fresh attempts (or, if the revert failed, back to
  // active with an expiry of now, so the revert is tried again).
  absl::StatusOr<store::ActionRunRow> Retry(int64_t run_id,
                                            const std::string& identity,
                                            const std::string& reason);

  // Applies the policy's choice to approval requests whose deadline has
  // passed: reject (approval_expired), approve (approved), or escalate (a
  // second approver gets one more deadline; after that it expires).
  // Returns how many requests changed.
  absl::StatusOr<int> SweepApprovals();

  absl::StatusOr<PauseState> SetPaused(bool paused, const std::string& identity,
                                       const std::string& reason);
  absl::StatusOr<PauseState> GetPause();

 private:
  using Mutation = std::function<absl::Status(
      store::OperatorTransaction& txn, store::ActionRunRow& run,
      std::string& event, std::string& details)>;
  // Loads the run, runs `mutate`, audits `event` with `details`, and
  // returns the run as it is afterwards.
  absl::StatusOr<store::ActionRunRow> Command(int64_t run_id,
                                              const std::string& identity,
                                              const std::string& reason,
                                              const Mutation& mutate);

  store::Store* const store_;
  Clock* const clock_;
  const decide::PolicyHolder* const policies_;
  std::function<void()> wake_;
};

}  // namespace riposte::operator_api

#endif  // RIPOSTE_ORCHESTRATOR_OPERATOR_RUN_COMMANDS_H_
