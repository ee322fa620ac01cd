#ifndef RIPOSTE_ORCHESTRATOR_SERVER_RETENTION_LOOP_H_
#define RIPOSTE_ORCHESTRATOR_SERVER_RETENTION_LOOP_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "metrics/metrics.h"
#include "orchestrator/server/audit_archiver.h"
#include "orchestrator/server/stop_signal.h"
#include "store/singleton_lease.h"
#include "store/store.h"

namespace riposte::server {

struct RetentionOptions {
  absl::Duration incidents = absl::Hours(24 * 90);
  absl::Duration runs = absl::Hours(24 * 90);
  // An incident is never removed while a breach could still join it.
  absl::Duration correlation_window = absl::Hours(24);
  absl::Duration interval = absl::Hours(1);
  int64_t batch = 500;
  // OCSF events older than this leave the outbox, up to the seq
  // `ocsf_delivered` returns (what every sink has delivered). Without
  // `ocsf_delivered` the outbox is not pruned.
  absl::Duration ocsf_events = absl::Hours(24 * 90);
  std::function<absl::StatusOr<int64_t>()> ocsf_delivered;
  // Pages given back to the file system per unit of work.
  int64_t reclaim_pages = 4096;
  // Among replicas, passes run only where this lease is held, and each
  // removal checks its fence in the same unit. Null: always (one process).
  const store::SingletonLease* lease = nullptr;
};

// What one pass removed.
struct RetentionPass {
  store::PruneResult removed;
  int64_t audit_segments = 0;
  int64_t audit_records = 0;
  int64_t ocsf_events = 0;
};

// Removes what retention allows (docs/RETENTION.md), every interval: old
// closed incidents with their breaches, decisions and runs, in units of
// `batch` incidents so intake goes on between them; then, when an archiver
// is given, whole audit segments; then returns the freed pages to the file
// system. Counts in riposte_retention_removed_total{kind} and logs one line
// per pass. A failed pass is logged and tried again at the next interval.
// Thread-safe.
class RetentionLoop {
 public:
  // Registers the metrics and starts the thread: a first pass at once,
  // then one every interval. `archiver` may be null.
  static absl::StatusOr<std::unique_ptr<RetentionLoop>> Start(
      store::Store* store, RetentionOptions options,
      std::unique_ptr<AuditArchiver> archiver, Clock* clock,
      metrics::Registry& registry);
  // Registers the metrics without a thread (for tests and one-off passes).
  static absl::StatusOr<std::unique_ptr<RetentionLoop>> Create(
      store::Store* store, RetentionOptions options,
      std::unique_ptr<AuditArchiver> archiver, Clock* clock,
      metrics::Registry& registry);

  ~RetentionLoop();

  // One pass now. Errors are the store's or the archive's.
  absl::StatusOr<RetentionPass> RunPass();

  // Stops the thread; a pass under way finishes its current unit first.
  // Idempotent.
  void Stop();

 private:
  RetentionLoop(store::Store* store, RetentionOptions options,
                std::unique_ptr<AuditArchiver> archiver, Clock* clock)
      : store_(store),
        options_(options),
        archiver_(std::move(archiver)),
        clock_(clock) {}
  void Loop();
  // Removes delivered old OCSF events, at most `batch` rows a unit.
  absl::StatusOr<int64_t> PruneOutbox(absl::Time now);

  store::Store* const store_;
  const RetentionOptions options_;
  const std::unique_ptr<AuditArchiver> archiver_;
  Clock* const clock_;
  metrics::Counter* incidents_ = nullptr;
  metrics::Counter* breaches_ = nullptr;
  metrics::Counter* decisions_ = nullptr;
  metrics::Counter* runs_ = nullptr;
  metrics::Counter* audit_records_ = nullptr;
  metrics::Counter* ocsf_events_ = nullptr;
  metrics::Counter* failures_ = nullptr;

  absl::Mutex pass_mu_;  // one pass at a time

  StopSignal stop_;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace riposte::server

#endif  // RIPOSTE_ORCHESTRATOR_SERVER_RETENTION_LOOP_H_
