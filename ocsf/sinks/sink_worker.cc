#include "ocsf/sinks/sink_worker.h"

#include <algorithm>
#include <utility>

#include "common/log.h"
#include "common/status_macros.h"

namespace riposte::ocsf {

absl::StatusOr<SinkMetricFamilies> SinkMetricFamilies::Register(
    metrics::Registry& registry) {
  SinkMetricFamilies f;
  RIPOSTE_ASSIGN_OR_RETURN(
      f.delivered,
      registry.AddCounter("riposte_ocsf_sink_delivered_total",
                          "OCSF events a sink delivered (a redelivery after "
                          "a crash counts again).",
                          {"sink"}));
  RIPOSTE_ASSIGN_OR_RETURN(
      f.failures, registry.AddCounter("riposte_ocsf_sink_failures_total",
                                      "Deliveries of a sink that failed and "
                                      "will be retried.",
                                      {"sink"}));
  RIPOSTE_ASSIGN_OR_RETURN(
      f.lag, registry.AddGauge("riposte_ocsf_sink_lag_events",
                               "OCSF events in the outbox a sink has not "
                               "delivered yet.",
                               {"sink"}));
  RIPOSTE_ASSIGN_OR_RETURN(
      f.last_success,
      registry.AddGauge("riposte_ocsf_sink_last_success_timestamp_seconds",
                        "When a sink last delivered or found nothing to "
                        "deliver (Unix seconds).",
                        {"sink"}));
  return f;
}

absl::StatusOr<std::unique_ptr<SinkWorker>> SinkWorker::Create(
    SinkWorkerOptions options, OutboxSource* source,
    std::unique_ptr<Sink> sink, Clock* clock,
    const SinkMetricFamilies& families) {
  std::unique_ptr<SinkWorker> w(
      new SinkWorker(std::move(options), source, std::move(sink), clock));
  const std::vector<absl::string_view> labels = {w->options_.name};
  RIPOSTE_ASSIGN_OR_RETURN(w->delivered_, families.delivered->WithLabels(labels));
  RIPOSTE_ASSIGN_OR_RETURN(w->failures_, families.failures->WithLabels(labels));
  RIPOSTE_ASSIGN_OR_RETURN(w->lag_, families.lag->WithLabels(labels));
  RIPOSTE_ASSIGN_OR_RETURN(w->last_success_,
                           families.last_success->WithLabels(labels));
  return w;
}

SinkWorker::~SinkWorker() { Stop(); }

void SinkWorker::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void SinkWorker::Notify() {
  absl::MutexLock lock(&mu_);
  notified_ = true;
}

void SinkWorker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

bool SinkWorker::Wait(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return notified_ || stopping_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&woken), d);
  notified_ = false;
  return !stopping_;
}

absl::StatusOr<int> SinkWorker::DeliverOnce() {
  if (options_.lease != nullptr && options_.lease->fence() == 0) return 0;
  RIPOSTE_ASSIGN_OR_RETURN(const int64_t cursor,
                           source_->LoadCursor(options_.name));
  RIPOSTE_ASSIGN_OR_RETURN(std::vector<store::OutboxRow> rows,
                           source_->Read(cursor, options_.batch));
  int64_t delivered_to = cursor;
  if (!rows.empty()) {
    RIPOSTE_RETURN_IF_ERROR(sink_->Deliver(rows));
    delivered_to = rows.back().seq;
    RIPOSTE_RETURN_IF_ERROR(source_->SaveCursor(options_.name, delivered_to));
    delivered_->Increment(static_cast<int64_t>(rows.size()));
  }
  // Rows are numbered with gaps (an undone unit's seq is not reused), so
  // the lag is counted, up to one batch beyond which it says "at least".
  // A short read found all there was: nothing waits without reading again.
  size_t waiting = 0;
  if (static_cast<int>(rows.size()) >= options_.batch) {
    RIPOSTE_ASSIGN_OR_RETURN(const int64_t last, source_->LastSeq());
    if (last > delivered_to) {
      RIPOSTE_ASSIGN_OR_RETURN(std::vector<store::OutboxRow> next,
                               source_->Read(delivered_to, options_.batch));
      waiting = next.size();
    }
  }
  lag_->Set(static_cast<double>(waiting));
  last_success_->Set(absl::ToDoubleSeconds(clock_->Now() - absl::UnixEpoch()));
  return static_cast<int>(rows.size());
}

void SinkWorker::Loop() {
  absl::Duration backoff = options_.initial_backoff;
  while (true) {
    absl::StatusOr<int> delivered = DeliverOnce();
    absl::Duration wait = options_.poll;
    if (!delivered.ok()) {
      failures_->Increment();
      log::Warn("OCSF sink delivery failed; retrying",
                {{"sink", options_.name},
                 {"error", delivered.status()},
                 {"retry_in_ms", absl::ToInt64Milliseconds(backoff)}});
      wait = backoff;
      backoff = std::min(backoff * 2, options_.max_backoff);
    } else {
      backoff = options_.initial_backoff;
      // A full batch: more is waiting; go on at once.
      if (*delivered >= options_.batch) wait = absl::ZeroDuration();
    }
    if (!Wait(wait)) return;
  }
}

}  // namespace riposte::ocsf
