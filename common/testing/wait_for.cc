#include "common/testing/wait_for.h"

#include <algorithm>

#include "absl/time/clock.h"

namespace riposte::testing {

bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::Duration backoff = absl::Milliseconds(2);
  while (true) {
    if (condition()) return true;
    if (absl::Now() >= deadline) return false;
    // Polling interval, not a wait for an event: the condition decides.
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Milliseconds(100));
  }
}

}  // namespace riposte::testing
