#ifndef RIPOSTE_COMMON_WORKER_POOL_H_
#define RIPOSTE_COMMON_WORKER_POOL_H_

#include <cstddef>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace riposte {

// A fixed set of threads that run queued tasks in the order they came, for
// blocking work (store reads, disk) that must not run on the thread that
// asks for it, e.g. a gRPC reactor's. Thread-safe.
class WorkerPool {
 public:
  // `threads` threads named "<name>-<i>" (at least one); at most
  // `max_queued` tasks wait for a thread.
  WorkerPool(const std::string& name, int threads, size_t max_queued);
  // Runs every task still queued, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`. ResourceExhausted when `max_queued` tasks already wait,
  // Unavailable once the pool is stopping; `task` is then dropped unrun.
  absl::Status Post(absl::AnyInvocable<void()> task);

 private:
  void Loop();

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace riposte

#endif  // RIPOSTE_COMMON_WORKER_POOL_H_
