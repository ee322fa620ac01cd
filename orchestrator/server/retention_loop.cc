#include "orchestrator/server/retention_loop.h"

#include <algorithm>
#include <pthread.h>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace riposte::server {

absl::StatusOr<std::unique_ptr<RetentionLoop>> RetentionLoop::Create(
    store::Store* store, RetentionOptions options,
    std::unique_ptr<AuditArchiver> archiver, Clock* clock,
    metrics::Registry& registry) {
  std::unique_ptr<RetentionLoop> r(
      new RetentionLoop(store, options, std::move(archiver), clock));
  RIPOSTE_ASSIGN_OR_RETURN(
      auto* removed,
      registry.AddCounter("riposte_retention_removed_total",
                          "Records removed from the store by retention, by "
                          "kind (audit: archived first).",
                          {"kind"}));
  for (auto [kind, out] : {std::pair{"incident", &r->incidents_},
                           std::pair{"breach", &r->breaches_},
                           std::pair{"decision", &r->decisions_},
                           std::pair{"run", &r->runs_},
                           std::pair{"audit", &r->audit_records_},
                           std::pair{"ocsf_event", &r->ocsf_events_}}) {
    RIPOSTE_ASSIGN_OR_RETURN(*out, removed->WithLabels({kind}));
  }
  RIPOSTE_ASSIGN_OR_RETURN(
      auto* failures,
      registry.AddCounter("riposte_retention_failures_total",
                          "Retention passes that failed.", {}));
  RIPOSTE_ASSIGN_OR_RETURN(r->failures_, failures->WithLabels({}));
  return r;
}

absl::StatusOr<std::unique_ptr<RetentionLoop>> RetentionLoop::Start(
    store::Store* store, RetentionOptions options,
    std::unique_ptr<AuditArchiver> archiver, Clock* clock,
    metrics::Registry& registry) {
  RIPOSTE_ASSIGN_OR_RETURN(
      auto r, Create(store, options, std::move(archiver), clock, registry));
  r->thread_ = std::thread([self = r.get()] { self->Loop(); });
  return r;
}

RetentionLoop::~RetentionLoop() { Stop(); }

absl::StatusOr<RetentionPass> RetentionLoop::RunPass() {
  absl::MutexLock pass_lock(&pass_mu_);
  const absl::Time started = clock_->Now();
  RetentionPass pass;
  if (options_.lease != nullptr && options_.lease->fence() == 0) {
    log::Debug("retention pass skipped: another replica holds the lease");
    return pass;
  }
  store::PruneRequest request;
  request.activity_before =
      started - std::max(options_.incidents, options_.correlation_window);
  request.runs_changed_before = started - options_.runs;
  request.limit = options_.batch;
  // One unit per batch: intake's units go in between.
  while (!stop_.stopping()) {
    store::PruneResult batch;
    RIPOSTE_RETURN_IF_ERROR(
        store_->ExecuteAndWait([&](store::RetentionTransaction& txn) {
          if (options_.lease != nullptr) {
            RIPOSTE_RETURN_IF_ERROR(options_.lease->CheckHeld(txn));
          }
          RIPOSTE_ASSIGN_OR_RETURN(batch, txn.PruneIncidents(request));
          return absl::OkStatus();
        }));
    incidents_->Increment(batch.incidents);
    breaches_->Increment(batch.breaches);
    decisions_->Increment(batch.decisions);
    runs_->Increment(batch.runs);
    pass.removed.incidents += batch.incidents;
    pass.removed.breaches += batch.breaches;
    pass.removed.decisions += batch.decisions;
    pass.removed.runs += batch.runs;
    request.after_id = batch.last_id;
    if (batch.done) break;
  }
  if (archiver_ != nullptr) {
    while (!stop_.stopping()) {
      RIPOSTE_ASSIGN_OR_RETURN(int64_t archived, archiver_->ArchiveOne());
      if (archived == 0) break;
      audit_records_->Increment(archived);
      ++pass.audit_segments;
      pass.audit_records += archived;
    }
  }
  if (options_.ocsf_delivered) {
    RIPOSTE_ASSIGN_OR_RETURN(pass.ocsf_events, PruneOutbox(started));
  }
  // Freed pages back to the file system, a bounded number per unit.
  int64_t free_pages = 0;
  do {
    RIPOSTE_RETURN_IF_ERROR(
        store_->ExecuteAndWait([&](store::RetentionTransaction& txn) {
          RIPOSTE_ASSIGN_OR_RETURN(free_pages,
                                   txn.ReclaimSpace(options_.reclaim_pages));
          return absl::OkStatus();
        }));
  } while (free_pages > options_.reclaim_pages && !stop_.stopping());
  absl::StatusOr<store::StoreGauges> gauges = store_->Gauges();
  log::Info("retention pass",
            {{"incidents", pass.removed.incidents},
             {"breaches", pass.removed.breaches},
             {"decisions", pass.removed.decisions},
             {"runs", pass.removed.runs},
             {"audit_segments", pass.audit_segments},
             {"ocsf_events", pass.ocsf_events},
             {"audit_records", pass.audit_records},
             {"store_bytes", gauges.ok() ? gauges->size_bytes + gauges->wal_bytes
                                         : int64_t{-1}},
             {"seconds", absl::ToDoubleSeconds(clock_->Now() - started)}});
  return pass;
}

void RetentionLoop::Loop() {
  pthread_setname_np(pthread_self(), "retention");
  do {
    absl::StatusOr<RetentionPass> pass = RunPass();
    if (!pass.ok()) {
      failures_->Increment();
      log::Error("retention pass failed", {{"error", pass.status()}});
    }
  } while (!stop_.WaitFor(options_.interval));
}

absl::StatusOr<int64_t> RetentionLoop::PruneOutbox(absl::Time now) {
  RIPOSTE_ASSIGN_OR_RETURN(const int64_t delivered, options_.ocsf_delivered());
  const absl::Time before = now - options_.ocsf_events;
  int64_t removed = 0;
  while (!stop_.stopping()) {
    int64_t batch = 0;
    RIPOSTE_RETURN_IF_ERROR(
        store_->ExecuteAndWait([&](store::RetentionTransaction& txn) {
          if (options_.lease != nullptr) {
            RIPOSTE_RETURN_IF_ERROR(options_.lease->CheckHeld(txn));
          }
          RIPOSTE_ASSIGN_OR_RETURN(
              batch, txn.PruneOutbox(delivered, before, options_.batch));
          return absl::OkStatus();
        }));
    ocsf_events_->Increment(batch);
    removed += batch;
    // Done once a unit removes less than a batch: the rest is undelivered
    // or recent.
    if (batch < options_.batch) break;
  }
  return removed;
}

void RetentionLoop::Stop() {
  if (stopped_) return;
  stopped_ = true;
  stop_.Stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace riposte::server
