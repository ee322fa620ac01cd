#ifndef RIPOSTE_ACTIONS_ACTION_EXECUTOR_H_
#define RIPOSTE_ACTIONS_ACTION_EXECUTOR_H_

// What an adapter implements: carry out one action on one target, and undo
// it. The executor (orchestrator/execute) calls these from worker threads,
// possibly again after a crash, so both must be idempotent.

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "riposte/v1/breach.pb.h"

namespace riposte::actions {

// One action run, as the adapter sees it.
struct ActionRequest {
  int64_t run_id = 0;
  int64_t incident_id = 0;
  std::string tenant_id;
  std::string action;  // "force_logout", "disable_user", ...
  v1::Entity target;   // a user or an email entity
  std::string target_key;
  // Unique per run; the same on every retry of the run.
  std::string idempotency_key;
  // Zero: no expiry. Otherwise when the action will be undone.
  absl::Time expires_at = absl::InfinitePast();
  std::string narrative;
  // What an earlier Apply returned in ActionResult::memo, or last stored
  // through `checkpoint` (for Revert, and for an Apply retried after a
  // crash). Empty if none.
  std::string memo;
  // Attempt number of this run (1 for the first call). A retry may follow a
  // call whose outcome is unknown (a crash or a timeout mid-call).
  int64_t attempt = 1;
  // Durably stores `memo` for this run BEFORE the adapter changes the
  // target, so that a retry after a crash mid-change still knows what the
  // target looked like before (e.g. "the account was enabled", "the message
  // was in Inbox"). Returns FailedPrecondition if the run's lease was lost:
  // the adapter must then stop without acting. May be unset in tests.
  std::function<absl::Status(const std::string& memo)> checkpoint;
};

// The business outcome of a call that completed. A non-OK Status instead
// means the outcome is unknown; see RetryPolicy for which codes retry.
struct ActionResult {
  enum class Outcome {
    kApplied,          // the effect was made now
    kAlreadyApplied,   // the target was already in that state
    kReverted,         // the effect was undone now
    kAlreadyReverted,  // someone else undid it already (reconciled)
    // Revert found nothing of Riposte's to undo: the target was already in
    // that state before Riposte acted (an account an administrator had
    // disabled, a message the gateway already held), or the effect cannot
    // be undone by Riposte at all. Nothing was changed.
    kNothingToUndo,
  };
  Outcome outcome = Outcome::kApplied;
  // A compact JSON object for the audit trail: what was done, request ids,
  // what was removed. Never a secret.
  std::string details = "{}";
  // Adapter state to keep with the run for a later Revert (e.g. the folder a
  // message was moved from). Opaque to everything else.
  std::string memo;  // False when Riposte cannot undo what Apply did, whatever the action
  // usually allows (a gateway remediation has no undo in the gateway's
  // API). The run is then done, not active: it never expires, and operators
  // cannot revert or extend it. The details say how a person undoes it.
  bool reversible = true;
};

absl::string_view OutcomeName(ActionResult::Outcome outcome);

// Thread-safe.
class ActionExecutor {
 public:
  virtual ~ActionExecutor() = default;

  // The adapter's name as used in config and metrics: "graph", "gateway",
  // "webhook".
  virtual absl::string_view name() const = 0;

  // Makes the effect. Status codes carry the retry decision:
  //   Unavailable, ResourceExhausted (429; see RetryAfter), DeadlineExceeded,
  //   Unauthenticated (token rejected even after a refresh) = retry later;
  //   InvalidArgument, PermissionDenied, NotFound (target does not exist),
  //   FailedPrecondition (target in a state that forbids it),
  //   Unimplemented (action not supported by this adapter) = never retry.
  virtual absl::StatusOr<ActionResult> Apply(const ActionRequest& request) = 0;

  // Undoes the effect of a reversible action. Reads the target's state
  // first: if it is no longer in the state Apply left it in, returns
  // kAlreadyReverted without acting. Same status codes as Apply.
  virtual absl::StatusOr<ActionResult> Revert(const ActionRequest& request) = 0;

  // Whether this adapter can undo `action` on `target` at all (for
  // decisions and their narratives; Apply's result has the last word).
  virtual bool CanUndo(absl::string_view action, const v1::Entity& target) const {
    (void)action;
    (void)target;
    return true;
  }
};

// A Status carrying a server's Retry-After: the executor waits exactly this
// long before the next attempt.
absl::Status WithRetryAfter(absl::Status status, absl::Duration retry_after);
// The Retry-After a Status carries, if any.
std::optional<absl::Duration> RetryAfter(const absl::Status& status);

// Marks `status` as throttling: the service asked to be left alone for a
// while (HTTP 429, 503, 504, or any answer with a Retry-After), or Riposte
// itself is holding calls to a throttled scope. Waiting cures it, so the
// executor does not count it as a failed attempt; only max_age bounds it.
absl::Status AsThrottled(absl::Status status);
bool IsThrottled(const absl::Status& status);

}  // namespace riposte::actions

#endif  // RIPOSTE_ACTIONS_ACTION_EXECUTOR_H_
