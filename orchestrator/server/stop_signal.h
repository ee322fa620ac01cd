#ifndef RIPOSTE_ORCHESTRATOR_SERVER_STOP_SIGNAL_H_
#define RIPOSTE_ORCHESTRATOR_SERVER_STOP_SIGNAL_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace riposte::server {

// Tells a background thread that works every interval to stop, and wakes
// it at once when it does. Thread-safe.
class StopSignal {
 public:
  // Waits up to `interval`; true when Stop was called (then at once).
  bool WaitFor(absl::Duration interval) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval);
  }
  bool stopping() {
    absl::MutexLock lock(&mu_);
    return stopping_;
  }
  void Stop() {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }

 private:
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace riposte::server

#endif  // RIPOSTE_ORCHESTRATOR_SERVER_STOP_SIGNAL_H_
