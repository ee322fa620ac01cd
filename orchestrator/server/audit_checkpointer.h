#ifndef RIPOSTE_ORCHESTRATOR_SERVER_AUDIT_CHECKPOINTER_H_
#define RIPOSTE_ORCHESTRATOR_SERVER_AUDIT_CHECKPOINTER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "audit/checkpoint.h"
#include "common/clock.h"
#include "metrics/metrics.h"
#include "orchestrator/server/stop_signal.h"
#include "store/singleton_lease.h"
#include "store/store.h"

namespace riposte::server {

struct CheckpointerOptions {
  std::string path;    // the append-only checkpoint file
  std::string origin;  // first line of every checkpoint
  absl::Duration interval = absl::Minutes(5);
  // Among replicas, checkpoints are written only where this lease is
  // held. Null: always (one process).
  const store::SingletonLease* lease = nullptr;
};

// Writes signed checkpoints of the audit chain: one at Start, one every
// interval while the chain grows, and one at Stop when it grew since the
// last. Each is appended to the checkpoint file (synced), logged whole (so
// a log shipper carries it off the host too) and shown as the gauges
// riposte_audit_checkpoint_size and
// riposte_audit_checkpoint_timestamp_seconds. A failed write is logged as
// an error, counted in riposte_audit_checkpoint_failures_total and tried
// again at the next interval. Thread-safe.
class AuditCheckpointer {
 public:
  // Writes the first checkpoint, then starts the thread. Errors: the
  // metrics cannot be registered (AlreadyExists), or the first checkpoint
  // cannot be written (the file's error).
  static absl::StatusOr<std::unique_ptr<AuditCheckpointer>> Start(
      store::Store* store, std::unique_ptr<audit::CheckpointSigner> signer,
      CheckpointerOptions options, Clock* clock, metrics::Registry& registry);

  ~AuditCheckpointer();

  // Waits for the store's queued writes, writes the last checkpoint if the
  // chain grew, and stops the thread. Call before the store closes.
  // Idempotent.
  void Stop();

  // Writes a checkpoint now if the chain grew since the last one.
  absl::Status CheckpointIfMoved();

 private:
  AuditCheckpointer(store::Store* store,
                    std::unique_ptr<audit::CheckpointSigner> signer,
                    CheckpointerOptions options, Clock* clock)
      : store_(store),
        signer_(std::move(signer)),
        options_(std::move(options)),
        clock_(clock) {}
  void Loop();

  store::Store* const store_;
  const std::unique_ptr<audit::CheckpointSigner> signer_;
  const CheckpointerOptions options_;
  Clock* const clock_;
  metrics::Gauge* size_ = nullptr;
  metrics::Gauge* timestamp_ = nullptr;
  metrics::Counter* failures_ = nullptr;

  absl::Mutex write_mu_;  // one checkpoint at a time
  int64_t last_count_ ABSL_GUARDED_BY(write_mu_) = -1;

  StopSignal stop_;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace riposte::server

#endif  // RIPOSTE_ORCHESTRATOR_SERVER_AUDIT_CHECKPOINTER_H_
