#ifndef RIPOSTE_ORCHESTRATOR_DECIDE_POLICY_HOLDER_H_
#define RIPOSTE_ORCHESTRATOR_DECIDE_POLICY_HOLDER_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "policies/policy.h"

namespace riposte::decide {

// The running policy snapshot. Readers take a reference and keep using it
// however long they need; a reload swaps in a new snapshot atomically, so a
// decision sees one whole policy, never a mix. Thread-safe.
class PolicyHolder {
 public:
  // nullptr when no policy is configured.
  std::shared_ptr<const policies::Policy> Get() const {
    absl::MutexLock lock(&mu_);
    return policy_;
  }

  void Set(std::shared_ptr<const policies::Policy> policy) {
    absl::MutexLock lock(&mu_);
    policy_ = std::move(policy);
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const policies::Policy> policy_ ABSL_GUARDED_BY(mu_);
};

}  // namespace riposte::decide

#endif  // RIPOSTE_ORCHESTRATOR_DECIDE_POLICY_HOLDER_H_
