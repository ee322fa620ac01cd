#include "orchestrator/server/server_metrics.h"

#include "common/status_macros.h"

namespace riposte::server {

store::StoreGauges ServerMetrics::Snapshot() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_->Now();
  // Several gauges read one snapshot per scrape.
  if (now - cached_at_ > absl::Milliseconds(500)) {
    auto g = store_->Gauges();
    if (g.ok()) {
      cached_ = *g;
      cached_at_ = now;
    }
  }
  return cached_;
}

absl::StatusOr<std::unique_ptr<ServerMetrics>> ServerMetrics::Register(
    metrics::Registry& registry, store::Store* store, Clock* clock,
    std::function<int64_t()> open_circuits) {
  std::unique_ptr<ServerMetrics> m(new ServerMetrics(store, clock));
  ServerMetrics* self = m.get();
  struct Gauge {
    const char* name;
    const char* help;
    std::function<double()> value;
  };
  const Gauge gauges[] = {
      {"riposte_pending_approvals", "Action runs waiting for an operator.",
       [self] { return static_cast<double>(self->Snapshot().awaiting_approval); }},
      {"riposte_pending_approval_oldest_age_seconds",
       "Age of the oldest action run waiting for an operator (0 if none).",
       [self, clock] {
         auto g = self->Snapshot();
         return g.oldest_awaiting.has_value()
                    ? absl::ToDoubleSeconds(clock->Now() - *g.oldest_awaiting)
                    : 0.0;
       }},
      {"riposte_active_actions",
       "Reversible actions in effect (until expiry or revert).",
       [self] { return static_cast<double>(self->Snapshot().active); }},
      {"riposte_action_queue_depth",
       "Action runs waiting for a worker (autonomous, queued, approved).",
       [self] { return static_cast<double>(self->Snapshot().queued); }},
      {"riposte_action_runs_in_progress",
       "Action runs a worker is carrying out or reverting.",
       [self] { return static_cast<double>(self->Snapshot().running); }},
      {"riposte_action_runs_failed",
       "Action runs that failed and wait for an operator's retry.",
       [self] { return static_cast<double>(self->Snapshot().failed); }},
      {"riposte_audit_chain_length", "Records in the audit hash chain.",
       [self] { return static_cast<double>(self->Snapshot().audit_head_seq); }},
      {"riposte_store_size_bytes",
       "Size of the store on disk: the database file and its write-ahead log.",
       [self] {
         auto g = self->Snapshot();
         return static_cast<double>(g.size_bytes + g.wal_bytes);
       }},
      {"riposte_store_free_bytes",
       "Free pages inside the database file, not yet returned to the file "
       "system.",
       [self] { return static_cast<double>(self->Snapshot().free_bytes); }},
      {"riposte_circuit_breakers_open",
       "Circuit breakers (adapter and tenant) currently open.",
       [open_circuits] {
         return open_circuits ? static_cast<double>(open_circuits()) : 0.0;
       }},
  };
  for (const auto& g : gauges) {
    RIPOSTE_RETURN_IF_ERROR(registry.AddCallbackGauge(g.name, g.help, g.value));
  }
  RIPOSTE_ASSIGN_OR_RETURN(
      m->policy_info_,
      registry.AddGauge("riposte_policy_info",
                        "The running policy's version (1 for the current one).",
                        {"version"}));
  RIPOSTE_ASSIGN_OR_RETURN(
      auto* rules, registry.AddGauge("riposte_policy_rules",
                                     "Rules in the running policy.", {}));
  RIPOSTE_ASSIGN_OR_RETURN(m->policy_rules_, rules->WithLabels({}));
  RIPOSTE_ASSIGN_OR_RETURN(
      auto* reloads,
      registry.AddCounter("riposte_policy_reloads_total",
                          "Policy reloads, by outcome (ok, rejected).",
                          {"outcome"}));
  RIPOSTE_ASSIGN_OR_RETURN(m->reloads_ok_, reloads->WithLabels({"ok"}));
  RIPOSTE_ASSIGN_OR_RETURN(m->reloads_rejected_, reloads->WithLabels({"rejected"}));
  RIPOSTE_ASSIGN_OR_RETURN(
      auto* intact,
      registry.AddGauge("riposte_audit_chain_intact",
                        "1 if the last verification of the audit chain found "
                        "it intact, 0 if it found a broken record.",
                        {}));
  RIPOSTE_ASSIGN_OR_RETURN(m->audit_intact_, intact->WithLabels({}));
  m->audit_intact_->Set(1);
  RIPOSTE_ASSIGN_OR_RETURN(
      auto* verified_at,
      registry.AddGauge("riposte_audit_last_verified_timestamp_seconds",
                        "When the audit chain was last verified (Unix time).",
                        {}));
  RIPOSTE_ASSIGN_OR_RETURN(m->audit_verified_at_, verified_at->WithLabels({}));
  return m;
}

void ServerMetrics::PolicyLoaded(const std::string& version, int64_t rules) {
  absl::MutexLock lock(&mu_);
  if (!version_.empty()) {
    auto old = policy_info_->WithLabels({version_});
    if (old.ok()) (*old)->Set(0);
    reloads_ok_->Increment();
  }
  auto now = policy_info_->WithLabels({version});
  if (now.ok()) (*now)->Set(1);
  version_ = version;
  policy_rules_->Set(static_cast<double>(rules));
}

void ServerMetrics::ReloadRejected() { reloads_rejected_->Increment(); }

}  // namespace riposte::server

namespace riposte::server {

void ServerMetrics::AuditVerified(bool intact, absl::Time at) {
  audit_intact_->Set(intact ? 1 : 0);
  audit_verified_at_->Set(absl::ToDoubleSeconds(at - absl::UnixEpoch()));
}

}  // namespace riposte::server
