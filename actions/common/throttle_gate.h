#ifndef RIPOSTE_ACTIONS_COMMON_THROTTLE_GATE_H_
#define RIPOSTE_ACTIONS_COMMON_THROTTLE_GATE_H_

// Remembers which scopes a service has throttled, and until when, so that
// every run calling into a throttled scope waits, not only the run that got
// the 429. A scope is whatever the service throttles by: for Microsoft
// Graph one mailbox of the tenant's app ("mailbox:bob@contoso.com"), or the
// app's directory calls ("directory").
//
// A hold comes from the service's Retry-After when it sent one; otherwise
// it doubles with each throttled answer in a row for that scope (from
// `initial` up to `max`) and the count resets on the scope's next success.
//
// Thread-safe.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace riposte::actions::common {

struct ThrottleGateOptions {
  // The hold after the first throttled answer without a Retry-After.
  absl::Duration initial = absl::Seconds(1);
  absl::Duration max = absl::Minutes(5);
  // Scopes remembered at most; expired holds are forgotten first.
  size_t max_scopes = 100000;
};

class ThrottleGate {
 public:
  // `clock` is not owned and must outlive the gate.
  ThrottleGate(const Clock* clock, ThrottleGateOptions options = {});

  // How long calls into `scope` must still wait, if they must.
  std::optional<absl::Duration> HeldFor(absl::string_view scope) const;

  // The service throttled a call into `scope`, asking for `retry_after` if
  // it said. Holds the scope and returns for how long from now.
  absl::Duration Throttled(absl::string_view scope,
                           std::optional<absl::Duration> retry_after);

  // A call into `scope` went through: the next throttle starts from
  // `initial` again. The hold, if any, stays.
  void Succeeded(absl::string_view scope);

 private:
  struct Hold {
    absl::Time until = absl::InfinitePast();
    int64_t strikes = 0;  // throttled answers in a row without success
  };
  void ForgetExpiredLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock* const clock_;
  const ThrottleGateOptions options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Hold> holds_ ABSL_GUARDED_BY(mu_);
};

}  // namespace riposte::actions::common

#endif  // RIPOSTE_ACTIONS_COMMON_THROTTLE_GATE_H_
