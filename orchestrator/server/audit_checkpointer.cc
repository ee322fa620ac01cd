#include "orchestrator/server/audit_checkpointer.h"

#include "absl/strings/str_cat.h"
#include "audit/audit_record.h"
#include "audit/checkpoint_file.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace riposte::server {

absl::StatusOr<std::unique_ptr<AuditCheckpointer>> AuditCheckpointer::Start(
    store::Store* store, std::unique_ptr<audit::CheckpointSigner> signer,
    CheckpointerOptions options, Clock* clock, metrics::Registry& registry) {
  std::unique_ptr<AuditCheckpointer> c(new AuditCheckpointer(
      store, std::move(signer), std::move(options), clock));
  RIPOSTE_ASSIGN_OR_RETURN(
      auto* size, registry.AddGauge("riposte_audit_checkpoint_size",
                                    "Audit records covered by the last signed "
                                    "checkpoint written.",
                                    {}));
  RIPOSTE_ASSIGN_OR_RETURN(c->size_, size->WithLabels({}));
  RIPOSTE_ASSIGN_OR_RETURN(
      auto* at, registry.AddGauge("riposte_audit_checkpoint_timestamp_seconds",
                                  "When the last signed checkpoint of the "
                                  "audit chain was written (Unix time).",
                                  {}));
  RIPOSTE_ASSIGN_OR_RETURN(c->timestamp_, at->WithLabels({}));
  RIPOSTE_ASSIGN_OR_RETURN(
      auto* failures,
      registry.AddCounter("riposte_audit_checkpoint_failures_total",
                          "Signed checkpoints that could not be written.", {}));
  RIPOSTE_ASSIGN_OR_RETURN(c->failures_, failures->WithLabels({}));
  RIPOSTE_RETURN_IF_ERROR(c->CheckpointIfMoved());
  c->thread_ = std::thread([self = c.get()] { self->Loop(); });
  return c;
}

AuditCheckpointer::~AuditCheckpointer() { Stop(); }

absl::Status AuditCheckpointer::CheckpointIfMoved() {
  absl::MutexLock lock(&write_mu_);
  // Another replica writes them while it holds the lease.
  if (options_.lease != nullptr && options_.lease->fence() == 0) {
    return absl::OkStatus();
  }
  absl::StatusOr<store::StoreGauges> gauges = store_->Gauges();
  absl::Status status = gauges.status();
  audit::Checkpoint cp;
  cp.origin = options_.origin;
  if (status.ok()) {
    cp.count = gauges->audit_head_seq;
    if (cp.count == last_count_) return absl::OkStatus();
    cp.head_hash = std::string(audit::kGenesisHash);
    if (cp.count > 0) {
      auto head = store_->ReadAudit(cp.count - 1, 1);
      status = head.status();
      if (status.ok() && (head->empty() || head->front().seq != cp.count)) {
        status = absl::InternalError(
            absl::StrCat("audit record ", cp.count, " cannot be read"));
      }
      if (status.ok()) cp.head_hash = head->front().hash;
    }
  }
  absl::StatusOr<std::string> note =
      status.ok() ? signer_->Sign(cp) : absl::StatusOr<std::string>(status);
  if (note.ok()) status = audit::AppendCheckpoint(options_.path, *note);
  if (!note.ok()) status = note.status();
  if (!status.ok()) {
    failures_->Increment();
    log::Error("audit checkpoint not written",
               {{"file", options_.path}, {"error", status}});
    return status;
  }
  last_count_ = cp.count;
  const absl::Time now = clock_->Now();
  size_->Set(static_cast<double>(cp.count));
  timestamp_->Set(absl::ToDoubleSeconds(now - absl::UnixEpoch()));
  // The whole signed note, so that the log is a second way off the host.
  log::Info("audit checkpoint", {{"origin", cp.origin},
                                 {"count", cp.count},
                                 {"head_hash", cp.head_hash},
                                 {"file", options_.path},
                                 {"checkpoint", *note}});
  return absl::OkStatus();
}

void AuditCheckpointer::Loop() {
  while (!stop_.WaitFor(options_.interval)) {
    // Errors are logged and counted; the next interval tries again.
    CheckpointIfMoved().IgnoreError();
  }
}

void AuditCheckpointer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  stop_.Stop();
  if (thread_.joinable()) thread_.join();
  // Units queued before this one are durable once it is.
  store_->ExecuteAndWait([](store::Transaction&) { return absl::OkStatus(); })
      .IgnoreError();
  CheckpointIfMoved().IgnoreError();
}

}  // namespace riposte::server
