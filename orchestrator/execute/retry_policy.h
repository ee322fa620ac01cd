#ifndef RIPOSTE_ORCHESTRATOR_EXECUTE_RETRY_POLICY_H_
#define RIPOSTE_ORCHESTRATOR_EXECUTE_RETRY_POLICY_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace riposte::execute {

// Whether a failed call may be tried again. Looks only at the code:
// Unavailable, ResourceExhausted, DeadlineExceeded, Unauthenticated,
// Aborted and Unknown mean the outcome is unknown or transient; everything
// else (InvalidArgument, PermissionDenied, NotFound, FailedPrecondition,
// Unimplemented, Internal, ...) will not get better by repeating it.
bool IsRetryable(absl::StatusCode code);

struct BackoffOptions {
  absl::Duration initial = absl::Seconds(1);
  absl::Duration max = absl::Minutes(5);
};

// The wait before attempt `attempt + 1` after `attempt` failed (attempt >= 1):
// initial * 2^(attempt-1), capped at max, times a jitter factor in
// [0.5, 1.5) drawn from `uniform01` (which returns values in [0, 1)), and
// never above max. A server's Retry-After replaces all of this: the caller
// waits exactly that long.
absl::Duration Backoff(int64_t attempt, const BackoffOptions& options,
                       const std::function<double()>& uniform01);

// The wait after a throttled answer without a Retry-After, `waited` after
// the run's first attempt: throttling does not count attempts, so the wait
// grows with the time already spent, half of it, from options.initial up to
// options.max, jittered like Backoff.
absl::Duration ThrottleBackoff(absl::Duration waited,
                               const BackoffOptions& options,
                               const std::function<double()>& uniform01);

}  // namespace riposte::execute

#endif  // RIPOSTE_ORCHESTRATOR_EXECUTE_RETRY_POLICY_H_
