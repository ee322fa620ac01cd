#include "orchestrator/execute/retry_policy.h"

#include <algorithm>

namespace riposte::execute {

bool IsRetryable(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kUnknown:
      return true;
    default:
      return false;
  }
}

absl::Duration Backoff(int64_t attempt, const BackoffOptions& options,
                       const std::function<double()>& uniform01) {
  absl::Duration base = options.initial;
  for (int64_t i = 1; i < attempt && base < options.max; ++i) base *= 2;
  base = std::min(base, options.max);
  const double jitter = 0.5 + uniform01();
  return std::min(base * jitter, options.max);
}

absl::Duration ThrottleBackoff(absl::Duration waited,
                               const BackoffOptions& options,
                               const std::function<double()>& uniform01) {
  const absl::Duration base =
      std::clamp(waited / 2, options.initial, std::max(options.initial, options.max));
  const double jitter = 0.5 + uniform01();
  return std::min(base * jitter, options.max);
}

}  // namespace riposte::execute
