#ifndef RIPOSTE_ORCHESTRATOR_SERVER_SERVER_METRICS_H_
#define RIPOSTE_ORCHESTRATOR_SERVER_SERVER_METRICS_H_

#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "metrics/metrics.h"
#include "store/store.h"

namespace riposte::server {

// Gauges computed at scrape time from the store and the executor, and the
// policy's version and reload outcomes:
//   riposte_pending_approvals, riposte_pending_approval_oldest_age_seconds,
//   riposte_active_actions, riposte_action_queue_depth,
//   riposte_action_runs_in_progress, riposte_action_runs_failed,
//   riposte_audit_chain_length, riposte_circuit_breakers_open,
//   riposte_policy_info{version}, riposte_policy_rules,
//   riposte_policy_reloads_total{outcome}, riposte_audit_chain_intact,
//   riposte_audit_last_verified_timestamp_seconds.
// One store query serves every store gauge of a scrape. Thread-safe.
class ServerMetrics {
 public:
  // `open_circuits` counts open circuit breakers; may be empty.
  static absl::StatusOr<std::unique_ptr<ServerMetrics>> Register(
      metrics::Registry& registry, store::Store* store, Clock* clock,
      std::function<int64_t()> open_circuits);

  // The running policy changed (or was loaded at start).
  void PolicyLoaded(const std::string& version, int64_t rules);
  void ReloadRejected();
  // The periodic audit chain verification's outcome.
  void AuditVerified(bool intact, absl::Time at);

 private:
  ServerMetrics(store::Store* store, Clock* clock) : store_(store), clock_(clock) {}
  store::StoreGauges Snapshot();

  store::Store* const store_;
  Clock* const clock_;
  absl::Mutex mu_;
  store::StoreGauges cached_ ABSL_GUARDED_BY(mu_);
  absl::Time cached_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::string version_ ABSL_GUARDED_BY(mu_);
  metrics::GaugeFamily* policy_info_ = nullptr;
  metrics::Gauge* policy_rules_ = nullptr;
  metrics::Counter* reloads_ok_ = nullptr;
  metrics::Counter* reloads_rejected_ = nullptr;
  metrics::Gauge* audit_intact_ = nullptr;
  metrics::Gauge* audit_verified_at_ = nullptr;
};

}  // namespace riposte::server

#endif  // RIPOSTE_ORCHESTRATOR_SERVER_SERVER_METRICS_H_
