#ifndef RIPOSTE_ORCHESTRATOR_SERVER_STORE_HEALTH_MONITOR_H_
#define RIPOSTE_ORCHESTRATOR_SERVER_STORE_HEALTH_MONITOR_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "metrics/metrics.h"
#include "store/store.h"

namespace riposte::server {

// Whether the store can write, for readiness and gRPC health.
//
// The store reports each write that failed for a storage reason (a full
// disk, an I/O error, a read-only filesystem, a database that cannot be
// reached) through StorageFailed; the
// store is then "not writable" at once. While it is not writable, a probe (a
// small write that needs new space) runs every `interval`; the first that
// succeeds makes it writable again. A healthy store is never probed, so
// health costs nothing while writes work. Each change calls `on_change` and
// logs one line with the reason. Metrics:
//
//   riposte_store_writable                         1 or 0
//   riposte_store_write_failures_total{reason}     disk_full, io_error,
//                                                  read_only, unreachable,
//                                                  other
//
// Work that needs a write and may wait (e.g. the start-up audit record when
// riposted started on a full disk) is handed to WhenWritable.
//
// Thread-safe.
class StoreHealthMonitor {
 public:
  // A small write; its status is classified as StorageFailed classifies.
  using Probe = std::function<absl::Status()>;

  explicit StoreHealthMonitor(absl::Duration interval = absl::Seconds(5));
  ~StoreHealthMonitor();
  StoreHealthMonitor(const StoreHealthMonitor&) = delete;
  StoreHealthMonitor& operator=(const StoreHealthMonitor&) = delete;

  // May be called before Start (e.g. by the store while riposted starts).
  // Statuses that are not storage failures are ignored. Quick; never calls
  // on_change itself.
  void StorageFailed(const absl::Status& status);

  // Registers the metrics and starts probing. `on_change(writable)` runs on
  // the monitor's thread after each change. AlreadyExists if the metrics
  // are registered already.
  absl::Status Start(metrics::Registry& registry, Probe probe,
                     std::function<void(bool writable)> on_change);
  // Stops probing; pending WhenWritable work is dropped. Idempotent.
  void Stop();

  bool writable() const;
  // OK while writable, else Unavailable naming the reason and the error.
  absl::Status Readiness() const;

  // Runs `task` on the monitor's thread once the store is writable (at the
  // next check if it is now), again at each later check until it succeeds.
  void WhenWritable(std::function<absl::Status()> task);

 private:
  static constexpr int kReasons = 5;
  void Loop();
  // Applies a probe's outcome; returns whether the state changed.
  bool Record(const absl::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Count(int reason) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const absl::Duration interval_;
  Probe probe_;
  std::function<void(bool)> on_change_;

  mutable absl::Mutex mu_;
  bool writable_ ABSL_GUARDED_BY(mu_) = true;
  // What on_change last heard; differs from writable_ until the thread runs.
  bool announced_ ABSL_GUARDED_BY(mu_) = true;
  std::string reason_ ABSL_GUARDED_BY(mu_);
  std::string error_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::array<int64_t, kReasons> counts_ ABSL_GUARDED_BY(mu_) = {};
  std::array<metrics::Counter*, kReasons> failures_ ABSL_GUARDED_BY(mu_) = {};
  metrics::Gauge* writable_gauge_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::vector<std::function<absl::Status()>> pending_ ABSL_GUARDED_BY(mu_);
  // A task arrived since the last run of pending_ (failed ones wait for the
  // next check).
  bool task_added_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// The probe riposted uses: one transaction that stores a 64 KiB value and
// clears it again, so it needs as much new space as a few breaches, and
// leaves the store as it was. Its status is the commit's.
absl::Status ProbeStoreWrite(store::Store& store);

}  // namespace riposte::server

#endif  // RIPOSTE_ORCHESTRATOR_SERVER_STORE_HEALTH_MONITOR_H_
