#include "actions/graph/scope_permits.h"

#include <algorithm>

namespace riposte::actions::graph {

ScopePermits::ScopePermits(int per_scope) : per_scope_(std::max(1, per_scope)) {}

ScopePermits::Permit::~Permit() {
  if (owner_ != nullptr) owner_->Release(scope_);
}

ScopePermits::Permit ScopePermits::Acquire(absl::string_view scope) {
  std::string key(scope);
  absl::MutexLock lock(&mu_);
  auto free = [this, &key]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = in_flight_.find(key);
    return it == in_flight_.end() || it->second < per_scope_;
  };
  mu_.Await(absl::Condition(&free));
  const int held = ++in_flight_[key];
  peak_ = std::max(peak_, held);
  return Permit(this, std::move(key));
}

void ScopePermits::Release(const std::string& scope) {
  absl::MutexLock lock(&mu_);
  auto it = in_flight_.find(scope);
  if (it == in_flight_.end()) return;
  // Forget idle scopes: a campaign touches thousands of mailboxes once.
  if (--it->second <= 0) in_flight_.erase(it);
}

int ScopePermits::peak() const {
  absl::MutexLock lock(&mu_);
  return peak_;
}

}  // namespace riposte::actions::graph
