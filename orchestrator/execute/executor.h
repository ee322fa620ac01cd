#ifndef RIPOSTE_ORCHESTRATOR_EXECUTE_EXECUTOR_H_
#define RIPOSTE_ORCHESTRATOR_EXECUTE_EXECUTOR_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "actions/action_executor.h"
#include "common/clock.h"
#include "metrics/metrics.h"
#include "orchestrator/execute/circuit_breaker.h"
#include "orchestrator/execute/retry_policy.h"
#include "store/store.h"

namespace riposte::execute {

// Chooses the adapter for a run. Thread-safe.
class AdapterRouter {
 public:
  virtual ~AdapterRouter() = default;
  // The adapter that carries out `action` on `target` in `tenant`, or
  // FailedPrecondition naming what is not configured.
  virtual absl::StatusOr<actions::ActionExecutor*> Route(
      absl::string_view tenant, absl::string_view action,
      const v1::Entity& target) = 0;
};

struct ExecutorOptions {
  int workers = 8;
  // Who holds leases; unique per process.
  std::string holder = "riposted";
  absl::Duration lease = absl::Seconds(60);
  int64_t max_attempts = 8;
  absl::Duration max_age = absl::Hours(1);
  BackoffOptions backoff;
  int64_t breaker_failures = 5;
  absl::Duration breaker_open_for = absl::Seconds(30);
  // Longest an idle worker waits before looking for due work again (work
  // submitted through this process wakes it at once).
  absl::Duration idle_poll = absl::Seconds(1);
};

// Carries out decided action runs, exactly once in effect.
//
// Workers lease due runs from the store (autonomous proposed, queued,
// approved; running ones whose lease lapsed, i.e. whose worker died; active
// ones whose expiry passed). Every transition is written and audited in the
// store before the adapter is called: the lease itself moves the run to
// running (or reverting), so a crash at any point leaves a run that another
// lease picks up again, and adapters are idempotent, so the repeat does not
// act twice. Updates carry the lease's fencing token and are refused if the
// lease was lost meanwhile.
//
// Failures: retryable codes go back to the queue after an exponential,
// jittered backoff, or exactly a server's Retry-After; after max_attempts or
// max_age, or on a permanent error, the run fails (audited). A circuit
// breaker per adapter and tenant holds calls while a service keeps failing,
// without spending attempts.
//
// Thread-safe.
class Executor {
 public:
  // Pointers must outlive the executor. `uniform01` draws jitter in [0, 1).
  Executor(store::Store* store, AdapterRouter* router, Clock* clock,
           metrics::Registry* metrics, ExecutorOptions options,
           std::function<double()> uniform01);
  ~Executor();

  // Releases leases of dead processes (exclusive stores only) and starts
  // the workers.
  absl::Status Start();
  // Stops taking work and waits for calls in flight to finish.
  void Stop();
  // New work may be due: wake an idle worker.
  void Wake();

  // Open circuit breakers right now (for metrics).
  int64_t OpenCircuits() const {
    return static_cast<int64_t>(breaker_.OpenKeys(clock_->Now()).size());
  }

  // Claims and carries out one due run on the calling thread. Returns
  // whether there was one. For tests and tools.
  absl::StatusOr<bool> RunOnce();

 private:
  void WorkerLoop(int index);
  // `wait`: return once the outcome is durable. Workers do not wait: the
  // run's lease keeps it theirs until the outcome commits, and a crash
  // before that only repeats an idempotent call.
  absl::StatusOr<bool> Cycle(bool wait);
  absl::Status Finish(const store::ActionRunRow& run, const store::RunUpdate& update,
                      const std::string& event, const std::string& details,
                      bool wait,
                      std::optional<store::OutboxRow> ocsf = std::nullopt);

  store::Store* const store_;
  AdapterRouter* const router_;
  Clock* const clock_;
  const ExecutorOptions options_;
  std::function<double()> uniform01_;
  CircuitBreaker breaker_;

  metrics::CounterFamily* runs_total_ = nullptr;
  metrics::CounterFamily* retries_total_ = nullptr;
  metrics::CounterFamily* takeovers_total_ = nullptr;
  metrics::HistogramFamily* effect_latency_ = nullptr;
  metrics::HistogramFamily* call_latency_ = nullptr;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t wakeups_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> workers_;
};

}  // namespace riposte::execute

#endif  // RIPOSTE_ORCHESTRATOR_EXECUTE_EXECUTOR_H_
