#include "actions/common/throttle_gate.h"

#include <algorithm>

namespace riposte::actions::common {

ThrottleGate::ThrottleGate(const Clock* clock, ThrottleGateOptions options)
    : clock_(clock), options_(options) {}

std::optional<absl::Duration> ThrottleGate::HeldFor(
    absl::string_view scope) const {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  auto it = holds_.find(scope);
  if (it == holds_.end() || it->second.until <= now) return std::nullopt;
  return it->second.until - now;
}

absl::Duration ThrottleGate::Throttled(
    absl::string_view scope, std::optional<absl::Duration> retry_after) {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  if (holds_.size() >= options_.max_scopes) ForgetExpiredLocked(now);
  Hold& hold = holds_[scope];
  hold.strikes += 1;
  absl::Duration wait;
  if (retry_after.has_value()) {
    wait = std::max(*retry_after, absl::ZeroDuration());
  } else {
    wait = options_.initial;
    for (int64_t i = 1; i < hold.strikes && wait < options_.max; ++i) wait *= 2;
    wait = std::min(wait, options_.max);
  }
  // Another call may already have been told to wait longer.
  hold.until = std::max(hold.until, now + wait);
  return hold.until - now;
}

void ThrottleGate::Succeeded(absl::string_view scope) {
  absl::MutexLock lock(&mu_);
  auto it = holds_.find(scope);
  if (it != holds_.end()) it->second.strikes = 0;
}

void ThrottleGate::ForgetExpiredLocked(absl::Time now) {
  absl::erase_if(holds_, [now](const auto& entry) {
    return entry.second.until <= now;
  });
  if (holds_.size() >= options_.max_scopes) holds_.clear();
}

}  // namespace riposte::actions::common
