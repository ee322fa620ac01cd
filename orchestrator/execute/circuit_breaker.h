#ifndef RIPOSTE_ORCHESTRATOR_EXECUTE_CIRCUIT_BREAKER_H_
#define RIPOSTE_ORCHESTRATOR_EXECUTE_CIRCUIT_BREAKER_H_

#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace riposte::execute {

// One breaker per key (adapter and tenant). After `failures` consecutive
// retryable failures the circuit opens: calls are held back for `open_for`.
// Then one trial call goes through (half-open); success closes the circuit,
// failure opens it again. Keeps a struggling service (or a revoked app
// registration in one tenant) from being hammered, without stopping the
// others. Thread-safe.
class CircuitBreaker {
 public:
  CircuitBreaker(int64_t failures, absl::Duration open_for)
      : threshold_(failures), open_for_(open_for) {}

  // nullopt: go ahead. Otherwise hold the call until the returned time.
  std::optional<absl::Time> Check(const std::string& key, absl::Time now);
  void RecordSuccess(const std::string& key);
  void RecordFailure(const std::string& key, absl::Time now);

  // Keys whose circuit is open at `now`.
  std::vector<std::string> OpenKeys(absl::Time now) const;

 private:
  struct State {
    int64_t consecutive = 0;
    absl::Time open_until = absl::InfinitePast();
    bool trial_in_flight = false;
  };
  const int64_t threshold_;
  const absl::Duration open_for_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, State> states_ ABSL_GUARDED_BY(mu_);
};

}  // namespace riposte::execute

#endif  // RIPOSTE_ORCHESTRATOR_EXECUTE_CIRCUIT_BREAKER_H_
