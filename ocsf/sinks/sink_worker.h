#ifndef RIPOSTE_OCSF_SINKS_SINK_WORKER_H_
#define RIPOSTE_OCSF_SINKS_SINK_WORKER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "metrics/metrics.h"
#include "ocsf/sinks/outbox_source.h"
#include "ocsf/sinks/sink.h"
#include "store/singleton_lease.h"

namespace riposte::ocsf {

struct SinkWorkerOptions {
  std::string name;  // the sink's name: its cursor and its metrics label
  int batch = 500;   // rows per delivery
  // How often the outbox is looked at when nothing wakes the worker.
  absl::Duration poll = absl::Seconds(1);
  // After a failed delivery, waits double from initial_backoff up to
  // max_backoff, reset by a success.
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Minutes(1);
  // Among replicas, only the holder of this lease delivers (another would
  // only repeat events). Null: always (one process).
  const store::SingletonLease* lease = nullptr;
};

// The metric families every sink's worker reports in, registered once.
struct SinkMetricFamilies {
  metrics::CounterFamily* delivered = nullptr;
  metrics::CounterFamily* failures = nullptr;
  metrics::GaugeFamily* lag = nullptr;
  metrics::GaugeFamily* last_success = nullptr;
  metrics::GaugeFamily* refused = nullptr;
  metrics::GaugeFamily* circuit_open = nullptr;  // set by the sink itself

  static absl::StatusOr<SinkMetricFamilies> Register(
      metrics::Registry& registry);
};

// Moves one sink's cursor through the outbox: reads the rows after it,
// delivers them, then saves the cursor past them. A crash between the
// delivery and the save repeats those rows (with their uids): at least
// once. Failures are retried, the same rows again, forever: an event is
// never skipped. The wait before a retry is the destination's Retry-After
// when the failure carries one (at most 15 minutes), max_backoff when the
// destination refuses the events or credentials outright, else a backoff
// doubling from initial_backoff, with +-25% jitter. Metrics, labelled
// {sink}, all present from the start:
//   riposte_ocsf_sink_delivered_total, riposte_ocsf_sink_failures_total,
//   riposte_ocsf_sink_lag_events (outbox rows not yet delivered),
//   riposte_ocsf_sink_last_success_timestamp_seconds,
//   riposte_ocsf_sink_refused (1 while refused outright),
//   riposte_ocsf_sink_circuit_open (kept by sinks with a breaker).
// Thread-safe: Notify from any thread.
class SinkWorker {
 public:
  // Takes its series, labelled with options.name, from `families`.
  static absl::StatusOr<std::unique_ptr<SinkWorker>> Create(
      SinkWorkerOptions options, OutboxSource* source,
      std::unique_ptr<Sink> sink, Clock* clock,
      const SinkMetricFamilies& families);
  ~SinkWorker();  // Stop()

  void Start();
  // Something was committed: look at the outbox now.
  void Notify();
  // Finishes the delivery under way, then returns. Idempotent.
  void Stop();

  // One step, on the caller's thread (tests): delivers one batch if any.
  // Returns how many rows it delivered.
  absl::StatusOr<int> DeliverOnce();

  // How long the worker waits before retrying after `failure`, its backoff
  // being `backoff` (see the class comment). Not while the worker runs.
  absl::Duration RetryWait(const absl::Status& failure, absl::Duration backoff);

 private:
  SinkWorker(SinkWorkerOptions options, OutboxSource* source,
             std::unique_ptr<Sink> sink, Clock* clock)
      : options_(std::move(options)),
        source_(source),
        sink_(std::move(sink)),
        clock_(clock) {}
  void Loop();
  // Waits up to `d`, or until stopped, or (if `wake_on_notify`) notified;
  // false once stopped.
  bool Wait(absl::Duration d, bool wake_on_notify);

  const SinkWorkerOptions options_;
  OutboxSource* const source_;
  const std::unique_ptr<Sink> sink_;
  Clock* const clock_;
  metrics::Counter* delivered_ = nullptr;
  metrics::Counter* failures_ = nullptr;
  metrics::Gauge* lag_ = nullptr;
  metrics::Gauge* last_success_ = nullptr;
  metrics::Gauge* refused_ = nullptr;
  absl::BitGen jitter_;  // Loop's thread only

  absl::Mutex mu_;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace riposte::ocsf

#endif  // RIPOSTE_OCSF_SINKS_SINK_WORKER_H_
