#include "orchestrator/execute/circuit_breaker.h"

namespace riposte::execute {

std::optional<absl::Time> CircuitBreaker::Check(const std::string& key,
                                                absl::Time now) {
  absl::MutexLock lock(&mu_);
  State& s = states_[key];
  if (s.consecutive < threshold_) return std::nullopt;  // closed
  if (now < s.open_until) return s.open_until;          // open
  if (s.trial_in_flight) return now + open_for_ / 10;    // half-open, busy
  s.trial_in_flight = true;                              // half-open: try one
  return std::nullopt;
}

void CircuitBreaker::RecordSuccess(const std::string& key) {
  absl::MutexLock lock(&mu_);
  State& s = states_[key];
  s.consecutive = 0;
  s.trial_in_flight = false;
}

void CircuitBreaker::RecordFailure(const std::string& key, absl::Time now) {
  absl::MutexLock lock(&mu_);
  State& s = states_[key];
  s.trial_in_flight = false;
  if (++s.consecutive >= threshold_) s.open_until = now + open_for_;
}

std::vector<std::string> CircuitBreaker::OpenKeys(absl::Time now) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [key, s] : states_) {
    if (s.consecutive >= threshold_ && now < s.open_until) out.push_back(key);
  }
  return out;
}

}  // namespace riposte::execute
